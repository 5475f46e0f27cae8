//! The storm brief: what an alert says beyond its counts — what the storm is about (drivers),
//! where and who (sources, new authors, the first posts), the distinct posts it consists of,
//! its course (the last 24 h, the peak) and, when it is over, its recap.
//!
//! - [`terms`]: the words, phrases, hashtags, handles and link domains of a post.
//! - [`drivers`]: a bounded per-brand baseline of term frequencies, and the surprise score.
//! - [`dedupe`]: near-duplicate posts grouped into one story with its `copies`.
//! - [`authors`]: a bounded memory of the authors a brand has heard from.
//! - [`recent`]: the brand's recent posts, compact, within a fixed byte budget.
//! - [`types`]: the brief's fields of the alert event (a leaf: the alert event embeds them).
//! - [`state`]: the per-brand state that feeds all of it, and the brief of one notice.
//!
//! Invariant: pure and bounded. Nothing here does IO or keeps a clock; per brand it holds a
//! fixed 16 KiB term table, 4 KiB of author memory, a 24-hour ring of 15-minute counts and
//! the brand's recent posts (at most 24 hours old, within [`recent::Recent::BUDGET`]): about
//! 46 KiB per brand at most, whatever its posts are like, plus the recap of an alert while one
//! is on. The baseline
//! learns a post only once it has left the alert window, and not while a storm is on, so a
//! storm can never become its own usual.

pub mod authors;
pub mod dedupe;
pub mod drivers;
pub mod recent;
pub mod state;
pub mod terms;

pub mod types;

pub use drivers::Driver;
pub use state::{sample_post, BrandBrief, Post};
pub use terms::TermType;
pub use types::*;
