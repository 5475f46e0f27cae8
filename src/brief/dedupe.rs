//! Near-duplicate posts: reposts, copy-paste, and one headline shared with different @handles,
//! hashtags of the brand or links, grouped so that an alert shows each story once, with how
//! many posts it stands for.
//!
//! Invariant: grouping changes what is shown, never what is counted: every copy still counts
//! in the window (a repost wave is part of the storm). Two posts are one story when their
//! texts, stripped of links, @handles, a leading "RT", the brand's own words and punctuation,
//! are equal, share at least [`SAME_STORY`] of their word pairs, or the longer one contains
//! nearly all word pairs of a shorter one that has several (a headline quoted with a comment).

use std::collections::HashSet;

use super::terms::OwnWords;

/// Share of shared word pairs (Jaccard) from which two posts are one story.
pub const SAME_STORY: f64 = 0.6;
/// Share of the shorter post's word pairs that the longer one must contain…
const CONTAINED: f64 = 0.9;
/// …when the shorter one has at least this many.
const CONTAINED_MIN: usize = 4;

/// A post reduced to what makes its story: its words, and its word pairs.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    words: Vec<String>,
    pairs: HashSet<(u64, u64)>,
}

fn word_key(w: &str) -> u64 {
    super::terms::key_of(super::terms::TermType::Word, w)
}

impl Fingerprint {
    pub fn new(text: &str, own: &OwnWords) -> Self {
        let mut words = Vec::new();
        let mut first = true;
        for raw in text.split_whitespace() {
            let lead = std::mem::replace(&mut first, false);
            if raw.starts_with("http://") || raw.starts_with("https://") || raw.starts_with('@') {
                continue;
            }
            if lead && (raw == "RT" || raw == "rt") {
                continue;
            }
            let w: String = raw
                .trim_start_matches('#')
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect();
            if w.is_empty() || own.contains(&w) {
                continue;
            }
            words.push(w);
        }
        let pairs = words
            .windows(2)
            .map(|p| (word_key(&p[0]), word_key(&p[1])))
            .collect();
        Fingerprint { words, pairs }
    }

    /// Whether two posts tell the same story.
    pub fn same_story(&self, other: &Fingerprint) -> bool {
        if self.words == other.words {
            return true;
        }
        if self.pairs.is_empty() || other.pairs.is_empty() {
            return false;
        }
        let shared = self.pairs.intersection(&other.pairs).count() as f64;
        let all = (self.pairs.len() + other.pairs.len()) as f64 - shared;
        // A headline quoted with a short comment of one's own is still the headline.
        let smaller = self.pairs.len().min(other.pairs.len());
        shared / all >= SAME_STORY
            || (smaller >= CONTAINED_MIN && shared / smaller as f64 >= CONTAINED)
    }
}

/// Groups `posts` (best first) into at most `max` stories: for each story, the index of its
/// best post and how many posts it stands for. Posts that join no story once `max` stories
/// are open are left out.
pub fn group(posts: &[Fingerprint], max: usize) -> Vec<(usize, u32)> {
    let mut groups: Vec<(usize, u32)> = Vec::new();
    for (i, p) in posts.iter().enumerate() {
        match groups.iter().position(|(g, _)| posts[*g].same_story(p)) {
            Some(k) => groups[k].1 += 1,
            None if groups.len() < max => groups.push((i, 1)),
            None => {}
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own() -> OwnWords {
        OwnWords::new(&[
            "Nordwind Energie".into(),
            "#nordwind".into(),
            "@nordwind_energie".into(),
        ])
    }

    fn fp(t: &str) -> Fingerprint {
        Fingerprint::new(t, &own())
    }

    #[test]
    fn reposts_and_copies_are_one_story() {
        let a = fp("#nordwind bucht mir 300 Euro ab statt 80. Was für eine Frechheit!");
        assert!(a.same_story(&fp(
            "RT @anna: #nordwind bucht mir 300 Euro ab statt 80. Was für eine Frechheit!"
        )));
        assert!(a.same_story(&fp(
            "Nordwind Energie bucht mir 300 Euro ab statt 80. Was für eine Frechheit!!"
        )));
        assert!(a.same_story(&fp(
            "@nordwind_energie bucht mir 300 Euro ab statt 80 was für eine frechheit"
        )));
    }

    #[test]
    fn one_headline_with_different_handles_and_links_is_one_story() {
        let a = fp("Nordwind Energie bucht tausende Kunden doppelt ab https://news.example/a @tom");
        let b = fp(
            "@lisa Nordwind Energie bucht tausende Kunden doppelt ab https://other.example/b?utm=x",
        );
        assert!(a.same_story(&b));
        let c = fp("Nordwind Energie bucht tausende Kunden doppelt ab, sagt die Verbraucherzentrale https://x.example");
        assert!(
            a.same_story(&c),
            "a headline with a short comment is still the story"
        );
    }

    #[test]
    fn different_posts_stay_apart() {
        let a = fp("Die Hotline von Nordwind Energie ist eine Katastrophe, seit drei Tagen komme ich nicht durch.");
        let b = fp("Skandal bei Nordwind Energie: tausende Kunden doppelt abgebucht und die Hotline ist tot.");
        let c = fp("Die Hotline von Nordwind Energie ist tot.");
        assert!(!a.same_story(&b));
        assert!(!a.same_story(&c));
        assert!(!b.same_story(&c));
        assert!(!fp("Nordwind").same_story(&fp("#nordwind super")));
    }

    #[test]
    fn grouping_counts_every_copy_and_keeps_the_best_post() {
        let posts: Vec<Fingerprint> = [
            "Skandal: Nordwind Energie bucht doppelt ab",
            "Nordwind Energie Hotline ist tot",
            "RT @x: Skandal: Nordwind Energie bucht doppelt ab",
            "Skandal: #nordwind bucht doppelt ab",
            "Ganz anderes Thema heute",
        ]
        .iter()
        .map(|t| fp(t))
        .collect();
        assert_eq!(group(&posts, 5), vec![(0, 3), (1, 1), (4, 1)]);
        assert_eq!(group(&posts, 1), vec![(0, 3)]);
    }
}
