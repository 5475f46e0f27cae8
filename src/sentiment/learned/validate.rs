//! Measuring a model the way the product cares about: accuracy, macro-F1 and the negative
//! class, which is what raises alerts; on a holdout split or by k-fold cross-validation.
//!
//! Invariant: splits and folds come from fixed seeds, so the same examples always give the
//! same figures.

use std::fmt;

use super::super::{Analyzer, Label, Lang};
use super::features::{self, label_index};
use super::model::{ClassProbabilities, Model};
use super::train::{train, Example, Rng, TrainError, TrainOptions};

/// The seed of `sturmglas train --holdout`'s split, fixed so a rerun measures the same posts.
pub const HOLDOUT_SEED: u64 = 0x5EED_0F57_0A11;

/// A confusion matrix over the three classes, `counts[gold][predicted]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confusion {
    pub counts: [[usize; 3]; 3],
}

impl Confusion {
    pub fn add(&mut self, gold: Label, predicted: Label) {
        self.counts[label_index(gold)][label_index(predicted)] += 1;
    }

    pub fn n(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    pub fn accuracy(&self) -> f64 {
        let correct: usize = (0..3).map(|i| self.counts[i][i]).sum();
        correct as f64 / self.n().max(1) as f64
    }

    /// Precision, recall and F1 of one class (0 where undefined).
    pub fn prf(&self, class: Label) -> (f64, f64, f64) {
        let c = label_index(class);
        let tp = self.counts[c][c] as f64;
        let predicted: usize = (0..3).map(|g| self.counts[g][c]).sum();
        let gold: usize = self.counts[c].iter().sum();
        let p = if predicted > 0 {
            tp / predicted as f64
        } else {
            0.0
        };
        let r = if gold > 0 { tp / gold as f64 } else { 0.0 };
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        (p, r, f)
    }

    pub fn macro_f1(&self) -> f64 {
        features::CLASSES
            .iter()
            .map(|c| self.prf(*c).2)
            .sum::<f64>()
            / 3.0
    }
}

impl fmt::Display for Confusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (p, r, f1) = self.prf(Label::Negative);
        write!(
            f,
            "n {}, accuracy {:.3}, macro-F1 {:.3}, negative precision {:.3} recall {:.3} F1 {:.3}",
            self.n(),
            self.accuracy(),
            self.macro_f1(),
            p,
            r,
            f1
        )
    }
}

/// Counts (gold, predicted) pairs.
impl FromIterator<(Label, Label)> for Confusion {
    fn from_iter<I: IntoIterator<Item = (Label, Label)>>(pairs: I) -> Confusion {
        let mut c = Confusion::default();
        for (gold, predicted) in pairs {
            c.add(gold, predicted);
        }
        c
    }
}

/// How `model` labels `examples` (with the lexicon features from `analyzer`).
pub fn evaluate(analyzer: &Analyzer, model: &Model, examples: &[Example]) -> Confusion {
    examples
        .iter()
        .map(|e| {
            let lex = analyzer.lexicon_view(&e.text, model.lang());
            (e.label, model.predict(&e.text, &lex).label())
        })
        .collect()
}

/// Splits example indices into (train, holdout): `fraction` of each class goes to holdout,
/// chosen by a seeded shuffle, so the class mix of both parts matches the whole.
pub fn holdout_split(examples: &[Example], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..examples.len()).collect();
    Rng::new(seed).shuffle(&mut idx);
    let mut want = [0usize; 3];
    let mut per_class = [0usize; 3];
    for e in examples {
        per_class[label_index(e.label)] += 1;
    }
    for k in 0..3 {
        want[k] = (per_class[k] as f64 * fraction.clamp(0.0, 1.0)).round() as usize;
    }
    let (mut train, mut hold) = (Vec::new(), Vec::new());
    for i in idx {
        let k = label_index(examples[i].label);
        if want[k] > 0 {
            want[k] -= 1;
            hold.push(i);
        } else {
            train.push(i);
        }
    }
    train.sort_unstable();
    hold.sort_unstable();
    (train, hold)
}

/// The fold (0..k) of each of `n` examples: a fixed shuffle, then fold j takes the positions
/// j, j+k, j+2k, …, so folds differ in size by at most one. The shuffle is its own xorshift,
/// not the holdout's `Rng`: it is the one the README's cross-validation figures were made
/// with, and they stay reproducible.
pub fn folds(n: usize, k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for i in (1..n).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        order.swap(i, (x % (i as u64 + 1)) as usize);
    }
    let mut fold = vec![0; n];
    for (pos, i) in order.into_iter().enumerate() {
        fold[i] = pos % k.max(1);
    }
    fold
}

/// k-fold cross-validation: trains k models, each on all examples outside one fold, and
/// returns every example's class probabilities from the model that did not see it, in the
/// order of `examples`. Every example is measured once, by a model trained on (k-1)/k of the
/// data: a steadier figure than one holdout split for the few hundred posts users have.
pub fn cross_validate(
    analyzer: &Analyzer,
    lang: Lang,
    examples: &[Example],
    opts: &TrainOptions,
    k: usize,
) -> Result<Vec<ClassProbabilities>, TrainError> {
    if k < 2 || k > examples.len() {
        return Err(TrainError::Folds {
            folds: k,
            examples: examples.len(),
        });
    }
    let fold = folds(examples.len(), k);
    let mut out = vec![None; examples.len()];
    for j in 0..k {
        let outside: Vec<Example> = examples
            .iter()
            .zip(&fold)
            .filter(|(_, f)| **f != j)
            .map(|(e, _)| e.clone())
            .collect();
        let model = train(analyzer, lang, &outside, opts).map_err(|e| TrainError::Fold {
            fold: j + 1,
            folds: k,
            err: Box::new(e),
        })?;
        for (i, e) in examples.iter().enumerate().filter(|(i, _)| fold[*i] == j) {
            let lex = analyzer.lexicon_view(&e.text, lang);
            out[i] = Some(model.predict(&e.text, &lex));
        }
    }
    Ok(out.into_iter().flatten().collect())
}
