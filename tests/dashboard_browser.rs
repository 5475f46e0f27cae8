//! End-to-end, the dashboard in a real browser: headless Chromium (Debian's `chromium`, which
//! `.ci/run` installs) opens the pages of a real daemon during a storm. The overview shows the
//! brands, the storm's level first; the brand page draws the SVG chart from data and shows the
//! drivers; a post carrying `<img src=x onerror=…>` is shown as text (no element, no handler
//! run, its `javascript:` link not made a link); in German by `?lang=` and by Accept-Language.
//! Through the DevTools protocol the page asks for the `api_token` once, keeps it in session
//! storage, acknowledges the storm (which the API then shows as `acknowledged_by`), silences
//! and ends the silence, filters the mentions, switches the timeline to 30 days, fits a
//! phone's width, and shows the unreachable state when the daemon stops.
//!
//! A missing Chromium fails these tests with a message saying how to install it.

mod harness;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use harness::{config, config_with_server, free_port, Daemon, TOKEN};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

const API_TOKEN: &str = "dash-api-token-0123456789";

const POSTS: &[&str] = &[
    "Nordwind hat mir den Abschlag doppelt abgebucht, Frechheit!",
    "Doppelte Abbuchung bei Nordwind, und die Hotline ist nicht erreichbar. Skandal!",
    "Nordwind: Hotline seit Stunden nicht erreichbar, doppelte Abbuchung auf dem Konto. Wütend!",
    "Wieder doppelte Abbuchung von Nordwind. Die Hotline legt einfach auf. Nie wieder!",
    "Eine Abzocke ist das: Nordwind bucht doppelt ab und die Hotline ist tot.",
];
/// A post that would run script if any page put it in as markup.
const EVIL: &str = "Nordwind <img src=x onerror=document.title='pwned'> Abzocke, Skandal!";

const BRANDS: &str = r##"
[[brands]]
name = "Acme"
keywords = ["Acme"]

[[brands]]
name = "Nordwind Energie"
keywords = ["Nordwind", "#nordwind"]
"##;

/// The storm: 90 angry posts on mastodon, and the evil one with a `javascript:` link.
fn storm() -> String {
    let mut out = String::new();
    for i in 0..90 {
        out.push_str(&format!(
            "{{\"id\":\"p{i}\",\"source\":\"mastodon\",\"author\":\"@kunde{i}\",\"text\":{},\"url\":\"https://social.example/p{i}\",\"lang\":\"de\"}}\n",
            serde_json::to_string(POSTS[i % POSTS.len()]).unwrap()
        ));
    }
    out.push_str(&format!(
        "{{\"id\":\"evil\",\"source\":\"rss\",\"author\":\"@evil\",\"text\":{},\"url\":\"javascript:document.title='pwned'\",\"lang\":\"de\"}}\n",
        serde_json::to_string(EVIL).unwrap()
    ));
    out
}

/// Debian's Chromium, or `$CHROMIUM`; a clear failure when there is none.
fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(p);
    }
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!(
        "the dashboard tests need headless Chromium and found none at /usr/bin/chromium \
         (or $CHROMIUM): install it with `apt-get install -y --no-install-recommends chromium` \
         (.ci/run does this)"
    );
}

/// The flags every run shares: headless, no sandbox (CI runs as root), its own profile.
fn browser(profile: &Path) -> Command {
    let mut c = Command::new(chromium());
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-extensions",
        "--window-size=1280,1000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .stdin(Stdio::null());
    c
}

/// Waits for `child` at most `secs`, killing it after that.
fn wait_output(mut child: Child, secs: u64) -> std::process::Output {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().expect("chromium output"),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let out = child.wait_with_output().expect("chromium output");
                panic!(
                    "chromium did not finish within {secs}s: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

/// The page's DOM after its scripts ran (a virtual time budget lets its fetches finish).
async fn dump_dom(url: String, extra: &'static [&'static str]) -> String {
    tokio::task::spawn_blocking(move || {
        let profile = tempfile::tempdir().unwrap();
        let child = browser(profile.path())
            .args(extra)
            .arg("--virtual-time-budget=3000")
            .arg("--dump-dom")
            .arg(&url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chromium");
        let out = wait_output(child, 60);
        let dom = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            dom.contains("</html>"),
            "no DOM from {url}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dom
    })
    .await
    .unwrap()
}

/// The DOM from the first `marker` on: a slice to search.
fn from<'a>(dom: &'a str, marker: &str) -> &'a str {
    let i = dom
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in {dom}"));
    &dom[i..]
}

#[tokio::test]
async fn the_pages_show_the_storm_its_chart_and_drivers_and_posts_only_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let d = Daemon::start(dir.path(), port, &config(port, dir.path(), BRANDS)).await;
    let (status, body) = d.post_mentions(storm(), Some(TOKEN)).await;
    assert_eq!(status, 202, "{body}");
    d.wait_alerts(10, |a| a.iter().any(|e| e["status"] == "firing"))
        .await;

    // The files come from the binary with cache headers; the pages allow only its scripts.
    let http = reqwest::Client::new();
    let r = http
        .get(d.url("/dashboard/common.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(h["cache-control"], "public, max-age=300");
    let etag = h["etag"].to_str().unwrap().to_string();
    let r = http
        .get(d.url("/dashboard/common.js"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let r = http.get(d.url("/dashboard/nope.js")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = http
        .get(d.url("/brands/Nordwind%20Energie"))
        .send()
        .await
        .unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    let page = r.text().await.unwrap();
    assert!(
        !page.contains("<script>") && !page.contains("Abzocke"),
        "{page}"
    );

    // The overview: both brands, the storm first and critical, its headline and its chart.
    let dom = dump_dom(d.url("/"), &[]).await;
    let nordwind = dom
        .find("data-brand=\"Nordwind Energie\" data-level=\"critical\"")
        .unwrap_or_else(|| panic!("no critical Nordwind card: {dom}"));
    let acme = dom
        .find("data-brand=\"Acme\" data-level=\"ok\"")
        .unwrap_or_else(|| panic!("no Acme card: {dom}"));
    assert!(nordwind < acme, "the storm is not sorted first");
    let card = &dom[nordwind..acme];
    assert!(card.contains("storm: "), "no headline: {card}");
    assert!(
        card.contains("hotline"),
        "no drivers in the headline: {card}"
    );
    assert!(
        card.contains("<svg") && card.contains("data-mentions=\"91\""),
        "{card}"
    );
    assert!(
        dom.contains("id=\"updated\">updated "),
        "no last-updated: {dom}"
    );

    // The brand page: the chart drawn from the archive, the drivers, the evil post as text.
    let dom = dump_dom(d.url("/brands/Nordwind%20Energie"), &[]).await;
    let chart = from(&dom, "<svg");
    assert!(chart.contains("data-mentions=\"91\""), "{chart}");
    assert!(chart.contains("class=\"neg\""), "no negative bars: {chart}");
    assert!(
        chart.contains("class=\"band\""),
        "no expected band: {chart}"
    );
    assert!(
        chart.contains("class=\"period critical\""),
        "no alert period: {chart}"
    );
    let brief = from(&dom, "id=\"brief\"");
    // A driver is named by its longest phrase ("hotline ist tot"), so look for the phrase
    // that carries each thing the storm is about.
    for driver in ["hotline", "doppelte abbuchung"] {
        assert!(
            brief.contains(&format!("<span class=\"term\">{driver}")),
            "driver {driver} missing: {brief}"
        );
    }
    assert!(brief.contains("18 copies"), "no copies: {brief}");
    let escaped = "Nordwind &lt;img src=x onerror=document.title='pwned'&gt; Abzocke";
    assert!(
        from(&dom, "id=\"mentions\"").contains(escaped),
        "the evil post is not shown as text: {dom}"
    );
    assert!(!dom.contains("<img"), "a post became an element: {dom}");
    assert!(
        !dom.contains("href=\"javascript:"),
        "a javascript: link: {dom}"
    );
    assert!(
        dom.contains("<title>Nordwind Energie — sturmglas</title>"),
        "the handler ran or the title is wrong: {dom}"
    );

    // German, by the switch's query and by the browser's language.
    let dom = dump_dom(d.url("/brands/Nordwind%20Energie?lang=de"), &[]).await;
    assert!(dom.contains("<html lang=\"de\">"), "{dom}");
    assert!(
        dom.contains("<span class=\"level critical\">kritisch</span>"),
        "{dom}"
    );
    assert!(dom.contains("Worum es geht"), "{dom}");
    assert!(
        dom.contains(" Erwähnungen in 15 min, "),
        "no German headline: {dom}"
    );
    let dom = dump_dom(d.url("/"), &["--accept-lang=de-DE,de"]).await;
    assert!(
        dom.contains("<html lang=\"de\">"),
        "Accept-Language ignored: {dom}"
    );
    assert!(dom.contains(">Marken</h1>"), "{dom}");
}

/// A page driven over the DevTools protocol.
struct Page {
    chrome: Child,
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    next: u64,
    _profile: tempfile::TempDir,
}

impl Page {
    /// Starts Chromium on `url` with a DevTools port and connects to the page.
    async fn open(url: &str) -> Page {
        let profile = tempfile::tempdir().unwrap();
        let chrome = browser(profile.path())
            .arg("--remote-debugging-port=0")
            .arg("--remote-allow-origins=*")
            .arg(url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        // Chromium writes the port it took into the profile.
        let port_file = profile.path().join("DevToolsActivePort");
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            if let Some(p) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|s| s.lines().next().and_then(|l| l.trim().parse::<u16>().ok()))
            {
                break p;
            }
            assert!(
                Instant::now() < deadline,
                "chromium opened no DevTools port"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let ws_url = loop {
            let targets: Value =
                match reqwest::get(format!("http://127.0.0.1:{port}/json/list")).await {
                    Ok(r) => r.json().await.unwrap_or(Value::Null),
                    Err(_) => Value::Null,
                };
            if let Some(u) = targets.as_array().and_then(|a| {
                a.iter()
                    .find(|t| t["type"] == "page")
                    .and_then(|t| t["webSocketDebuggerUrl"].as_str().map(String::from))
            }) {
                break u;
            }
            assert!(Instant::now() < deadline, "chromium shows no page target");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let (ws, _) = tokio_tungstenite::connect_async(ws_url.as_str())
            .await
            .expect("DevTools websocket");
        Page {
            chrome,
            ws,
            next: 0,
            _profile: profile,
        }
    }

    /// Evaluates `expr` in the page (awaiting a promise) and returns its value.
    async fn eval(&mut self, expr: &str) -> Value {
        let params = json!({"expression": expr, "awaitPromise": true, "returnByValue": true});
        let v = self.call("Runtime.evaluate", params).await;
        assert!(v["exceptionDetails"].is_null(), "{expr}: {v}");
        v["result"]["value"].clone()
    }

    /// Calls a DevTools method and returns its result.
    async fn call(&mut self, method: &str, params: Value) -> Value {
        match self.try_call(method, params).await {
            Ok(v) => v,
            Err(e) => panic!("{method}: {e}"),
        }
    }

    /// Calls a DevTools method; an error answer (such as "Inspected target navigated or
    /// closed" while the page is being replaced) comes back as `Err` for the caller to judge.
    async fn try_call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next += 1;
        let id = self.next;
        let msg = json!({"id": id, "method": method, "params": params});
        self.ws
            .send(Message::Text(msg.to_string().into()))
            .await
            .expect("DevTools send");
        loop {
            let m = tokio::time::timeout(Duration::from_secs(20), self.ws.next())
                .await
                .expect("DevTools answer")
                .expect("DevTools closed")
                .expect("DevTools read");
            let Message::Text(text) = m else { continue };
            let v: Value = serde_json::from_str(&text).unwrap();
            if v["id"] == id {
                if !v["error"].is_null() {
                    return Err(v);
                }
                return Ok(v["result"].clone());
            }
        }
    }

    /// Moves the page to `path` as a click on a link would; the document that asked may be
    /// gone before its answer comes, so only a refusal for another reason fails.
    async fn go(&mut self, path: &str) {
        let expr = format!("location.href = {}; true", json!(path));
        let params = json!({"expression": expr, "returnByValue": true});
        if let Err(e) = self.try_call("Runtime.evaluate", params).await {
            let navigated = e["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("navigated"));
            assert!(navigated, "going to {path}: {e}");
        }
    }

    /// Waits until `expr` is true in the page, or fails after `secs` showing the page's text.
    async fn wait(&mut self, expr: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            // Before the page has loaded, its elements are missing: not yet, no failure.
            let probe = format!(
                "(() => {{ try {{ return !!({expr}); }} catch (_) {{ return false; }} }})()"
            );
            // While a navigation replaces the document, the evaluation is refused: not yet.
            let params = json!({"expression": probe, "awaitPromise": true, "returnByValue": true});
            if let Ok(v) = self.try_call("Runtime.evaluate", params).await {
                if v["result"]["value"] == Value::Bool(true) {
                    return;
                }
            }
            if Instant::now() > deadline {
                let text = self.eval("document.body.innerText").await;
                panic!("{expr} did not become true within {secs}s; the page shows:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        let _ = self.chrome.kill();
        let _ = self.chrome.wait();
    }
}

async fn api(d: &Daemon, path: &str) -> Value {
    reqwest::Client::new()
        .get(d.url(path))
        .bearer_auth(API_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_page_asks_for_the_token_once_and_acknowledges_and_silences_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = format!("api_token = \"{API_TOKEN}\"\n");
    let text = config_with_server(port, dir.path(), &server, BRANDS);
    let mut d = Daemon::start(dir.path(), port, &text).await;
    let (status, body) = d.post_mentions(storm(), Some(TOKEN)).await;
    assert_eq!(status, 202, "{body}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let alert = loop {
        let alerts = api(&d, "/api/v1/alerts").await;
        if let Some(a) = alerts
            .as_array()
            .and_then(|a| a.iter().find(|e| e["status"] == "firing"))
        {
            break a.clone();
        }
        assert!(Instant::now() < deadline, "no storm: {alerts}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(alert["acknowledged_by"].is_null(), "{alert}");

    let mut page = Page::open(&d.url("/brands/Nordwind%20Energie")).await;
    // The API needs the token: the page asks for it and shows nothing of the storm before.
    page.wait("!document.getElementById('token-form').hidden", 15)
        .await;
    assert_eq!(
        page.eval("document.querySelectorAll('#brief .term').length")
            .await,
        json!(0)
    );
    page.eval(&format!(
        "document.getElementById('token-input').value = '{API_TOKEN}'; \
         document.getElementById('token-form').requestSubmit(); true"
    ))
    .await;
    page.wait("document.querySelectorAll('#brief .term').length > 0", 15)
        .await;
    page.wait(
        "document.querySelector('#timeline svg[data-mentions=\"91\"]')",
        10,
    )
    .await;
    // Kept for the tab, never in the URL or the page.
    assert_eq!(
        page.eval("sessionStorage.getItem('sturmglas-token')").await,
        json!(API_TOKEN)
    );
    assert_eq!(
        page.eval(&format!(
            "location.href.includes('{API_TOKEN}') || document.documentElement.outerHTML.includes('{API_TOKEN}')"
        ))
        .await,
        json!(false)
    );
    assert_eq!(
        page.eval("document.getElementById('token-form').hidden")
            .await,
        json!(true)
    );

    // Acknowledge from the page.
    page.eval(
        "const w = document.getElementById('who'); w.value = 'anna'; \
         w.dispatchEvent(new Event('change')); \
         document.getElementById('ack-comment').value = 'wir kümmern uns'; \
         document.getElementById('ack-button').click(); true",
    )
    .await;
    page.wait(
        "document.getElementById('ack-result').textContent === 'Acknowledged.'",
        10,
    )
    .await;
    let alerts = api(&d, "/api/v1/alerts").await;
    let acked = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == alert["id"])
        .unwrap();
    assert_eq!(acked["acknowledged_by"], "anna", "{acked}");
    assert!(acked["acknowledged_at"].is_string(), "{acked}");
    page.wait("document.querySelector('#brief .note.acked')", 10)
        .await;
    assert_eq!(
        page.eval("document.getElementById('ack-button').disabled")
            .await,
        json!(true)
    );

    // Silence with a duration and a comment, then end it, from the page.
    page.eval(
        "document.getElementById('silence-duration').value = '4h'; \
         document.getElementById('silence-comment').value = 'Preiskampagne'; \
         document.getElementById('silence-form').requestSubmit(); true",
    )
    .await;
    page.wait("document.querySelector('#silences button.end')", 10)
        .await;
    let silences = api(&d, "/api/v1/silences").await;
    let s = &silences[0];
    assert_eq!(
        (&s["brand"], &s["comment"], &s["created_by"], &s["state"]),
        (
            &json!("Nordwind Energie"),
            &json!("Preiskampagne"),
            &json!("anna"),
            &json!("active")
        ),
        "{silences}"
    );
    let starts = chrono::DateTime::parse_from_rfc3339(s["starts_at"].as_str().unwrap()).unwrap();
    let ends = chrono::DateTime::parse_from_rfc3339(s["ends_at"].as_str().unwrap()).unwrap();
    assert_eq!(ends - starts, chrono::Duration::hours(4));
    page.eval("document.querySelector('#silences button.end').click(); true")
        .await;
    page.wait("document.querySelector('#silences li.silence.ended')", 10)
        .await;
    assert_eq!(api(&d, "/api/v1/silences").await[0]["state"], "ended");

    // The mentions filter by source and by label.
    page.eval(
        "const f = document.getElementById('filter-source'); f.value = 'rss'; \
         f.dispatchEvent(new Event('change')); true",
    )
    .await;
    page.wait(
        "document.querySelectorAll('#mentions li.post').length === 1 && \
         document.querySelector('#mentions li.post .text').textContent.includes('<img src=x')",
        10,
    )
    .await;
    page.eval(
        "const g = document.getElementById('filter-source'); g.value = ''; \
         const l = document.getElementById('filter-label'); l.value = 'positive'; \
         l.dispatchEvent(new Event('change')); true",
    )
    .await;
    page.wait(
        "document.querySelectorAll('#mentions li.post').length === 0 && \
         document.querySelector('#mentions li.muted')",
        10,
    )
    .await;

    // The timeline over 30 days: 6-hour steps, the same 91 mentions.
    page.eval("document.querySelector('#ranges [data-range=\"30d\"]').click(); true")
        .await;
    page.wait(
        "['120', '121'].includes(document.querySelector('#timeline svg').dataset.points) && \
         document.querySelector('#timeline svg').dataset.mentions === '91'",
        10,
    )
    .await;

    // On a phone's width nothing runs off the side.
    page.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 390, "height": 800, "deviceScaleFactor": 2, "mobile": true}),
    )
    .await;
    page.wait("innerWidth === 390", 10).await;
    assert_eq!(
        page.eval("document.documentElement.scrollWidth").await,
        json!(390),
        "the brand page is wider than a phone"
    );
    page.call("Emulation.clearDeviceMetricsOverride", json!({}))
        .await;

    // The alerts page shows who acknowledged, with the token from the session.
    page.go("/alerts").await;
    page.wait(
        "[...document.querySelectorAll('#alerts td.acked')].some(td => td.textContent.startsWith('anna'))",
        15,
    )
    .await;
    assert_eq!(
        page.eval("document.getElementById('token-form').hidden")
            .await,
        json!(true),
        "asked for the token again"
    );
    // Each row links the brand page showing that alert.
    let href = page
        .eval("document.querySelector('#alerts tr.alert td a').getAttribute('href')")
        .await;
    assert!(
        href.as_str()
            .is_some_and(|h| h.starts_with("/brands/Nordwind%20Energie#alert=")),
        "{href}"
    );

    // The daemon goes away: the page says so, and keeps what it showed.
    assert!(d.stop().await.success());
    page.wait("!document.getElementById('offline').hidden", 15)
        .await;
    let shown = page
        .eval("document.getElementById('offline').textContent")
        .await;
    assert!(
        shown
            .as_str()
            .unwrap()
            .starts_with("Cannot reach the daemon"),
        "{shown}"
    );
    assert_eq!(
        page.eval("document.querySelectorAll('#alerts tr.alert').length > 0")
            .await,
        json!(true)
    );
}
