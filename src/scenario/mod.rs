//! Synthetic mention streams: calm days with daily and weekly rhythm, storms, buzz, news.
//!
//! Brands of very different volume post in German and English; arrivals are Poisson per
//! minute with a rate that follows the hour of day and the weekday; events (a fast storm, a
//! slow burn, a positive viral spike, a neutral news spike) add their own Poisson streams
//! with their own texts on top.
//!
//! Invariant: deterministic. Everything is drawn from one [`Rng`] seeded by the caller (no
//! global random state), so a seed names one stream exactly, in tests and for the demo
//! recording alike.

pub mod texts;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc, Weekday};

use crate::mention::Mention;

/// A small, fast, seedable generator (SplitMix64). Not for cryptography.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5eed_5eed_5eed_5eed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.uniform() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// A standard normal draw (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-12);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A Poisson draw with mean `lambda` (exact: products of uniforms, in chunks so that
    /// large means neither underflow nor lose precision).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda.is_nan() || lambda <= 0.0 || !lambda.is_finite() {
            return 0;
        }
        let mut left = lambda;
        let mut total = 0;
        while left > 0.0 {
            let l = left.min(200.0);
            left -= l;
            let limit = (-l).exp();
            let mut p = self.uniform();
            while p > limit {
                total += 1;
                p *= self.uniform();
            }
        }
        total
    }
}

/// One brand of the scenario.
#[derive(Debug, Clone)]
pub struct BrandSpec {
    pub name: String,
    /// Keywords as they appear in posts (the first also as the config name); the config's
    /// keywords should match every one of them.
    pub handles: Vec<String>,
    /// Mentions per hour at the busiest hour of a weekday.
    pub peak_per_hour: f64,
    /// Share of German posts (the rest are English).
    pub german: f64,
    /// Usual shares of negative and positive posts (the rest are neutral).
    pub negative: f64,
    pub positive: f64,
}

/// Something that happens to a brand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A fast storm: angry posts ramp up within minutes to many times the usual volume.
    FastStorm,
    /// A slow burn: complaints about one problem build up over a day at low volume.
    SlowBurn,
    /// A positive viral moment: ten times the usual volume, nearly all praise.
    Viral,
    /// A neutral news wave: a press release that everybody shares.
    News,
}

#[derive(Debug, Clone, Copy)]
pub struct Event {
    pub brand: usize,
    pub kind: EventKind,
    pub onset: DateTime<Utc>,
    /// German share of the event's posts.
    pub german: f64,
}

impl Event {
    /// Extra posts per minute `m` minutes after onset, for a brand whose busiest hour has
    /// `peak` posts; and the share of them that is negative and positive.
    fn intensity(&self, m: f64, peak: f64) -> (f64, f64, f64) {
        let per_min = peak / 60.0;
        match self.kind {
            EventKind::FastStorm => {
                // Ramps to eight times the busiest hour (at least 2 posts a minute) within
                // ten minutes, holds for two hours, fades over two more.
                let top = (8.0 * per_min).max(2.0);
                let shape = if m < 10.0 {
                    m / 10.0
                } else if m < 130.0 {
                    1.0
                } else {
                    (1.0 - (m - 130.0) / 120.0).max(0.0)
                };
                (top * shape, 0.85, 0.02)
            }
            EventKind::SlowBurn => {
                // Builds linearly over 24 hours to the brand's busiest-hour rate (at least 6
                // posts an hour), holds for another day.
                let top = per_min.max(0.1);
                let shape = if m < 1440.0 {
                    m / 1440.0
                } else if m < 2880.0 {
                    1.0
                } else {
                    0.0
                };
                (top * shape, 0.8, 0.03)
            }
            EventKind::Viral => {
                // Ten times the busiest hour for six hours, after a 30-minute rise.
                let shape = if m < 30.0 {
                    m / 30.0
                } else if m < 390.0 {
                    1.0
                } else {
                    0.0
                };
                (9.0 * per_min * shape, 0.04, 0.85)
            }
            EventKind::News => {
                // Six times the busiest hour for four hours, mostly neutral.
                let shape = if m < 20.0 {
                    m / 20.0
                } else if m < 260.0 {
                    1.0
                } else {
                    0.0
                };
                (5.0 * per_min * shape, 0.08, 0.07)
            }
        }
    }

    fn texts(&self, german: bool, mood: Mood) -> &'static [&'static str] {
        use texts::*;
        match (self.kind, mood, german) {
            (EventKind::FastStorm, Mood::Negative, true) => STORM_DE,
            (EventKind::FastStorm, Mood::Negative, false) => STORM_EN,
            (EventKind::SlowBurn, Mood::Negative, true) => BURN_DE,
            (EventKind::SlowBurn, Mood::Negative, false) => BURN_EN,
            (EventKind::Viral, Mood::Positive, true) => VIRAL_DE,
            (EventKind::Viral, Mood::Positive, false) => VIRAL_EN,
            (EventKind::News, Mood::Neutral, true) => NEWS_DE,
            (EventKind::News, Mood::Neutral, false) => NEWS_EN,
            (_, mood, german) => everyday(mood, german),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mood {
    Negative,
    Neutral,
    Positive,
}

fn everyday(mood: Mood, german: bool) -> &'static [&'static str] {
    use texts::*;
    match (mood, german) {
        (Mood::Negative, true) => NEGATIVE_DE,
        (Mood::Negative, false) => NEGATIVE_EN,
        (Mood::Neutral, true) => NEUTRAL_DE,
        (Mood::Neutral, false) => NEUTRAL_EN,
        (Mood::Positive, true) => POSITIVE_DE,
        (Mood::Positive, false) => POSITIVE_EN,
    }
}

/// How busy an hour is, relative to the busiest hour of a weekday: quiet nights, a morning
/// rise, a plateau through the afternoon and evening; weekends at 70 %.
pub fn rhythm(at: DateTime<Utc>) -> f64 {
    const HOURS: [f64; 24] = [
        0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.25, 0.45, 0.65, 0.8, 0.9, 0.95, 1.0, 0.95, 0.9, 0.9,
        0.9, 0.95, 1.0, 1.0, 0.9, 0.75, 0.55, 0.4,
    ];
    let h = HOURS[at.hour() as usize];
    let weekend = matches!(at.weekday(), Weekday::Sat | Weekday::Sun);
    if weekend {
        0.7 * h
    } else {
        h
    }
}

/// A scenario: brands, a time span and events, drawn from one seed.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub seed: u64,
    pub start: DateTime<Utc>,
    pub days: i64,
    pub brands: Vec<BrandSpec>,
    pub events: Vec<Event>,
}

const AUTHORS: &[&str] = &[
    "lena_k",
    "mario1987",
    "stadtwerker",
    "jule.b",
    "tom_h",
    "kiezreporter",
    "annika_w",
    "dev_null",
    "sarah.m",
    "ben_online",
    "oma_hilde",
    "pixelpeter",
    "nordlicht",
    "kaffeetante",
    "j_schulz",
    "marketwatcher",
    "newsdesk_de",
    "the_real_max",
    "claire_b",
    "datenfreund",
];

const SOURCES: &[(&str, &str)] = &[
    ("mastodon", "https://mastodon.social/@{a}/"),
    ("bluesky", "https://bsky.app/profile/{a}/post/"),
    ("reddit", "https://www.reddit.com/r/de/comments/"),
];

impl Scenario {
    /// The mentions of the scenario, ordered by time.
    pub fn generate(&self) -> Vec<Mention> {
        let mut rng = Rng::new(self.seed);
        let mut out = Vec::new();
        let mut serial = 0u64;
        for minute in 0..self.days * 1440 {
            let t = self.start + Duration::minutes(minute);
            let r = rhythm(t);
            for (bi, b) in self.brands.iter().enumerate() {
                let n = rng.poisson(b.peak_per_hour / 60.0 * r);
                for _ in 0..n {
                    let mood = pick_mood(&mut rng, b.negative, b.positive);
                    let german = rng.chance(b.german);
                    let text = everyday(mood, german);
                    out.push(self.post(&mut rng, &mut serial, t, bi, text, german));
                }
                for e in self.events.iter().filter(|e| e.brand == bi && t >= e.onset) {
                    let m = (t - e.onset).num_minutes() as f64;
                    let (rate, neg, pos) = e.intensity(m, b.peak_per_hour);
                    for _ in 0..rng.poisson(rate) {
                        let mood = pick_mood(&mut rng, neg, pos);
                        let german = rng.chance(e.german);
                        let text = e.texts(german, mood);
                        out.push(self.post(&mut rng, &mut serial, t, bi, text, german));
                    }
                }
            }
        }
        out.sort_by_key(|m| m.created_at);
        out
    }

    fn post(
        &self,
        rng: &mut Rng,
        serial: &mut u64,
        minute: DateTime<Utc>,
        brand: usize,
        texts: &[&str],
        german: bool,
    ) -> Mention {
        *serial += 1;
        let b = &self.brands[brand];
        let handle = rng.pick(&b.handles);
        let mut m = Mention::new(rng.pick(texts).replace("{b}", handle));
        let author = *rng.pick(AUTHORS);
        let (source, url) = *rng.pick(SOURCES);
        let id = 100_000 + *serial;
        m.id = Some(format!("{source}:{id}"));
        m.source = Some(source.to_string());
        m.created_at = Some(minute + Duration::seconds(rng.below(60) as i64));
        m.url = Some(format!("{}{id}", url.replace("{a}", author)));
        m.author = Some(author.to_string());
        m.lang = Some(if german { "de" } else { "en" }.to_string());
        // Reach: most posts are seen by few, a few by many (roughly log-normal).
        m.reach = Some((rng.normal() * 1.4 + 5.0).exp().round() as u64);
        m
    }
}

fn pick_mood(rng: &mut Rng, negative: f64, positive: f64) -> Mood {
    let u = rng.uniform();
    if u < negative {
        Mood::Negative
    } else if u < negative + positive {
        Mood::Positive
    } else {
        Mood::Neutral
    }
}

/// The three brands of the standard scenarios: very different volumes.
pub fn standard_brands() -> Vec<BrandSpec> {
    vec![
        BrandSpec {
            name: "Nordwind Energie".into(),
            handles: vec![
                "Nordwind Energie".into(),
                "#nordwind".into(),
                "@nordwind_energie".into(),
            ],
            peak_per_hour: 24.0,
            german: 0.9,
            negative: 0.15,
            positive: 0.15,
        },
        BrandSpec {
            name: "Brezelwerk".into(),
            handles: vec!["Brezelwerk".into(), "#brezelwerk".into()],
            peak_per_hour: 3.0,
            german: 1.0,
            negative: 0.1,
            positive: 0.3,
        },
        BrandSpec {
            name: "Lumora".into(),
            handles: vec!["Lumora".into(), "@lumora_app".into(), "#lumora".into()],
            peak_per_hour: 150.0,
            german: 0.4,
            negative: 0.2,
            positive: 0.2,
        },
    ]
}

/// The config brands (`[[brands]]`) matching [`standard_brands`], as TOML.
pub fn brands_toml(brands: &[BrandSpec]) -> String {
    let mut s = String::new();
    for b in brands {
        let kws: Vec<String> = b.handles.iter().map(|h| format!("{h:?}")).collect();
        s.push_str(&format!(
            "[[brands]]\nname = {:?}\nkeywords = [{}]\n\n",
            b.name,
            kws.join(", ")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(seed: u64) -> Scenario {
        Scenario {
            seed,
            start: "2026-03-02T00:00:00Z".parse().unwrap(),
            days: 2,
            brands: standard_brands(),
            events: vec![Event {
                brand: 0,
                kind: EventKind::FastStorm,
                onset: "2026-03-03T10:00:00Z".parse().unwrap(),
                german: 0.9,
            }],
        }
    }

    #[test]
    fn a_seed_names_one_stream() {
        let a = scenario(1).generate();
        assert_eq!(a, scenario(1).generate());
        assert_ne!(a, scenario(2).generate());
        assert!(a.windows(2).all(|w| w[0].created_at <= w[1].created_at));
    }

    #[test]
    fn volumes_follow_the_brands_and_the_clock() {
        let posts = scenario(3).generate();
        let count = |kw: &str, hours: std::ops::Range<u32>| {
            posts
                .iter()
                .filter(|m| m.text.contains(kw))
                .filter(|m| {
                    m.created_at
                        .is_some_and(|t| t.day() == 2 && hours.contains(&t.hour()))
                })
                .count()
        };
        // Lumora is fifty times Brezelwerk; nights are quiet.
        assert!(count("umora", 0..24) > 20 * count("rezelwerk", 0..24).max(1));
        assert!(count("umora", 12..16) > 4 * count("umora", 2..6));
    }

    #[test]
    fn poisson_draws_have_the_right_mean() {
        let mut rng = Rng::new(9);
        for lambda in [0.05, 3.0, 450.0] {
            let n = 4000;
            let mean = (0..n).map(|_| rng.poisson(lambda) as f64).sum::<f64>() / n as f64;
            assert!(
                (mean - lambda).abs() < 0.05 * lambda + 0.02,
                "{lambda}: {mean}"
            );
        }
    }
}
