//! NATS JetStream: mention records (the contract's JSON, as `sturmglas collect` publishes
//! them) read from a stream through a durable pull consumer. The whole kind lives here: the
//! `[[sources.nats]]` block, its checks and its task ([`SourceKind`]), and [`connect`], the one
//! way this crate opens a NATS connection (collect and the cluster use it too).
//!
//! Invariant: a message is acknowledged only after the batch that carries its mention was
//! committed to the store (the daemon answers the batch's [`Committed`]); a message whose
//! batch was not stored is left unacknowledged and comes back after `ack_wait`. A redelivered
//! message is a duplicate by its mention's `id` (the store's dedup key), so it counts once.
//! At most `batch` messages are held in memory, and the server sends no more than
//! `max_ack_pending` unacknowledged ones: memory is bounded whatever the stream's backlog. A
//! malformed message is reported, terminated (never redelivered) and skipped.

use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::task::JoinHandle;
use toml::Spanned;

use super::http::{Backoff, SourceError};
use super::kind::{common_raw, dur, secs, Common, Names, SourceKind};
use super::{send_batch, sleep_or_stop, Batch, Committed, SourceContext};
use crate::config::cluster::{nats_url, valid_token, NatsAuth, DEFAULT_STREAM, MENTION_SUBJECTS};
use crate::config::{Ctx, HumanDuration};
use crate::shutdown::Shutdown;
use async_nats::jetstream::{self, consumer::pull, AckKind};

/// How long one pull waits for messages before it reports an empty round (which still counts
/// as a success for the source's health: the server answered).
const PULL_EXPIRES: Duration = Duration::from_secs(5);

common_raw! {
    /// `[[sources.nats]]` as written.
    #[derive(Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct NatsRaw {
        pub url: Option<Spanned<String>>,
        pub stream: Option<Spanned<String>>,
        pub subjects: Option<Spanned<Vec<Spanned<String>>>>,
        pub durable: Option<Spanned<String>>,
        pub token: Option<Spanned<String>>,
        pub token_file: Option<Spanned<String>>,
        pub credentials_file: Option<Spanned<String>>,
        /// Messages pulled (and held) at once.
        pub batch: Option<Spanned<u32>>,
        /// Unacknowledged messages the server hands this consumer at most.
        pub max_ack_pending: Option<Spanned<u32>>,
        /// How long the server waits for an ack before redelivering.
        pub ack_wait: Option<HumanDuration>,
    }
}

/// A validated `[[sources.nats]]` block.
#[derive(Debug, Clone)]
pub struct NatsSource {
    pub url: String,
    pub stream: String,
    pub subjects: Vec<String>,
    pub durable: String,
    pub auth: NatsAuth,
    pub batch: usize,
    pub max_ack_pending: i64,
    pub ack_wait: Duration,
    pub common: Common,
}

impl SourceKind for NatsSource {
    type Raw = NatsRaw;
    const EXAMPLE: &'static str = "url = \"nats://127.0.0.1:4222\"";

    fn validate(r: &NatsRaw, ctx: &mut Ctx<'_>, names: &mut Names) -> Option<Self> {
        let url = match &r.url {
            Some(u) => nats_url(ctx, u),
            None => Some("nats://127.0.0.1:4222".to_string()),
        };
        let stream = token_or(ctx, &r.stream, DEFAULT_STREAM, "stream");
        let durable = token_or(ctx, &r.durable, "sturmglas", "durable");
        let subjects: Vec<String> = match &r.subjects {
            Some(s) if s.get_ref().is_empty() => {
                ctx.error(s.span(), "`subjects` is empty");
                Vec::new()
            }
            Some(s) => s
                .get_ref()
                .iter()
                .filter_map(|v| {
                    let t = v.get_ref().trim();
                    if t.is_empty() || t.contains(' ') {
                        ctx.error(v.span(), format!("invalid NATS subject {t:?}"));
                        None
                    } else {
                        Some(t.to_string())
                    }
                })
                .collect(),
            None => vec![MENTION_SUBJECTS.to_string()],
        };
        let batch = match &r.batch {
            Some(b) if *b.get_ref() == 0 => {
                ctx.error(b.span(), "`batch` must be at least 1");
                1
            }
            Some(b) => *b.get_ref() as usize,
            None => 500,
        };
        let max_ack_pending = match &r.max_ack_pending {
            Some(m) if (*m.get_ref() as usize) < batch => {
                ctx.error(
                    m.span(),
                    format!("`max_ack_pending` must be at least `batch` ({batch})"),
                );
                batch as i64
            }
            Some(m) => i64::from(*m.get_ref()),
            None => (batch * 4) as i64,
        };
        let auth = NatsAuth::validate(
            ctx,
            r.token.as_ref(),
            r.token_file.as_ref(),
            r.credentials_file.as_ref(),
        );
        let anchor = r.url.as_ref().map(|u| u.span()).unwrap_or(0..0);
        let interval = PULL_EXPIRES;
        let common = names.common(
            ctx,
            anchor,
            format!("nats:{stream}/{durable}"),
            r.common_keys(),
            interval,
        );
        Some(NatsSource {
            url: url?,
            stream,
            subjects,
            durable,
            auth,
            batch,
            max_ack_pending,
            ack_wait: dur(r.ack_wait, secs(30)),
            common,
        })
    }

    fn spawn(&self, ctx: &SourceContext) -> Vec<(String, JoinHandle<()>)> {
        vec![(
            self.common.name.clone(),
            tokio::spawn(run(self.clone(), ctx.clone())),
        )]
    }
}

fn token_or(ctx: &mut Ctx<'_>, v: &Option<Spanned<String>>, default: &str, key: &str) -> String {
    match v {
        Some(s) if !valid_token(s.get_ref()) => {
            ctx.error(
                s.span(),
                format!("`{key}` must be letters, digits, `-` or `_`"),
            );
            default.to_string()
        }
        Some(s) => s.get_ref().clone(),
        None => default.to_string(),
    }
}

/// Connects to `url` (one server or a comma-separated list) with `auth`. The client
/// reconnects by itself after a drop; the first connection is tried once, so a caller sees
/// an unreachable server as an error and backs off.
pub async fn connect(
    url: &str,
    auth: &NatsAuth,
    name: &str,
) -> Result<async_nats::Client, SourceError> {
    let mut opts = async_nats::ConnectOptions::new()
        .name(name)
        .connection_timeout(Duration::from_secs(5))
        .request_timeout(Some(Duration::from_secs(10)));
    if let Some(t) = &auth.token {
        opts = opts.token(t.expose().to_string());
    }
    if let Some(f) = &auth.credentials_file {
        opts = opts
            .credentials_file(f)
            .await
            .map_err(|e| SourceError::Other(format!("credentials_file {}: {e}", f.display())))?;
    }
    let servers: Vec<async_nats::ServerAddr> = url
        .split(',')
        .map(|u| u.trim().parse())
        .collect::<Result<_, _>>()
        .map_err(|e| SourceError::Other(format!("NATS URL {url:?}: {e}")))?;
    opts.connect(servers)
        .await
        .map_err(|e| SourceError::Stream(format!("cannot connect to NATS at {url}: {e}")))
}

/// The stream the mention records live in, created with `subjects` if it does not exist yet
/// (so a daemon may start before its collectors).
pub async fn mention_stream(
    js: &jetstream::Context,
    name: &str,
    subjects: &[String],
) -> Result<jetstream::stream::Stream, SourceError> {
    js.get_or_create_stream(jetstream::stream::Config {
        name: name.to_string(),
        subjects: subjects.to_vec(),
        ..Default::default()
    })
    .await
    .map_err(|e| SourceError::Stream(format!("stream {name}: {e}")))
}

async fn run(cfg: NatsSource, ctx: SourceContext) {
    let name = cfg.common.name.clone();
    let mut shutdown = ctx.shutdown.clone();
    ctx.health
        .register(&name, "nats", cfg.common.silence_alert_after, Utc::now());
    let mut backoff = Backoff::new(cfg.common.backoff_initial, cfg.common.backoff_max);
    tracing::info!(source = %name, url = %cfg.url, stream = %cfg.stream, durable = %cfg.durable,
        "Source started.");
    loop {
        let error = match consume(&cfg, &ctx, &mut shutdown, &mut backoff).await {
            Ok(()) => return,
            Err(e) => e,
        };
        ctx.health
            .failure(&name, error.kind(), &error.to_string(), Utc::now());
        let wait = backoff.next(None);
        tracing::warn!(source = %name, %error, retry_in_ms = wait.as_millis() as u64,
            "NATS consumer failed, reconnecting.");
        if !sleep_or_stop(&mut shutdown, wait).await {
            return;
        }
    }
}

/// One connection's life: pull, hand over, ack, until shutdown (`Ok`) or an error.
async fn consume(
    cfg: &NatsSource,
    ctx: &SourceContext,
    shutdown: &mut Shutdown,
    backoff: &mut Backoff,
) -> Result<(), SourceError> {
    let name = cfg.common.name.as_str();
    let client = tokio::select! {
        c = connect(&cfg.url, &cfg.auth, name) => c?,
        _ = shutdown.recv() => return Ok(()),
    };
    let js = jetstream::new(client);
    let stream = mention_stream(&js, &cfg.stream, &cfg.subjects).await?;
    let filter_subject = match cfg.subjects.as_slice() {
        [one] => one.clone(),
        _ => String::new(),
    };
    let consumer: jetstream::consumer::Consumer<pull::Config> = stream
        .get_or_create_consumer(
            &cfg.durable,
            pull::Config {
                durable_name: Some(cfg.durable.clone()),
                ack_policy: jetstream::consumer::AckPolicy::Explicit,
                ack_wait: cfg.ack_wait,
                max_ack_pending: cfg.max_ack_pending,
                filter_subject,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| SourceError::Stream(format!("consumer {}: {e}", cfg.durable)))?;
    tracing::info!(source = name, "Connected to the JetStream consumer.");
    loop {
        let pulled = tokio::select! {
            b = pull_batch(&consumer, cfg.batch) => b?,
            _ = shutdown.recv() => return Ok(()),
        };
        ctx.health.success(name, pulled.len(), Utc::now());
        backoff.reset();
        let pending = pulled
            .last()
            .and_then(|m| m.info().ok().map(|i| i.pending))
            .unwrap_or(0);
        ctx.metrics.set(
            "sturmglas_nats_consumer_pending",
            &[("source", name)],
            pending as f64,
        );
        if pulled.is_empty() {
            continue;
        }
        let mut mentions = Vec::with_capacity(pulled.len());
        let mut keep = Vec::with_capacity(pulled.len());
        for msg in pulled {
            match decode(&msg.payload) {
                Ok(m) => {
                    mentions.push(m);
                    keep.push(msg);
                }
                Err(error) => {
                    super::skip_item(ctx, name, &format!("{}: {error}", msg.subject));
                    // Terminated: a bad record would come back forever.
                    if let Err(e) = msg.ack_with(AckKind::Term).await {
                        tracing::warn!(source = name, error = %e, "Cannot terminate a message.");
                    }
                }
            }
        }
        if mentions.is_empty() {
            continue;
        }
        let (committed, stored) = Committed::new();
        let batch = Batch {
            source: name.to_string(),
            mentions,
            cursor: None,
            committed: Some(committed),
        };
        if !send_batch(ctx, shutdown, batch).await {
            return Ok(());
        }
        let stored = tokio::select! {
            s = stored => s.unwrap_or(false),
            // Not acked: redelivered after ack_wait, a duplicate if it was stored after all.
            _ = shutdown.recv() => return Ok(()),
        };
        if !stored {
            return Err(SourceError::Other(
                "the store did not take a batch; it will be redelivered".into(),
            ));
        }
        for msg in &keep {
            if let Err(e) = msg.ack().await {
                // Stored already: a redelivery is dropped as a duplicate.
                tracing::debug!(source = name, error = %e, "Ack failed; expecting a redelivery.");
            }
        }
        ctx.metrics.add(
            "sturmglas_nats_acked_total",
            &[("source", name)],
            keep.len() as f64,
        );
    }
}

/// Pulls up to `max` messages, waiting at most [`PULL_EXPIRES`] for the first.
async fn pull_batch(
    consumer: &jetstream::consumer::Consumer<pull::Config>,
    max: usize,
) -> Result<Vec<jetstream::Message>, SourceError> {
    let mut batch = consumer
        .batch()
        .max_messages(max)
        .expires(PULL_EXPIRES)
        .messages()
        .await
        .map_err(|e| SourceError::Stream(format!("pull: {e}")))?;
    let mut out = Vec::new();
    while let Some(m) = batch.next().await {
        out.push(m.map_err(|e| SourceError::Stream(format!("pull: {e}")))?);
    }
    Ok(out)
}

/// One mention record; the same rules as an NDJSON line of the ingest API.
pub fn decode(payload: &[u8]) -> Result<crate::mention::Mention, String> {
    let text = std::str::from_utf8(payload).map_err(|e| format!("not UTF-8: {e}"))?;
    crate::mention::parse_ndjson_line(text)?.ok_or_else(|| "empty message".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_takes_a_record_and_rejects_garbage() {
        let m = decode(br#"{"id":"x:1","text":"Nordwind ist down"}"#).unwrap();
        assert_eq!(m.id.as_deref(), Some("x:1"));
        assert!(decode(b"{not json").is_err());
        assert!(decode(b"").is_err());
        assert!(decode(&[0xff, 0xfe]).is_err());
    }
}
