//! Per-brand filters: the languages and sources a post must come in to count for a brand.
//!
//! Invariant: an empty list lets everything through; a non-empty one lets through only what
//! it names, so a post whose language (or source) is unknown does not pass a filter on it.

/// A brand's `languages` and `sources`, normalised (lower case; languages as primary codes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub languages: Vec<String>,
    pub sources: Vec<String>,
}

/// The primary language code of a tag: `"de-AT"` → `"de"`, `"deu"` → `"de"`, `"EN_gb"` → `"en"`.
pub fn language_code(tag: &str) -> String {
    let lower = tag.trim().to_ascii_lowercase();
    let primary = lower.split(['-', '_']).next().unwrap_or("");
    match primary {
        "deu" | "ger" => "de".to_string(),
        "eng" => "en".to_string(),
        p => p.to_string(),
    }
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.languages.is_empty() && self.sources.is_empty()
    }

    /// Whether judging this brand needs the post's language.
    pub fn wants_language(&self) -> bool {
        !self.languages.is_empty()
    }

    /// `code` is the post's language, declared or detected; `None` when unknown.
    pub fn admits_language(&self, code: Option<&str>) -> bool {
        if self.languages.is_empty() {
            return true;
        }
        code.is_some_and(|c| {
            let c = language_code(c);
            self.languages.contains(&c)
        })
    }

    /// `source` is the mention's `source`. A listed name matches it exactly or as its kind:
    /// `"rss"` also lets through `"rss:https://…"`, the name an RSS source gets by default.
    pub fn admits_source(&self, source: Option<&str>) -> bool {
        if self.sources.is_empty() {
            return true;
        }
        let Some(s) = source else { return false };
        let s = s.trim().to_ascii_lowercase();
        self.sources.iter().any(|f| {
            s == *f
                || s.strip_prefix(f.as_str())
                    .is_some_and(|r| r.starts_with(':'))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_match_on_the_primary_code_and_unknown_fails() {
        let f = Filters {
            languages: vec!["de".into()],
            sources: vec![],
        };
        assert!(f.admits_language(Some("de-AT")) && f.admits_language(Some("deu")));
        assert!(!f.admits_language(Some("en")) && !f.admits_language(None));
        assert!(Filters::default().admits_language(None));
    }

    #[test]
    fn sources_match_by_name_or_kind() {
        let f = Filters {
            languages: vec![],
            sources: vec!["rss".into(), "mastodon".into()],
        };
        assert!(f.admits_source(Some("rss:https://example.com/feed")));
        assert!(f.admits_source(Some("Mastodon")));
        assert!(!f.admits_source(Some("rssfeed")) && !f.admits_source(Some("reddit")));
        assert!(!f.admits_source(None));
        assert!(Filters::default().admits_source(None));
    }
}
