//! Per-brand state behind the storm brief, and the brief of one notice.
//!
//! [`BrandBrief`] keeps a brand's recent posts, its term and author memories, a 24-hour ring of
//! 15-minute counts, and, while an alert is on, the episode's running totals, peak and first
//! posts. [`BrandBrief::brief`] turns a detector notice into the sample posts and the
//! [`StormBrief`] of its alert event.
//!
//! Invariant: a post is learned (terms, author) once, when it leaves the brand's alert window,
//! so the window being judged is never part of its own baseline; terms are not learned at all
//! while an alert is on. Counting is not touched here: every post counts in the detector, and
//! the episode's totals count every post too, copies included.

use chrono::{DateTime, Duration, Utc};

use super::authors::AuthorMemory;
use super::dedupe::{group, Fingerprint};
use super::drivers::{drivers, Driver, TermBaseline};
use super::recent::{Kept, Recent};
use super::terms::{terms, with_term_keys, OwnWords, Term};
use super::types::{Peak, SampleMention, SampleWord, Series, SourceCounts, StormBrief, Totals};
use crate::alert::{Kind, Status};
use crate::detect::stats::{binomial_surprise, count_surprise};
use crate::detect::{BrandMonitor, Notice};
use crate::sentiment::{Analyzer, Lang};
use crate::window::{Bucket, Ring};

/// How many distinct posts an alert shows.
pub const SAMPLE_SIZE: usize = 5;
/// How many of the surge's first posts an alert shows.
pub const FIRST_POSTS: usize = 3;
/// How many words of a sample post are named as the reason for its score.
const SAMPLE_WORDS: usize = 3;
/// The chart's buckets: 15 minutes, 24 hours.
pub const STEP_SECONDS: i64 = 900;
const STEPS: usize = 96;
/// Drivers whose posts mark the first posts of a surge.
const MARKING_DRIVERS: usize = 3;
/// Source name of posts whose record names none.
const UNKNOWN_SOURCE: &str = "other";

/// One recent post of a brand.
#[derive(Debug, Clone)]
pub struct Post {
    pub at: DateTime<Utc>,
    pub text: String,
    pub url: Option<String>,
    pub author: Option<String>,
    pub reach: Option<u64>,
    pub score: f64,
    pub lang: Lang,
    pub source: Option<String>,
}

/// An alert episode of the brand, from its first firing notice to its all-clear.
#[derive(Debug, Clone)]
struct Episode {
    started_at: DateTime<Utc>,
    window_seconds: u64,
    peak: Peak,
    totals: Totals,
    sources: Vec<(String, u64)>,
    drivers: Vec<Driver>,
    /// The window count of the notice the drivers come from.
    drivers_from: u64,
    first_posts: Vec<SampleMention>,
}

#[derive(Debug, Clone)]
pub struct BrandBrief {
    own: OwnWords,
    recent: Recent,
    /// How many posts at the front of `recent` have been learned.
    learned: usize,
    terms: TermBaseline,
    /// The brand's posts a minute, decayed over post time (one minute), as of `rate_at` (ms),
    /// and the state of the draws that sample the posts a busy brand learns terms from.
    rate: f64,
    rate_at: i64,
    draws: u64,
    authors: AuthorMemory,
    timeline: Ring,
    episode: Option<Episode>,
}

/// About this many posts a minute teach a brand's term baseline. The baseline holds shares
/// (the part of the brand's posts that carry a term), which a random sample of the posts
/// estimates as well as all of them do; extracting a post's terms costs more than matching,
/// scoring and counting it together, so a brand with thousands of posts a minute learns from
/// about one a second, each post drawn with the same chance. Quiet brands learn every post.
const LEARN_PER_MINUTE: f64 = 60.0;

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

fn fits(kind: Kind, p: &Kept) -> bool {
    match kind {
        Kind::Storm => p.score() < 0.0,
        Kind::Buzz => p.score() >= 0.0,
        Kind::Volume | Kind::Source | Kind::Reach => true,
    }
}

impl BrandBrief {
    pub fn new(keywords: &[String], now: DateTime<Utc>) -> Self {
        BrandBrief {
            own: OwnWords::new(keywords),
            recent: Recent::default(),
            learned: 0,
            terms: TermBaseline::default(),
            rate: 0.0,
            rate_at: 0,
            draws: 0x9E37_79B9_7F4A_7C15,
            authors: AuthorMemory::default(),
            timeline: Ring::new(STEP_SECONDS, STEPS, now),
            episode: None,
        }
    }

    /// New keywords after a reload; the memories stay.
    pub fn set_keywords(&mut self, keywords: &[String]) {
        self.own = OwnWords::new(keywords);
    }

    /// Whether an alert episode is on (its peak is then followed on every tick).
    pub fn in_episode(&self) -> bool {
        self.episode.is_some()
    }

    /// Takes one post about the brand; `window_seconds` is the brand's alert window, after
    /// which the post is learned.
    pub fn push(&mut self, post: Post, negative: bool, window_seconds: u64) {
        let at = post.at;
        self.timeline.add(
            at,
            Bucket {
                mentions: 1,
                negative: negative as u32,
                scored: 1,
            },
        );
        if let Some(e) = &mut self.episode {
            e.totals.mentions += 1;
            e.totals.negative += negative as u64;
            let src = post.source.as_deref().unwrap_or(UNKNOWN_SOURCE);
            match e.sources.iter_mut().find(|(s, _)| s == src) {
                Some((_, n)) => *n += 1,
                None => e.sources.push((src.to_string(), 1)),
            }
        }
        // Old posts leave here rather than in `tick`, which then never touches this buffer.
        // A post that must leave before it left the window (the buffer is full) is learned as
        // it goes: it is no longer among the posts an alert would judge, and a busy brand's
        // baseline would otherwise never learn at all.
        let horizon = (at - Duration::hours(24)).timestamp();
        while self
            .recent
            .front()
            .is_some_and(|r| r.at().timestamp() < horizon || self.recent.needs_room(&post))
        {
            let Some(p) = self.recent.pop_front() else {
                break;
            };
            if self.learned == 0 {
                self.learn(&p);
            } else {
                self.learned -= 1;
            }
        }
        self.recent.push(post);
        let cutoff = at - Duration::seconds(window_seconds as i64);
        while let Some(at) = self.recent.get(self.learned).map(|p| p.at()) {
            if at > cutoff {
                break;
            }
            let learn_terms = self.episode.is_none() && self.learn_token(at);
            let Some(p) = self.recent.get(self.learned) else {
                break;
            };
            if learn_terms {
                with_term_keys(p.text(), &self.own, |k| self.terms.learn_keys(k));
            }
            if let Some(a) = p.author() {
                self.authors.learn(a);
            }
            self.learned += 1;
        }
    }

    /// Learns one post's terms (not while an alert is on) and author.
    fn learn(&mut self, p: &Kept) {
        if self.episode.is_none() && self.learn_token(p.at()) {
            with_term_keys(p.text(), &self.own, |k| self.terms.learn_keys(k));
        }
        if let Some(a) = p.author() {
            self.authors.learn(a);
        }
    }

    /// Whether the post at `at` teaches the term baseline: always while the brand has at most
    /// [`LEARN_PER_MINUTE`] posts a minute, else with the chance that keeps it near that many
    /// (a xorshift draw: the same posts give the same baseline, whatever their order of words).
    fn learn_token(&mut self, at: DateTime<Utc>) -> bool {
        let t = at.timestamp_millis();
        let minutes = t.saturating_sub(self.rate_at).max(0) as f64 / 60_000.0;
        self.rate_at = self.rate_at.max(t);
        self.rate = self.rate * (-minutes).exp() + 1.0;
        let chance = LEARN_PER_MINUTE / self.rate;
        if chance >= 1.0 {
            return true;
        }
        let mut x = self.draws;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.draws = x;
        ((x >> 11) as f64 / (1u64 << 53) as f64) < chance
    }

    /// Follows the episode's peak: the brand's current count in the episode's window.
    /// At a new peak the recap's drivers are taken again, from the peak's window: what the
    /// storm was about at its height, not only in its first minutes (a new peak comes a few
    /// dozen times in a storm, so this is rare work).
    pub fn observe(&mut self, mentions: u64, window_seconds: u64, now: DateTime<Utc>) {
        let Some(e) = &self.episode else { return };
        if e.window_seconds != window_seconds || mentions <= e.peak.mentions {
            return;
        }
        let since = now - Duration::seconds(window_seconds as i64);
        let post_terms: Vec<Vec<Term>> = self
            .recent
            .iter()
            .filter(|p| p.at() >= since)
            .map(|p| terms(p.text(), &self.own))
            .collect();
        let found = drivers(&post_terms, &self.terms);
        let Some(e) = &mut self.episode else { return };
        e.peak = Peak { mentions, at: now };
        if mentions >= e.drivers_from && !found.is_empty() {
            e.drivers = found;
            e.drivers_from = mentions;
        }
    }

    /// The sample posts and the brief of a notice at `now`. `names` are the brand's name words,
    /// which carry no sentiment in its posts.
    pub fn brief(
        &mut self,
        n: &Notice,
        now: DateTime<Utc>,
        monitor: &BrandMonitor,
        analyzer: &Analyzer,
        names: &[&str],
    ) -> (Vec<SampleMention>, StormBrief) {
        let series = Some(self.series(now, monitor));
        let status = monitor.status(now);
        let usual = Some(round(status.usual_negative_share, 2));
        if n.status == Status::Resolved {
            let Some(e) = self.episode.take() else {
                return (
                    Vec::new(),
                    StormBrief {
                        series,
                        usual_negative_share: usual,
                        ..StormBrief::default()
                    },
                );
            };
            return (
                Vec::new(),
                StormBrief {
                    drivers: e.drivers,
                    sources: SourceCounts::sorted(e.sources),
                    first_posts: e.first_posts,
                    peak: Some(e.peak),
                    totals: Some(e.totals),
                    usual_negative_share: usual,
                    series,
                    ..StormBrief::default()
                },
            );
        }
        let since = now - Duration::seconds(n.window_seconds as i64);
        let window: Vec<&Kept> = self.recent.iter().filter(|p| p.at() >= since).collect();
        let post_terms: Vec<Vec<Term>> =
            window.iter().map(|p| terms(p.text(), &self.own)).collect();
        let found = drivers(&post_terms, &self.terms);
        let sample = self.sample(&window, n.kind, analyzer, names);
        let names_of: Vec<&str> = window
            .iter()
            .map(|p| self.recent.source(p).unwrap_or(UNKNOWN_SOURCE))
            .collect();
        let sources = scaled_sources(&names_of, n.mentions);
        let new_author_share = self.new_author_share(&window);
        let surprise = {
            let volume = count_surprise(n.mentions as f64, n.expected, monitor.dispersion());
            let negative = if n.kind == Kind::Volume {
                0.0
            } else {
                binomial_surprise(n.negative, n.mentions, status.usual_negative_share)
            };
            Some(round(volume.max(negative), 1))
        };
        let fresh = self
            .episode
            .as_ref()
            .is_none_or(|e| e.started_at != n.started_at);
        if fresh {
            let first_posts = self.first_posts(n, &found, analyzer, names);
            self.episode = Some(Episode {
                started_at: n.started_at,
                window_seconds: n.window_seconds,
                peak: Peak {
                    mentions: n.mentions,
                    at: now,
                },
                totals: Totals {
                    mentions: n.mentions,
                    negative: n.negative,
                },
                sources: sources.0.clone(),
                drivers: found.clone(),
                drivers_from: n.mentions,
                first_posts,
            });
        }
        let e = self
            .episode
            .as_mut()
            .unwrap_or_else(|| unreachable!("set above"));
        if n.mentions > e.peak.mentions {
            e.peak = Peak {
                mentions: n.mentions,
                at: now,
            };
        }
        if n.mentions >= e.drivers_from && !found.is_empty() {
            e.drivers = found.clone();
            e.drivers_from = n.mentions;
        }
        let brief = StormBrief {
            drivers: found,
            sources,
            new_author_share,
            first_posts: e.first_posts.clone(),
            usual_negative_share: usual,
            surprise,
            series,
            ..StormBrief::default()
        };
        (sample, brief)
    }

    /// Distinct stories of the window, the ones that fit the alert's kind (negative for a
    /// storm) first, then by reach, then by how strongly they were scored.
    fn sample(
        &self,
        window: &[&Kept],
        kind: Kind,
        analyzer: &Analyzer,
        names: &[&str],
    ) -> Vec<SampleMention> {
        let mut c: Vec<&Kept> = window.to_vec();
        c.sort_by(|a, b| {
            fits(kind, b)
                .cmp(&fits(kind, a))
                .then(b.reach().unwrap_or(0).cmp(&a.reach().unwrap_or(0)))
                .then(a.score().abs().total_cmp(&b.score().abs()).reverse())
                .then(b.at().cmp(&a.at()))
        });
        let prints: Vec<Fingerprint> = c
            .iter()
            .map(|p| Fingerprint::new(p.text(), &self.own))
            .collect();
        group(&prints, SAMPLE_SIZE)
            .into_iter()
            .map(|(i, copies)| sample_post(&self.recent.post(c[i]), copies, false, analyzer, names))
            .collect()
    }

    /// The earliest posts of the surge, oldest first: from a window before the episode began,
    /// those that fit its kind and carry one of its strongest drivers (the posts it started
    /// with), one per story; without drivers, the first fitting posts since it began.
    fn first_posts(
        &self,
        n: &Notice,
        found: &[Driver],
        analyzer: &Analyzer,
        names: &[&str],
    ) -> Vec<SampleMention> {
        let marks: Vec<u64> = found
            .iter()
            .take(MARKING_DRIVERS)
            .map(|d| super::terms::term_key(d.kind, &d.term))
            .collect();
        let from = if marks.is_empty() {
            n.started_at
        } else {
            n.started_at - Duration::seconds(n.window_seconds as i64)
        };
        let mut c: Vec<&Kept> = self
            .recent
            .iter()
            .filter(|p| p.at() >= from && fits(n.kind, p))
            .filter(|p| {
                marks.is_empty()
                    || terms(p.text(), &self.own)
                        .iter()
                        .any(|t| marks.contains(&t.key))
            })
            .collect();
        c.sort_by_key(|p| p.at());
        let mut out: Vec<(Fingerprint, SampleMention)> = Vec::new();
        for p in c {
            let f = Fingerprint::new(p.text(), &self.own);
            if out.iter().any(|(g, _)| g.same_story(&f)) {
                continue;
            }
            out.push((
                f,
                sample_post(&self.recent.post(p), 1, true, analyzer, names),
            ));
            if out.len() == FIRST_POSTS {
                break;
            }
        }
        out.into_iter().map(|(_, s)| s).collect()
    }

    fn new_author_share(&self, window: &[&Kept]) -> Option<f64> {
        let mut authors: Vec<String> = window
            .iter()
            .filter_map(|p| p.author())
            .map(str::to_lowercase)
            .collect();
        authors.sort();
        authors.dedup();
        if authors.is_empty() {
            return None;
        }
        let new = authors.iter().filter(|a| !self.authors.knows(a)).count();
        Some(round(new as f64 / authors.len() as f64, 2))
    }

    /// The last 24 hours in 15-minute buckets, with what the baseline expected of each.
    fn series(&self, now: DateTime<Utc>, monitor: &BrandMonitor) -> Series {
        let last = now.timestamp().div_euclid(STEP_SECONDS);
        let first = last - STEPS as i64 + 1;
        let mut s = Series {
            start: DateTime::from_timestamp(first * STEP_SECONDS, 0).unwrap_or_default(),
            step_seconds: STEP_SECONDS as u64,
            mentions: Vec::with_capacity(STEPS),
            negative: Vec::with_capacity(STEPS),
            expected: Vec::with_capacity(STEPS),
            dispersion: round(monitor.dispersion(), 4),
        };
        for idx in first..=last {
            let b = self.timeline.get(idx);
            let start = idx * STEP_SECONDS;
            let end = ((idx + 1) * STEP_SECONDS).min(now.timestamp().max(start + 60));
            let minutes = ((end - start) / 60).max(1);
            let at = DateTime::from_timestamp(end, 0).unwrap_or(now);
            s.mentions.push(b.mentions);
            s.negative.push(b.negative);
            s.expected
                .push(round(monitor.expected_at(at, minutes), 2) as f32);
        }
        s
    }

    /// Bytes this brief's state occupies: its struct, tables, ring, recent posts and, while an
    /// alert is on, its episode.
    pub fn memory_bytes(&self) -> usize {
        let episode = self.episode.as_ref().map_or(0, |e| {
            let post = |p: &SampleMention| {
                std::mem::size_of::<SampleMention>()
                    + p.text.capacity()
                    + p.url.as_ref().map_or(0, String::capacity)
                    + p.author.as_ref().map_or(0, String::capacity)
                    + p.words.capacity() * std::mem::size_of::<SampleWord>()
                    + p.words.iter().map(|w| w.word.capacity()).sum::<usize>()
            };
            e.first_posts.iter().map(post).sum::<usize>()
                + e.drivers.capacity() * std::mem::size_of::<Driver>()
                + e.drivers.iter().map(|d| d.term.capacity()).sum::<usize>()
                + e.sources.capacity() * std::mem::size_of::<(String, u64)>()
                + e.sources.iter().map(|s| s.0.capacity()).sum::<usize>()
        });
        std::mem::size_of::<Self>()
            + self.table_bytes()
            + self.own.heap_bytes()
            + self.recent.heap_bytes()
            + episode
    }

    /// Bytes of the bounded tables and ring alone (without the recent posts).
    pub fn table_bytes(&self) -> usize {
        self.terms.heap_bytes()
            + self.authors.heap_bytes()
            + self.timeline.len() * std::mem::size_of::<Bucket>()
    }
}

/// Mentions per source among the window's posts (`window` names each post's source); when the
/// recent posts do not reach back over the whole window (a busy window overflows them),
/// scaled to the window's count by largest remainders, so the parts always add up to the
/// count the alert states.
fn scaled_sources(window: &[&str], mentions: u64) -> SourceCounts {
    let mut counts: Vec<(String, u64)> = Vec::new();
    for &src in window {
        match counts.iter_mut().find(|(s, _)| s == src) {
            Some((_, n)) => *n += 1,
            None => counts.push((src.to_string(), 1)),
        }
    }
    let seen = window.len() as u64;
    if seen > 0 && mentions > seen {
        let f = mentions as f64 / seen as f64;
        let mut parts: Vec<(usize, u64, f64)> = counts
            .iter()
            .enumerate()
            .map(|(i, (_, n))| {
                let x = *n as f64 * f;
                (i, x.floor() as u64, x - x.floor())
            })
            .collect();
        let mut left = mentions - parts.iter().map(|p| p.1).sum::<u64>();
        parts.sort_by(|a, b| b.2.total_cmp(&a.2));
        for p in &mut parts {
            if left == 0 {
                break;
            }
            p.1 += 1;
            left -= 1;
        }
        for (i, n, _) in parts {
            counts[i].1 = n;
        }
    }
    SourceCounts::sorted(counts)
}

pub fn sample_post(
    p: &Post,
    copies: u32,
    with_time: bool,
    analyzer: &Analyzer,
    names: &[&str],
) -> SampleMention {
    SampleMention {
        text: p.text.clone(),
        url: p.url.clone(),
        author: p.author.clone(),
        reach: p.reach,
        score: round(p.score, 2),
        copies,
        at: with_time.then_some(p.at),
        words: sample_words(analyzer, p, names),
    }
}

/// The words that moved a post's score most. Explaining re-scores the post, which is fine
/// here: it happens for a handful of posts per alert, never per mention.
fn sample_words(analyzer: &Analyzer, p: &Post, names: &[&str]) -> Vec<SampleWord> {
    let e = analyzer.explain_about(&p.text, Some(p.lang), names);
    let mut words: Vec<SampleWord> = e
        .steps
        .into_iter()
        .filter(|s| s.valence != 0.0)
        .map(|s| SampleWord {
            word: s.word,
            valence: round(s.valence, 2),
        })
        .collect();
    words.sort_by(|a, b| b.valence.abs().total_cmp(&a.valence.abs()));
    words.truncate(SAMPLE_WORDS);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_add_up_to_the_window_count() {
        let refs = ["reddit", "reddit", "bluesky"];
        let exact = scaled_sources(&refs, 3);
        assert_eq!(exact.0, vec![("reddit".into(), 2), ("bluesky".into(), 1)]);
        let scaled = scaled_sources(&refs, 10);
        assert_eq!(scaled.total(), 10);
        assert_eq!(scaled.0[0], ("reddit".into(), 7));
    }

    fn post(at: DateTime<Utc>, text: &str) -> Post {
        Post {
            at,
            text: text.into(),
            url: None,
            author: None,
            reach: None,
            score: -0.5,
            lang: Lang::De,
            source: None,
        }
    }

    /// A busy brand learns its terms from a sample of [`LEARN_PER_MINUTE`] posts a minute,
    /// and the sample still gives each term its share; a quiet brand learns every post.
    #[test]
    fn busy_brands_learn_term_shares_from_a_sample() {
        let t0: DateTime<Utc> = "2026-03-02T00:00:00Z".parse().unwrap();
        let mut busy = BrandBrief::new(&["acme".into()], t0);
        // 6,000 posts over ten minutes, every other one about the hotline.
        for i in 0..6000i64 {
            let text = if i % 2 == 0 {
                "acme hotline kaputt"
            } else {
                "acme rechnung falsch"
            };
            busy.push(post(t0 + Duration::milliseconds(i * 100), text), true, 60);
        }
        let learned = busy.terms.posts();
        assert!(
            (500.0..=700.0).contains(&learned),
            "about 60 a minute over ten minutes: {learned}"
        );
        let key = super::super::terms::term_key(super::super::terms::TermType::Word, "hotline");
        let share = busy.terms.share(key);
        assert!((0.4..=0.6).contains(&share), "{share}");

        let mut quiet = BrandBrief::new(&["acme".into()], t0);
        for i in 0..100i64 {
            quiet.push(
                post(t0 + Duration::seconds(i * 10), "acme hotline kaputt"),
                true,
                60,
            );
        }
        // Every post older than the window (60 s) is learned.
        assert!(quiet.terms.posts() >= 90.0, "{}", quiet.terms.posts());
    }
}
