//! `[cluster]`: where a daemon (or `collect`) reaches NATS, which cluster it is part of, and
//! which shard of the brands it counts; and [`NatsAuth`], the credentials every NATS client
//! here uses (`[[sources.nats]]` shares them).
//!
//! Invariant: with `shards = N`, the brands kept by [`apply_shard`] are exactly those whose
//! stable hash ([`crate::cluster::shard`]) falls in `shard`, so N daemons with shards 0..N
//! count every brand exactly once. Validation only; no sockets.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::{Brand, Ctx, Secret};

/// The stream `collect` publishes to when `[cluster] stream` is not set.
pub const DEFAULT_STREAM: &str = "STURMGLAS_MENTIONS";
/// The subjects of that stream: `sturmglas.mentions.<source kind>`.
pub const MENTION_SUBJECTS: &str = "sturmglas.mentions.>";

/// How a NATS client proves who it is: a token, a `.creds` file (JWT and nkey seed), or
/// nothing (a server without auth).
#[derive(Debug, Clone, Default)]
pub struct NatsAuth {
    pub token: Option<Secret>,
    pub credentials_file: Option<PathBuf>,
}

impl NatsAuth {
    /// Checks `token`/`token_file` and `credentials_file` (which must exist); only one kind.
    pub fn validate(
        ctx: &mut Ctx<'_>,
        token: Option<&Spanned<String>>,
        token_file: Option<&Spanned<String>>,
        credentials_file: Option<&Spanned<String>>,
    ) -> NatsAuth {
        let token = ctx.secret("token", token, token_file);
        let credentials_file = credentials_file.and_then(|f| {
            let p = ctx.path(f.get_ref());
            if token.is_some() {
                ctx.error(
                    f.span(),
                    "set either a token or `credentials_file`, not both",
                );
                return None;
            }
            if !p.is_file() {
                ctx.error(
                    f.span(),
                    format!("credentials_file {} cannot be read", p.display()),
                );
                return None;
            }
            Some(p)
        });
        NatsAuth {
            token,
            credentials_file,
        }
    }
}

/// A NATS server URL (or a comma-separated list of them), checked for its scheme.
pub fn nats_url(ctx: &mut Ctx<'_>, v: &Spanned<String>) -> Option<String> {
    let mut ok = true;
    for part in v.get_ref().split(',').map(str::trim) {
        match url::Url::parse(part) {
            Ok(u) if matches!(u.scheme(), "nats" | "tls" | "ws" | "wss") => {}
            Ok(u) => {
                ctx.error(
                    v.span(),
                    format!(
                        "NATS URL scheme must be nats, tls, ws or wss, not {:?}",
                        u.scheme()
                    ),
                );
                ok = false;
            }
            Err(e) => {
                ctx.error(v.span(), format!("invalid NATS URL {part:?}: {e}"));
                ok = false;
            }
        }
    }
    ok.then(|| v.get_ref().trim().to_string())
}

/// `[cluster]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterRaw {
    /// The NATS server(s) of the cluster; also where `collect` publishes.
    pub nats_url: Option<Spanned<String>>,
    /// Daemons with the same name are one cluster: each notice is delivered once among them.
    pub name: Option<Spanned<String>>,
    /// This daemon's name in the cluster (default: the host name).
    pub node: Option<Spanned<String>>,
    /// Brands are split by a stable hash of the name into this many shards.
    pub shards: Option<Spanned<u32>>,
    /// Which shard this daemon counts (0-based).
    pub shard: Option<Spanned<u32>>,
    /// The stream `collect` publishes to (created if missing).
    pub stream: Option<Spanned<String>>,
    pub token: Option<Spanned<String>>,
    pub token_file: Option<Spanned<String>>,
    pub credentials_file: Option<Spanned<String>>,
}

/// A validated `[cluster]`.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub nats_url: String,
    /// `None`: no shared delivery (a lone daemon, or a collector that only needs `nats_url`).
    pub name: Option<String>,
    pub node: String,
    pub shards: u32,
    pub shard: u32,
    pub stream: String,
    pub auth: NatsAuth,
    /// How many brands the config names before the shard keeps its own.
    pub brands_total: usize,
}

impl ClusterConfig {
    pub fn validate(raw: &ClusterRaw, ctx: &mut Ctx<'_>) -> Option<ClusterConfig> {
        let nats_url = match &raw.nats_url {
            Some(u) => nats_url(ctx, u)?,
            None => {
                let span = raw
                    .name
                    .as_ref()
                    .map(|n| n.span())
                    .or_else(|| raw.shards.as_ref().map(|s| s.span()))
                    .unwrap_or(0..0);
                ctx.error(span, "[cluster] needs `nats_url`");
                return None;
            }
        };
        let name = match &raw.name {
            Some(n) if !valid_token(n.get_ref()) => {
                ctx.error(
                    n.span(),
                    "cluster `name` must be letters, digits, `-` or `_` (it names NATS buckets)",
                );
                None
            }
            Some(n) => Some(n.get_ref().clone()),
            None => None,
        };
        let node = match &raw.node {
            Some(n) if n.get_ref().trim().is_empty() => {
                ctx.error(n.span(), "cluster `node` is empty");
                host_name()
            }
            Some(n) => n.get_ref().trim().to_string(),
            None => host_name(),
        };
        let shards = match &raw.shards {
            Some(s) if *s.get_ref() == 0 => {
                ctx.error(s.span(), "`shards` must be at least 1");
                1
            }
            Some(s) => *s.get_ref(),
            None => 1,
        };
        let shard = match (&raw.shard, &raw.shards) {
            (Some(s), _) if *s.get_ref() >= shards => {
                ctx.error(
                    s.span(),
                    format!(
                        "`shard` is {} but there are {shards} shards (0..{})",
                        s.get_ref(),
                        shards - 1
                    ),
                );
                0
            }
            (Some(s), _) => *s.get_ref(),
            (None, Some(s)) if *s.get_ref() > 1 => {
                ctx.error(
                    s.span(),
                    "with `shards`, set which `shard` this daemon counts",
                );
                0
            }
            (None, _) => 0,
        };
        let stream = match &raw.stream {
            Some(s) if !valid_token(s.get_ref()) => {
                ctx.error(s.span(), "`stream` must be letters, digits, `-` or `_`");
                DEFAULT_STREAM.to_string()
            }
            Some(s) => s.get_ref().clone(),
            None => DEFAULT_STREAM.to_string(),
        };
        let auth = NatsAuth::validate(
            ctx,
            raw.token.as_ref(),
            raw.token_file.as_ref(),
            raw.credentials_file.as_ref(),
        );
        Some(ClusterConfig {
            nats_url,
            name,
            node,
            shards,
            shard,
            stream,
            auth,
            brands_total: 0,
        })
    }

    /// The `cluster:` line of `sturmglas check`.
    pub fn summary(&self, kept: usize) -> String {
        let name = self.name.as_deref().unwrap_or("(none: no shared delivery)");
        format!(
            "name {name}, node {}, nats {}, shard {} of {} ({kept} of {} brands)",
            self.node, self.nats_url, self.shard, self.shards, self.brands_total
        )
    }
}

/// Keeps the brands of this daemon's shard (all of them without `[cluster] shards`).
pub fn apply_shard(cluster: &mut ClusterConfig, brands: &mut Vec<Brand>) {
    cluster.brands_total = brands.len();
    let (shards, shard) = (cluster.shards, cluster.shard);
    brands.retain(|b| crate::cluster::shard::of(&b.name, shards) == shard);
}

/// A NATS stream or bucket name part: no dots, spaces or wildcards.
pub fn valid_token(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "sturmglas".to_string())
}
