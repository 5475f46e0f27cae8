//! Folding: the one normal form that texts, keywords and query terms are all matched in.
//!
//! Invariant: `fold` is idempotent and maps every spelling that should match alike to the same
//! string (lower case, ä→ae, ö→oe, ü→ue, ß→ss, common accents dropped, runs of white space
//! collapsed to one space), so a term folded at build time meets a text folded at match time.

/// Folds text for matching; see the module docs. Output is lower case ASCII where the input
/// was Latin, other scripts pass through lower-cased.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    fold_into(text, &mut out);
    out
}

/// [`fold`] into a buffer the caller reuses, which saves an allocation per text.
///
/// Folding every text is on the matcher's hot path, before the automaton, so ASCII is never
/// decoded character by character: a text of plain ASCII (most posts) is copied and
/// lower-cased whole, and elsewhere each run of ASCII bytes is copied at once and mapped in
/// place; both loops vectorise.
pub fn fold_into(text: &str, out: &mut String) {
    if plain_ascii(text.as_bytes()) {
        // Nothing to collapse or transliterate: lower-casing is all.
        out.clear();
        out.push_str(text);
        out.make_ascii_lowercase();
        return;
    }
    // Every character folded with each white space as one space, then runs of spaces
    // collapsed and the ends trimmed (only where a run or an end needs it). Transliteration
    // never makes a space, so the two steps compose to the definition.
    let mut buf = std::mem::take(out).into_bytes();
    buf.clear();
    buf.reserve(text.len() + 8);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..]
            .iter()
            .position(|b| !b.is_ascii())
            .unwrap_or(bytes.len() - i);
        if run > 0 {
            let from = buf.len();
            buf.extend_from_slice(&bytes[i..i + run]);
            let new = &mut buf[from..];
            new.make_ascii_lowercase();
            for b in new {
                *b = if is_folded_space(*b) { b' ' } else { *b };
            }
            i += run;
            continue;
        }
        // `i` is at a character boundary: every byte before it was consumed whole.
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
        if c.is_whitespace() {
            buf.push(b' ');
            continue;
        }
        match c {
            // Zero-width characters (spaces, joiners, word joiner, a BOM inside text) are
            // invisible and would otherwise split a brand name so that it no longer matches.
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
            'ä' | 'Ä' => buf.extend_from_slice(b"ae"),
            'ö' | 'Ö' => buf.extend_from_slice(b"oe"),
            'ü' | 'Ü' => buf.extend_from_slice(b"ue"),
            'ß' | 'ẞ' => buf.extend_from_slice(b"ss"),
            'à' | 'á' | 'â' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Å' => buf.push(b'a'),
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => buf.push(b'e'),
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => buf.push(b'i'),
            'ò' | 'ó' | 'ô' | 'õ' | 'Ò' | 'Ó' | 'Ô' | 'Õ' => buf.push(b'o'),
            'ù' | 'ú' | 'û' | 'Ù' | 'Ú' | 'Û' => buf.push(b'u'),
            'ç' | 'Ç' => buf.push(b'c'),
            'ñ' | 'Ñ' => buf.push(b'n'),
            c => {
                for l in c.to_lowercase() {
                    let mut utf8 = [0u8; 4];
                    buf.extend_from_slice(l.encode_utf8(&mut utf8).as_bytes());
                }
            }
        }
    }
    if buf.first() == Some(&b' ') || buf.last() == Some(&b' ') || doubled_space(&buf) {
        buf.dedup_by(|a, b| *a == b' ' && *b == b' ');
        if buf.last() == Some(&b' ') {
            buf.pop();
        }
        if buf.first() == Some(&b' ') {
            buf.remove(0);
        }
    }
    // Only ASCII bytes and whole encoded characters were written, so this is valid UTF-8;
    // the lossy arm is never taken and only keeps this free of `unsafe` and of panics.
    *out = String::from_utf8(buf)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}

/// The ASCII white space that folds to a space other than the space itself (tab, line feed,
/// form feed, carriage return; not the vertical tab, as `char::is_ascii_whitespace` has it).
/// Plain comparisons rather than a match, so that loops over bytes vectorise.
fn is_folded_space(b: u8) -> bool {
    (b == b'\t') | (b == b'\n') | (b == b'\x0C') | (b == b'\r')
}

/// Whether two spaces follow each other (without an early exit, so that it vectorises).
fn doubled_space(b: &[u8]) -> bool {
    let mut found = false;
    for (x, y) in b.iter().zip(b.get(1..).unwrap_or_default()) {
        found |= (*x == b' ') & (*y == b' ');
    }
    found
}

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// ASCII without control characters, whose only white space is single spaces between
/// words: most posts, whose fold is their lower case. Eight bytes at a time: a byte of
/// `0x80` or more, or below `0x20` (tab, line feed and the other controls, which the
/// general path handles), and two spaces in a row are found with word arithmetic.
fn plain_ascii(b: &[u8]) -> bool {
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    let mut other = 0u64;
    // Spaces: the high bit of each byte that is one; the last of the previous word.
    let mut last_space = false;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut a = [0u8; 8];
        a.copy_from_slice(c);
        let x = u64::from_le_bytes(a);
        // A byte below 0x20 borrows from its high bit (exact for the word as a whole).
        other |= (x | (x.wrapping_sub(0x20 * LOW) & !x)) & HIGH;
        let y = x ^ (0x20 * LOW);
        // Exact per byte: the high bit survives only where `y`'s byte is zero.
        let spaces = !(((y & !HIGH).wrapping_add(!HIGH)) | y | !HIGH);
        if spaces & (spaces >> 8) != 0 || (last_space && spaces & 0x80 != 0) {
            return false;
        }
        last_space = spaces >> 63 != 0;
    }
    if other != 0 {
        return false;
    }
    let rest = chunks.remainder();
    if last_space && rest.first() == Some(&b' ') {
        return false;
    }
    rest.iter().all(|&c| (0x20..0x80).contains(&c)) && !doubled_space(rest)
}

/// Whether each ASCII byte is a word character ([`is_word_char`]).
pub(super) const ASCII_WORD: [bool; 128] = {
    let mut t = [false; 128];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || b == b'_';
        i += 1;
    }
    t
};

/// A character that belongs to a word: a match must not run on into one.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Byte offsets where the words of a folded text start, for word distances (`NEAR/n`).
/// ASCII bytes are classified without decoding a character (the common case).
pub fn word_starts(folded: &str, out: &mut Vec<u32>) {
    out.clear();
    let bytes = folded.as_bytes();
    let mut in_word = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (w, len) = if b.is_ascii() {
            (ASCII_WORD[usize::from(b)], 1)
        } else {
            match folded[i..].chars().next() {
                Some(c) => (is_word_char(c), c.len_utf8()),
                None => break,
            }
        };
        if w && !in_word {
            out.push(i as u32);
        }
        in_word = w;
        i += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_umlauts_and_space() {
        assert_eq!(fold("  Grüße   aus MÜNCHEN "), "gruesse aus muenchen");
        assert_eq!(fold("Café\u{a0}STRAẞE"), "cafe strasse");
        assert_eq!(fold(&fold("Ärger über Öl")), fold("Ärger über Öl"));
    }

    #[test]
    fn drops_zero_width_characters() {
        assert_eq!(fold("Nord\u{200B}wind"), "nordwind");
        assert_eq!(
            fold("Nord\u{200C}wi\u{200D}nd\u{2060} E\u{FEFF}nergie"),
            "nordwind energie"
        );
        assert_eq!(fold("a \u{200B} b"), "a b");
    }

    /// The byte-run fast paths agree with the plain per-character definitions.
    #[test]
    fn fast_paths_agree_with_per_character_definitions() {
        fn fold_ref(text: &str) -> String {
            let mut out = String::new();
            let mut last_space = true;
            for c in text.chars() {
                // As the original per-character loop: ASCII by `is_ascii_whitespace` (so a
                // vertical tab is no space), the rest by Unicode's White_Space.
                let space = if c.is_ascii() {
                    c.is_ascii_whitespace()
                } else {
                    c.is_whitespace()
                };
                if space {
                    if !last_space {
                        out.push(' ');
                        last_space = true;
                    }
                    continue;
                }
                if matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}') {
                    continue;
                }
                last_space = false;
                let mut one = String::new();
                fold_into(&c.to_string(), &mut one);
                out.push_str(&one);
            }
            if out.ends_with(' ') {
                out.pop();
            }
            out
        }
        fn starts_ref(folded: &str) -> Vec<u32> {
            let mut v = Vec::new();
            let mut in_word = false;
            for (i, c) in folded.char_indices() {
                let w = is_word_char(c);
                if w && !in_word {
                    v.push(i as u32);
                }
                in_word = w;
            }
            v
        }
        for text in [
            "Grüße aus MÜNCHEN, ÄRGER über Öl!",
            "  Mixed\tASCII\u{a0}und\u{2003}Unicode  ",
            "x\u{0B}y \u{200B}nord wind_energie #Tag @Handle ŁÓDŹ Ελλάδα 東京 ok",
            "é",
            "",
            "Plain ASCII, One Space Each: @Brand42 #Tag!",
            " leading space",
            "trailing space ",
            "two  spaces",
            "tab\tand\nnewline",
            "vertical\u{0B}tab",
            "abcdefg  hijklmn",
            "abcdefgh ijklmnop qrstuvwx",
            "abcdefghijklmnopq\x01r",
            "ABCDEFGHIJKLMNOP ",
        ] {
            assert_eq!(fold(text), fold_ref(text), "{text:?}");
            let f = fold(text);
            let mut v = Vec::new();
            word_starts(&f, &mut v);
            assert_eq!(v, starts_ref(&f), "{text:?}");
        }
        // Texts of every length around the eight-byte words of the plain-ASCII check.
        let pieces = [
            "a", "B", " ", " ", "\t", "\n", "\u{0B}", "\u{01}", ".", "7", "ä", "~",
        ];
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..(x % 40) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                text.push_str(pieces[(x % pieces.len() as u64) as usize]);
            }
            x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1);
            assert_eq!(fold(&text), fold_ref(&text), "{text:?}");
        }
    }

    #[test]
    fn word_starts_skip_punctuation() {
        let mut v = Vec::new();
        word_starts("#otto, nordwind-energie ok", &mut v);
        assert_eq!(v, [1, 7, 16, 24]);
    }
}
