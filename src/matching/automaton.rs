//! The automaton: every spelling of every distinct term of every brand in one Aho-Corasick
//! automaton, and the scan that turns a folded text into term hits.
//!
//! Invariant: one pass over a text finds every occurrence of every term, whatever the number
//! of brands, and reports only occurrences on word boundaries: a term never matches inside a
//! longer word ("nordwind" in "Nordwindrichtung"), except that a prefix term (`abzock*`) may
//! run on to the right.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use rustc_hash::FxHashMap;

use super::fold::is_word_char;
use super::term::Term;
use super::MatchError;

/// One occurrence of a term in a folded text, as byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub term: u32,
    pub start: u32,
    pub end: u32,
}

/// What a pattern (one spelling) stands for.
#[derive(Debug, Clone, Copy)]
struct Entry {
    term: u32,
    /// The occurrence must not be followed by a word character.
    right: bool,
}

pub struct Automaton {
    ac: Option<AhoCorasick>,
    /// `entries[starts[p]..starts[p + 1]]` are the terms pattern `p` is a spelling of.
    starts: Vec<u32>,
    entries: Vec<Entry>,
    /// Whether pattern `p` must not follow a word character (it starts with one, `#` or `@`).
    left: Vec<bool>,
}

impl Automaton {
    /// Compiles the spellings of `terms`; a hit's `term` is its index in `terms`.
    pub fn build(terms: &[Term]) -> Result<Automaton, MatchError> {
        let mut ids: FxHashMap<String, usize> = FxHashMap::default();
        let mut patterns: Vec<String> = Vec::new();
        let mut per_pattern: Vec<Vec<Entry>> = Vec::new();
        for (t, term) in terms.iter().enumerate() {
            let right = term.needs_right_boundary();
            for s in term.spellings() {
                if s.is_empty() {
                    continue;
                }
                let id = *ids.entry(s.clone()).or_insert_with(|| {
                    patterns.push(s);
                    per_pattern.push(Vec::new());
                    patterns.len() - 1
                });
                per_pattern[id].push(Entry {
                    term: t as u32,
                    right,
                });
            }
        }
        let left = patterns
            .iter()
            .map(|p| {
                p.chars()
                    .next()
                    .is_some_and(|c| is_word_char(c) || c == '#' || c == '@')
            })
            .collect();
        let ac = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&patterns)
                    .or_else(|_| {
                        // A DFA too large for its limits: the (slower, smaller) NFA will do.
                        AhoCorasickBuilder::new()
                            .match_kind(MatchKind::Standard)
                            .build(&patterns)
                    })
                    .map_err(|e| MatchError(e.to_string()))?,
            )
        };
        let mut starts = Vec::with_capacity(per_pattern.len() + 1);
        let mut entries = Vec::new();
        starts.push(0);
        for v in per_pattern {
            entries.extend(v);
            starts.push(entries.len() as u32);
        }
        Ok(Automaton {
            ac,
            starts,
            entries,
            left,
        })
    }

    /// Appends the term occurrences in `folded` (a text put through [`super::fold`]) to `out`.
    pub fn scan(&self, folded: &str, out: &mut Vec<Hit>) {
        let Some(ac) = &self.ac else { return };
        for m in ac.find_overlapping_iter(folded) {
            let (start, end) = (m.start(), m.end());
            let p = m.pattern().as_usize();
            if self.left[p]
                && folded[..start]
                    .chars()
                    .next_back()
                    .is_some_and(is_word_char)
            {
                continue;
            }
            let word_after = folded[end..].chars().next().is_some_and(is_word_char);
            let (a, b) = (self.starts[p] as usize, self.starts[p + 1] as usize);
            for e in &self.entries[a..b] {
                if e.right && word_after {
                    continue;
                }
                out.push(Hit {
                    term: e.term,
                    start: start as u32,
                    end: end as u32,
                });
            }
        }
    }

    /// Patterns compiled (spellings of distinct terms).
    pub fn pattern_count(&self) -> usize {
        self.left.len()
    }

    /// Heap bytes of the automaton and its tables.
    pub fn memory(&self) -> usize {
        self.ac.as_ref().map_or(0, AhoCorasick::memory_usage)
            + self.starts.capacity() * 4
            + self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.left.capacity()
    }
}
