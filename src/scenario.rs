//! Synthetic mention streams: calm days with daily and weekly rhythm, storms, buzz, news.
//!
//! Invariant: deterministic. Everything is drawn from one [`Rng`] seeded by the caller (no
//! global random state), so a seed names one stream exactly, in tests and for the demo
//! recording alike.

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
