//! Text helpers shared by the scorers: Python-compatible whitespace, case and punctuation
//! tests (the English scorer must split exactly as vaderSentiment does), lower-casing into a
//! reused buffer, and VADER's normalisation. Invariant: nothing here allocates once its
//! buffer has grown to the longest token seen.

/// Python's `str.isspace()`, which `str.split()` uses: Unicode White_Space plus the ASCII
/// information separators U+001C..U+001F.
#[inline]
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Splits like Python's `str.split()` with no argument.
#[inline]
pub fn py_split(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_py_space).filter(|w| !w.is_empty())
}

/// Python's `str.strip()` with no argument.
#[inline]
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Python's `str.isupper()`: at least one cased character and no lower-case one.
#[inline]
pub fn py_isupper(s: &str) -> bool {
    let mut upper = false;
    for c in s.chars() {
        if c.is_lowercase() {
            return false;
        }
        if c.is_uppercase() {
            upper = true;
        }
    }
    upper
}

/// VADER's `_strip_punc_if_word`: strips ASCII punctuation from both ends unless that leaves
/// two characters or fewer (then the token was probably an emoticon such as `:)`).
#[inline]
pub fn strip_punct_if_word(token: &str) -> &str {
    let stripped = token.trim_matches(|c: char| c.is_ascii_punctuation());
    if stripped.chars().count() <= 2 {
        token
    } else {
        stripped
    }
}

/// VADER's normalisation of a valence sum into (-1, 1); `alpha` approximates the largest
/// expected sum.
#[inline]
pub fn normalize(score: f64) -> f64 {
    const ALPHA: f64 = 15.0;
    (score / (score * score + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

/// A reusable lower-casing buffer: ASCII words are folded in place of a stack array, others
/// through a `String` whose capacity is kept between calls.
pub struct Lower {
    ascii: [u8; 48],
    other: String,
}

impl Default for Lower {
    fn default() -> Self {
        Lower {
            ascii: [0; 48],
            other: String::new(),
        }
    }
}

impl Lower {
    /// The lower-case form of `w` (Unicode rules, like Python's `str.lower()`).
    #[inline]
    pub fn of<'a>(&'a mut self, w: &'a str) -> &'a str {
        let b = w.as_bytes();
        if !b.iter().any(|c| c.is_ascii_uppercase()) && (w.is_ascii() || !has_upper(w)) {
            return w;
        }
        if w.is_ascii() && b.len() <= self.ascii.len() {
            let buf = &mut self.ascii[..b.len()];
            buf.copy_from_slice(b);
            buf.make_ascii_lowercase();
            // Only ASCII bytes were written, so this cannot fail.
            return std::str::from_utf8(buf).unwrap_or("");
        }
        self.other.clear();
        for c in w.chars() {
            if c.is_ascii() {
                self.other.push(c.to_ascii_lowercase());
            } else {
                self.other.extend(c.to_lowercase());
            }
        }
        &self.other
    }
}

#[inline]
fn has_upper(w: &str) -> bool {
    w.chars().any(|c| c.is_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_compatible_helpers() {
        assert_eq!(
            py_split(" a\u{1c}b  c\u{a0}d ").collect::<Vec<_>>(),
            ["a", "b", "c", "d"]
        );
        assert!(py_isupper("WOW!"));
        assert!(!py_isupper("WOw"));
        assert!(!py_isupper("123"));
        assert_eq!(strip_punct_if_word("great!!"), "great");
        assert_eq!(strip_punct_if_word(":)"), ":)");
        assert_eq!(strip_punct_if_word("ok!"), "ok!");
        let mut l = Lower::default();
        assert_eq!(l.of("ÄRGER"), "ärger");
        assert_eq!(l.of("Hello"), "hello");
        assert_eq!(l.of("plain"), "plain");
        assert!((normalize(4.0) - 4.0 / 31f64.sqrt()).abs() < 1e-12);
    }
}
