//! Which authors a brand has heard from before: two generations of a Bloom filter.
//!
//! Invariant: fixed memory (2 × 2 KiB). An author is "known" if the current or the previous
//! generation holds them; the current one turns over after [`GENERATION`] new authors, so the
//! memory covers the last 1,000–2,000 distinct authors, and forgets older ones rather than
//! filling up. False "known" answers are rare (about 0.2 % when a generation is full); an
//! author is never wrongly called new.

use serde::{Deserialize, Serialize};

const WORDS: usize = 256; // 256 × 64 bits = 2 KiB per generation
const HASHES: u64 = 4;
/// New authors after which the current generation becomes the previous one.
const GENERATION: u32 = 1000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorMemory {
    current: Vec<u64>,
    previous: Vec<u64>,
    added: u32,
}

impl Default for AuthorMemory {
    fn default() -> Self {
        AuthorMemory {
            current: vec![0; WORDS],
            previous: vec![0; WORDS],
            added: 0,
        }
    }
}

fn bits(author: &str) -> impl Iterator<Item = usize> {
    let h = super::terms::key_of(super::terms::TermType::Handle, &author.to_lowercase());
    let (a, b) = (h, (h >> 32) | 1);
    (0..HASHES).map(move |i| (a.wrapping_add(i.wrapping_mul(b)) % (WORDS as u64 * 64)) as usize)
}

fn holds(filter: &[u64], author: &str) -> bool {
    bits(author).all(|b| filter[b / 64] & (1 << (b % 64)) != 0)
}

impl AuthorMemory {
    pub fn knows(&self, author: &str) -> bool {
        holds(&self.current, author) || holds(&self.previous, author)
    }

    pub fn learn(&mut self, author: &str) {
        if holds(&self.current, author) {
            return;
        }
        if self.added >= GENERATION {
            self.previous = std::mem::replace(&mut self.current, vec![0; WORDS]);
            self.added = 0;
        }
        for b in bits(author) {
            self.current[b / 64] |= 1 << (b % 64);
        }
        self.added += 1;
    }

    pub fn heap_bytes(&self) -> usize {
        (self.current.capacity() + self.previous.capacity()) * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_recent_authors_and_forgets_old_ones() {
        let mut m = AuthorMemory::default();
        m.learn("anna");
        assert!(m.knows("anna") && m.knows("Anna"));
        assert!(!m.knows("bert"));
        for i in 0..(2 * GENERATION + 1) {
            m.learn(&format!("user{i}"));
        }
        assert!(!m.knows("anna"), "two generations later anna is forgotten");
        assert!(m.knows(&format!("user{}", 2 * GENERATION)));
        let wrong = (0..10_000)
            .filter(|i| m.knows(&format!("stranger{i}")))
            .count();
        assert!(wrong < 100, "{wrong} false positives");
        assert_eq!(m.heap_bytes(), 4096);
    }
}
