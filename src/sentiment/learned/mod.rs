//! The optional learned layer: a small supervised model per language that users train on
//! their own labelled posts (`sturmglas train`) and point the config at. sturmglas ships no
//! weights: the model corrects the lexicon for one user's domain ("nur Edge" is a complaint
//! for a telecom), and the German labelled data at hand is non-commercial or its texts are
//! under a platform's terms, so weights trained on it may not ship.
//!
//! The model is a 3-class (negative, neutral, positive) logistic regression over hashed word
//! unigrams and bigrams, character 3–5-grams inside words, and the lexicon's own verdict as
//! dense features (`features`), so it learns where the lexicon is wrong instead of
//! replacing it. When a post's language has a model, its label is the model's most probable
//! class and its score `p(positive) - p(negative)`. Training (`train`) minimises the
//! class-weighted cross-entropy with an L2 penalty to its optimum by L-BFGS (`lbfgs`); the
//! penalty of each word and n-gram weight is scaled by how well that feature tells its class
//! from the others in the training posts (Naive-Bayes log-count ratios, as in NBSVM).
//! Training also stores, for the training posts' frequent words, the sum of each word's
//! character n-gram weights (`words`), so scoring a known word takes one look-up.
//!
//! # Model file (format version 2)
//!
//! All integers little-endian.
//!
//! | offset | size | content |
//! | --- | --- | --- |
//! | 0 | 8 | magic `STGLSENT` |
//! | 8 | 2 | format version (`u16`, 2; version 1 files still load) |
//! | 10 | 2 | language, ASCII (`de`, `en`) |
//! | 12 | 1 | feature-set version (`u8`, `features::FEATURE_SET_VERSION`) |
//! | 13 | 3 | reserved, zero |
//! | 16 | 4 | bucket count B (`u32`, 2^10..=2^22) |
//! | 20 | 4 | dense feature count D (`u32`, must match the feature set) |
//! | 24 | 12·(B+D) | weights, `f32`: one row of three (negative, neutral, positive) per feature, hashed buckets first, then the dense features |
//! | 24+12·(B+D) | 4 | word count W (`u32`, at most [`MAX_TABLE_WORDS`]); absent in version 1 |
//! | … | 24·W | the word table (`words`): per word its token hash (`u64`, distinct, not 0), the sums of its character n-grams' weight rows (3 × `f32`) and its n-gram count (`u32`); absent in version 1 |
//! | end−8 | 8 | checksum: our FNV-1a 64 (kind byte `f`) of every byte before it |
//!
//! A version 1 file is a version 2 file without the word count and table: it scores the
//! same, only slower.
//!
//! Loading checks every field, the exact length, the checksum and that every weight is
//! finite, and fails with a [`ModelError`] otherwise; it never panics.

mod features;
mod input;
mod lbfgs;
mod model;
mod train;
mod validate;
mod words;

#[cfg(test)]
mod tests;

use std::sync::Arc;

pub(crate) use features::LexiconView;
pub use input::{parse_examples, parse_label, read_examples, BadLines, InputError};
pub use model::{
    ClassProbabilities, FeatureWeight, Model, ModelError, ModelExplanation, MAX_BUCKETS,
    MIN_BUCKETS,
};
pub use train::{
    train, ClassWeights, Example, TrainError, TrainOptions, DEFAULT_BUCKETS, DEFAULT_L2,
    DEFAULT_MAX_ITERATIONS, DEFAULT_NB_SMOOTHING, DEFAULT_NEGATIVE_WEIGHT, NB_FLOOR,
};
pub use validate::{cross_validate, evaluate, folds, holdout_split, Confusion, HOLDOUT_SEED};
pub use words::MAX_TABLE_WORDS;

pub(crate) use features::label_index;

/// At most one model per language. Keyed by the model's own language, so a German model can
/// never end up scoring English posts.
#[derive(Debug, Clone, Default)]
pub struct Models {
    de: Option<Arc<Model>>,
    en: Option<Arc<Model>>,
}

impl Models {
    pub fn new() -> Models {
        Models::default()
    }

    /// Adds a model for its language, returning the one it replaces.
    pub fn insert(&mut self, model: Arc<Model>) -> Option<Arc<Model>> {
        let slot = match model.lang() {
            super::Lang::De => &mut self.de,
            super::Lang::En => &mut self.en,
        };
        slot.replace(model)
    }

    pub fn with(mut self, model: Arc<Model>) -> Models {
        self.insert(model);
        self
    }

    pub fn get(&self, lang: super::Lang) -> Option<&Model> {
        match lang {
            super::Lang::De => self.de.as_deref(),
            super::Lang::En => self.en.as_deref(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.de.is_none() && self.en.is_none()
    }
}
