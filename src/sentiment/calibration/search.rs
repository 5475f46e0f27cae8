//! The search for a calibration: the label thresholds (and link weight) on a 0.01 grid that
//! maximise macro-F1 on labelled posts, and the cross-validated figure that says whether a
//! found calibration holds on posts it was not chosen on.
//!
//! Why apart from [`super`]: the daemon only labels with a [`Calibration`]; only `sturmglas
//! calibrate` (and the evaluation example) searches. Invariant: every pair searched keeps
//! `negative < 0 < positive`.

use crate::sentiment::learned::{folds, label_index, Confusion};
use crate::sentiment::{Label, Lang};

use super::{Calibration, Thresholds};

/// The link weights [`calibrate_with_links`] tries. Coarse on purpose: a few hundred linked
/// posts cannot tell 0.25 from 0.3.
pub const LINK_WEIGHTS: [f64; 7] = [1.0, 0.75, 0.5, 0.3, 0.2, 0.1, 0.0];

/// The steps of the grid that [`sweep`] and [`calibrate`] search: each boundary from 0.01
/// to 0.80 away from zero. Beyond 0.8 a class would keep only the few posts that pile up
/// several strong words.
const GRID_STEPS: u32 = 80;

/// Every pair of the grid as the steps of its boundaries, the negative boundary nearest zero
/// first.
fn grid() -> impl Iterator<Item = (u32, u32)> {
    (1..=GRID_STEPS).flat_map(|ni| (1..=GRID_STEPS).map(move |pi| (ni, pi)))
}

/// The pair of the grid with these steps.
fn pair((ni, pi): (u32, u32)) -> Thresholds {
    Thresholds {
        negative: -f64::from(ni) / 100.0,
        positive: f64::from(pi) / 100.0,
    }
}

/// How many posts of each gold class score at or beyond each boundary of the grid. With
/// these, the confusion matrix of any pair of the grid is a few subtractions, so calibrating
/// costs one pass over the posts instead of one per pair (6,400): a team's year of labelled
/// posts calibrates as fast as a few hundred.
struct GridCounts {
    /// `negative[g][i]`: posts of class `g` at or below the negative boundary of step `i`
    /// (index 0: every post of the class).
    negative: [[usize; GRID_STEPS as usize + 1]; 3],
    /// `positive[g][i]`: posts of class `g` at or above the positive boundary of step `i`.
    positive: [[usize; GRID_STEPS as usize + 1]; 3],
}

impl GridCounts {
    fn new(gold: &[Label], scores: &[f64]) -> GridCounts {
        // The boundaries exactly as `pair` computes them, so that every comparison is the one
        // `Thresholds::label` makes.
        let negatives: Vec<f64> = (1..=GRID_STEPS).map(|i| pair((i, 1)).negative).collect();
        let positives: Vec<f64> = (1..=GRID_STEPS).map(|i| pair((1, i)).positive).collect();
        let mut c = GridCounts {
            negative: [[0; GRID_STEPS as usize + 1]; 3],
            positive: [[0; GRID_STEPS as usize + 1]; 3],
        };
        for (g, s) in gold.iter().zip(scores) {
            let g = label_index(*g);
            // The boundaries a score is at or beyond form a prefix of the steps: count each
            // post at its deepest one, then sum from the deep end.
            c.negative[g][negatives.partition_point(|b| *s <= *b)] += 1;
            c.positive[g][positives.partition_point(|b| *s >= *b)] += 1;
        }
        for g in 0..3 {
            for i in (0..GRID_STEPS as usize).rev() {
                c.negative[g][i] += c.negative[g][i + 1];
                c.positive[g][i] += c.positive[g][i + 1];
            }
        }
        c
    }

    /// The confusion matrix of the pair with these steps. A score cannot be both at or below
    /// a negative boundary and at or above a positive one, so the rest of a class is neutral.
    fn confusion(&self, (ni, pi): (u32, u32)) -> Confusion {
        let mut counts = [[0; 3]; 3];
        for (g, row) in counts.iter_mut().enumerate() {
            let negative = self.negative[g][ni as usize];
            let positive = self.positive[g][pi as usize];
            *row = [
                negative,
                self.negative[g][0] - negative - positive,
                positive,
            ];
        }
        Confusion { counts }
    }
}

/// Scores within this of each other count as equal.
const TIE: f64 = 1e-12;

/// The pair on a 0.01 grid that maximises `objective`; of equal pairs, the first in grid
/// order (the negative boundary nearest zero, then the positive one).
pub fn sweep(mut objective: impl FnMut(Thresholds) -> f64) -> (Thresholds, f64) {
    let mut best = (Thresholds::for_lang(Lang::En), f64::MIN);
    for t in grid().map(pair) {
        let o = objective(t);
        if o > best.1 + TIE {
            best = (t, o);
        }
    }
    best
}

/// The pair that gives `scores` the best 3-class macro-F1 against `gold`, and how it labels
/// them: a domain's own calibration, on its posts. Of equal pairs it keeps the one nearest
/// `start` (the pair in use), so a range of equally good boundaries moves a boundary no
/// further than the posts ask. Macro-F1, not accuracy: on mostly neutral posts accuracy is
/// best when almost nothing is negative, and the negative class is the one that raises
/// alerts.
pub fn calibrate(gold: &[Label], scores: &[f64], start: Thresholds) -> (Thresholds, Confusion) {
    let distance =
        |t: Thresholds| (t.negative - start.negative).abs() + (t.positive - start.positive).abs();
    let counts = GridCounts::new(gold, scores);
    let mut best = (start, f64::MIN);
    for steps in grid() {
        let t = pair(steps);
        let f = counts.confusion(steps).macro_f1();
        if f > best.1 + TIE || (f > best.1 - TIE && distance(t) < distance(best.0)) {
            best = (t, f);
        }
    }
    (best.0, best.0.confusion(gold, scores))
}

/// Like [`calibrate`], and also the link weight: each weight of a coarse grid with the pair
/// best for it, the weight nearest `start`'s first, so another weight must do strictly
/// better to be chosen. Posts without links leave the weight as it is.
pub fn calibrate_with_links(
    gold: &[Label],
    scores: &[f64],
    linked: &[bool],
    start: Calibration,
) -> (Calibration, Confusion) {
    let mut weights = vec![start.link_weight];
    if linked.iter().any(|l| *l) {
        let mut others: Vec<f64> = LINK_WEIGHTS
            .into_iter()
            .filter(|w| (w - start.link_weight).abs() > TIE)
            .collect();
        others.sort_by(|a, b| {
            (a - start.link_weight)
                .abs()
                .total_cmp(&(b - start.link_weight).abs())
        });
        weights.extend(others);
    }
    let mut best: Option<(Calibration, Confusion)> = None;
    for link_weight in weights {
        let trial = Calibration {
            link_weight,
            ..start
        };
        let weighed: Vec<f64> = scores
            .iter()
            .zip(linked)
            .map(|(s, l)| trial.weigh(*s, *l))
            .collect();
        let (thresholds, c) = calibrate(gold, &weighed, start.thresholds);
        if best
            .as_ref()
            .is_none_or(|(_, b)| c.macro_f1() > b.macro_f1() + TIE)
        {
            best = Some((
                Calibration {
                    thresholds,
                    ..trial
                },
                c,
            ));
        }
    }
    // The start's own weight was tried first, so there is always a best.
    best.unwrap_or_else(|| (start, start.confusion(gold, scores, linked)))
}

/// How well calibrating on posts like these carries over to posts it did not see: each of
/// `k` folds is labelled by the calibration ([`calibrate_with_links`]) chosen on the other
/// folds, and the labels are pooled. The in-sample figure flatters a calibration fitted to a
/// few hundred posts; this one does not. `k` is at least 2 and at most the number of posts.
pub fn cross_validated_calibration(
    gold: &[Label],
    scores: &[f64],
    linked: &[bool],
    start: Calibration,
    k: usize,
) -> Confusion {
    let k = k.clamp(2, gold.len().max(2));
    let fold = folds(gold.len(), k);
    let mut pooled = Vec::with_capacity(gold.len());
    for j in 0..k {
        let mut g = Vec::new();
        let mut s = Vec::new();
        let mut l = Vec::new();
        for (i, f) in fold.iter().enumerate() {
            if *f != j {
                g.push(gold[i]);
                s.push(scores[i]);
                l.push(linked[i]);
            }
        }
        let (cal, _) = calibrate_with_links(&g, &s, &l, start);
        pooled.extend(
            fold.iter()
                .enumerate()
                .filter(|(_, f)| **f == j)
                .map(|(i, _)| (gold[i], cal.label(scores[i], linked[i]))),
        );
    }
    pooled.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_finds_the_boundaries_that_separate_the_classes() {
        // Negatives at -0.3 and below, positives at 0.6 and above, neutrals in between, and
        // one neutral post at -0.25 that a boundary nearer zero would call negative.
        let posts = [
            (Label::Negative, -0.9),
            (Label::Negative, -0.3),
            (Label::Neutral, -0.25),
            (Label::Neutral, 0.0),
            (Label::Neutral, 0.2),
            (Label::Neutral, 0.55),
            (Label::Positive, 0.6),
            (Label::Positive, 0.95),
        ];
        let gold: Vec<Label> = posts.iter().map(|p| p.0).collect();
        let scores: Vec<f64> = posts.iter().map(|p| p.1).collect();
        let (t, c) = calibrate(&gold, &scores, Thresholds::for_lang(Lang::De));
        assert_eq!(c.accuracy(), 1.0);
        assert_eq!(c.n(), posts.len());
        // Every pair in [-0.30, -0.26] x [0.56, 0.60] is perfect: the one nearest the
        // calibrated German pair (-0.19 / +0.47) is kept.
        assert_eq!((t.negative, t.positive), (-0.26, 0.56));
        let start = Thresholds {
            negative: -0.29,
            positive: 0.59,
        };
        let (t, _) = calibrate(&gold, &scores, start);
        assert_eq!(t, start, "a pair already among the best stays");
    }

    #[test]
    fn cross_validated_calibration_scores_each_post_once_with_a_pair_fitted_without_it() {
        // Ten posts per class, well apart: every fold's pair separates them too.
        let mut gold = Vec::new();
        let mut scores = Vec::new();
        for i in 0..10 {
            let x = f64::from(i) / 100.0;
            gold.extend([Label::Negative, Label::Neutral, Label::Positive]);
            scores.extend([-0.5 - x, x - 0.05, 0.5 + x]);
        }
        let start = Calibration::for_lang(Lang::De);
        let linked = vec![false; gold.len()];
        let c = cross_validated_calibration(&gold, &scores, &linked, start, 5);
        assert_eq!(c.n(), gold.len());
        assert_eq!(c.accuracy(), 1.0);
        // One mild post the team calls neutral: in-sample the negative boundary moves past
        // it; held out, the pair fitted on the others keeps -0.19 and calls it negative.
        let gold = [
            Label::Neutral,
            Label::Negative,
            Label::Negative,
            Label::Positive,
            Label::Neutral,
        ];
        let scores = [-0.3, -0.5, -0.6, 0.9, 0.0];
        let (_, inside) = calibrate(&gold, &scores, start.thresholds);
        assert_eq!(inside.accuracy(), 1.0);
        let outside = cross_validated_calibration(&gold, &scores, &[false; 5], start, 5);
        assert_eq!(outside.accuracy(), 0.8);
    }

    /// Shared headlines that read negative but that the team calls neutral, among complaints
    /// without links that score no stronger.
    fn headlines_and_complaints() -> (Vec<Label>, Vec<f64>, Vec<bool>) {
        let mut posts = Vec::new();
        for i in 0..6 {
            let x = f64::from(i) / 100.0;
            posts.push((Label::Neutral, -0.5 - x, true));
            posts.push((Label::Negative, -0.3 - x, false));
            posts.push((Label::Neutral, 0.0 + x, false));
            posts.push((Label::Positive, 0.6 + x, false));
        }
        let gold = posts.iter().map(|p| p.0).collect();
        let scores = posts.iter().map(|p| p.1).collect();
        let linked = posts.iter().map(|p| p.2).collect();
        (gold, scores, linked)
    }

    #[test]
    fn calibration_weighs_linked_posts_when_that_separates_the_classes() {
        let (gold, scores, linked) = headlines_and_complaints();
        let start = Calibration::for_lang(Lang::De);
        // No pair alone can call the headlines neutral and the milder complaints negative.
        let (t, c) = calibrate(&gold, &scores, start.thresholds);
        assert!(c.accuracy() < 1.0, "{t:?} {c}");
        let (cal, c) = calibrate_with_links(&gold, &scores, &linked, start);
        assert_eq!(c.accuracy(), 1.0, "{cal:?}");
        // Weighed by 0.5 the headlines score -0.25 to -0.275, the complaints -0.3 and below:
        // 0.75 cannot separate them, 0.5 is the first weight that does.
        assert_eq!(cal.link_weight, 0.5);
        assert_eq!(c, cal.confusion(&gold, &scores, &linked));
        // Held out, each fifth is labelled by the calibration of the other four: still right.
        let cv = cross_validated_calibration(&gold, &scores, &linked, start, 5);
        assert_eq!(cv.n(), gold.len());
        assert_eq!(cv.accuracy(), 1.0);
    }

    #[test]
    fn the_link_weight_stays_unless_another_does_better() {
        let (gold, scores, _) = headlines_and_complaints();
        // The same posts, none of them linked: there is nothing to weigh.
        let none = vec![false; gold.len()];
        let start = Calibration {
            thresholds: Thresholds::for_lang(Lang::De),
            link_weight: 0.3,
        };
        let (cal, _) = calibrate_with_links(&gold, &scores, &none, start);
        assert_eq!(cal.link_weight, 0.3);
        // Linked posts that are labelled as their scores say: every weight near 1 is as
        // good as 1, and the start's weight is kept.
        let gold = [
            Label::Negative,
            Label::Neutral,
            Label::Positive,
            Label::Negative,
        ];
        let scores = [-0.8, 0.0, 0.9, -0.9];
        let linked = [true, true, true, false];
        let (cal, c) =
            calibrate_with_links(&gold, &scores, &linked, Calibration::for_lang(Lang::De));
        assert_eq!(c.accuracy(), 1.0);
        assert_eq!(cal.link_weight, 1.0);
    }

    #[test]
    fn grid_counts_give_every_pair_the_confusion_of_labelling_each_post() {
        // Scores on the grid's boundaries and next to them, computed as calibration sees
        // them (weighed scores too), and in between; every class at every place.
        let mut scores = vec![-1.0, 1.0, 0.0, -0.0, 0.8, -0.8, 0.81, -0.81];
        for i in 0..=82 {
            let b = f64::from(i) / 100.0;
            scores.extend([b, -b, b + 1e-9, -b - 1e-9, b - 1e-9, 0.5 * (2.0 * b)]);
            scores.extend([0.3 * b, -0.1 * (b * 10.0), b + 0.005, -b - 0.005]);
        }
        let gold: Vec<Label> = (0..scores.len())
            .map(|i| [Label::Negative, Label::Neutral, Label::Positive][(i * 7 + i / 3) % 3])
            .collect();
        let counts = GridCounts::new(&gold, &scores);
        for steps in grid() {
            assert_eq!(
                counts.confusion(steps),
                pair(steps).confusion(&gold, &scores),
                "{:?}",
                pair(steps)
            );
        }
        // And so `calibrate` chooses what a search labelling every post would.
        let (t, c) = calibrate(&gold, &scores, Thresholds::for_lang(Lang::De));
        let brute = grid()
            .map(pair)
            .map(|t| (t, t.confusion(&gold, &scores).macro_f1()))
            .fold(None::<(Thresholds, f64)>, |best, (t, f)| match best {
                Some((_, b)) if f <= b + TIE => best,
                _ => Some((t, f)),
            });
        assert_eq!(c.macro_f1(), brute.map(|b| b.1).unwrap_or_default());
        assert_eq!(c, t.confusion(&gold, &scores));
    }

    #[test]
    fn sweep_keeps_the_first_of_equal_pairs() {
        let (t, o) = sweep(|_| 1.0);
        assert_eq!((t.negative, t.positive, o), (-0.01, 0.01, 1.0));
    }
}
