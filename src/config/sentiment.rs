//! The `[sentiment]` section: which learned models (see [`crate::sentiment::learned`]) to
//! load, and a domain's own calibration (`sturmglas calibrate`: label boundaries and the
//! weight of posts that share a link) in place of the built-in one. Validating it loads the
//! files, so `sturmglas check` and a reload refuse a missing, corrupted or wrong-language
//! model before the daemon would score with it, and the daemon uses exactly the models that
//! were checked.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::Ctx;
use crate::sentiment::learned::{Model, Models};
use crate::sentiment::{Analyzer, Calibration, Lang, Thresholds};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentimentRaw {
    /// A model trained with `sturmglas train --lang de`; relative to the config's folder.
    pub model_de: Option<Spanned<String>>,
    /// A model trained with `sturmglas train --lang en`.
    pub model_en: Option<Spanned<String>>,
    /// A German lexicon score at or below this is negative (-1.0 to below 0).
    pub negative_de: Option<Spanned<f64>>,
    /// A German lexicon score at or above this is positive (above 0 to 1.0).
    pub positive_de: Option<Spanned<f64>>,
    pub negative_en: Option<Spanned<f64>>,
    pub positive_en: Option<Spanned<f64>>,
    /// The factor (0 to 1) on the lexicon score of a German post that shares a link.
    pub link_weight_de: Option<Spanned<f64>>,
    /// The same for English posts.
    pub link_weight_en: Option<Spanned<f64>>,
}

/// A model file as loaded and checked.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    pub path: PathBuf,
    pub model: Arc<Model>,
}

#[derive(Debug, Clone)]
pub struct SentimentConfig {
    pub model_de: Option<LoadedModel>,
    pub model_en: Option<LoadedModel>,
    /// How the lexicon's German scores are labelled: the built-in calibration with the keys
    /// the config sets in its place.
    pub calibration_de: Calibration,
    pub calibration_en: Calibration,
}

impl Default for SentimentConfig {
    fn default() -> Self {
        SentimentConfig {
            model_de: None,
            model_en: None,
            calibration_de: Calibration::for_lang(Lang::De),
            calibration_en: Calibration::for_lang(Lang::En),
        }
    }
}

impl SentimentConfig {
    pub fn validate(raw: &SentimentRaw, ctx: &mut Ctx<'_>) -> SentimentConfig {
        SentimentConfig {
            model_de: load(ctx, "model_de", raw.model_de.as_ref(), Lang::De),
            model_en: load(ctx, "model_en", raw.model_en.as_ref(), Lang::En),
            calibration_de: calibration(
                ctx,
                Lang::De,
                [&raw.negative_de, &raw.positive_de, &raw.link_weight_de],
            ),
            calibration_en: calibration(
                ctx,
                Lang::En,
                [&raw.negative_en, &raw.positive_en, &raw.link_weight_en],
            ),
        }
    }

    /// How the lexicon's scores of `lang` are labelled with this section.
    pub fn calibration(&self, lang: Lang) -> Calibration {
        match lang {
            Lang::De => self.calibration_de,
            Lang::En => self.calibration_en,
        }
    }

    /// Whether a learned model labels `lang`'s posts (and the calibration does not).
    pub fn has_model(&self, lang: Lang) -> bool {
        match lang {
            Lang::De => self.model_de.is_some(),
            Lang::En => self.model_en.is_some(),
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
        Analyzer::new()
            .with_models(self.models())
            .with_calibration(Lang::De, self.calibration_de)
            .with_calibration(Lang::En, self.calibration_en)
    }

    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for (lang, m) in [("de", &self.model_de), ("en", &self.model_en)] {
            if let Some(m) = m {
                parts.push(format!("{lang} learned model {}", m.path.display()));
            }
        }
        let langs = [Lang::De, Lang::En];
        for lang in langs {
            let t = self.calibration(lang).thresholds;
            if t != Thresholds::for_lang(lang) {
                parts.push(format!(
                    "{} label thresholds {} / +{}",
                    lang.as_str(),
                    t.negative,
                    t.positive
                ));
            }
        }
        for lang in langs {
            let w = self.calibration(lang).link_weight;
            if w != Calibration::for_lang(lang).link_weight {
                parts.push(format!("{} link weight {w}", lang.as_str()));
            }
        }
        if parts.is_empty() {
            "lexicons only".into()
        } else {
            format!("lexicons + {}", parts.join(", "))
        }
    }
}

/// The built-in calibration for `lang` with the keys the config sets in its place: the
/// negative and positive boundaries and the link weight. The boundaries stay on their side
/// of zero, so a post without evidence (score 0) is always neutral.
fn calibration(
    ctx: &mut Ctx<'_>,
    lang: Lang,
    [negative, positive, link_weight]: [&Option<Spanned<f64>>; 3],
) -> Calibration {
    let mut c = Calibration::for_lang(lang);
    let l = lang.as_str();
    if let Some(n) = checked(
        ctx,
        negative,
        &format!("negative_{l}"),
        "at least -1.0 and below 0 (a score of 0 is neutral)",
        |n| (-1.0..0.0).contains(&n),
    ) {
        c.thresholds.negative = n;
    }
    if let Some(p) = checked(
        ctx,
        positive,
        &format!("positive_{l}"),
        "above 0 and at most 1.0 (a score of 0 is neutral)",
        |p| p > 0.0 && p <= 1.0,
    ) {
        c.thresholds.positive = p;
    }
    if let Some(w) = checked(
        ctx,
        link_weight,
        &format!("link_weight_{l}"),
        "from 0 (linked posts are neutral) to 1 (links change nothing)",
        |w| (0.0..=1.0).contains(&w),
    ) {
        c.link_weight = w;
    }
    c
}

/// The value of a number key if it is finite and `valid`; otherwise an error at the value,
/// "`key` must be `rule`, not …", and `None`.
fn checked(
    ctx: &mut Ctx<'_>,
    value: &Option<Spanned<f64>>,
    key: &str,
    rule: &str,
    valid: impl Fn(f64) -> bool,
) -> Option<f64> {
    let v = value.as_ref()?;
    let x = *v.get_ref();
    if x.is_finite() && valid(x) {
        Some(x)
    } else {
        ctx.error(v.span(), format!("{key} must be {rule}, not {x}"));
        None
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
