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
pub fn py_split(s: &str) -> PySplit<'_> {
    PySplit { s, pos: 0 }
}

/// The iterator of [`py_split`]. It walks bytes (eight at a time inside a token while they
/// are printable ASCII) and decodes a char only at non-ASCII bytes, because tokenising is
/// the largest cost of scoring a short post and most bytes are ASCII.
pub struct PySplit<'a> {
    s: &'a str,
    pos: usize,
}

impl PySplit<'_> {
    /// The byte length of the whitespace char at `i`, or 0 when it is not whitespace.
    #[inline]
    fn space_at(&self, i: usize) -> usize {
        let b = self.s.as_bytes()[i];
        if b < 0x80 {
            return is_ascii_py_space(b) as usize;
        }
        match self.s[i..].chars().next() {
            Some(c) if is_py_space(c) => c.len_utf8(),
            _ => 0,
        }
    }

    /// The byte length of the char at `i` (which must start a char).
    #[inline]
    fn char_len_at(&self, i: usize) -> usize {
        match self.s.as_bytes()[i] {
            0..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            _ => 4,
        }
    }
}

/// Python's ASCII whitespace (`\t`..`\r`, the separators 0x1C..0x1F, space) as a mask
/// indexed by byte: one shift and test instead of three range tests.
const ASCII_SPACE: u64 = 1 << b' ' | 0x3e00 | 0xf000_0000;

/// Whether the ASCII byte `b` is Python whitespace.
#[inline]
fn is_ascii_py_space(b: u8) -> bool {
    b <= b' ' && ASCII_SPACE >> b & 1 != 0
}

impl<'a> Iterator for PySplit<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let b = self.s.as_bytes();
        let n = b.len();
        let mut i = self.pos;
        loop {
            if i >= n {
                self.pos = n;
                return None;
            }
            if b[i] < 0x80 {
                if !is_ascii_py_space(b[i]) {
                    break;
                }
                i += 1;
            } else {
                match self.space_at(i) {
                    0 => break,
                    k => i += k,
                }
            }
        }
        let start = i;
        while i < n {
            // Eight bytes at a time while they are printable ASCII (0x21..=0x7F): a byte below
            // 0x21 borrows into its top bit, a byte from 0x80 has it. Only a higher byte can
            // be marked wrongly (by a borrow), so the lowest mark is the first other byte.
            if let Some(c8) = b.get(i..i + 8) {
                const ONES: u64 = u64::from_le_bytes([1; 8]);
                let x =
                    u64::from_le_bytes([c8[0], c8[1], c8[2], c8[3], c8[4], c8[5], c8[6], c8[7]]);
                let m = (x.wrapping_sub(ONES * 0x21) & !x | x) & (ONES * 0x80);
                if m == 0 {
                    i += 8;
                    continue;
                }
                i += (m.trailing_zeros() / 8) as usize;
            }
            let c = b[i];
            // Printable ASCII, most bytes of a token, is settled by one comparison.
            if c.wrapping_sub(b'!') < 0x80 - b'!' {
                i += 1;
            } else if c < 0x80 {
                if is_ascii_py_space(c) {
                    break;
                }
                i += 1;
            } else if self.space_at(i) == 0 {
                i += self.char_len_at(i);
            } else {
                break;
            }
        }
        self.pos = i;
        Some(&self.s[start..i])
    }
}

/// Python's `str.strip()` with no argument.
#[inline]
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Python's `str.isupper()`: at least one cased character and no lower-case one.
#[inline]
pub fn py_isupper(s: &str) -> bool {
    if s.is_ascii() {
        let b = s.as_bytes();
        return !b.iter().any(u8::is_ascii_lowercase) && b.iter().any(u8::is_ascii_uppercase);
    }
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
    // ASCII bytes are always char boundaries, so trimming bytes keeps the slice valid.
    let b = token.as_bytes();
    let punct = |c: u8| BYTE_CASE[c as usize] & PUNCT != 0;
    // Most tokens have no punctuation at either end.
    match (b.first(), b.last()) {
        (Some(&f), Some(&l)) if !punct(f) && !punct(l) => return token,
        _ => {}
    }
    let (mut start, mut end) = (0, b.len());
    while start < end && punct(b[start]) {
        start += 1;
    }
    while end > start && punct(b[end - 1]) {
        end -= 1;
    }
    let stripped = &token[start..end];
    // More than eight bytes are more than two chars.
    if stripped.len() > 8 {
        return stripped;
    }
    // Chars are counted as the bytes that do not continue a UTF-8 sequence.
    let chars = stripped
        .bytes()
        .filter(|&b| (b as i8) >= -0x40)
        .take(3)
        .count();
    if chars <= 2 {
        token
    } else {
        stripped
    }
}

/// `chunk` without the opening brackets and quotes before it, `(<"'[`. Bytes, not
/// characters: they are ASCII, so where they end is a character boundary.
pub fn strip_openers(chunk: &str) -> &str {
    let start = chunk
        .bytes()
        .position(|b| !matches!(b, b'(' | b'<' | b'"' | b'\'' | b'['))
        .unwrap_or(chunk.len());
    &chunk[start..]
}

/// Whether a whitespace-separated chunk is a link: after any opening brackets or quotes it
/// starts with `http://`, `https://` or `www.`, in any case. The learned layer's tokenizer
/// and the link weight of a domain's calibration must agree on what a link is.
pub fn is_link(chunk: &str) -> bool {
    let bare = strip_openers(chunk);
    if !matches!(bare.as_bytes().first(), Some(b'h' | b'H' | b'w' | b'W')) {
        return false;
    }
    let starts = |p: &str| {
        bare.len() >= p.len() && bare.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
    };
    starts("http://") || starts("https://") || starts("www.")
}

/// Whether a post shares a link: a whitespace-separated chunk that, after any opening
/// brackets or quotes, starts with `http://`, `https://` or `www.`, in any case.
pub fn has_link(text: &str) -> bool {
    text.split_whitespace().any(is_link)
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
        let (mut upper, mut ascii) = (false, true);
        for &c in b {
            upper |= c.is_ascii_uppercase();
            ascii &= c.is_ascii();
        }
        if !upper && (ascii || !has_upper(w)) {
            return w;
        }
        if ascii && b.len() <= self.ascii.len() {
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

/// A word's lower-case form and what the English rules ask about its case.
pub struct Cased<'a> {
    pub lower: &'a str,
    /// Python's `isupper()` of the word.
    pub upper: bool,
    /// `lower` holds an ASCII apostrophe (so it may be a negation such as "isn't").
    pub apostrophe: bool,
}

/// Bits of [`BYTE_CASE`].
const UP: u8 = 1;
const LO: u8 = 2;
const APOSTROPHE: u8 = 4;
const HIGH: u8 = 8;
const NUL: u8 = 16;
/// ASCII punctuation (`u8::is_ascii_punctuation`), for [`strip_punct_if_word`].
const PUNCT: u8 = 32;

/// What each byte says about a word's case: one table load per byte answers every question
/// [`Lower::cased`] and [`ascii_cased`] ask of an ASCII word; it also marks punctuation for
/// [`strip_punct_if_word`], one load instead of four range tests.
static BYTE_CASE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if b >= 0x80 {
            HIGH
        } else if b.is_ascii_uppercase() {
            UP
        } else if b.is_ascii_lowercase() {
            LO
        } else if b == b'\'' {
            APOSTROPHE | PUNCT
        } else if b == 0 {
            NUL
        } else if b.is_ascii_punctuation() {
            PUNCT
        } else {
            0
        };
        i += 1;
    }
    t
};

impl Lower {
    /// The lower-case form of `w` with its [`py_isupper`] and apostrophe, from one pass over
    /// the bytes of an ASCII word (the English scorer asks all three of every token).
    #[inline]
    pub fn cased<'a>(&'a mut self, w: &'a str) -> Cased<'a> {
        let mut f = 0u8;
        for &b in w.as_bytes() {
            f |= BYTE_CASE[b as usize];
        }
        if f & HIGH != 0 {
            let upper = py_isupper(w);
            let lower = self.of(w);
            let apostrophe = lower.as_bytes().contains(&b'\'');
            return Cased {
                lower,
                upper,
                apostrophe,
            };
        }
        Cased {
            upper: f & (UP | LO) == UP,
            apostrophe: f & APOSTROPHE != 0,
            lower: if f & UP == 0 { w } else { self.of(w) },
        }
    }
}

/// What [`ascii_cased`] learns of a short ASCII word in one pass.
pub struct AsciiCased {
    /// The lower-cased word as a [`KeyTable`] key (its bytes: `key.to_le_bytes()`).
    pub key: u128,
    /// Python's `isupper()` of the word.
    pub upper: bool,
    /// The word holds an ASCII apostrophe.
    pub apostrophe: bool,
}

/// The case, apostrophe and lower-cased key of the word of `len` bytes at `at` in `text`
/// when it is ASCII, at most [`KEY`] bytes and holds no NUL (the bytes of most tokens);
/// `None` for any other word, which needs [`Lower::cased`]. One table load per byte, and
/// the word is lower-cased in its key rather than copied into a buffer.
#[inline]
pub fn ascii_cased(text: &[u8], at: usize, len: usize) -> Option<AsciiCased> {
    if len.wrapping_sub(1) >= KEY {
        return None;
    }
    let mut f = 0u8;
    for &b in &text[at..at + len] {
        f |= BYTE_CASE[b as usize];
    }
    if f & (HIGH | NUL) != 0 {
        return None;
    }
    let key = load_key(text, at, len);
    Some(AsciiCased {
        key: if f & UP != 0 { lower_key(key) } else { key },
        upper: f & (UP | LO) == UP,
        apostrophe: f & APOSTROPHE != 0,
    })
}

/// Bytes of a [`KeyTable`] key: a word of at most this many bytes is its own key.
pub const KEY: usize = 16;

/// Words in an open-addressing table keyed by the word's bytes packed into a `u128`:
/// hashing and comparing a key are a few integer operations, where a string map hashes byte
/// by byte and calls `memcmp`. Words hold no NUL byte (callers keep such words out), so
/// zero padding keeps keys of different lengths apart and the zero key marks a free slot.
/// It has `1 << BITS` slots.
pub struct KeyTable<V, const BITS: u32> {
    keys: Box<[u128]>,
    values: Box<[V]>,
}

impl<V: Copy + Default, const BITS: u32> KeyTable<V, BITS> {
    /// A table holding `words`, each of at most [`KEY`] bytes without NUL; a word given
    /// twice keeps its last value.
    pub fn new<'a>(words: impl IntoIterator<Item = (&'a [u8], V)>) -> Self {
        let n = 1usize << BITS;
        let mut keys = vec![0u128; n].into_boxed_slice();
        let mut values = vec![V::default(); n].into_boxed_slice();
        let mut len = 0;
        for (w, v) in words {
            assert!(fits_key(w), "not a table word: {w:?}");
            let k = table_key(w);
            let mut i = Self::slot(k);
            while keys[i] != 0 && keys[i] != k {
                i = (i + 1) & (n - 1);
            }
            len += (keys[i] == 0) as usize;
            assert!(len * 2 < n, "the word table needs free slots");
            keys[i] = k;
            values[i] = v;
        }
        KeyTable { keys, values }
    }

    /// Fibonacci hashing of both halves: the top bits depend on every byte.
    #[inline]
    fn slot(k: u128) -> usize {
        let x = (k as u64) ^ ((k >> 64) as u64).wrapping_mul(0xff51_afd7_ed55_8ccd);
        (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BITS)) as usize
    }

    /// The value of the word with key `k`, if it is in the table.
    #[inline]
    pub fn get(&self, k: u128) -> Option<&V> {
        if k == 0 {
            return None;
        }
        let mut i = Self::slot(k);
        loop {
            let x = self.keys[i];
            if x == k {
                return Some(&self.values[i]);
            }
            if x == 0 {
                return None;
            }
            i = (i + 1) & ((1 << BITS) - 1);
        }
    }
}

/// Whether `w` may be a [`KeyTable`] word: at most [`KEY`] bytes, none of them NUL.
#[inline]
pub fn fits_key(w: &[u8]) -> bool {
    w.len() <= KEY && !w.contains(&0)
}

/// The [`KeyTable`] key of `w`, or the free-slot key 0 when `w` is too long to be in a table.
#[inline]
pub fn table_key(w: &[u8]) -> u128 {
    if w.len() > KEY {
        return 0;
    }
    let mut b = [0u8; KEY];
    b[..w.len()].copy_from_slice(w);
    u128::from_le_bytes(b)
}

/// The [`KeyTable`] key of the lower-cased ASCII word of `len` bytes (1 to [`KEY`]) at `at`
/// in `text`: loaded at once, and lower-cased in every byte together.
#[inline]
pub fn ascii_key(text: &[u8], at: usize, len: usize) -> u128 {
    lower_key(load_key(text, at, len))
}

/// The bytes of the word of `len` bytes (1 to [`KEY`]) at `at` in `text` as a [`KeyTable`]
/// key, by one 16-byte load where the text allows.
#[inline]
fn load_key(text: &[u8], at: usize, len: usize) -> u128 {
    let load = |s: &[u8]| {
        let mut b = [0u8; KEY];
        b.copy_from_slice(s);
        u128::from_le_bytes(b)
    };
    let end = at + len;
    if end >= KEY {
        // The 16 bytes that end with the word, shifted down to it.
        load(&text[end - KEY..end]) >> (8 * (KEY - len))
    } else if let Some(s) = text.get(at..at + KEY) {
        load(s) & (u128::MAX >> (8 * (KEY - len)))
    } else {
        let mut b = [0u8; KEY];
        for (d, s) in b.iter_mut().zip(&text[at..end]) {
            *d = *s;
        }
        u128::from_le_bytes(b)
    }
}

/// A key of ASCII bytes lower-cased in every byte together (SWAR; no byte is above 0x7F, so
/// no sum carries into the next byte).
#[inline]
fn lower_key(k: u128) -> u128 {
    const ONES: u128 = u128::from_le_bytes([1; KEY]);
    // A byte gets its top bit from `+ 0x3f` when it is at least b'A', and from `+ 0x25`
    // when it is above b'Z'.
    let upper = (k + ONES * 0x3f) & !(k + ONES * 0x25) & (ONES * 0x80);
    k | (upper >> 2)
}

#[inline]
fn has_upper(w: &str) -> bool {
    w.chars().any(|c| c.is_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_in_any_case_and_behind_brackets() {
        for chunk in [
            "https://t.co/x",
            "HTTP://A.DE",
            "www.bahn.de",
            "(https://x.org)",
            "\"www.x",
        ] {
            assert!(is_link(chunk), "{chunk}");
        }
        for chunk in ["http", "https:/x", "wwwx.de", "bahn.de", "xhttp://a", ""] {
            assert!(!is_link(chunk), "{chunk}");
        }
        assert!(has_link("Panne bei der Bahn: https://t.co/x #db"));
        assert!(!has_link("Panne bei der Bahn, siehe Website"));
    }

    #[test]
    fn python_compatible_helpers() {
        assert_eq!(
            py_split(" a\u{1c}b  c\u{a0}d ").collect::<Vec<_>>(),
            ["a", "b", "c", "d"]
        );
        // Agrees with the char-by-char definition on mixed scripts and Unicode spaces.
        for t in [
            "",
            "   ",
            "ä\u{2003}ö\u{3000}😀x\u{85}y\u{2028}",
            "Grüße\t aus\r\nKöln 👍🏽!",
            "\u{a0}lead and trail\u{202f}",
        ] {
            let want: Vec<&str> = t.split(is_py_space).filter(|w| !w.is_empty()).collect();
            assert_eq!(py_split(t).collect::<Vec<_>>(), want, "{t:?}");
        }
        // Every position of a separator in and after a run of eight bytes and more.
        let parts = [
            "abcdefghij",
            " ",
            "\u{7f}",
            "\u{20}",
            "\u{21}",
            "\u{1f}",
            "ä",
            "\u{a0}",
            "\u{85}",
            "😀",
            "\u{0}",
            "\t\n",
        ];
        for i in 0..parts.len() {
            for j in 0..parts.len() {
                for cut in 0..=10 {
                    let t = format!("{}{}{}{}", &parts[0][..cut], parts[i], parts[j], parts[0]);
                    let want: Vec<&str> = t.split(is_py_space).filter(|w| !w.is_empty()).collect();
                    assert_eq!(py_split(&t).collect::<Vec<_>>(), want, "{t:?}");
                }
            }
        }
        for b in 0..0x80u8 {
            assert_eq!(is_ascii_py_space(b), is_py_space(b as char), "{b:#x}");
        }
        for b in 0..=0xffu8 {
            let punct = BYTE_CASE[b as usize] & PUNCT != 0;
            assert_eq!(punct, b.is_ascii_punctuation(), "{b:#x}");
        }
        assert_eq!(strip_punct_if_word("«great»!!"), "«great»");
        assert_eq!(strip_punct_if_word("...ä..."), "...ä...");
        assert_eq!(strip_punct_if_word("'schön'"), "schön");
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
        for (w, lower, upper, apostrophe) in [
            ("ISN'T", "isn't", true, true),
            ("Isn't", "isn't", false, true),
            ("42", "42", false, false),
            ("OK42", "ok42", true, false),
            ("ÄRGER", "ärger", true, false),
            ("ärger", "ärger", false, false),
        ] {
            let c = l.cased(w);
            assert_eq!(
                (c.lower, c.upper, c.apostrophe),
                (lower, upper, apostrophe),
                "{w}"
            );
            assert_eq!(upper, py_isupper(w), "{w}");
        }
        assert!((normalize(4.0) - 4.0 / 31f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn ascii_keys_are_the_lower_cased_word_wherever_it_stands() {
        for t in [
            "Ab",
            "x@[`{AZaz09'.",
            "The QUICK brown fox's jump, isn't it?",
            "ÄRGER über Nichts, OK42 und\u{0}NUL",
        ] {
            let b = t.as_bytes();
            for at in 0..b.len() {
                for len in 0..=(b.len() - at).min(KEY + 1) {
                    let w = &b[at..at + len];
                    let got = ascii_cased(b, at, len);
                    if len == 0 || len > KEY || w.iter().any(|&c| c == 0 || c >= 0x80) {
                        assert!(got.is_none(), "{t} {at} {len}");
                        continue;
                    }
                    let c = got.expect("a short ASCII word");
                    let w = std::str::from_utf8(w).expect("ASCII");
                    assert_eq!(c.key, table_key(w.to_ascii_lowercase().as_bytes()), "{w}");
                    assert_eq!(c.key, ascii_key(b, at, len), "{w}");
                    assert_eq!(c.upper, py_isupper(w), "{w}");
                    assert_eq!(c.apostrophe, w.contains('\''), "{w}");
                }
            }
        }
    }
}
