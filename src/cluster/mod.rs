//! Several daemons on one NATS JetStream: [`shard`] (which brands a daemon counts), [`lease`]
//! (which daemon of a cluster delivers notices now, a KV key with a TTL) and [`gate`] (what
//! the outbox asks before sending and records after, so each notice goes out once per channel
//! in the whole cluster).
//!
//! Invariant: no consensus of our own. The lease is a JetStream KV key written with a
//! compare-and-set on its revision in a bucket whose entries expire; the delivered-notice
//! record is a KV key per (notice, channel). `shard` is a leaf (config uses it); the rest sits
//! below `notify` and above nothing of the pipeline but config and sources' NATS connection.

pub mod gate;
pub mod join;
pub mod lease;
pub mod shard;
