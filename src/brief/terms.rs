//! The terms of a post that can drive a storm: words, 2–3-word phrases, hashtags, @handles and
//! the domains of shared links, folded to lower case.
//!
//! Invariant: a post yields each term at most once (drivers count posts, not repetitions), no
//! term is a German or English stop word or a bare number, and no term contains a word of the
//! brand's own keywords (a storm about a brand always names the brand; that says nothing).
//! A phrase never spans sentence punctuation or the brand's name, and starts and ends with a
//! content word ("hotline ist tot" is a phrase, "die hotline" is not).

use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;
use serde::{Deserialize, Serialize};

/// What kind of term, as the contract's `drivers[].type` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TermType {
    Word,
    Phrase,
    Hashtag,
    Handle,
    Link,
}

/// One term of a post: its display form and a stable 64-bit key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub kind: TermType,
    pub key: u64,
}

/// The brand's own words, which never count as terms.
#[derive(Debug, Clone, Default)]
pub struct OwnWords {
    words: Vec<String>,
}

impl OwnWords {
    /// Every word of the brand's keywords (`"Nordwind Energie"`, `"#nordwind"` and
    /// `"@nordwind_energie"` give `nordwind`, `energie`, `nordwind_energie`), folded.
    pub fn new(keywords: &[String]) -> Self {
        let mut words = Vec::new();
        for k in keywords {
            for w in k.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                let w = fold(w);
                if !w.is_empty() && !words.contains(&w) {
                    words.push(w.clone());
                }
                // "@nordwind_energie" also names "nordwind" and "energie".
                for part in w.split('_').map(str::to_string).collect::<Vec<_>>() {
                    if !part.is_empty() && !words.contains(&part) {
                        words.push(part);
                    }
                }
            }
        }
        OwnWords { words }
    }

    /// Whether a folded word (or `#tag`, `@handle`) names the brand.
    pub fn contains(&self, folded: &str) -> bool {
        self.is_own(folded)
    }

    fn is_own(&self, folded: &str) -> bool {
        let bare = folded.trim_start_matches(['#', '@']);
        self.words.iter().any(|w| {
            bare == w || (bare.len() > w.len() && bare.starts_with(w.as_str()) && w.len() >= 4)
        })
    }

    pub fn heap_bytes(&self) -> usize {
        self.words.iter().map(|w| w.capacity() + 24).sum()
    }
}

fn fold(s: &str) -> String {
    s.to_lowercase()
}

pub fn key_of(kind: TermType, text: &str) -> u64 {
    let mut h = FxHasher::default();
    (kind as u8).hash(&mut h);
    text.hash(&mut h);
    // FxHash leaves the low bits weak for short keys; mix once.
    let x = h.finish();
    let x = (x ^ (x >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^ (x >> 33)
}

/// The key of a term of `kind` shown as `text` (a driver's term): a word's is its stem's.
pub fn term_key(kind: TermType, text: &str) -> u64 {
    match kind {
        TermType::Word => key_of(kind, stem(text)),
        _ => key_of(kind, text),
    }
}

/// A light stem of a folded word for counting: the German inflection endings (-e, -em, -en,
/// -er, -ern, -es, and -s after a consonant that takes it, as in "Abbuchungs") and English
/// plural -s / -es stripped, as long as four letters remain. Only for grouping a word's forms;
/// nothing displays it.
pub fn stem(w: &str) -> &str {
    const ENDINGS: [&str; 6] = ["ern", "em", "en", "er", "es", "e"];
    let letters = |s: &str| s.chars().count();
    for e in ENDINGS {
        if let Some(s) = w.strip_suffix(e) {
            if letters(s) >= 4 {
                return s;
            }
        }
    }
    if let Some(s) = w.strip_suffix('s') {
        if letters(s) >= 4 && s.ends_with(['b', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'r', 't']) {
            return s;
        }
    }
    w
}

/// A token of running text: a word that may join a phrase (its folded form at
/// `words[start..end]`, and whether it is a content word), or a break.
#[derive(Clone, Copy)]
enum Tok {
    Word { start: u32, end: u32, content: bool },
    Break,
}

/// The domain of a link, without `www.`.
fn domain(link: &str) -> Option<String> {
    let u = url::Url::parse(link.trim_end_matches(['.', ',', ')', '!', '?'])).ok()?;
    let host = u.host_str()?.to_lowercase();
    Some(host.trim_start_matches("www.").to_string())
}

/// Buffers reused from post to post on one thread: extracting terms allocates nothing per
/// word or phrase.
#[derive(Default)]
struct Scratch {
    /// The folded words of the post, one after another.
    words: String,
    toks: Vec<Tok>,
    /// The term being formed (a tag or a phrase).
    term: String,
    keys: Vec<u64>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// [`fold`] appended to `out`; ASCII (most words) without an allocation.
fn fold_onto(s: &str, out: &mut String) {
    if s.is_ascii() {
        let from = out.len();
        out.push_str(s);
        out[from..].make_ascii_lowercase();
    } else {
        out.push_str(&fold(s));
    }
}

/// The terms of `text`, each once, in order of first appearance.
pub fn terms(text: &str, own: &OwnWords) -> Vec<Term> {
    let mut out: Vec<Term> = Vec::new();
    each_term(text, own, &mut |kind, shown, key| {
        if !out.iter().any(|o| o.key == key) {
            out.push(Term {
                text: shown.to_string(),
                kind,
                key,
            });
        }
    });
    out
}

/// The keys of [`terms`] of `text`, in the same order, handed to `f`: what learning a post
/// needs, without a string per term.
pub fn with_term_keys<R>(text: &str, own: &OwnWords, f: impl FnOnce(&[u64]) -> R) -> R {
    let mut keys = SCRATCH.with(|c| {
        c.try_borrow_mut()
            .map(|mut s| std::mem::take(&mut s.keys))
            .unwrap_or_default()
    });
    keys.clear();
    each_term(text, own, &mut |_, _, key| {
        if !keys.contains(&key) {
            keys.push(key);
        }
    });
    let r = f(&keys);
    SCRATCH.with(|c| {
        if let Ok(mut s) = c.try_borrow_mut() {
            s.keys = keys;
        }
    });
    r
}

/// Calls `emit(kind, shown, key)` for every term occurrence of `text` in order (a term may
/// come more than once; the callers keep the first).
fn each_term(text: &str, own: &OwnWords, emit: &mut impl FnMut(TermType, &str, u64)) {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => {
            let s = &mut *s;
            each_term_in(text, own, &mut s.words, &mut s.toks, &mut s.term, emit)
        }
        // Re-entered from `emit` (never done here): fresh buffers.
        Err(_) => each_term_in(
            text,
            own,
            &mut String::new(),
            &mut Vec::new(),
            &mut String::new(),
            emit,
        ),
    })
}

fn each_term_in(
    text: &str,
    own: &OwnWords,
    words: &mut String,
    toks: &mut Vec<Tok>,
    buf: &mut String,
    emit: &mut impl FnMut(TermType, &str, u64),
) {
    words.clear();
    toks.clear();
    let push_word = |w: &str, words: &mut String, toks: &mut Vec<Tok>| {
        let start = words.len();
        fold_onto(w, words);
        let f = &words[start..];
        // Words of the brand break phrases like punctuation does.
        if own.is_own(f) {
            words.truncate(start);
            toks.push(Tok::Break);
        } else {
            let content = is_content(f);
            toks.push(Tok::Word {
                start: start as u32,
                end: words.len() as u32,
                content,
            });
        }
    };
    for raw in text.split_whitespace() {
        if raw.starts_with("http://") || raw.starts_with("https://") {
            if let Some(d) = domain(raw) {
                emit(TermType::Link, &d, key_of(TermType::Link, &d));
            }
            toks.push(Tok::Break);
            continue;
        }
        if let Some(rest) = raw.strip_prefix(['#', '@']) {
            let len = rest
                .char_indices()
                .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
                .map_or(rest.len(), |(i, _)| i);
            let name = &rest[..len];
            if name.chars().count() >= 2 {
                let sigil = &raw[..1];
                buf.clear();
                buf.push_str(sigil);
                fold_onto(name, buf);
                if !own.is_own(buf) {
                    let kind = if sigil == "#" {
                        TermType::Hashtag
                    } else {
                        TermType::Handle
                    };
                    emit(kind, buf, key_of(kind, buf));
                }
            }
            toks.push(Tok::Break);
            continue;
        }
        // Split a whitespace token into words and sentence marks: "Energie:" is a word and a
        // break, "Abbuchungs-Chaos" one word.
        let mut start: Option<usize> = None;
        for (i, c) in raw.char_indices() {
            if c.is_alphanumeric() || ((c == '-' || c == '\'' || c == '’') && start.is_some()) {
                start.get_or_insert(i);
            } else {
                if let Some(st) = start.take() {
                    push_word(raw[st..i].trim_end_matches(['-', '\'', '’']), words, toks);
                }
                if is_break(c) {
                    toks.push(Tok::Break);
                }
            }
        }
        if let Some(st) = start {
            push_word(raw[st..].trim_end_matches(['-', '\'', '’']), words, toks);
        }
    }
    let word_at = |t: Option<&Tok>| match t {
        Some(&Tok::Word {
            start,
            end,
            content,
        }) => Some((&words[start as usize..end as usize], content)),
        _ => None,
    };
    for i in 0..toks.len() {
        let Some((w, true)) = word_at(toks.get(i)) else {
            continue;
        };
        emit(TermType::Word, w, key_of(TermType::Word, stem(w)));
        // The parts of a hyphenated compound count as words of their own: "Abbuchungs-Chaos"
        // is about Abbuchungen and about chaos.
        if w.contains('-') {
            for part in w.split('-').filter(|p| is_content(p)) {
                emit(TermType::Word, part, key_of(TermType::Word, stem(part)));
            }
        }
        if let Some((b, b_content)) = word_at(toks.get(i + 1)) {
            if b_content {
                buf.clear();
                buf.push_str(w);
                buf.push(' ');
                buf.push_str(b);
                emit(TermType::Phrase, buf, key_of(TermType::Phrase, buf));
            }
            if let Some((cw, true)) = word_at(toks.get(i + 2)) {
                if b.chars().count() >= 2 {
                    buf.clear();
                    buf.push_str(w);
                    buf.push(' ');
                    buf.push_str(b);
                    buf.push(' ');
                    buf.push_str(cw);
                    emit(TermType::Phrase, buf, key_of(TermType::Phrase, buf));
                }
            }
        }
    }
}

/// A word that can carry meaning: three letters or more, not only digits, not a stop word.
/// Punctuation that ends a phrase: no 2–3-word phrase spans it.
fn is_break(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | '(' | ')' | '"' | '„' | '“' | '”' | '–' | '—' | '…'
    )
}

fn is_content(w: &str) -> bool {
    w.chars().count() >= 3 && !w.chars().all(|c| c.is_ascii_digit()) && !is_stop(w)
}

fn is_stop(w: &str) -> bool {
    STOP_DE.binary_search(&w).is_ok() || STOP_EN.binary_search(&w).is_ok()
}

/// German stop words (sorted, for binary search): articles, pronouns, auxiliaries,
/// prepositions, conjunctions, particles.
const STOP_DE: &[&str] = &[
    "aber", "alle", "allem", "allen", "aller", "alles", "als", "also", "am", "an", "ander",
    "andere", "anderen", "anderer", "anderes", "auch", "auf", "aus", "bei", "beim", "bin", "bis",
    "bist", "bitte", "bzw", "da", "dabei", "dadurch", "dafür", "dagegen", "daher", "damit", "dann",
    "daran", "darauf", "darum", "das", "dass", "dazu", "dein", "deine", "dem", "den", "denn",
    "der", "des", "deshalb", "dich", "die", "dies", "diese", "diesem", "diesen", "dieser",
    "dieses", "dir", "doch", "dort", "du", "durch", "ein", "eine", "einem", "einen", "einer",
    "eines", "einfach", "einmal", "er", "erst", "es", "etwa", "etwas", "euch", "euer", "eure",
    "für", "gab", "gar", "gegen", "gibt", "ging", "habe", "haben", "hat", "hatte", "hatten",
    "heute", "hier", "hin", "hinter", "ich", "ihm", "ihn", "ihnen", "ihr", "ihre", "ihrem",
    "ihren", "ihrer", "im", "immer", "in", "ins", "ist", "ja", "jede", "jedem", "jeden", "jeder",
    "jedes", "jetzt", "kann", "kein", "keine", "keinem", "keinen", "keiner", "können", "mal",
    "man", "mehr", "mein", "meine", "meinem", "meinen", "meiner", "mich", "mir", "mit", "muss",
    "nach", "nicht", "nichts", "noch", "nun", "nur", "ob", "oder", "ohne", "schon", "sehr", "sein",
    "seine", "seinem", "seinen", "seiner", "seit", "sich", "sie", "sind", "so", "soll", "sollte",
    "sondern", "statt", "um", "und", "uns", "unser", "unsere", "unter", "viel", "vom", "von",
    "vor", "wann", "war", "waren", "warum", "was", "weil", "welche", "wenn", "wer", "werden",
    "wie", "wieder", "will", "wir", "wird", "wo", "wurde", "wurden", "zu", "zum", "zur", "über",
];

/// English stop words (sorted).
const STOP_EN: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "been", "being", "but", "by", "can", "could", "did", "do", "does", "doing", "for",
    "from", "had", "has", "have", "having", "he", "her", "here", "him", "his", "how", "i", "i'm",
    "if", "in", "into", "is", "it", "it's", "its", "just", "me", "more", "most", "my", "no", "not",
    "now", "of", "on", "once", "only", "or", "other", "our", "out", "over", "own", "same", "she",
    "should", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very",
    "was", "we", "were", "what", "when", "where", "which", "while", "who", "why", "will", "with",
    "would", "you", "your",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn own() -> OwnWords {
        OwnWords::new(&[
            "Nordwind Energie".into(),
            "#nordwind".into(),
            "@nordwind_energie".into(),
        ])
    }

    fn texts(t: &str) -> Vec<String> {
        terms(t, &own()).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn stop_lists_are_sorted() {
        for l in [STOP_DE, STOP_EN] {
            assert!(
                l.windows(2).all(|w| w[0] < w[1]),
                "{:?}",
                l.windows(2).find(|w| w[0] >= w[1])
            );
        }
    }

    #[test]
    fn words_phrases_and_marks() {
        let t = texts(
            "Skandal bei Nordwind Energie: tausende Kunden doppelt abgebucht und die Hotline ist tot. #Abzocke @verbraucherzentrale https://www.tagesschau.de/x",
        );
        for want in [
            "skandal",
            "doppelt abgebucht",
            "hotline ist tot",
            "#abzocke",
            "@verbraucherzentrale",
            "tagesschau.de",
        ] {
            assert!(t.contains(&want.to_string()), "{want} missing in {t:?}");
        }
        for never in [
            "nordwind",
            "energie",
            "die hotline",
            "und",
            "skandal bei",
            "abgebucht und",
        ] {
            assert!(!t.contains(&never.to_string()), "{never} in {t:?}");
        }
    }

    #[test]
    fn the_brand_never_counts() {
        let t = texts("#nordwind @nordwind_energie #NordwindEnergie nordwind-energie nervt");
        assert_eq!(t, vec!["nervt"], "{t:?}");
    }

    #[test]
    fn the_forms_of_a_word_are_one_term() {
        let key = |t: &str| {
            terms(t, &own())
                .into_iter()
                .find(|x| {
                    x.kind == TermType::Word
                        && x.text.starts_with("abbuchung")
                        && !x.text.contains('-')
                })
                .map(|x| x.key)
        };
        let one = key("die Abbuchung war falsch").unwrap();
        assert_eq!(key("Chaos bei den Abbuchungen"), Some(one));
        assert_eq!(key("das Abbuchungs-Chaos"), Some(one));
        assert!(texts("das Abbuchungs-Chaos").contains(&"chaos".to_string()));
        // Short words and words whose s is their own stay apart.
        assert_eq!(stem("preis"), "preis");
        assert_eq!(stem("minus"), "minus");
        assert_eq!(stem("tote"), "tote");
        assert_eq!(stem("charges"), stem("charge"));
    }

    #[test]
    fn a_post_gives_each_term_once() {
        let t = texts("Abzocke! Abzocke! Abzocke!");
        assert_eq!(t, vec!["abzocke"]);
    }
    /// The extraction as it was before it shared buffers (a `String` per word and term):
    /// the reference the buffered one must agree with, term for term.
    fn term(kind: TermType, text: String) -> Term {
        Term {
            key: key_of(kind, &text),
            text,
            kind,
        }
    }
    fn word(text: String) -> Term {
        Term {
            key: key_of(TermType::Word, stem(&text)),
            text,
            kind: TermType::Word,
        }
    }
    enum OldTok {
        Word(String),
        Break,
    }
    fn reference(text: &str, own: &OwnWords) -> Vec<Term> {
        let mut out: Vec<Term> = Vec::new();
        let push = |t: Term, out: &mut Vec<Term>| {
            if !out.iter().any(|o| o.key == t.key) {
                out.push(t);
            }
        };
        let mut toks: Vec<OldTok> = Vec::new();
        for raw in text.split_whitespace() {
            if raw.starts_with("http://") || raw.starts_with("https://") {
                if let Some(d) = domain(raw) {
                    push(term(TermType::Link, d), &mut out);
                }
                toks.push(OldTok::Break);
                continue;
            }
            if let Some(rest) = raw.strip_prefix(['#', '@']) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let folded = fold(&name);
                if name.chars().count() >= 2 {
                    let sigil = &raw[..1];
                    let full = format!("{sigil}{folded}");
                    if !own.is_own(&full) {
                        let kind = if sigil == "#" {
                            TermType::Hashtag
                        } else {
                            TermType::Handle
                        };
                        push(term(kind, full), &mut out);
                    }
                }
                toks.push(OldTok::Break);
                continue;
            }
            // Split a whitespace token into words and sentence marks: "Energie:" is a word and a
            // break, "Abbuchungs-Chaos" one word.
            let mut word = String::new();
            for c in raw.chars() {
                if c.is_alphanumeric() || ((c == '-' || c == '\'' || c == '’') && !word.is_empty())
                {
                    word.push(c);
                } else {
                    if !word.is_empty() {
                        toks.push(OldTok::Word(fold(word.trim_end_matches(['-', '\'', '’']))));
                        word.clear();
                    }
                    if is_break(c) {
                        toks.push(OldTok::Break);
                    }
                }
            }
            if !word.is_empty() {
                toks.push(OldTok::Word(fold(word.trim_end_matches(['-', '\'', '’']))));
            }
        }
        // Words of the brand break phrases like punctuation does.
        let toks: Vec<OldTok> = toks
            .into_iter()
            .map(|t| match t {
                OldTok::Word(w) if own.is_own(&w) => OldTok::Break,
                t => t,
            })
            .collect();
        let content = |t: &OldTok| matches!(t, OldTok::Word(w) if is_content(w));
        for (i, t) in toks.iter().enumerate() {
            let OldTok::Word(w) = t else { continue };
            if !is_content(w) {
                continue;
            }
            push(word(w.clone()), &mut out);
            // The parts of a hyphenated compound count as words of their own: "Abbuchungs-Chaos"
            // is about Abbuchungen and about chaos.
            if w.contains('-') {
                for part in w.split('-').filter(|p| is_content(p)) {
                    push(word(part.to_string()), &mut out);
                }
            }
            if let Some(OldTok::Word(b)) = toks.get(i + 1) {
                if is_content(b) {
                    push(term(TermType::Phrase, format!("{w} {b}")), &mut out);
                }
                if let Some(c @ OldTok::Word(cw)) = toks.get(i + 2) {
                    if content(c) && b.chars().count() >= 2 {
                        push(term(TermType::Phrase, format!("{w} {b} {cw}")), &mut out);
                    }
                }
            }
        }
        out
    }

    const PIECES: &[&str] = &[
        "Nordwind",
        "Energie",
        "Abbuchungs-Chaos",
        "Hotline",
        "ist",
        "tot",
        "die",
        " ",
        " ",
        ".",
        ",",
        "!",
        "#Abzocke",
        "@verbraucher",
        "#nordwind",
        "https://www.tagesschau.de/x",
        "ÄRGER",
        "über",
        "Preise",
        "1234",
        "it's",
        "don’t",
        "-",
        "'",
        "Straße",
        "ΣΟΦΟΣ",
        "\u{200B}",
        "x",
        "ab",
        "@a",
        "#Ö1",
        "Kunden-",
        "doppelt",
    ];

    proptest::proptest! {
        #[test]
        fn buffered_extraction_agrees_with_the_reference(
            pieces in proptest::collection::vec(0..PIECES.len(), 0..24),
        ) {
            let text: String = pieces.iter().map(|&i| PIECES[i]).collect();
            let own = own();
            let got = terms(&text, &own);
            let want = reference(&text, &own);
            proptest::prop_assert_eq!(&got, &want, "{:?}", text);
            let keys = with_term_keys(&text, &own, |k| k.to_vec());
            let want_keys: Vec<u64> = want.iter().map(|t| t.key).collect();
            proptest::prop_assert_eq!(keys, want_keys);
        }
    }
}
