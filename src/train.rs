//! `sturmglas train`: reads labelled posts, optionally cross-validates and holds some out,
//! trains a [`learned`] model, reports how it labels them against the lexicon alone, and
//! writes the model file.
//!
//! Why here and not in main.rs: the binary only turns flags into a [`TrainArgs`]; the checks
//! on those arguments and the workflow are the library's, so they are tested like the rest.
//! Invariant: nothing is written unless the arguments are valid and training succeeded.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::sentiment::learned;
use crate::sentiment::{Analyzer, Label, Lang};

/// What to train on, where the model goes, and how to measure it.
#[derive(Debug, Clone)]
pub struct TrainArgs {
    pub lang: Lang,
    pub input: PathBuf,
    pub output: PathBuf,
    /// Fraction of the posts kept out of training and reported on; in (0, 1).
    pub holdout: Option<f64>,
    /// Folds of a cross-validation reported before training; at least 2.
    pub cv: Option<usize>,
    pub options: learned::TrainOptions,
}

/// Runs the command; the report goes to `out`, progress to `progress`.
pub fn run(args: &TrainArgs, out: &mut dyn Write, progress: &mut dyn Write) -> anyhow::Result<()> {
    let TrainArgs {
        lang,
        input,
        output,
        holdout,
        cv,
        options: opts,
    } = args;
    let lang = *lang;
    if let Some(f) = *holdout {
        anyhow::ensure!(
            f > 0.0 && f < 1.0,
            "--holdout must be a fraction between 0 and 1, not {f}"
        );
    }
    if let Some(k) = *cv {
        anyhow::ensure!(k >= 2, "--cv needs at least 2 folds, not {k}");
    }
    if let Some(a) = opts.naive_bayes {
        anyhow::ensure!(
            a.is_finite() && a > 0.0,
            "--nb-smoothing must be 0 (off) or a positive count, not {a}"
        );
    }
    let examples = read_labelled(input, out)?;
    let analyzer = Analyzer::new();
    let lexicon_only = |posts: &[learned::Example]| -> learned::Confusion {
        posts
            .iter()
            .map(|e| (e.label, analyzer.analyze(&e.text, Some(lang)).label))
            .collect()
    };
    if let Some(k) = *cv {
        writeln!(
            progress,
            "cross-validating: training {k} models, each without one fold of the posts"
        )?;
        let predicted = learned::cross_validate(&analyzer, lang, &examples, opts, k)?;
        let c: learned::Confusion = examples
            .iter()
            .zip(&predicted)
            .map(|(e, p)| (e.label, p.label()))
            .collect();
        writeln!(out, "cross-validation ({k} folds): {c}")?;
        writeln!(
            out,
            "lexicon only:               {}",
            lexicon_only(&examples)
        )?;
    }
    let (train_set, holdout_set) = match *holdout {
        Some(f) => {
            let (t, h) = learned::holdout_split(&examples, f, learned::HOLDOUT_SEED);
            let pick = |idx: &[usize]| -> Vec<learned::Example> {
                idx.iter().map(|i| examples[*i].clone()).collect()
            };
            (pick(&t), pick(&h))
        }
        None => (examples, Vec::new()),
    };
    let model = learned::train(&analyzer, lang, &train_set, opts)?;
    let measured = learned::evaluate(&analyzer, &model, &train_set);
    writeln!(out, "training set: {measured}")?;
    if !holdout_set.is_empty() {
        let h = learned::evaluate(&analyzer, &model, &holdout_set);
        writeln!(out, "holdout:      {h}")?;
        writeln!(out, "lexicon only: {}", lexicon_only(&holdout_set))?;
    }
    model.save(output)?;
    writeln!(
        out,
        "wrote {} ({} model, {} buckets, {} words in its word table); use it with `sturmglas sentiment --model {}` or `model_{}` in [sentiment]",
        output.display(),
        lang.as_str(),
        model.buckets(),
        model.table_words(),
        output.display(),
        lang.as_str()
    )?;
    Ok(())
}

/// Reads labelled posts for `train` or `calibrate` and says how many of each class there are.
pub fn read_labelled(input: &Path, out: &mut dyn Write) -> anyhow::Result<Vec<learned::Example>> {
    let examples = learned::read_examples(input)?;
    let count = |l: Label| examples.iter().filter(|e| e.label == l).count();
    writeln!(
        out,
        "{}: {} posts: {} negative, {} neutral, {} positive",
        input.display(),
        examples.len(),
        count(Label::Negative),
        count(Label::Neutral),
        count(Label::Positive)
    )?;
    Ok(examples)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(holdout: Option<f64>, cv: Option<usize>) -> TrainArgs {
        TrainArgs {
            lang: Lang::De,
            input: "/nonexistent/posts.tsv".into(),
            output: "/nonexistent/model.bin".into(),
            holdout,
            cv,
            options: learned::TrainOptions::default(),
        }
    }

    #[test]
    fn bad_arguments_are_refused_before_any_reading() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let e = run(&args(Some(1.5), None), &mut out, &mut err).unwrap_err();
        assert!(
            e.to_string().contains("--holdout must be a fraction"),
            "{e}"
        );
        let e = run(&args(None, Some(1)), &mut out, &mut err).unwrap_err();
        assert!(e.to_string().contains("--cv needs at least 2 folds"), "{e}");
        assert!(out.is_empty() && err.is_empty());
    }
}
