//! Language identification for short posts: German, English, or neither.
//!
//! A general identifier (whatlang, trigram models) spends most of its time deciding between
//! dozens of languages and is unsure on a ten-word post. sturmglas only needs to know which of
//! its two lexicons fits, so this counts function words (articles, pronouns, auxiliaries,
//! particles — the words every sentence has) of each language, plus German-only letters
//! (ä, ö, ü, ß), English contractions, and derivational endings of one language only
//! ("-ung", "-lich", "-keit"; "-ly", "-ness", "-ed"), of long compounds too. Words both
//! languages share ("in", "so", "was", "will", "die") are left out. Invariant: at most one
//! hash lookup per word; `None` means no evidence either way.

use rustc_hash::FxHashMap;

use super::text::Lower;
use super::Lang;

const DE: &[&str] = &[
    "der",
    "das",
    "dem",
    "den",
    "des",
    "und",
    "ist",
    "nicht",
    "ich",
    "du",
    "er",
    "sie",
    "es",
    "wir",
    "ihr",
    "ein",
    "eine",
    "einen",
    "einem",
    "einer",
    "mit",
    "von",
    "zu",
    "auf",
    "für",
    "im",
    "sind",
    "bin",
    "bist",
    "hat",
    "haben",
    "habe",
    "hast",
    "wird",
    "werden",
    "wurde",
    "auch",
    "noch",
    "schon",
    "aber",
    "oder",
    "wenn",
    "dann",
    "doch",
    "wie",
    "wer",
    "warum",
    "wieso",
    "weshalb",
    "heute",
    "mal",
    "nur",
    "mehr",
    "sehr",
    "kein",
    "keine",
    "keinen",
    "nichts",
    "mein",
    "meine",
    "dein",
    "deine",
    "sich",
    "bei",
    "nach",
    "aus",
    "um",
    "über",
    "unter",
    "vom",
    "zum",
    "zur",
    "beim",
    "als",
    "bis",
    "jetzt",
    "hier",
    "da",
    "dass",
    "daß",
    "ja",
    "nein",
    "immer",
    "wieder",
    "gibt",
    "uns",
    "euch",
    "ihm",
    "ihn",
    "ihnen",
    "mir",
    "mich",
    "dich",
    "dir",
    "sein",
    "seine",
    "ihre",
    "unser",
    "unsere",
    "waren",
    "kann",
    "können",
    "muss",
    "müssen",
    "soll",
    "sollte",
    "würde",
    "hätte",
    "wäre",
    "gut",
    "schlecht",
    "danke",
    "bitte",
    "nie",
    "diese",
    "dieser",
    "dieses",
    "diesen",
    "welche",
    "was",
    "weil",
    "denn",
    "einfach",
    "eigentlich",
    "endlich",
    "ganz",
    "gar",
    "kommt",
    "geht",
    "macht",
    "gerade",
    "morgen",
    "gestern",
    "leider",
    "wirklich",
    "echt",
    "total",
    "viel",
    "viele",
    "alle",
    "alles",
    "ab",
    "durch",
    "gegen",
    "ohne",
    "seit",
    "wo",
    "sowie",
    "sondern",
    "jedoch",
    "trotzdem",
    "nochmal",
    "euer",
    "eure",
    "ob",
    "zwar",
    "neue",
    "neuen",
];

const EN: &[&str] = &[
    "the", "a", "and", "is", "are", "was", "were", "be", "been", "to", "of", "on", "for", "with",
    "at", "by", "from", "this", "that", "these", "those", "it", "its", "i", "you", "he", "she",
    "we", "they", "my", "your", "our", "their", "not", "no", "but", "or", "if", "then", "as",
    "what", "who", "why", "how", "just", "do", "does", "did", "have", "has", "had", "would", "can",
    "could", "should", "all", "more", "very", "really", "dont", "don't", "im", "i'm", "it's",
    "get", "got", "like", "one", "about", "out", "up", "me", "him", "her", "them", "us", "there",
    "here", "when", "where", "which", "an", "never", "now", "today", "good", "bad", "thanks",
    "thank", "please", "love", "great", "can't", "won't", "didn't", "doesn't", "isn't", "you're",
    "i've", "i'll", "that's", "because", "than", "too", "again", "still", "after", "before", "new",
    "people", "being", "any", "some", "every", "only", "yet", "ever", "much", "many", "off",
    "over", "know", "think", "want",
];

/// A lead in evidence that settles the language.
const DECISIVE: u32 = 4;

/// Function-word model for German versus English.
pub struct LangId {
    words: WordTable,
}

impl Default for LangId {
    fn default() -> Self {
        Self::new()
    }
}

impl LangId {
    pub fn new() -> Self {
        let mut words: FxHashMap<&'static str, (u8, u8)> = FxHashMap::default();
        for w in DE {
            words.entry(w).or_default().0 = 1;
        }
        for w in EN {
            words.entry(w).or_default().1 = 1;
        }
        // A word in both lists is evidence for neither.
        words.retain(|_, (de, en)| *de != *en);
        LangId {
            words: WordTable::new(&words),
        }
    }

    /// The language of `text`, or `None` when neither German nor English is evident.
    pub fn detect(&self, text: &str) -> Option<Lang> {
        let (de, en) = self.evidence(text);
        match de.cmp(&en) {
            std::cmp::Ordering::Greater => Some(Lang::De),
            std::cmp::Ordering::Less => Some(Lang::En),
            std::cmp::Ordering::Equal => None,
        }
    }

    /// Counts of German and English evidence in `text`, read until one language leads by
    /// `DECISIVE` (the rest of a long text would not change the answer).
    pub fn evidence(&self, text: &str) -> (u32, u32) {
        let (mut de, mut en) = (0u32, 0u32);
        let mut lower = Lower::default();
        let mut tail = [0u8; TAIL];
        let bytes = text.as_bytes();
        for Word {
            w,
            at,
            ascii,
            apostrophe,
        } in words(text)
        {
            if !ascii
                && w.chars()
                    .any(|c| matches!(c, 'ä' | 'ö' | 'ü' | 'ß' | 'Ä' | 'Ö' | 'Ü'))
            {
                de += 1;
            }
            if de.abs_diff(en) >= DECISIVE {
                break;
            }
            if w.len() > 12 {
                // Too long for a function word or a contraction, but German compounds
                // ("Persönlichkeit", "Geschäftsführung") still show their ending.
                let (d, e) = ending(lower_tail(w, &mut tail).as_bytes(), w.len());
                de += d;
                en += e;
                continue;
            }
            // Most words are ASCII: they are lower-cased in their key, a few integer
            // operations, and only Unicode words pay for `Lower`.
            let (key, kb);
            let l: &[u8] = if ascii {
                key = ascii_key(bytes, at, w.len());
                kb = key.to_le_bytes();
                &kb[..w.len()]
            } else {
                let l = lower.of(w).as_bytes();
                key = WordTable::key(l);
                l
            };
            if let Some((d, e)) = self.words.get(key) {
                de += d as u32;
                en += e as u32;
            } else if (apostrophe || !ascii)
                && ["n't", "'re", "'ve", "'ll", "'m", "’m", "n’t"]
                    .iter()
                    .any(|x| l.ends_with(x.as_bytes()))
            {
                en += 1;
            } else {
                let (d, e) = ending(l, l.len());
                de += d;
                en += e;
            }
        }
        (de, en)
    }
}

/// Bytes of a [`WordTable`] key: every function word fits, and a longer word is none.
const KEY: usize = 16;

/// The function words in an open-addressing table keyed by the word's bytes packed into a
/// `u128`: hashing and comparing a key are a few integer operations, where a string map
/// hashes byte by byte and calls `memcmp`. Words hold no NUL byte (it is no letter), so
/// zero padding keeps keys of different lengths apart and the zero key marks a free slot.
struct WordTable {
    keys: Box<[u128]>,
    values: Box<[(u8, u8)]>,
}

/// log2 of the slots in a [`WordTable`]: about four per word, so that a miss (most words)
/// usually ends at the first free slot.
const SLOT_BITS: u32 = 10;

impl WordTable {
    fn new(words: &FxHashMap<&'static str, (u8, u8)>) -> Self {
        let n = 1 << SLOT_BITS;
        assert!(words.len() * 2 < n, "the word table needs free slots");
        let mut keys = vec![0u128; n].into_boxed_slice();
        let mut values = vec![(0u8, 0u8); n].into_boxed_slice();
        for (w, v) in words {
            assert!(w.len() <= KEY, "function words are short");
            let k = Self::key(w.as_bytes());
            let mut i = Self::slot(k);
            while keys[i] != 0 {
                i = (i + 1) & (n - 1);
            }
            keys[i] = k;
            values[i] = *v;
        }
        WordTable { keys, values }
    }

    /// The key of `w`, or the free-slot key 0 when `w` is too long to be a function word.
    #[inline]
    fn key(w: &[u8]) -> u128 {
        if w.len() > KEY {
            return 0;
        }
        let mut b = [0u8; KEY];
        for (d, s) in b.iter_mut().zip(w) {
            *d = *s;
        }
        u128::from_le_bytes(b)
    }

    /// Fibonacci hashing of both halves: the top bits depend on every byte.
    #[inline]
    fn slot(k: u128) -> usize {
        let x = (k as u64) ^ ((k >> 64) as u64).wrapping_mul(0xff51_afd7_ed55_8ccd);
        (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - SLOT_BITS)) as usize
    }

    /// The (German, English) evidence of the word with key `k`, if it is a function word.
    #[inline]
    fn get(&self, k: u128) -> Option<(u8, u8)> {
        if k == 0 {
            return None;
        }
        let mask = self.keys.len() - 1;
        let mut i = Self::slot(k);
        loop {
            match self.keys[i] {
                0 => return None,
                x if x == k => return Some(self.values[i]),
                _ => i = (i + 1) & mask,
            }
        }
    }
}

/// The [`WordTable`] key of the lower-cased ASCII word of `len` bytes (at most 12) at `at`
/// in `text`: loaded at once when 16 bytes are left, cut to the word, and lower-cased in
/// every byte together (SWAR; no byte is above 0x7F, so no sum carries into the next byte).
#[inline]
fn ascii_key(text: &[u8], at: usize, len: usize) -> u128 {
    const ONES: u128 = u128::from_le_bytes([1; KEY]);
    let mut b = [0u8; KEY];
    match text.get(at..at + KEY) {
        Some(s) => b.copy_from_slice(s),
        None => {
            for (d, s) in b.iter_mut().zip(&text[at..at + len]) {
                *d = *s;
            }
        }
    }
    let k = u128::from_le_bytes(b) & ((1u128 << (8 * len)) - 1);
    // A byte gets its top bit from `+ 0x3f` when it is at least b'A', and from `+ 0x25`
    // when it is above b'Z'.
    let upper = (k + ONES * 0x3f) & !(k + ONES * 0x25) & (ONES * 0x80);
    k | (upper >> 2)
}

/// A word of a post as [`LangId::evidence`] reads it, with what the scan learnt on the way.
struct Word<'a> {
    w: &'a str,
    /// Where `w` starts in the text.
    at: usize,
    /// Only ASCII bytes.
    ascii: bool,
    /// Holds an ASCII apostrophe (an ASCII word without one is no contraction).
    apostrophe: bool,
}

/// Classes of bytes for [`words`]; every byte from 0x80 up belongs to a non-ASCII char,
/// decoded to be classed.
const SEP: u8 = 0;
const ALNUM: u8 = 1;
const APOSTROPHE: u8 = 2;
const HIGH: u8 = 3;

static CLASS: [u8; 256] = {
    let mut t = [SEP; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if b >= 0x80 {
            HIGH
        } else if b.is_ascii_alphanumeric() {
            ALNUM
        } else if b == b'\'' {
            APOSTROPHE
        } else {
            SEP
        };
        i += 1;
    }
    t
};

/// The runs of letters, digits and apostrophes (`'`, `’`) in `text`, with apostrophes
/// trimmed from their ends, empty ones skipped. Bytes are classed by a table and a char
/// decoded only at non-ASCII bytes, as most are ASCII.
fn words(text: &str) -> impl Iterator<Item = Word<'_>> {
    let b = text.as_bytes();
    let n = b.len();
    let mut i = 0;
    // Whether the non-ASCII char at `i` belongs to a word, and its length in bytes.
    let wide = move |i: usize| -> (bool, usize) {
        match text[i..].chars().next() {
            Some(c) => (c.is_alphanumeric() || c == '’', c.len_utf8()),
            None => (false, 1),
        }
    };
    std::iter::from_fn(move || loop {
        loop {
            if i >= n {
                return None;
            }
            match CLASS[b[i] as usize] {
                SEP => i += 1,
                HIGH => match wide(i) {
                    (true, _) => break,
                    (false, k) => i += k,
                },
                _ => break,
            }
        }
        let start = i;
        let (mut ascii, mut apostrophe) = (true, false);
        while i < n {
            let c = CLASS[b[i] as usize];
            if c == ALNUM {
                i += 1;
            } else if c == APOSTROPHE {
                apostrophe = true;
                i += 1;
            } else if c == HIGH {
                match wide(i) {
                    (true, k) => i += k,
                    (false, _) => break,
                }
                ascii = false;
            } else {
                break;
            }
        }
        let mut w = &text[start..i];
        let mut at = start;
        // `’` starts with 0xE2 and ends with 0x99, so only then can trimming change `w`.
        if matches!(b[start], b'\'' | 0xe2) || matches!(b[i - 1], b'\'' | 0x99) {
            let t = w.trim_start_matches(['\'', '’']);
            at += w.len() - t.len();
            w = t.trim_end_matches(['\'', '’']);
        }
        if !w.is_empty() {
            return Some(Word {
                w,
                at,
                ascii,
                apostrophe,
            });
        }
    })
}

/// Bytes kept of a long word's end: the longest ending in [`ending`].
const TAIL: usize = 8;

/// The last [`TAIL`] bytes of `w` or fewer (starting at a char boundary), ASCII-lower-cased
/// into `buf`: all [`ending`] needs, without lower-casing the whole word.
fn lower_tail<'a>(w: &str, buf: &'a mut [u8; TAIL]) -> &'a str {
    let mut start = w.len().saturating_sub(TAIL);
    while !w.is_char_boundary(start) {
        start += 1;
    }
    let t = &w.as_bytes()[start..];
    let buf = &mut buf[..t.len()];
    buf.copy_from_slice(t);
    // Only ASCII bytes change, so the bytes stay valid UTF-8.
    buf.make_ascii_lowercase();
    std::str::from_utf8(buf).unwrap_or("")
}

/// Evidence from a derivational ending of one language only, for words of `len` bytes, at
/// least six; `l` is the lower-cased word or its tail. German adjectives are listed with
/// their inflections ("-liche", "-ischen"), which short posts use more than the base form.
fn ending(l: &[u8], len: usize) -> (u32, u32) {
    const DE: &[&str] = &[
        "ung", "ungen", "lich", "liche", "lichen", "licher", "liches", "keit", "keiten", "heit",
        "heiten", "chen", "isch", "ische", "ischen", "schaft", "schaften", "ieren",
    ];
    const EN: &[&str] = &["ly", "ness", "ful", "ought", "ed"];
    if len < 6 {
        (0, 0)
    } else if DE.iter().any(|x| l.ends_with(x.as_bytes())) {
        (1, 0)
    } else if EN.iter().any(|x| l.ends_with(x.as_bytes())) {
        (0, 1)
    } else {
        (0, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_of_long_words_are_read_from_their_tail() {
        let mut buf = [0u8; TAIL];
        // Only ASCII is lower-cased: every ending is ASCII.
        assert_eq!(lower_tail("GESCHÄFTSFÜHRUNG", &mut buf), "fÜhrung");
        assert_eq!(lower_tail("Kundenfreundlichkeit", &mut buf), "lichkeit");
        // A tail that would start inside a multi-byte char starts after it.
        assert_eq!(lower_tail("Riesenärgernis", &mut buf), "rgernis");
        assert_eq!(ending(b"kundenfreundlichkeit", 20), (1, 0));
        assert_eq!(ending(b"lichkeit", 20), (1, 0));
        assert_eq!(ending(b"freundliche", 11), (1, 0));
        assert_eq!(ending(b"wanted", 6), (0, 1));
        assert_eq!(ending(b"fed", 3), (0, 0));
        assert_eq!(ending(b"service", 7), (0, 0));
    }

    #[test]
    fn the_word_table_holds_the_words_of_one_list_only() {
        let l = LangId::new();
        for w in DE.iter().chain(EN) {
            let want = (DE.contains(w) as u8, EN.contains(w) as u8);
            let got = l.words.get(WordTable::key(w.as_bytes()));
            if want.0 == want.1 {
                assert_eq!(got, None, "{w}");
            } else {
                assert_eq!(got, Some(want), "{w}");
            }
        }
        for w in [
            "",
            "thee",
            "th",
            "einfac",
            "eigentliche",
            "x".repeat(17).as_str(),
        ] {
            assert_eq!(l.words.get(WordTable::key(w.as_bytes())), None, "{w}");
        }
    }

    #[test]
    fn ascii_keys_are_the_lower_cased_word_wherever_it_stands() {
        let t = b"@Der THE zAz 9x @[`{ xyZ";
        let key = |w: &str| WordTable::key(w.as_bytes());
        assert_eq!(ascii_key(t, 1, 3), key("der"));
        assert_eq!(ascii_key(t, 5, 3), key("the"));
        assert_eq!(ascii_key(t, 9, 3), key("zaz"));
        assert_eq!(ascii_key(t, 13, 2), key("9x"));
        // The bytes next to 'A' and 'Z' stay as they are.
        assert_eq!(ascii_key(t, 16, 4), key("@[`{"));
        // Fewer than 16 bytes left.
        assert_eq!(ascii_key(t, 21, 3), key("xyz"));
    }

    #[test]
    fn short_posts() {
        let l = LangId::new();
        let cases = [
            ("Nordwind ist eine Abzocke, nie wieder!", Some(Lang::De)),
            ("Skandal! Boykott!", None),
            ("Mega Service, danke!", Some(Lang::De)),
            ("Ärger über Verspätung", Some(Lang::De)),
            ("This is the worst service ever", Some(Lang::En)),
            ("I can't believe it", Some(Lang::En)),
            ("lol", None),
            ("C'est magnifique", None),
            ("Die Bahn kommt nicht", Some(Lang::De)),
            ("The train is late again", Some(Lang::En)),
            ("Langsam wird's hell draußen.", Some(Lang::De)),
            ("Endlich Lieferung", Some(Lang::De)),
            ("Absolutely useless", Some(Lang::En)),
            // Long words show their language by ending and letters.
            ("Unfreundliche Kundenbetreuung", Some(Lang::De)),
            ("Geschäftsführung entlassen", Some(Lang::De)),
            ("Totally frustrated", Some(Lang::En)),
        ];
        for (t, want) in cases {
            assert_eq!(l.detect(t), want, "{t}");
        }
    }
}
