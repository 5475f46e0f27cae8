//! The sentiment evaluation: scores every labelled set under an evaluation folder (read in
//! place; these sets are never copied into the repository) and prints, per set, 3-class
//! accuracy (= micro-F1), macro-F1, the negative class's precision, recall and F1, and for
//! the VADER sets Pearson r with the human mean rating. Labels come from `analyze(text, None)`,
//! language identification included, as for a post that arrives without a language; the
//! `lang-ok` column is the share identified as the set's language, and Pearson r and the
//! threshold sweep use the score in the set's language.
//!
//! ```text
//! cargo run --release --example eval_sentiment -- /work/shared/data/eval [--sweep]
//! ```
//!
//! `--sweep` also searches the label thresholds on the development data only (VADER tweets
//! for English, GermEval 2017 dev for German) as documented in `src/sentiment/calibration.rs`.
//! Gold classes of the VADER sets: mean rating >= 0.5 positive, <= -0.5 negative, else
//! neutral. PotTS "mixed" posts are left out.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sturmglas::sentiment::{Analyzer, Label, Lang, Thresholds};

struct Item {
    gold: Label,
    rating: Option<f64>,
    text: String,
}

fn label(s: &str) -> Option<Label> {
    match s.trim() {
        "negative" => Some(Label::Negative),
        "neutral" => Some(Label::Neutral),
        "positive" => Some(Label::Positive),
        _ => None,
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn vader_set(path: &Path) -> Result<Vec<Item>> {
    let mut out = Vec::new();
    for line in read(path)?.lines() {
        let mut f = line.splitn(3, '\t');
        let (Some(_), Some(r), Some(t)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let Ok(r) = r.trim().parse::<f64>() else {
            continue;
        };
        let gold = if r >= 0.5 {
            Label::Positive
        } else if r <= -0.5 {
            Label::Negative
        } else {
            Label::Neutral
        };
        out.push(Item {
            gold,
            rating: Some(r),
            text: t.to_string(),
        });
    }
    Ok(out)
}

/// A TSV with a header; `label_col` and `text_col` index the columns; `keep` filters rows.
fn tsv_set(
    path: &Path,
    label_col: usize,
    text_col: usize,
    keep: impl Fn(&[&str]) -> bool,
) -> Result<Vec<Item>> {
    let mut out = Vec::new();
    for line in read(path)?.lines().skip(1) {
        let f: Vec<&str> = line.splitn(text_col + 1, '\t').collect();
        if f.len() <= text_col || !keep(&f) {
            continue;
        }
        let Some(gold) = label(f[label_col]) else {
            continue;
        };
        out.push(Item {
            gold,
            rating: None,
            text: f[text_col].to_string(),
        });
    }
    Ok(out)
}

struct Metrics {
    n: usize,
    accuracy: f64,
    macro_f1: f64,
    neg: (f64, f64, f64),
}

fn idx(l: Label) -> usize {
    match l {
        Label::Negative => 0,
        Label::Neutral => 1,
        Label::Positive => 2,
    }
}

fn metrics(gold: &[Label], pred: &[Label]) -> Metrics {
    let mut cm = [[0usize; 3]; 3];
    for (g, p) in gold.iter().zip(pred) {
        cm[idx(*g)][idx(*p)] += 1;
    }
    let n = gold.len();
    let correct: usize = (0..3).map(|i| cm[i][i]).sum();
    let prf = |c: usize| {
        let tp = cm[c][c] as f64;
        let pred: usize = (0..3).map(|g| cm[g][c]).sum();
        let gold: usize = cm[c].iter().sum();
        let p = if pred > 0 { tp / pred as f64 } else { 0.0 };
        let r = if gold > 0 { tp / gold as f64 } else { 0.0 };
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        (p, r, f)
    };
    Metrics {
        n,
        accuracy: correct as f64 / n.max(1) as f64,
        macro_f1: (0..3).map(|c| prf(c).2).sum::<f64>() / 3.0,
        neg: prf(0),
    }
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

fn label_with(t: Thresholds, scores: &[f64]) -> Vec<Label> {
    scores.iter().map(|s| t.label(*s)).collect()
}

/// The thresholds on a 0.01 grid that maximise `objective` on (gold, scores).
fn sweep(gold: &[Label], scores: &[f64], objective: impl Fn(&Metrics) -> f64) -> (Thresholds, f64) {
    let mut best = (Thresholds::for_lang(Lang::En), f64::MIN);
    for ni in 1..=80 {
        for pi in 1..=80 {
            let t = Thresholds {
                negative: -(ni as f64) / 100.0,
                positive: pi as f64 / 100.0,
            };
            let o = objective(&metrics(gold, &label_with(t, scores)));
            if o > best.1 + 1e-12 {
                best = (t, o);
            }
        }
    }
    best
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .context("usage: eval_sentiment EVAL_DIR [--sweep]   (e.g. /work/shared/data/eval)")?,
    );
    let do_sweep = args.any(|a| a == "--sweep");
    let a = Analyzer::new();
    let v = dir.join("vader");
    let g = dir.join("germeval2017");
    let sets: Vec<(&str, Lang, Vec<Item>)> = vec![
        (
            "vader/tweets",
            Lang::En,
            vader_set(&v.join("tweets_GroundTruth.txt"))?,
        ),
        (
            "vader/movie",
            Lang::En,
            vader_set(&v.join("movieReviewSnippets_GroundTruth.txt"))?,
        ),
        (
            "vader/amazon",
            Lang::En,
            vader_set(&v.join("amazonReviewSnippets_GroundTruth.txt"))?,
        ),
        (
            "vader/nyt",
            Lang::En,
            vader_set(&v.join("nytEditorialSnippets_GroundTruth.txt"))?,
        ),
        (
            "germeval2017/dev",
            Lang::De,
            tsv_set(&g.join("dev.tsv"), 2, 4, |_| true)?,
        ),
        (
            "germeval2017/test_syn",
            Lang::De,
            tsv_set(&g.join("test_syn.tsv"), 2, 4, |_| true)?,
        ),
        (
            "germeval2017/test_dia",
            Lang::De,
            tsv_set(&g.join("test_dia.tsv"), 2, 4, |_| true)?,
        ),
        (
            "sb10k/dev",
            Lang::De,
            tsv_set(&dir.join("sb10k/sb10k.tsv"), 2, 3, |f| f[1] == "dev")?,
        ),
        (
            "sb10k/test",
            Lang::De,
            tsv_set(&dir.join("sb10k/sb10k.tsv"), 2, 3, |f| f[1] == "test")?,
        ),
        (
            "potts/dev+test",
            Lang::De,
            tsv_set(&dir.join("potts/potts_test_dev.tsv"), 2, 3, |_| true)?,
        ),
    ];
    println!(
        "{:<22} {:>6} {:>7} {:>8} {:>7} {:>7} {:>7} {:>8} {:>9}",
        "set", "n", "acc", "macroF1", "negP", "negR", "negF1", "pearson", "lang-ok"
    );
    for (name, lang, items) in &sets {
        let scores: Vec<f64> = items.iter().map(|i| a.score_as(&i.text, *lang)).collect();
        let gold: Vec<Label> = items.iter().map(|i| i.gold).collect();
        let pred: Vec<Label> = items
            .iter()
            .map(|i| a.analyze(&i.text, Some(*lang)).label)
            .collect();
        let m = metrics(&gold, &pred);
        let detected = items
            .iter()
            .filter(|i| a.analyze(&i.text, None).lang == *lang)
            .count() as f64
            / items.len().max(1) as f64;
        let r = match items.iter().map(|i| i.rating).collect::<Option<Vec<f64>>>() {
            Some(h) => format!("{:.3}", pearson(&scores, &h)),
            None => "-".into(),
        };
        println!(
            "{:<22} {:>6} {:>7.3} {:>8.3} {:>7.3} {:>7.3} {:>7.3} {:>8} {:>9.3}",
            name, m.n, m.accuracy, m.macro_f1, m.neg.0, m.neg.1, m.neg.2, r, detected
        );
        if do_sweep && *name == "vader/tweets" {
            let (t, o) = sweep(&gold, &scores, |m| m.macro_f1);
            println!("  sweep (English, max macro-F1): {t:?} -> {o:.3}");
        }
        if do_sweep && *name == "germeval2017/dev" {
            let (t, o) = sweep(&gold, &scores, |m| m.macro_f1);
            println!("  sweep (German, max macro-F1): {t:?} -> {o:.3}");
            let (t, o) = sweep(&gold, &scores, |m| m.accuracy);
            println!("  for reference, max micro-F1: {t:?} -> {o:.3}");
        }
    }
    Ok(())
}
