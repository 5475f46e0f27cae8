//! Calibrated label thresholds, one pair per language. A score at or below `negative` is
//! Negative, at or above `positive` Positive, anything between Neutral. Invariant:
//! `negative < 0 < positive`, so a score of 0 (no evidence) is always Neutral.
//!
//! How they were chosen (rerun with `cargo run --release --example eval_sentiment -- DIR
//! --sweep`):
//! - English: on the VADER tweets set (the development data for VADER's method), the pair
//!   on a 0.01 grid that maximises 3-class macro-F1 against the human means (gold: a
//!   mean of at least 0.5 is positive, at most -0.5 negative, otherwise neutral): -0.08 /
//!   +0.41 (macro-F1 0.741 there, against 0.702 with VADER's customary ±0.05). Positive needs more evidence than
//!   negative because mildly positive words are everywhere in friendly small talk.
//! - German: on two development sets of different domains, never a test split: GermEval
//!   2017 dev (feedback about one company, mostly neutral) and SB10k train+dev (general
//!   tweets). The pair maximises the mean of their 3-class macro-F1s: -0.19 / +0.47 (GermEval
//!   dev 0.450, SB10k 0.549). Each set alone wants a different pair (GermEval alone -0.19 /
//!   +0.72, SB10k alone -0.34 / +0.47), and a calibration on the company-feedback set alone
//!   left a plain "Danke!" or "klasse!" neutral; the mean lets neither domain decide alone.
//!   Rechecked after the later German rule and lexicon changes: the optimum moved to
//!   -0.19 / +0.51, with a mean macro-F1 0.510 against 0.5095 for the pair in use (GermEval
//!   dev 0.455, SB10k 0.564), a difference far below the sets' sampling noise, so the pair
//!   stayed. Rechecked again after the next round (sarcasm, salutations, compound ends):
//!   the optimum is -0.20 / +0.47, the pair in use scores the same mean to three places
//!   (GermEval dev 0.465, SB10k 0.587), so it stayed; and after the raffle, news and
//!   advertising words that followed, again -0.20 / +0.47 with the same mean to three places
//!   (GermEval dev 0.467, SB10k 0.589). Macro-F1 rather than micro-F1, because micro-F1 on the
//!   neutral-heavy GermEval set is maximised by calling almost everything neutral, which
//!   would throw away the negative class that raises alerts.

use serde::Serialize;

use super::{Label, Lang};

/// Label boundaries on the score scale [-1, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub negative: f64,
    pub positive: f64,
}

/// See the module documentation for how these were chosen.
const EN: Thresholds = Thresholds {
    negative: -0.08,
    positive: 0.41,
};
const DE: Thresholds = Thresholds {
    negative: -0.19,
    positive: 0.47,
};

impl Thresholds {
    pub fn for_lang(lang: Lang) -> Thresholds {
        match lang {
            Lang::En => EN,
            Lang::De => DE,
        }
    }

    pub fn label(&self, score: f64) -> Label {
        if score <= self.negative {
            Label::Negative
        } else if score >= self.positive {
            Label::Positive
        } else {
            Label::Neutral
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_neutral_and_extremes_are_not() {
        for l in [Lang::De, Lang::En] {
            let t = Thresholds::for_lang(l);
            assert!(t.negative < 0.0 && t.positive > 0.0);
            assert_eq!(t.label(0.0), Label::Neutral);
            assert_eq!(t.label(-1.0), Label::Negative);
            assert_eq!(t.label(1.0), Label::Positive);
        }
    }
}
