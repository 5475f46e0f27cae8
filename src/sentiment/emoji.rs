//! Emoji and emoticons for languages other than English. English replaces an emoji by its
//! description inside the VADER algorithm; German posts use the same emoji, so each emoji's
//! valence is precomputed once from its description's VADER word valences, and ASCII
//! emoticons (`:)`, `<3`, `:-(`) are taken from the VADER lexicon, plus a few that German
//! posts use and VADER lacks (`-.-`, `D:`, `xD`). Invariant: the tables are built at
//! start-up and only read afterwards.

use rustc_hash::FxHashMap;

use super::english::English;

/// Emoticons common on German-speaking social media that VADER's lexicon lacks, with
/// valences on its scale chosen by the sturmglas authors next to VADER's own (`:(` is -1.9,
/// `:'(` -2.2, `:D` 2.3): the annoyed faces `-.-`, `-_-`, `-,-`, `._.`, the dismayed `D:`,
/// `=(` and crying faces with typographic quotes, the laughing `xD`, `:'D`, `X)`, `8D`, and
/// the grin `^^`, often sheepish or ironic, so weak. Kept out of English, whose emoticons
/// are VADER's exactly (parity).
const EXTRA_EMOTICONS: &[(&str, f64)] = &[
    ("-.-", -1.5),
    ("-.-'", -1.5),
    ("-_-", -1.5),
    ("-__-", -1.5),
    ("-,-", -1.2),
    ("._.", -1.0),
    ("D:", -1.5),
    ("=(", -1.9),
    (":’(", -2.2),
    (":‘(", -2.2),
    ("xD", 2.0),
    ("XD", 2.0),
    (":'D", 2.0),
    ("X)", 1.5),
    ("8D", 1.5),
    ("^^", 0.9),
    ("^_^", 1.2),
];

/// Valences on VADER's -4..4 scale of emoji (by code point) and emoticons (by token).
pub struct EmojiValence {
    emoji: FxHashMap<char, f64>,
    emoticons: FxHashMap<Box<str>, f64>,
    /// The bytes emoticons start with: every token of a German post is tried as an
    /// emoticon, and a token that starts with any other byte is turned away unhashed.
    first_bytes: ByteSet,
}

#[derive(Default)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn insert(&mut self, b: u8) {
        self.0[usize::from(b / 64)] |= 1 << (b % 64);
    }
    #[inline]
    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b / 64)] & (1 << (b % 64)) != 0
    }
}

impl EmojiValence {
    pub fn from_english(en: &English) -> Self {
        let mut emoji = FxHashMap::default();
        for (c, desc) in en.emoji() {
            // Only faces, hearts and hand gestures carry a mood; objects and symbols ("play
            // button", "trophy") would lend their description's words to neutral posts.
            if !["face", "heart", "hand", "thumbs"]
                .iter()
                .any(|k| desc.contains(k))
            {
                continue;
            }
            let v: f64 = desc
                .split(|c: char| !c.is_alphanumeric() && c != '\'')
                .filter_map(|w| en.valence(&w.to_lowercase()))
                .sum();
            if v != 0.0 {
                emoji.insert(c, v.clamp(-4.0, 4.0));
            }
        }
        let mut emoticons: FxHashMap<Box<str>, f64> = FxHashMap::default();
        for (w, v) in super::lexicon::vader_words() {
            let letters = w.chars().filter(|c| c.is_alphabetic()).count();
            if w.len() <= 8
                && !w.contains(' ')
                && letters <= 2
                && w.chars()
                    .any(|c| c.is_ascii_punctuation() || c.is_ascii_digit())
            {
                emoticons.insert(w.into(), v);
            }
        }
        for (w, v) in EXTRA_EMOTICONS {
            emoticons.entry((*w).into()).or_insert(*v);
        }
        let mut first_bytes = ByteSet::default();
        for k in emoticons.keys() {
            if let Some(&b) = k.as_bytes().first() {
                first_bytes.insert(b);
            }
        }
        EmojiValence {
            emoji,
            emoticons,
            first_bytes,
        }
    }

    #[inline]
    pub fn emoji(&self, c: char) -> Option<f64> {
        if c.is_ascii() {
            return None;
        }
        self.emoji.get(&c).copied()
    }

    /// The valence of an emoticon token such as `:)` or `:-((`; case matters (`:D` vs `:d`).
    /// A repeated mouth (`:(((`, `:-))))`, `:DDD`, `xDD`) reads as the single one, since
    /// nobody lists every length.
    #[inline]
    pub fn emoticon(&self, token: &str) -> Option<f64> {
        let first = *token.as_bytes().first()?;
        if !self.first_bytes.contains(first) {
            return None;
        }
        if let Some(v) = self.emoticons.get(token) {
            return Some(*v);
        }
        let b = token.as_bytes();
        let last = *b.last()?;
        if !matches!(last, b'(' | b')' | b'[' | b']' | b'D' | b'P')
            || b.len() < 3
            || b[b.len() - 2] != last
        {
            return None;
        }
        let single = token.trim_end_matches(char::from(last));
        if single.is_empty() {
            return None;
        }
        let one = &token[..single.len() + 1];
        self.emoticons.get(one).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_and_emoticons_have_the_expected_sign() {
        let e = EmojiValence::from_english(&English::new());
        assert!(e.emoji('😠').unwrap_or(0.0) < 0.0);
        assert!(e.emoji('😍').unwrap_or(0.0) > 0.0);
        assert!(e.emoji('😀').unwrap_or(0.0) > 0.0);
        assert_eq!(e.emoji('a'), None);
        assert!(e.emoticon(":)").unwrap_or(0.0) > 0.0);
        assert!(e.emoticon(":(").unwrap_or(0.0) < 0.0);
        assert!(e.emoticon("<3").unwrap_or(0.0) > 0.0);
        assert_eq!(e.emoticon("good"), None);
        // German-internet faces VADER lacks, and repeated mouths
        assert!(e.emoticon("-.-").unwrap_or(0.0) < 0.0);
        assert!(e.emoticon("D:").unwrap_or(0.0) < 0.0);
        assert!(e.emoticon("xD").unwrap_or(0.0) > 0.0);
        assert_eq!(e.emoticon(":(((("), e.emoticon(":("));
        assert_eq!(e.emoticon(":-(("), e.emoticon(":-("));
        assert_eq!(e.emoticon(":))"), e.emoticon(":)"));
        assert_eq!(e.emoticon(":DDD"), e.emoticon(":D"));
        assert_eq!(e.emoticon("xDD"), e.emoticon("xD"));
        assert_eq!(e.emoticon("ADD"), None);
        assert_eq!(e.emoticon("(("), None);
        assert_eq!(e.emoticon(")))"), None);
    }
}
