//! sturmglas: a shitstorm early-warning daemon.
//!
//! The crate is laid out as the pipeline runs. Everything between `sources` and `notify` is
//! pure and synchronous with the clock passed in, so the daemon, `backtest` and `demo` run the
//! same code and tests drive time directly.
//!
//! - [`config`]: TOML → raw serde structs → validated, typed values; errors carry line:col.
//! - [`mention`]: the unit that flows through the daemon, and its JSON / NDJSON forms.
//! - [`sources`]: tasks that turn outside feeds (RSS/Atom, Mastodon, Bluesky, …) into mentions.
//! - [`matching`]: one Aho-Corasick automaton for every brand's keywords and Boolean queries.
//! - [`sentiment`]: lexicon-and-rules scoring for German and English, with language id.
//! - [`window`]: per-brand bucketed counts of mentions and negative mentions.
//! - [`detect`]: baseline, surge and negativity tests per brand.
//! - [`alert`]: the per-brand alert lifecycle and the alert event of the contract.
//! - [`engine`]: the pure core that ties matching → sentiment → windows → detection → alerts.
//! - [`notify`]: email and webhook delivery through a persistent outbox.
//! - [`people`]: silences and acknowledgements applied to notices in the core thread.
//! - [`people_client`]: the CLI's client of the daemon's silence and ack API.
//! - [`store`]: the one SQLite database: dedup keys, brand state, alerts, outbox, cursors.
//! - [`metrics`]: Prometheus counters shared by the daemon's tasks.
//! - [`http`]: health, metrics, JSON API, ingest and the dashboard.
//! - [`ack_link`]: signed, expiring links that acknowledge a storm without a token.
//! - [`ack_page`]: the confirmation pages behind an ack link.
//! - [`http_people`]: the API of silences and acknowledgements.
//! - [`daemon`]: the one place that spawns tasks, wires channels, reloads and shuts down.
//! - [`backtest`], [`demo`], [`scenario`]: the same core driven by a simulated clock, through
//!   the one [`replay`] driver.
//! - [`tune`]: the same replay over a grid of thresholds, judged against known incidents.
//! - [`nab`]: the Numenta Anomaly Benchmark's scoring recipe, for the detector's figures.
//! - [`match_tool`]: `sturmglas match`, the brands' matching tried on texts.
//! - [`sentiment_tool`]: `sturmglas sentiment`, texts scored as the daemon would.
//! - [`train`], [`calibrate`]: `sturmglas train` and `calibrate`, a team's labelled posts turned
//!   into a model or a calibration.

pub mod ack_link;
pub mod ack_page;
pub mod alert;
pub mod backtest;
pub mod brief;
pub mod calibrate;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod detect;
pub mod duration;
pub mod ellipsis;
pub mod engine;
pub mod export;
pub mod http;
pub mod http_client;
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
