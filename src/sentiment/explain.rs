//! Explanations: which words and rules moved a score. The scorers report to a [`Trace`];
//! `analyze` passes [`NoTrace`], whose methods are empty and whose `ON` constant lets the
//! compiler drop every tracing branch, so explaining costs nothing when it is not asked for.
//! Invariant: an [`Explanation`] carries the same score and label that `analyze` returns for
//! the same input.

use std::fmt;

use serde::Serialize;

use super::learned::ModelExplanation;
use super::{Label, Lang, LangSource, Sentiment, Thresholds};

/// Receives what a scorer does, token by token.
pub(crate) trait Trace {
    /// False for the no-op tracer: callers guard formatting work with it.
    const ON: bool;
    /// A word found in the lexicon with its base valence.
    fn word(&mut self, idx: usize, word: &str, base: f64);
    /// A rule that changed the valence of token `idx`.
    fn rule(&mut self, idx: usize, what: impl FnOnce() -> String);
    /// The token's final contribution to the sum.
    fn valence(&mut self, idx: usize, word: &str, v: f64);
    /// A rule that acts on the whole text.
    fn global(&mut self, what: String);
    /// The learned layer decided the label.
    fn model(&mut self, what: impl FnOnce() -> ModelExplanation);
}

/// The tracer of `analyze`: records nothing.
pub(crate) struct NoTrace;

impl Trace for NoTrace {
    const ON: bool = false;
    #[inline(always)]
    fn word(&mut self, _: usize, _: &str, _: f64) {}
    #[inline(always)]
    fn rule(&mut self, _: usize, _: impl FnOnce() -> String) {}
    #[inline(always)]
    fn valence(&mut self, _: usize, _: &str, _: f64) {}
    #[inline(always)]
    fn global(&mut self, _: String) {}
    #[inline(always)]
    fn model(&mut self, _: impl FnOnce() -> ModelExplanation) {}
}

/// One word that contributed to the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The token as written.
    pub word: String,
    /// Its lexicon valence (VADER scale, -4..4), 0 for a word that only carries a rule.
    pub lexicon: f64,
    /// What it finally added to the sum.
    pub valence: f64,
    /// The rules that changed it, in order.
    pub rules: Vec<String>,
}

/// Why a text got its score: the words, the rules, and the thresholds that chose the label.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub text: String,
    pub lang: Lang,
    pub lang_source: LangSource,
    pub score: f64,
    pub label: Label,
    /// Scores at or below `negative` are negative, at or above `positive` positive.
    pub thresholds: Thresholds,
    pub steps: Vec<Step>,
    /// Rules that act on the whole text (contrast, punctuation emphasis).
    pub text_rules: Vec<String>,
    /// Present when a learned model chose the label (then `score` and `label` are the
    /// model's, and `steps` show what the lexicon saw).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelExplanation>,
}

#[derive(Default)]
pub(crate) struct Recorder {
    steps: Vec<(usize, Step)>,
    globals: Vec<String>,
    model: Option<ModelExplanation>,
}

impl Recorder {
    fn step(&mut self, idx: usize, word: &str) -> &mut Step {
        let pos = match self.steps.iter().position(|(i, _)| *i == idx) {
            Some(p) => p,
            None => {
                self.steps.push((
                    idx,
                    Step {
                        word: word.to_string(),
                        lexicon: 0.0,
                        valence: 0.0,
                        rules: Vec::new(),
                    },
                ));
                self.steps.len() - 1
            }
        };
        &mut self.steps[pos].1
    }

    pub fn finish(
        mut self,
        text: &str,
        s: Sentiment,
        lang_source: LangSource,
        thresholds: Thresholds,
    ) -> Explanation {
        self.steps.sort_by_key(|(i, _)| *i);
        Explanation {
            text: text.to_string(),
            lang: s.lang,
            lang_source,
            score: s.score,
            label: s.label,
            thresholds,
            steps: self.steps.into_iter().map(|(_, s)| s).collect(),
            text_rules: self.globals,
            model: self.model,
        }
    }
}

impl Trace for Recorder {
    const ON: bool = true;
    fn word(&mut self, idx: usize, word: &str, base: f64) {
        self.step(idx, word).lexicon = base;
    }
    fn rule(&mut self, idx: usize, what: impl FnOnce() -> String) {
        let r = what();
        if let Some((_, s)) = self.steps.iter_mut().find(|(i, _)| *i == idx) {
            s.rules.push(r);
        } else {
            self.globals.push(r);
        }
    }
    fn valence(&mut self, idx: usize, word: &str, v: f64) {
        self.step(idx, word).valence = v;
    }
    fn global(&mut self, what: String) {
        self.globals.push(what);
    }
    fn model(&mut self, what: impl FnOnce() -> ModelExplanation) {
        self.model = Some(what());
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} {:+.3} ({}, {})",
            self.label.as_str(),
            self.score,
            self.lang.as_str(),
            match self.lang_source {
                LangSource::Declared => "declared",
                LangSource::Detected => "detected",
                LangSource::Fallback => "fallback",
            }
        )?;
        for s in &self.steps {
            write!(f, "  {:<20} {:+.3}", s.word, s.valence)?;
            if s.lexicon != 0.0 && s.lexicon != s.valence {
                write!(f, " (lexicon {:+.2})", s.lexicon)?;
            }
            if !s.rules.is_empty() {
                write!(f, "  [{}]", s.rules.join("; "))?;
            }
            writeln!(f)?;
        }
        for r in &self.text_rules {
            writeln!(f, "  * {r}")?;
        }
        if let Some(m) = &self.model {
            let p = &m.probabilities;
            writeln!(
                f,
                "  learned model: p(negative) {:.3}, p(neutral) {:.3}, p(positive) {:.3}; the lexicon alone said {} {:+.3}",
                p.negative,
                p.neutral,
                p.positive,
                m.lexicon_label.as_str(),
                m.lexicon_score
            )?;
            if !m.top_features.is_empty() {
                let top: Vec<String> = m
                    .top_features
                    .iter()
                    .map(|t| format!("{} {:+.2}", t.feature, t.weight))
                    .collect();
                writeln!(f, "    towards {}: {}", self.label.as_str(), top.join(", "))?;
            }
            return write!(
                f,
                "  label: the model's most probable class; score: p(positive) - p(negative)"
            );
        }
        write!(
            f,
            "  thresholds: negative <= {:+.3}, positive >= {:+.3}",
            self.thresholds.negative, self.thresholds.positive
        )
    }
}
