//! Several daemons on one NATS JetStream: [`shard`] (which brands a daemon counts), [`lease`]
//! (which daemon of a cluster delivers notices now, a KV key with a TTL), [`notice`] (the id
//! every node computes alike for the same notice) and [`gate`] (what the outbox asks before
//! sending and records after, by that id, so each notice goes out once per channel in the
//! whole cluster).
//!
//! Invariant: no consensus of our own. The lease is a JetStream KV key written with a
//! compare-and-set on its revision in a bucket whose entries expire; the delivered-notice
//! record is a KV key per (notice id, channel). `shard` and `notice` are leaves (config and
//! the store use them); the rest sits below `notify` and above nothing of the pipeline but
//! config and sources' NATS connection.

pub mod gate;
pub mod join;
pub mod lease;
pub mod notice;
pub mod shard;
