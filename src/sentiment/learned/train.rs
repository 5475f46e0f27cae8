//! Training a model: multinomial logistic regression with a Naive-Bayes-scaled L2 penalty,
//! fitted to its optimum by L-BFGS.
//!
//! Invariant: training is deterministic. The same examples in the same order with the same
//! options give the same model bytes on every machine: the objective is summed in example
//! order in `f64` and the minimiser has no randomness.

use super::super::{Analyzer, Label, Lang};
use super::features::{self, label_index, DENSE, GROUPS};
use super::lbfgs;
use super::model::{Model, MAX_BUCKETS, MIN_BUCKETS};
use super::words::MAX_TABLE_WORDS;
use std::collections::HashMap;

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
    /// `Some(α)`: each text feature's weight for a class is penalised by `l2` / (r² +
    /// [`NB_FLOOR`]), where r is the feature's log-count ratio between the training posts of
    /// that class and the other posts, with α added to every count. This is the Naive-Bayes
    /// weighting of NBSVM (Wang & Manning 2012) written as a penalty: it is the same fit as a
    /// plain L2 on features scaled by √(r² + [`NB_FLOOR`]), but the weights stay those of the
    /// unscaled features, so the model file and scoring do not change. A word that tells the
    /// classes apart may take a large weight; one spread evenly over them is held near zero,
    /// which a few thousand posts cannot do by themselves. `None`: one L2 strength for every
    /// weight.
    pub naive_bayes: Option<f64>,
}

pub const DEFAULT_BUCKETS: u32 = 1 << 18;
pub const DEFAULT_L2: f64 = 3e-4;
pub const DEFAULT_MAX_ITERATIONS: u32 = 500;
pub const DEFAULT_NEGATIVE_WEIGHT: f32 = 1.0;
/// The count smoothing α of the Naive-Bayes penalty.
pub const DEFAULT_NB_SMOOTHING: f64 = 0.5;
/// Added to r² so that a feature with no class preference (r = 0) gets a large but finite
/// penalty, `l2` / NB_FLOOR.
pub const NB_FLOOR: f64 = 0.25;

/// The defaults were chosen by 5-fold cross-validation on SB10k train+dev, GermEval 2017 dev
/// and the VADER tweets, never on a test split. With a plain L2 (`eval_sentiment`'s earlier
/// grid over L2 5e-5–4e-4, negative weights 1–2.5, uniform or balanced class weights),
/// balanced weights with no extra negative weight were best on both German sets. With those,
/// `--learned-tune` searches L2 1e-4–6e-4 and Naive-Bayes smoothing off, 0.25, 0.5 and 1:
/// smoothing 0.5 with L2 3e-4 has the best mean macro-F1 over the two German sets (0.702 and
/// 0.637, against 0.680 and 0.624 for the best plain L2) and a mean negative F1 within 0.001
/// of the best; the English tweets gain too (0.778 against 0.766). `--learned-cv` rechecks
/// the negative weight and the class weights around these defaults.
impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            buckets: DEFAULT_BUCKETS,
            l2: DEFAULT_L2,
            max_iterations: DEFAULT_MAX_ITERATIONS,
            class_weights: ClassWeights::Balanced,
            negative_weight: DEFAULT_NEGATIVE_WEIGHT,
            lexicon_features: true,
            naive_bayes: Some(DEFAULT_NB_SMOOTHING),
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
    #[error("cross-validation needs 2 to {examples} folds (one post each at least), not {folds}")]
    Folds { folds: usize, examples: usize },
    #[error("fold {fold} of {folds}: {err}")]
    Fold {
        fold: usize,
        folds: usize,
        err: Box<TrainError>,
    },
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
    if opts
        .naive_bayes
        .is_some_and(|a| !(a.is_finite() && a > 0.0))
    {
        return Err(TrainError::Option(
            "the Naive-Bayes count smoothing must be positive".into(),
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
    let problem = Problem::new(
        &data,
        rows,
        opts.buckets as usize,
        &class_weight,
        opts.l2,
        opts.naive_bayes,
    );
    drop(data);
    let weights = problem.fit(opts.max_iterations);
    Ok(Model::from_weights(lang, opts.buckets, weights).with_words(vocabulary(examples)))
}

/// The words of the training posts for the model's word table, most frequent first (ties
/// in the order of first use, so training stays deterministic), at most
/// [`MAX_TABLE_WORDS`]. A word's case forms share one token hash and count together.
pub(super) fn vocabulary(examples: &[Example]) -> Vec<&str> {
    let mut seen: HashMap<u64, (usize, usize)> = HashMap::new();
    let mut first: Vec<&str> = Vec::new();
    for e in examples {
        for (h, w) in features::words(&e.text) {
            let next = first.len();
            let entry = seen.entry(h).or_insert((0, next));
            if entry.1 == next {
                first.push(w);
            }
            entry.0 += 1;
        }
    }
    let mut order: Vec<(usize, usize)> = seen.into_values().collect();
    order.sort_by_key(|(count, at)| (std::cmp::Reverse(*count), *at));
    order
        .into_iter()
        .take(MAX_TABLE_WORDS)
        .map(|(_, at)| first[at])
        .collect()
}

/// The training objective over the weight rows that some example uses (a few thousand posts
/// touch a fraction of the hashed buckets, and the minimiser keeps several vectors of the
/// parameters' size).
struct Problem {
    /// Row of each parameter triple.
    rows: Vec<u32>,
    total_rows: usize,
    examples: Vec<Compact>,
    /// The L2 coefficient of each parameter: 0 for the bias, `l2` for the other dense
    /// features, and for text features `l2` scaled by the Naive-Bayes factor if asked for.
    penalty: Vec<f64>,
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
    /// `first_dense` is the row of the bias; the dense features follow it, text features
    /// come before it.
    fn new(
        data: &[Sparse],
        total_rows: usize,
        first_dense: usize,
        class_weight: &[f64; 3],
        l2: f64,
        naive_bayes: Option<f64>,
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
        let examples: Vec<Compact> = data
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
        let mut penalty = match naive_bayes {
            Some(alpha) => naive_bayes_factors(&examples, &rows, first_dense, alpha),
            None => vec![1.0; rows.len() * 3],
        };
        for (c, &r) in rows.iter().enumerate() {
            for k in 0..3 {
                penalty[c * 3 + k] *= if r as usize == first_dense { 0.0 } else { l2 };
            }
        }
        Problem {
            rows,
            total_rows,
            examples,
            penalty,
        }
    }

    /// The objective at `theta` (three parameters per compact row); its gradient goes to
    /// `grad`.
    fn value(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let mut f = 0.0;
        for ((g, t), p) in grad.iter_mut().zip(theta).zip(&self.penalty) {
            *g = p * t;
            f += 0.5 * p * t * t;
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

/// The Naive-Bayes penalty factor 1 / (r² + [`NB_FLOOR`]) of every parameter of the text
/// rows (1 for dense rows), where r is the log of how much more often, in proportion, the
/// posts of a class hold the feature than the other posts do. Counts are of posts (a feature
/// twice in one post counts once), each smoothed by `alpha`.
fn naive_bayes_factors(
    examples: &[Compact],
    rows: &[u32],
    first_dense: usize,
    alpha: f64,
) -> Vec<f64> {
    let mut count = vec![[0f64; 3]; rows.len()];
    for ex in examples {
        for &(c, _) in &ex.x {
            count[c as usize][ex.label] += 1.0;
        }
    }
    let text_rows = || {
        count
            .iter()
            .enumerate()
            .filter(|(c, _)| (rows[*c] as usize) < first_dense)
    };
    // Per class, the sum of all smoothed text-feature counts.
    let mut total = [0f64; 3];
    for (_, n) in text_rows() {
        for k in 0..3 {
            total[k] += n[k] + alpha;
        }
    }
    let all: f64 = total.iter().sum();
    let mut factor = vec![1.0; rows.len() * 3];
    for (c, n) in text_rows() {
        let row_sum: f64 = n.iter().map(|x| x + alpha).sum();
        for k in 0..3 {
            let in_class = (n[k] + alpha) / total[k];
            let elsewhere = (row_sum - n[k] - alpha) / (all - total[k]);
            let r = (in_class / elsewhere).ln();
            factor[c * 3 + k] = 1.0 / (r * r + NB_FLOOR);
        }
    }
    factor
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(label: usize, x: &[(u32, f32)]) -> Sparse {
        Sparse {
            label,
            x: x.to_vec(),
        }
    }

    /// Three examples over rows 0..4 of 6 (row 5 unused), row 4 the bias.
    fn problem() -> Problem {
        let data = [
            ex(0, &[(0, 0.7), (1, 0.7), (4, 1.0)]),
            ex(1, &[(1, 1.0), (4, 1.0)]),
            ex(2, &[(2, 0.5), (3, 0.5), (4, 1.0)]),
        ];
        Problem::new(&data, 6, 4, &[2.0, 1.0, 1.0], 0.1, Some(0.5))
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
    fn naive_bayes_penalises_features_that_do_not_tell_classes_apart() {
        // Row 0 is only in the negative post, row 1 in every post, row 2 is the bias.
        let data = [
            ex(0, &[(0, 1.0), (1, 1.0), (2, 1.0)]),
            ex(1, &[(1, 1.0), (2, 1.0)]),
            ex(2, &[(1, 1.0), (2, 1.0)]),
        ];
        let nb = Problem::new(&data, 3, 2, &[1.0; 3], 0.1, Some(0.5));
        let pen = |row: usize, class: usize| nb.penalty[row * 3 + class];
        assert!(pen(0, 0) < pen(1, 0), "{:?}", nb.penalty);
        // Row 0 is rarer than average in the other classes' posts: a clear sign, too.
        assert!(pen(0, 1) < pen(1, 1), "{:?}", nb.penalty);
        assert!(pen(1, 0) <= 0.1 / NB_FLOOR, "{:?}", nb.penalty);
        assert_eq!(&nb.penalty[6..], &[0.0; 3], "the bias is not penalised");
        let plain = Problem::new(&data, 3, 2, &[1.0; 3], 0.1, None);
        assert_eq!(plain.penalty, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.0, 0.0, 0.0]);
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
