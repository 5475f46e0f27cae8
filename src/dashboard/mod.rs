//! The dashboard's assets: three pages (overview, brand, alerts), their scripts and their
//! style sheet, compiled into the binary, and the choice of the reader's language.
//!
//! Invariant: every asset is a constant of the binary (nothing is read from disk or another
//! host at run time), and no page carries inline script, inline style, data or secrets: a page
//! is its template with only the language code filled in, so the Content-Security-Policy can
//! be `script-src 'self'` and everything shown is fetched by the scripts from the JSON API and
//! inserted as text.

use sha2::{Digest, Sha256};

/// The reader's language: English or German.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }
}

/// The language for a request: `?lang=de|en` wins, then the first of German or English that
/// `Accept-Language` names (by its q-values), then English.
pub fn language(query: Option<&str>, accept_language: Option<&str>) -> Lang {
    match query.map(str::to_ascii_lowercase).as_deref() {
        Some("de") => return Lang::De,
        Some("en") => return Lang::En,
        _ => {}
    }
    let Some(header) = accept_language else {
        return Lang::En;
    };
    let mut best: Option<(f32, usize, Lang)> = None;
    for (i, part) in header.split(',').enumerate() {
        let mut fields = part.split(';');
        let tag = fields.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = fields
            .filter_map(|f| f.trim().strip_prefix("q="))
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let lang = match primary {
            "de" => Lang::De,
            "en" => Lang::En,
            _ => continue,
        };
        if q <= 0.0 {
            continue;
        }
        // Higher q first; among equal q the one listed first.
        if best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && i < bi)) {
            best = Some((q, i, lang));
        }
    }
    best.map_or(Lang::En, |(_, _, l)| l)
}

/// The pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Overview,
    Brand,
    Alerts,
}

/// What every page shares: head, scripts, top bar, the token form; `{LANG}`, `{PAGE}` and
/// `{MAIN}` are filled in by [`page`].
const SHELL: &str = include_str!("shell.html");
const OVERVIEW: &str = include_str!("overview.main.html");
const BRAND: &str = include_str!("brand.main.html");
const ALERTS: &str = include_str!("alerts.main.html");

/// A page in `lang`: the shell around the page's own `<main>` content, with the `lang`
/// attribute filled in (the scripts take the language from it).
pub fn page(page: Page, lang: Lang) -> String {
    let (name, main) = match page {
        Page::Overview => ("overview", OVERVIEW),
        Page::Brand => ("brand", BRAND),
        Page::Alerts => ("alerts", ALERTS),
    };
    SHELL
        .replacen("{LANG}", lang.code(), 1)
        .replace("{PAGE}", name)
        .replacen("{MAIN}", main, 1)
}

/// The static files under `/dashboard/`: (name, content type, body).
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("app.css"),
    ),
    (
        "common.js",
        "text/javascript; charset=utf-8",
        include_str!("common.js"),
    ),
    (
        "chart.js",
        "text/javascript; charset=utf-8",
        include_str!("chart.js"),
    ),
    (
        "overview.js",
        "text/javascript; charset=utf-8",
        include_str!("overview.js"),
    ),
    (
        "brand.js",
        "text/javascript; charset=utf-8",
        include_str!("brand.js"),
    ),
    (
        "alerts.js",
        "text/javascript; charset=utf-8",
        include_str!("alerts.js"),
    ),
];

/// One static file: its content type, body and entity tag (a hash of the body, so a changed
/// asset in a new binary is fetched anew).
pub struct Asset {
    pub content_type: &'static str,
    pub body: &'static str,
    pub etag: String,
}

pub fn asset(name: &str) -> Option<Asset> {
    ASSETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, content_type, body)| {
            let digest = Sha256::digest(body.as_bytes());
            let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
            Asset {
                content_type,
                body,
                etag: format!("\"{hex}\""),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `html` has an ` on…=` attribute (onclick, onload, …).
    fn has_handler_attribute(html: &str) -> bool {
        html.match_indices(" on").any(|(i, _)| {
            let rest = &html[i + 3..];
            let letters = rest.bytes().take_while(u8::is_ascii_lowercase).count();
            letters > 0 && rest[letters..].starts_with('=')
        })
    }

    #[test]
    fn the_query_wins_then_accept_language_by_quality_then_english() {
        assert_eq!(language(Some("de"), Some("en")), Lang::De);
        assert_eq!(language(Some("EN"), Some("de-DE")), Lang::En);
        assert_eq!(language(Some("fr"), Some("de-AT,en;q=0.5")), Lang::De);
        assert_eq!(language(None, Some("fr-FR,en-US;q=0.8,de;q=0.9")), Lang::De);
        assert_eq!(language(None, Some("en-GB, de")), Lang::En);
        assert_eq!(language(None, Some("de;q=0, en;q=0.1")), Lang::En);
        assert_eq!(language(None, Some("fr, it")), Lang::En);
        assert_eq!(language(None, Some("")), Lang::En);
        assert_eq!(language(None, None), Lang::En);
    }

    #[test]
    fn pages_carry_no_inline_code_or_style_and_name_their_language() {
        for p in [Page::Overview, Page::Brand, Page::Alerts] {
            let html = page(p, Lang::De);
            assert!(html.contains("<html lang=\"de\">"), "{p:?}");
            assert!(!html.contains("<script>"), "{p:?}: inline script");
            assert!(!html.contains("<style"), "{p:?}: inline style");
            assert!(!html.contains(" style="), "{p:?}: style attribute");
            assert!(
                !has_handler_attribute(&html),
                "{p:?}: event handler attribute"
            );
            assert!(html.contains("src=\"/dashboard/common.js\""), "{p:?}");
            for src in html.split("src=\"/dashboard/").skip(1) {
                let name = src.split('"').next().unwrap();
                assert!(
                    asset(name).is_some(),
                    "{p:?} loads {name}, which is not served"
                );
            }
        }
    }

    #[test]
    fn scripts_insert_text_never_markup() {
        for (name, _, body) in ASSETS {
            for banned in [
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "eval(",
            ] {
                assert!(!body.contains(banned), "{name} uses {banned}");
            }
        }
        assert!(asset("nope.js").is_none());
        assert_ne!(
            asset("app.css").unwrap().etag,
            asset("common.js").unwrap().etag
        );
    }
}
