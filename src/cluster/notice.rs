//! A notice's identity in a cluster: the id every daemon of a cluster computes alike for the
//! same notice, though each raises it on its own (with an event id of its own, since the event
//! id names the tick that raised it). The gate ([`super::gate`]) keys what the cluster
//! delivered by it, and records a delivery with it as the `Nats-Msg-Id`.
//!
//! The id is a hash of what the nodes agree on because they count the same mentions with the
//! same config: the brand; the class of the stream (`surge` for storm, buzz and volume, which
//! share a thread; `source`; `reach`); the episode (the minute bucket its `started_at` falls
//! in; for a reach alert, the post's time and its author and text); what the notice says
//! (`firing` with its level and kind, or `resolved`); and its sequence: how many notices with
//! all of that the node raised before in this episode (0 for the first; reminders after
//! `repeat_interval` count up). A digest is `digest:<local date>`. Per channel, the
//! delivery id adds the channel's name.
//!
//! Invariant: the id is a pure function of the stored event and the notices recorded before
//! it (the sequence is counted once, when the alert is recorded, and stored with it in the
//! same transaction; see `store::alerts`), so a daemon killed with SIGKILL and restarted
//! computes the same id for the same notice. A leaf: it imports only the alert.

use sha2::{Digest as _, Sha256};

use crate::alert::{AlertEvent, Kind, Status};

/// Bumped if the recipe below ever changes: ids of two recipes never meet.
const RECIPE: &str = "sturmglas-notice-1";

/// The width of the bucket an episode's start is placed in: the short horizon's minute.
pub const EPISODE_BUCKET_SECS: i64 = 60;

fn hex16(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    hex::encode(&h.finalize()[..16])
}

fn class(e: &AlertEvent) -> &'static str {
    match e.kind {
        Kind::Storm | Kind::Buzz | Kind::Volume => "surge",
        Kind::Source => "source",
        Kind::Reach => "reach",
    }
}

/// The episode `e` belongs to, as every node names it.
fn episode(e: &AlertEvent) -> String {
    match e.kind {
        // One post, not a surge: its own time (the post's, not the tick's) and words.
        Kind::Reach => {
            let post = e.sample.first();
            let author = post.and_then(|p| p.author.as_deref()).unwrap_or("");
            let text = post.map(|p| p.text.as_str()).unwrap_or("");
            format!(
                "{}:{}",
                e.started_at.timestamp(),
                &hex16(&[author, text])[..12]
            )
        }
        _ => e
            .started_at
            .timestamp()
            .div_euclid(EPISODE_BUCKET_SECS)
            .to_string(),
    }
}

/// Everything of the identity but the sequence: two notices with the same base are the same
/// kind of notice of the same episode (a first one and its reminders).
pub fn base(e: &AlertEvent) -> String {
    let what = match e.status {
        Status::Firing => format!("firing:{}:{}", e.level.as_str(), e.kind.as_str()),
        // One all-clear per episode, whatever level or kind it reached.
        Status::Resolved => "resolved".to_string(),
    };
    let test = if e.test { "test" } else { "" };
    format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{what}\u{1f}{test}",
        e.brand,
        class(e),
        episode(e)
    )
}

/// The notice id of the `seq`-th notice (0-based) with this `base`.
pub fn id(base: &str, seq: u32) -> String {
    hex16(&[RECIPE, base, &seq.to_string()])
}

/// The notice id of a channel's digest of the (channel's local) day `date_id`, which is
/// `digest:<date>`: one digest per channel and day in the whole cluster.
pub fn digest_id(date_id: &str) -> String {
    hex16(&[RECIPE, "digest", date_id])
}

/// The id of notice `notice`'s delivery on `channel`: the delivered-notice bucket's key (after
/// an `n`) and the record's `Nats-Msg-Id`.
pub fn delivery_id(notice: &str, channel: &str) -> String {
    hex16(&[RECIPE, notice, channel])
}

/// What a notice is within its episode, for superseding: the firing notices of an episode
/// only climb (a higher level, or buzz turning into a storm), and the all-clear ends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The episode on this channel: its bucket key.
    pub episode: String,
    /// Firing: the level and storm-ness, climbing; resolved: `None`.
    pub rank: Option<u8>,
}

/// Where `e` stands in its episode on `channel`; `None` for a reach alert (no thread).
pub fn place(e: &AlertEvent, channel: &str) -> Option<Place> {
    if e.kind == Kind::Reach {
        return None;
    }
    let test = if e.test { "test" } else { "" };
    let rank = match e.status {
        Status::Firing => Some(e.level as u8 * 2 + u8::from(e.kind == Kind::Storm)),
        Status::Resolved => None,
    };
    Some(Place {
        episode: hex16(&[
            RECIPE,
            "episode",
            &e.brand,
            class(e),
            &episode(e),
            test,
            channel,
        ]),
        rank,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::Level;
    use chrono::{DateTime, Utc};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn storm(id: &str, level: Level, start: &str, at: &str) -> AlertEvent {
        AlertEvent::new(id, "Nordwind", Status::Firing, level, Kind::Storm, t(at))
            .with_started_at(t(start))
    }

    #[test]
    fn two_nodes_name_the_same_notice_alike_whatever_their_event_ids_and_ticks() {
        // Node a raised it at :40, node b at :45, each with its own event id.
        let a = storm(
            "a1",
            Level::Critical,
            "2026-12-02T10:00:12Z",
            "2026-12-02T10:01:40Z",
        );
        let b = storm(
            "b7",
            Level::Critical,
            "2026-12-02T10:00:17Z",
            "2026-12-02T10:01:45Z",
        );
        assert_eq!(id(&base(&a), 0), id(&base(&b), 0));
        assert_eq!(
            delivery_id(&id(&base(&a), 0), "pr"),
            delivery_id(&id(&base(&b), 0), "pr")
        );
        // Another channel, another delivery; a reminder, another notice.
        assert_ne!(
            delivery_id(&id(&base(&a), 0), "pr"),
            delivery_id(&id(&base(&a), 0), "ops")
        );
        assert_ne!(id(&base(&a), 0), id(&base(&a), 1));
        // A warning of the same episode, the all-clear, another episode: all different.
        let w = storm(
            "a0",
            Level::Warning,
            "2026-12-02T10:00:12Z",
            "2026-12-02T10:01:00Z",
        );
        assert_ne!(base(&w), base(&a));
        let mut r = a.clone();
        r.status = Status::Resolved;
        assert_ne!(base(&r), base(&a));
        let later = storm(
            "a9",
            Level::Critical,
            "2026-12-02T11:30:00Z",
            "2026-12-02T11:31:00Z",
        );
        assert_ne!(base(&later), base(&a));
        // The recipe is fixed: the same inputs give this id on every build.
        assert_eq!(id("x", 0), id("x", 0));
        assert_eq!(id("x", 0).len(), 32);
    }

    #[test]
    fn the_all_clear_is_one_per_episode_whatever_level_it_reached() {
        let mut a = storm(
            "a",
            Level::Critical,
            "2026-12-02T10:00:12Z",
            "2026-12-02T10:20:00Z",
        );
        a.status = Status::Resolved;
        let mut b = a.clone();
        b.level = Level::Warning;
        b.kind = Kind::Buzz;
        assert_eq!(base(&a), base(&b));
        // Buzz and storm are one thread: the same episode place.
        assert_eq!(
            place(&a, "pr").unwrap().episode,
            place(&b, "pr").unwrap().episode
        );
        assert_eq!(place(&a, "pr").unwrap().rank, None);
    }

    #[test]
    fn ranks_climb_with_level_and_storm() {
        let w = storm(
            "w",
            Level::Warning,
            "2026-12-02T10:00:00Z",
            "2026-12-02T10:01:00Z",
        );
        let c = storm(
            "c",
            Level::Critical,
            "2026-12-02T10:00:00Z",
            "2026-12-02T10:02:00Z",
        );
        let mut buzz = w.clone();
        buzz.kind = Kind::Buzz;
        let r = |e: &AlertEvent| place(e, "pr").unwrap().rank.unwrap();
        assert!(r(&buzz) < r(&w) && r(&w) < r(&c));
    }

    #[test]
    fn a_reach_alert_is_named_by_its_post_and_a_digest_by_its_day() {
        let post = |text: &str| crate::alert::SampleMention {
            text: text.into(),
            url: None,
            author: Some("@big".into()),
            reach: Some(900_000),
            score: -0.8,
            copies: 1,
            at: None,
            words: Vec::new(),
        };
        let mk = |text: &str| {
            AlertEvent::new(
                "r",
                "Nordwind",
                Status::Firing,
                Level::Warning,
                Kind::Reach,
                t("2026-12-02T10:00:05Z"),
            )
            .with_started_at(t("2026-12-02T09:59:58Z"))
            .with_sample(vec![post(text)])
        };
        assert_eq!(base(&mk("Abzocke")), base(&mk("Abzocke")));
        assert_ne!(base(&mk("Abzocke")), base(&mk("Skandal")));
        assert!(place(&mk("Abzocke"), "pr").is_none());
        assert_eq!(
            digest_id("digest:2026-12-02"),
            digest_id("digest:2026-12-02")
        );
        assert_ne!(
            digest_id("digest:2026-12-02"),
            digest_id("digest:2026-12-03")
        );
    }
}
