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

/// Reads a body that is one mention object, a JSON array of them, or NDJSON (one per line).
pub fn parse_body(body: &[u8]) -> Result<Vec<Mention>, MentionParseError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| MentionParseError::Other(format!("body is not UTF-8: {e}")))?;
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
    parse_ndjson(text)
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
