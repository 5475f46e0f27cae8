//! Which shard counts a brand: a stable hash of the brand's name, modulo the shard count.
//!
//! Invariant: the hash is FNV-1a (64 bit) over the name's UTF-8 bytes exactly as written in
//! the config (after trimming), so every daemon, of every build and platform, puts a brand in
//! the same shard; with N shards each brand belongs to exactly one. Rust's `DefaultHasher` is
//! not used: its output may change between releases. A leaf: it imports nothing.

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a, 64 bit, of `name`'s bytes.
pub fn hash(name: &str) -> u64 {
    name.bytes().fold(FNV_OFFSET, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
    })
}

/// The shard (0-based) that counts `name` among `shards` (at least 1).
pub fn of(name: &str, shards: u32) -> u32 {
    (hash(name) % u64::from(shards.max(1))) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        // From the FNV reference (draft-eastlake-fnv): "" and "a" and "foobar".
        assert_eq!(hash(""), 0xcbf29ce484222325);
        assert_eq!(hash("a"), 0xaf63dc4c8601ec8c);
        assert_eq!(hash("foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn every_brand_has_exactly_one_shard_and_shards_are_used() {
        let names: Vec<String> = (0..200).map(|i| format!("Brand {i}")).collect();
        let mut per = [0usize; 4];
        for n in &names {
            let s = of(n, 4);
            assert!(s < 4);
            assert_eq!(s, of(n, 4), "stable");
            per[s as usize] += 1;
        }
        assert_eq!(per.iter().sum::<usize>(), names.len());
        assert!(per.iter().all(|&c| c > 20), "{per:?}");
        assert_eq!(of("Nordwind", 1), 0);
    }
}
