//! Plain text from the HTML that feeds and APIs send: tags dropped, entities decoded, block
//! elements turned into line breaks, white space collapsed.
//!
//! Invariant: the output never contains markup, so a brand keyword split by `<b>…</b>` or
//! `#<span>tag</span>` is whole again for matching. Not a sanitiser: the output is never
//! rendered as HTML.

/// Converts an HTML fragment to plain text.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            match rest.find('>') {
                Some(end) => {
                    let tag = rest[1..end].trim_start_matches('/').to_ascii_lowercase();
                    let tag_name: String = tag
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .collect();
                    if matches!(
                        tag_name.as_str(),
                        "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "blockquote"
                    ) {
                        out.push('\n');
                    }
                    rest = &rest[end + 1..];
                }
                None => {
                    // A lone `<` is text, e.g. "a < b".
                    out.push('<');
                    rest = &rest[1..];
                }
            }
        } else {
            let (decoded, used) = entity(rest);
            out.push_str(&decoded);
            rest = &rest[used..];
        }
    }
    out.push_str(rest);
    collapse(&out)
}

/// Decodes the entity at the start of `s`; returns the text and the bytes consumed.
fn entity(s: &str) -> (String, usize) {
    let Some(end) = s.bytes().take(12).position(|b| b == b';') else {
        return ("&".into(), 1);
    };
    let name = &s[1..end];
    let c = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        "hellip" => Some('…'),
        "mdash" => Some('—'),
        "ndash" => Some('–'),
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse().ok()
            } else {
                None
            };
            code.and_then(char::from_u32)
        }
    };
    match c {
        Some(c) => (c.to_string(), end + 1),
        None => ("&".into(), 1),
    }
}

/// Text that is already plain (Reddit with `raw_json=1`, X): white space tidied only.
pub fn plain(s: &str) -> String {
    collapse(s)
}

/// Collapses runs of spaces within lines and runs of blank lines; trims the ends.
fn collapse(s: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in s.split('\n') {
        let words: Vec<&str> = line.split_whitespace().collect();
        if !words.is_empty() {
            lines.push(words.join(" "));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_mastodon_markup() {
        let html = "<p>Acme just leaked my data. <a href=\"https://social.example/tags/acmefail\" \
                    class=\"mention hashtag\" rel=\"tag\">#<span>acmefail</span></a></p><p>Second</p>";
        assert_eq!(
            html_to_text(html),
            "Acme just leaked my data. #acmefail\nSecond"
        );
    }

    #[test]
    fn decodes_entities_and_keeps_stray_ampersands() {
        assert_eq!(
            html_to_text("<b>Acme</b> &amp; Co&nbsp;... R&D &#252;ber &#x263A; a < b"),
            "Acme & Co ... R&D über ☺ a < b"
        );
    }
}
