//! The automaton: every spelling of every distinct term of every brand in one Aho-Corasick
//! automaton, and the scan that turns a folded text into term hits.
//!
//! Invariant: one pass over a text finds every occurrence of every term, whatever the number
//! of brands, and reports only occurrences on word boundaries: a term never matches inside a
//! longer word ("nordwind" in "Nordwindrichtung"), except that a prefix term (`abzock*`) may
//! run on to the right.
//!
//! Why anchored: a spelling that starts with a word character, `#` or `@` (nearly all of
//! them) may only start where no word character precedes it. The scan walks the text once,
//! and only at such positions runs an anchored automaton, which dies within a byte or two
//! where no spelling starts; an unanchored automaton would step through every byte of every
//! word. The few spellings that start with punctuation ("€uro") can start anywhere and keep
//! an unanchored automaton of their own. The same walk records the text's word starts, which
//! `NEAR/n` needs.

use aho_corasick::automaton::{Automaton as _, StateID};
use aho_corasick::nfa::contiguous;
use aho_corasick::{dfa, AhoCorasick, AhoCorasickBuilder, Anchored, MatchKind, StartKind};
use rustc_hash::FxHashMap;

use super::fold::{is_word_char, ASCII_WORD};
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

/// The anchored automaton: a DFA, or where that would grow too large, a contiguous NFA.
enum Anchor {
    Dfa(dfa::DFA),
    Nfa(contiguous::NFA),
}

/// The spellings that may only start after a non-word character, searched from such
/// positions only; `ids[local]` is a spelling's pattern index.
struct Starts {
    anchor: Anchor,
    start: StateID,
    ids: Vec<u32>,
}

/// [`Automaton::walk`]'s classes of a byte: a word character (ASCII), the first byte of some
/// anchored spelling, not ASCII (decoded to classify).
const WORD: u8 = 1;
const FIRST: u8 = 2;
const WIDE: u8 = 4;

/// The spellings that start with punctuation, searched everywhere.
struct Anywhere {
    ac: AhoCorasick,
    ids: Vec<u32>,
}

pub struct Automaton {
    starts: Option<Starts>,
    /// Per byte, its [`WORD`], [`FIRST`] and [`WIDE`] bits.
    class: [u8; 256],
    anywhere: Option<Anywhere>,
    /// `entries[entry_starts[p]..entry_starts[p + 1]]` are the terms pattern `p` is a
    /// spelling of.
    entry_starts: Vec<u32>,
    entries: Vec<Entry>,
    patterns: usize,
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
        let (mut left, mut free): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
        for (p, s) in patterns.iter().enumerate() {
            let after_boundary = s
                .chars()
                .next()
                .is_some_and(|c| is_word_char(c) || c == '#' || c == '@');
            if after_boundary {
                left.push(p as u32);
            } else {
                free.push(p as u32);
            }
        }
        let of = |ids: &[u32]| -> Vec<&str> {
            ids.iter().map(|&p| patterns[p as usize].as_str()).collect()
        };
        let err = |e: aho_corasick::BuildError| MatchError(e.to_string());
        let starts = if left.is_empty() {
            None
        } else {
            let pats = of(&left);
            let anchor = match dfa::Builder::new()
                .match_kind(MatchKind::Standard)
                .start_kind(StartKind::Anchored)
                .prefilter(false)
                .build(&pats)
            {
                Ok(d) => Anchor::Dfa(d),
                // A DFA too large for its limits: the (slower, smaller) NFA will do.
                Err(_) => Anchor::Nfa(
                    contiguous::Builder::new()
                        .match_kind(MatchKind::Standard)
                        .prefilter(false)
                        .build(&pats)
                        .map_err(err)?,
                ),
            };
            let start = match &anchor {
                Anchor::Dfa(d) => d.start_state(Anchored::Yes),
                Anchor::Nfa(n) => n.start_state(Anchored::Yes),
            }
            .map_err(|e| MatchError(e.to_string()))?;
            Some(Starts {
                anchor,
                start,
                ids: left,
            })
        };
        let anywhere = if free.is_empty() {
            None
        } else {
            let ac = AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(of(&free))
                .map_err(err)?;
            Some(Anywhere { ac, ids: free })
        };
        let mut class = [0u8; 256];
        for (b, c) in class.iter_mut().enumerate() {
            if b >= 0x80 {
                *c |= WIDE;
            } else if ASCII_WORD[b] {
                *c |= WORD;
            }
        }
        for &p in starts.as_ref().map_or(&[][..], |s| &s.ids[..]) {
            class[usize::from(patterns[p as usize].as_bytes()[0])] |= FIRST;
        }
        let mut entry_starts = Vec::with_capacity(per_pattern.len() + 1);
        let mut entries = Vec::new();
        entry_starts.push(0);
        for v in per_pattern {
            entries.extend(v);
            entry_starts.push(entries.len() as u32);
        }
        Ok(Automaton {
            starts,
            class,
            anywhere,
            entry_starts,
            entries,
            patterns: patterns.len(),
        })
    }

    /// Appends the term occurrences in `folded` (a text put through [`super::fold`]) to
    /// `out`, in no particular order, and the byte offsets of its word starts (see
    /// [`super::fold::word_starts`]) to `word_starts`.
    pub fn scan(&self, folded: &str, out: &mut Vec<Hit>, word_starts: &mut Vec<u32>) {
        word_starts.clear();
        match &self.starts {
            Some(s) => match &s.anchor {
                Anchor::Dfa(a) => self.walk(folded, Some((a, s)), out, word_starts),
                Anchor::Nfa(a) => self.walk(folded, Some((a, s)), out, word_starts),
            },
            None => self.walk::<dfa::DFA>(folded, None, out, word_starts),
        }
        if let Some(any) = &self.anywhere {
            for m in any.ac.find_overlapping_iter(folded) {
                let p = any.ids[m.pattern().as_usize()];
                self.push(p, folded, m.start(), m.end(), out);
            }
        }
    }

    /// One walk over the text: its word starts, and at each position that no word
    /// character precedes and some spelling starts with its byte, the spellings found there.
    fn walk<A: aho_corasick::automaton::Automaton>(
        &self,
        folded: &str,
        starts: Option<(&A, &Starts)>,
        out: &mut Vec<Hit>,
        word_starts: &mut Vec<u32>,
    ) {
        let bytes = folded.as_bytes();
        let run = |i: usize, out: &mut Vec<Hit>| {
            if let Some((a, s)) = starts {
                self.from(a, s, folded, i, out);
            }
        };
        // A wide character at `i`: whether it is a word character, and its length.
        let wide = |i: usize| match folded[i..].chars().next() {
            Some(c) => (is_word_char(c), c.len_utf8()),
            None => (false, bytes.len() - i),
        };
        let mut i = 0;
        while i < bytes.len() {
            // Here no word character precedes `i`: a spelling may start.
            let class = self.class[usize::from(bytes[i])];
            let (w, len) = if class & WIDE == 0 {
                (class & WORD != 0, 1)
            } else {
                wide(i)
            };
            if w {
                word_starts.push(i as u32);
            }
            // Every spelling of the anchored automaton starts with a word character, `#`
            // or `@`, so a byte no spelling starts with needs no run.
            if class & FIRST != 0 {
                run(i, out);
            }
            i += len;
            if !w {
                continue;
            }
            // The rest of the word, and the character that ends it (a word character
            // precedes it): no spelling starts in them.
            while i < bytes.len() {
                let class = self.class[usize::from(bytes[i])];
                if class & WIDE == 0 {
                    i += 1;
                    if class & WORD == 0 {
                        break;
                    }
                } else {
                    let (w, len) = wide(i);
                    i += len;
                    if !w {
                        break;
                    }
                }
            }
        }
    }

    /// The spellings that start at `at`: the anchored automaton walked until it dies.
    fn from<A: aho_corasick::automaton::Automaton>(
        &self,
        a: &A,
        s: &Starts,
        folded: &str,
        at: usize,
        out: &mut Vec<Hit>,
    ) {
        let mut sid = s.start;
        for (j, &b) in folded.as_bytes()[at..].iter().enumerate() {
            sid = a.next_state(Anchored::Yes, sid, b);
            if !a.is_special(sid) {
                continue;
            }
            if a.is_dead(sid) {
                return;
            }
            if a.is_match(sid) {
                let end = at + j + 1;
                for k in 0..a.match_len(sid) {
                    let pid = a.match_pattern(sid, k);
                    // A state also carries the spellings that end here but started later
                    // (a suffix of the path); those are found from their own start.
                    if end - a.pattern_len(pid) == at {
                        self.push(s.ids[pid.as_usize()], folded, at, end, out);
                    }
                }
            }
        }
    }

    /// Records pattern `p` found at `start..end` for each of its terms whose right boundary
    /// holds.
    fn push(&self, p: u32, folded: &str, start: usize, end: usize, out: &mut Vec<Hit>) {
        let word_after = match folded.as_bytes().get(end) {
            None => false,
            Some(&b) if b.is_ascii() => ASCII_WORD[usize::from(b)],
            Some(_) => folded[end..].chars().next().is_some_and(is_word_char),
        };
        let p = p as usize;
        let (a, b) = (
            self.entry_starts[p] as usize,
            self.entry_starts[p + 1] as usize,
        );
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

    /// Patterns compiled (spellings of distinct terms).
    pub fn pattern_count(&self) -> usize {
        self.patterns
    }

    /// Heap bytes of the automata and their tables.
    pub fn memory(&self) -> usize {
        let starts = self.starts.as_ref().map_or(0, |s| {
            let a = match &s.anchor {
                Anchor::Dfa(d) => d.memory_usage(),
                Anchor::Nfa(n) => n.memory_usage(),
            };
            a + s.ids.capacity() * 4
        });
        let anywhere = self
            .anywhere
            .as_ref()
            .map_or(0, |a| a.ac.memory_usage() + a.ids.capacity() * 4);
        starts
            + anywhere
            + self.entry_starts.capacity() * 4
            + self.entries.capacity() * std::mem::size_of::<Entry>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::fold::{fold, word_starts};
    use proptest::prelude::*;

    /// The definition: every occurrence of every spelling anywhere (one unanchored
    /// overlapping search), kept where no word character precedes a spelling that starts
    /// with one (or with `#`, `@`) and, for terms that need it, none follows.
    fn reference(terms: &[Term], folded: &str) -> Vec<(u32, u32, u32)> {
        let mut pats: Vec<(String, u32, bool)> = Vec::new();
        for (t, term) in terms.iter().enumerate() {
            for s in term.spellings() {
                pats.push((s, t as u32, term.needs_right_boundary()));
            }
        }
        let ac = AhoCorasick::new(pats.iter().map(|p| &p.0)).unwrap();
        let mut out = Vec::new();
        for m in ac.find_overlapping_iter(folded) {
            let (s, t, right) = &pats[m.pattern().as_usize()];
            let left = s
                .chars()
                .next()
                .is_some_and(|c| is_word_char(c) || c == '#' || c == '@');
            let before = folded[..m.start()].chars().next_back();
            let after = folded[m.end()..].chars().next();
            if left && before.is_some_and(is_word_char) {
                continue;
            }
            if *right && after.is_some_and(is_word_char) {
                continue;
            }
            out.push((*t, m.start() as u32, m.end() as u32));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn scanned(a: &Automaton, folded: &str) -> (Vec<(u32, u32, u32)>, Vec<u32>) {
        let (mut hits, mut starts) = (Vec::new(), Vec::new());
        a.scan(folded, &mut hits, &mut starts);
        let mut v: Vec<_> = hits.iter().map(|h| (h.term, h.start, h.end)).collect();
        v.sort_unstable();
        (v, starts)
    }

    const TERMS: &[(&str, bool)] = &[
        ("nordwind", false),
        ("nordwind energie", false),
        ("energie", false),
        ("#nordwind", false),
        ("@nordwind_de", false),
        ("abzock*", true),
        ("€uro", false),
        ("c++", false),
        (".net", false),
        ("wind", false),
        ("ελλάδα", false),
        ("d", false),
    ];

    const PIECES: &[&str] = &[
        "nordwind",
        "Nordwind",
        "energie",
        "-",
        " ",
        "#",
        "@",
        "_de",
        "abzocke",
        "Abzock",
        "€uro",
        "c++",
        ".net",
        "wind",
        "x",
        "Ελλάδα",
        "ä",
        ",",
        "d",
        "\u{200B}",
        "  ",
        "東京",
    ];

    fn automaton() -> (Vec<Term>, Automaton) {
        let terms: Vec<Term> = TERMS
            .iter()
            .map(|(t, q)| Term::parse(t, *q).unwrap())
            .collect();
        let a = Automaton::build(&terms).unwrap();
        (terms, a)
    }

    #[test]
    fn finds_what_the_unanchored_search_finds() {
        let (terms, a) = automaton();
        for text in [
            "Nordwind Energie, #nordwind und @nordwind_de: Abzocke!",
            "nordwindenergie windnordwind #wind x#nordwind ##nordwind",
            "ein €uro, 3€uro, c++ und .net, asp.net",
            "Ελλάδα d d-d dd",
        ] {
            let f = fold(text);
            let (hits, starts) = scanned(&a, &f);
            assert_eq!(hits, reference(&terms, &f), "{text:?}");
            let mut want = Vec::new();
            word_starts(&f, &mut want);
            assert_eq!(starts, want, "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn agrees_with_the_unanchored_search(pieces in prop::collection::vec(0..PIECES.len(), 0..14)) {
            let (terms, a) = automaton();
            let text: String = pieces.iter().map(|&i| PIECES[i]).collect();
            let f = fold(&text);
            let (hits, starts) = scanned(&a, &f);
            prop_assert_eq!(hits, reference(&terms, &f), "{:?}", text);
            let mut want = Vec::new();
            word_starts(&f, &mut want);
            prop_assert_eq!(starts, want, "{:?}", text);
        }
    }
}
