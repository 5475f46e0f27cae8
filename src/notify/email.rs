//! Alert emails: multipart text + HTML over SMTP (lettre), and `.eml` files for the demo.
//!
//! Invariant: the subject is the contract's subject line in the channel's language
//! ([`i18n::subject`]: level and brand, always), and every notice of one storm carries the same
//! `In-Reply-To` and `References` id, so mail clients show a storm's firing, escalation and
//! all-clear as one thread. The HTML part shows the chart inline: `multipart/related` with the
//! PNG as a part the HTML names by `cid:`, next to the plain-text alternative. SMTP replies in the 5xx range are
//! permanent failures; everything else (4xx, refused connections, timeouts, TLS trouble) is
//! transient and left to the outbox to retry.

use std::time::SystemTime;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Mailbox, MessageBuilder, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::digest::Digest;
use super::{chart, digest_render, i18n, render, DeliveryError};
use crate::alert::AlertEvent;
use crate::config::notify::{EmailChannel, Locale, TlsMode};

/// The content id of the inline chart.
const CHART_CID: &str = "chart@sturmglas";

/// Sends the event to the channel's recipients over one fresh SMTP connection.
pub async fn send(channel: &EmailChannel, event: &AlertEvent) -> Result<(), DeliveryError> {
    let message = build(
        event,
        &channel.from,
        &channel.to,
        SystemTime::now(),
        &channel.locale,
    )
    .map_err(DeliveryError::Permanent)?;
    submit(channel, message).await
}

fn transport(channel: &EmailChannel) -> Result<AsyncSmtpTransport<Tokio1Executor>, DeliveryError> {
    let host = channel.smtp_host.as_str();
    let builder = match channel.tls {
        TlsMode::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        TlsMode::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
            .map_err(|e| DeliveryError::Permanent(format!("TLS setup for {host}: {e}")))?,
        TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
            .map_err(|e| DeliveryError::Permanent(format!("TLS setup for {host}: {e}")))?,
    };
    let mut builder = builder
        .port(channel.smtp_port)
        .timeout(Some(channel.timeout));
    if let Some(user) = &channel.username {
        let password = channel
            .password
            .as_ref()
            .map(|p| p.expose().to_string())
            .unwrap_or_default();
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    Ok(builder.build())
}

fn classify(e: &lettre::transport::smtp::Error) -> DeliveryError {
    // lettre's Display names the stage and the server's reply; it never contains credentials.
    let message = match std::error::Error::source(e) {
        Some(source) => format!("{e}: {source}"),
        None => e.to_string(),
    };
    if e.is_permanent() {
        DeliveryError::Permanent(message)
    } else {
        DeliveryError::transient(message)
    }
}

/// The complete message as RFC 5322 bytes, as written to `.eml` files by `demo`. Its date is
/// the event's `observed_at`, so a replayed storm reads as it happened.
pub fn render_eml(
    event: &AlertEvent,
    from: &str,
    to: &[String],
    loc: &Locale,
) -> Result<Vec<u8>, String> {
    let date = SystemTime::from(event.observed_at);
    Ok(build(event, from, to, date, loc)?.formatted())
}

/// Builds the message; an error names the address that could not be parsed.
pub fn build(
    event: &AlertEvent,
    from: &str,
    to: &[String],
    date: SystemTime,
    loc: &Locale,
) -> Result<Message, String> {
    let from = sender(from)?;
    let mut builder = Message::builder()
        .from(from)
        .subject(i18n::subject(event, loc))
        .date(date)
        .message_id(Some(format!(
            "<{}.{}@sturmglas>",
            id_part(&event.id),
            event.observed_at.timestamp()
        )))
        .in_reply_to(thread_id(event))
        .references(thread_id(event))
        .user_agent(format!("sturmglas/{}", env!("CARGO_PKG_VERSION")));
    builder = addressed(builder, to)?;
    let png = match chart::render(event, loc) {
        Some(Ok(png)) => Some(png),
        Some(Err(e)) => {
            // A notice without its chart is better than no notice.
            tracing::warn!(error = %e, "Alert chart not drawn; sending the email without it.");
            None
        }
        None => None,
    };
    let text = part(ContentType::TEXT_PLAIN, render::text(event, loc));
    let body = match png {
        Some(png) => {
            let image_type = ContentType::parse("image/png")
                .map_err(|e| format!("cannot build message: {e}"))?;
            let html = part(
                ContentType::TEXT_HTML,
                render::html(event, loc, Some(CHART_CID)),
            );
            let image = Attachment::new_inline(CHART_CID.to_string()).body(png, image_type);
            MultiPart::alternative()
                .singlepart(text)
                .multipart(MultiPart::related().singlepart(html).singlepart(image))
        }
        None => MultiPart::alternative()
            .singlepart(text)
            .singlepart(part(ContentType::TEXT_HTML, render::html(event, loc, None))),
    };
    builder
        .multipart(body)
        .map_err(|e| format!("cannot build message: {e}"))
}

/// Sends the daily digest to the channel's recipients: text and HTML alternatives, in the
/// channel's language. A digest is not part of a storm's thread, so it has its own id per
/// channel and day and no `References`.
pub async fn send_digest(channel: &EmailChannel, digest: &Digest) -> Result<(), DeliveryError> {
    let message = build_digest(
        digest,
        &channel.from,
        &channel.to,
        SystemTime::now(),
        &channel.locale,
    )
    .map_err(DeliveryError::Permanent)?;
    submit(channel, message).await
}

/// The digest's message; an error names the address that could not be parsed.
pub fn build_digest(
    digest: &Digest,
    from: &str,
    to: &[String],
    date: SystemTime,
    loc: &Locale,
) -> Result<Message, String> {
    let from = sender(from)?;
    let mut builder = Message::builder()
        .from(from)
        .subject(digest_render::subject(digest, loc))
        .date(date)
        .message_id(Some(format!(
            "<digest.{}.{}@sturmglas>",
            id_part(&digest.channel),
            digest.date
        )))
        .user_agent(format!("sturmglas/{}", env!("CARGO_PKG_VERSION")));
    builder = addressed(builder, to)?;
    let body = MultiPart::alternative()
        .singlepart(part(
            ContentType::TEXT_PLAIN,
            digest_render::text(digest, loc),
        ))
        .singlepart(part(
            ContentType::TEXT_HTML,
            digest_render::html(digest, loc),
        ));
    builder
        .multipart(body)
        .map_err(|e| format!("cannot build message: {e}"))
}

/// Hands a built message to the channel's SMTP server; a refusal is classified as
/// transient or permanent.
async fn submit(channel: &EmailChannel, message: Message) -> Result<(), DeliveryError> {
    let transport = transport(channel)?;
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(e) => Err(classify(&e)),
    }
}

/// The sender's mailbox; an error names the address.
fn sender(from: &str) -> Result<Mailbox, String> {
    from.parse()
        .map_err(|e| format!("invalid sender address {from:?}: {e}"))
}

/// The recipients on `builder`: at least one, each parsed; an error names the address.
fn addressed(mut builder: MessageBuilder, to: &[String]) -> Result<MessageBuilder, String> {
    if to.is_empty() {
        return Err("no recipients".into());
    }
    for t in to {
        let mailbox: Mailbox = t
            .parse()
            .map_err(|e| format!("invalid recipient address {t:?}: {e}"))?;
        builder = builder.to(mailbox);
    }
    Ok(builder)
}

/// Quoted-printable keeps the raw message readable and survives any relay (7-bit clean).
fn part(content_type: ContentType, body: String) -> SinglePart {
    SinglePart::builder()
        .header(content_type)
        .header(ContentTransferEncoding::QuotedPrintable)
        .body(body)
}

/// A storm's thread id: the same for every notice about one storm of one brand.
pub fn thread_id(event: &AlertEvent) -> String {
    format!(
        "<storm.{}.{}@sturmglas>",
        id_part(&event.brand),
        event.started_at.timestamp()
    )
}

/// Text safe inside a Message-ID: letters, digits and a few marks; anything else becomes `-`.
fn id_part(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c| c == '-' || c == '.');
    if trimmed.is_empty() {
        "x".into()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{Level, SampleMention, Status};

    fn event() -> AlertEvent {
        crate::alert::storm_fixture("nw/1", "Nordwind Energie")
            .with_reasons(vec!["Kündigungswelle <b>jetzt</b>".into()])
            .with_sample(vec![SampleMention {
                text: "Überall Ärger & Frust".into(),
                url: Some("https://social.example/@a/1".into()),
                author: Some("a".into()),
                reach: Some(1200),
                score: -0.9,
                copies: 1,
                at: None,
                words: Vec::new(),
            }])
    }

    fn parse(raw: &[u8]) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(raw).expect("a parseable message")
    }

    #[test]
    fn eml_has_contract_subject_and_both_parts() {
        let raw = render_eml(
            &event(),
            "sturmglas <alerts@example.org>",
            &["pr@example.org".into()],
            &Locale::default(),
        )
        .unwrap();
        let mail = parse(&raw);
        let header = |n: &str| {
            mail.headers
                .iter()
                .find(|h| h.get_key().eq_ignore_ascii_case(n))
                .map(|h| h.get_value())
                .unwrap_or_default()
        };
        assert_eq!(
            header("Subject"),
            "[sturmglas] CRITICAL storm: Nordwind Energie — 61 mentions in 15m, 82% negative"
        );
        assert_eq!(header("To"), "pr@example.org");
        assert!(
            header("Date").contains("7 Mar 2026 13:58:00"),
            "{}",
            header("Date")
        );
        assert!(header("References").starts_with("<storm.nordwind-energie.17"));
        assert!(header("Message-ID").starts_with("<nw-1."));
        assert_eq!(mail.ctype.mimetype, "multipart/alternative");
        assert_eq!(mail.subparts.len(), 2);
        let text = &mail.subparts[0];
        let html = &mail.subparts[1];
        assert_eq!(text.ctype.mimetype, "text/plain");
        assert_eq!(text.ctype.charset.to_lowercase(), "utf-8");
        assert_eq!(html.ctype.mimetype, "text/html");
        let text = text.get_body().unwrap();
        let html = html.get_body().unwrap();
        assert!(text.contains("50 of them negative (82%)."), "{text}");
        assert!(text.contains("Usual:"), "{text}");
        assert!(text.contains("\"Überall Ärger & Frust\""), "{text}");
        assert!(html.contains("Überall Ärger &amp; Frust"), "{html}");
        assert!(
            html.contains("href=\"https://social.example/@a/1\""),
            "{html}"
        );
    }

    #[test]
    fn every_line_is_short_and_seven_bit() {
        let raw = render_eml(
            &event(),
            "a@example.org",
            &["b@example.org".into()],
            &Locale::default(),
        )
        .unwrap();
        for line in raw.split(|b| *b == b'\n') {
            assert!(line.len() <= 998, "line too long");
            assert!(line.is_ascii(), "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn thread_id_is_shared_by_a_storms_notices() {
        let a = event();
        let mut b = event();
        b.status = Status::Resolved;
        b.id = "nw/2".into();
        b.observed_at = "2026-03-07T15:00:00Z".parse().unwrap();
        assert_eq!(thread_id(&a), thread_id(&b));
        let mut c = event();
        c.started_at = "2026-03-08T10:00:00Z".parse().unwrap();
        assert_ne!(thread_id(&a), thread_id(&c));
    }

    #[test]
    fn bad_addresses_are_errors_not_panics() {
        let l = Locale::default();
        assert!(render_eml(&event(), "not an address", &["b@example.org".into()], &l).is_err());
        assert!(render_eml(&event(), "a@example.org", &["??".into()], &l).is_err());
        assert!(render_eml(&event(), "a@example.org", &[], &l).is_err());
    }

    #[test]
    fn digest_mail_has_german_subject_and_both_parts() {
        let loc = Locale::new(
            crate::config::notify::Language::De,
            chrono_tz::Europe::Berlin,
        );
        let d = crate::notify::digest::fixtures::digest();
        let raw = build_digest(
            &d,
            "a@example.org",
            &["b@example.org".into()],
            SystemTime::UNIX_EPOCH,
            &loc,
        )
        .unwrap()
        .formatted();
        let mail = parse(&raw);
        assert_eq!(mail.ctype.mimetype, "multipart/alternative");
        let subject = mail
            .headers
            .iter()
            .find(|h| h.get_key() == "Subject")
            .map(|h| h.get_value())
            .unwrap();
        assert_eq!(
            subject,
            "[sturmglas] Tagesbericht 02.12.2026: 1 Alarm, 1 zurückgehalten, 1 Welle"
        );
        let text = mail.subparts[0].get_body().unwrap();
        let html = mail.subparts[1].get_body().unwrap();
        assert!(
            text.contains("1.234 Erwähnungen, davon 50 % negativ"),
            "{text}"
        );
        assert!(html.contains("<h2"), "{html}");
        assert!(!raw.windows(11).any(|w| w == b"References:"));
        for line in raw.split(|b| *b == b'\n') {
            assert!(line.is_ascii() && line.len() <= 998);
        }
    }

    #[tokio::test]
    async fn refused_connection_is_transient() {
        // Bind and drop a listener so the port is (almost certainly) closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let channel = EmailChannel {
            name: "m".into(),
            smtp_host: "127.0.0.1".into(),
            smtp_port: port,
            tls: TlsMode::None,
            from: "a@example.org".into(),
            to: vec!["b@example.org".into()],
            username: None,
            password: None,
            filter: crate::config::notify::ChannelFilter {
                brands: None,
                min_level: Level::Warning,
                rate_per_minute: 10,
                send_resolved: true,
                routing: Default::default(),
            },
            timeout: std::time::Duration::from_secs(2),
            locale: Locale::default(),
            digest_at: None,
        };
        let err = send(&channel, &event()).await.unwrap_err();
        assert!(err.is_transient(), "{err}");
    }
}
