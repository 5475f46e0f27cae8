//! `sturmglas calibrate`: finds the label thresholds and link weight that fit a team's own
//! labelled posts, measures them on posts they were not chosen on, and recommends them only
//! when that cross-validated gain is worth it ([`WORTH_IT`]).
//!
//! Why here and not in main.rs: the binary only turns flags into a [`CalibrateArgs`]; the
//! workflow and its decision rule are the library's, so they are tested like the rest.
//! Invariant: the recommendation is judged on the cross-validated figure, never on the posts a
//! calibration was chosen on.

use std::io::Write;
use std::path::PathBuf;

use crate::config::sentiment::SentimentConfig;
use crate::sentiment::{self, Analyzer, Calibration, Label, Lang};

/// The least cross-validated macro-F1 gain that makes a new calibration worth setting: a gain
/// must show at the precision printed.
pub const WORTH_IT: f64 = 0.001;

/// Which posts to calibrate on, and the `[sentiment]` section to start from, if any.
#[derive(Debug, Clone)]
pub struct CalibrateArgs {
    pub lang: Lang,
    pub input: PathBuf,
    /// The config's section (`-c`); the built-in calibration is the start without it.
    pub configured: Option<SentimentConfig>,
}

/// Runs the command; the report goes to `out`.
pub fn run(args: &CalibrateArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let CalibrateArgs {
        lang,
        input,
        configured,
    } = args;
    let lang = *lang;
    let examples = crate::train::read_labelled(input, out)?;
    let classes = [Label::Negative, Label::Neutral, Label::Positive]
        .iter()
        .filter(|l| examples.iter().any(|e| e.label == **l))
        .count();
    anyhow::ensure!(
        classes >= 2,
        "{}: calibration needs posts of at least two classes",
        input.display()
    );
    // Raw lexicon scores: a calibration weighs and labels them, and a model ignores it.
    let analyzer = Analyzer::new();
    let mut gold = Vec::with_capacity(examples.len());
    let mut scores = Vec::with_capacity(examples.len());
    let mut linked = Vec::with_capacity(examples.len());
    for e in &examples {
        gold.push(e.label);
        scores.push(analyzer.analyze(&e.text, Some(lang)).score);
        linked.push(sentiment::has_link(&e.text));
    }
    let with_links = linked.iter().filter(|l| **l).count();
    if with_links > 0 {
        writeln!(out, "{with_links} of them share a link")?;
    }
    let (start, name, the_one) = match configured {
        Some(c) => (c.calibration(lang), "in use:  ", "the one in use"),
        None => (analyzer.calibration(lang), "built in:", "the built-in one"),
    };
    if configured.as_ref().is_some_and(|c| c.has_model(lang)) {
        writeln!(
            out,
            "Note: the config's {} model labels these posts in the daemon; a calibration only labels the posts no model does.",
            lang.as_str()
        )?;
    }
    let before = start.confusion(&gold, &scores, &linked);
    let (best, after) = sentiment::calibrate_with_links(&gold, &scores, &linked, start);
    // Five folds, or one post each when there are fewer (at least two posts: two classes).
    let folds = examples.len().min(5);
    let unseen = sentiment::cross_validated_calibration(&gold, &scores, &linked, start, folds);
    writeln!(out, "{name}        {}: {before}", shown(start))?;
    writeln!(out, "best for these:  {}: {after}", shown(best))?;
    writeln!(
        out,
        "chosen on other posts ({folds}-fold cross-validation): {unseen}"
    )?;
    let gain = unseen.macro_f1() - before.macro_f1();
    if !worth_it(gain) {
        writeln!(
            out,
            "Chosen on other posts, a calibration gains {gain:+.3} macro-F1 over {the_one}: keep {the_one}."
        )?;
        return Ok(());
    }
    let l = lang.as_str();
    writeln!(
        out,
        "Chosen on other posts, a calibration gains {gain:+.3} macro-F1. \
         To use this one, set in the [sentiment] section of the config:"
    )?;
    writeln!(out, "negative_{l} = {}", best.thresholds.negative)?;
    writeln!(out, "positive_{l} = {}", best.thresholds.positive)?;
    if best.link_weight != start.link_weight {
        writeln!(out, "link_weight_{l} = {}", best.link_weight)?;
    }
    Ok(())
}

/// The cross-validated figure decides: a calibration that only wins on the posts it was chosen
/// on has fitted their noise.
pub fn worth_it(cross_validated_gain: f64) -> bool {
    cross_validated_gain >= WORTH_IT
}

fn shown(c: Calibration) -> String {
    let t = c.thresholds;
    let mut s = format!("{:+.2} / {:+.2}", t.negative, t.positive);
    if c.link_weight != 1.0 {
        s.push_str(&format!(", linked posts x{}", c.link_weight));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_gain_that_shows_when_printed_is_worth_it() {
        assert!(!worth_it(0.0));
        assert!(!worth_it(0.0009));
        assert!(worth_it(0.001));
        assert!(!worth_it(-0.2));
    }

    #[test]
    fn one_class_is_not_enough() {
        let dir = std::env::temp_dir().join(format!("sturmglas-cal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("posts.tsv");
        std::fs::write(&input, "negative\tSchlimm\nnegative\tFurchtbar\n").unwrap();
        let mut out = Vec::new();
        let e = run(
            &CalibrateArgs {
                lang: Lang::De,
                input: input.clone(),
                configured: None,
            },
            &mut out,
        )
        .unwrap_err();
        assert!(e.to_string().contains("at least two classes"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
