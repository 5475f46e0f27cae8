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
    words: FxHashMap<&'static str, (u8, u8)>,
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
        LangId { words }
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
        for w in text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’')) {
            let w = w.trim_matches(|c| c == '\'' || c == '’');
            if w.is_empty() {
                continue;
            }
            if !w.is_ascii()
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
                let (d, e) = ending(lower_tail(w, &mut tail), w.len());
                de += d;
                en += e;
                continue;
            }
            let l = lower.of(w);
            if let Some((d, e)) = self.words.get(l) {
                de += *d as u32;
                en += *e as u32;
            } else if ["n't", "'re", "'ve", "'ll", "'m", "’m", "n’t"]
                .iter()
                .any(|x| l.ends_with(x))
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
fn ending(l: &str, len: usize) -> (u32, u32) {
    const DE: &[&str] = &[
        "ung", "ungen", "lich", "liche", "lichen", "licher", "liches", "keit", "keiten", "heit",
        "heiten", "chen", "isch", "ische", "ischen", "schaft", "schaften", "ieren",
    ];
    const EN: &[&str] = &["ly", "ness", "ful", "ought", "ed"];
    if len < 6 {
        (0, 0)
    } else if DE.iter().any(|x| l.ends_with(x)) {
        (1, 0)
    } else if EN.iter().any(|x| l.ends_with(x)) {
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
        assert_eq!(ending("kundenfreundlichkeit", 20), (1, 0));
        assert_eq!(ending("lichkeit", 20), (1, 0));
        assert_eq!(ending("freundliche", 11), (1, 0));
        assert_eq!(ending("wanted", 6), (0, 1));
        assert_eq!(ending("fed", 3), (0, 0));
        assert_eq!(ending("service", 7), (0, 0));
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
