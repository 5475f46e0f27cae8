//! The daemon in-process: `daemon::run` on a listener the test bound on `127.0.0.1:0`, stopped
//! by a future the test completes. No binary, no signals, no free-port race.

use std::time::Duration;

use sturmglas::daemon;

const TOKEN: &str = "test-token-0123456789";

fn config(dir: &std::path::Path) -> sturmglas::config::Config {
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:9\"\ningest_token = \"{TOKEN}\"\ntick = \"200ms\"\n\n\
         [storage]\nstate_dir = \"{}\"\n\n[[brands]]\nname = \"Acme\"\nkeywords = [\"Acme\"]\n",
        dir.join("state").display()
    );
    let path = dir.join("sturmglas.toml");
    std::fs::write(&path, text).unwrap();
    sturmglas::config::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_on_a_given_listener_and_stops_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(daemon::run(cfg, listener, async {
        let _ = stopped.await;
    }));

    let http = reqwest::Client::new();
    let mut healthy = false;
    for _ in 0..200 {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
            if r.status() == 200 {
                healthy = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(healthy, "the daemon never answered /healthz");

    let body = "{\"id\":\"t1\",\"text\":\"Acme hat neue Preise\"}\n\
                {\"id\":\"t2\",\"text\":\"Nichts davon\"}\n\
                {\"id\":\"t1\",\"text\":\"Acme hat neue Preise\"}\n";
    let r = http
        .post(format!("{base}/api/v1/mentions"))
        .bearer_auth(TOKEN)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let summary: serde_json::Value = r.json().await.unwrap();
    assert_eq!(summary["accepted"], 2, "{summary}");
    assert_eq!(summary["duplicates"], 1, "{summary}");
    assert_eq!(summary["matched"], 1, "{summary}");

    stop.send(()).unwrap();
    let result = tokio::time::timeout(daemon::STOP_DEADLINE, running)
        .await
        .expect("the daemon did not stop within its deadline")
        .unwrap();
    assert!(result.is_ok(), "{result:?}");
    assert!(
        http.get(format!("{base}/healthz")).send().await.is_err(),
        "the listener is still open after run returned"
    );
    // The stop released the store: a second run on the same state directory starts, and a
    // shutdown future that is already complete stops it right after startup.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let again = daemon::run(config(dir.path()), listener, async {});
    tokio::time::timeout(daemon::STOP_DEADLINE, again)
        .await
        .expect("an immediately stopped daemon did not return")
        .unwrap();
}
