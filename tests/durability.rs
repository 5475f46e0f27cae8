//! Regression tests of issue 19's durability defects, against the real binary: counts survive
//! kill -9 with their dedup keys (1), an alert the store cannot take is retried until it is
//! recorded and delivered (2), and health reports the store (3).

mod harness;
mod support;

use std::time::Duration;

use harness::{config, free_port, ndjson, Daemon, TOKEN};
use support::webhook::WebhookReceiver;

const BRANDS: &str = r##"
[[brands]]
name = "Nordwind Energie"
keywords = ["Nordwind", "#nordwind"]
"##;

const ANGRY: &str = "Nordwind ist eine Abzocke, Skandal! Nie wieder!";
const CALM: &str = "Nordwind hat heute neue Tarife vorgestellt";

#[tokio::test]
async fn counts_that_got_their_202_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let d = Daemon::start(dir.path(), port, &config(port, dir.path(), BRANDS)).await;
    let (s, j) = d.post_mentions(ndjson("calm", 10, CALM), Some(TOKEN)).await;
    assert_eq!((s, j["accepted"].as_u64()), (202, Some(10)), "{j}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    d.signal("KILL");
    drop(d);

    let d = Daemon::start_existing(dir.path(), port).await;
    assert_eq!(d.brand("Nordwind Energie").await["mentions"], 10);
    // The storm, killed right after its 202 and before any tick could save the monitors.
    let (s, j) = d
        .post_mentions(ndjson("storm", 120, ANGRY), Some(TOKEN))
        .await;
    assert_eq!((s, j["accepted"].as_u64()), (202, Some(120)), "{j}");
    d.signal("KILL");
    drop(d);

    let d = Daemon::start_existing(dir.path(), port).await;
    let b = d.brand("Nordwind Energie").await;
    assert_eq!(b["mentions"], 130, "{b}");
    // Re-sent posts are still duplicates: each counts exactly once.
    let (_, j) = d
        .post_mentions(ndjson("storm", 120, ANGRY), Some(TOKEN))
        .await;
    assert_eq!(j["duplicates"].as_u64(), Some(120), "{j}");
    let alerts = d
        .wait_alerts(10, |a| a.iter().any(|e| e["kind"] == "storm"))
        .await;
    assert_eq!(alerts[0]["brand"], "Nordwind Energie");
}

/// Root can write to a read-only directory, so the full disk is real: a small tmpfs.
struct Tmpfs {
    path: std::path::PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` at `path`, or fails the test: these proofs must not pass by
    /// being skipped (CI runs as root).
    fn mount(path: &std::path::Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(path).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status();
        match status {
            Ok(s) if s.success() => Tmpfs {
                path: path.to_path_buf(),
            },
            other => panic!(
                "cannot mount a tmpfs at {} ({other:?}): the disk-fault tests need root and \
                 mount(8); run them as root, or leave them out with \
                 `--skip a_full_disk --skip a_read_only_state_dir`",
                path.display()
            ),
        }
    }

    /// Writes a filler file until the file system is full.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let filler = self.path.join("filler");
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let small = [0u8; 512];
        while f.write_all(&small).is_ok() {}
        let _ = f.sync_all();
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .status();
    }
}

/// A daemon whose storm got its 202 and whose state disk filled up before any tick could
/// record the storm's alert.
struct FullDuringStorm {
    d: Daemon,
    hook: WebhookReceiver,
    filler: std::path::PathBuf,
    _fs: Tmpfs,
    _dir: tempfile::TempDir,
}

/// Sets up the storm and fills the disk. A tick may still fall between the storm's 202 and the
/// last block of the filler, and then it records the alert while there is room: that run
/// proves nothing about a full disk, so it is started afresh (at most three times; a tick
/// every 2 s against a fill of a few milliseconds makes a second loss of the race rare).
async fn storm_then_full_disk() -> FullDuringStorm {
    for attempt in 1..=3 {
        let dir = tempfile::tempdir().unwrap();
        let fs = Tmpfs::mount(&dir.path().join("state"), "16m");
        let hook = WebhookReceiver::start().await;
        let port = free_port();
        let extra = format!(
            "{BRANDS}\n[[notify.webhook]]\nname = \"ops\"\nurl = \"{}\"\n",
            hook.url("/hook")
        );
        let text = config(port, dir.path(), &extra).replace("tick = \"200ms\"", "tick = \"2s\"");
        // The state dir is the tmpfs itself (config() appends "state").
        let d = Daemon::start(dir.path(), port, &text).await;
        let (s, _) = d
            .post_mentions(ndjson("storm", 120, ANGRY), Some(TOKEN))
            .await;
        assert_eq!(s, 202);
        let filler = fs.fill();
        if d.alerts().await.is_empty() && hook.requests().is_empty() {
            return FullDuringStorm {
                d,
                hook,
                filler,
                _fs: fs,
                _dir: dir,
            };
        }
        eprintln!("attempt {attempt}: a tick recorded the alert before the disk was full; again");
    }
    panic!("three times a tick recorded the alert between the 202 and the full disk");
}

#[tokio::test]
async fn a_full_disk_during_a_storm_is_reported_and_the_alert_follows_once_space_returns() {
    // Held whole, so the daemon stops before its disk is unmounted and its directory removed.
    let run = storm_then_full_disk().await;
    let (d, hook, filler) = (&run.d, &run.hook, run.filler.clone());

    let (s, j) = d
        .post_mentions(ndjson("more", 50, ANGRY), Some(TOKEN))
        .await;
    assert_eq!(s, 503, "ingest on a full disk: {j}");
    let client = reqwest::Client::new();
    let health = client.get(d.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 503);
    let h: serde_json::Value = health.json().await.unwrap();
    assert!(
        h["error"].as_str().unwrap().contains("state database"),
        "{h}"
    );
    // Ticks come and go; the alert cannot be recorded yet, so nothing is listed or sent.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(d.alerts().await.is_empty());
    assert!(hook.requests().is_empty());
    let metrics = d.metrics().await;
    let errors: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("sturmglas_store_errors_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    assert!(errors >= 2.0, "{metrics}");

    std::fs::remove_file(filler).unwrap();
    let alerts = d
        .wait_alerts(15, |a| a.iter().any(|e| e["kind"] == "storm"))
        .await;
    let got = hook.wait_for(1, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(hook.requests().len(), 1, "delivered once: {got:?}");
    assert_eq!(alerts.len(), 1);
    let health = client.get(d.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    // Rejected with 503, the second batch was not counted: it can be sent again.
    let (s, j) = d
        .post_mentions(ndjson("more", 50, ANGRY), Some(TOKEN))
        .await;
    assert_eq!((s, j["accepted"].as_u64()), (202, Some(50)), "{j}");
}

#[test]
fn a_read_only_state_dir_is_one_plain_error_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let _fs = Tmpfs::mount(&dir.path().join("state"), "1m");
    let state = dir.path().join("state");
    let ok = std::process::Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&state)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let port = free_port();
    let path = dir.path().join("sturmglas.toml");
    std::fs::write(&path, config(port, dir.path(), BRANDS)).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sturmglas"))
        .args(["run", "-c"])
        .arg(&path)
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mentions = stderr.matches("not writable").count();
    assert_eq!(mentions, 1, "{stderr}");
    assert!(stderr.contains(&state.display().to_string()), "{stderr}");
}
