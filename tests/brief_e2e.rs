//! End-to-end, the storm brief: a German storm through ingest arrives over real SMTP as a
//! German email with the inline chart (multipart/related, `cid:`) and the drivers, and over
//! real HTTP as a webhook with the brief's fields: drivers, sources, distinct samples with
//! their copies, the first posts and the series.

mod harness;
mod support;

use std::time::Duration;

use harness::{config, free_port, Daemon, TOKEN};
use support::smtp::SmtpServer;
use support::webhook::WebhookReceiver;

/// What the storm is about: double debits and a dead hotline, posted by many people, one
/// headline reposted word for word.
const POSTS: &[&str] = &[
    "Nordwind hat mir den Abschlag doppelt abgebucht, Frechheit!",
    "Doppelte Abbuchung bei Nordwind, und die Hotline ist nicht erreichbar. Skandal!",
    "Nordwind: Hotline seit Stunden nicht erreichbar, doppelte Abbuchung auf dem Konto. Wütend!",
    "Wieder doppelte Abbuchung von Nordwind. Die Hotline legt einfach auf. Nie wieder!",
    "Eine Abzocke ist das: Nordwind bucht doppelt ab und die Hotline ist tot.",
];
const HEADLINE: &str =
    "Nordwind Energie bucht Tausenden Kunden den Abschlag doppelt ab – Hotline überlastet";

fn ndjson() -> String {
    let mut out = String::new();
    for i in 0..90 {
        let text = POSTS[i % POSTS.len()];
        out.push_str(&format!(
            "{{\"id\":\"p{i}\",\"source\":\"mastodon\",\"author\":\"@kunde{i}\",\"text\":{},\"url\":\"https://social.example/p{i}\",\"lang\":\"de\"}}\n",
            serde_json::to_string(text).unwrap()
        ));
    }
    for i in 0..40 {
        out.push_str(&format!(
            "{{\"id\":\"r{i}\",\"source\":\"rss\",\"author\":\"@leser{i}\",\"text\":{},\"url\":\"https://news.example/a{i}\",\"lang\":\"de\"}}\n",
            serde_json::to_string(&format!("{HEADLINE} @leser{i}")).unwrap()
        ));
    }
    out
}

fn channels(smtp_port: u16, hook_url: &str) -> String {
    let mail = harness::email_channel(smtp_port);
    format!(
        r##"
[[brands]]
name = "Nordwind Energie"
keywords = ["Nordwind", "#nordwind"]

{mail}language = "de"
timezone = "Europe/Berlin"

[[notify.webhook]]
name = "ops"
url = "{hook_url}"
format = "json"
"##
    )
}

#[tokio::test]
async fn a_german_storm_arrives_as_a_german_email_with_the_chart_and_as_a_webhook_with_the_brief() {
    let smtp = SmtpServer::start();
    let hook = WebhookReceiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let extra = channels(smtp.port(), &hook.url("/hook"));
    let d = Daemon::start(dir.path(), port, &config(port, dir.path(), &extra)).await;
    let (status, _) = d.post_mentions(ndjson(), Some(TOKEN)).await;
    assert_eq!(status, 202);

    let hooks = hook.wait_for(1, Duration::from_secs(15)).await;
    let body = hooks[0].json();
    assert_eq!(body["kind"], "storm", "{body}");
    let drivers: Vec<&str> = body["drivers"]
        .as_array()
        .unwrap_or_else(|| panic!("no drivers: {body}"))
        .iter()
        .map(|d| d["term"].as_str().unwrap())
        .collect();
    assert!(
        drivers
            .iter()
            .any(|t| t.contains("abbuchung") || t.contains("doppelt")),
        "the double debits drive it: {drivers:?}"
    );
    assert!(
        drivers.iter().any(|t| t.contains("hotline")),
        "the dead hotline drives it: {drivers:?}"
    );
    assert!(
        drivers.iter().all(|t| !t.contains("nordwind")),
        "the brand's own keywords are never drivers: {drivers:?}"
    );
    assert_eq!(body["sources"]["mastodon"], 90, "{body}");
    assert_eq!(body["sources"]["rss"], 40, "{body}");
    // Distinct samples; the reposted headline is one of them, with its copies.
    let sample = body["sample"].as_array().unwrap();
    let texts: Vec<&str> = sample.iter().map(|s| s["text"].as_str().unwrap()).collect();
    let mut unique = texts.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), texts.len(), "distinct samples: {texts:?}");
    assert!(
        sample
            .iter()
            .any(|s| s["copies"].as_u64().is_some_and(|c| c >= 10)),
        "the reposts are grouped with their copies: {body}"
    );
    assert!(
        body["first_posts"]
            .as_array()
            .is_some_and(|f| !f.is_empty()),
        "{body}"
    );
    assert!(
        body["series"]["mentions"]
            .as_array()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );

    let mails = smtp.wait_for(1, Duration::from_secs(15)).await;
    let subject = mails[0].header("Subject").unwrap();
    assert!(
        subject.starts_with("[sturmglas] KRITISCH Shitstorm: Nordwind Energie"),
        "{subject}"
    );
    let text = mails[0].part("text/plain").unwrap();
    assert!(text.contains("Erwähnungen"), "German text: {text}");
    assert!(text.contains("hotline"), "the drivers are named: {text}");
    // multipart/related holding the HTML, which shows the PNG by its Content-ID.
    let parsed = mails[0].parsed();
    fn find<'a>(
        p: &'a mailparse::ParsedMail<'a>,
        m: &str,
    ) -> Option<&'a mailparse::ParsedMail<'a>> {
        if p.ctype.mimetype == m {
            return Some(p);
        }
        p.subparts.iter().find_map(|s| find(s, m))
    }
    let related = find(&parsed, "multipart/related").expect("a multipart/related part");
    let html = find(related, "text/html").expect("HTML inside the related part");
    assert!(html.get_body().unwrap().contains("cid:chart@sturmglas"));
    let png = find(related, "image/png").expect("the chart inside the related part");
    let cid = png
        .headers
        .iter()
        .find(|h| h.get_key().eq_ignore_ascii_case("Content-ID"))
        .map(|h| h.get_value())
        .unwrap();
    assert_eq!(cid, "<chart@sturmglas>");
    let bytes = png.get_body_raw().unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert!(info.width >= 320, "{info:?}");
}
