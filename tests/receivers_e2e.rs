//! End-to-end, pager and phone receivers: the real daemon delivers one storm and its all-clear
//! to a loopback server per receiver — PagerDuty Events API v2, Opsgenie Alert API, ntfy,
//! Telegram Bot API, Google Chat — each of which checks the request as the real API would
//! (method, path and query, headers, required fields and their types, limits) and answers
//! 400 with the reason otherwise. PagerDuty gets a trigger then a resolve with the same
//! `dedup_key`; Opsgenie a create then a close by alias; a signed channel's v2 signature
//! verifies over `"<timestamp>.<body>"`.
//!
//! The daemon runs in-process with a one-second `window` for its lifecycle (the config file
//! takes a minute at least), so the storm is over when its minute bucket leaves the short
//! window and the all-clear follows within the same test.

mod harness;
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use harness::{config_with_own_public_url, ndjson, InProcess, TOKEN};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const ANGRY: &str = "Nordwind ist eine Abzocke, Skandal! Nie wieder!";
/// PagerDuty integration keys are 32 characters.
const ROUTING_KEY: &str = "R0UT1NGKEY0123456789abcdefABCDEF";
const GENIE_KEY: &str = "eb243592-faa2-4ba2-a551q-1afdf565c889";
const BOT_TOKEN: &str = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11";
const NTFY_SECRET: &str = "ntfy-hook-secret";

/// One request as an API server saw it, and what it answered.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Vec<u8>,
    verdict: Result<(), String>,
}

impl Seen {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

type Check = fn(&Seen) -> Result<(), String>;

struct Api {
    check: Check,
    seen: Mutex<Vec<Seen>>,
}

/// A loopback server that checks every request with `check`: 2xx when it passes, 400 with the
/// reason when it does not (as the real services answer a malformed request).
struct ApiServer {
    addr: std::net::SocketAddr,
    api: Arc<Api>,
    task: tokio::task::JoinHandle<()>,
}

impl ApiServer {
    async fn start(check: Check) -> ApiServer {
        let api = Arc::new(Api {
            check,
            seen: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .fallback(receive)
            .with_state(Arc::clone(&api));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        ApiServer { addr, api, task }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.api.seen.lock().unwrap().clone()
    }

    async fn wait_for(&self, what: &str, n: usize) -> Vec<Seen> {
        support::eventually(what, Duration::from_secs(90), || {
            let s = self.seen();
            (s.len() >= n).then_some(s)
        })
        .await
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(
    State(api): State<Arc<Api>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut seen = Seen {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        headers,
        body: body.to_vec(),
        verdict: Ok(()),
    };
    seen.verdict = (api.check)(&seen);
    let reply = match &seen.verdict {
        Ok(()) => (
            StatusCode::ACCEPTED,
            json!({"status": "success"}).to_string(),
        ),
        Err(why) => (
            StatusCode::BAD_REQUEST,
            json!({"status": "invalid event", "errors": [why]}).to_string(),
        ),
    };
    api.seen.lock().unwrap().push(seen);
    reply.into_response()
}

// ---- what each API requires ----------------------------------------------------------

fn need(ok: bool, why: impl Into<String>) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(why.into())
    }
}

fn post_json(s: &Seen) -> Result<Value, String> {
    need(s.method == "POST", format!("method {}", s.method))?;
    need(
        s.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "Content-Type is not application/json",
    )?;
    let v: Value = serde_json::from_slice(&s.body).map_err(|e| format!("body is not JSON: {e}"))?;
    need(v.is_object(), "body is not an object")?;
    Ok(v)
}

fn string(v: &Value, key: &str, max: usize) -> Result<String, String> {
    let s = v[key]
        .as_str()
        .ok_or_else(|| format!("`{key}` is not a string: {}", v[key]))?;
    need(!s.trim().is_empty(), format!("`{key}` is empty"))?;
    need(
        s.chars().count() <= max,
        format!("`{key}` is longer than {max}"),
    )?;
    Ok(s.to_string())
}

fn optional_string(v: &Value, key: &str, max: usize) -> Result<(), String> {
    if v.get(key).is_some() {
        string(v, key, max)?;
    }
    Ok(())
}

/// PagerDuty Events API v2, `POST /v2/enqueue`.
fn pagerduty(s: &Seen) -> Result<(), String> {
    need(s.path == "/v2/enqueue", format!("path {}", s.path))?;
    let v = post_json(s)?;
    let key = string(&v, "routing_key", 32)?;
    need(key.len() == 32, "routing_key must be 32 characters")?;
    let action = string(&v, "event_action", 20)?;
    need(
        ["trigger", "acknowledge", "resolve"].contains(&action.as_str()),
        format!("event_action {action}"),
    )?;
    if action != "trigger" {
        string(&v, "dedup_key", 255)?;
        return Ok(());
    }
    optional_string(&v, "dedup_key", 255)?;
    let p = &v["payload"];
    need(p.is_object(), "payload is required for a trigger")?;
    string(p, "summary", 1024)?;
    string(p, "source", 1024)?;
    let sev = string(p, "severity", 20)?;
    need(
        ["critical", "error", "warning", "info"].contains(&sev.as_str()),
        format!("severity {sev}"),
    )?;
    if let Some(t) = p.get("timestamp") {
        let t = t.as_str().ok_or("timestamp is not a string")?;
        chrono::DateTime::parse_from_rfc3339(t).map_err(|e| format!("timestamp {t}: {e}"))?;
    }
    for k in ["component", "group", "class"] {
        optional_string(p, k, 1024)?;
    }
    if let Some(d) = p.get("custom_details") {
        need(d.is_object(), "custom_details is not an object")?;
    }
    for (list, href) in [("links", "href"), ("images", "src")] {
        if let Some(l) = v.get(list) {
            let l = l.as_array().ok_or(format!("{list} is not an array"))?;
            for x in l {
                string(x, href, 2048)?;
                if x.get("text").is_some() || x.get("alt").is_some() {
                    need(
                        x.get("text").or(x.get("alt")).is_some_and(Value::is_string),
                        format!("{list}: text is not a string"),
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// Opsgenie Alert API: create `POST /v2/alerts`, close
/// `POST /v2/alerts/{alias}/close?identifierType=alias`, both with `GenieKey`.
fn opsgenie(s: &Seen) -> Result<(), String> {
    need(
        s.header("authorization") == Some(&format!("GenieKey {GENIE_KEY}")),
        "Authorization is not `GenieKey <key>`",
    )?;
    let v = post_json(s)?;
    if s.path == "/v2/alerts" {
        need(s.query.is_none(), "create takes no query")?;
        string(&v, "message", 130)?;
        optional_string(&v, "alias", 512)?;
        optional_string(&v, "description", 15_000)?;
        optional_string(&v, "entity", 512)?;
        optional_string(&v, "source", 100)?;
        if let Some(p) = v.get("priority") {
            need(
                ["P1", "P2", "P3", "P4", "P5"].contains(&p.as_str().unwrap_or("")),
                format!("priority {p}"),
            )?;
        }
        if let Some(t) = v.get("tags") {
            let t = t.as_array().ok_or("tags is not an array")?;
            need(
                t.iter()
                    .all(|x| x.as_str().is_some_and(|x| x.chars().count() <= 50)),
                "a tag is not a string of at most 50",
            )?;
        }
        if let Some(d) = v.get("details") {
            let d = d.as_object().ok_or("details is not an object")?;
            need(
                d.values().all(Value::is_string),
                "details values must be strings",
            )?;
            let total: usize = d
                .iter()
                .map(|(k, v)| k.chars().count() + v.as_str().unwrap_or("").chars().count())
                .sum();
            need(total <= 8000, "details longer than 8000")?;
        }
        return Ok(());
    }
    let rest = s
        .path
        .strip_prefix("/v2/alerts/")
        .and_then(|r| r.strip_suffix("/close"))
        .ok_or(format!("path {}", s.path))?;
    need(!rest.is_empty(), "close without an identifier")?;
    need(
        s.query.as_deref() == Some("identifierType=alias"),
        format!("close query {:?}", s.query),
    )?;
    for k in ["user", "source"] {
        optional_string(&v, k, 100)?;
    }
    optional_string(&v, "note", 25_000)
}

/// ntfy's JSON publish: `POST /` with `topic`.
fn ntfy(s: &Seen) -> Result<(), String> {
    need(
        s.path == "/",
        format!("a JSON publish goes to the root, not {}", s.path),
    )?;
    need(s.method == "POST", "method")?;
    let v: Value = serde_json::from_slice(&s.body).map_err(|e| format!("not JSON: {e}"))?;
    let topic = string(&v, "topic", 64)?;
    need(
        topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "invalid topic",
    )?;
    let m = v["message"].as_str().ok_or("message is not a string")?;
    need(m.len() <= 4096, "message over 4096 bytes")?;
    optional_string(&v, "title", 250)?;
    if let Some(p) = v.get("priority") {
        need(
            p.as_u64().is_some_and(|p| (1..=5).contains(&p)),
            format!("priority {p}"),
        )?;
    }
    if let Some(t) = v.get("tags") {
        need(
            t.as_array().is_some_and(|t| t.iter().all(Value::is_string)),
            "tags",
        )?;
    }
    optional_string(&v, "click", 2048)?;
    if let Some(m) = v.get("markdown") {
        need(m.is_boolean(), "markdown is not a boolean")?;
    }
    if let Some(a) = v.get("actions") {
        let a = a.as_array().ok_or("actions is not an array")?;
        need(a.len() <= 3, "more than 3 actions")?;
        for x in a {
            need(
                ["view", "http", "broadcast"].contains(&x["action"].as_str().unwrap_or("")),
                "action",
            )?;
            string(x, "label", 100)?;
            if x["action"] == "view" {
                string(x, "url", 2048)?;
            }
        }
    }
    Ok(())
}

/// Telegram Bot API: `POST /bot<token>/sendMessage`, HTML checked for the tags Telegram knows
/// and for balance.
fn telegram(s: &Seen) -> Result<(), String> {
    need(
        s.path == format!("/bot{BOT_TOKEN}/sendMessage"),
        "path is not /bot<token>/sendMessage",
    )?;
    let v = post_json(s)?;
    need(
        v["chat_id"].is_i64() || v["chat_id"].is_string(),
        "chat_id is neither an integer nor a string",
    )?;
    let text = string(&v, "text", 4096)?;
    need(
        v.get("disable_web_page_preview")
            .is_none_or(Value::is_boolean),
        "disable_web_page_preview",
    )?;
    match v["parse_mode"].as_str() {
        Some("HTML") => telegram_html(&text),
        Some("MarkdownV2") | Some("Markdown") | None => Ok(()),
        Some(p) => Err(format!("parse_mode {p}")),
    }
}

fn telegram_html(text: &str) -> Result<(), String> {
    const TAGS: [&str; 14] = [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "span",
        "blockquote",
    ];
    let mut open: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['<', '&']) {
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix('&') {
            let ok = ["amp;", "lt;", "gt;", "quot;"]
                .iter()
                .any(|e| after.starts_with(e));
            need(
                ok,
                format!(
                    "can't parse entities near {:?}",
                    tail.chars().take(12).collect::<String>()
                ),
            )?;
            rest = after;
            continue;
        }
        let end = tail.find('>').ok_or("unclosed tag")?;
        let tag = &tail[1..end];
        if let Some(name) = tag.strip_prefix('/') {
            need(
                open.pop().as_deref() == Some(name),
                format!("unbalanced </{name}>"),
            )?;
        } else {
            let name = tag.split_whitespace().next().unwrap_or("");
            need(TAGS.contains(&name), format!("unsupported tag <{name}>"))?;
            if name == "a" {
                need(tag.starts_with("a href=\""), "a without href")?;
            }
            open.push(name.to_string());
        }
        rest = &tail[end + 1..];
    }
    need(open.is_empty(), format!("unclosed {open:?}"))
}

/// Google Chat incoming webhook: `POST /v1/spaces/<space>/messages?key=…&token=…`, text or
/// cardsV2 made of known widgets.
fn googlechat(s: &Seen) -> Result<(), String> {
    need(
        s.path.starts_with("/v1/spaces/") && s.path.ends_with("/messages"),
        format!("path {}", s.path),
    )?;
    let q = s.query.as_deref().unwrap_or("");
    need(
        q.contains("key=K3Y") && q.contains("token=T0K"),
        "the webhook's key and token are missing",
    )?;
    let v = post_json(s)?;
    need(
        v["text"].is_string() || v["cardsV2"].is_array(),
        "neither text nor cardsV2",
    )?;
    if v.get("thread").is_some() {
        string(&v["thread"], "threadKey", 4000)?;
    }
    for c in v["cardsV2"].as_array().into_iter().flatten() {
        string(c, "cardId", 255)?;
        let sections = c["card"]["sections"]
            .as_array()
            .ok_or("card without sections")?;
        for sec in sections {
            let widgets = sec["widgets"].as_array().ok_or("section without widgets")?;
            for w in widgets {
                let w = w.as_object().ok_or("widget is not an object")?;
                need(w.len() == 1, "a widget has exactly one kind")?;
                let (kind, body) = w.iter().next().unwrap();
                match kind.as_str() {
                    "textParagraph" => {
                        string(body, "text", 10_000)?;
                    }
                    "decoratedText" => {
                        string(body, "text", 10_000)?;
                    }
                    "image" => {
                        string(body, "imageUrl", 2048)?;
                    }
                    "buttonList" => {
                        for b in body["buttons"].as_array().ok_or("buttons")? {
                            string(b, "text", 200)?;
                            string(&b["onClick"]["openLink"], "url", 2048)?;
                        }
                    }
                    "divider" => {}
                    k => return Err(format!("unknown widget {k}")),
                }
            }
        }
    }
    Ok(())
}

// ---- the test ------------------------------------------------------------------------

fn receivers_config(
    pd: &ApiServer,
    og: &ApiServer,
    nt: &ApiServer,
    tg: &ApiServer,
    gc: &ApiServer,
) -> String {
    format!(
        r##"
[[brands]]
name = "Nordwind Energie"
keywords = ["Nordwind", "#nordwind"]

[[notify.webhook]]
name = "pager"
url = "{pd}"
format = "pagerduty"
routing_key = "{ROUTING_KEY}"

[[notify.webhook]]
name = "genie"
url = "{og}"
format = "opsgenie"
api_key = "{GENIE_KEY}"
language = "de"
timezone = "Europe/Berlin"

[[notify.webhook]]
name = "phones"
url = "{nt}"
format = "ntfy"
secret = "{NTFY_SECRET}"

[[notify.webhook]]
name = "tg"
url = "{tg}"
format = "telegram"
chat_id = -1001234567890
language = "de"
timezone = "Europe/Berlin"

[[notify.webhook]]
name = "gchat"
url = "{gc}"
format = "googlechat"

[notify.retry]
initial_backoff = "200ms"
max_backoff = "1s"
"##,
        pd = pd.url("/v2/enqueue"),
        og = og.url("/v2/alerts"),
        nt = nt.url("/nordwind-pr"),
        tg = tg.url(&format!("/bot{BOT_TOKEN}/sendMessage")),
        gc = gc.url("/v1/spaces/AAAA/messages?key=K3Y&token=T0K"),
    )
}

/// Seconds into the current wall-clock minute.
fn second_of_minute() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        % 60
}

fn hmac_hex(key: &str, data: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(data);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_receiver_gets_the_storm_and_its_all_clear_in_its_apis_shape() {
    let pd = ApiServer::start(pagerduty).await;
    let og = ApiServer::start(opsgenie).await;
    let nt = ApiServer::start(ntfy).await;
    let tg = ApiServer::start(telegram).await;
    let gc = ApiServer::start(googlechat).await;

    let dir = tempfile::tempdir().unwrap();
    let daemon = InProcess::start(
        dir.path(),
        |port| {
            config_with_own_public_url(port, dir.path(), &receivers_config(&pd, &og, &nt, &tg, &gc))
        },
        |cfg| {
            // The storm is over one second after its minute leaves the (one-minute) short window.
            cfg.brands[0].thresholds.window = Duration::from_secs(1);
        },
    )
    .await;
    let d = &daemon.d;
    let base = d.url("");

    // Storm late in a minute, so that the minute ends (and the storm with it) soon after.
    let s = second_of_minute();
    let wait = if s < 40 {
        40 - s
    } else if s < 50 {
        0
    } else {
        100 - s
    };
    tokio::time::sleep(Duration::from_secs(wait)).await;
    d.post_mentions(ndjson("n", 120, ANGRY), Some(TOKEN)).await;

    let servers = [
        ("pagerduty", &pd),
        ("opsgenie", &og),
        ("ntfy", &nt),
        ("telegram", &tg),
        ("googlechat", &gc),
    ];
    for (name, srv) in servers {
        let seen = srv
            .wait_for(&format!("{name}: the storm and its all-clear"), 2)
            .await;
        for r in &seen {
            assert_eq!(
                r.verdict,
                Ok(()),
                "{name} refused {} {}: {}",
                r.method,
                r.path,
                String::from_utf8_lossy(&r.body)
            );
        }
    }
    // Give the outbox a moment: nothing more arrives (no notice sent twice).
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // PagerDuty: one incident, triggered then resolved by the same dedup_key.
    let p = pd.seen();
    assert_eq!(p.len(), 2, "{p:#?}");
    let (trigger, resolve) = (p[0].json(), p[1].json());
    assert_eq!(trigger["event_action"], "trigger");
    assert_eq!(resolve["event_action"], "resolve");
    assert_eq!(trigger["dedup_key"], resolve["dedup_key"]);
    assert_eq!(trigger["routing_key"], ROUTING_KEY);
    assert_eq!(trigger["payload"]["severity"], "critical");
    assert_eq!(trigger["payload"]["component"], "Nordwind Energie");
    let summary = trigger["payload"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("[sturmglas] CRITICAL storm: Nordwind Energie — 120 mentions"),
        "{summary}"
    );
    let details = &trigger["payload"]["custom_details"];
    assert!(
        details["Posts"].as_array().is_some_and(|p| !p.is_empty()),
        "{details}"
    );
    assert!(
        trigger["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["href"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{base}/ack/"))),
        "{trigger}"
    );

    // Opsgenie: created, then closed by the alias it was created with; German text.
    let o = og.seen();
    assert_eq!(o.len(), 2, "{o:#?}");
    assert_eq!(o[0].path, "/v2/alerts");
    let create = o[0].json();
    let alias = create["alias"].as_str().unwrap();
    assert_eq!(
        o[1].path,
        format!("/v2/alerts/{}/close", utf8_percent_encode_segment(alias))
    );
    assert_eq!(create["priority"], "P1");
    assert!(
        create["message"]
            .as_str()
            .unwrap()
            .contains("KRITISCH Shitstorm: Nordwind Energie"),
        "{create}"
    );
    assert!(
        create["description"]
            .as_str()
            .unwrap()
            .contains("Erwähnungen"),
        "{create}"
    );
    assert!(
        o[1].json()["note"].as_str().unwrap().contains("ENTWARNUNG"),
        "{}",
        o[1].json()
    );
    assert_eq!(
        pd_thread(&trigger),
        alias,
        "PagerDuty and Opsgenie key the same thread"
    );

    // ntfy: to the root with the topic; signed, and the v2 signature verifies.
    let n = nt.seen();
    assert_eq!(n.len(), 2);
    let first = n[0].json();
    assert_eq!(first["topic"], "nordwind-pr");
    assert_eq!(first["priority"], 5);
    assert!(
        first["message"].as_str().unwrap().contains("Abzocke"),
        "{first}"
    );
    assert_eq!(n[1].json()["priority"], 3);
    for r in &n {
        let ts = r.header("x-sturmglas-timestamp").expect("timestamp header");
        let ts_n: i64 = ts.parse().expect("unix seconds");
        let now = chrono::Utc::now().timestamp();
        assert!(
            (now - ts_n).abs() <= 300,
            "within a five-minute replay window: {ts_n} vs {now}"
        );
        let mut signed = format!("{ts}.").into_bytes();
        signed.extend_from_slice(&r.body);
        assert_eq!(
            r.header("x-sturmglas-signature-v2"),
            Some(hmac_hex(NTFY_SECRET, &signed).as_str())
        );
        assert_eq!(
            r.header("x-sturmglas-signature"),
            Some(hmac_hex(NTFY_SECRET, &r.body).as_str())
        );
    }
    assert!(
        pd.seen()[0].header("x-sturmglas-signature-v2").is_none(),
        "unsigned without a secret"
    );

    // Telegram: German HTML, then the all-clear.
    let t = tg.seen();
    assert_eq!(t.len(), 2);
    let m = t[0].json();
    assert_eq!(m["chat_id"], -1001234567890i64);
    assert!(
        m["text"]
            .as_str()
            .unwrap()
            .starts_with("<b>KRITISCH Shitstorm: Nordwind Energie</b>"),
        "{m}"
    );
    assert!(
        m["text"].as_str().unwrap().contains("Abzocke"),
        "the sample post is shown: {m}"
    );
    assert!(
        t[1].json()["text"]
            .as_str()
            .unwrap()
            .starts_with("<b>Entwarnung: Nordwind Energie</b>"),
        "{}",
        t[1].json()
    );

    // Google Chat: both in one thread, as replies.
    let g = gc.seen();
    assert_eq!(g.len(), 2);
    assert!(g
        .iter()
        .all(|r| r.query.as_deref().is_some_and(
            |q| q.ends_with("messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
        )));
    let card = g[0].json()["cardsV2"][0]["card"].to_string();
    assert!(
        card.contains("Abzocke") && card.contains(&format!("{base}/ack/")),
        "posts and the ack button: {card}"
    );
    assert_eq!(
        g[0].json()["thread"]["threadKey"],
        g[1].json()["thread"]["threadKey"]
    );

    daemon.stop().await;
}

/// The thread key a PagerDuty trigger carries.
fn pd_thread(v: &Value) -> &str {
    v["dedup_key"].as_str().unwrap_or("")
}

/// How a URL path segment spells `s` (what `url` does for a pushed segment).
fn utf8_percent_encode_segment(s: &str) -> String {
    let mut u = url::Url::parse("http://x/").unwrap();
    u.path_segments_mut().unwrap().clear().push(s);
    u.path().trim_start_matches('/').to_string()
}

#[test]
fn the_checks_refuse_what_the_real_apis_refuse() {
    let req = |path: &str, query: Option<&str>, headers: &[(&str, &str)], body: Value| {
        let mut h = HeaderMap::new();
        h.insert("content-type", "application/json".parse().unwrap());
        for (k, v) in headers {
            h.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        Seen {
            method: "POST".into(),
            path: path.into(),
            query: query.map(str::to_string),
            headers: h,
            body: body.to_string().into_bytes(),
            verdict: Ok(()),
        }
    };
    let good = json!({"routing_key": ROUTING_KEY, "event_action": "trigger",
        "payload": {"summary": "x", "source": "s", "severity": "critical"}});
    assert_eq!(
        pagerduty(&req("/v2/enqueue", None, &[], good.clone())),
        Ok(())
    );
    let mut bad = good.clone();
    bad["payload"]["severity"] = json!("high");
    assert!(pagerduty(&req("/v2/enqueue", None, &[], bad)).is_err());
    assert!(pagerduty(&req(
        "/v2/enqueue",
        None,
        &[],
        json!({"routing_key": ROUTING_KEY, "event_action": "resolve"})
    ))
    .is_err());
    let auth = [(
        "authorization",
        "GenieKey eb243592-faa2-4ba2-a551q-1afdf565c889",
    )];
    assert!(opsgenie(&req(
        "/v2/alerts",
        None,
        &auth,
        json!({"message": "m".repeat(131)})
    ))
    .is_err());
    assert!(
        opsgenie(&req("/v2/alerts/a/close", None, &auth, json!({}))).is_err(),
        "close needs identifierType"
    );
    assert_eq!(
        opsgenie(&req(
            "/v2/alerts/a/close",
            Some("identifierType=alias"),
            &auth,
            json!({})
        )),
        Ok(())
    );
    assert!(ntfy(&req(
        "/topic",
        None,
        &[],
        json!({"topic": "t", "message": "m"})
    ))
    .is_err());
    assert!(telegram_html("<b>x</i>").is_err());
    assert!(telegram_html("a < b").is_err());
    assert!(telegram_html("<div>x</div>").is_err());
    assert_eq!(
        telegram_html("<b>a &amp; b</b> <a href=\"https://x\">y</a>"),
        Ok(())
    );
}
