//! Sentiment: lexicon-and-rules scoring of short German and English posts.
//!
//! PLACEHOLDER: this is the interface the rest of the crate uses, with a deliberately tiny
//! scorer behind it until the real engine (VADER method for English, curated German lexicon,
//! language identification) replaces the body. Keep the public interface.

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

/// The scorer, with its lexicons loaded once and shared (`Arc`) by every task that scores.
pub struct Analyzer {
    _private: (),
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

const NEG: &[&str] = &[
    "abzocke",
    "skandal",
    "frechheit",
    "boykott",
    "katastrophe",
    "schlecht",
    "wütend",
    "nie",
    "scam",
    "awful",
    "terrible",
    "boycott",
    "worst",
    "hate",
    "angry",
    "broken",
    "disgrace",
];
const POS: &[&str] = &[
    "super",
    "toll",
    "danke",
    "great",
    "love",
    "awesome",
    "excellent",
    "gut",
    "klasse",
];

impl Analyzer {
    pub fn new() -> Self {
        Analyzer { _private: () }
    }

    /// Scores a text; `lang` is the post's declared language, detected when `None`.
    pub fn analyze(&self, text: &str, lang: Option<Lang>) -> Sentiment {
        let lower = text.to_lowercase();
        let (mut pos, mut neg) = (0i32, 0i32);
        let mut de_hits = 0;
        for w in lower.split(|c: char| !c.is_alphanumeric()) {
            if NEG.contains(&w) {
                neg += 1;
            }
            if POS.contains(&w) {
                pos += 1;
            }
            if ["und", "der", "die", "das", "ist", "nicht", "ich"].contains(&w) {
                de_hits += 1;
            }
        }
        let lang = lang.unwrap_or(if de_hits > 0 { Lang::De } else { Lang::En });
        let raw = (pos - neg) as f64;
        let score = raw / (raw * raw + 2.0).sqrt();
        let label = if score <= -0.3 {
            Label::Negative
        } else if score >= 0.3 {
            Label::Positive
        } else {
            Label::Neutral
        };
        Sentiment { lang, score, label }
    }
}
