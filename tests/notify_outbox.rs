//! The outbox worker against real receivers: retries with backoff through an SMTP outage and
//! HTTP errors, delivers exactly once, gives up on permanent errors, keeps per-channel rate
//! limits, follows config reloads and survives a restart. Backoffs are shortened through
//! `[notify.retry]`, so the whole file runs in a few seconds.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sturmglas::alert::{AlertEvent, Kind, Level, Status};
use sturmglas::config::notify::NotifyConfig;
use sturmglas::metrics::Metrics;
use sturmglas::shutdown::{self, ShutdownTrigger};
use sturmglas::store::{OutboxRow, Store};
use support::eventually;
use support::smtp::SmtpServer;
use support::webhook::{Reply, WebhookReceiver};
use tokio::sync::{watch, Notify};

const WAIT: Duration = Duration::from_secs(10);
const FAST_RETRY: &str = "[notify.retry]\ninitial_backoff = \"100ms\"\nmax_backoff = \"300ms\"\n";

fn config(channels: &str) -> NotifyConfig {
    let src = format!("[[brands]]\nname = \"Acme\"\nkeywords = [\"acme\"]\n{FAST_RETRY}{channels}");
    match sturmglas::config::parse(&src, Path::new("test.toml")) {
        Ok(c) => c.notify,
        Err(e) => panic!("test config is invalid:\n{e}"),
    }
}

fn hook(name: &str, url: &str, extra: &str) -> String {
    format!("[[notify.webhook]]\nname = \"{name}\"\nurl = \"{url}\"\ntimeout = \"2s\"\n{extra}\n")
}

fn mail(name: &str, port: u16) -> String {
    format!(
        "[[notify.email]]\nname = \"{name}\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\n\
         tls = \"none\"\nfrom = \"alerts@example.org\"\nto = [\"pr@example.org\"]\n\
         timeout = \"2s\"\n"
    )
}

fn event(id: &str) -> AlertEvent {
    AlertEvent::new(
        id,
        "Acme",
        Status::Firing,
        Level::Critical,
        Kind::Storm,
        Utc::now(),
    )
    .with_window_seconds(900)
    .with_counts(130, 120, 0.92)
    .with_velocity(2.0, 65.0)
    .with_reasons(vec!["130 mentions in 15m, 65.0x the expected 2.0".into()])
}

struct Worker {
    store: Arc<Store>,
    config: watch::Sender<Arc<NotifyConfig>>,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
    trigger: ShutdownTrigger,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    fn start(store: Arc<Store>, cfg: NotifyConfig) -> Worker {
        let (config, rx) = watch::channel(Arc::new(cfg));
        let wake = Arc::new(Notify::new());
        let metrics = Arc::new(Metrics::new());
        let (trigger, shutdown) = shutdown::channel();
        let task = tokio::spawn(sturmglas::notify::outbox::run(
            Arc::clone(&store),
            rx,
            Arc::clone(&wake),
            Arc::clone(&metrics),
            reqwest::Client::new(),
            shutdown,
        ));
        Worker {
            store,
            config,
            wake,
            metrics,
            trigger,
            task,
        }
    }

    /// Records an alert for the channels that want it, as the core does, and wakes the worker.
    fn queue(&self, id: &str) {
        let cfg = self.config.borrow().clone();
        let e = event(id);
        let targets = sturmglas::notify::targets(&cfg, &e);
        assert!(self.store.record_alert(&e, &targets, Utc::now()).unwrap());
        self.wake.notify_one();
    }

    fn rows(&self) -> Vec<OutboxRow> {
        self.store.outbox_rows(100).unwrap()
    }

    fn deliveries(&self, channel: &str, result: &str) -> f64 {
        self.metrics.get(
            "sturmglas_deliveries_total",
            &[("channel", channel), ("result", result)],
        )
    }

    async fn stop(self) {
        self.trigger.trigger();
        tokio::time::timeout(Duration::from_secs(8), self.task)
            .await
            .expect("worker stops promptly on shutdown")
            .expect("worker task did not panic");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_survives_smtp_outage_and_is_delivered_exactly_once() {
    let mut smtp = SmtpServer::start();
    smtp.stop();
    let w = Worker::start(
        Arc::new(Store::in_memory().unwrap()),
        config(&mail("pr", smtp.port())),
    );
    w.queue("a1");
    let row = eventually("two failed attempts", WAIT, || {
        let r = w.rows().remove(0);
        (r.attempts >= 2).then_some(r)
    })
    .await;
    assert!(
        row.delivered_at.is_none() && row.failed_at.is_none(),
        "{row:?}"
    );
    assert!(row.last_error.is_some());
    assert!(w.deliveries("pr", "retry") >= 2.0);
    assert_eq!(w.metrics.get("sturmglas_outbox_pending", &[]), 1.0);

    smtp.restart();
    smtp.wait_for(1, WAIT).await;
    // Longer than the largest backoff: a second send would show up now.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(smtp.messages().len(), 1, "delivered exactly once");
    let stats = w.store.outbox_stats().unwrap();
    assert_eq!((stats.pending, stats.delivered, stats.failed), (0, 1, 0));
    assert_eq!(w.deliveries("pr", "delivered"), 1.0);
    assert_eq!(w.metrics.get("sturmglas_outbox_pending", &[]), 0.0);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_500_then_200_is_delivered_once() {
    let hook_rx = WebhookReceiver::start().await;
    hook_rx.script([Reply::status(500)]);
    let w = Worker::start(
        Arc::new(Store::in_memory().unwrap()),
        config(&hook("ops", &hook_rx.url("/h"), "")),
    );
    w.queue("a1");
    hook_rx.wait_for(2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let reqs = hook_rx.requests();
    let answered: Vec<u16> = reqs.iter().map(|r| r.answered).collect();
    assert_eq!(answered, vec![500, 200]);
    assert_eq!(reqs[0].body, reqs[1].body, "the retry sends the same body");
    let row = w.rows().remove(0);
    assert_eq!(row.attempts, 2);
    assert!(row.delivered_at.is_some());
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_400_fails_without_retry() {
    let hook_rx = WebhookReceiver::start().await;
    hook_rx.set_default(Reply::status(400));
    let w = Worker::start(
        Arc::new(Store::in_memory().unwrap()),
        config(&hook("ops", &hook_rx.url("/h"), "")),
    );
    w.queue("a1");
    hook_rx.wait_for(1, WAIT).await;
    let row = eventually("the row to fail", WAIT, || {
        let r = w.rows().remove(0);
        r.failed_at.is_some().then_some(r)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(hook_rx.requests().len(), 1, "not retried");
    assert!(row.last_error.unwrap().contains("400"));
    assert_eq!(w.deliveries("ops", "failed"), 1.0);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gives_up_after_max_attempts() {
    let hook_rx = WebhookReceiver::start().await;
    hook_rx.set_default(Reply::status(503));
    let mut cfg = config(&hook("ops", &hook_rx.url("/h"), ""));
    cfg.retry.max_attempts = 3;
    let w = Worker::start(Arc::new(Store::in_memory().unwrap()), cfg);
    w.queue("a1");
    eventually("the row to fail", WAIT, || {
        w.rows().remove(0).failed_at.is_some().then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(hook_rx.requests().len(), 3);
    assert_eq!(w.rows()[0].attempts, 3);
    assert_eq!(w.deliveries("ops", "retry"), 2.0);
    assert_eq!(w.deliveries("ops", "failed"), 1.0);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let hook_rx = WebhookReceiver::start().await;
    hook_rx.script([Reply::status(429).retry_after("1")]);
    let w = Worker::start(
        Arc::new(Store::in_memory().unwrap()),
        config(&hook("ops", &hook_rx.url("/h"), "")),
    );
    w.queue("a1");
    let reqs = hook_rx.wait_for(2, WAIT).await;
    let gap = reqs[1].at - reqs[0].at;
    assert!(
        gap >= Duration::from_millis(950),
        "retried after {gap:?}, not 1s"
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_holds_back_a_burst_per_channel() {
    let slow = WebhookReceiver::start().await;
    let fast = WebhookReceiver::start().await;
    let w = Worker::start(
        Arc::new(Store::in_memory().unwrap()),
        config(&format!(
            "{}{}",
            hook("slow", &slow.url("/s"), "rate_per_minute = 2"),
            hook("fast", &fast.url("/f"), "rate_per_minute = 60")
        )),
    );
    for i in 0..5 {
        w.queue(&format!("a{i}"));
    }
    slow.wait_for(2, WAIT).await;
    fast.wait_for(5, WAIT).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(slow.requests().len(), 2, "the rest waits for the limit");
    assert_eq!(fast.requests().len(), 5, "another channel is not held back");
    assert_eq!(w.store.outbox_stats().unwrap().pending, 3);
    assert_eq!(w.metrics.get("sturmglas_outbox_pending", &[]), 3.0);
    let ids: Vec<String> = slow
        .requests()
        .iter()
        .map(|r| r.json()["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, vec!["a0", "a1"], "oldest first");
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_channel_fails_its_pending_rows() {
    let hook_rx = WebhookReceiver::start().await;
    hook_rx.set_default(Reply::status(503));
    let other = WebhookReceiver::start().await;
    let w = Worker::start(
        Arc::new(Store::in_memory().unwrap()),
        config(&hook("ops", &hook_rx.url("/h"), "")),
    );
    w.queue("a1");
    hook_rx.wait_for(1, WAIT).await;
    w.config
        .send(Arc::new(config(&hook("new", &other.url("/n"), ""))))
        .unwrap();
    let row = eventually("the removed channel's row to fail", WAIT, || {
        let r = w.rows().remove(0);
        r.failed_at.is_some().then_some(r)
    })
    .await;
    assert!(
        row.last_error
            .as_deref()
            .unwrap()
            .contains("no longer configured"),
        "{row:?}"
    );
    w.queue("a2");
    other.wait_for(1, WAIT).await;
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_alert_is_delivered_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut smtp = SmtpServer::start();
    smtp.stop();
    let cfg = config(&mail("pr", smtp.port()));
    let first = Worker::start(Arc::new(Store::open(dir.path()).unwrap()), cfg.clone());
    first.queue("a1");
    eventually("a failed attempt", WAIT, || {
        (first.rows()[0].attempts >= 1).then_some(())
    })
    .await;
    let store = Arc::clone(&first.store);
    first.stop().await;
    drop(store);

    smtp.restart();
    let second = Worker::start(Arc::new(Store::open(dir.path()).unwrap()), cfg);
    smtp.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1);
    assert!(second.rows()[0].delivered_at.is_some());
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_what_is_due() {
    let hook_rx = WebhookReceiver::start().await;
    let w = Worker::start(
        Arc::new(Store::in_memory().unwrap()),
        config(&hook("ops", &hook_rx.url("/h"), "")),
    );
    // Let the worker go idle, then queue without waking it: only the drain can send this.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let e = event("a1");
    w.store
        .record_alert(&e, &["ops".into()], Utc::now())
        .unwrap();
    w.trigger.trigger();
    let store = Arc::clone(&w.store);
    w.stop().await;
    assert_eq!(hook_rx.requests().len(), 1);
    assert_eq!(store.outbox_stats().unwrap().delivered, 1);
}
