//! End to end through the real binary: an Atom feed on loopback whose entries mention a brand
//! angrily becomes a storm alert, and the source shows up healthy in `/api/v1/sources` and in
//! the metrics.

mod harness;
mod sources_support;
mod support;

use axum::http::header;
use axum::routing::get;
use axum::Router;
use harness::{config, free_port, Daemon};

const BRANDS: &str = r##"
[[brands]]
name = "Nordwind Energie"
keywords = ["Nordwind", "#nordwind"]
"##;

/// An Atom feed of `n` fresh entries in Google Alerts' style (highlighted titles, redirect
/// links) that all mention the brand angrily.
fn angry_feed(n: usize) -> String {
    let now = chrono::Utc::now();
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:alerts</id><title>Google Alert - nordwind</title>"#,
    );
    s.push_str(&format!("<updated>{}</updated>", now.to_rfc3339()));
    for i in 0..n {
        let t = (now - chrono::Duration::seconds(i as i64)).to_rfc3339();
        s.push_str(&format!(
            "<entry><id>tag:google.com,2013:googlealerts/feed:{i}</id>\
             <title type=\"html\">&lt;b&gt;Nordwind&lt;/b&gt; ist eine Abzocke, Skandal! Nie wieder! ({i})</title>\
             <link href=\"https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://news.example.com/{i}&amp;ct=ga\"/>\
             <published>{t}</published><updated>{t}</updated>\
             <content type=\"html\">Kunden von &lt;b&gt;Nordwind&lt;/b&gt; sind wütend.</content></entry>"
        ));
    }
    s.push_str("</feed>");
    s
}

#[tokio::test]
async fn an_angry_atom_feed_becomes_a_storm_alert() {
    let feed = angry_feed(120);
    let app = Router::new().route(
        "/alerts.atom",
        get(move || {
            let feed = feed.clone();
            async move { ([(header::CONTENT_TYPE, "application/atom+xml")], feed) }
        }),
    );
    let addr = sources_support::serve(app).await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = support::smtp::SmtpServer::start();
    let extra = format!(
        "{BRANDS}\n[[sources.rss]]\nname = \"alerts\"\nurl = \"http://{addr}/alerts.atom\"\ninterval = \"200ms\"\n\n[[notify.email]]\nname = \"pr\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\ntls = \"none\"\nfrom = \"sturmglas@example.org\"\nto = [\"pr@example.org\"]\n",
        smtp.port()
    );
    let mut d = Daemon::start(dir.path(), port, &config(port, dir.path(), &extra)).await;
    let alerts = d
        .wait_alerts(20, |a| a.iter().any(|x| x["kind"] == "storm"))
        .await;
    let storm = alerts.iter().find(|x| x["kind"] == "storm").unwrap();
    assert_eq!(storm["brand"], "Nordwind Energie");
    assert_eq!(storm["mentions"], 120, "each entry counted once: {storm}");
    let mails = smtp.wait_for(1, std::time::Duration::from_secs(15)).await;
    let subject = mails[0].header("Subject").unwrap();
    assert!(subject.contains("storm: Nordwind Energie"), "{subject}");

    let sources = d.get_json("/api/v1/sources").await;
    let s = &sources.as_array().expect("a list of sources")[0];
    assert_eq!(s["name"], "alerts");
    assert_eq!(s["kind"], "rss");
    assert_eq!(s["state"], "ok");
    assert_eq!(s["items"], 120);
    let metrics = d.metrics().await;
    assert!(
        metrics.contains("sturmglas_source_items_total{source=\"alerts\"} 120"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sturmglas_source_fetches_total{source=\"alerts\",result=\"ok\"}"),
        "{metrics}"
    );
    assert!(d.stop().await.success());
}
