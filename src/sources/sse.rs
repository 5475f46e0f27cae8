//! A Server-Sent Events decoder (the `text/event-stream` framing of the WHATWG spec).
//!
//! Invariant: bytes may arrive split anywhere — inside a line, inside a UTF-8 character — and
//! the same events come out; comments (`:thump` heartbeats) are reported so a quiet but
//! healthy stream is told apart from a dead one.

/// What one complete line brought.
#[derive(Debug, Clone, PartialEq)]
pub enum SseItem {
    /// An event: its type (`message` when none was given) and its data lines joined by `\n`.
    Event { event: String, data: String },
    /// A comment line, e.g. a heartbeat.
    Comment,
}

#[derive(Debug, Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
    event: Option<String>,
    data: Option<String>,
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns the items completed by them.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseItem> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
            let raw: Vec<u8> = self.buf.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if let Some(data) = self.data.take() {
                    out.push(SseItem::Event {
                        event: self.event.take().unwrap_or_else(|| "message".into()),
                        data,
                    });
                }
                self.event = None;
                continue;
            }
            if line.starts_with(':') {
                out.push(SseItem::Comment);
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (line, ""),
            };
            match field {
                "event" => self.event = Some(value.to_string()),
                "data" => match &mut self.data {
                    Some(d) => {
                        d.push('\n');
                        d.push_str(value);
                    }
                    None => self.data = Some(value.to_string()),
                },
                _ => {} // id, retry: not used by the services we read
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_split_input_and_heartbeats() {
        let text =
            ":thump\n\nevent: update\ndata: {\"a\":\ndata: 1}\n\nevent: delete\r\ndata: 7\r\n\r\n";
        let mut d = SseDecoder::new();
        let mut items = Vec::new();
        for chunk in text.as_bytes().chunks(3) {
            items.extend(d.push(chunk));
        }
        assert_eq!(
            items,
            vec![
                SseItem::Comment,
                SseItem::Event {
                    event: "update".into(),
                    data: "{\"a\":\n1}".into()
                },
                SseItem::Event {
                    event: "delete".into(),
                    data: "7".into()
                },
            ]
        );
    }
}
