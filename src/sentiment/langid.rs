//! Language identification for short posts: German, English, or neither.
//!
//! A general identifier (whatlang, trigram models) spends most of its time deciding between
//! dozens of languages and is unsure on a ten-word post. sturmglas only needs to know which of
//! its two lexicons fits, so this counts function words (articles, pronouns, auxiliaries,
//! particles — the words every sentence has) of each language, plus German-only letters
//! (ä, ö, ü, ß), English contractions, and derivational endings of one language only
//! ("-ung", "-lich", "-keit"; "-ly", "-ness"). Words both languages share ("in", "so", "was",
//! "will", "die") are left out. Invariant: one hash lookup per word, no allocation;
//! `None` means no evidence either way.

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
    /// [`DECISIVE`] (the rest of a long text would not change the answer).
    pub fn evidence(&self, text: &str) -> (u32, u32) {
        let (mut de, mut en) = (0u32, 0u32);
        let mut lower = Lower::default();
        for w in text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’')) {
            let w = w.trim_matches(|c| c == '\'' || c == '’');
            if w.is_empty() || w.len() > 12 {
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
            let l = lower.of(w);
            if let Some((d, e)) = self.words.get(l) {
                de += *d as u32;
                en += *e as u32;
            } else if ["n't", "'re", "'ve", "'ll", "'m", "’m", "n’t"]
                .iter()
                .any(|x| l.ends_with(x))
            {
                en += 1;
            } else if l.len() >= 6 {
                // Derivational endings typical of one language only.
                if [
                    "ung", "ungen", "lich", "keit", "heit", "chen", "isch", "schaft", "ieren",
                ]
                .iter()
                .any(|x| l.ends_with(x))
                {
                    de += 1;
                } else if ["ly", "ness", "ful", "ought"]
                    .iter()
                    .any(|x| l.ends_with(x))
                {
                    en += 1;
                }
            }
        }
        (de, en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ];
        for (t, want) in cases {
            assert_eq!(l.detect(t), want, "{t}");
        }
    }
}
