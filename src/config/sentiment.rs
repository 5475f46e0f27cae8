//! The `[sentiment]` section: which learned models (see [`crate::sentiment::learned`]) to
//! load. Validating it loads the files, so `sturmglas check` and a reload refuse a missing,
//! corrupted or wrong-language model before the daemon would score with it, and the daemon
//! uses exactly the models that were checked.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::Ctx;
use crate::sentiment::learned::{Model, Models};
use crate::sentiment::{Analyzer, Lang};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentimentRaw {
    /// A model trained with `sturmglas train --lang de`; relative to the config's folder.
    pub model_de: Option<Spanned<String>>,
    /// A model trained with `sturmglas train --lang en`.
    pub model_en: Option<Spanned<String>>,
}

/// A model file as loaded and checked.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    pub path: PathBuf,
    pub model: Arc<Model>,
}

#[derive(Debug, Clone, Default)]
pub struct SentimentConfig {
    pub model_de: Option<LoadedModel>,
    pub model_en: Option<LoadedModel>,
}

impl SentimentConfig {
    pub fn validate(raw: &SentimentRaw, ctx: &mut Ctx<'_>) -> SentimentConfig {
        SentimentConfig {
            model_de: load(ctx, "model_de", raw.model_de.as_ref(), Lang::De),
            model_en: load(ctx, "model_en", raw.model_en.as_ref(), Lang::En),
        }
    }

    /// The models for [`crate::sentiment::Analyzer::with_models`].
    pub fn models(&self) -> Models {
        let mut m = Models::new();
        for l in [&self.model_de, &self.model_en].into_iter().flatten() {
            m.insert(l.model.clone());
        }
        m
    }

    /// The analyzer this section describes: the lexicons and these models. Loading the
    /// lexicons blocks for tens of milliseconds: call it off the async runtime.
    pub fn analyzer(&self) -> Analyzer {
        Analyzer::new().with_models(self.models())
    }

    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for (lang, m) in [("de", &self.model_de), ("en", &self.model_en)] {
            if let Some(m) = m {
                parts.push(format!("{lang} learned model {}", m.path.display()));
            }
        }
        if parts.is_empty() {
            "lexicons only".into()
        } else {
            format!("lexicons + {}", parts.join(", "))
        }
    }
}

fn load(
    ctx: &mut Ctx<'_>,
    key: &str,
    value: Option<&Spanned<String>>,
    lang: Lang,
) -> Option<LoadedModel> {
    let v = value?;
    if v.get_ref().trim().is_empty() {
        ctx.error(v.span(), format!("`{key}` is empty"));
        return None;
    }
    let path = ctx.path(v.get_ref());
    match Model::load_for(&path, lang) {
        Ok(model) => Some(LoadedModel {
            path,
            model: Arc::new(model),
        }),
        Err(e) => {
            ctx.error(
                v.span(),
                format!("`{key}`: cannot use {}: {e}", path.display()),
            );
            None
        }
    }
}
