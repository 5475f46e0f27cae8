//! The brand matcher: compiles every brand's keywords or query into one [`Automaton`] and one
//! [`Program`] per brand, and answers which brands a text counts for.
//!
//! Invariant: one automaton pass per text, then work only for the brands the pass found an
//! anchor of (their "candidates", see [`super::anchor`]); with a thousand brands a typical
//! post evaluates none or one, even when the brands' queries share their topic terms.

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use super::anchor::anchors;
use super::automaton::{Automaton, Hit};
use super::eval::{Occurrences, Program, SlotHit};
use super::fold::fold_into;
use super::query::{Expr, Query};
use super::term::Term;
use super::{BrandSpec, MatchError};

/// The compiled terms of all brands.
pub struct BrandMatcher {
    automaton: Automaton,
    terms: Vec<Term>,
    /// `refs[ref_starts[t]..ref_starts[t + 1]]`: the (brand, slot) pairs that use term `t`.
    ref_starts: Vec<u32>,
    refs: Vec<(u32, u16)>,
    /// `anchored[anchor_starts[t]..anchor_starts[t + 1]]`: the brands that term `t` makes a
    /// candidate (those for which it is an anchor), ascending.
    anchor_starts: Vec<u32>,
    anchored: Vec<u32>,
    programs: Vec<Program>,
    /// Per brand, slot → term.
    slots: Vec<Vec<u32>>,
    /// Per brand, slot → it only occurs under a NOT.
    negated: Vec<Vec<bool>>,
}

/// How one brand judged one text, for `sturmglas match`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub brand: usize,
    /// The text counts for the brand (before language and source filters).
    pub counts: bool,
    /// Terms found, in their normal form (not those under NOT, nor occurrences excluded).
    pub terms: Vec<String>,
    /// Terms found that the query excludes with NOT.
    pub negated: Vec<String>,
    /// `exclude` phrases found.
    pub excluded: Vec<String>,
}

/// Buffers reused from text to text on one thread, so matching allocates nothing per text.
#[derive(Default)]
struct Scratch {
    folded: String,
    hits: Vec<Hit>,
    candidates: Vec<u32>,
    slot_hits: Vec<SlotHit>,
    word_starts: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl BrandMatcher {
    pub fn new(brands: &[BrandSpec<'_>]) -> Result<Self, MatchError> {
        let mut terms: Vec<Term> = Vec::new();
        let mut term_ids: FxHashMap<Term, u32> = FxHashMap::default();
        let mut uses: Vec<Vec<(u32, u16)>> = Vec::new();
        let mut programs = Vec::with_capacity(brands.len());
        let mut slots_of = Vec::with_capacity(brands.len());
        let mut negated_of = Vec::with_capacity(brands.len());
        for (b, spec) in brands.iter().enumerate() {
            let mut slots: Vec<u32> = Vec::new();
            let mut negated: Vec<bool> = Vec::new();
            // `neg`: whether this use stands under a NOT; `None` looks the slot up only.
            let mut slot_of = |t: &Term, neg: Option<bool>, slots: &mut Vec<u32>| -> u16 {
                let id = *term_ids.entry(t.clone()).or_insert_with(|| {
                    terms.push(t.clone());
                    uses.push(Vec::new());
                    (terms.len() - 1) as u32
                });
                if let Some(s) = slots.iter().position(|x| *x == id) {
                    if let Some(n) = neg {
                        negated[s] &= n;
                    }
                    return s as u16;
                }
                slots.push(id);
                negated.push(neg.unwrap_or(false));
                uses[id as usize].push((b as u32, (slots.len() - 1) as u16));
                (slots.len() - 1) as u16
            };
            let parse = |k: &String| {
                Term::parse(k, false).map_err(|e| MatchError(format!("keyword {k:?}: {e}")))
            };
            let expr = match spec.query {
                Some(q) => {
                    let mut leaves = Vec::new();
                    q.expr.leaves(false, &mut leaves);
                    for (t, neg) in &leaves {
                        slot_of(t, Some(*neg), &mut slots);
                    }
                    q.expr.map(&mut |t| slot_of(t, None, &mut slots))
                }
                None => {
                    let mut alts = Vec::with_capacity(spec.keywords.len());
                    for k in spec.keywords {
                        alts.push(Expr::Term(slot_of(&parse(k)?, Some(false), &mut slots)));
                    }
                    Expr::Or(alts)
                }
            };
            let first_exclude = slots.len();
            if spec.query.is_none() {
                for x in spec.exclude {
                    let t = parse(x)?;
                    // An exclude phrase always gets a slot of its own, even when it is also
                    // a keyword: it must be told apart from the keyword's occurrences.
                    let id = *term_ids.entry(t.clone()).or_insert_with(|| {
                        terms.push(t.clone());
                        uses.push(Vec::new());
                        (terms.len() - 1) as u32
                    });
                    slots.push(id);
                    negated.push(false);
                    uses[id as usize].push((b as u32, (slots.len() - 1) as u16));
                }
            }
            if slots.len() > usize::from(u16::MAX) {
                return Err(MatchError(format!(
                    "brand {} has more than {} terms",
                    b + 1,
                    u16::MAX
                )));
            }
            programs.push(Program {
                expr,
                first_exclude: first_exclude as u16,
            });
            slots_of.push(slots);
            negated_of.push(negated);
        }
        let automaton = Automaton::build(&terms)?;
        let mut anchored_by: Vec<Vec<u32>> = vec![Vec::new(); terms.len()];
        for (b, (program, slots)) in programs.iter().zip(&slots_of).enumerate() {
            let cost = |s: u16| uses[slots[usize::from(s)] as usize].len() as u64;
            let chosen = match anchors(&program.expr, &cost) {
                Some((a, _)) => a,
                // Holds without a positive term: every term of the brand makes it a
                // candidate, as it did before anchors.
                None => (0..slots.len() as u16).collect(),
            };
            for s in chosen {
                let by = &mut anchored_by[slots[usize::from(s)] as usize];
                if by.last() != Some(&(b as u32)) {
                    by.push(b as u32);
                }
            }
        }
        let mut anchor_starts = Vec::with_capacity(terms.len() + 1);
        let mut anchored = Vec::new();
        anchor_starts.push(0);
        for by in anchored_by {
            anchored.extend(by);
            anchor_starts.push(anchored.len() as u32);
        }
        let mut ref_starts = Vec::with_capacity(uses.len() + 1);
        let mut refs = Vec::new();
        ref_starts.push(0);
        for u in uses {
            refs.extend(u);
            ref_starts.push(refs.len() as u32);
        }
        Ok(BrandMatcher {
            automaton,
            terms,
            ref_starts,
            refs,
            anchor_starts,
            anchored,
            programs,
            slots: slots_of,
            negated: negated_of,
        })
    }

    /// Runs the automaton over `text` and calls `f` for each candidate brand with its
    /// occurrences, brands in order. `every`: every brand that any term occurs of is a
    /// candidate (for [`BrandMatcher::explain`]), not only those an anchor occurs of.
    fn each_candidate(
        &self,
        text: &str,
        every: bool,
        mut f: impl FnMut(usize, &Program, &Occurrences<'_>),
    ) {
        SCRATCH.with(|cell| {
            let Ok(mut guard) = cell.try_borrow_mut() else {
                // Re-entered from `f` (never done here): match with fresh buffers instead.
                return self.candidates_in(text, every, &mut Scratch::default(), &mut f);
            };
            self.candidates_in(text, every, &mut guard, &mut f)
        })
    }

    fn candidates_in(
        &self,
        text: &str,
        every: bool,
        s: &mut Scratch,
        f: &mut impl FnMut(usize, &Program, &Occurrences<'_>),
    ) {
        fold_into(text, &mut s.folded);
        s.hits.clear();
        self.automaton
            .scan(&s.folded, &mut s.hits, &mut s.word_starts);
        if s.hits.is_empty() {
            return;
        }
        s.slot_hits.clear();
        if every {
            self.every_slot_hit(s);
        } else {
            self.anchored_slot_hits(s);
        }
        self.group_by_brand(s, f);
    }

    /// The hits of every brand any term occurs of, sorted like [`SlotHit`].
    fn every_slot_hit(&self, s: &mut Scratch) {
        for h in &s.hits {
            let t = h.term as usize;
            let (a, b) = (self.ref_starts[t] as usize, self.ref_starts[t + 1] as usize);
            for &(brand, slot) in &self.refs[a..b] {
                s.slot_hits.push(SlotHit {
                    brand,
                    slot,
                    start: h.start,
                    end: h.end,
                });
            }
        }
        s.slot_hits.sort_unstable();
    }

    /// The hits of the brands an anchor occurs of, sorted like [`SlotHit`]: the candidates
    /// first, from the anchors' few brands; then each candidate's slots looked up among the
    /// hits, so a shared term costs nothing for the brands it does not anchor.
    fn anchored_slot_hits(&self, s: &mut Scratch) {
        s.hits.sort_unstable_by_key(|h| (h.term, h.start, h.end));
        s.candidates.clear();
        let mut last = None;
        for h in &s.hits {
            if last == Some(h.term) {
                continue;
            }
            last = Some(h.term);
            let t = h.term as usize;
            let (a, b) = (
                self.anchor_starts[t] as usize,
                self.anchor_starts[t + 1] as usize,
            );
            s.candidates.extend_from_slice(&self.anchored[a..b]);
        }
        s.candidates.sort_unstable();
        s.candidates.dedup();
        for &brand in &s.candidates {
            for (slot, &term) in self.slots[brand as usize].iter().enumerate() {
                let from = s.hits.partition_point(|h| h.term < term);
                for h in s.hits[from..].iter().take_while(|h| h.term == term) {
                    s.slot_hits.push(SlotHit {
                        brand,
                        slot: slot as u16,
                        start: h.start,
                        end: h.end,
                    });
                }
            }
        }
    }

    fn group_by_brand(
        &self,
        s: &mut Scratch,
        f: &mut impl FnMut(usize, &Program, &Occurrences<'_>),
    ) {
        let mut rest = &s.slot_hits[..];
        while let Some(first) = rest.first() {
            let n = rest.partition_point(|h| h.brand == first.brand);
            let (group, tail) = rest.split_at(n);
            rest = tail;
            let brand = first.brand as usize;
            let program = &self.programs[brand];
            let occ = Occurrences::new(group, program.first_exclude, &s.word_starts);
            f(brand, program, &occ);
        }
    }

    /// The brands (indices into the configured list) that `text` counts for, in order.
    pub fn matches(&self, text: &str) -> Vec<usize> {
        let mut out = Vec::new();
        self.each_candidate(text, false, |brand, program, occ| {
            if program.holds(occ) {
                out.push(brand);
            }
        });
        out
    }

    /// Every brand that `text` names a term of, whether it counts, and which terms it found.
    pub fn explain(&self, text: &str) -> Vec<Candidate> {
        let mut out = Vec::new();
        self.each_candidate(text, true, |brand, program, occ| {
            let mut c = Candidate {
                brand,
                counts: program.holds(occ),
                terms: Vec::new(),
                negated: Vec::new(),
                excluded: Vec::new(),
            };
            for (slot, &term) in self.slots[brand].iter().enumerate() {
                let shown = self.terms[term as usize].to_string();
                let slot16 = slot as u16;
                if slot16 >= program.first_exclude {
                    if occ.hits().iter().any(|h| h.slot == slot16) {
                        c.excluded.push(shown);
                    }
                } else if occ.present(slot16) {
                    if self.negated[brand][slot] {
                        c.negated.push(shown);
                    } else {
                        c.terms.push(shown);
                    }
                }
            }
            out.push(c);
        });
        out
    }

    pub fn brand_count(&self) -> usize {
        self.programs.len()
    }

    /// Distinct terms and the patterns (spellings) compiled for them.
    pub fn sizes(&self) -> (usize, usize) {
        (self.terms.len(), self.automaton.pattern_count())
    }

    /// Heap bytes of the automaton and the tables that map its hits to brands.
    pub fn memory(&self) -> usize {
        self.automaton.memory()
            + self.ref_starts.capacity() * 4
            + self.refs.capacity() * std::mem::size_of::<(u32, u16)>()
            + (self.anchor_starts.capacity() + self.anchored.capacity()) * 4
            + self
                .slots
                .iter()
                .map(|s| s.capacity() * 4 + 24)
                .sum::<usize>()
    }
}

impl Query {
    /// Compiles this query alone, for tests and tools that try one query.
    pub fn matcher(&self) -> Result<BrandMatcher, MatchError> {
        BrandMatcher::new(&[BrandSpec {
            keywords: &[],
            exclude: &[],
            query: Some(self),
        }])
    }
}
