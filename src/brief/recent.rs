//! A brand's recent posts, compact and within a fixed byte budget: the candidates for an
//! alert's sample and first posts, and the window its drivers are read from.
//!
//! Invariant: never more than [`MAX_POSTS`] posts and [`TEXT_BYTES`] bytes of their strings,
//! so the whole buffer (its slots included) stays under [`Recent::BUDGET`] whatever the posts
//! are like; oldest first, the oldest leave first. A post's text, link and author share one
//! allocation, its source is an index into the brand's few source names.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::state::Post;
use crate::sentiment::Lang;

/// Posts kept at most: the slots are allocated as they fill, up to this many.
pub const MAX_POSTS: usize = 160;
/// Bytes of the kept posts' texts, links and authors together at most.
pub const TEXT_BYTES: usize = 20 * 1024;
/// Distinct source names remembered per brand; posts from further ones count as "other".
const MAX_SOURCES: usize = 32;
/// A length that marks an absent link or author.
const NONE: u16 = u16::MAX;
/// Longest link or author kept; a longer one is dropped.
const MAX_FIELD: usize = 1024;
/// Longest text kept, in bytes; a longer one is cut.
const MAX_TEXT: usize = TEXT_BYTES / 4;

/// One kept post.
#[derive(Debug, Clone)]
pub struct Kept {
    at: i64,
    /// Reach, `u64::MAX` when unknown.
    reach: u64,
    /// Text, then link, then author.
    strings: Box<str>,
    url_len: u16,
    author_len: u16,
    score: f64,
    lang: Lang,
    /// Index into [`Recent`]'s source names; `u8::MAX` when the record names none.
    source: u8,
}

impl Kept {
    pub fn at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.at, 0).unwrap_or_default()
    }
    fn lens(&self) -> (usize, usize) {
        let len = |l: u16| if l == NONE { 0 } else { l as usize };
        (len(self.url_len), len(self.author_len))
    }
    pub fn text(&self) -> &str {
        let (u, a) = self.lens();
        &self.strings[..self.strings.len() - u - a]
    }
    pub fn url(&self) -> Option<&str> {
        let (u, a) = self.lens();
        let end = self.strings.len() - a;
        (self.url_len != NONE).then(|| &self.strings[end - u..end])
    }
    pub fn author(&self) -> Option<&str> {
        let (_, a) = self.lens();
        (self.author_len != NONE).then(|| &self.strings[self.strings.len() - a..])
    }
    pub fn reach(&self) -> Option<u64> {
        (self.reach != u64::MAX).then_some(self.reach)
    }
    pub fn score(&self) -> f64 {
        self.score
    }
}

/// The recent posts of one brand.
#[derive(Debug, Clone, Default)]
pub struct Recent {
    posts: VecDeque<Kept>,
    text_bytes: usize,
    sources: Vec<Box<str>>,
}

/// A string's length as kept, or [`NONE`]; a link or author too long to keep is dropped.
fn kept_len(s: Option<&str>) -> u16 {
    match s {
        Some(s) if s.len() <= MAX_FIELD => s.len() as u16,
        _ => NONE,
    }
}

impl Recent {
    /// The most the buffer can take: its slots, the strings, the source names.
    pub const BUDGET: usize =
        MAX_POSTS * std::mem::size_of::<Kept>() + TEXT_BYTES + MAX_SOURCES * (16 + 32);

    pub fn len(&self) -> usize {
        self.posts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.posts.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&Kept> {
        self.posts.get(i)
    }

    pub fn front(&self) -> Option<&Kept> {
        self.posts.front()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Kept> + '_ {
        self.posts.iter()
    }

    /// Whether taking `post` needs room: the buffer is full, by count or by bytes.
    pub fn needs_room(&self, post: &Post) -> bool {
        let len = |l: u16| if l == NONE { 0 } else { l as usize };
        let bytes = post.text.len().min(MAX_TEXT)
            + len(kept_len(post.url.as_deref()))
            + len(kept_len(post.author.as_deref()));
        !self.posts.is_empty()
            && (self.posts.len() >= MAX_POSTS || self.text_bytes + bytes > TEXT_BYTES)
    }

    pub fn pop_front(&mut self) -> Option<Kept> {
        let p = self.posts.pop_front()?;
        self.text_bytes -= p.strings.len();
        Some(p)
    }

    /// Keeps `post` (after [`Recent::needs_room`] made room); a text longer than a quarter of
    /// the budget is cut to it.
    pub fn push(&mut self, post: Post) {
        let url_len = kept_len(post.url.as_deref());
        let author_len = kept_len(post.author.as_deref());
        let mut s = post.text;
        if s.len() > MAX_TEXT {
            let mut cut = MAX_TEXT;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
        }
        if url_len != NONE {
            s.push_str(post.url.as_deref().unwrap_or_default());
        }
        if author_len != NONE {
            s.push_str(post.author.as_deref().unwrap_or_default());
        }
        let strings = s.into_boxed_str();
        self.text_bytes += strings.len();
        let source = post
            .source
            .as_deref()
            .map_or(u8::MAX, |src| self.source_index(src));
        // Grow by doubling, but never past the most posts kept.
        let cap = self.posts.capacity();
        if self.posts.len() == cap {
            let room = MAX_POSTS.saturating_sub(cap).max(1);
            self.posts.reserve_exact(cap.max(4).min(room));
        }
        self.posts.push_back(Kept {
            at: post.at.timestamp(),
            reach: post.reach.map_or(u64::MAX, |r| r.min(u64::MAX - 1)),
            strings,
            url_len,
            author_len,
            score: post.score,
            lang: post.lang,
            source,
        });
    }

    fn source_index(&mut self, src: &str) -> u8 {
        if let Some(i) = self.sources.iter().position(|s| &**s == src) {
            return i as u8;
        }
        if self.sources.len() >= MAX_SOURCES || src.len() > 32 {
            return u8::MAX;
        }
        self.sources.push(src.into());
        (self.sources.len() - 1) as u8
    }

    /// The source a kept post came from, `None` when its record named none (or it was one
    /// source too many to remember).
    pub fn source(&self, p: &Kept) -> Option<&str> {
        self.sources.get(p.source as usize).map(|s| &**s)
    }

    /// The post as the brief's sample and first posts show it.
    pub fn post(&self, p: &Kept) -> Post {
        Post {
            at: p.at(),
            text: p.text().to_string(),
            url: p.url().map(str::to_string),
            author: p.author().map(str::to_string),
            reach: p.reach(),
            score: p.score(),
            lang: p.lang,
            source: self.source(p).map(str::to_string),
        }
    }

    /// Bytes on the heap: the slots allocated, the strings, the source names.
    pub fn heap_bytes(&self) -> usize {
        self.posts.capacity() * std::mem::size_of::<Kept>()
            + self.text_bytes
            + self.sources.capacity() * 16
            + self.sources.iter().map(|s| s.len()).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(i: usize, text: &str) -> Post {
        Post {
            at: DateTime::from_timestamp(1_772_000_000 + i as i64, 0).unwrap(),
            text: text.into(),
            url: (i % 2 == 0).then(|| format!("https://x.example/{i}")),
            author: (i % 3 == 0).then(|| format!("@a{i}")),
            reach: (i % 5 != 0).then_some(i as u64),
            score: -0.25,
            lang: Lang::De,
            source: Some(["reddit", "bluesky"][i % 2].into()),
        }
    }

    #[test]
    fn keeps_every_field() {
        let mut r = Recent::default();
        for i in 0..6 {
            r.push(post(i, "Hotline tot – schon wieder"));
        }
        for (i, k) in r.iter().enumerate() {
            let back = r.post(k);
            let want = post(i, "Hotline tot – schon wieder");
            assert_eq!(
                (
                    back.at,
                    back.text,
                    back.url,
                    back.author,
                    back.reach,
                    back.source
                ),
                (
                    want.at,
                    want.text,
                    want.url,
                    want.author,
                    want.reach,
                    want.source
                )
            );
            assert_eq!(back.score, -0.25);
        }
    }

    #[test]
    fn stays_within_its_budget_whatever_the_posts() {
        let mut r = Recent::default();
        let long = "ä".repeat(3000);
        for i in 0..2000 {
            let text = if i % 7 == 0 { long.as_str() } else { "kurz" };
            let p = post(i, text);
            while r.needs_room(&p) {
                r.pop_front();
            }
            r.push(p);
            assert!(r.heap_bytes() <= Recent::BUDGET, "{}", r.heap_bytes());
            assert!(r.len() <= MAX_POSTS);
        }
        // The newest post is always kept.
        assert_eq!(r.iter().last().unwrap().at(), post(1999, "").at);
    }
}
