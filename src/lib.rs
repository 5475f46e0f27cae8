//! sturmglas: a shitstorm early-warning daemon.
//!
//! The crate is laid out as the pipeline runs (ARCHITECTURE.md is the long form of this map).
//! Everything from `matching` to `engine` is pure and synchronous with the clock passed in, so
//! the daemon, `backtest` and `demo` run the same code and tests drive time directly; the alert
//! lifecycle lives in `detect` (its `lifecycle` module), `alert` only holds the event.
//!
//! Leaves, used everywhere:
//! - [`duration`], [`level`]: durations as config writes them, and alert levels.
//! - [`ellipsis`], [`lock`], [`shutdown`], [`metrics`]: text cutting, poison-tolerant locks,
//!   the shutdown signal, Prometheus counters shared by the daemon's tasks.
//! - [`http_client`]: the one outgoing HTTP client builder (deliveries follow no redirects).
//!
//! The pipeline:
//! - [`config`]: TOML → raw serde structs → validated, typed values; errors carry line:col.
//! - [`mention`]: the unit that flows through the daemon, and its JSON / NDJSON forms.
//! - [`sources`]: tasks that turn outside feeds (RSS/Atom, Mastodon, Bluesky, …) into mentions.
//! - [`matching`]: one Aho-Corasick automaton for every brand's keywords and Boolean queries.
//! - [`sentiment`]: lexicon-and-rules scoring for German and English, with language id.
//! - [`window`]: per-brand bucketed counts of mentions and negative mentions.
//! - [`detect`]: baseline, surge and negativity tests per brand, and the alert lifecycle.
//! - [`brief`]: what a storm is about: drivers, grouped samples, sources, the series.
//! - [`alert`]: the alert event of the contract and its one builder.
//! - [`engine`]: the pure core that ties matching → sentiment → windows → detection → alerts.
//! - [`cluster`]: several daemons on NATS JetStream: shards of the brands, the delivering
//!   lease, the notice id every node computes alike, and the delivery gate the outbox asks
//!   in a cluster.
//! - [`notify`]: email and webhook delivery through a persistent outbox.
//! - [`people`]: silences, acknowledgements, time intervals and escalation applied to notices
//!   in the core thread, and the release of held notices.
//! - [`store`]: the one SQLite database: dedup keys, count journal, brand state, alerts,
//!   outbox, cursors, the mention archive, silences and acknowledgements.
//! - [`worker`]: the core thread that owns the engine and its store writes, and its handle.
//! - [`http`]: health, metrics, JSON API, ingest, charts and the dashboard; [`http_people`]
//!   (silences, acknowledgements), [`http_history`] (series, mentions), [`ack_link`] and
//!   [`ack_page`] (signed ack links and their pages), [`http_dashboard`] (the dashboard's
//!   pages and the [`dashboard`] assets: scripts, style, SVG charts drawn in the browser).
//! - [`digest`]: the daily digest of each channel with `digest_at`: when it is due (across
//!   DST), what it says (built from the store), queued once per channel and local day.
//! - [`daemon`]: the one place that spawns tasks, wires channels, reloads and shuts down.
//!
//! Beside the daemon:
//! - [`backtest`], [`demo`], [`scenario`]: the same core driven by a simulated clock, through
//!   the one [`replay`] driver.
//! - [`tune`]: the same replay over a grid of thresholds, judged against known incidents.
//! - [`nab`]: the Numenta Anomaly Benchmark's scoring recipe, for the detector's figures.
//! - [`match_tool`]: `sturmglas match`, the brands' matching tried on texts.
//! - [`sentiment_tool`]: `sturmglas sentiment`, texts scored as the daemon would.
//! - [`train`], [`calibrate`]: `sturmglas train` and `calibrate`, a team's labelled posts turned
//!   into a model or a calibration.
//! - [`export`]: `sturmglas export`, the mention archive as records `backtest` reads.
//! - [`people_client`]: the CLI's client of the daemon's silence and ack API.
//! - [`collect`]: `sturmglas collect`, the sources publishing to JetStream instead of counting.

pub mod ack_link;
pub mod ack_page;
pub mod alert;
pub mod backtest;
pub mod brief;
pub mod calibrate;
pub mod cluster;
pub mod collect;
pub mod config;
pub mod daemon;
pub mod dashboard;
pub mod demo;
pub mod detect;
pub mod digest;
pub mod duration;
pub mod ellipsis;
pub mod engine;
pub mod export;
pub mod http;
pub mod http_client;
pub mod http_dashboard;
pub mod http_history;
pub mod http_people;
pub mod level;
pub mod lock;
pub mod match_tool;
pub mod matching;
pub mod mention;
pub mod metrics;
pub mod nab;
pub mod notify;
pub mod people;
pub mod people_client;
pub mod replay;
pub mod scenario;
pub mod sentiment;
pub mod sentiment_tool;
pub mod shutdown;
pub mod sources;
pub mod store;
pub mod train;
pub mod tune;
pub mod window;
pub mod worker;
