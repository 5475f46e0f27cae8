//! The features of the learned layer: hashed word unigrams and bigrams, character 3- to
//! 5-grams inside words, and a few dense features that describe what the lexicon said.
//!
//! Invariant: a feature's hash depends only on this file (our own FNV-1a 64 with a fixed
//! seed and a fixed finaliser), never on the platform, the Rust version or a random state, so
//! a model file trained once stays valid everywhere. Changing what is hashed or how means
//! raising [`FEATURE_SET_VERSION`], which makes old model files refuse to load instead of
//! silently scoring garbage. Extraction streams over the text and calls back per feature; it
//! never allocates.

use super::super::{text, Label};

/// The version of everything in this file that a model's weights depend on.
pub const FEATURE_SET_VERSION: u8 = 1;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
/// Mixed into FNV's offset basis so our hashes are not those of every other FNV user.
const SEED: u64 = 0x5354_5552_4d47_4c53;

/// Words longer than this are spam, base64 or URLs without a scheme: their character
/// n-grams say nothing and would only cost time.
const MAX_CHARGRAM_WORD: usize = 64;

/// FNV-1a 64 over bytes, finished with a 64-bit avalanche so that `hash % buckets` uses
/// every bit of the hash, not just FNV's weak low bits.
#[derive(Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Fnv {
    /// A hasher for one kind of feature; the kind byte keeps kinds apart.
    pub const fn new(kind: u8) -> Fnv {
        Fnv(((FNV_OFFSET ^ SEED) ^ kind as u64).wrapping_mul(FNV_PRIME))
    }
    #[inline]
    pub fn byte(&mut self, b: u8) {
        self.0 ^= u64::from(b);
        self.0 = self.0.wrapping_mul(FNV_PRIME);
    }
    #[inline]
    pub fn bytes(&mut self, bs: &[u8]) {
        for b in bs {
            self.byte(*b);
        }
    }
    #[inline]
    pub fn char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.bytes(c.encode_utf8(&mut buf).as_bytes());
    }
    /// Feeds the Unicode lower-case form of `s`.
    #[inline]
    pub fn lower(&mut self, s: &str) {
        if s.is_ascii() {
            for b in s.bytes() {
                self.byte(b.to_ascii_lowercase());
            }
            return;
        }
        for c in s.chars() {
            if c.is_ascii() {
                self.byte(c.to_ascii_lowercase() as u8);
            } else if let Some(l) = latin1_lower(c) {
                self.char(l);
            } else {
                for l in c.to_lowercase() {
                    self.char(l);
                }
            }
        }
    }
    #[inline]
    pub fn finish(self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// One token of a post. Words, emoji, emoticons and `!`/`?` runs are kept; URLs, mentions
/// and numbers become placeholders, because their exact value never generalises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// Before the first token, so the first word also forms a bigram.
    Start,
    Word(&'a str),
    Number,
    Url,
    User,
    /// A run of `!` and `?`, cut to its first three characters (`!!!!!` = `!!!`).
    Marks(&'a str),
    Emoji(char),
    Emoticon(&'a str),
}

impl Token<'_> {
    fn hash(self) -> u64 {
        let mut h = Fnv::new(b't');
        match self {
            Token::Start => h.bytes(b"\x00start"),
            Token::Word(w) => {
                h.byte(b'w');
                h.lower(w);
            }
            Token::Number => h.bytes(b"\x00num"),
            Token::Url => h.bytes(b"\x00url"),
            Token::User => h.bytes(b"\x00user"),
            Token::Marks(m) => {
                h.byte(b'!');
                h.bytes(m.as_bytes());
            }
            Token::Emoji(c) => {
                h.byte(b'e');
                h.char(c);
            }
            Token::Emoticon(e) => {
                h.byte(b':');
                h.lower(e);
            }
        }
        h.finish()
    }

    /// How `explain` shows the token.
    pub fn display(self) -> String {
        match self {
            Token::Start => "<start>".into(),
            Token::Word(w) => w.to_lowercase(),
            Token::Number => "<number>".into(),
            Token::Url => "<url>".into(),
            Token::User => "<@user>".into(),
            Token::Marks(m) => m.into(),
            Token::Emoji(c) => c.into(),
            Token::Emoticon(e) => e.to_lowercase(),
        }
    }
}

/// Splits a post into tokens without allocating.
pub(crate) struct Tokens<'a> {
    chunks: std::str::SplitWhitespace<'a>,
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    pub fn new(text: &'a str) -> Self {
        Tokens {
            chunks: text.split_whitespace(),
            rest: "",
        }
    }
}

/// Pictographs and symbols: the blocks where emoji live (skin-tone modifiers excluded, they
/// only repeat the emoji before them).
fn is_emoji(c: char) -> bool {
    let u = c as u32;
    ((0x2190..=0x2bff).contains(&u) || (0x1f000..=0x1faff).contains(&u))
        && !(0x1f3fb..=0x1f3ff).contains(&u)
}

fn is_emoticon(chunk: &str) -> bool {
    (2..=4).contains(&chunk.len())
        && chunk.contains([':', ';', '='])
        && chunk.chars().all(|c| ":;=-'^()[]/\\|*DPpOo3<>".contains(c))
}

/// A whitespace-separated chunk that is one token as a whole.
fn whole(chunk: &str) -> Option<Token<'_>> {
    if text::is_link(chunk) {
        return Some(Token::Url);
    }
    if let Some(handle) = text::strip_openers(chunk).strip_prefix('@') {
        if handle.chars().next().is_some_and(is_word_char) {
            return Some(Token::User);
        }
    }
    if is_emoticon(chunk) {
        return Some(Token::Emoticon(chunk));
    }
    None
}

/// The length of the longest prefix of `s` whose characters satisfy `pred`.
#[inline]
fn take_while(s: &str, pred: impl Fn(char) -> bool) -> usize {
    s.find(|c| !pred(c)).unwrap_or(s.len())
}

fn is_word_char(c: char) -> bool {
    if c <= '\u{ff}' {
        // Latin-1 holds German's umlauts and ß, for which `is_alphanumeric` would search
        // Unicode's tables: its letters and the digits, fractions and superscripts.
        return c.is_ascii_alphanumeric()
            || c == '_'
            || matches!(c, 'ª' | 'µ' | 'º' | '²' | '³' | '¹' | '¼'..='¾')
            || (c >= 'À' && c != '×' && c != '÷');
    }
    c.is_alphanumeric()
}

/// The lower-case form of a non-ASCII Latin-1 character (`None` above U+00FF), which is a
/// single character there: German's umlauts need no search in Unicode's case table.
#[inline]
fn latin1_lower(c: char) -> Option<char> {
    match c {
        'À'..='Ö' | 'Ø'..='Þ' => char::from_u32(c as u32 + 0x20),
        '\u{80}'..='\u{ff}' => Some(c),
        _ => None,
    }
}

/// The length of the word that starts `s`: [`take_while`] with [`is_word_char`], reading
/// ASCII bytes directly (most words are ASCII) and characters only from the first
/// non-ASCII byte on.
#[inline]
fn word_end(s: &str) -> usize {
    let ascii = s
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'_'))
        .unwrap_or(s.len());
    if ascii < s.len() && !s.as_bytes()[ascii].is_ascii() {
        ascii + take_while(&s[ascii..], is_word_char)
    } else {
        ascii
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            if self.rest.is_empty() {
                let chunk = self.chunks.next()?;
                if let Some(t) = whole(chunk) {
                    return Some(t);
                }
                self.rest = chunk;
            }
            let s = self.rest;
            let Some(c) = s.chars().next() else {
                continue;
            };
            if is_word_char(c) {
                let end = word_end(s);
                self.rest = &s[end..];
                let w = &s[..end];
                return Some(if w.bytes().all(|b| b.is_ascii_digit()) {
                    Token::Number
                } else {
                    Token::Word(w)
                });
            }
            if c == '!' || c == '?' {
                let end = take_while(s, |c| c == '!' || c == '?');
                self.rest = &s[end..];
                return Some(Token::Marks(&s[..end.min(3)]));
            }
            self.rest = &s[c.len_utf8()..];
            if is_emoji(c) {
                return Some(Token::Emoji(c));
            }
        }
    }
}

/// Which normalisation group a feature belongs to: word features and character n-grams are
/// each scaled by 1/sqrt(count), so that the many n-grams of a post do not drown its words.
pub(crate) const GROUPS: usize = 2;
/// The group of word unigrams and bigrams.
pub(crate) const WORD_GROUP: usize = 0;
/// The group of character n-grams.
pub(crate) const CHAR_GROUP: usize = 1;

/// The factor on each feature of a group that has `count` features in a post: 1/sqrt(count).
/// Training, prediction and explanation must agree on it.
pub(crate) fn group_scale(count: u32) -> f32 {
    if count > 0 {
        1.0 / (count as f32).sqrt()
    } else {
        0.0
    }
}

/// One hashed feature, with what it was made of (for `explain`; building it costs nothing).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Feature<'a> {
    Unigram(Token<'a>),
    Bigram(Token<'a>, Token<'a>),
    /// Up to five characters of a word with `<` and `>` marking its ends; `.1` is the length.
    Chars([char; 5], u8),
}

impl Feature<'_> {
    pub fn group(&self) -> usize {
        match self {
            Feature::Unigram(_) | Feature::Bigram(..) => WORD_GROUP,
            Feature::Chars(..) => CHAR_GROUP,
        }
    }

    pub fn display(&self) -> String {
        match self {
            Feature::Unigram(t) => format!("word {:?}", t.display()),
            Feature::Bigram(a, b) => {
                format!("words {:?}", format!("{} {}", a.display(), b.display()))
            }
            Feature::Chars(cs, n) => {
                format!(
                    "chars {:?}",
                    cs[..usize::from(*n)].iter().collect::<String>()
                )
            }
        }
    }
}

/// Where [`walk`] sends a post's features.
pub(crate) trait Sink<'a> {
    /// Called with each word's token hash before the word's unigram; `true` skips the unigram
    /// and the word's character n-grams, because the sink has accounted for them itself (the
    /// model's word table).
    fn word(&mut self, hash: u64) -> bool;
    /// Called with a word's token hash as soon as it is known, before its unigram and
    /// bigram: time to start loading what [`Sink::word`] will look up.
    #[inline(always)]
    fn word_ahead(&mut self, _hash: u64) {}
    fn feature(&mut self, hash: u64, f: Feature<'a>);
}

/// Calls `emit(hash, feature)` for every feature of `text`, in order; a feature that occurs
/// twice is emitted twice.
pub(crate) fn for_each<'a>(text: &'a str, emit: impl FnMut(u64, Feature<'a>)) {
    struct Every<F>(F);
    impl<'a, F: FnMut(u64, Feature<'a>)> Sink<'a> for Every<F> {
        #[inline(always)]
        fn word(&mut self, _: u64) -> bool {
            false
        }
        #[inline(always)]
        fn feature(&mut self, hash: u64, f: Feature<'a>) {
            (self.0)(hash, f)
        }
    }
    walk(text, &mut Every(emit));
}

/// Like [`for_each`], but a sink may take a word's unigram and character n-grams as a whole.
#[inline(always)]
pub(crate) fn walk<'a>(text: &'a str, sink: &mut impl Sink<'a>) {
    let mut prev = Token::Start;
    let mut prev_hash = Token::Start.hash();
    for tok in Tokens::new(text) {
        let h = tok.hash();
        let is_word = matches!(tok, Token::Word(_));
        if is_word {
            sink.word_ahead(h);
        }
        // Hashed before the look-up, so the prefetched slot has time to arrive; emitted after
        // the unigram, the order `for_each` promises.
        let mut b = Fnv::new(b'b');
        b.bytes(&prev_hash.to_le_bytes());
        b.bytes(&h.to_le_bytes());
        let known = is_word && sink.word(h);
        if !known {
            sink.feature(unigram_hash(h), Feature::Unigram(tok));
        }
        sink.feature(b.finish(), Feature::Bigram(prev, tok));
        if let Token::Word(w) = tok {
            if !known {
                char_grams(w, &mut |hash, f| sink.feature(hash, f));
            }
        }
        prev = tok;
        prev_hash = h;
    }
}

/// The hash of the unigram feature of the token whose hash is `token`.
#[inline]
pub(crate) fn unigram_hash(token: u64) -> u64 {
    let mut u = Fnv::new(b'u');
    u.bytes(&token.to_le_bytes());
    u.finish()
}

/// The words of `text` with their token hashes, the key of a model's word table.
pub(crate) fn words(text: &str) -> impl Iterator<Item = (u64, &str)> {
    Tokens::new(text).filter_map(|t| match t {
        Token::Word(w) => Some((t.hash(), w)),
        _ => None,
    })
}

/// The token hash of a word, as [`words`] gives it.
pub(crate) fn word_hash(word: &str) -> u64 {
    Token::Word(word).hash()
}

/// Calls `emit` for each character n-gram of one word, as [`for_each`] would.
pub(crate) fn word_grams<'a>(word: &'a str, mut emit: impl FnMut(u64, Feature<'a>)) {
    char_grams(word, &mut emit);
}

/// The 3-, 4- and 5-grams of `<word>`, in the order of their last character and, for each
/// last character, shortest first.
///
/// Each gram is hashed from its first character on, so the grams that start at one position
/// share a prefix: one running hash per start (at most five are live) takes each character
/// once, instead of every gram rehashing its three to five characters.
#[inline(always)]
fn char_grams<'a>(word: &str, emit: &mut impl FnMut(u64, Feature<'a>)) {
    if word.chars().any(|c| c.is_numeric()) && !word.chars().any(char::is_alphabetic) {
        return;
    }
    let mut grams = Grams::new();
    grams.push('<', emit);
    for c in word.chars().take(MAX_CHARGRAM_WORD) {
        // Most characters are ASCII: `to_lowercase` would search Unicode's case table for
        // each of them, which cost a third of learned scoring. `Fnv::lower` has the same
        // fast path; sharing one helper through a closure measured 10% slower here.
        if c.is_ascii() {
            grams.push(c.to_ascii_lowercase(), emit);
        } else if let Some(l) = latin1_lower(c) {
            grams.push(l, emit);
        } else {
            for l in c.to_lowercase() {
                grams.push(l, emit);
            }
        }
    }
    grams.push('>', emit);
}

/// The last five characters of a word and the running hashes of the grams that start at
/// each of them.
struct Grams {
    win: [char; 5],
    running: [Fnv; 5],
    len: usize,
}

impl Grams {
    const START: Fnv = Fnv::new(b'c');

    fn new() -> Grams {
        Grams {
            win: ['\0'; 5],
            running: [Self::START; 5],
            len: 0,
        }
    }

    /// Takes the next character and emits the grams that end with it, shortest first.
    /// Inlined into the caller's `emit` so that scoring keeps its sums in registers: as a
    /// call per character it cost a tenth of learned scoring.
    #[inline(always)]
    fn push<'a>(&mut self, c: char, emit: &mut impl FnMut(u64, Feature<'a>)) {
        let len = if self.len == self.win.len() {
            // Shifted by hand: `rotate_left` is written for any slice and cost more than the
            // four moves of each array.
            for i in 1..self.win.len() {
                self.win[i - 1] = self.win[i];
                self.running[i - 1] = self.running[i];
            }
            self.len
        } else {
            self.len += 1;
            self.len
        };
        self.win[len - 1] = c;
        self.running[len - 1] = Self::START;
        let mut buf = [0u8; 4];
        let bytes = c.encode_utf8(&mut buf).as_bytes();
        for h in &mut self.running[..len] {
            h.bytes(bytes);
        }
        for n in 3..=len {
            let mut shown = ['\0'; 5];
            shown[..n].copy_from_slice(&self.win[len - n..len]);
            emit(
                self.running[len - n].finish(),
                Feature::Chars(shown, n as u8),
            );
        }
    }
}

/// What the lexicon said about a post, in the model's language.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LexiconView {
    /// The lexicon score, clamped to [-1, 1].
    pub score: f64,
    /// How many tokens the lexicon knew.
    pub hits: u32,
    /// The label the lexicon's thresholds give.
    pub label: Label,
}

/// Edges of the lexicon-score bins; the bins are (-inf, e0], (e0, e1], ..., (e7, inf).
const BIN_EDGES: [f64; 8] = [-0.6, -0.3, -0.1, -0.02, 0.02, 0.1, 0.3, 0.6];

/// The dense features: bias, the raw lexicon score, its bin, the lexicon's label and how many
/// words it knew. They let the model learn where the lexicon is right and correct it where it
/// is not, instead of relearning from a few thousand posts what the lexicon already knows.
pub(crate) const DENSE: usize = 1 + 1 + (BIN_EDGES.len() + 1) + 3 + 3;

/// The dense feature vector of a post.
pub(crate) fn dense(lex: &LexiconView) -> [f32; DENSE] {
    let mut v = [0f32; DENSE];
    v[0] = 1.0;
    v[1] = lex.score as f32;
    let bin = BIN_EDGES.iter().take_while(|e| lex.score > **e).count();
    v[2 + bin] = 1.0;
    let base = 2 + BIN_EDGES.len() + 1;
    v[base + label_index(lex.label)] = 1.0;
    v[base + 3 + (lex.hits.min(2) as usize)] = 1.0;
    v
}

/// How `explain` names dense feature `i`.
pub(crate) fn dense_name(i: usize, lex: &LexiconView) -> String {
    let base = 2 + BIN_EDGES.len() + 1;
    match i {
        0 => "bias".into(),
        1 => format!("lexicon score {:+.3}", lex.score),
        i if i < base => {
            let b = i - 2;
            let lo = if b == 0 {
                f64::NEG_INFINITY
            } else {
                BIN_EDGES[b - 1]
            };
            let hi = BIN_EDGES.get(b).copied().unwrap_or(f64::INFINITY);
            format!("lexicon score in ({lo}, {hi}]")
        }
        i if i < base + 3 => format!("lexicon label {}", lex.label.as_str()),
        i => match i - base - 3 {
            0 => "lexicon knew no word".into(),
            1 => "lexicon knew one word".into(),
            _ => "lexicon knew 2+ words".into(),
        },
    }
}

/// The class order of model weights and probabilities.
pub(crate) const CLASSES: [Label; 3] = [Label::Negative, Label::Neutral, Label::Positive];

pub(crate) fn label_index(l: Label) -> usize {
    match l {
        Label::Negative => 0,
        Label::Neutral => 1,
        Label::Positive => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(text: &str) -> Vec<u64> {
        let mut v = Vec::new();
        for_each(text, |h, _| v.push(h));
        v
    }

    fn names(text: &str) -> Vec<String> {
        let mut v = Vec::new();
        for_each(text, |_, f| v.push(f.display()));
        v
    }

    #[test]
    fn the_hash_is_pinned() {
        // Model files depend on these exact values: if this fails, the hash changed and
        // FEATURE_SET_VERSION must be raised.
        let mut h = Fnv::new(b'w');
        h.lower("Funkloch");
        assert_eq!(h.finish(), 14612620931458925088);
        assert_eq!(Token::Word("Funkloch").hash(), 8766372406745957844);
        assert_eq!(hashes("Funkloch")[0], 17761929696680942190);
    }

    #[test]
    fn features_ignore_case() {
        assert_eq!(hashes("FUNKLOCH Überall"), hashes("funkloch überall"));
        assert_ne!(hashes("funkloch"), hashes("funklock"));
    }

    #[test]
    fn tokens_keep_emoji_marks_and_placeholders() {
        let toks: Vec<Token> = Tokens::new(
            "RT @nordwind: Schon wieder ein Funkloch!!!! 😡😡 https://t.co/x :( 2024 Kunden-Service?",
        )
        .collect();
        assert_eq!(
            toks,
            [
                Token::Word("RT"),
                Token::User,
                Token::Word("Schon"),
                Token::Word("wieder"),
                Token::Word("ein"),
                Token::Word("Funkloch"),
                Token::Marks("!!!"),
                Token::Emoji('😡'),
                Token::Emoji('😡'),
                Token::Url,
                Token::Emoticon(":("),
                Token::Number,
                Token::Word("Kunden"),
                Token::Word("Service"),
                Token::Marks("?"),
            ]
        );
    }

    #[test]
    fn the_ascii_word_scan_agrees_with_the_char_scan() {
        for s in [
            "abc",
            "abc def",
            "Straße!",
            "Kunden_Service-Katastrophe",
            "ab😡",
            "x2y\u{a0}z",
            "Ärger",
            "über",
            "naïve",
            "a",
        ] {
            assert_eq!(word_end(s), take_while(s, is_word_char), "{s}");
        }
    }

    #[test]
    fn latin1_shortcuts_agree_with_unicode() {
        for c in (0u32..0x100).filter_map(char::from_u32) {
            assert_eq!(is_word_char(c), c.is_alphanumeric() || c == '_', "{c:?}");
            if !c.is_ascii() {
                let unicode: Vec<char> = c.to_lowercase().collect();
                assert_eq!(latin1_lower(c).map(|l| vec![l]), Some(unicode), "{c:?}");
            }
        }
        assert_eq!(latin1_lower('Ā'), None);
    }

    #[test]
    fn char_grams_have_boundaries() {
        let n = names("Abc");
        assert!(n.contains(&"chars \"<ab\"".to_string()), "{n:?}");
        assert!(n.contains(&"chars \"<abc>\"".to_string()), "{n:?}");
        assert!(n.contains(&"chars \"bc>\"".to_string()), "{n:?}");
        assert!(n.contains(&"words \"<start> abc\"".to_string()), "{n:?}");
    }

    #[test]
    fn char_gram_hashes_are_those_of_their_characters() {
        // The running hashes must give exactly what hashing each gram alone gives: model
        // files depend on it.
        for text in [
            "Abc",
            "Kundenservice-Katastrophe",
            "ÄRGERLICH straße",
            "xy",
            "İstanbul",
        ] {
            let mut seen = 0;
            for_each(text, |h, f| {
                if let Feature::Chars(cs, n) = f {
                    let mut alone = Fnv::new(b'c');
                    for c in &cs[..usize::from(n)] {
                        alone.char(*c);
                    }
                    assert_eq!(h, alone.finish(), "{text}: {}", f.display());
                    seen += 1;
                }
            });
            assert!(seen > 0, "{text}");
        }
        // And pinned: "<fu", "fun", "<fun" of "Funk".
        assert_eq!(
            hashes("Funk")[2..5],
            [
                12381892012158828385,
                5713816133971932043,
                1414245192191175824
            ]
        );
    }

    #[test]
    fn odd_texts_do_not_panic() {
        assert!(hashes("").is_empty());
        assert!(hashes("   \n\t ").is_empty());
        assert_eq!(hashes("😡👍🏻").len(), 4);
        let long = "ä".repeat(100_000) + " " + &"x!?".repeat(10_000);
        assert!(!hashes(&long).is_empty());
        assert!(!hashes("İ\u{0130}ﬃ").is_empty());
    }

    #[test]
    fn dense_features_are_one_hot_per_group() {
        let v = dense(&LexiconView {
            score: -0.45,
            hits: 3,
            label: Label::Negative,
        });
        assert_eq!(v.iter().filter(|x| **x == 1.0).count(), 4);
        assert_eq!(v[1], -0.45);
        assert_eq!(v[2 + 1], 1.0);
    }
}
