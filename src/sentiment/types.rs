//! The values sentiment scoring deals in: the language, the label, the verdict on one text, and
//! a language scorer's raw result.
//!
//! Why a module of their own: the lexicon scorers, the learned model, calibration and every
//! stage after sentiment name these types, while only the [`super::Analyzer`] needs the scorers.
//! Invariant: nothing here scores; these are plain data, re-exported from `sentiment`.

use serde::{Deserialize, Serialize};

/// The languages with a lexicon. Posts in other languages are scored with the closest one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    De,
    En,
}

impl Lang {
    /// Reads an ISO 639-1 code (`"de"`, `"en-GB"`, `"de_AT"`); `None` for other languages.
    pub fn from_code(code: &str) -> Option<Lang> {
        let c = code.trim().to_ascii_lowercase();
        let primary = c.split(['-', '_']).next().unwrap_or("");
        match primary {
            "de" | "deu" | "ger" => Some(Lang::De),
            "en" | "eng" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Negative,
    Neutral,
    Positive,
}

impl Label {
    pub fn as_str(&self) -> &'static str {
        match self {
            Label::Negative => "negative",
            Label::Neutral => "neutral",
            Label::Positive => "positive",
        }
    }
}

/// The score of one text: `score` in [-1, 1] and the label chosen from it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    pub lang: Lang,
    pub score: f64,
    pub label: Label,
}

impl Sentiment {
    pub fn is_negative(&self) -> bool {
        self.label == Label::Negative
    }
}

/// What a language scorer returns: the score and how many tokens its lexicon knew.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored {
    pub score: f64,
    pub hits: u32,
}
