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

use super::text::{ascii_key, table_key, KeyTable, Lower};
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
    /// The function words (a few hundred; the table keeps keys of words of at most [`super::text::KEY`]
    /// bytes, and every function word is one).
    words: KeyTable<(u8, u8), SLOT_BITS>,
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
            words: KeyTable::new(words.iter().map(|(w, v)| (w.as_bytes(), *v))),
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
                key = table_key(l);
                l
            };
            if let Some(&(d, e)) = self.words.get(key) {
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

/// log2 of the slots in the function-word table: about four per word, so that a miss (most
/// words) usually ends at the first free slot.
const SLOT_BITS: u32 = 10;

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
        let key = |w: &str| table_key(w.as_bytes());
        for w in DE.iter().chain(EN) {
            let want = (DE.contains(w) as u8, EN.contains(w) as u8);
            let got = l.words.get(key(w)).copied();
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
            assert_eq!(l.words.get(key(w)), None, "{w}");
        }
    }

    #[test]
    fn ascii_keys_are_the_lower_cased_word_wherever_it_stands() {
        let t = b"@Der THE zAz 9x @[`{ xyZ";
        let key = |w: &str| table_key(w.as_bytes());
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
