//! The word table: for the words a model was trained on, the sum of the weight rows of each
//! word's character n-grams, keyed by the word's token hash.
//!
//! Why: character n-grams are most of a post's features (a five-letter word has twelve) and
//! each costs a hash and a weight load that misses the cache on a big model. A word's
//! n-grams depend only on its lower-case form, so their sum is a constant of the model; for
//! a word seen in training, scoring adds that sum with one look-up instead. Words not in the
//! table (rare words, typos) take the n-gram path, so the table changes speed, not what a
//! model can score. The sums are added in a different order than n-gram by n-gram, so logits
//! may differ in the last bits of an `f32`.
//!
//! Only hashes and sums are stored, never the words: a model file does not spell out the
//! vocabulary of the posts it was trained on.

/// At most this many words go into a model's table: the most frequent words of the
/// training posts. It bounds the table's memory (40 bytes per slot, at most half full) and
/// the model file (24 bytes per word); words rarer than these are rare in new posts too.
pub const MAX_TABLE_WORDS: usize = 1 << 15;

/// A stored word's n-gram count is at most this; larger counts mark a damaged file.
pub(crate) const MAX_GRAMS_PER_WORD: u32 = 1024;

/// One word: its token hash (0 marks an empty slot), the sum of its n-grams' weight rows
/// and how many n-grams it has (for the group's normalisation); and, not stored in the file
/// because the hash gives it, the weight row of the word's unigram, which saves a second
/// hash and a second cache miss per known word.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct WordSum {
    pub hash: u64,
    pub sum: [f32; 3],
    pub grams: u32,
    pub unigram: [f32; 3],
}

const EMPTY: WordSum = WordSum {
    hash: 0,
    sum: [0.0; 3],
    grams: 0,
    unigram: [0.0; 3],
};

/// An open-addressing table with linear probing, at most half full, so a look-up of a word
/// that is absent ends after a probe or two.
#[derive(Debug, Clone, Default)]
pub(crate) struct WordTable {
    slots: Vec<WordSum>,
    /// The words in the order they were given, as the model file stores them.
    order: Vec<u64>,
}

/// Why a list of word sums cannot be a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TableError {
    #[error("the word table holds hash 0, which marks an empty slot")]
    ZeroHash,
    #[error("the word table holds a word twice")]
    Duplicate,
    #[error("the word table has more than {MAX_TABLE_WORDS} words")]
    TooMany,
}

impl WordTable {
    pub fn new(words: &[WordSum]) -> Result<WordTable, TableError> {
        if words.len() > MAX_TABLE_WORDS {
            return Err(TableError::TooMany);
        }
        if words.is_empty() {
            return Ok(WordTable::default());
        }
        let size = (words.len() * 2).next_power_of_two();
        let mut slots = vec![EMPTY; size];
        for w in words {
            if w.hash == 0 {
                return Err(TableError::ZeroHash);
            }
            let mut i = slot_of(w.hash, size);
            while slots[i].hash != 0 {
                if slots[i].hash == w.hash {
                    return Err(TableError::Duplicate);
                }
                i = (i + 1) & (size - 1);
            }
            slots[i] = *w;
        }
        Ok(WordTable {
            slots,
            order: words.iter().map(|w| w.hash).collect(),
        })
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// The stored words in their original order.
    pub fn words(&self) -> impl Iterator<Item = &WordSum> + '_ {
        self.order.iter().filter_map(|h| self.get(*h))
    }

    #[inline]
    pub fn get(&self, hash: u64) -> Option<&WordSum> {
        if self.slots.is_empty() || hash == 0 {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = slot_of(hash, self.slots.len());
        loop {
            let s = &self.slots[i];
            if s.hash == hash {
                return Some(s);
            }
            if s.hash == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Where a look-up of `hash` starts, for a prefetch.
    #[inline]
    pub fn slot_ptr(&self, hash: u64) -> Option<*const WordSum> {
        self.slots
            .get(slot_of(hash, self.slots.len().max(1)))
            .map(|s| s as *const WordSum)
    }

    /// Heap bytes held, for the bench's memory figure.
    pub fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<WordSum>()
            + self.order.capacity() * std::mem::size_of::<u64>()
    }
}

/// The high bits pick the slot: the weight rows use a hash's low bits, and token hashes are
/// finished with an avalanche, so either half is well mixed.
#[inline]
fn slot_of(hash: u64, size: usize) -> usize {
    ((hash >> 32) as usize) & (size - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(hash: u64) -> WordSum {
        WordSum {
            hash,
            sum: [hash as f32, 0.0, -1.0],
            grams: 3,
            unigram: [1.0, 2.0, 3.0],
        }
    }

    #[test]
    fn finds_every_word_and_nothing_else() {
        // Hashes that share their high bits all land in one slot and must probe past it.
        let words: Vec<WordSum> = (1..=300u64)
            .map(|i| w(if i % 3 == 0 { i } else { i << 40 }))
            .collect();
        let t = WordTable::new(&words).unwrap();
        assert_eq!(t.len(), 300);
        for x in &words {
            assert_eq!(t.get(x.hash), Some(x));
        }
        for absent in [301u64, 302 << 40, 7 << 33, u64::MAX] {
            assert_eq!(t.get(absent), None, "{absent}");
        }
        assert_eq!(t.get(0), None);
        let back: Vec<WordSum> = t.words().copied().collect();
        assert_eq!(back, words, "the original order is kept");
    }

    #[test]
    fn an_empty_table_finds_nothing() {
        let t = WordTable::new(&[]).unwrap();
        assert_eq!(t.len(), 0);
        assert_eq!(t.get(42), None);
    }

    #[test]
    fn bad_lists_are_refused() {
        assert_eq!(WordTable::new(&[w(0)]).unwrap_err(), TableError::ZeroHash);
        assert_eq!(
            WordTable::new(&[w(5), w(6), w(5)]).unwrap_err(),
            TableError::Duplicate
        );
        let many: Vec<WordSum> = (1..=MAX_TABLE_WORDS as u64 + 1).map(w).collect();
        assert_eq!(WordTable::new(&many).unwrap_err(), TableError::TooMany);
    }
}
