//! The severity of a notice: shared vocabulary at the bottom of the crate.
//!
//! `Level` is named by the alert events (`alert`), the detectors (`detect`) and the channels'
//! `min_level` filters (`config::notify`). It lives here, below all of them, so that config
//! never imports the alert module it configures. Invariant: the order `Ok < Warning <
//! Critical` is what `min_level` filters compare, and the lowercase names are the contract's.

use serde::{Deserialize, Serialize};

/// How bad it is. Ordered, so that `min_level` filters compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warning,
    Critical,
}

impl Level {
    pub fn as_str(&self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warning => "warning",
            Level::Critical => "critical",
        }
    }
}
