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

use super::learned::Confusion;
use super::{Label, Lang};

// The search for a calibration, which only `sturmglas calibrate` runs.
mod search;
pub use search::{
    calibrate, calibrate_with_links, cross_validated_calibration, sweep, LINK_WEIGHTS,
};

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

    /// How these boundaries label `scores`, against `gold`.
    pub fn confusion(&self, gold: &[Label], scores: &[f64]) -> Confusion {
        gold.iter()
            .zip(scores)
            .map(|(g, s)| (*g, self.label(*s)))
            .collect()
    }
}

/// How a domain turns lexicon scores into labels: the boundaries, and how much the score of
/// a post that shares a link counts. Some teams' feeds are full of shared news headlines
/// ("Skandal um …", "Panne bei …") whose words describe an event, not the poster's opinion,
/// and which the team calls neutral; in others a linked post is a complaint like any other.
/// So the weight is 1 (links change nothing) unless a domain's own calibration finds
/// otherwise. On the two German development sets (`eval_sentiment --sweep` prints each
/// weight with the pair re-swept for it) the mean of their macro-F1s, the rule of the built-in
/// pair, would choose 0.3 (0.541 against 0.528), but only because general tweets (SB10k)
/// gain more (0.589 → 0.652) than feedback about one company (GermEval 2017) loses (0.467 →
/// 0.430, accuracy 0.604 → 0.531). The built-in weight stays 1: a monitored brand's news is
/// not neutral to the brand ("Skandal um Nordwind" is bad news for Nordwind), which is how
/// GermEval's annotators, judging sentiment towards the company, label such posts; a rule
/// that makes the domain nearest brand monitoring worse is left to each domain's calibration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Calibration {
    pub thresholds: Thresholds,
    /// The factor (0 to 1) on the lexicon score of a post that shares a link, before it is
    /// labelled and reported.
    pub link_weight: f64,
}

impl Calibration {
    /// The built-in calibration: the calibrated pair, links counting in full.
    pub fn for_lang(lang: Lang) -> Calibration {
        Calibration {
            thresholds: Thresholds::for_lang(lang),
            link_weight: 1.0,
        }
    }

    /// The score a post counts with.
    pub fn weigh(&self, score: f64, linked: bool) -> f64 {
        if linked {
            score * self.link_weight
        } else {
            score
        }
    }

    /// The label of a post with lexicon score `score`.
    pub fn label(&self, score: f64, linked: bool) -> Label {
        self.thresholds.label(self.weigh(score, linked))
    }

    /// How this calibration labels `scores` (with `linked` saying which posts share a link),
    /// against `gold`.
    pub fn confusion(&self, gold: &[Label], scores: &[f64], linked: &[bool]) -> Confusion {
        gold.iter()
            .zip(scores)
            .zip(linked)
            .map(|((g, s), l)| (*g, self.label(*s, *l)))
            .collect()
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
