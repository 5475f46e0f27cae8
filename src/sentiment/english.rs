//! English: the VADER method (Hutto & Gilbert 2014) over its MIT lexicon and emoji file.
//!
//! This is a re-implementation that keeps vaderSentiment 3.3.2's observable behaviour,
//! including its quirks (the "but" rule that rescales the first of equal valences, the
//! "so"/"this" check at distance three), because users compare our compound score with the
//! Python one; `tests/sentiment_vader_parity.rs` holds us to it. Invariant: one hash lookup
//! per token, no allocation per token (scratch buffers live in a thread-local).

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use super::explain::Trace;
use super::lexicon;
use super::text::{self, KeyTable, Lower};
use super::vader_words::{
    dampener_pair, special_pair, special_triple, BOOST, DAMPEN, NEGATE, SPECIAL_WORDS, W,
};
use super::Scored;

/// Mean rating increase for a booster word (VADER's B_INCR).
pub const B_INCR: f64 = 0.293;
/// Mean rating decrease for a dampener word (VADER's B_DECR).
pub const B_DECR: f64 = -0.293;
/// Increase for an ALL-CAPS word among words that are not (VADER's C_INCR).
pub const C_INCR: f64 = 0.733;
/// Factor applied to a negated valence (VADER's N_SCALAR).
pub const N_SCALAR: f64 = -0.74;

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Lexicon valence, NaN when the word is not in the lexicon.
    valence: f64,
    booster: f64,
    negate: bool,
    word: W,
}

const NO_ENTRY: Entry = Entry {
    valence: f64::NAN,
    booster: 0.0,
    negate: false,
    word: W::Other,
};

impl Default for Entry {
    fn default() -> Self {
        NO_ENTRY
    }
}

/// One token of a text, with everything the rules ask about it.
#[derive(Debug, Clone, Copy)]
struct Tok {
    start: u32,
    end: u32,
    valence: f64,
    booster: f64,
    negate: bool,
    upper: bool,
    word: W,
    /// The raw token ended with `.`, `!` or `?`: a negation does not reach past it.
    ends_sentence: bool,
}

impl Tok {
    #[inline]
    fn in_lexicon(&self) -> bool {
        !self.valence.is_nan()
    }
}

#[derive(Default)]
struct Scratch {
    text: String,
    toks: Vec<Tok>,
    sentiments: Vec<f64>,
    lower: Lower,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// log2 of the slots of [`English::short`]: about four per word, so that a lookup (most
/// tokens are no lexicon word) seldom probes more than one slot.
const SHORT_BITS: u32 = 15;

/// The English scorer: VADER lexicon, boosters, negations and emoji descriptions.
pub struct English {
    /// The words that are ASCII, of at most [`text::KEY`] bytes and without NUL (almost all,
    /// and the words of almost every token), keyed by their bytes.
    /// Values are indices into `entries`, which keeps the slots small.
    short: KeyTable<u16, SHORT_BITS>,
    entries: Vec<Entry>,
    /// The other words: longer or non-ASCII.
    map: FxHashMap<Box<str>, Entry>,
    emoji: FxHashMap<char, Box<str>>,
}

impl English {
    pub fn new() -> Self {
        let mut map: FxHashMap<Box<str>, Entry> = FxHashMap::default();
        for (word, valence) in lexicon::vader_words() {
            map.entry(word.into()).or_insert(NO_ENTRY).valence = valence;
        }
        for w in NEGATE {
            map.entry((*w).into()).or_insert(NO_ENTRY).negate = true;
        }
        for w in BOOST {
            map.entry((*w).into()).or_insert(NO_ENTRY).booster = B_INCR;
        }
        for w in DAMPEN {
            map.entry((*w).into()).or_insert(NO_ENTRY).booster = B_DECR;
        }
        for (w, id) in SPECIAL_WORDS {
            map.entry((*w).into()).or_insert(NO_ENTRY).word = *id;
        }
        let mut emoji = FxHashMap::default();
        for (e, desc) in lexicon::vader_emoji() {
            // The Python code compares one code point at a time, so only single-code-point
            // keys can ever match.
            let mut cs = e.chars();
            if let (Some(c), None) = (cs.next(), cs.next()) {
                emoji.insert(c, desc.into());
            }
        }
        let short_words: Vec<(&str, Entry)> = map
            .iter()
            .filter(|(w, _)| is_short(w.as_bytes()))
            .map(|(w, e)| (&**w, *e))
            .collect();
        let entries: Vec<Entry> = short_words.iter().map(|(_, e)| *e).collect();
        let index = |i: usize| u16::try_from(i).expect("fewer than 65,536 short words");
        let short = KeyTable::new(
            short_words
                .iter()
                .enumerate()
                .map(|(i, (w, _))| (w.as_bytes(), index(i))),
        );
        map.retain(|w, _| !is_short(w.as_bytes()));
        English {
            short,
            entries,
            map,
            emoji,
        }
    }

    /// The entry of the short word with key `k`.
    #[inline]
    fn short_entry(&self, k: u128) -> Option<&Entry> {
        self.short.get(k).map(|&i| &self.entries[i as usize])
    }

    /// The entry of a lower-case word, from the table that holds it.
    #[inline]
    fn entry(&self, lower: &str) -> Option<&Entry> {
        if is_short(lower.as_bytes()) {
            self.short_entry(text::table_key(lower.as_bytes()))
        } else {
            self.map.get(lower)
        }
    }

    /// The lexicon valence of a lower-case word (for the emoji table and for langid).
    pub fn valence(&self, lower: &str) -> Option<f64> {
        self.entry(lower).map(|e| e.valence).filter(|v| !v.is_nan())
    }

    /// All emoji with their descriptions.
    pub fn emoji(&self) -> impl Iterator<Item = (char, &str)> {
        self.emoji.iter().map(|(c, d)| (*c, &**d))
    }

    /// VADER's compound score of `text`.
    pub fn score<T: Trace>(&self, text: &str, tr: &mut T) -> Scored {
        self.score_about(text, &[], tr)
    }

    /// Like [`English::score`], with the lower-case words of `names` (the brand a post is
    /// about) carrying no sentiment: "Happy Foods" is a name, not a mood.
    pub fn score_about<T: Trace>(&self, text: &str, names: &[&str], tr: &mut T) -> Scored {
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let s = &mut *s;
            let mut buf = std::mem::take(&mut s.text);
            let text = self.replace_emoji(text, &mut buf);
            let out = self.score_prepared(text, names, s, tr);
            s.text = buf;
            out
        })
    }

    /// Replaces each emoji by its description as vaderSentiment does, then strips.
    fn replace_emoji<'a>(&self, text: &'a str, buf: &'a mut String) -> &'a str {
        // Every emoji key is a non-ASCII char (checked in a test), so ASCII chars are never
        // looked up.
        if text.is_ascii()
            || !text
                .chars()
                .any(|c| !c.is_ascii() && self.emoji.contains_key(&c))
        {
            return text::py_strip(text);
        }
        buf.clear();
        let mut prev_space = true;
        for c in text.chars() {
            if let Some(desc) = self.emoji.get(&c) {
                if !prev_space {
                    buf.push(' ');
                }
                buf.push_str(desc);
                prev_space = false;
            } else {
                buf.push(c);
                prev_space = c == ' ';
            }
        }
        text::py_strip(buf)
    }

    fn score_prepared<T: Trace>(
        &self,
        text: &str,
        names: &[&str],
        s: &mut Scratch,
        tr: &mut T,
    ) -> Scored {
        s.toks.clear();
        s.sentiments.clear();
        let base = text.as_ptr() as usize;
        let bytes = text.as_bytes();
        let mut upper_count = 0usize;
        for raw in text::py_split(text) {
            let w = text::strip_punct_if_word(raw);
            let start = w.as_ptr() as usize - base;
            // A name's word carries no sentiment.
            let entry = |e: Option<&Entry>, lower: &[u8]| match e {
                Some(_) if names.iter().any(|n| n.as_bytes() == lower) => NO_ENTRY,
                Some(e) => *e,
                None => NO_ENTRY,
            };
            // Most tokens are short ASCII words, lower-cased in their table key; the others
            // go through `Lower`.
            let (e, upper, negate);
            if let Some(c) = text::ascii_cased(bytes, start, w.len()) {
                let kb = c.key.to_le_bytes();
                let lower = &kb[..w.len()];
                e = entry(self.short_entry(c.key), lower);
                upper = c.upper;
                negate = e.negate || (c.apostrophe && lower.windows(3).any(|x| x == b"n't"));
            } else {
                let c = s.lower.cased(w);
                e = entry(self.entry(c.lower), c.lower.as_bytes());
                upper = c.upper;
                negate = e.negate || (c.apostrophe && c.lower.contains("n't"));
            }
            upper_count += upper as usize;
            let start = start as u32;
            s.toks.push(Tok {
                start,
                end: start + w.len() as u32,
                valence: e.valence,
                booster: e.booster,
                negate,
                upper,
                word: e.word,
                ends_sentence: matches!(raw.as_bytes().last(), Some(b'.' | b'!' | b'?')),
            });
        }
        let toks = &s.toks[..];
        let n = toks.len();
        if n == 0 {
            return Scored {
                score: 0.0,
                hits: 0,
            };
        }
        let cap_diff = upper_count > 0 && upper_count < n;
        let word = |i: usize| &text[toks[i].start as usize..toks[i].end as usize];
        let mut hits = 0u32;
        for i in 0..n {
            let t = toks[i];
            if t.booster != 0.0 || (i + 1 < n && t.word == W::Kind && toks[i + 1].word == W::Of) {
                s.sentiments.push(0.0);
                continue;
            }
            if !t.in_lexicon() {
                s.sentiments.push(0.0);
                continue;
            }
            hits += 1;
            if T::ON {
                tr.word(i, word(i), t.valence);
            }
            let v = self.token_valence(toks, i, cap_diff, tr, &word);
            s.sentiments.push(v);
        }
        but_check(toks, &mut s.sentiments, tr);
        if T::ON {
            for (i, v) in s.sentiments.iter().enumerate() {
                if *v != 0.0 {
                    tr.valence(i, word(i), *v);
                }
            }
        }
        let mut sum: f64 = s.sentiments.iter().sum();
        let punct = punctuation_emphasis(text);
        if sum > 0.0 {
            sum += punct;
        } else if sum < 0.0 {
            sum -= punct;
        }
        if T::ON && sum != 0.0 && punct != 0.0 {
            tr.global(format!("'!'/'?' emphasis adds {punct:.3} to the magnitude"));
        }
        Scored {
            score: text::normalize(sum),
            hits,
        }
    }

    /// VADER's `sentiment_valence` for a lexicon word at `i`.
    fn token_valence<'t, T: Trace>(
        &self,
        toks: &[Tok],
        i: usize,
        cap_diff: bool,
        tr: &mut T,
        word: &impl Fn(usize) -> &'t str,
    ) -> f64 {
        let n = toks.len();
        let t = toks[i];
        let mut v = t.valence;
        if t.word == W::No && i != n - 1 && toks[i + 1].in_lexicon() {
            v = 0.0;
        }
        if (i > 0 && toks[i - 1].word == W::No)
            || (i > 1 && toks[i - 2].word == W::No)
            || (i > 2 && toks[i - 3].word == W::No && matches!(toks[i - 1].word, W::Or | W::Nor))
        {
            v = t.valence * N_SCALAR;
            if T::ON {
                tr.rule(i, || "negated by 'no'".into());
            }
        }
        if t.upper && cap_diff {
            v += if v > 0.0 { C_INCR } else { -C_INCR };
            if T::ON {
                tr.rule(i, || "ALL CAPS emphasis".into());
            }
        }
        for start_i in 0..3 {
            if i <= start_i || toks[i - (start_i + 1)].in_lexicon() {
                continue;
            }
            let m = toks[i - (start_i + 1)];
            let mut sc = scalar_inc_dec(m, v, cap_diff);
            if start_i == 1 && sc != 0.0 {
                sc *= 0.95;
            }
            if start_i == 2 && sc != 0.0 {
                sc *= 0.9;
            }
            if T::ON && sc != 0.0 {
                let w = word(i - (start_i + 1));
                tr.rule(i, || format!("'{w}' modifies by {sc:+.3}"));
            }
            v += sc;
            let before = v;
            v = negation_check(v, toks, start_i, i);
            if T::ON && v != before {
                let w = word(i - (start_i + 1));
                tr.rule(i, || {
                    format!("negation/emphasis near '{w}': {before:+.3} -> {v:+.3}")
                });
            }
            if start_i == 2 {
                let before = v;
                v = special_idioms(v, toks, i);
                if T::ON && v != before {
                    tr.rule(i, || format!("idiom: {before:+.3} -> {v:+.3}"));
                }
            }
        }
        // "least" as negation unless "at least" / "very least".
        if i > 1 && !toks[i - 1].in_lexicon() && toks[i - 1].word == W::Least {
            if toks[i - 2].word != W::At && toks[i - 2].word != W::Very {
                v *= N_SCALAR;
                if T::ON {
                    tr.rule(i, || "negated by 'least'".into());
                }
            }
        } else if i > 0 && !toks[i - 1].in_lexicon() && toks[i - 1].word == W::Least {
            v *= N_SCALAR;
            if T::ON {
                tr.rule(i, || "negated by 'least'".into());
            }
        }
        v
    }
}

/// Whether a lexicon word belongs in [`English::short`].
#[inline]
fn is_short(w: &[u8]) -> bool {
    text::fits_key(w) && w.is_ascii()
}

fn scalar_inc_dec(m: Tok, valence: f64, cap_diff: bool) -> f64 {
    let mut scalar = m.booster;
    if scalar != 0.0 {
        if valence < 0.0 {
            scalar = -scalar;
        }
        if m.upper && cap_diff {
            scalar += if valence > 0.0 { C_INCR } else { -C_INCR };
        }
    }
    scalar
}

/// VADER's negation window, except that a negation never reaches into the next sentence
/// ("Nordwind still hasn't fixed it. Angry customer here." is not a negated "angry"); Python
/// vaderSentiment lets it, which is the one place where we deliberately differ.
fn negation_check(v: f64, t: &[Tok], start_i: usize, i: usize) -> f64 {
    // Whether the negator at `j` is in the same sentence as the word at `i`.
    let same_sentence = |j: usize| t[j..i].iter().all(|x| !x.ends_sentence);
    match start_i {
        0 if t[i - 1].negate && same_sentence(i - 1) => v * N_SCALAR,
        1 => {
            if t[i - 2].word == W::Never && matches!(t[i - 1].word, W::So | W::This) {
                v * 1.25
            } else if t[i - 2].word == W::Without && t[i - 1].word == W::Doubt {
                v
            } else if t[i - 2].negate && same_sentence(i - 2) {
                v * N_SCALAR
            } else {
                v
            }
        }
        2 => {
            // The Python condition reads `never and (so or this) or (so or this)`.
            if (t[i - 3].word == W::Never && matches!(t[i - 2].word, W::So | W::This))
                || matches!(t[i - 1].word, W::So | W::This)
            {
                v * 1.25
            } else if t[i - 3].word == W::Without
                && (t[i - 2].word == W::Doubt || t[i - 1].word == W::Doubt)
            {
                v
            } else if t[i - 3].negate && same_sentence(i - 3) {
                v * N_SCALAR
            } else {
                v
            }
        }
        _ => v,
    }
}

fn special_idioms(mut v: f64, t: &[Tok], i: usize) -> f64 {
    let w = |k: usize| t[k].word;
    let seqs = [
        special_pair(w(i - 1), w(i)),
        special_triple(w(i - 2), w(i - 1), w(i)),
        special_pair(w(i - 2), w(i - 1)),
        special_triple(w(i - 3), w(i - 2), w(i - 1)),
        special_pair(w(i - 3), w(i - 2)),
    ];
    if let Some(x) = seqs.into_iter().flatten().next() {
        v = x;
    }
    let n = t.len();
    if n - 1 > i {
        if let Some(x) = special_pair(w(i), w(i + 1)) {
            v = x;
        }
    }
    if n - 1 > i + 1 {
        if let Some(x) = special_triple(w(i), w(i + 1), w(i + 2)) {
            v = x;
        }
    }
    if dampener_pair(w(i - 3), w(i - 2)) {
        v += B_DECR;
    }
    if dampener_pair(w(i - 2), w(i - 1)) {
        v += B_DECR;
    }
    v
}

/// VADER's `_but_check`, quirk included: for each valence it rescales the first position
/// holding an equal value, so repeated values are rescaled repeatedly at one place.
fn but_check<T: Trace>(toks: &[Tok], s: &mut [f64], tr: &mut T) {
    let Some(bi) = toks.iter().position(|t| t.word == W::But) else {
        return;
    };
    if T::ON {
        tr.global("contrast 'but': valences before x0.5, after x1.5".to_string());
    }
    for k in 0..s.len() {
        let v = s[k];
        let si = s.iter().position(|x| *x == v).unwrap_or(k);
        if si < bi {
            s[si] = v * 0.5;
        } else if si > bi {
            s[si] = v * 1.5;
        }
    }
}

/// The number of `!` and of `?` in `b`, eight bytes at a time: the byte sought becomes zero
/// under XOR, and zero bytes are marked exactly (each byte's top bit is kept out of the sum,
/// so no carry crosses bytes), then counted per byte lane.
fn count_bangs_and_questions(b: &[u8]) -> (usize, usize) {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const LOW7: u64 = ONES * 0x7f;
    // 1 in the low bit of every zero byte of `x`.
    let zeros = |x: u64| !(((x & LOW7) + LOW7) | x | LOW7) >> 7;
    // The sum of the byte lanes of `x`, each at most 31 (so the total fits in one byte).
    let lanes = |x: u64| (x.wrapping_mul(ONES) >> 56) as usize;
    let (mut ep, mut qm) = (0, 0);
    for block in b.chunks(8 * 31) {
        let (mut e, mut q) = (0u64, 0u64);
        let mut words = block.chunks_exact(8);
        for w in &mut words {
            let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
            e += zeros(x ^ (ONES * b'!' as u64));
            q += zeros(x ^ (ONES * b'?' as u64));
        }
        ep += lanes(e);
        qm += lanes(q);
        for &c in words.remainder() {
            ep += (c == b'!') as usize;
            qm += (c == b'?') as usize;
        }
    }
    (ep, qm)
}

/// Emphasis from up to four '!' and from two or more '?'.
pub fn punctuation_emphasis(text: &str) -> f64 {
    let (ep, qm) = count_bangs_and_questions(text.as_bytes());
    let ep = ep.min(4) as f64 * 0.292;
    let qm = if qm > 3 {
        0.96
    } else if qm > 1 {
        qm as f64 * 0.18
    } else {
        0.0
    };
    ep + qm
}

#[cfg(test)]
mod tests {
    use super::super::explain::NoTrace;
    use super::*;

    fn score(t: &str) -> f64 {
        use std::sync::OnceLock;
        static E: OnceLock<English> = OnceLock::new();
        E.get_or_init(English::new).score(t, &mut NoTrace).score
    }

    /// Values printed by vaderSentiment 3.3.2 for its own demo sentences.
    #[test]
    fn matches_vader_demo_sentences() {
        let cases = [
            ("VADER is smart, handsome, and funny.", 0.8316),
            ("VADER is smart, handsome, and funny!", 0.8439),
            ("VADER is very smart, handsome, and funny.", 0.8545),
            ("VADER is VERY SMART, handsome, and FUNNY.", 0.9227),
            ("VADER is VERY SMART, handsome, and FUNNY!!!", 0.9342),
            ("VADER is not smart, handsome, nor funny.", -0.7424),
            ("At least it isn't a horrible book.", 0.431),
            ("The book was only kind of good.", 0.3832),
            ("Today SUX!", -0.5461),
            ("Today only kinda sux! But I'll get by, lol", 0.5249),
            ("Make sure you :) or :D today!", 0.8633),
            ("Catch utf-8 emoji such as 💘 and 💋 and 😁", 0.875),
            ("Not bad at all", 0.431),
            ("Sentiment analysis has never been good.", -0.3412),
            ("Sentiment analysis has never been this good!", 0.5672),
            ("With VADER, sentiment analysis is the shit!", 0.6476),
            (
                "Roger Dodger is one of the least compelling variations on this theme.",
                -0.1695,
            ),
        ];
        for (t, want) in cases {
            let got = score(t);
            assert!((got - want).abs() < 0.0001, "{t}: got {got}, want {want}");
        }
    }

    #[test]
    fn bangs_and_questions_are_counted_in_every_position() {
        let mut t = String::new();
        for i in 0..700 {
            t.push(match i % 7 {
                0 => '!',
                1 => '?',
                2 => 'ä',
                3 => '\u{a1}',
                4 => '\u{bf}',
                5 => '\u{0}',
                _ => 'x',
            });
            let want = (t.matches('!').count(), t.matches('?').count());
            assert_eq!(count_bangs_and_questions(t.as_bytes()), want, "{i}");
        }
    }

    #[test]
    fn emoji_keys_are_never_ascii() {
        assert!(English::new().emoji().all(|(c, _)| !c.is_ascii()));
    }

    #[test]
    fn negation_stops_at_the_end_of_a_sentence() {
        assert!(score("Nordwind still hasn't fixed it. Angry customer here.") < -0.3);
        assert!(score("It isn't angry at all") > 0.0);
    }

    #[test]
    fn negation_booster_caps_and_but() {
        assert!(score("not good") < 0.0);
        assert!(score("very good") > score("good"));
        assert!(score("GOOD stuff") > score("good stuff"));
        assert!(score("good!!!") > score("good"));
        let plain = score("the food was good but the service was terrible");
        assert!(plain < 0.0, "{plain}");
        assert!(score("😠") < 0.0);
        assert!(score("😍") > 0.0);
    }
}
