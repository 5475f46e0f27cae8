//! Terms: one thing a brand's keywords or query looks for, and the spellings it is found in.
//!
//! Invariant: a term is stored folded (see [`super::fold`]), so two terms that match the same
//! texts compare equal, and [`Term::spellings`] lists every string the automaton must find
//! for it: a multi-word term also as its hyphenated and joined forms ("nordwind energie",
//! "nordwind-energie", "nordwindenergie"; the joined form also finds "#NordwindEnergie").

use std::fmt;

use super::fold::{fold, is_word_char};

/// What a term is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TermKind {
    /// A word or a phrase of words.
    Words,
    /// `#tag`: only the hashtag, not the bare word.
    Hashtag,
    /// `@handle`: only the handle.
    Handle,
}

/// A folded term. `words` holds the words of a phrase, or the one name of a hashtag or handle
/// (without its `#`/`@`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Term {
    pub kind: TermKind,
    pub words: Vec<String>,
    /// A trailing `*`: the last word may go on (`abzock*` finds "abzocke", "abzocken").
    pub prefix: bool,
}

/// Shortest stem a prefix term may have: `ab*` would find half the language.
pub const MIN_PREFIX_CHARS: usize = 3;

impl Term {
    /// Reads a configured keyword or a query term (already without quotes). `in_query`
    /// reads a trailing `*` as a prefix (queries); keywords are taken as written.
    pub fn parse(raw: &str, in_query: bool) -> Result<Term, String> {
        let mut f = fold(raw.trim());
        let mut prefix = false;
        if in_query {
            if let Some(stem) = f.strip_suffix('*') {
                prefix = true;
                f = stem.trim_end().to_string();
            }
            if f.contains('*') {
                return Err(format!(
                    "`*` may only end a term (a prefix such as `abzock*`), not stand inside {raw:?}"
                ));
            }
        }
        let (kind, body) = match f.chars().next() {
            Some('#') => (TermKind::Hashtag, &f[1..]),
            Some('@') => (TermKind::Handle, &f[1..]),
            _ => (TermKind::Words, &f[..]),
        };
        let first = body.chars().next();
        if !in_query && kind == TermKind::Words && first.is_some() {
            // A keyword is taken as written, even one that starts with punctuation ("€uro").
            if !first.is_some_and(is_word_char) {
                return Ok(Term {
                    kind,
                    words: vec![body.to_string()],
                    prefix,
                });
            }
        }
        if !first.is_some_and(is_word_char) {
            return Err(match first {
                None => format!("{raw:?} is not a term: it has no letters or digits"),
                Some(c @ ('-' | '+')) => format!(
                    "{raw:?}: a term cannot start with `{c}`; write NOT before a term to exclude it"
                ),
                Some(c) => format!("{raw:?}: a term must start with a letter or digit, not `{c}`"),
            });
        }
        let words: Vec<String> = match kind {
            TermKind::Words => body
                .split([' ', '-'])
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect(),
            _ => {
                if body.contains(' ') {
                    return Err(format!("{raw:?}: a hashtag or handle is one word"));
                }
                vec![body.to_string()]
            }
        };
        if prefix {
            let stem = words.last().map(|w| w.chars().count()).unwrap_or(0);
            if stem < MIN_PREFIX_CHARS {
                return Err(format!(
                    "{raw:?}: a prefix needs at least {MIN_PREFIX_CHARS} letters before `*`"
                ));
            }
        }
        Ok(Term {
            kind,
            words,
            prefix,
        })
    }

    /// Every string the automaton looks for to find this term, folded, without duplicates.
    pub fn spellings(&self) -> Vec<String> {
        match self.kind {
            TermKind::Hashtag => vec![format!("#{}", self.words[0])],
            TermKind::Handle => vec![format!("@{}", self.words[0])],
            TermKind::Words if self.words.len() == 1 => vec![self.words[0].clone()],
            TermKind::Words => {
                let mut v = vec![
                    self.words.join(" "),
                    self.words.join("-"),
                    self.words.concat(),
                ];
                v.dedup();
                v
            }
        }
    }

    /// Whether a found spelling must end at a word boundary: not for a prefix, and not where
    /// the term itself ends in punctuation ("c++").
    pub fn needs_right_boundary(&self) -> bool {
        !self.prefix
            && self
                .words
                .last()
                .and_then(|w| w.chars().next_back())
                .is_some_and(is_word_char)
    }
}

/// The normalised form: folded, phrases in quotes, as `check` and `match` print it.
impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let star = if self.prefix { "*" } else { "" };
        match self.kind {
            TermKind::Hashtag => write!(f, "#{}{star}", self.words[0]),
            TermKind::Handle => write!(f, "@{}{star}", self.words[0]),
            TermKind::Words if self.words.len() == 1 => write!(f, "{}{star}", self.words[0]),
            TermKind::Words => write!(f, "\"{}{star}\"", self.words.join(" ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_word_terms_have_three_spellings() {
        let t = Term::parse("Nordwind-Energie", false).unwrap();
        assert_eq!(t.words, ["nordwind", "energie"]);
        assert_eq!(
            t.spellings(),
            ["nordwind energie", "nordwind-energie", "nordwindenergie"]
        );
        assert_eq!(t.to_string(), "\"nordwind energie\"");
    }

    #[test]
    fn prefixes_hashtags_and_handles() {
        let t = Term::parse("Abzock*", true).unwrap();
        assert!(t.prefix && !t.needs_right_boundary());
        assert_eq!(t.to_string(), "abzock*");
        assert_eq!(
            Term::parse("abzock*", false).unwrap().spellings(),
            ["abzock*"]
        );
        let h = Term::parse("@Otto_DE", true).unwrap();
        assert_eq!(
            (h.kind, h.spellings()),
            (TermKind::Handle, vec!["@otto_de".to_string()])
        );
        assert_eq!(Term::parse("#Müll", true).unwrap().to_string(), "#muell");
    }

    #[test]
    fn bad_terms_are_refused_with_a_reason() {
        for (raw, says) in [
            ("ab*", "at least 3"),
            ("ab*c", "may only end"),
            ("-otto", "write NOT"),
            ("#", "no letters"),
            ("#otto versand", "one word"),
            ("!!", "must start"),
        ] {
            let e = Term::parse(raw, true).unwrap_err();
            assert!(e.contains(says), "{raw}: {e}");
        }
    }
}
