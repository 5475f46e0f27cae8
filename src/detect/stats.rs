//! Tail probabilities for counts: Poisson, negative binomial and binomial upper tails, as
//! surprise scores `-log10 P(X >= x)`.
//!
//! Invariant: every function returns a finite, non-negative surprise for any input (NaN and
//! infinities are mapped to 0 or capped), so the detector never compares against NaN. Tails
//! are computed in log space, so a surprise of 50 (P = 1e-50) is as exact as one of 3.

use std::f64::consts::LN_10;

/// Largest surprise reported; beyond it every surge is equally certain.
pub const MAX_SURPRISE: f64 = 300.0;

const LANCZOS_G: f64 = 7.0;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// ln Γ(x) for x > 0 (Lanczos approximation, relative error about 1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        // Reflection keeps the series in its accurate range.
        let s = (std::f64::consts::PI * x).sin();
        return std::f64::consts::PI.ln() - s.abs().ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = LANCZOS[0];
    let t = x + LANCZOS_G + 0.5;
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

const EPS: f64 = 1e-14;
const TINY: f64 = 1e-300;
const MAX_ITER: usize = 500;

/// Continued fraction of the incomplete beta function (modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// ln I_x(a, b), the log of the regularized incomplete beta function.
pub fn ln_beta_inc(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if x >= 1.0 {
        return 0.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (-x).ln_1p();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front + beta_cf(a, b, x).ln() - a.ln()
    } else {
        let q = (ln_front + beta_cf(b, a, 1.0 - x).ln() - b.ln()).exp();
        (-q).ln_1p()
    }
}

/// ln P(a, x), the log of the regularized lower incomplete gamma function.
pub fn ln_gamma_lower(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return f64::NEG_INFINITY;
    }
    let ln_front = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        // Series.
        let (mut ap, mut sum) = (a, 1.0 / a);
        let mut del = sum;
        for _ in 0..MAX_ITER {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * EPS {
                break;
            }
        }
        ln_front + sum.ln()
    } else {
        // Continued fraction for the upper function Q, then P = 1 - Q.
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..=MAX_ITER {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            d = if d.abs() < TINY { TINY } else { d };
            c = b + an / c;
            c = if c.abs() < TINY { TINY } else { c };
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < EPS {
                break;
            }
        }
        let q = (ln_front + h.ln()).exp();
        (-q).ln_1p()
    }
}

fn surprise_from_ln(ln_p: f64) -> f64 {
    let s = -ln_p / LN_10;
    if s.is_nan() {
        0.0
    } else {
        s.clamp(0.0, MAX_SURPRISE)
    }
}

fn surprise_poisson_raw(x: f64, mean: f64) -> f64 {
    // P(X >= x) = P(x, mean), the regularized lower gamma with shape x.
    surprise_from_ln(ln_gamma_lower(x, mean.max(1e-9)))
}

/// Surprise of at least `x` events when `mean` are expected and the variance is
/// `mean + dispersion * mean²` (negative binomial; Poisson when the dispersion is ~0).
pub fn count_surprise(x: f64, mean: f64, dispersion: f64) -> f64 {
    let mean = mean.max(1e-9);
    if x <= mean {
        return 0.0;
    }
    if dispersion < 1e-4 {
        return surprise_poisson_raw(x, mean);
    }
    let r = 1.0 / dispersion;
    // P(X >= x) = I_{1-p}(x, r) with p = r / (r + mean).
    surprise_from_ln(ln_beta_inc(x, r, mean / (r + mean)))
}

/// Surprise of at least `k` successes in `n` trials of probability `p` (binomial).
pub fn binomial_surprise(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 || n == 0 || (k as f64) <= p * n as f64 {
        return 0.0;
    }
    if k > n {
        return MAX_SURPRISE;
    }
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    // P(K >= k) = I_p(k, n - k + 1).
    surprise_from_ln(ln_beta_inc(k as f64, (n - k + 1) as f64, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b}");
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        close(ln_gamma(1.0), 0.0, 1e-12);
        close(ln_gamma(5.0), 24f64.ln(), 1e-12);
        close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-12);
        close(ln_gamma(101.0), 363.739_375_555_563_5, 1e-9);
    }

    #[test]
    fn poisson_tail_matches_direct_sums() {
        // P(X >= 5 | 1) = 1 - sum_{k<5} e^-1 / k!
        let p: f64 = 1.0
            - (0..5)
                .map(|k| (-1f64).exp() / (1..=k).product::<u64>().max(1) as f64)
                .sum::<f64>();
        close(count_surprise(5.0, 1.0, 0.0), -p.log10(), 1e-9);
        // Far tail, still finite and large: 120 where 3 are expected.
        let s = count_surprise(120.0, 3.0, 0.0);
        assert!(s > 100.0 && s < MAX_SURPRISE, "{s}");
    }

    #[test]
    fn negative_binomial_tail_matches_direct_sums() {
        // r = 2, mean 4: p = 1/3; pmf(k) = (k+1) p^2 (1-p)^k.
        let (r, mean) = (2.0, 4.0);
        let p = r / (r + mean);
        let below: f64 = (0..10)
            .map(|k| (k as f64 + 1.0) * p * p * (1.0 - p).powi(k))
            .sum();
        close(
            count_surprise(10.0, mean, 1.0 / r),
            -(1.0 - below).log10(),
            1e-9,
        );
        // More dispersion, less surprise.
        assert!(count_surprise(40.0, 10.0, 0.5) < count_surprise(40.0, 10.0, 0.01));
    }

    #[test]
    fn binomial_tail_matches_direct_sums() {
        // P(K >= 9 | 10, 0.5) = 11 / 1024.
        close(
            binomial_surprise(9, 10, 0.5),
            -(11.0f64 / 1024.0).log10(),
            1e-9,
        );
        assert_eq!(binomial_surprise(1, 10, 0.5), 0.0);
        assert_eq!(binomial_surprise(0, 0, 0.5), 0.0);
    }

    #[test]
    fn never_nan() {
        for (x, m, d) in [(1e9, 1e-12, 10.0), (1.0, 0.0, 0.0), (f64::MAX, 1.0, 1e-9)] {
            let s = count_surprise(x, m, d);
            assert!(s.is_finite() && s >= 0.0, "{x} {m} {d}: {s}");
        }
    }
}
