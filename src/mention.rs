//! The mention record: what every source produces and what ingest and JSONL replay accept.
//!
//! Parsing is all-or-nothing per request: a body with one bad record is rejected whole, with the
//! record (and NDJSON line) named, so a client can fix it and resend without double counting.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One post, comment or article that may mention a brand. Only `text` is required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<u64>,
}

impl Mention {
    /// A mention with only its text set; the other fields are filled by the builder methods.
    pub fn new(text: impl Into<String>) -> Self {
        Mention {
            id: None,
            source: None,
            text: text.into(),
            created_at: None,
            author: None,
            url: None,
            lang: None,
            reach: None,
        }
    }

    /// The de-duplication key. Without an `id`, identical content from the same author at the
    /// same time is the same post; the hash keeps the key short whatever the text length.
    pub fn dedup_key(&self) -> String {
        if let Some(id) = self.id.as_deref().filter(|id| !id.is_empty()) {
            return id.to_string();
        }
        let mut h = Sha256::new();
        for part in [
            self.source.as_deref().unwrap_or(""),
            self.author.as_deref().unwrap_or(""),
            &self.created_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            &self.text,
        ] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        format!("sha256:{}", hex::encode(&h.finalize()[..16]))
    }

    /// When the post was made, defaulting to when it arrived.
    pub fn time_or(&self, arrival: DateTime<Utc>) -> DateTime<Utc> {
        self.created_at.unwrap_or(arrival)
    }
}

/// Why a request body or JSONL file could not be read as mentions.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MentionParseError {
    #[error("empty body: expected a mention object, an array of them, or NDJSON")]
    Empty,
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
    #[error("record {index}: {message}")]
    Record { index: usize, message: String },
    #[error("{0}")]
    Other(String),
}

/// Checks what serde cannot: a mention with empty text carries nothing to match.
fn check(m: &Mention) -> Result<(), String> {
    if m.text.trim().is_empty() {
        return Err("`text` is empty".into());
    }
    Ok(())
}

/// The earliest `created_at` ingest takes: older stamps are clock or unit errors (a 0 epoch)
/// that would be counted in no window at all.
const EARLIEST_CREATED_AT: &str = "2000-01-01T00:00:00Z";

/// Checks that a pushed mention's `created_at` is plausible: not before 2000 and not more than
/// a day ahead of `now` (clock skew allowance). Files replayed by `demo`/`backtest` are not
/// held to this; only what a client pushes is.
fn check_time(m: &Mention, now: DateTime<Utc>) -> Result<(), String> {
    let Some(at) = m.created_at else {
        return Ok(());
    };
    let earliest: DateTime<Utc> = EARLIEST_CREATED_AT.parse().unwrap_or(DateTime::UNIX_EPOCH);
    if at < earliest {
        return Err(format!(
            "`created_at` {} is before {EARLIEST_CREATED_AT}",
            at.to_rfc3339()
        ));
    }
    if at > now + chrono::Duration::days(1) {
        return Err(format!(
            "`created_at` {} is more than a day in the future",
            at.to_rfc3339()
        ));
    }
    Ok(())
}

/// Reads a body that is one mention object, a JSON array of them, or NDJSON (one per line).
/// A leading UTF-8 byte order mark is skipped; `created_at` must be plausible (see
/// [`check_time`]).
pub fn parse_body(body: &[u8]) -> Result<Vec<Mention>, MentionParseError> {
    parse_body_at(body, Utc::now())
}

/// [`parse_body`] with the clock given, for tests.
pub fn parse_body_at(body: &[u8], now: DateTime<Utc>) -> Result<Vec<Mention>, MentionParseError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body)
        .map_err(|e| MentionParseError::Other(format!("body is not UTF-8: {e}")))?;
    let check = |m: &Mention| check(m).and_then(|()| check_time(m, now));
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(MentionParseError::Empty);
    }
    if trimmed.starts_with('[') {
        let values: Vec<serde_json::Value> = serde_json::from_str(text)
            .map_err(|e| MentionParseError::Other(format!("invalid JSON array: {e}")))?;
        let mut out = Vec::with_capacity(values.len());
        for (index, v) in values.into_iter().enumerate() {
            let m: Mention = serde_json::from_value(v).map_err(|e| MentionParseError::Record {
                index,
                message: e.to_string(),
            })?;
            check(&m).map_err(|message| MentionParseError::Record { index, message })?;
            out.push(m);
        }
        return Ok(out);
    }
    // A single object that spans several lines is still one object, not NDJSON.
    if let Ok(m) = serde_json::from_str::<Mention>(text) {
        check(&m).map_err(|message| MentionParseError::Record { index: 0, message })?;
        return Ok(vec![m]);
    }
    let mentions = parse_ndjson(text)?;
    // Line numbers for the time check: the n-th record sits on the n-th non-blank line.
    let lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    for (m, (i, _)) in mentions.iter().zip(lines) {
        check_time(m, now).map_err(|message| MentionParseError::Line {
            line: i + 1,
            message,
        })?;
    }
    Ok(mentions)
}

/// Reads NDJSON: one mention per non-blank line; the first bad line fails the whole input.
pub fn parse_ndjson(text: &str) -> Result<Vec<Mention>, MentionParseError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(m) = parse_ndjson_line(line).map_err(|message| MentionParseError::Line {
            line: i + 1,
            message,
        })? {
            out.push(m);
        }
    }
    if out.is_empty() {
        return Err(MentionParseError::Empty);
    }
    Ok(out)
}

/// One NDJSON line: `Ok(None)` for a blank line, which is allowed between records.
pub fn parse_ndjson_line(line: &str) -> Result<Option<Mention>, String> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(None);
    }
    let m: Mention = serde_json::from_str(line).map_err(|e| e.to_string())?;
    check(&m)?;
    Ok(Some(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_object_array_and_ndjson() {
        let one = parse_body(br#"{"text":"hallo"}"#).unwrap();
        assert_eq!(one.len(), 1);
        let arr = parse_body(br#"[{"text":"a"},{"text":"b","reach":5}]"#).unwrap();
        assert_eq!(arr[1].reach, Some(5));
        let nd = parse_body(b"{\"text\":\"a\"}\n\n{\"text\":\"b\"}\n").unwrap();
        assert_eq!(nd.len(), 2);
    }

    #[test]
    fn multi_line_object_is_one_mention() {
        let body = b"{\n  \"text\": \"a\",\n  \"id\": \"x\"\n}\n";
        assert_eq!(parse_body(body).unwrap()[0].id.as_deref(), Some("x"));
    }

    #[test]
    fn names_the_bad_ndjson_line() {
        let err = parse_body(b"{\"text\":\"a\"}\n{\"text\":\n").unwrap_err();
        assert!(
            matches!(err, MentionParseError::Line { line: 2, .. }),
            "{err}"
        );
        let err = parse_body(b"{\"text\":\"a\"}\n{\"id\":\"no text\"}\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn rejects_empty_text_and_empty_body() {
        assert!(parse_body(br#"{"text":"  "}"#).is_err());
        assert_eq!(parse_body(b"  \n").unwrap_err(), MentionParseError::Empty);
        assert!(matches!(
            parse_body(br#"[{"text":"a"},{"txt":"b"}]"#).unwrap_err(),
            MentionParseError::Record { index: 1, .. }
        ));
    }

    #[test]
    fn skips_a_leading_byte_order_mark() {
        let body = b"\xEF\xBB\xBF{\"text\":\"hallo\"}";
        assert_eq!(parse_body(body).unwrap()[0].text, "hallo");
        let nd = b"\xEF\xBB\xBF{\"text\":\"a\"}\n{\"text\":\"b\"}\n";
        assert_eq!(parse_body(nd).unwrap().len(), 2);
    }

    #[test]
    fn implausible_created_at_is_rejected_naming_the_field() {
        let now: DateTime<Utc> = "2026-03-01T12:00:00Z".parse().unwrap();
        let old = br#"{"text":"a","created_at":"1970-01-01T00:00:00Z"}"#;
        let err = parse_body_at(old, now).unwrap_err().to_string();
        assert!(
            err.contains("`created_at`") && err.contains("2000"),
            "{err}"
        );
        let ahead = br#"[{"text":"a"},{"text":"b","created_at":"2100-01-01T00:00:00Z"}]"#;
        let err = parse_body_at(ahead, now).unwrap_err();
        assert!(
            matches!(err, MentionParseError::Record { index: 1, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("future"), "{err}");
        let nd = b"{\"text\":\"a\"}\n\n{\"text\":\"b\",\"created_at\":\"1999-12-31T23:59:59Z\"}\n";
        let err = parse_body_at(nd, now).unwrap_err();
        assert!(
            matches!(err, MentionParseError::Line { line: 3, .. }),
            "{err}"
        );
        let fine = br#"{"text":"a","created_at":"2026-03-02T06:00:00Z"}"#;
        assert!(parse_body_at(fine, now).is_ok());
    }

    #[test]
    fn identical_text_from_two_people_minutes_apart_is_two_mentions() {
        let mut a = Mention::new("Nie wieder Nordwind!");
        a.author = Some("anna".into());
        a.created_at = Some("2026-03-01T12:00:00Z".parse().unwrap());
        let mut b = a.clone();
        b.author = Some("ben".into());
        b.created_at = Some("2026-03-01T12:04:00Z".parse().unwrap());
        assert_ne!(a.dedup_key(), b.dedup_key());
        let mut c = a.clone();
        c.created_at = b.created_at;
        assert_ne!(a.dedup_key(), c.dedup_key(), "same person, minutes later");
    }

    #[test]
    fn dedup_key_prefers_id_and_is_stable_without() {
        let mut m = Mention::new("Boykott!");
        let k1 = m.dedup_key();
        assert_eq!(k1, Mention::new("Boykott!").dedup_key());
        m.author = Some("x".into());
        assert_ne!(k1, m.dedup_key());
        m.id = Some("mastodon:1".into());
        assert_eq!(m.dedup_key(), "mastodon:1");
    }
}
