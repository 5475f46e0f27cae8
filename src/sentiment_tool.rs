//! `sturmglas sentiment`: scores texts (arguments, or each line of stdin) as the daemon with a
//! config would, optionally with learned models not yet configured, and prints each verdict.
//!
//! Why here and not in main.rs: the binary only turns flags into [`SentimentArgs`]; loading the
//! models and the output formats are the library's. Invariant: one output line (or JSON
//! object) per non-blank text, in input order.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::config::sentiment::SentimentConfig;
use crate::sentiment::learned::{Model, Models};
use crate::sentiment::Lang;

/// What to score and how to print it.
#[derive(Debug, Clone)]
pub struct SentimentArgs {
    /// The texts' language; detected per text when `None`.
    pub lang: Option<Lang>,
    pub json: bool,
    pub explain: bool,
    /// Model files that replace the config's model for their language.
    pub models: Vec<PathBuf>,
    /// The config's `[sentiment]` section (`-c`); the built-in one without it.
    pub configured: Option<SentimentConfig>,
    /// The texts; stdin lines when empty.
    pub text: Vec<String>,
}

/// Runs the command, reading stdin when no texts are given and writing to `out`.
pub fn run(args: &SentimentArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let configured = args.configured.clone().unwrap_or_default();
    let mut models = configured.models();
    let mut given = Models::new();
    for p in &args.models {
        let m =
            Arc::new(Model::load(p).with_context(|| format!("cannot use model {}", p.display()))?);
        let lang = m.lang();
        if given.insert(m.clone()).is_some() {
            anyhow::bail!("two --model files for {}", lang.as_str());
        }
        models.insert(m);
    }
    let analyzer = configured.analyzer().with_models(models);
    let lang = args.lang;
    let (json, explain) = (args.json, args.explain);
    let score = |t: &str, out: &mut dyn Write| -> anyhow::Result<()> {
        let s = analyzer.analyze(t, lang);
        if json {
            let mut v = serde_json::json!({
                "text": t, "lang": s.lang, "score": (s.score * 1000.0).round() / 1000.0, "label": s.label,
            });
            if explain {
                v["explain"] = serde_json::to_value(analyzer.explain(t, lang))?;
            }
            writeln!(out, "{v}")?;
        } else {
            writeln!(
                out,
                "{:>6.3}  {:<8}  {}  {}",
                s.score,
                serde_json::to_value(s.label)?.as_str().unwrap_or(""),
                s.lang.as_str(),
                t
            )?;
            if explain {
                writeln!(out, "{}", analyzer.explain(t, lang))?;
            }
        }
        Ok(())
    };
    if args.text.is_empty() {
        for line in std::io::stdin().lock().lines() {
            let line = line?;
            if !line.trim().is_empty() {
                score(&line, out)?;
            }
        }
    } else {
        for t in &args.text {
            score(t, out)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_text_in_order() {
        let args = SentimentArgs {
            lang: Some(Lang::De),
            json: true,
            explain: false,
            models: vec![],
            configured: None,
            text: vec![
                "Skandal! Totaler Mist.".into(),
                "Danke, super Service!".into(),
            ],
        };
        let mut out = Vec::new();
        run(&args, &mut out).unwrap();
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["label"], "negative");
        assert_eq!(lines[1]["label"], "positive");
        assert_eq!(lines[0]["lang"], "de");
    }

    #[test]
    fn a_missing_model_file_is_named() {
        let args = SentimentArgs {
            lang: None,
            json: false,
            explain: false,
            models: vec!["/nonexistent/m.bin".into()],
            configured: None,
            text: vec!["x".into()],
        };
        let e = run(&args, &mut Vec::new()).unwrap_err();
        assert!(
            format!("{e:#}").contains("cannot use model /nonexistent/m.bin"),
            "{e:#}"
        );
    }
}
