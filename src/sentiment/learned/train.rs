//! Training and measuring a model: multinomial logistic regression with L2, fitted to its
//! optimum by L-BFGS, and the metrics the product cares about (accuracy, macro-F1, and the
//! negative class, which is what raises alerts).
//!
//! Invariant: training is deterministic. The same examples in the same order with the same
//! options give the same model bytes on every machine: the objective is summed in example
//! order in `f64` and the minimiser has no randomness.

use std::fmt;

use super::super::{Analyzer, Label, Lang};
use super::features::{self, label_index, DENSE, GROUPS};
use super::lbfgs;
use super::model::{Model, MAX_BUCKETS, MIN_BUCKETS};

/// One labelled post.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub label: Label,
    pub text: String,
}

/// How much each class's mistakes cost during training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassWeights {
    /// Every example counts once.
    Uniform,
    /// Each class weighs as much in total as any other, so a rare negative class is not
    /// sacrificed for a frequent neutral one.
    Balanced,
}

#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Hash buckets for text features (stored in the model file).
    pub buckets: u32,
    /// L2 strength: the fit minimises the weighted mean loss plus `l2`/2 times the squared
    /// weights (the bias is not penalised). Larger trusts single rare n-grams less.
    pub l2: f64,
    /// A bound on the minimiser's iterations; fits of a few thousand posts converge in
    /// 100–250.
    pub max_iterations: u32,
    pub class_weights: ClassWeights,
    /// An extra factor on the negative class's weight (1 = none): missing a negative post
    /// costs more in this product than a false alarm on one.
    pub negative_weight: f32,
    /// Whether the lexicon's verdict is a feature. Off, the model learns from words alone
    /// (the dense weights stay zero); kept for measuring what the lexicon adds.
    pub lexicon_features: bool,
}

pub const DEFAULT_BUCKETS: u32 = 1 << 18;
pub const DEFAULT_L2: f64 = 1e-4;
pub const DEFAULT_MAX_ITERATIONS: u32 = 500;
pub const DEFAULT_NEGATIVE_WEIGHT: f32 = 1.0;
/// The seed of `sturmglas train --holdout`'s split, fixed so a rerun measures the same posts.
pub const HOLDOUT_SEED: u64 = 0x5EED_0F57_0A11;

/// The defaults were chosen with `eval_sentiment --learned-tune`, by 5-fold cross-validation
/// on SB10k train+dev, GermEval 2017 dev and the VADER tweets, never on a test split: over L2
/// 5e-5–4e-4, negative weights 1–2.5 and uniform or balanced class weights. Balanced weights
/// with no extra negative weight were best on both German sets. Of the L2 strengths, 1e-4 had
/// the best mean macro-F1 over the two German sets (tied with 5e-5) and a mean negative F1
/// within 0.002 of the best (2e-4); the English tweets barely move over the grid.
impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            buckets: DEFAULT_BUCKETS,
            l2: DEFAULT_L2,
            max_iterations: DEFAULT_MAX_ITERATIONS,
            class_weights: ClassWeights::Balanced,
            negative_weight: DEFAULT_NEGATIVE_WEIGHT,
            lexicon_features: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("no training examples")]
    Empty,
    #[error("the examples have only one class ({0}); a model needs at least two")]
    OneClass(&'static str),
    #[error("bucket count {0} is outside {MIN_BUCKETS}..={MAX_BUCKETS}")]
    Buckets(u32),
    #[error("{0}")]
    Option(String),
}

/// A tiny xorshift64*: enough randomness for a shuffle, and ours, so it never changes.
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// One example as the trainer sees it: (weight row, value) pairs, sorted, merged.
struct Sparse {
    label: usize,
    x: Vec<(u32, f32)>,
}

fn sparse(analyzer: &Analyzer, lang: Lang, opts: &TrainOptions, e: &Example) -> Sparse {
    let buckets = opts.buckets;
    let mut rows: Vec<(u32, u8)> = Vec::new();
    let mut count = [0u32; GROUPS];
    features::for_each(&e.text, |h, f| {
        let g = f.group();
        count[g] += 1;
        rows.push((Model::row_of(buckets, h) as u32, g as u8));
    });
    let mut x: Vec<(u32, f32)> = rows
        .into_iter()
        .map(|(r, g)| (r, features::group_scale(count[g as usize])))
        .collect();
    x.sort_by_key(|(r, _)| *r);
    x.dedup_by(|b, a| {
        if a.0 == b.0 {
            a.1 += b.1;
            true
        } else {
            false
        }
    });
    let lex = analyzer.lexicon_view(&e.text, lang);
    let dense = features::dense(&lex);
    let used = if opts.lexicon_features { DENSE } else { 1 };
    for (i, v) in dense.iter().enumerate().take(used) {
        if *v != 0.0 {
            x.push((buckets + i as u32, *v));
        }
    }
    Sparse {
        label: label_index(e.label),
        x,
    }
}

/// Fits a model for `lang` on `examples`; the lexicon features come from `analyzer`.
pub fn train(
    analyzer: &Analyzer,
    lang: Lang,
    examples: &[Example],
    opts: &TrainOptions,
) -> Result<Model, TrainError> {
    if examples.is_empty() {
        return Err(TrainError::Empty);
    }
    if !(MIN_BUCKETS..=MAX_BUCKETS).contains(&opts.buckets) {
        return Err(TrainError::Buckets(opts.buckets));
    }
    if !(opts.l2.is_finite() && opts.l2 >= 0.0) || opts.max_iterations == 0 {
        return Err(TrainError::Option(
            "L2 must be a number not below 0, and iterations at least 1".into(),
        ));
    }
    if !(opts.negative_weight.is_finite() && opts.negative_weight > 0.0) {
        return Err(TrainError::Option(
            "the negative weight must be positive".into(),
        ));
    }
    let mut per_class = [0usize; 3];
    for e in examples {
        per_class[label_index(e.label)] += 1;
    }
    if per_class.iter().filter(|c| **c > 0).count() < 2 {
        return Err(TrainError::OneClass(examples[0].label.as_str()));
    }
    let n = examples.len() as f64;
    let mut class_weight = [1f64; 3];
    if opts.class_weights == ClassWeights::Balanced {
        let present = per_class.iter().filter(|c| **c > 0).count() as f64;
        for k in 0..3 {
            if per_class[k] > 0 {
                class_weight[k] = n / (present * per_class[k] as f64);
            }
        }
    }
    class_weight[0] *= f64::from(opts.negative_weight);

    let data: Vec<Sparse> = examples
        .iter()
        .map(|e| sparse(analyzer, lang, opts, e))
        .collect();
    let rows = opts.buckets as usize + DENSE;
    let problem = Problem::new(&data, rows, opts.buckets as usize, &class_weight, opts.l2);
    drop(data);
    let weights = problem.fit(opts.max_iterations);
    Ok(Model::from_weights(lang, opts.buckets, weights))
}

/// The training objective over the weight rows that some example uses (a few thousand posts
/// touch a fraction of the hashed buckets, and the minimiser keeps several vectors of the
/// parameters' size).
struct Problem {
    /// Row of each parameter triple.
    rows: Vec<u32>,
    total_rows: usize,
    examples: Vec<Compact>,
    /// The compact row of the bias, which is not penalised.
    bias: Option<usize>,
    l2: f64,
}

/// An example over compact rows.
struct Compact {
    label: usize,
    /// Values stay `f32` as the features give them: it halves the memory of large sets.
    x: Vec<(u32, f32)>,
    /// Its class weight over the sum of all examples' class weights.
    weight: f64,
}

impl Problem {
    fn new(
        data: &[Sparse],
        total_rows: usize,
        bias_row: usize,
        class_weight: &[f64; 3],
        l2: f64,
    ) -> Problem {
        const UNUSED: u32 = u32::MAX;
        let mut index = vec![UNUSED; total_rows];
        let mut rows: Vec<u32> = Vec::new();
        for ex in data {
            for &(r, _) in &ex.x {
                if index[r as usize] == UNUSED {
                    index[r as usize] = rows.len() as u32;
                    rows.push(r);
                }
            }
        }
        let total: f64 = data.iter().map(|ex| class_weight[ex.label]).sum();
        let examples = data
            .iter()
            .map(|ex| {
                let x = ex.x.iter().map(|&(r, v)| (index[r as usize], v)).collect();
                Compact {
                    label: ex.label,
                    x,
                    weight: class_weight[ex.label] / total,
                }
            })
            .collect();
        let bias = (index[bias_row] != UNUSED).then(|| index[bias_row] as usize);
        Problem {
            rows,
            total_rows,
            examples,
            bias,
            l2,
        }
    }

    /// The objective at `theta` (three parameters per compact row); its gradient goes to
    /// `grad`.
    fn value(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let mut f = 0.0;
        for (g, t) in grad.iter_mut().zip(theta) {
            *g = self.l2 * t;
            f += 0.5 * self.l2 * t * t;
        }
        if let Some(b) = self.bias {
            for k in b * 3..b * 3 + 3 {
                f -= 0.5 * self.l2 * theta[k] * theta[k];
                grad[k] = 0.0;
            }
        }
        for Compact { label, x, weight } in &self.examples {
            let mut z = [0.0f64; 3];
            for &(r, v) in x {
                let (r, v) = (r as usize * 3, f64::from(v));
                for (k, zk) in z.iter_mut().enumerate() {
                    *zk += theta[r + k] * v;
                }
            }
            let max = z[0].max(z[1]).max(z[2]);
            let e = z.map(|zk| (zk - max).exp());
            let sum = e[0] + e[1] + e[2];
            f += weight * (sum.ln() + max - z[*label]);
            let d: [f64; 3] = std::array::from_fn(|k| {
                weight * (e[k] / sum - if k == *label { 1.0 } else { 0.0 })
            });
            for &(r, v) in x {
                let (r, v) = (r as usize * 3, f64::from(v));
                for k in 0..3 {
                    grad[r + k] += d[k] * v;
                }
            }
        }
        f
    }

    /// The minimising weights, spread back over every row (unused rows stay 0).
    fn fit(&self, max_iterations: u32) -> Vec<f32> {
        let mut theta = vec![0.0f64; self.rows.len() * 3];
        let opts = lbfgs::Options {
            max_iterations,
            ..lbfgs::Options::default()
        };
        let (stop, iterations) = lbfgs::minimize(&mut theta, &opts, |t, g| self.value(t, g));
        tracing::debug!(?stop, iterations, rows = self.rows.len(), "model fitted");
        let mut w = vec![0f32; self.total_rows * 3];
        for (c, &r) in self.rows.iter().enumerate() {
            for k in 0..3 {
                w[r as usize * 3 + k] = theta[c * 3 + k] as f32;
            }
        }
        w
    }
}

/// A confusion matrix over the three classes, `counts[gold][predicted]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confusion {
    pub counts: [[usize; 3]; 3],
}

impl Confusion {
    pub fn add(&mut self, gold: Label, predicted: Label) {
        self.counts[label_index(gold)][label_index(predicted)] += 1;
    }

    pub fn merge(&mut self, other: &Confusion) {
        for g in 0..3 {
            for p in 0..3 {
                self.counts[g][p] += other.counts[g][p];
            }
        }
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

/// How `model` labels `examples` (with the lexicon features from `analyzer`).
pub fn evaluate(analyzer: &Analyzer, model: &Model, examples: &[Example]) -> Confusion {
    let mut c = Confusion::default();
    for e in examples {
        let lex = analyzer.lexicon_view(&e.text, model.lang());
        c.add(e.label, model.predict(&e.text, &lex).label());
    }
    c
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Three examples over rows 0..4 of 6 (row 5 unused), row 4 the bias.
    fn problem() -> Problem {
        let data = [
            Sparse {
                label: 0,
                x: vec![(0, 0.7), (1, 0.7), (4, 1.0)],
            },
            Sparse {
                label: 1,
                x: vec![(1, 1.0), (4, 1.0)],
            },
            Sparse {
                label: 2,
                x: vec![(2, 0.5), (3, 0.5), (4, 1.0)],
            },
        ];
        Problem::new(&data, 6, 4, &[2.0, 1.0, 1.0], 0.1)
    }

    #[test]
    fn the_gradient_matches_finite_differences() {
        let p = problem();
        let theta: Vec<f64> = (0..p.rows.len() * 3)
            .map(|i| ((i * 7 % 11) as f64 - 5.0) / 10.0)
            .collect();
        let mut grad = vec![0.0; theta.len()];
        p.value(&theta, &mut grad);
        let mut scratch = vec![0.0; theta.len()];
        for i in 0..theta.len() {
            let h = 1e-6;
            let mut up = theta.clone();
            up[i] += h;
            let mut down = theta.clone();
            down[i] -= h;
            let numeric = (p.value(&up, &mut scratch) - p.value(&down, &mut scratch)) / (2.0 * h);
            assert!(
                (numeric - grad[i]).abs() < 1e-6,
                "parameter {i}: analytic {} numeric {numeric}",
                grad[i]
            );
        }
    }

    #[test]
    fn the_fit_reaches_the_optimum_and_leaves_unused_rows_zero() {
        let p = problem();
        assert_eq!(p.rows.len(), 5, "row 5 is used by no example");
        let w = p.fit(DEFAULT_MAX_ITERATIONS);
        assert_eq!(w.len(), 6 * 3);
        assert_eq!(&w[15..], &[0.0, 0.0, 0.0]);
        // The gradient at the returned weights (compact again) is about zero.
        let theta: Vec<f64> = p
            .rows
            .iter()
            .flat_map(|&r| (0..3).map(move |k| r as usize * 3 + k))
            .map(|i| f64::from(w[i]))
            .collect();
        let mut grad = vec![0.0; theta.len()];
        p.value(&theta, &mut grad);
        assert!(grad.iter().all(|g| g.abs() < 1e-4), "{grad:?}");
        // Each example's own class wins on the training data.
        for Compact { label, x, .. } in &p.examples {
            let z: [f64; 3] = std::array::from_fn(|k| {
                x.iter()
                    .map(|&(r, v)| theta[r as usize * 3 + k] * f64::from(v))
                    .sum()
            });
            let best = (0..3).max_by(|a, b| z[*a].total_cmp(&z[*b])).unwrap();
            assert_eq!(best, *label, "{z:?}");
        }
    }
}
