//! The pure core: matching → sentiment → windows → detection → alert events.
//!
//! Invariant: no IO and no clock of its own. The daemon, `backtest` and `demo` feed it mentions
//! and call [`Engine::tick`] with the time they decide, so all three behave identically and
//! tests drive time directly. Persistence is the caller's: [`Engine::export_states`] and
//! [`Engine::import_states`] move the per-brand monitors in and out as JSON.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::alert::{AlertEvent, Kind, SampleMention, Status};
use crate::brief::{sample_post, BrandBrief, Post, StormBrief};
use crate::config::Brand;
use crate::detect::{BrandMonitor, BrandStatus, Notice};
use crate::ellipsis::truncate;
use crate::matching::{BrandMatcher, BrandSpec, MatchError};
use crate::mention::Mention;
use crate::sentiment::{name_words, Analyzer, Lang, Sentiment};

/// How many brands ahead a tick asks for a monitor's struct, and for its buffers.
const PREFETCH_STATE: usize = 8;
const PREFETCH_BUFFERS: usize = 4;

/// Longest text kept for a sample; longer texts are cut at a character boundary.
const SAMPLE_TEXT_CHARS: usize = 500;

struct BrandSlot {
    brand: Brand,
    monitor: BrandMonitor,
    /// Recent posts, term and author memories, the episode's recap: the storm brief's state.
    brief: BrandBrief,
    /// The words of the brand's keywords, which carry no sentiment in posts about it.
    names: Vec<Box<str>>,
    /// Negative posts whose author's reach is at least `reach_alert`, to announce at the
    /// next tick.
    reach_pending: Vec<Post>,
}

/// What the core made of one mention.
#[derive(Debug, Clone, PartialEq)]
pub struct Processed {
    /// Indices of the brands it mentions.
    pub brands: Vec<usize>,
    /// Its sentiment; only scored when it matched a brand, since nothing else needs it.
    pub sentiment: Option<Sentiment>,
}

/// Time buckets of a history series: `count` of `step_seconds` each, the first starting at
/// `first · step_seconds` (unix seconds); `now` ends the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buckets {
    pub first: i64,
    pub step_seconds: i64,
    pub count: usize,
    pub now: DateTime<Utc>,
}

/// A brand's state for the API and the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrandView {
    pub name: String,
    #[serde(flatten)]
    pub status: BrandStatus,
}

pub struct Engine {
    analyzer: Arc<Analyzer>,
    matcher: BrandMatcher,
    brands: Vec<BrandSlot>,
    /// Indices of the brands with `reach_pending` posts: a tick visits only those for reach
    /// alerts, instead of touching every brand's list (a cache miss per brand per tick).
    reach_due: Vec<usize>,
    /// Indices, ascending, of the brands whose brief has an alert episode on: a tick follows
    /// their peaks without reading every brand's brief.
    episodes: Vec<usize>,
}

fn build_matcher(brands: &[Brand]) -> Result<BrandMatcher, MatchError> {
    let specs: Vec<BrandSpec<'_>> = brands.iter().map(Brand::spec).collect();
    BrandMatcher::new(&specs)
}

impl Engine {
    pub fn new(
        brands: &[Brand],
        analyzer: Arc<Analyzer>,
        now: DateTime<Utc>,
    ) -> Result<Engine, MatchError> {
        Ok(Engine {
            analyzer,
            reach_due: Vec::new(),
            episodes: Vec::new(),
            matcher: build_matcher(brands)?,
            brands: brands
                .iter()
                .map(|b| BrandSlot {
                    brand: b.clone(),
                    monitor: BrandMonitor::new(&b.thresholds, now),
                    brief: BrandBrief::new(&b.name_terms(), now),
                    names: name_words(&b.name_terms()),
                    reach_pending: Vec::new(),
                })
                .collect(),
        })
    }

    /// Applies a new brand list (after a reload): brands keep their history by name, new ones
    /// start fresh, removed ones are dropped.
    pub fn reconfigure(&mut self, brands: &[Brand], now: DateTime<Utc>) -> Result<(), MatchError> {
        let matcher = build_matcher(brands)?;
        let mut old: HashMap<String, BrandSlot> = self
            .brands
            .drain(..)
            .map(|s| (s.brand.name.clone(), s))
            .collect();
        self.brands = brands
            .iter()
            .map(|b| match old.remove(&b.name) {
                Some(mut slot) => {
                    slot.monitor.set_thresholds(&b.thresholds);
                    slot.brand = b.clone();
                    slot.names = name_words(&b.name_terms());
                    slot.brief.set_keywords(&b.name_terms());
                    slot
                }
                None => BrandSlot {
                    brand: b.clone(),
                    monitor: BrandMonitor::new(&b.thresholds, now),
                    brief: BrandBrief::new(&b.name_terms(), now),
                    names: name_words(&b.name_terms()),
                    reach_pending: Vec::new(),
                },
            })
            .collect();
        self.reach_due = (0..self.brands.len())
            .filter(|&i| !self.brands[i].reach_pending.is_empty())
            .collect();
        self.episodes = (0..self.brands.len())
            .filter(|&i| self.brands[i].brief.in_episode())
            .collect();
        self.matcher = matcher;
        Ok(())
    }

    pub fn brands(&self) -> impl Iterator<Item = &Brand> {
        self.brands.iter().map(|s| &s.brand)
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Scores later mentions with `analyzer` (after a reload changed the sentiment models);
    /// mentions already counted keep the label they got.
    pub fn set_analyzer(&mut self, analyzer: Arc<Analyzer>) {
        self.analyzer = analyzer;
    }

    /// Matches, scores and counts one mention that arrived at `arrival`.
    pub fn process(&mut self, m: &Mention, arrival: DateTime<Utc>) -> Processed {
        let p = self.classify(m);
        self.count(m, &p, arrival);
        p
    }

    /// Matches and scores one mention without counting it. The daemon classifies a batch,
    /// commits its dedup keys and counts to the store, and only then calls [`Engine::count`]:
    /// nothing is counted that the store did not keep.
    pub fn classify(&self, m: &Mention) -> Processed {
        let mut brands = self.matcher.matches(&m.text);
        let mut lang = m.lang.as_deref().and_then(Lang::from_code);
        if !brands.is_empty() {
            self.filter(&mut brands, m, &mut lang);
        }
        if brands.is_empty() {
            return Processed {
                brands,
                sentiment: None,
            };
        }
        let names: Vec<&str> = brands
            .iter()
            .flat_map(|&b| self.brands[b].names.iter().map(|n| &**n))
            .collect();
        let sentiment = self.analyzer.analyze_about(&m.text, lang, &names);
        Processed {
            brands,
            sentiment: Some(sentiment),
        }
    }

    /// What `brand`'s baseline expects in each bucket (as the storm brief's chart band does);
    /// `None` for an unknown brand.
    pub fn expected(&self, brand: &str, b: &Buckets) -> Option<Vec<f64>> {
        let slot = self.brands.iter().find(|s| s.brand.name == brand)?;
        let now = b.now.timestamp();
        let out = (0..b.count as i64)
            .map(|i| {
                let start = (b.first + i) * b.step_seconds;
                // The current bucket only up to now, as far as the baseline is concerned.
                let end = (start + b.step_seconds).min(now.max(start + 60));
                let at = DateTime::from_timestamp(end, 0).unwrap_or(b.now);
                slot.monitor.expected_at(at, ((end - start) / 60).max(1))
            })
            .collect();
        Some(out)
    }

    /// The brand name at an index of [`Processed::brands`].
    pub fn brand_name(&self, index: usize) -> Option<&str> {
        self.brands.get(index).map(|s| s.brand.name.as_str())
    }

    /// Counts a mention classified by [`Engine::classify`] (with this engine's brand list).
    pub fn count(&mut self, m: &Mention, p: &Processed, arrival: DateTime<Utc>) {
        let Some(sentiment) = p.sentiment.as_ref() else {
            return;
        };
        let at = m.time_or(arrival);
        for &b in &p.brands {
            let Some(slot) = self.brands.get_mut(b) else {
                continue;
            };
            slot.monitor.record(at, Some(sentiment.is_negative()));
            let post = Post {
                at,
                text: truncate(&m.text, SAMPLE_TEXT_CHARS),
                url: m.url.clone(),
                author: m.author.clone(),
                reach: m.reach,
                score: sentiment.score,
                lang: sentiment.lang,
                source: m.source.clone(),
            };
            let loud = slot
                .brand
                .thresholds
                .reach_alert
                .is_some_and(|bar| m.reach.is_some_and(|r| r >= bar));
            if loud && sentiment.is_negative() {
                if slot.reach_pending.is_empty() {
                    self.reach_due.push(b);
                }
                slot.reach_pending.push(post.clone());
            }
            slot.brief.push(
                post,
                sentiment.is_negative(),
                slot.brand.thresholds.window.as_secs(),
            );
        }
    }

    /// Replays counts that the store journaled after the brand states it restored: `mentions`
    /// at `at`, `negative` of them negative. An unknown brand (removed from the config) is
    /// skipped.
    pub fn replay_counts(&mut self, brand: &str, at: DateTime<Utc>, mentions: u64, negative: u64) {
        if let Some(slot) = self.brands.iter_mut().find(|s| s.brand.name == brand) {
            slot.monitor.record_n(at, mentions, Some(negative));
        }
    }

    /// Drops the brands whose `sources` or `languages` the mention is not in. The language is
    /// looked for only when one of the brands has a language filter and the mention does not
    /// declare one; what is detected then is also what sentiment scores in (`lang`), so a
    /// post is never detected twice.
    fn filter(&self, brands: &mut Vec<usize>, m: &Mention, lang: &mut Option<Lang>) {
        let filters = |b: usize| &self.brands[b].brand.filters;
        brands.retain(|&b| filters(b).admits_source(m.source.as_deref()));
        if !brands.iter().any(|&b| filters(b).wants_language()) {
            return;
        }
        let declared = m.lang.as_deref().filter(|l| !l.trim().is_empty());
        let code = match declared {
            Some(c) => Some(c),
            None => {
                *lang = self.analyzer.detect_lang(&m.text);
                lang.map(|l| l.as_str())
            }
        };
        brands.retain(|&b| filters(b).admits_language(code));
    }

    /// Counts `count` mentions of unknown sentiment for a brand (volume-only series).
    pub fn record_volume(&mut self, brand: usize, at: DateTime<Utc>, count: u64) {
        if let Some(slot) = self.brands.get_mut(brand) {
            slot.monitor.record_n(at, count, None);
        }
    }

    /// Runs detection for every brand at `now`; returns the notices to send.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<AlertEvent> {
        let mut out = Vec::new();
        self.reach_due.sort_unstable();
        let mut due = self.reach_due.iter().copied().peekable();
        let mut on = self.episodes.iter().copied().peekable();
        let mut changed: Vec<(usize, bool)> = Vec::new();
        for i in 0..self.brands.len() {
            // Most of a tick over thousands of brands is waiting for each brand's state to
            // come from memory: ask for it a few brands ahead, the struct first, its buffers
            // (whose addresses the struct holds) once the struct is in.
            if let Some(s) = self.brands.get(i + PREFETCH_STATE) {
                s.monitor.prefetch_state();
            }
            if let Some(s) = self.brands.get(i + PREFETCH_BUFFERS) {
                s.monitor.prefetch_buffers();
            }
            let slot = &mut self.brands[i];
            let in_episode = on.next_if_eq(&i).is_some();
            if due.next_if_eq(&i).is_some() {
                for post in std::mem::take(&mut slot.reach_pending) {
                    out.push(reach_event(slot, post, now, &self.analyzer));
                }
            }
            if let Some(notice) = slot.monitor.tick(now) {
                let names: Vec<&str> = slot.names.iter().map(|n| &**n).collect();
                let (sample, brief) =
                    slot.brief
                        .brief(&notice, now, &slot.monitor, &self.analyzer, &names);
                out.push(event_from(&slot.brand.name, notice, now, sample, brief));
                if slot.brief.in_episode() != in_episode {
                    changed.push((i, !in_episode));
                }
            } else if in_episode {
                // Only brands with an alert on: the peak of the episode for its recap.
                let s = slot.monitor.status(now);
                slot.brief.observe(s.mentions, s.window_seconds, now);
            }
        }
        self.reach_due.clear();
        for (i, started) in changed {
            match (self.episodes.binary_search(&i), started) {
                (Err(at), true) => self.episodes.insert(at, i),
                (Ok(at), false) => {
                    self.episodes.remove(at);
                }
                _ => {}
            }
        }
        out
    }

    /// Every brand's current numbers.
    pub fn views(&mut self, now: DateTime<Utc>) -> Vec<BrandView> {
        self.brands
            .iter_mut()
            .map(|s| BrandView {
                name: s.brand.name.clone(),
                status: s.monitor.status(now),
            })
            .collect()
    }

    /// Serialises every brand's monitor, for the store.
    pub fn export_states(&self) -> Vec<(String, String)> {
        self.brands
            .iter()
            .filter_map(|s| {
                serde_json::to_string(&s.monitor)
                    .ok()
                    .map(|j| (s.brand.name.clone(), j))
            })
            .collect()
    }

    /// Restores monitors saved by [`Engine::export_states`]; returns the brands whose saved
    /// state could not be read (they start fresh; the caller logs them).
    pub fn import_states(&mut self, states: &HashMap<String, String>) -> Vec<String> {
        let mut bad = Vec::new();
        for slot in &mut self.brands {
            if let Some(json) = states.get(&slot.brand.name) {
                match serde_json::from_str::<BrandMonitor>(json) {
                    Ok(mut m) => {
                        m.set_thresholds(&slot.brand.thresholds);
                        slot.monitor = m;
                    }
                    Err(_) => bad.push(slot.brand.name.clone()),
                }
            }
        }
        bad
    }
}

/// A `reach` alert: one negative post, its author's reach at least `reach_alert`. Not a surge,
/// so no thread: it fires once and never resolves; its id also names the post, so two such
/// posts in one tick are two alerts.
fn reach_event(
    slot: &BrandSlot,
    post: Post,
    now: DateTime<Utc>,
    analyzer: &Analyzer,
) -> AlertEvent {
    let bar = slot.brand.thresholds.reach_alert.unwrap_or(0);
    let notice = Notice {
        status: Status::Firing,
        level: crate::alert::Level::Warning,
        kind: Kind::Reach,
        started_at: post.at,
        window_seconds: 0,
        mentions: 1,
        negative: 1,
        negative_share: 1.0,
        expected: 0.0,
        velocity_ratio: 0.0,
        reasons: vec![format!(
            "a negative post by {} with a reach of {} (reach_alert {bar})",
            post.author.as_deref().unwrap_or("an unnamed author"),
            post.reach.unwrap_or(0)
        )],
    };
    let names: Vec<&str> = slot.names.iter().map(|n| &**n).collect();
    let sample = vec![sample_post(&post, 1, true, analyzer, &names)];
    let mut ev = event_from(&slot.brand.name, notice, now, sample, StormBrief::default());
    let mut h = Sha256::new();
    h.update(ev.id.as_bytes());
    h.update(post.text.as_bytes());
    h.update(post.author.as_deref().unwrap_or("").as_bytes());
    ev.id = hex::encode(&h.finalize()[..12]);
    ev
}

/// A stable id: the same notice computed twice (a replayed tick) has the same id.
fn event_id(brand: &str, n: &Notice, now: DateTime<Utc>) -> String {
    let mut h = Sha256::new();
    h.update(brand.as_bytes());
    h.update(n.started_at.timestamp().to_be_bytes());
    h.update(now.timestamp().to_be_bytes());
    h.update([n.status as u8, n.level as u8, n.kind as u8]);
    hex::encode(&h.finalize()[..12])
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One decimal, as every notice shows it: the event carries the figure that is read, so no
/// text can show 5.2x where another shows 5.3x.
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn event_from(
    brand: &str,
    n: Notice,
    now: DateTime<Utc>,
    sample: Vec<SampleMention>,
    brief: StormBrief,
) -> AlertEvent {
    AlertEvent::new(
        event_id(brand, &n, now),
        brand,
        n.status,
        n.level,
        n.kind,
        now.trunc_subsecs(0),
    )
    .with_started_at(n.started_at.trunc_subsecs(0))
    .with_window_seconds(n.window_seconds)
    .with_counts(n.mentions, n.negative, round2(n.negative_share))
    .with_velocity(round1(n.expected), round1(n.velocity_ratio))
    .with_reasons(n.reasons)
    .with_sample(sample)
    .with_brief(brief)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::Kind;
    use crate::config::Thresholds;
    use chrono::Duration;

    fn brand(name: &str, kw: &str) -> Brand {
        Brand {
            name: name.into(),
            keywords: vec![kw.into()],
            exclude: vec![],
            query: None,
            filters: Default::default(),
            thresholds: Thresholds::default(),
        }
    }

    fn t0() -> DateTime<Utc> {
        "2026-03-07T13:00:00Z".parse().unwrap()
    }

    fn engine() -> Engine {
        Engine::new(
            &[brand("Nordwind", "nordwind"), brand("Acme", "acme")],
            Arc::new(Analyzer::new()),
            t0(),
        )
        .unwrap()
    }

    fn post(text: &str, reach: u64) -> Mention {
        let mut m = Mention::new(text);
        m.reach = Some(reach);
        m.created_at = Some(t0());
        m
    }

    #[test]
    fn unmatched_mentions_are_not_scored() {
        let mut e = engine();
        let p = e.process(&post("nothing to see", 1), t0());
        assert!(p.brands.is_empty() && p.sentiment.is_none());
    }

    #[test]
    fn a_negative_burst_is_one_storm_with_a_sample_of_the_loudest_posts() {
        let mut e = engine();
        for i in 0..120 {
            e.process(&post("Nordwind ist eine Abzocke, Skandal!", i), t0());
        }
        e.process(&post("acme ist super", 5), t0());
        let events = e.tick(t0() + Duration::seconds(5));
        assert_eq!(events.len(), 1, "{events:?}");
        let ev = &events[0];
        assert_eq!((ev.brand.as_str(), ev.kind), ("Nordwind", Kind::Storm));
        // 120 copies of one post are one story, shown once with the loudest copy.
        assert_eq!(ev.sample.len(), 1);
        assert_eq!(ev.sample[0].copies, 120);
        assert_eq!(ev.sample[0].reach, Some(119));
        // Each sample post names the words that made it negative, strongest first.
        let words: Vec<&str> = ev.sample[0].words.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(words.len(), 2, "{:?}", ev.sample[0].words);
        assert!(
            words.contains(&"Abzocke") && words.contains(&"Skandal"),
            "{words:?}"
        );
        assert!(ev.sample[0].words.iter().all(|w| w.valence < 0.0));
        assert!(ev.sample[0].words[0].valence.abs() >= ev.sample[0].words[1].valence.abs());
        assert!(e.tick(t0() + Duration::seconds(10)).is_empty());
    }

    #[test]
    fn a_brand_name_does_not_score_its_own_posts() {
        // "Gute Laune" is praise in the German lexicon; in "Gute Laune Reisen" it is a name,
        // and posts about the brand must not all lean positive because of it.
        let name = "Gute Laune Reisen";
        let mut e = Engine::new(&[brand(name, name)], Arc::new(Analyzer::new()), t0()).unwrap();
        let text = format!("{name} erhöht die Preise");
        let p = e.process(&post(&text, 1), t0());
        let s = p.sentiment.unwrap();
        assert_eq!(s.score, 0.0, "{s:?}");
        let plain = e.analyzer().analyze(&text, None);
        assert!(plain.score > 0.0, "{plain:?}");
        for i in 0..120 {
            e.process(
                &post(&format!("{name} ist eine Abzocke, Skandal!"), i),
                t0(),
            );
        }
        let events = e.tick(t0() + Duration::seconds(5));
        let words = &events[0].sample[0].words;
        assert!(
            !words.is_empty() && words.iter().all(|w| !w.word.contains("Gute")),
            "{words:?}"
        );
    }

    #[test]
    fn states_survive_export_and_import() {
        let mut e = engine();
        for _ in 0..120 {
            e.process(&post("Nordwind Abzocke Skandal", 1), t0());
        }
        assert_eq!(e.tick(t0()).len(), 1);
        let saved: HashMap<String, String> = e.export_states().into_iter().collect();
        let mut fresh = engine();
        assert!(fresh.import_states(&saved).is_empty());
        // The restored monitor knows the storm is on and does not announce it again.
        assert!(fresh.tick(t0() + Duration::seconds(5)).is_empty());
        assert_eq!(
            fresh.views(t0())[0].status.level,
            crate::alert::Level::Critical
        );
    }

    #[test]
    fn reconfigure_keeps_history_by_name() {
        let mut e = engine();
        for _ in 0..3 {
            e.process(&post("acme", 1), t0());
        }
        e.reconfigure(&[brand("Acme", "acme"), brand("New", "neu")], t0())
            .unwrap();
        let v = e.views(t0());
        assert_eq!(v[0].name, "Acme");
        assert_eq!(v[0].status.mentions, 3);
        assert_eq!(v[1].status.mentions, 0);
    }

    #[test]
    fn one_negative_post_with_a_large_reach_is_a_reach_alert_holding_that_post() {
        let mut b = brand("Nordwind", "nordwind");
        b.thresholds.reach_alert = Some(100_000);
        let mut e =
            Engine::new(&[b, brand("Acme", "acme")], Arc::new(Analyzer::new()), t0()).unwrap();
        let mut loud = post("Nordwind ist eine Abzocke!", 250_000);
        loud.author = Some("bigvoice".into());
        e.process(&loud, t0());
        // Not negative, or too small a reach, or a brand without reach_alert: nothing.
        e.process(&post("Nordwind ist super", 500_000), t0());
        e.process(&post("Nordwind ist eine Abzocke!", 99_999), t0());
        e.process(&post("acme ist eine Abzocke!", 900_000), t0());
        let events = e.tick(t0() + Duration::seconds(5));
        assert_eq!(events.len(), 1, "{events:?}");
        let ev = &events[0];
        assert_eq!(
            (ev.kind, ev.level, ev.status, ev.brand.as_str()),
            (
                Kind::Reach,
                crate::alert::Level::Warning,
                Status::Firing,
                "Nordwind"
            )
        );
        assert_eq!(ev.sample.len(), 1);
        assert_eq!(ev.sample[0].author.as_deref(), Some("bigvoice"));
        assert_eq!(ev.sample[0].reach, Some(250_000));
        assert!(ev.reasons[0].contains("bigvoice"), "{:?}", ev.reasons);
        assert!(
            ev.headline().contains("reach: Nordwind"),
            "{}",
            ev.headline()
        );
        // Announced once.
        assert!(e.tick(t0() + Duration::seconds(10)).is_empty());
    }

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("äöü", 2), "äö…");
        assert_eq!(truncate("ab", 5), "ab");
    }
}
