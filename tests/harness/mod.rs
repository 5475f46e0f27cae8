//! Runs the real `sturmglas` binary as a daemon on a loopback port, for end-to-end tests.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub const TOKEN: &str = "test-token-0123456789";

/// The standard output of a command run that must have succeeded; a failure shows both
/// streams.
pub fn stdout_ok(out: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A free loopback port (bound, then released for the daemon to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

pub struct Daemon {
    pub child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
    pub config_path: PathBuf,
    pub log_path: PathBuf,
}

/// A config for tests: fast ticks, a state dir in `dir`, and whatever `extra` adds.
pub fn config(port: u16, dir: &Path, extra: &str) -> String {
    config_with_server(port, dir, "", extra)
}

/// [`config`] with more keys of `[server]` (`server`: whole lines, e.g. `public_url = "…"\n`).
pub fn config_with_server(port: u16, dir: &Path, server: &str, extra: &str) -> String {
    format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\ningest_token = \"{TOKEN}\"\ntick = \"200ms\"\nmax_body_bytes = 65536\n{server}\n[storage]\nstate_dir = \"{}\"\n\n{extra}\n",
        dir.join("state").display()
    )
}

/// [`config`] with `server.public_url` set to the daemon's own loopback address, so the links
/// in its notices (ack, dashboard, chart) reach it.
pub fn config_with_own_public_url(port: u16, dir: &Path, extra: &str) -> String {
    let server = format!("public_url = \"http://127.0.0.1:{port}\"\n");
    config_with_server(port, dir, &server, extra)
}

impl Daemon {
    /// Writes `config_text` to `dir/sturmglas.toml` and starts the daemon on it.
    pub async fn start(dir: &Path, port: u16, config_text: &str) -> Daemon {
        let config_path = dir.join("sturmglas.toml");
        std::fs::write(&config_path, config_text).unwrap();
        Self::start_existing(dir, port).await
    }

    /// Starts the daemon on the config already in `dir` (for restarts).
    pub async fn start_existing(dir: &Path, port: u16) -> Daemon {
        let config_path = dir.join("sturmglas.toml");
        let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let log_path = dir.join(format!("daemon-{n}.log"));
        let log = std::fs::File::create(&log_path).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_sturmglas"))
            .arg("run")
            .arg("-c")
            .arg(&config_path)
            .env("RUST_LOG", "info")
            .env_remove("JOURNAL_STREAM")
            .env_remove("NOTIFY_SOCKET")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start sturmglas");
        let d = Daemon {
            child: Some(child),
            port,
            dir: dir.to_path_buf(),
            config_path,
            log_path,
        };
        d.wait_healthy().await;
        d
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    async fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = reqwest::Client::new();
        while Instant::now() < deadline {
            if let Ok(r) = client.get(self.url("/healthz")).send().await {
                if r.status() == 200 {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("daemon did not become healthy; log:\n{}", self.log());
    }

    /// The daemon's `/metrics` page.
    pub async fn metrics(&self) -> String {
        reqwest::get(self.url("/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig} failed");
    }

    /// Sends SIGTERM and waits for the exit status.
    pub async fn stop(&mut self) -> ExitStatus {
        self.signal("TERM");
        let mut child = self.child.take().expect("running");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("daemon did not stop after SIGTERM; log:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn post_mentions(
        &self,
        body: impl Into<String>,
        token: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let mut req = reqwest::Client::new()
            .post(self.url("/api/v1/mentions"))
            .body(body.into());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.expect("POST");
        let status = r.status().as_u16();
        let json = r.json().await.unwrap_or(serde_json::Value::Null);
        (status, json)
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        reqwest::get(self.url(path))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// One brand's object from `/api/v1/brands`; panics if the brand is not listed.
    pub async fn brand(&self, name: &str) -> serde_json::Value {
        let brands = self.get_json("/api/v1/brands").await;
        brands
            .as_array()
            .and_then(|a| a.iter().find(|b| b["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("brand {name:?} not in {brands}"))
    }

    pub async fn alerts(&self) -> Vec<serde_json::Value> {
        self.get_json("/api/v1/alerts")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Polls the alerts API until `pred` holds, or panics after `secs`.
    pub async fn wait_alerts(
        &self,
        secs: u64,
        pred: impl Fn(&[serde_json::Value]) -> bool,
    ) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let a = self.alerts().await;
            if pred(&a) {
                return a;
            }
            if Instant::now() > deadline {
                panic!("condition on alerts not met: {a:#?}\nlog:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Waits for the next wall-clock minute if fewer than `secs` seconds are left in this one.
/// The detector learns each completed minute into its baseline; a test whose steps must see
/// the same baseline (posts held back by a threshold, then released by a reload) must not
/// straddle a minute boundary.
pub async fn within_one_minute(secs: u64) {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let left =
        Duration::from_secs(60) - Duration::from_millis((since_epoch.as_millis() % 60_000) as u64);
    if left < Duration::from_secs(secs) {
        tokio::time::sleep(left + Duration::from_millis(200)).await;
    }
}

/// `n` NDJSON mentions with ids `{prefix}{i}` and the given text.
pub fn ndjson(prefix: &str, n: usize, text: &str) -> String {
    (0..n)
        .map(|i| {
            serde_json::json!({"id": format!("{prefix}{i}"), "text": text, "author": format!("user{i}"), "reach": i * 10, "url": format!("https://example.org/{prefix}{i}")})
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The daemon in the test's own process (`daemon::run`), for a test that must set what the
/// config file cannot say (an interval placed around the current second, a one-second window):
/// `adjust` changes the loaded config before the daemon starts. `d` talks to it over HTTP as to
/// the binary; [`InProcess::stop`] stops it as SIGTERM would.
pub struct InProcess {
    pub d: Daemon,
    stop: tokio::sync::oneshot::Sender<()>,
    running: tokio::task::JoinHandle<Result<(), sturmglas::daemon::DaemonError>>,
}

impl InProcess {
    /// Binds a loopback port, writes `config_text(port)` to `dir/sturmglas.toml`, loads it,
    /// applies `adjust`, starts the daemon and waits until it answers.
    pub async fn start(
        dir: &Path,
        config_text: impl FnOnce(u16) -> String,
        adjust: impl FnOnce(&mut sturmglas::config::Config),
    ) -> InProcess {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let config_path = dir.join("sturmglas.toml");
        std::fs::write(&config_path, config_text(port)).unwrap();
        let mut cfg = sturmglas::config::load(&config_path).unwrap_or_else(|e| panic!("{e}"));
        adjust(&mut cfg);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(sturmglas::daemon::run(cfg, listener, async {
            let _ = stopped.await;
        }));
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the in-process daemon did not answer"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        InProcess {
            d: Daemon {
                child: None,
                port,
                dir: dir.to_path_buf(),
                config_path,
                log_path: dir.join("none.log"),
            },
            stop,
            running,
        }
    }

    /// Stops the daemon and asserts that it stopped cleanly within its stop deadline.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(sturmglas::daemon::STOP_DEADLINE, self.running)
            .await
            .expect("the daemon did not stop")
            .expect("the daemon task panicked")
            .expect("the daemon stopped with an error");
    }
}

/// The tests' `[[notify.email]]` channel "pr-team" to the loopback SMTP server on `smtp_port`,
/// without TLS; a test appends its own keys (language, timezone, digest_at) on the next lines.
pub fn email_channel(smtp_port: u16) -> String {
    format!(
        "[[notify.email]]\nname = \"pr-team\"\nsmtp_host = \"127.0.0.1\"\n\
         smtp_port = {smtp_port}\ntls = \"none\"\nfrom = \"sturmglas@example.org\"\n\
         to = [\"pr@example.org\"]\n"
    )
}
