//! Evaluation: one brand's compiled expression judged on the term hits of one text.
//!
//! Invariant: only occurrences count. A keyword occurrence inside an occurrence of one of the
//! brand's `exclude` phrases is dropped before the expression is judged, so "Nordwind
//! Segelschule" hides that "Nordwind" and no other; `NEAR/n` compares the word positions of
//! occurrences.

use super::query::Expr;

/// One occurrence of one of a brand's terms: `slot` indexes the brand's terms; `start`/`end`
/// are byte offsets in the folded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SlotHit {
    pub brand: u32,
    pub slot: u16,
    pub start: u32,
    pub end: u32,
}

/// A brand's expression over slots. Slots `0..first_exclude` are the terms the expression
/// uses; the rest are `exclude` phrases.
#[derive(Debug, Clone)]
pub struct Program {
    pub expr: Expr<u16>,
    pub first_exclude: u16,
}

/// The occurrences of one brand in one text, and the word starts for `NEAR/n`.
pub struct Occurrences<'a> {
    /// The brand's hits, sorted by slot then position.
    hits: &'a [SlotHit],
    first_exclude: u16,
    /// `hits[excludes..]` are the hits of exclude phrases.
    excludes: usize,
    /// Bit `s` set: slot `s` (below 64) occurs and is not excluded. Judging a term is then
    /// one bit test instead of a search among the hits, and a brand's query is judged once
    /// per text it is a candidate in.
    present: u64,
    /// Byte offsets of the text's word starts.
    word_starts: &'a [u32],
}

impl<'a> Occurrences<'a> {
    /// `hits` sorted by slot then position; `word_starts` as [`super::fold::word_starts`]
    /// gives them.
    pub fn new(hits: &'a [SlotHit], first_exclude: u16, word_starts: &'a [u32]) -> Self {
        let excludes = hits.partition_point(|h| h.slot < first_exclude);
        let mut occ = Occurrences {
            hits,
            first_exclude,
            excludes,
            present: 0,
            word_starts,
        };
        let mut present = 0u64;
        for h in &hits[..excludes] {
            if h.slot < 64 && present & (1 << h.slot) == 0 && !occ.excluded(h) {
                present |= 1 << h.slot;
            }
        }
        occ.present = present;
        occ
    }

    /// The brand's hits, sorted by slot then position.
    pub fn hits(&self) -> &'a [SlotHit] {
        self.hits
    }

    fn slot(&self, slot: u16) -> impl Iterator<Item = &SlotHit> + '_ {
        let from = self.hits.partition_point(|h| h.slot < slot);
        self.hits[from..]
            .iter()
            .take_while(move |h| h.slot == slot)
            .filter(move |h| !self.excluded(h))
    }

    /// Inside an occurrence of an exclude phrase.
    fn excluded(&self, h: &SlotHit) -> bool {
        if h.slot >= self.first_exclude {
            return false;
        }
        self.hits[self.excludes..]
            .iter()
            .any(|x| x.start <= h.start && h.end <= x.end)
    }

    /// Whether `slot` occurs (and is not excluded).
    pub fn present(&self, slot: u16) -> bool {
        if slot < 64 && slot < self.first_exclude {
            return self.present & (1 << slot) != 0;
        }
        self.slot(slot).next().is_some()
    }

    /// The first and last word of an occurrence.
    fn words(&self, h: &SlotHit) -> (u32, u32) {
        let ws = self.word_starts;
        let first = ws.partition_point(|&w| w < h.start) as u32;
        let last = (ws.partition_point(|&w| w < h.end) as u32).saturating_sub(1);
        (first, last.max(first))
    }
}

impl Program {
    pub fn holds(&self, occ: &Occurrences<'_>) -> bool {
        holds(&self.expr, occ)
    }
}

fn holds(e: &Expr<u16>, occ: &Occurrences<'_>) -> bool {
    match e {
        Expr::Term(s) => occ.present(*s),
        Expr::And(v) => v.iter().all(|e| holds(e, occ)),
        Expr::Or(v) => v.iter().any(|e| holds(e, occ)),
        Expr::Not(e) => !holds(e, occ),
        Expr::Near(..) => {
            let mut spans = Vec::new();
            spans_of(e, occ, &mut spans);
            !spans.is_empty()
        }
    }
}

/// Word spans `(first, last)` where `e` occurs; `e` is a term, an OR of them or a NEAR (the
/// parser allows nothing else under NEAR).
fn spans_of(e: &Expr<u16>, occ: &Occurrences<'_>, out: &mut Vec<(u32, u32)>) {
    match e {
        Expr::Term(s) => out.extend(occ.slot(*s).map(|h| occ.words(h))),
        Expr::Or(v) => v.iter().for_each(|e| spans_of(e, occ, out)),
        Expr::Near(a, b, n) => {
            let (mut left, mut right) = (Vec::new(), Vec::new());
            spans_of(a, occ, &mut left);
            if left.is_empty() {
                return;
            }
            spans_of(b, occ, &mut right);
            for &x in &left {
                for &y in &right {
                    if let Some(gap) = gap(x, y) {
                        if gap <= *n {
                            out.push((x.0.min(y.0), x.1.max(y.1)));
                        }
                    }
                }
            }
        }
        Expr::And(_) | Expr::Not(_) => {}
    }
}

/// Words between two spans; `None` when they overlap (one word cannot be both sides).
fn gap(x: (u32, u32), y: (u32, u32)) -> Option<u32> {
    if x.1 < y.0 {
        Some(y.0 - x.1 - 1)
    } else if y.1 < x.0 {
        Some(x.0 - y.1 - 1)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gap_counts_words_between_and_refuses_overlap() {
        assert_eq!(gap((0, 0), (1, 1)), Some(0));
        assert_eq!(gap((5, 6), (0, 1)), Some(3));
        assert_eq!(gap((0, 2), (2, 3)), None);
    }
}
