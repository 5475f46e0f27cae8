//! Configuration: TOML text → raw serde structs → validated, typed [`Config`].
//!
//! Invariant: every error a user can make is reported as `PATH:LINE:COL: message`. Structural
//! errors (unknown keys, wrong types, bad durations) come from the TOML parser with the span of
//! the offending item; semantic errors (an empty keyword list, an unreadable secret file) are
//! collected by [`Ctx`] from `toml::Spanned` fields, all of them at once.
//!
//! The `[sources]` table and the webhook `format` values are not declared here: each source
//! kind and each format is listed once beside its code ([`crate::sources::registry`],
//! [`crate::notify::format`]), and this module only places their tables in the file.

pub use crate::duration;
pub mod brand;
pub mod cluster;
pub mod notify;
pub mod secret;
pub mod sentiment;
pub mod thresholds;
pub mod time_intervals;
pub mod warnings;

use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

pub use duration::HumanDuration;
pub use secret::Secret;
pub use thresholds::{Thresholds, ThresholdsRaw};

/// Where the daemon looks when no `-c` is given and `$STURMGLAS_CONFIG` is unset.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/sturmglas/sturmglas.toml";

/// One problem in a config file, located for an editor's "go to line".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.col, self.message
        )
    }
}

/// All the problems found in one config file.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Turns byte offsets into 1-based line and column (in characters) of the source text.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src[..floor_char_boundary(src, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Validation context: the source for locating spans, where relative paths start, and the
/// errors found so far. Validation goes on after an error so that all of them are reported.
pub struct Ctx<'a> {
    src: &'a str,
    path: String,
    config_dir: PathBuf,
    credentials_dir: Option<PathBuf>,
    errors: Vec<ConfigError>,
    warnings: Vec<ConfigError>,
    /// Where the inline secrets are (key, offset): they make a world-readable config a leak.
    inline_secrets: Vec<(String, usize)>,
}

impl<'a> Ctx<'a> {
    pub fn new(src: &'a str, path: &Path) -> Self {
        let config_dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ctx {
            src,
            path: path.display().to_string(),
            config_dir,
            credentials_dir: std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from),
            errors: Vec::new(),
            warnings: Vec::new(),
            inline_secrets: Vec::new(),
        }
    }

    /// Records a warning at a span of the source: the config works but exposes something.
    pub fn warn(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, col) = line_col(self.src, span.start);
        self.warnings.push(ConfigError {
            path: self.path.clone(),
            line,
            col,
            message: format!("warning: {}", message.into()),
        });
    }

    /// Records an error at a span of the source.
    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, col) = line_col(self.src, span.start);
        self.errors.push(ConfigError {
            path: self.path.clone(),
            line,
            col,
            message: message.into(),
        });
    }

    /// Resolves an inline secret or a `*_file` secret; both set, or an unreadable file, is an
    /// error. `None` when neither is given.
    pub fn secret(
        &mut self,
        key: &str,
        inline: Option<&Spanned<String>>,
        file: Option<&Spanned<String>>,
    ) -> Option<Secret> {
        match (inline, file) {
            (Some(v), Some(_)) => {
                self.error(
                    v.span(),
                    format!("set either `{key}` or `{key}_file`, not both"),
                );
                None
            }
            (Some(v), None) => {
                if v.get_ref().is_empty() {
                    self.error(v.span(), format!("`{key}` is empty"));
                    None
                } else {
                    self.inline_secrets.push((key.to_string(), v.span().start));
                    Some(Secret::new(v.get_ref().clone()))
                }
            }
            (None, Some(f)) => {
                let path = secret::resolve_path(
                    f.get_ref(),
                    &self.config_dir,
                    self.credentials_dir.as_deref(),
                );
                match secret::read_file(&path) {
                    Ok(s) => {
                        if warnings::world_readable(&path) {
                            self.warn(
                                f.span(),
                                format!(
                                    "secret file {} is readable by every user: chmod o-rwx it",
                                    path.display()
                                ),
                            );
                        }
                        Some(s)
                    }
                    Err(e) => {
                        self.error(f.span(), e);
                        None
                    }
                }
            }
            (None, None) => None,
        }
    }

    /// Resolves a non-secret path relative to the config file's folder.
    pub fn path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.config_dir.join(p)
        }
    }

    /// Checks that a string is a valid http(s) URL, recording an error if not.
    pub fn http_url(&mut self, v: &Spanned<String>) -> Option<url::Url> {
        match url::Url::parse(v.get_ref()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Some(u),
            Ok(u) => {
                self.error(
                    v.span(),
                    format!("URL scheme must be http or https, not {:?}", u.scheme()),
                );
                None
            }
            Err(e) => {
                self.error(v.span(), format!("invalid URL {:?}: {e}", v.get_ref()));
                None
            }
        }
    }

    /// The errors collected, in the order they were found.
    pub(crate) fn finish(self) -> Vec<ConfigError> {
        self.errors
    }
}

/// The config file as written: every table optional, unknown keys rejected.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub server: ServerRaw,
    #[serde(default)]
    pub storage: StorageRaw,
    #[serde(default)]
    pub defaults: DefaultsRaw,
    #[serde(default)]
    pub brands: Vec<BrandRaw>,
    #[serde(default)]
    pub notify: notify::NotifyRaw,
    #[serde(default)]
    pub sources: crate::sources::SourcesRaw,
    #[serde(default)]
    pub sentiment: sentiment::SentimentRaw,
    /// `[[time_intervals]]`: named parts of the week that channels mute or are active in.
    #[serde(default)]
    pub time_intervals: Vec<time_intervals::TimeIntervalRaw>,
    pub cluster: Option<cluster::ClusterRaw>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerRaw {
    /// Address of the HTTP server (health, metrics, API, dashboard, ingest).
    pub listen: Option<Spanned<String>>,
    /// Bearer token for `POST /api/v1/mentions`; without one, ingest is disabled.
    pub ingest_token: Option<Spanned<String>>,
    pub ingest_token_file: Option<Spanned<String>>,
    /// Largest accepted ingest body in bytes.
    pub max_body_bytes: Option<Spanned<u64>>,
    /// How often the detector looks at the windows.
    pub tick: Option<HumanDuration>,
    /// The base of links in alerts (`https://sturmglas.example.org`); no links without it.
    pub public_url: Option<Spanned<String>>,
    /// Bearer token for the API (`/api/v1/*` except ingest); required on a listener that is
    /// not loopback.
    pub api_token: Option<Spanned<String>>,
    pub api_token_file: Option<Spanned<String>>,
    /// Open HTTP connections at most; the oldest idle one is closed to make room.
    pub max_connections: Option<Spanned<u64>>,
    /// How long a client may take to send a request's header.
    pub header_timeout: Option<HumanDuration>,
    /// How long a client may take to send an ingest body.
    pub body_timeout: Option<HumanDuration>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageRaw {
    pub state_dir: Option<String>,
    /// How long de-duplication keys are remembered.
    pub dedup_retention: Option<HumanDuration>,
    /// How long alert events are kept for the API and the dashboard.
    pub alert_retention: Option<HumanDuration>,
    /// How long matched mentions are archived for the history API and `export`.
    pub mention_retention: Option<HumanDuration>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultsRaw {
    #[serde(default)]
    pub thresholds: ThresholdsRaw,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrandRaw {
    pub name: Spanned<String>,
    /// Terms, any of which names the brand; or a `query` instead.
    pub keywords: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// A Boolean query (see [`crate::matching::query`]) instead of `keywords`.
    pub query: Option<Spanned<String>>,
    /// Only posts in these languages count (ISO 639-1 codes).
    pub languages: Option<Spanned<Vec<Spanned<String>>>>,
    /// Only posts from these sources count (a source's name or kind).
    pub sources: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub thresholds: ThresholdsRaw,
}

/// The validated configuration the daemon runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub brands: Vec<Brand>,
    pub notify: notify::NotifyConfig,
    pub sources: crate::sources::SourcesConfig,
    pub sentiment: sentiment::SentimentConfig,
    /// `[cluster]`: NATS, shared delivery and this daemon's shard of the brands.
    pub cluster: Option<cluster::ClusterConfig>,
    /// What `check` and the start log warn about (PATH:LINE:COL: warning: …).
    pub warnings: Vec<ConfigError>,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub ingest_token: Option<Secret>,
    /// `server.api_token`: what `/api/v1/*` (ingest aside) requires as `Bearer`.
    pub api_token: Option<Secret>,
    pub max_body_bytes: usize,
    /// `server.max_connections`: open HTTP connections at most.
    pub max_connections: usize,
    /// `server.header_timeout` and `server.body_timeout`: slow clients are cut off.
    pub header_timeout: std::time::Duration,
    pub body_timeout: std::time::Duration,
    pub tick: std::time::Duration,
    /// `server.public_url` without a trailing slash.
    pub public_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct StorageConfig {
    pub state_dir: PathBuf,
    pub dedup_retention: std::time::Duration,
    pub alert_retention: std::time::Duration,
    pub mention_retention: std::time::Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Brand {
    pub name: String,
    /// Empty when the brand has a `query`.
    pub keywords: Vec<String>,
    pub exclude: Vec<String>,
    /// The brand's query, matched instead of `keywords`.
    pub query: Option<crate::matching::Query>,
    /// Its `languages` and `sources`; empty lets every post through.
    pub filters: crate::matching::Filters,
    pub thresholds: Thresholds,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:9797";
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Half of the common 1,024 open-file limit: room is left for deliveries, sources and SQLite.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// Where state lives when the config does not say: systemd's `StateDirectory=` if set.
pub fn default_state_dir() -> PathBuf {
    std::env::var("STATE_DIRECTORY")
        .ok()
        .and_then(|v| v.split(':').next().map(PathBuf::from))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("./sturmglas-state"))
}

/// The config path from `-c`, else `$STURMGLAS_CONFIG`, else the system default.
pub fn resolve_config_path(cli: Option<&Path>) -> PathBuf {
    if let Some(p) = cli {
        return p.to_path_buf();
    }
    match std::env::var_os("STURMGLAS_CONFIG") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(DEFAULT_CONFIG_PATH),
    }
}

/// Reads and validates a config file.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let src = std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![ConfigError {
            path: path.display().to_string(),
            line: 1,
            col: 1,
            message: format!("cannot read config: {e}"),
        }])
    })?;
    parse(&src, path)
}

/// Validates config text; `path` names the file in errors and anchors relative paths.
pub fn parse(src: &str, path: &Path) -> Result<Config, ConfigErrors> {
    let raw: RawConfig = match toml::from_str(src) {
        Ok(raw) => raw,
        Err(e) => {
            let (line, col) = e.span().map(|s| line_col(src, s.start)).unwrap_or((1, 1));
            return Err(ConfigErrors(vec![ConfigError {
                path: path.display().to_string(),
                line,
                col,
                message: e.message().trim().to_string(),
            }]));
        }
    };
    let mut ctx = Ctx::new(src, path);
    let mut config = validate(raw, &mut ctx, path);
    if let Some(&(ref key, at)) = ctx.inline_secrets.first() {
        if warnings::world_readable(path) {
            let key = key.clone();
            ctx.warn(
                at..at,
                format!(
                    "{} is readable by every user and holds `{key}` inline: chmod o-rwx it,                      or move the secret to `{key}_file`",
                    path.display()
                ),
            );
        }
    }
    config.warnings = std::mem::take(&mut ctx.warnings);
    let errors = ctx.finish();
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(ConfigErrors(errors))
    }
}

fn validate(raw: RawConfig, ctx: &mut Ctx<'_>, path: &Path) -> Config {
    let server = validate_server(&raw.server, ctx);
    let storage = StorageConfig {
        state_dir: raw
            .storage
            .state_dir
            .as_deref()
            .map(|p| ctx.path(p))
            .unwrap_or_else(default_state_dir),
        dedup_retention: raw
            .storage
            .dedup_retention
            .map(|d| d.0)
            .unwrap_or(std::time::Duration::from_secs(7 * 86_400)),
        alert_retention: raw
            .storage
            .alert_retention
            .map(|d| d.0)
            .unwrap_or(std::time::Duration::from_secs(90 * 86_400)),
        mention_retention: raw
            .storage
            .mention_retention
            .map(|d| d.0)
            .unwrap_or(std::time::Duration::from_secs(30 * 86_400)),
    };
    let defaults = Thresholds::default().overlay(&raw.defaults.thresholds, ctx);
    let mut brands: Vec<Brand> = Vec::with_capacity(raw.brands.len());
    for b in &raw.brands {
        let name = b.name.get_ref().trim().to_string();
        if name.is_empty() {
            ctx.error(b.name.span(), "brand `name` is empty");
        } else if brands.iter().any(|o| o.name == name) {
            ctx.error(b.name.span(), format!("duplicate brand name {name:?}"));
        }
        let matching = brand::validate(b, &name, ctx);
        let thresholds = defaults.overlay(&b.thresholds, ctx);
        brands.push(Brand {
            name,
            keywords: matching.keywords,
            exclude: matching.exclude,
            query: matching.query,
            filters: matching.filters,
            thresholds,
        });
    }
    let mut notify = notify::NotifyConfig::validate(&raw.notify, &brands, ctx);
    time_intervals::apply(&raw.time_intervals, &raw.notify, &mut notify, ctx);
    raw.notify
        .email
        .iter()
        .for_each(|e| warnings::email(e, ctx));
    raw.notify
        .webhook
        .iter()
        .for_each(|w| warnings::webhook(w, ctx));
    let sources = crate::sources::SourcesConfig::validate(&raw.sources, ctx);
    let sentiment = sentiment::SentimentConfig::validate(&raw.sentiment, ctx);
    // After the channels are checked against every brand: a shard counts only its own.
    let mut cluster = raw
        .cluster
        .as_ref()
        .and_then(|c| cluster::ClusterConfig::validate(c, ctx));
    if let Some(c) = &mut cluster {
        cluster::apply_shard(c, &mut brands);
    }
    Config {
        path: path.to_path_buf(),
        server,
        storage,
        brands,
        notify,
        sources,
        sentiment,
        cluster,
        warnings: Vec::new(),
    }
}

fn validate_server(raw: &ServerRaw, ctx: &mut Ctx<'_>) -> ServerConfig {
    let listen = match &raw.listen {
        Some(l) => match l.get_ref().parse::<SocketAddr>() {
            Ok(a) => a,
            Err(_) => {
                ctx.error(
                    l.span(),
                    format!(
                        "invalid listen address {:?}: expected IP:PORT, e.g. \"127.0.0.1:9797\"",
                        l.get_ref()
                    ),
                );
                DEFAULT_LISTEN.parse().expect("default listen address")
            }
        },
        None => DEFAULT_LISTEN.parse().expect("default listen address"),
    };
    let ingest_token = ctx.secret(
        "ingest_token",
        raw.ingest_token.as_ref(),
        raw.ingest_token_file.as_ref(),
    );
    let api_token = ctx.secret(
        "api_token",
        raw.api_token.as_ref(),
        raw.api_token_file.as_ref(),
    );
    if api_token.is_none()
        && raw.api_token.is_none()
        && raw.api_token_file.is_none()
        && !listen.ip().is_loopback()
    {
        let span = raw.listen.as_ref().map(|l| l.span()).unwrap_or(0..0);
        ctx.error(
            span,
            format!(
                "listen address {listen} is not loopback: set server.api_token or                  server.api_token_file, or the API would be open to the network"
            ),
        );
    }
    let max_body_bytes = match &raw.max_body_bytes {
        Some(v) if *v.get_ref() < 1024 => {
            ctx.error(v.span(), "max_body_bytes must be at least 1024");
            DEFAULT_MAX_BODY_BYTES
        }
        Some(v) => usize::try_from(*v.get_ref()).unwrap_or(usize::MAX),
        None => DEFAULT_MAX_BODY_BYTES,
    };
    let max_connections = match &raw.max_connections {
        Some(v) if *v.get_ref() == 0 => {
            ctx.error(v.span(), "max_connections must be at least 1");
            DEFAULT_MAX_CONNECTIONS
        }
        Some(v) => usize::try_from(*v.get_ref()).unwrap_or(usize::MAX),
        None => DEFAULT_MAX_CONNECTIONS,
    };
    let positive = |d: Option<HumanDuration>, default: u64| {
        d.map(|d| d.0)
            .filter(|d| !d.is_zero())
            .unwrap_or(std::time::Duration::from_secs(default))
    };
    ServerConfig {
        listen,
        ingest_token,
        api_token,
        max_body_bytes,
        max_connections,
        header_timeout: positive(raw.header_timeout, 10),
        body_timeout: positive(raw.body_timeout, 30),
        tick: raw
            .tick
            .map(|d| d.0)
            .unwrap_or(std::time::Duration::from_secs(5)),
        public_url: raw
            .public_url
            .as_ref()
            .and_then(|u| ctx.http_url(u))
            .map(|u| u.as_str().trim_end_matches('/').to_string()),
    }
}

impl Config {
    /// A one-screen summary for `sturmglas check`.
    pub fn summary(&self) -> String {
        let mut s = format!("config {} is valid\n", self.path.display());
        for w in &self.warnings {
            s.push_str(&format!("{w}\n"));
        }
        s.push_str(&format!(
            "  server:  listen {}, ingest {}\n",
            self.server.listen,
            if self.server.ingest_token.is_some() {
                "enabled"
            } else {
                "disabled (no ingest_token)"
            }
        ));
        s.push_str(&format!(
            "  api:     {}\n",
            if self.server.api_token.is_some() {
                "needs api_token"
            } else {
                "open on loopback (no api_token)"
            }
        ));
        s.push_str(&format!(
            "  state:   {}\n",
            self.storage.state_dir.display()
        ));
        s.push_str(&format!("  brands:  {}\n", self.brands.len()));
        for b in &self.brands {
            let what = match &b.query {
                Some(_) => "query".to_string(),
                None => format!(
                    "{} keywords, {} excluded",
                    b.keywords.len(),
                    b.exclude.len()
                ),
            };
            s.push_str(&format!(
                "    - {} ({what}, window {})\n",
                b.name,
                duration::format(b.thresholds.window)
            ));
            s.push_str(&format!("        matches: {}\n", b.normalised_query()));
            if !b.filters.languages.is_empty() {
                let l = b.filters.languages.join(", ");
                s.push_str(&format!("        languages: {l}\n"));
            }
            if !b.filters.sources.is_empty() {
                let l = b.filters.sources.join(", ");
                s.push_str(&format!("        sources: {l}\n"));
            }
        }
        if let Some(c) = &self.cluster {
            s.push_str(&format!("  cluster: {}\n", c.summary(self.brands.len())));
        }
        s.push_str(&format!("  sources: {}\n", self.sources.summary()));
        s.push_str(&format!("  notify:  {}\n", self.notify.summary()));
        s.push_str(&format!("  sentiment: {}\n", self.sentiment.summary()));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<Config, ConfigErrors> {
        parse(s, Path::new("test.toml"))
    }

    #[test]
    fn minimal_config_is_valid_with_defaults() {
        let c = parse_str("[[brands]]\nname = \"Acme\"\nkeywords = [\"acme\"]\n").unwrap();
        assert_eq!(c.brands[0].name, "Acme");
        assert_eq!(c.server.listen.to_string(), DEFAULT_LISTEN);
        assert!(c.server.ingest_token.is_none());
    }

    #[test]
    fn unknown_key_is_reported_with_line_and_column() {
        let err = parse_str("[server]\nlisten = \"127.0.0.1:1\"\nlistn = 3\n").unwrap_err();
        let e = &err.0[0];
        assert_eq!((e.line, e.col), (3, 1), "{err}");
        assert!(e.message.contains("unknown field"), "{err}");
        assert!(err.to_string().starts_with("test.toml:3:1: "));
    }

    #[test]
    fn bad_duration_points_at_the_value() {
        let err = parse_str("[defaults.thresholds]\nwindow = \"15x\"\n").unwrap_err();
        assert_eq!((err.0[0].line, err.0[0].col), (2, 10), "{err}");
        assert!(err.0[0].message.contains("unknown unit"), "{err}");
    }

    #[test]
    fn several_semantic_errors_at_once() {
        let src = "[server]\nlisten = \"nope\"\n\n[[brands]]\nname = \"A\"\nkeywords = []\n\n[[brands]]\nname = \"A\"\nkeywords = [\"\"]\n";
        let err = parse_str(src).unwrap_err();
        let lines: Vec<usize> = err.0.iter().map(|e| e.line).collect();
        assert!(lines.contains(&2), "{err}");
        assert!(lines.contains(&6), "{err}");
        assert!(lines.contains(&9), "{err}");
        assert!(lines.contains(&10), "{err}");
    }

    #[test]
    fn warns_about_exposed_secrets() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
        };
        let tok = dir.path().join("tok");
        std::fs::write(&tok, "s3cret\n").unwrap();
        let path = dir.path().join("c.toml");
        let inline = "[server]\ningest_token = \"inline-secret\"\n";
        std::fs::write(&path, inline).unwrap();
        mode(&path, 0o644);
        let c = load(&path).unwrap();
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        let w = c.warnings[0].to_string();
        assert!(
            w.contains(":2:16: warning:") && w.contains("ingest_token"),
            "{w}"
        );
        assert!(c.summary().contains("warning:"), "{}", c.summary());
        mode(&path, 0o640);
        assert!(load(&path).unwrap().warnings.is_empty());

        std::fs::write(&path, "[server]\ningest_token_file = \"tok\"\n").unwrap();
        mode(&path, 0o644);
        mode(&tok, 0o644);
        let c = load(&path).unwrap();
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        assert!(
            c.warnings[0].message.contains("readable by every user"),
            "{:?}",
            c.warnings
        );
        mode(&tok, 0o600);
        assert!(
            load(&path).unwrap().warnings.is_empty(),
            "a 0644 config without inline secrets is fine"
        );

        let channels = |host: &str, tls: &str, hook: &str| {
            format!(
                "[[notify.email]]\nname = \"m\"\nsmtp_host = \"{host}\"\ntls = \"{tls}\"\n\
                 from = \"a@example.org\"\nto = [\"b@example.org\"]\nusername = \"u\"\n\
                 password_file = \"tok\"\n\
                 [[notify.webhook]]\nname = \"w\"\nurl = \"{hook}\"\nsecret_file = \"tok\"\n"
            )
        };
        let src = channels("mail.example.org", "none", "http://hooks.example.org/x");
        let c = parse(&src, &path).unwrap();
        let all: Vec<String> = c.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(
            all[0].contains(":3:13:") && all[0].contains("clear text"),
            "{all:?}"
        );
        assert!(
            all[1].contains(":11:7:") && all[1].contains("https://"),
            "{all:?}"
        );
        for quiet in [
            channels("127.0.0.1", "none", "http://localhost:8080/x"),
            channels(
                "mail.example.org",
                "starttls",
                "https://hooks.example.org/x",
            ),
        ] {
            let c = parse(&quiet, &path).unwrap();
            assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        }
    }

    #[test]
    fn api_token_is_read_and_required_off_loopback() {
        let c = parse_str("[server]\napi_token = \"t0k\"\n").unwrap();
        assert_eq!(c.server.api_token.unwrap().expose(), "t0k");
        let err = parse_str("[server]\nlisten = \"0.0.0.0:9797\"\n").unwrap_err();
        assert_eq!((err.0[0].line, err.0[0].col), (2, 10), "{err}");
        assert!(err.to_string().contains("api_token"), "{err}");
        let c = parse_str("[server]\nlisten = \"0.0.0.0:9797\"\napi_token = \"t\"\n").unwrap();
        assert!(c.server.api_token.is_some());
        let err = parse_str("[server]\napi_token = \"a\"\napi_token_file = \"b\"\n").unwrap_err();
        assert!(err.to_string().contains("not both"), "{err}");
    }

    #[test]
    fn secret_file_is_read_and_errors_located() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tok"), "s3cret\n").unwrap();
        let path = dir.path().join("c.toml");
        let c = parse("[server]\ningest_token_file = \"tok\"\n", &path).unwrap();
        assert_eq!(c.server.ingest_token.unwrap().expose(), "s3cret");
        let err = parse("[server]\ningest_token_file = \"missing\"\n", &path).unwrap_err();
        assert_eq!((err.0[0].line, err.0[0].col), (2, 21), "{err}");
    }

    #[test]
    fn sentiment_models_are_loaded_and_checked() {
        use crate::sentiment::learned::{train, Example, TrainOptions};
        use crate::sentiment::{Analyzer, Label, Lang};
        let dir = tempfile::tempdir().unwrap();
        let examples: Vec<Example> = [
            (Label::Negative, "schlecht"),
            (Label::Positive, "gut"),
            (Label::Neutral, "heute"),
        ]
        .iter()
        .map(|(label, text)| Example {
            label: *label,
            text: text.to_string(),
        })
        .collect();
        let opts = TrainOptions {
            buckets: 1 << 10,
            ..TrainOptions::default()
        };
        let de = train(&Analyzer::new(), Lang::De, &examples, &opts).unwrap();
        de.save(&dir.path().join("de.model")).unwrap();
        std::fs::write(dir.path().join("junk.model"), "not a model").unwrap();
        let path = dir.path().join("c.toml");
        let c = parse("[sentiment]\nmodel_de = \"de.model\"\n", &path).unwrap();
        assert!(c.sentiment.models().get(Lang::De).is_some());
        assert!(c.summary().contains("de learned model"), "{}", c.summary());
        let c = parse("", &path).unwrap();
        assert!(c.sentiment.models().is_empty());
        let err = parse(
            "[sentiment]\nmodel_de = \"junk.model\"\nmodel_en = \"de.model\"\n",
            &path,
        )
        .unwrap_err();
        assert_eq!((err.0[0].line, err.0[0].col), (2, 12), "{err}");
        assert!(err.0[0].message.contains("`model_de`: cannot use"), "{err}");
        assert!(err.0[0].message.contains("bad magic"), "{err}");
        assert_eq!((err.0[1].line, err.0[1].col), (3, 12), "{err}");
        assert!(err.0[1].message.contains("`model_en`: cannot use"), "{err}");
        assert!(err.0[1]
            .message
            .contains("model is for German (de), not English (en)"));
        let err = parse("[sentiment]\nmodel = \"x\"\n", &path).unwrap_err();
        assert!(err.0[0].message.contains("unknown field `model`"), "{err}");
    }

    #[test]
    fn sentiment_label_thresholds_are_set_and_checked() {
        use crate::sentiment::{Label, Lang, Thresholds};
        let path = Path::new("/nonexistent/c.toml");
        let c = parse("", path).unwrap();
        assert_eq!(
            c.sentiment.calibration_de.thresholds,
            Thresholds::for_lang(Lang::De)
        );
        assert!(!c.summary().contains("label thresholds"));
        let c = parse(
            "[sentiment]\nnegative_de = -0.3\npositive_de = 0.6\npositive_en = 0.5\n",
            path,
        )
        .unwrap();
        let t = c.sentiment.calibration_de.thresholds;
        assert_eq!((t.negative, t.positive), (-0.3, 0.6));
        let en = c.sentiment.calibration_en.thresholds;
        assert_eq!(en.negative, Thresholds::for_lang(Lang::En).negative);
        assert_eq!(en.positive, 0.5);
        assert!(
            c.summary().contains("de label thresholds -0.3 / +0.6"),
            "{}",
            c.summary()
        );
        // The analyzer the daemon builds labels by them: a mildly negative post is negative
        // by the calibrated German pair (-0.19), neutral by -0.3.
        let a = c.sentiment.analyzer();
        assert_eq!(a.thresholds(Lang::De), t);
        let text = "Eher schwach heute";
        let s = a.analyze(text, Some(Lang::De));
        assert!(s.score < -0.19 && s.score > -0.3, "{s:?}");
        assert_eq!(s.label, Label::Neutral);
        let plain = parse("", path).unwrap().sentiment.analyzer();
        assert_eq!(plain.analyze(text, Some(Lang::De)).label, Label::Negative);
        let err = parse(
            "[sentiment]\nnegative_de = 0.1\npositive_de = 0\nnegative_en = -1.5\npositive_en = 1.01\n",
            path,
        )
        .unwrap_err();
        let at: Vec<(usize, usize)> = err.0.iter().map(|e| (e.line, e.col)).collect();
        assert_eq!(at, [(2, 15), (3, 15), (4, 15), (5, 15)], "{err}");
        assert!(
            err.0[0]
                .message
                .contains("negative_de must be at least -1.0 and below 0"),
            "{err}"
        );
        assert!(
            err.0[1].message.contains("positive_de must be above 0"),
            "{err}"
        );
        assert!(err.0[3].message.contains("not 1.01"), "{err}");
        assert!(parse("[sentiment]\nnegative_de = \"x\"\n", path).is_err());
    }

    #[test]
    fn sentiment_link_weights_are_set_and_checked() {
        use crate::sentiment::{Label, Lang};
        let path = Path::new("/nonexistent/c.toml");
        let c = parse("", path).unwrap();
        assert_eq!(
            (
                c.sentiment.calibration_de.link_weight,
                c.sentiment.calibration_en.link_weight
            ),
            (1.0, 1.0)
        );
        assert!(!c.summary().contains("link weight"));
        let c = parse("[sentiment]\nlink_weight_de = 0.2\n", path).unwrap();
        assert_eq!(c.sentiment.calibration_de.link_weight, 0.2);
        assert_eq!(c.sentiment.calibration_en.link_weight, 1.0);
        assert!(
            c.summary().contains("de link weight 0.2"),
            "{}",
            c.summary()
        );
        // The daemon's analyzer weighs a shared headline, not the same words without a link.
        let a = c.sentiment.analyzer();
        let plain = parse("", path).unwrap().sentiment.analyzer();
        let headline = "Skandal: Panne beim Stromausfall https://example.org/a";
        let s = plain.analyze(headline, Some(Lang::De));
        assert_eq!(s.label, Label::Negative, "{s:?}");
        let weighed = a.analyze(headline, Some(Lang::De));
        assert!((weighed.score - 0.2 * s.score).abs() < 1e-12, "{weighed:?}");
        assert_eq!(weighed.label, Label::Neutral);
        let said = "Skandal: Panne beim Stromausfall";
        assert_eq!(
            a.analyze(said, Some(Lang::De)),
            plain.analyze(said, Some(Lang::De))
        );
        let err = parse(
            "[sentiment]\nlink_weight_de = 1.5\nlink_weight_en = -0.1\n",
            path,
        )
        .unwrap_err();
        let at: Vec<(usize, usize)> = err.0.iter().map(|e| (e.line, e.col)).collect();
        assert_eq!(at, [(2, 18), (3, 18)], "{err}");
        assert!(
            err.0[0]
                .message
                .contains("link_weight_de must be from 0 (linked posts are neutral) to 1"),
            "{err}"
        );
        assert!(err.0[1].message.contains("not -0.1"), "{err}");
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ä = 1\nx", 7), (2, 1));
        assert_eq!(line_col("äb", 2), (1, 2));
    }
}
