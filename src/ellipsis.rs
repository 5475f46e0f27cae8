//! Cutting text to a length with an ellipsis, counted in characters (never splitting one).
//!
//! Why one place: sample posts, chat fields and the engine's stored samples all cut text; two
//! rules exist because chat services limit the whole field, while samples keep a fixed number of
//! characters of the post. Invariant: a text that fits is returned unchanged.

/// The first `keep` characters and `…` when the text is longer; it may end one past `keep`.
pub fn truncate(s: &str, keep: usize) -> String {
    // No more bytes than `keep` means no more characters: nothing to count.
    if s.len() <= keep {
        return s.to_string();
    }
    match s.char_indices().nth(keep) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The text in at most `max_chars` characters, the `…` included, for fields with a hard limit.
pub fn clip(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    truncate(s, max_chars.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_keeps_whole_characters() {
        assert_eq!(truncate("äöü", 2), "äö…");
        assert_eq!(truncate("äöü", 3), "äöü");
        assert_eq!(truncate("", 0), "");
    }

    #[test]
    fn clip_stays_within_the_limit() {
        assert_eq!(clip("äöüß", 3), "äö…");
        assert_eq!(clip("äöüß", 4), "äöüß");
        assert_eq!(clip("ab", 0), "…");
        assert!(clip(&"x".repeat(5000), 3000).chars().count() == 3000);
    }
}
