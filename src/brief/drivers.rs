//! Storm drivers: which terms a window holds far more often than the brand's own usual.
//!
//! [`TermBaseline`] keeps, per brand, in a fixed table, how many of the brand's posts carried
//! each term (decayed, so that last month weighs more than last year). [`drivers`] then scores
//! every term of the window's posts with Dunning's log-likelihood ratio G² of its count in the
//! window against the share the baseline expects, and keeps the strongest.
//!
//! Invariant: the table never grows (2,048 slots of 8 bytes: 16 KiB per brand, whatever the
//! vocabulary). A term that was never seen or was pushed out of its set is expected at the
//! set's smallest count, an upper bound of what it can have had, so an evicted everyday term
//! is not mistaken for a new one. A fresh brand (no history) expects each term in a small
//! prior share of posts, so its drivers are the terms shared by many posts of the surge. A
//! term seen in fewer than [`MIN_COUNT`] posts, or whose G² stays below [`MIN_SCORE`], is no
//! driver, however rare it was before.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::terms::{Term, TermType};

/// Slots per set; a term lives in one set, chosen by its key.
const WAYS: usize = 8;
/// Sets in the table.
const SETS: usize = 256;
/// Posts after which a post's weight has halved against newer ones.
const HALF_LIFE_POSTS: f64 = 4000.0;
/// Prior: a term is expected in this share of a fresh brand's posts…
const PRIOR_SHARE: f64 = 0.03;
/// …with the weight of this many posts.
const PRIOR_POSTS: f64 = 30.0;
/// A driver is in at least this many of the window's posts.
pub const MIN_COUNT: u32 = 3;
/// G² a driver must reach: χ²(1) at p = 0.001.
pub const MIN_SCORE: f64 = 10.83;
/// Drivers an alert names at most.
pub const MAX_DRIVERS: usize = 10;

/// A term that drives the window, as the contract's `drivers[]` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Driver {
    pub term: String,
    #[serde(rename = "type")]
    pub kind: TermType,
    /// Posts of the window that carry the term.
    pub count: u32,
    /// Posts the baseline expected to carry it, in as many posts as the window holds.
    pub expected: f64,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
struct Slot {
    /// The upper 32 bits of the term's key; 0 is an empty slot.
    tag: u32,
    /// Decayed posts with the term, in the table's current unit.
    count: f32,
}

/// Per-brand document frequencies of terms, bounded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TermBaseline {
    slots: Vec<Slot>,
    /// Decayed posts learned, in the table's current unit.
    posts: f64,
    /// Weight of the next post, growing so that older ones decay without touching them.
    weight: f64,
}

impl Default for TermBaseline {
    fn default() -> Self {
        TermBaseline {
            slots: vec![Slot::default(); WAYS * SETS],
            posts: 0.0,
            weight: 1.0,
        }
    }
}

fn tag(key: u64) -> u32 {
    ((key >> 32) as u32).max(1)
}

fn set_of(key: u64) -> usize {
    (key as usize % SETS) * WAYS
}

impl TermBaseline {
    /// Learns one post's terms.
    pub fn learn(&mut self, terms: &[Term]) {
        let keys: Vec<u64> = terms.iter().map(|t| t.key).collect();
        self.learn_keys(&keys);
    }

    /// Learns one post's terms by their keys (distinct, as [`super::terms::with_term_keys`]
    /// gives them).
    pub fn learn_keys(&mut self, keys: &[u64]) {
        let w = self.weight as f32;
        for &key in keys {
            let set = set_of(key);
            let tg = tag(key);
            let slots = &mut self.slots[set..set + WAYS];
            if let Some(s) = slots.iter_mut().find(|s| s.tag == tg) {
                s.count += w;
                continue;
            }
            // Not there: take an empty slot, or the smallest one, counting on from its count
            // (Space-Saving: the newcomer may have had that many before it was pushed out).
            let (i, min) = slots
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.count.total_cmp(&b.1.count))
                .map(|(i, s)| (i, *s))
                .unwrap_or((0, Slot::default()));
            slots[i] = Slot {
                tag: tg,
                count: if min.tag == 0 { w } else { min.count + w },
            };
        }
        self.posts += self.weight;
        self.weight *= (std::f64::consts::LN_2 / HALF_LIFE_POSTS).exp();
        if self.weight > 1e6 {
            self.rescale();
        }
    }

    fn rescale(&mut self) {
        let f = 1.0 / self.weight;
        for s in &mut self.slots {
            s.count = (s.count as f64 * f) as f32;
        }
        self.posts *= f;
        self.weight = 1.0;
    }

    /// The share of the brand's posts expected to carry the term (smoothed by the prior).
    pub fn share(&self, key: u64) -> f64 {
        let set = set_of(key);
        let tg = tag(key);
        let slots = &self.slots[set..set + WAYS];
        let count = match slots.iter().find(|s| s.tag == tg) {
            Some(s) => s.count as f64,
            None if slots.iter().all(|s| s.tag != 0) => slots
                .iter()
                .map(|s| s.count as f64)
                .fold(f64::INFINITY, f64::min),
            None => 0.0,
        };
        let scale = 1.0 / self.weight;
        let posts = self.posts * scale;
        ((count * scale + PRIOR_SHARE * PRIOR_POSTS) / (posts + PRIOR_POSTS)).min(1.0)
    }

    /// Posts learned (decayed), in posts of today.
    pub fn posts(&self) -> f64 {
        self.posts / self.weight
    }

    pub fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>()
    }
}

/// Dunning's G² for `k` of `n` posts against an expected share `p`; 0 unless `k` is above it.
pub fn g2(k: f64, n: f64, p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    if n <= 0.0 || k <= n * p {
        return 0.0;
    }
    let term = |obs: f64, exp: f64| {
        if obs > 0.0 {
            obs * (obs / exp).ln()
        } else {
            0.0
        }
    };
    2.0 * (term(k, n * p) + term(n - k, n * (1.0 - p)))
}

/// Share of each other's posts two terms must share to be one thing (a headline's words and
/// phrases travel together: "erhöht den preis", "prozent" and "ankündigung" of one post).
const SAME_THING: f64 = 0.8;

/// The posts of the window that carry a term, as a bit set.
#[derive(Debug, Clone)]
struct Posts(Vec<u64>);

impl Posts {
    fn new(n: usize) -> Self {
        Posts(vec![0; n.div_ceil(64)])
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn shared(&self, o: &Posts) -> u32 {
        self.0
            .iter()
            .zip(&o.0)
            .map(|(a, b)| (a & b).count_ones())
            .sum()
    }
}

/// Whether two terms carried by `a` and `b` posts, `shared` of them in common, are one thing.
fn same_thing(shared: u32, a: u32, b: u32) -> bool {
    let s = shared as f64;
    s >= SAME_THING * a as f64 && s >= SAME_THING * b as f64
}

/// The window's drivers, strongest first: `posts` are the terms of each post in the window.
///
/// One thing, one driver: of terms carried by (nearly) the same posts only the strongest is
/// named, and of equally strong ones the longest phrase, so that ten drivers name up to ten
/// different things rather than the ten words of one headline.
pub fn drivers(posts: &[Vec<Term>], baseline: &TermBaseline) -> Vec<Driver> {
    let n = posts.len() as f64;
    let mut counts: HashMap<u64, (u32, &Term)> = HashMap::new();
    for p in posts {
        for t in p {
            let e = counts.entry(t.key).or_insert((0, t));
            e.0 += 1;
            // A word's forms share a key; the shortest form names them.
            if t.text.len() < e.1.text.len() {
                e.1 = t;
            }
        }
    }
    let mut scored: Vec<(f64, Driver, Vec<&str>, u64)> = counts
        .into_values()
        .filter(|(k, _)| *k >= MIN_COUNT)
        .filter_map(|(k, t)| {
            let p = baseline.share(t.key);
            let s = g2(k as f64, n, p);
            (s >= MIN_SCORE).then(|| {
                (
                    s,
                    Driver {
                        term: t.text.clone(),
                        kind: t.kind,
                        count: k,
                        expected: (p * n * 10.0).round() / 10.0,
                    },
                    t.text.split(' ').collect(),
                    t.key,
                )
            })
        })
        .collect();
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(b.1.count.cmp(&a.1.count))
            .then(b.2.len().cmp(&a.2.len()))
            .then(a.1.term.cmp(&b.1.term))
    });
    // Which posts carry each scored term (only those: the window's other terms are many).
    let index: HashMap<u64, usize> = scored.iter().enumerate().map(|(i, s)| (s.3, i)).collect();
    let mut carried: Vec<Posts> = vec![Posts::new(posts.len()); scored.len()];
    for (i, p) in posts.iter().enumerate() {
        for t in p {
            if let Some(&j) = index.get(&t.key) {
                carried[j].set(i);
            }
        }
    }
    // A word or phrase that mostly occurs inside a longer chosen phrase adds nothing; a longer
    // phrase that carries most of a chosen term's posts says more; a term carried by nearly
    // the same posts as a chosen one is the same thing.
    let mut chosen: Vec<(Driver, Vec<&str>, usize)> = Vec::new();
    for (j, (_, d, words, _)) in scored.into_iter().enumerate() {
        let inside = |short: &[&str], long: &[&str]| {
            short.len() < long.len() && long.windows(short.len()).any(|w| w == short)
        };
        if chosen
            .iter()
            .any(|(c, cw, _)| inside(&words, cw) && d.count as f64 <= c.count as f64 * 1.25)
        {
            continue;
        }
        let covered: Vec<usize> = (0..chosen.len())
            .filter(|&i| {
                let (c, cw, _) = &chosen[i];
                inside(cw, &words) && d.count as f64 >= c.count as f64 * 0.8
            })
            .collect();
        if let Some(&first) = covered.first() {
            for &i in covered[1..].iter().rev() {
                chosen.remove(i);
            }
            chosen[first] = (d, words, j);
            continue;
        }
        // The same thing as a chosen term: named by the one with more words, which says more
        // ("hotline ist tot" rather than the "skandal" of the same posts).
        if let Some(i) = chosen
            .iter()
            .position(|(c, _, i)| same_thing(carried[j].shared(&carried[*i]), d.count, c.count))
        {
            if words.len() > chosen[i].1.len() {
                chosen[i] = (d, words, j);
            }
            continue;
        }
        if chosen.len() < MAX_DRIVERS {
            chosen.push((d, words, j));
        }
    }
    chosen.into_iter().map(|(d, _, _)| d).collect()
}

#[cfg(test)]
mod tests {
    use super::super::terms::{terms, OwnWords};
    use super::*;

    fn own() -> OwnWords {
        OwnWords::new(&["Acme".into()])
    }

    fn post(t: &str) -> Vec<Term> {
        terms(t, &own())
    }

    /// A brand whose everyday posts all talk about "lieferung", with a changing second word.
    fn calm_baseline() -> TermBaseline {
        let mut b = TermBaseline::default();
        let extra = [
            "paket",
            "kundennummer",
            "tarif",
            "filiale",
            "rechnung",
            "termin",
            "app",
        ];
        for i in 0..3000 {
            b.learn(&post(&format!(
                "Acme Lieferung {} heute angekommen, Nummer {i}",
                extra[i % extra.len()]
            )));
        }
        b
    }

    #[test]
    fn a_planted_surging_term_is_the_top_driver_and_an_everyday_one_is_not() {
        let b = calm_baseline();
        let mut window = Vec::new();
        for i in 0..60 {
            if i % 2 == 0 {
                window.push(post(
                    "Acme Lieferung verspätet, Rückrufaktion wegen Brandgefahr!",
                ));
            } else {
                window.push(post("Acme Lieferung paket heute angekommen"));
            }
        }
        let d = drivers(&window, &b);
        assert!(!d.is_empty());
        assert!(
            d[0].term == "rückrufaktion"
                || d[0].term.contains("brandgefahr")
                || d[0].term.contains("rückrufaktion"),
            "{d:?}"
        );
        assert!(d.iter().all(|d| d.term != "lieferung"), "{d:?}");
        assert!(d.iter().all(|d| d.term != "acme"));
        assert!(d[0].count >= 30 && d[0].expected < 3.0, "{d:?}");
    }

    #[test]
    fn a_term_seen_twice_is_no_driver() {
        let b = calm_baseline();
        let mut window: Vec<Vec<Term>> = (0..40).map(|_| post("Acme Lieferung paket")).collect();
        window.push(post("Acme Einhorn"));
        window.push(post("Acme Einhorn"));
        assert!(drivers(&window, &b).iter().all(|d| d.term != "einhorn"));
    }

    #[test]
    fn a_fresh_brand_gets_the_terms_many_posts_share() {
        let b = TermBaseline::default();
        let mut window = Vec::new();
        for i in 0..30 {
            window.push(post(&format!(
                "Acme hat mich doppelt abgebucht, Beitrag {i}, {}",
                ["unfassbar", "echt jetzt", "wie bitte", "so nicht"][i % 4]
            )));
        }
        let d = drivers(&window, &b);
        assert_eq!(d[0].term, "doppelt abgebucht", "{d:?}");
        assert!(d.iter().all(|d| d.count >= MIN_COUNT));
        // "doppelt" and "abgebucht" alone add nothing to the phrase.
        assert!(
            d.iter()
                .all(|d| d.term != "doppelt" && d.term != "abgebucht"),
            "{d:?}"
        );
    }

    #[test]
    fn the_words_of_one_headline_are_one_driver_and_two_headlines_two() {
        let b = calm_baseline();
        let mut window = Vec::new();
        let extra = [
            "paket",
            "kundennummer",
            "tarif",
            "filiale",
            "rechnung",
            "termin",
        ];
        for i in 0..40 {
            let calm = format!("Acme Lieferung {} heute angekommen", extra[i % 6]);
            window.push(post(match i % 4 {
                0 => "Acme erhöht den Preis um 40 Prozent ohne jede Ankündigung.",
                1 => "Bei Acme nur Warteschleife, die Hotline ist tot.",
                _ => &calm,
            }));
        }
        let d = drivers(&window, &b);
        let names: Vec<&str> = d.iter().map(|d| d.term.as_str()).collect();
        assert_eq!(d.len(), 2, "{names:?}");
        // The longest phrase stands for its headline.
        assert!(names.contains(&"erhöht den preis"), "{names:?}");
        assert!(
            names
                .iter()
                .any(|n| n.contains("hotline") || n.contains("warteschleife")),
            "{names:?}"
        );
    }

    #[test]
    fn memory_is_fixed_whatever_the_vocabulary() {
        let mut b = TermBaseline::default();
        let before = b.heap_bytes();
        for i in 0..20_000 {
            b.learn(&post(&format!("wort{i} anderes{i} drittes{i}")));
        }
        assert_eq!(b.heap_bytes(), before);
        assert!(before <= 16 * 1024);
        // Decay keeps the counts finite and the share meaningful.
        assert!(b.posts() > 0.0 && b.posts() < 20_000.0);
    }

    #[test]
    fn g2_is_zero_at_or_below_expectation() {
        assert_eq!(g2(1.0, 100.0, 0.05), 0.0);
        assert!(g2(20.0, 100.0, 0.05) > MIN_SCORE);
    }
}
