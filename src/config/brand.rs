//! A brand's matching keys: `keywords` and `exclude`, or a `query`; and its `languages` and
//! `sources` filters. Validated into the [`Brand`] fields the matcher compiles.
//!
//! Invariant: a brand has `keywords` or a `query`, never both, and every key's mistakes are
//! reported at their place in the file; a mistake inside a query string is located at the
//! very character of the TOML line, whichever of TOML's four string forms holds it.

use std::ops::Range;

use toml::Spanned;

use super::{Brand, BrandRaw, Ctx};
use crate::matching::filters::language_code;
use crate::matching::{BrandSpec, Expr, Filters, Query, Term, TermKind};

/// What [`validate`] makes of a brand's matching keys.
pub struct Matching {
    pub keywords: Vec<String>,
    pub exclude: Vec<String>,
    pub query: Option<Query>,
    pub filters: Filters,
}

/// Validates the matching keys of brand `name`, recording every error in `ctx`.
pub fn validate(b: &BrandRaw, name: &str, ctx: &mut Ctx<'_>) -> Matching {
    let mut out = Matching {
        keywords: Vec::new(),
        exclude: Vec::new(),
        query: None,
        filters: Filters::default(),
    };
    match (&b.keywords, &b.query) {
        (Some(_), Some(q)) => ctx.error(
            q.span(),
            format!(
                "brand {name:?} has both `keywords` and `query`: use one (a query can say \
                 everything keywords do: a OR b AND NOT c)"
            ),
        ),
        (None, None) => ctx.error(
            b.name.span(),
            format!("brand {name:?} needs `keywords` or a `query`"),
        ),
        (None, Some(q)) => {
            if let Some(x) = b.exclude.first() {
                ctx.error(
                    x.span(),
                    "`exclude` goes with `keywords`; in a query, write AND NOT \"…\"",
                );
            }
            match Query::parse(q.get_ref()) {
                Ok(parsed) => out.query = Some(parsed),
                Err(e) => {
                    let at = string_offset(ctx.src, q.span(), e.offset);
                    ctx.error(at..at, format!("in `query`: {}", e.message));
                }
            }
        }
        (Some(keywords), None) => {
            for k in keywords.get_ref() {
                let kw = k.get_ref().trim();
                if kw.is_empty() {
                    ctx.error(k.span(), "empty keyword");
                } else if let Err(e) = Term::parse(kw, false) {
                    ctx.error(k.span(), format!("keyword: {e}"));
                } else {
                    out.keywords.push(kw.to_string());
                }
            }
            if keywords.get_ref().is_empty() {
                ctx.error(
                    keywords.span(),
                    format!("brand {name:?} needs at least one keyword"),
                );
            }
            for x in &b.exclude {
                let x2 = x.get_ref().trim();
                if x2.is_empty() {
                    ctx.error(x.span(), "empty exclude phrase");
                } else if let Err(e) = Term::parse(x2, false) {
                    ctx.error(x.span(), format!("exclude phrase: {e}"));
                } else {
                    out.exclude.push(x2.to_string());
                }
            }
        }
    }
    if let Some(langs) = &b.languages {
        out.filters.languages = list(ctx, langs, "languages", |l| {
            let code = language_code(l);
            if (2..=3).contains(&code.len()) && code.bytes().all(|c| c.is_ascii_lowercase()) {
                Ok(code)
            } else {
                Err(format!(
                    "{l:?} is not a language code: use ISO 639-1 codes such as \"de\" or \"en\""
                ))
            }
        });
    }
    if let Some(sources) = &b.sources {
        out.filters.sources = list(ctx, sources, "sources", |s| {
            let s = s.trim();
            if s.is_empty() {
                Err("empty source name".to_string())
            } else {
                Ok(s.to_ascii_lowercase())
            }
        });
    }
    out
}

/// A non-empty list of checked strings.
fn list(
    ctx: &mut Ctx<'_>,
    v: &Spanned<Vec<Spanned<String>>>,
    key: &str,
    check: impl Fn(&str) -> Result<String, String>,
) -> Vec<String> {
    if v.get_ref().is_empty() {
        ctx.error(
            v.span(),
            format!("`{key}` is empty: leave it out to accept every one"),
        );
    }
    let mut out = Vec::new();
    for item in v.get_ref() {
        match check(item.get_ref()) {
            Ok(s) if !out.contains(&s) => out.push(s),
            Ok(_) => {}
            Err(e) => ctx.error(item.span(), e),
        }
    }
    out
}

/// The offset in the file of byte `offset` of the value of the TOML string at `span` (which
/// covers its quotes): literal strings are copied as written, basic strings may hold escapes
/// (`\"`, `\u00fc`) that are longer in the file than in the value, and a multi-line string
/// drops the newline right after its opening quotes (and a basic one, `\` line endings).
pub fn string_offset(src: &str, span: Range<usize>, offset: usize) -> usize {
    let Some(raw) = src.get(span.clone()) else {
        return span.start;
    };
    let (delim, basic) = if raw.starts_with("'''") {
        (3, false)
    } else if raw.starts_with("\"\"\"") {
        (3, true)
    } else if raw.starts_with('\'') {
        (1, false)
    } else if raw.starts_with('"') {
        (1, true)
    } else {
        return span.start;
    };
    let mut i = delim;
    if delim == 3 {
        if raw[i..].starts_with("\r\n") {
            i += 2;
        } else if raw[i..].starts_with('\n') {
            i += 1;
        }
    }
    let body_end = raw.len().saturating_sub(delim).max(i);
    let mut value = 0usize;
    while i < body_end && value < offset {
        let c = raw[i..].chars().next().unwrap_or(' ');
        if basic && c == '\\' {
            let rest = &raw[i + 1..];
            let e = rest.chars().next().unwrap_or(' ');
            match e {
                'u' | 'U' => {
                    let n = if e == 'u' { 4 } else { 8 };
                    let hex = rest.get(1..1 + n).unwrap_or("");
                    let ch = u32::from_str_radix(hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or(' ');
                    value += ch.len_utf8();
                    i += 2 + n;
                }
                c if c.is_whitespace() => {
                    // A line-ending backslash: it and all white space after it vanish.
                    i += 1;
                    while i < body_end {
                        let w = raw[i..].chars().next().unwrap_or('x');
                        if !w.is_whitespace() {
                            break;
                        }
                        i += w.len_utf8();
                    }
                }
                _ => {
                    value += 1;
                    i += 2;
                }
            }
            continue;
        }
        value += c.len_utf8();
        i += c.len_utf8();
    }
    span.start + i
}

impl Brand {
    /// What the matcher compiles for this brand.
    pub fn spec(&self) -> BrandSpec<'_> {
        BrandSpec {
            keywords: &self.keywords,
            exclude: &self.exclude,
            query: self.query.as_ref(),
        }
    }

    /// The names the brand goes by: its keywords, or the terms of its query's first group
    /// (see [`Query::name_terms`]), as plain text without prefix stars. Sentiment ignores
    /// their words in posts about the brand; search sources ask for them.
    pub fn name_terms(&self) -> Vec<String> {
        match &self.query {
            None => self.keywords.clone(),
            Some(q) => q
                .name_terms()
                .into_iter()
                .map(|t| {
                    let w = t.words.join(" ");
                    match t.kind {
                        TermKind::Words => w,
                        TermKind::Hashtag => format!("#{w}"),
                        TermKind::Handle => format!("@{w}"),
                    }
                })
                .collect(),
        }
    }

    /// How the brand matches, in the query language's normal form, for `check`.
    pub fn normalised_query(&self) -> String {
        if let Some(q) = &self.query {
            return q.to_string();
        }
        let terms = |v: &[String]| -> Expr<String> {
            Expr::Or(
                v.iter()
                    .filter_map(|k| Term::parse(k, false).ok())
                    .map(|t| Expr::Term(t.to_string()))
                    .collect(),
            )
        };
        let mut s = terms(&self.keywords).to_string();
        if !self.exclude.is_empty() {
            s.push_str(&format!(
                "  (not where inside: {})",
                terms(&self.exclude).to_string().replace(" OR ", ", ")
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_through_every_string_form() {
        // Value "a ü x": byte 5 of the value is the `x`.
        for src in [
            r#"q = "a ü x""#,
            r#"q = 'a ü x'"#,
            r#"q = "a \u00fc x""#,
            "q = \"\"\"\na ü x\"\"\"",
            "q = '''\na ü x'''",
            "q = \"\"\"a \\\n   ü x\"\"\"",
        ] {
            let value: toml::Value = toml::from_str(src).unwrap();
            let v = value["q"].as_str().unwrap();
            let x = v.find('x').unwrap();
            let start = src.find(['"', '\'']).unwrap();
            let at = string_offset(src, start..src.len(), x);
            assert_eq!(&src[at..at + 1], "x", "{src}");
        }
        let src = r#"q = "say \"hi\" x""#;
        let at = string_offset(src, 4..src.len(), "say \"hi\" ".len());
        assert_eq!(&src[at..at + 1], "x");
    }
}
