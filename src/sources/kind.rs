//! What a source kind is: the [`SourceKind`] trait, and the settings and checks every
//! `[[sources.KIND]]` block shares (its name, silence and back-off keys).
//!
//! A kind's file holds its raw block (declared with `common_raw!` so the shared keys are
//! accepted, `deny_unknown_fields` for the rest), its validated config, its validation and
//! its tasks; [`super::registry`] lists the kinds once. Invariant: a validated source has a
//! unique name (its cursor key and metrics label, checked by [`Names`] across all kinds) and a
//! default for every duration, so a two-line block is a working source.

use std::collections::BTreeSet;
use std::ops::Range;
use std::time::Duration;

use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;
use toml::Spanned;

use super::SourceContext;
use crate::config::{Ctx, HumanDuration};

/// One kind of source: its `[[sources.KIND]]` block, how the block is checked, and the tasks
/// it runs. Implemented by the kind's validated config; listed once in [`super::registry`].
pub trait SourceKind: Clone + std::fmt::Debug + Send + Sync + Sized + 'static {
    /// The block as written (`[[sources.KIND]]`), unknown keys rejected.
    type Raw: DeserializeOwned + std::fmt::Debug;

    /// The keys of a minimal working block (TOML, without the `[[sources.KIND]]` line); the
    /// registry's tests check that every kind parses, validates and shows in `check` with it.
    const EXAMPLE: &'static str;

    /// Checks one block. Errors go to `ctx` with the span of the key at fault; `None` when
    /// the block cannot run. `names` claims the source's name so two blocks never share one.
    fn validate(raw: &Self::Raw, ctx: &mut Ctx<'_>, names: &mut Names) -> Option<Self>;

    /// Starts the block's tasks and returns each with its source name (for health).
    fn spawn(&self, ctx: &SourceContext) -> Vec<(String, JoinHandle<()>)>;
}

/// Settings every source has.
#[derive(Debug, Clone)]
pub struct Common {
    /// The cursor key and metrics label; unique across all sources.
    pub name: String,
    pub silence_alert_after: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
}

impl Common {
    /// Defaults for a source named `name` that is expected to be heard from every `interval`.
    pub fn new(name: impl Into<String>, interval: Duration) -> Self {
        Common {
            name: name.into(),
            silence_alert_after: (interval * 4).max(Duration::from_secs(30 * 60)),
            backoff_initial: Duration::from_secs(5),
            backoff_max: Duration::from_secs(15 * 60),
        }
    }
}

/// The shared keys of one block as written; `common_raw!` gives every raw block
/// `common_keys()`.
pub struct CommonKeys<'a> {
    pub name: &'a Option<Spanned<String>>,
    pub silence_alert_after: Option<HumanDuration>,
    pub backoff_initial: Option<HumanDuration>,
    pub backoff_max: Option<HumanDuration>,
}

/// Declares a raw source block with the keys every source accepts (written out in each
/// struct: serde's `flatten` does not work with `deny_unknown_fields`).
macro_rules! common_raw {
    ($(#[$m:meta])* pub struct $name:ident { $($body:tt)* }) => {
        $(#[$m])*
        pub struct $name {
            /// Overrides the source's name (its cursor key and metrics label).
            pub name: Option<toml::Spanned<String>>,
            /// Notice when the source has had no successful fetch for this long.
            pub silence_alert_after: Option<$crate::config::HumanDuration>,
            /// First wait after a failure; doubles (with jitter) up to `backoff_max`.
            pub backoff_initial: Option<$crate::config::HumanDuration>,
            pub backoff_max: Option<$crate::config::HumanDuration>,
            $($body)*
        }

        impl $name {
            pub fn common_keys(&self) -> $crate::sources::kind::CommonKeys<'_> {
                $crate::sources::kind::CommonKeys {
                    name: &self.name,
                    silence_alert_after: self.silence_alert_after,
                    backoff_initial: self.backoff_initial,
                    backoff_max: self.backoff_max,
                }
            }
        }
    };
}
pub(crate) use common_raw;

pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The duration written, or `default`.
pub fn dur(d: Option<HumanDuration>, default: Duration) -> Duration {
    d.map(|d| d.0).unwrap_or(default)
}

/// Source names claimed so far in one config, so that two blocks never share a cursor.
#[derive(Debug, Default)]
pub struct Names(BTreeSet<String>);

impl Names {
    /// Claims the block's name (`name` if set, else `default_name`) and fills in its common
    /// settings. `anchor` is where a duplicate default name is reported.
    pub fn common(
        &mut self,
        ctx: &mut Ctx<'_>,
        anchor: Range<usize>,
        default_name: String,
        keys: CommonKeys<'_>,
        interval: Duration,
    ) -> Common {
        let (n, span) = match keys.name {
            Some(n) if n.get_ref().trim().is_empty() => {
                ctx.error(n.span(), "source `name` is empty");
                (default_name, n.span())
            }
            Some(n) => (n.get_ref().trim().to_string(), n.span()),
            None => (default_name, anchor),
        };
        if !self.0.insert(n.clone()) {
            ctx.error(
                span,
                format!("duplicate source name {n:?}: set `name` to tell the blocks apart"),
            );
        }
        let mut c = Common::new(n, interval);
        c.silence_alert_after = dur(keys.silence_alert_after, c.silence_alert_after);
        c.backoff_initial = dur(keys.backoff_initial, c.backoff_initial);
        c.backoff_max = dur(keys.backoff_max, c.backoff_max).max(c.backoff_initial);
        c
    }
}

/// An `http(s)` base URL that can be pointed elsewhere (a mirror, a test server), or the
/// service's own.
pub fn base_url(ctx: &mut Ctx<'_>, v: &Option<Spanned<String>>, default: &str) -> Option<url::Url> {
    match v {
        Some(v) => ctx.http_url(v),
        None => url::Url::parse(default).ok(),
    }
}

/// A `ws(s)` URL.
pub fn ws_url(ctx: &mut Ctx<'_>, v: &Spanned<String>) -> Option<url::Url> {
    match url::Url::parse(v.get_ref()) {
        Ok(u) if matches!(u.scheme(), "ws" | "wss") => Some(u),
        Ok(u) => {
            ctx.error(
                v.span(),
                format!("endpoint scheme must be ws or wss, not {:?}", u.scheme()),
            );
            None
        }
        Err(e) => {
            ctx.error(v.span(), format!("invalid URL {:?}: {e}", v.get_ref()));
            None
        }
    }
}
