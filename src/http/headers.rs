//! Security headers on every response, and the Content-Security-Policy: scripts and style
//! sheets only from this server (the dashboard's files under `/dashboard/`), and the one inline
//! style of the ack pages.
//!
//! Invariant: the policy allows no inline script at all, and no inline style but the ack
//! pages', named by its SHA-256 hash computed from the style itself, so editing it cannot
//! silently break or widen the policy.

use std::sync::OnceLock;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};

/// The policy for every response: scripts and style sheets from this origin only (no inline
/// script), the ack pages' hashed inline style, fetches to this origin, and images from here
/// or data:; no framing, no foreign form targets.
pub fn content_security_policy() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        let ack_style = format!("<style>{}</style>", crate::ack_page::STYLE);
        let styles = hashes(&ack_style, "style");
        format!(
            "default-src 'none'; script-src 'self'; style-src 'self' {styles}; \
             connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'"
        )
    })
}

/// `'sha256-…'` sources for each inline `<tag>…</tag>` element in `page`; `'none'` when the
/// page has none.
fn hashes(page: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find(&open) {
        let body = &rest[start + open.len()..];
        let Some(end) = body.find(&close) else {
            break;
        };
        let digest = Sha256::digest(&body.as_bytes()[..end]);
        out.push(format!("'sha256-{}'", base64(&digest)));
        rest = &body[end + close.len()..];
    }
    if out.is_empty() {
        "'none'".into()
    } else {
        out.join(" ")
    }
}

/// Standard base64 with padding (RFC 4648), as CSP hash sources are written.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The middleware: adds the headers unless a handler set its own.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(content_security_policy()) {
        h.entry(header::CONTENT_SECURITY_POLICY).or_insert(csp);
    }
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("no-referrer"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want, "{input}");
        }
    }

    #[test]
    fn policy_allows_no_inline_script_and_names_the_ack_style() {
        let csp = content_security_policy();
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        let ack = Sha256::digest(crate::ack_page::STYLE.as_bytes());
        assert!(
            csp.contains(&format!("style-src 'self' 'sha256-{}';", base64(&ack))),
            "{csp}"
        );
        assert_eq!(hashes("<p>no code</p>", "script"), "'none'");
        assert_eq!(
            hashes("<style>a</style><style>b</style>", "style")
                .matches("sha256")
                .count(),
            2
        );
    }
}
