//! The embedded lexicon files and their parsers. Every word list the engine uses is compiled
//! into the binary from `data/lexicons/` (see its README for sources and licenses), so a
//! scorer never reads the file system. Invariant: parsing skips malformed lines instead of
//! failing, and a unit test checks that each file yields the number of entries it ships with.

/// VADER's English lexicon (MIT, C.J. Hutto): `token \t mean \t sd \t ratings`.
const VADER_LEXICON: &str = include_str!("../../data/lexicons/vader/vader_lexicon.txt");
/// VADER's emoji descriptions (MIT): `emoji \t description`.
const VADER_EMOJI: &str = include_str!("../../data/lexicons/vader/emoji_utf8_lexicon.txt");
/// German Polarity Lexicon as flattened by textblob-de (see its LICENSE and NOTICE):
/// `form \t polarity \t pos \t intensity \t confidence`.
const TEXTBLOB_DE: &str = include_str!("../../data/lexicons/textblob_de/de_sentiment_polarity.tsv");
/// sturmglas's own German additions: `word-or-phrase \t valence(-4..4)`.
const STURMGLAS_DE: &str = include_str!("../../data/lexicons/sturmglas_de/additions.tsv");

/// `(token, mean valence)` of the VADER lexicon, keys exactly as written in the file.
pub fn vader_words() -> impl Iterator<Item = (&'static str, f64)> {
    VADER_LEXICON.split('\n').filter_map(|line| {
        let mut f = line.trim().split('\t');
        let word = f.next()?;
        let v = f.next()?.trim().parse().ok()?;
        Some((word, v))
    })
}

/// `(emoji, description)` pairs.
pub fn vader_emoji() -> impl Iterator<Item = (&'static str, &'static str)> {
    VADER_EMOJI.split('\n').filter_map(|line| {
        let mut f = line.trim().split('\t');
        Some((f.next()?, f.next()?.trim()))
    })
}

/// Part of speech as tagged in the textblob-de file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pos {
    Noun,
    Adjective,
    Verb,
    Adverb,
}

/// `(form, polarity in -1..1, pos)` of the textblob-de lexicon.
pub fn textblob_de() -> impl Iterator<Item = (&'static str, f64, Pos)> {
    TEXTBLOB_DE.lines().skip(1).filter_map(|line| {
        let mut f = line.split('\t');
        let form = f.next()?.trim();
        let polarity: f64 = f.next()?.trim().parse().ok()?;
        let pos = match f.next()?.trim() {
            "NN" => Pos::Noun,
            "JJ" => Pos::Adjective,
            "VB" => Pos::Verb,
            "RB" => Pos::Adverb,
            _ => return None,
        };
        (!form.is_empty()).then_some((form, polarity, pos))
    })
}

/// `(word or phrase, valence on VADER's -4..4 scale)` of the curated German additions.
pub fn sturmglas_de() -> impl Iterator<Item = (&'static str, f64)> {
    STURMGLAS_DE.lines().filter_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut f = line.split('\t');
        let word = f.next()?.trim();
        let v = f.next()?.trim().parse().ok()?;
        Some((word, v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_files_parse_completely() {
        assert_eq!(vader_words().count(), 7520);
        assert_eq!(vader_emoji().count(), 3570);
        assert_eq!(textblob_de().count(), 7964);
        let curated = STURMGLAS_DE
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .count();
        assert_eq!(
            sturmglas_de().count(),
            curated,
            "a curated line did not parse"
        );
        assert!(curated > 300);
    }

    #[test]
    fn no_curated_word_is_listed_twice() {
        // A second line for a word silently overrides the first; one line per word keeps
        // the file honest about what the scorer uses.
        let mut seen = std::collections::HashSet::new();
        for (w, _) in sturmglas_de() {
            assert!(seen.insert(w.to_lowercase()), "'{w}' is listed twice");
        }
    }
}
