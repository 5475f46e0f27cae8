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
pub fn fold_into(text: &str, out: &mut String) {
    out.clear();
    let mut last_space = true;
    for c in text.chars() {
        if c.is_ascii() {
            if c.is_ascii_whitespace() {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            } else {
                out.push(c.to_ascii_lowercase());
                last_space = false;
            }
            continue;
        }
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        // Zero-width characters (spaces, joiners, word joiner, a BOM inside text) are invisible
        // and would otherwise split a brand name so that it no longer matches.
        if matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}') {
            continue;
        }
        last_space = false;
        match c {
            'ä' | 'Ä' => out.push_str("ae"),
            'ö' | 'Ö' => out.push_str("oe"),
            'ü' | 'Ü' => out.push_str("ue"),
            'ß' | 'ẞ' => out.push_str("ss"),
            'à' | 'á' | 'â' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Å' => out.push('a'),
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => out.push('i'),
            'ò' | 'ó' | 'ô' | 'õ' | 'Ò' | 'Ó' | 'Ô' | 'Õ' => out.push('o'),
            'ù' | 'ú' | 'û' | 'Ù' | 'Ú' | 'Û' => out.push('u'),
            'ç' | 'Ç' => out.push('c'),
            'ñ' | 'Ñ' => out.push('n'),
            c => out.extend(c.to_lowercase()),
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
}

/// A character that belongs to a word: a match must not run on into one.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Byte offsets where the words of a folded text start, for word distances (`NEAR/n`).
pub fn word_starts(folded: &str, out: &mut Vec<u32>) {
    out.clear();
    let mut in_word = false;
    for (i, c) in folded.char_indices() {
        let w = is_word_char(c);
        if w && !in_word {
            out.push(i as u32);
        }
        in_word = w;
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

    #[test]
    fn word_starts_skip_punctuation() {
        let mut v = Vec::new();
        word_starts("#otto, nordwind-energie ok", &mut v);
        assert_eq!(v, [1, 7, 16, 24]);
    }
}
