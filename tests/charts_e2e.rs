//! End-to-end: with `server.public_url`, an alert links its chart and the dashboard, and the
//! daemon serves the chart at that link as a PNG, in the reader's language and time zone.

mod harness;

use harness::{config_with_server, free_port, ndjson, Daemon, TOKEN};

const BRANDS: &str = r##"
[[brands]]
name = "Nordwind Energie"
keywords = ["Nordwind", "#nordwind"]
"##;

#[tokio::test]
async fn an_alert_links_its_chart_and_the_daemon_serves_it() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let text = config_with_server(
        port,
        dir.path(),
        &format!("public_url = \"{base}/\"\n"),
        BRANDS,
    );
    let d = Daemon::start(dir.path(), port, &text).await;
    d.post_mentions(
        ndjson("n", 120, "Nordwind ist eine Abzocke, Skandal! Nie wieder!"),
        Some(TOKEN),
    )
    .await;
    let alerts = d.wait_alerts(10, |a| !a.is_empty()).await;
    let links = &alerts[0]["links"];
    let chart = links["chart"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", alerts[0]));
    let id = alerts[0]["id"].as_str().unwrap();
    assert_eq!(chart, format!("{base}/charts/{id}.png"));
    assert_eq!(
        links["dashboard"].as_str(),
        Some(format!("{base}/brands/Nordwind%20Energie").as_str())
    );

    let http = reqwest::Client::new();
    for query in ["", "?lang=de&tz=Europe%2FBerlin"] {
        let r = http.get(format!("{chart}{query}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{query}");
        assert_eq!(r.headers()["content-type"], "image/png");
        let bytes = r.bytes().await.unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert!(info.width >= 320 && info.height >= 160, "{info:?}");
        // Not blank: more than a background colour.
        let first = &buf[..info.line_size.min(buf.len())][..3];
        assert!(buf.chunks(3).any(|px| px != first), "a blank chart");
    }
    // The dashboard link opens the dashboard on the brand's page.
    let r = http
        .get(links["dashboard"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let r = http
        .get(format!("{base}/charts/nope.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http
        .get(format!("{base}/charts/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http.get(format!("{chart}?lang=fr")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = http
        .get(format!("{chart}?tz=Mars%2FOlympus"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
