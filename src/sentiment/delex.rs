//! The German lexicon as the scorer sees it: textblob-de's base forms (polarity -1..1 scaled
//! to VADER's -4..4), their regular inflections generated here, the project's curated
//! additions (complaint and outrage vocabulary, slang, phrases, emoji), and the rule words of
//! [`super::rules`], all in one map keyed on lower-case forms. Unknown words are tried as
//! compounds: the longest known noun or adjective at the end decides ("Servicekatastrophe").
//! Invariant: curated entries override textblob's, their generated endings included;
//! generated forms never override a listed form; a rule word never carries a valence, and
//! neither does a word curated as 0.

use rustc_hash::{FxHashMap, FxHashSet};

use super::lexicon::{self, Pos};
use super::rules::{
    RuleWord, ADJECTIVE_INTENSIFIERS, ATTITUDE_ADVERBS, HORROR_INTENSIFIERS, INTENSIFYING_PREFIXES,
    IRONIC_INTERJECTIONS, NEVER_TAILS, RESOLVING_WORDS, RULE_WORDS,
};

/// textblob-de polarity 1.0 becomes this valence (VADER's strong words sit around ±2).
const SCALE: f64 = 2.0;
/// Shortest compound head and tail, in characters ("Kundenhass": head "kunden", tail "hass").
const MIN_HEAD: usize = 3;
const MIN_TAIL: usize = 4;

/// What the German scorer knows about one lower-case word. Invariant: at most 32 bytes (a
/// unit test checks), because the map holds one per listed form and inflection, about 140k.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    /// Valence on VADER's scale; NaN when the word has none.
    pub valence: f64,
    pub rule: Option<RuleWord>,
    /// The word starts a multi-word entry.
    pub phrase_start: bool,
    /// "noch", a negator after "weder".
    pub noch_after_weder: bool,
    /// Found as a compound whose head intensifies ("megapeinlich").
    pub prefix_boost: bool,
    /// May end a compound, and how short it may be there.
    tail: Tail,
    /// An emoji or emoticon: word rules (negation, intensifiers, caps) do not apply.
    pub symbol: bool,
    /// A sentence adverb of the speaker's attitude ("leider"): a negation in its clause
    /// negates the statement, not the regret.
    pub attitude: bool,
    /// Reports trouble as over ("beendet", "behoben"): see `german::resolved_by`.
    pub resolves: bool,
    /// Stands for a whole multi-word entry ("immer noch nicht"), whose sense is fixed.
    pub phrase: bool,
    /// Only means "very" before a word of praise ("verdammt gut").
    pub horror_intensifier: bool,
    /// Praise that is sarcasm when alone in its clause of a complaint: see
    /// `german::ironic_praise`.
    pub ironic: bool,
}

/// Whether a word may be the last part of a compound. Short tails (four letters) are
/// allowed only for curated words ("Kundenhass", "Riesenmist"); textblob-de's short words
/// hide inside too many unrelated compounds ("Getränke" is not about "Ränke").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tail {
    No,
    Long,
    Any,
    /// Ends the compound search with no valence (see `rules::NEVER_TAILS`).
    Stop,
}

impl Entry {
    pub const NONE: Entry = Entry {
        valence: f64::NAN,
        rule: None,
        phrase_start: false,
        noch_after_weder: false,
        prefix_boost: false,
        tail: Tail::No,
        symbol: false,
        attitude: false,
        resolves: false,
        phrase: false,
        horror_intensifier: false,
        ironic: false,
    };

    /// An intensifier ("sehr") and nothing else.
    pub fn degree(boost: f32) -> Entry {
        Entry {
            rule: Some(RuleWord::Degree(boost)),
            ..Entry::NONE
        }
    }

    /// A token standing for a whole multi-word entry.
    pub fn phrase(v: f64) -> Entry {
        Entry {
            valence: v,
            phrase: true,
            ..Entry::NONE
        }
    }

    pub fn symbol(v: f64) -> Entry {
        Entry {
            valence: v,
            symbol: true,
            ..Entry::NONE
        }
    }
}

pub struct DeLexicon {
    map: FxHashMap<Box<str>, Entry>,
    phrases: FxHashMap<Box<str>, f64>,
    emoji: FxHashMap<char, f64>,
    /// Bit set over the last three bytes of every word that may end a compound; a word whose
    /// ending is not in it skips the compound search.
    endings: Box<[u64]>,
}

const ENDING_BITS: usize = 1 << 16;

#[inline]
fn ending_slot(b: &[u8]) -> usize {
    let n = b.len();
    ((b[n - 3] as usize) << 10 ^ (b[n - 2] as usize) << 5 ^ b[n - 1] as usize) & (ENDING_BITS - 1)
}

impl DeLexicon {
    pub fn load() -> Self {
        let mut map: FxHashMap<Box<str>, Entry> = FxHashMap::default();
        let mut bases: Vec<(String, f64, Pos)> = Vec::new();
        for (form, polarity, pos) in lexicon::textblob_de() {
            if polarity == 0.0 {
                continue;
            }
            let key = form.to_lowercase();
            let v = polarity * SCALE;
            let tail = if matches!(pos, Pos::Noun | Pos::Adjective) {
                Tail::Long
            } else {
                Tail::No
            };
            match map.get_mut(key.as_str()) {
                // Two base forms that differ only in case ("Arm"/"arm"): keep the stronger.
                Some(e) if e.valence.abs() >= v.abs() => {
                    if e.tail == Tail::No {
                        e.tail = tail;
                    }
                }
                _ => {
                    map.insert(
                        key.clone().into(),
                        Entry {
                            valence: v,
                            tail,
                            ..Entry::NONE
                        },
                    );
                }
            }
            bases.push((key, v, pos));
        }
        let mut phrases = FxHashMap::default();
        let mut emoji = FxHashMap::default();
        let mut curated: Vec<(String, f64)> = Vec::new();
        for (word, v) in lexicon::sturmglas_de() {
            let key = word.to_lowercase();
            let mut cs = key.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) if !c.is_alphanumeric() => {
                    emoji.insert(c, v);
                }
                _ if key.contains(' ') => {
                    phrases.insert(key.clone().into_boxed_str(), v);
                }
                // A curated 0 says "no sentiment here": the word is listed, so it overrides
                // textblob-de and is never split as a compound, but it acts like any unlisted
                // word: no hit, and negators and intensifiers look past it ("Das interessiert
                // mich gerade nicht" is still negated).
                _ if v == 0.0 => curated.push((key, f64::NAN)),
                _ => curated.push((key, v)),
            }
        }
        for (key, v) in &curated {
            map.insert(
                key.as_str().into(),
                Entry {
                    valence: *v,
                    tail: Tail::Any,
                    ..Entry::NONE
                },
            );
        }
        let overridden: FxHashSet<&str> = curated.iter().map(|(k, _)| k.as_str()).collect();
        for (key, v, pos) in &bases {
            // A curated entry overrides the base word and so its endings too ("kurios 0"
            // must also neutralise "kuriose"); those come from the curated loop below.
            if overridden.contains(key.as_str()) {
                continue;
            }
            for form in inflections(key, *pos) {
                map.entry(form.into()).or_insert(Entry {
                    valence: *v,
                    // Only nouns' plural forms end compounds; adjective endings produce
                    // too many accidental tails ("Schröder" is not "öder").
                    tail: if *pos == Pos::Noun {
                        Tail::Long
                    } else {
                        Tail::No
                    },
                    ..Entry::NONE
                });
            }
        }
        for (key, v) in &curated {
            // Curated words are listed in their base form; their regular adjective and noun
            // endings follow (never overriding a listed form).
            for form in inflections(key, Pos::Adjective).chain(inflections(key, Pos::Noun)) {
                map.entry(form.into()).or_insert(Entry {
                    valence: *v,
                    tail: Tail::Long,
                    ..Entry::NONE
                });
            }
        }
        let inflected = ADJECTIVE_INTENSIFIERS.iter().flat_map(|base| {
            let rule = RULE_WORDS.iter().find(|(w, _)| w == base).map(|(_, r)| *r);
            inflections(base, Pos::Adjective).filter_map(move |f| Some((f, rule?)))
        });
        let rule_words = RULE_WORDS.iter().map(|(w, r)| (w.to_string(), *r));
        for (w, rule) in inflected.chain(rule_words) {
            let e = map.entry(w.into()).or_insert(Entry::NONE);
            e.valence = f64::NAN;
            e.rule = Some(rule);
            e.tail = Tail::No;
        }
        mark_listed(&mut map, ATTITUDE_ADVERBS, |e| e.attitude = true);
        mark_listed(&mut map, NEVER_TAILS, |e| e.tail = Tail::Stop);
        mark_listed(&mut map, IRONIC_INTERJECTIONS, |e| e.ironic = true);
        for w in HORROR_INTENSIFIERS {
            map.entry((*w).into())
                .or_insert(Entry::NONE)
                .horror_intensifier = true;
        }
        for w in RESOLVING_WORDS {
            map.entry((*w).into()).or_insert(Entry::NONE).resolves = true;
        }
        map.entry("noch".into())
            .or_insert(Entry::NONE)
            .noch_after_weder = true;
        for p in phrases.keys() {
            if let Some(first) = p.split(' ').next() {
                map.entry(first.into()).or_insert(Entry::NONE).phrase_start = true;
            }
        }
        let mut endings = vec![0u64; ENDING_BITS / 64].into_boxed_slice();
        for (k, e) in &map {
            if e.tail != Tail::No && !e.valence.is_nan() && k.chars().count() >= MIN_TAIL {
                let slot = ending_slot(k.as_bytes());
                endings[slot / 64] |= 1 << (slot % 64);
            }
        }
        DeLexicon {
            map,
            phrases,
            emoji,
            endings,
        }
    }

    /// Everything known about a lower-case word, trying it as a compound if it is not listed.
    #[inline]
    pub fn lookup(&self, lower: &str) -> Entry {
        self.find(lower)
            .or_else(|| self.drawn_out(lower))
            .unwrap_or(Entry::NONE)
    }

    /// The word as listed, or as a compound with a known tail.
    #[inline]
    fn find(&self, lower: &str) -> Option<Entry> {
        if let Some(e) = self.map.get(lower) {
            return Some(*e);
        }
        let b = lower.as_bytes();
        if b.len() < MIN_HEAD + MIN_TAIL || !lower.chars().all(char::is_alphabetic) {
            return None;
        }
        let slot = ending_slot(b);
        if self.endings[slot / 64] & (1 << (slot % 64)) == 0 {
            return None;
        }
        self.compound(lower)
    }

    /// Drawn-out words ("suuuper", "niiiicht", "geiiil"): no German stem repeats a letter
    /// three times in a row, so such a run is emphasis. The word is tried with each run cut
    /// to two letters ("Kaffee"), then to one.
    fn drawn_out(&self, lower: &str) -> Option<Entry> {
        if !has_long_run(lower.as_bytes()) {
            return None;
        }
        let mut buf = [0u8; MAX_DRAWN_OUT];
        [2, 1]
            .into_iter()
            .find_map(|keep| self.find(collapse_runs(lower, keep, &mut buf)?))
    }

    /// The longest known tail of a compound, with at least `MIN_HEAD` characters before it.
    fn compound(&self, lower: &str) -> Option<Entry> {
        let total = lower.chars().count();
        for (pos, (off, _)) in (MIN_HEAD..).zip(lower.char_indices().skip(MIN_HEAD)) {
            if total - pos < MIN_TAIL {
                break;
            }
            let tail = &lower[off..];
            if let Some(e) = self.map.get(tail) {
                let long_enough = e.tail == Tail::Any || total - pos > MIN_TAIL;
                if e.tail != Tail::No && long_enough {
                    // The longest known tail decides, also when it is a curated neutral word
                    // ("Tarifverträge" ends in "Verträge") or a word that never ends a
                    // compound ("Steuerklasse"): a shorter tail inside it ("träge") is chance.
                    if e.tail == Tail::Stop || e.valence.is_nan() {
                        return None;
                    }
                    let head = &lower[..off];
                    let mut e = *e;
                    e.prefix_boost = INTENSIFYING_PREFIXES.contains(&head);
                    e.phrase_start = false;
                    return Some(e);
                }
            }
        }
        None
    }

    pub fn phrase(&self, lower: &str) -> Option<f64> {
        self.phrases.get(lower).copied()
    }

    /// A curated emoji valence (these override the description-derived ones).
    #[inline]
    pub fn emoji(&self, c: char) -> Option<f64> {
        if c.is_ascii() {
            return None;
        }
        self.emoji.get(&c).copied()
    }
}

/// Applies `set` to the entry of each of `words` that the lexicon lists: these lists mark how
/// a rule treats a listed word, and a word the lexicon lacks has nothing to mark.
fn mark_listed(map: &mut FxHashMap<Box<str>, Entry>, words: &[&str], set: impl Fn(&mut Entry)) {
    for w in words {
        if let Some(e) = map.get_mut(*w) {
            set(e);
        }
    }
}

/// The longest drawn-out word that is collapsed; longer ones are noise.
const MAX_DRAWN_OUT: usize = 48;

/// Whether an ASCII letter occurs three or more times in a row.
#[inline]
fn has_long_run(b: &[u8]) -> bool {
    // Compare each byte with the one two places on: a run of three is the only way they
    // match with an equal byte between. Most words fail the first test at every position.
    (2..b.len()).any(|i| b[i] == b[i - 2] && b[i] == b[i - 1] && b[i].is_ascii_alphabetic())
}

/// `word` with every run of one ASCII letter cut to `keep` letters, written into `buf`
/// (no allocation on the scoring path); `None` if it does not fit.
fn collapse_runs<'b>(word: &str, keep: usize, buf: &'b mut [u8; MAX_DRAWN_OUT]) -> Option<&'b str> {
    let mut n = 0;
    let mut run = 0;
    let mut prev = None;
    for &c in word.as_bytes() {
        run = if Some(c) == prev { run + 1 } else { 1 };
        prev = Some(c);
        if run > keep && c.is_ascii_alphabetic() {
            continue;
        }
        *buf.get_mut(n)? = c;
        n += 1;
    }
    std::str::from_utf8(&buf[..n]).ok()
}

/// Regular inflected forms of a base form (junk forms that are not words are harmless: they
/// never occur in text).
fn inflections(base: &str, pos: Pos) -> Box<dyn Iterator<Item = String> + '_> {
    const ADJ: [&str; 5] = ["e", "en", "em", "er", "es"];
    match pos {
        Pos::Adjective => {
            let stem = base.strip_suffix('e').unwrap_or(base);
            // "teuer" -> "teure", "dunkel" -> "dunkle"
            let short = if base.ends_with("er") || base.ends_with("el") {
                let mut s = base[..base.len() - 2].to_string();
                s.push_str(&base[base.len() - 1..]);
                Some(s)
            } else {
                None
            };
            let sup = if base.ends_with(['t', 'd', 's', 'ß', 'z']) {
                "est"
            } else {
                "st"
            };
            let mut out = Vec::with_capacity(24);
            for e in ADJ {
                out.push(format!("{stem}{e}"));
                out.push(format!("{stem}er{e}"));
                out.push(format!("{stem}{sup}{e}"));
                if let Some(s) = &short {
                    out.push(format!("{s}{e}"));
                }
            }
            out.push(format!("{stem}er"));
            Box::new(out.into_iter())
        }
        Pos::Noun => Box::new(
            ["s", "e", "es", "n", "en", "nen"]
                .into_iter()
                .map(move |e| format!("{base}{e}")),
        ),
        Pos::Verb => {
            let stem = base
                .strip_suffix("en")
                .or_else(|| base.strip_suffix('n'))
                .unwrap_or(base);
            let mut out: Vec<String> = [
                "e", "st", "t", "et", "te", "test", "ten", "tet", "end", "est",
            ]
            .iter()
            .map(|e| format!("{stem}{e}"))
            .collect();
            const INSEPARABLE: [&str; 10] = [
                "be", "ge", "er", "ver", "zer", "ent", "emp", "miss", "über", "hinter",
            ];
            if base.ends_with("ieren") || INSEPARABLE.iter().any(|p| base.starts_with(p)) {
                out.push(format!("{stem}t"));
            } else {
                out.push(format!("ge{stem}t"));
                out.push(format!("ge{stem}et"));
            }
            Box::new(out.into_iter())
        }
        Pos::Adverb => Box::new(std::iter::empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_curated_entry_overrides_the_base_word_and_its_endings() {
        let lex = DeLexicon::load();
        // textblob-de: "kurios" -1.0 and "schnell" +1.0 (adjectives); curated: 0 and 0.5.
        for w in ["kurios", "kuriose", "kuriosen", "kuriosere"] {
            assert!(lex.lookup(w).valence.is_nan(), "{w}");
        }
        for w in ["schnell", "schnelle", "schnellen", "schneller"] {
            assert_eq!(lex.lookup(w).valence, 0.5, "{w}");
        }
        // A textblob word nobody curated keeps its endings.
        assert!(lex.lookup("schaurige").valence < 0.0);
    }

    #[test]
    fn an_entry_stays_small() {
        assert!(std::mem::size_of::<Entry>() <= 32);
    }

    #[test]
    fn drawn_out_words_are_read_as_the_word() {
        let lex = DeLexicon::load();
        assert_eq!(lex.lookup("suuuuper"), lex.lookup("super"));
        assert_eq!(lex.lookup("niiiicht").rule, lex.lookup("nicht").rule);
        assert!(lex.lookup("niiiicht").rule.is_some());
        // a doubled letter of the word itself survives the first try
        assert_eq!(lex.lookup("tollllll"), lex.lookup("toll"));
        assert_eq!(
            lex.lookup("kundenservicekatastrophhhhe"),
            lex.lookup("kundenservicekatastrophe")
        );
        assert!(lex.lookup("aaaaaa").valence.is_nan());
        assert!(lex.lookup(&"x".repeat(200)).valence.is_nan());
        assert_eq!(
            collapse_runs("Schifffahrt", 2, &mut [0; MAX_DRAWN_OUT]),
            Some("Schiffahrt")
        );
        assert_eq!(
            collapse_runs("ääää", 1, &mut [0; MAX_DRAWN_OUT]),
            Some("ääää")
        );
        assert_eq!(
            collapse_runs(&"ab".repeat(40), 1, &mut [0; MAX_DRAWN_OUT]),
            None
        );
    }
}
