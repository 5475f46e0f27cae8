//! Reading labelled posts for training: TSV (`label<TAB>text`) or JSON Lines
//! (`{"label": ..., "text": ...}`), chosen by the file extension (`.tsv`/`.txt`,
//! `.jsonl`/`.ndjson`), else by whether the first non-blank line starts with `{`.
//!
//! Labels: `negative|neutral|positive`, `neg|neu|pos`, `-1|0|1` (any case; JSON numbers
//! too). Blank lines are skipped, and so is a TSV header line whose label column reads
//! `label`. Invariant: a file with any malformed line yields no examples at all, only the
//! error, which names the file and the first few bad lines: training on half a file would
//! silently give a different model than the user thinks.

use std::fmt;
use std::path::{Path, PathBuf};

use super::super::Label;
use super::train::Example;

/// How many bad lines an error lists.
const LISTED: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {path}: {err}")]
    Io {
        path: PathBuf,
        /// Not a `source`: the message already says it, and `{:#}` would say it twice.
        err: std::io::Error,
    },
    #[error("{0}")]
    Malformed(BadLines),
}

/// The malformed lines of one file.
#[derive(Debug)]
pub struct BadLines {
    pub path: PathBuf,
    /// (1-based line number, what is wrong), the first few only.
    pub lines: Vec<(usize, String)>,
    /// How many lines are bad in all.
    pub total: usize,
}

impl fmt::Display for BadLines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} malformed line{}; nothing was trained",
            self.path.display(),
            self.total,
            if self.total == 1 { "" } else { "s" }
        )?;
        for (line, msg) in &self.lines {
            write!(f, "\n  {}:{}: {}", self.path.display(), line, msg)?;
        }
        if self.total > self.lines.len() {
            write!(f, "\n  ... and {} more", self.total - self.lines.len())?;
        }
        Ok(())
    }
}

/// Reads a label as users write it.
pub fn parse_label(s: &str) -> Option<Label> {
    match s.trim().to_ascii_lowercase().as_str() {
        "negative" | "neg" | "-1" => Some(Label::Negative),
        "neutral" | "neu" | "0" => Some(Label::Neutral),
        "positive" | "pos" | "1" | "+1" => Some(Label::Positive),
        _ => None,
    }
}

const LABEL_HELP: &str = "expected negative|neutral|positive, neg|neu|pos or -1|0|1";

fn tsv_line(line: &str) -> Result<Example, String> {
    let Some((label, text)) = line.split_once('\t') else {
        return Err("no tab: expected `label<TAB>text`".into());
    };
    let label = parse_label(label)
        .ok_or_else(|| format!("unknown label {:?}: {LABEL_HELP}", label.trim()))?;
    let text = text.trim();
    if text.is_empty() {
        return Err("empty text".into());
    }
    Ok(Example {
        label,
        text: text.to_string(),
    })
}

fn json_line(line: &str) -> Result<Example, String> {
    let v: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let label = match v.get("label") {
        Some(serde_json::Value::String(s)) => parse_label(s),
        Some(serde_json::Value::Number(n)) => parse_label(&n.to_string()),
        Some(_) => None,
        None => return Err("no \"label\" field".into()),
    }
    .ok_or_else(|| format!("unknown label {}: {LABEL_HELP}", v["label"]))?;
    let text = match v.get("text") {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.trim(),
        Some(serde_json::Value::String(_)) => return Err("empty text".into()),
        Some(_) => return Err("\"text\" is not a string".into()),
        None => return Err("no \"text\" field".into()),
    };
    Ok(Example {
        label,
        text: text.to_string(),
    })
}

/// Parses file contents; `path` is for the error and the format choice.
pub fn parse_examples(src: &str, path: &Path) -> Result<Vec<Example>, InputError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let json = match ext.as_deref() {
        Some("jsonl" | "ndjson") => true,
        Some("tsv" | "txt") => false,
        _ => src
            .lines()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.trim_start().starts_with('{')),
    };
    let mut out = Vec::new();
    let mut bad = Vec::new();
    let mut total = 0;
    let mut first = true;
    for (i, line) in src.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let header = std::mem::take(&mut first)
            && !json
            && line
                .split('\t')
                .next()
                .is_some_and(|l| l.trim().eq_ignore_ascii_case("label"));
        if header {
            continue;
        }
        match if json {
            json_line(line)
        } else {
            tsv_line(line)
        } {
            Ok(e) => out.push(e),
            Err(msg) => {
                total += 1;
                if bad.len() < LISTED {
                    bad.push((i + 1, msg));
                }
            }
        }
    }
    if total > 0 {
        return Err(InputError::Malformed(BadLines {
            path: path.to_path_buf(),
            lines: bad,
            total,
        }));
    }
    Ok(out)
}

/// Reads a training file.
pub fn read_examples(path: &Path) -> Result<Vec<Example>, InputError> {
    let src = std::fs::read_to_string(path).map_err(|err| InputError::Io {
        path: path.to_path_buf(),
        err,
    })?;
    parse_examples(&src, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_with_header_and_every_label_form() {
        let src = "label\ttext\nnegative\tFunkloch!\nNEU\tNeue Tarife\n1\tSuper\n\n-1\tMist\n";
        let ex = parse_examples(src, Path::new("a.tsv")).unwrap();
        let labels: Vec<Label> = ex.iter().map(|e| e.label).collect();
        assert_eq!(
            labels,
            [
                Label::Negative,
                Label::Neutral,
                Label::Positive,
                Label::Negative
            ]
        );
        assert_eq!(ex[0].text, "Funkloch!");
    }

    #[test]
    fn jsonl_is_sniffed_and_takes_numbers() {
        let src = "{\"label\": -1, \"text\": \"Mist\"}\n{\"label\": \"pos\", \"text\": \"toll\"}\n";
        let ex = parse_examples(src, Path::new("data")).unwrap();
        assert_eq!(ex[0].label, Label::Negative);
        assert_eq!(ex[1].label, Label::Positive);
    }

    #[test]
    fn bad_lines_are_all_reported_with_numbers() {
        let src = "negative\tok\nbad line\nmeh\ttext\npositive\t  \n";
        let err = parse_examples(src, Path::new("x.tsv")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("x.tsv: 3 malformed lines"), "{msg}");
        assert!(msg.contains("x.tsv:2: no tab"), "{msg}");
        assert!(msg.contains("x.tsv:3: unknown label \"meh\""), "{msg}");
        assert!(msg.contains("x.tsv:4: empty text"), "{msg}");
        let err = parse_examples("{\"label\": \"x\"}\n", Path::new("y.jsonl")).unwrap_err();
        assert!(
            err.to_string().contains("y.jsonl:1: unknown label"),
            "{err}"
        );
    }
}
