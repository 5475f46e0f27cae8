//! Limited-memory BFGS (Nocedal & Wright, "Numerical Optimization", algorithms 7.4 and 7.5)
//! with a backtracking Armijo line search: the minimiser of the learned layer's training
//! objective.
//!
//! Why not stochastic steps: with a few thousand posts and hundreds of thousands of mostly
//! rare n-gram features, where a stochastic trainer stops depends on epochs, step size and
//! shuffle, and rare features keep whatever weight they reached. Minimising the regularised
//! objective to convergence gives the model the objective defines, with one knob (the L2
//! strength) instead of four. Invariant: deterministic — sequential `f64` arithmetic only.

use std::collections::VecDeque;

/// Why the minimiser stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The gradient's largest component fell below the tolerance.
    Converged,
    /// The objective stopped falling (relative change below the tolerance).
    Flat,
    /// The iteration limit was reached.
    Iterations,
    /// No step along the search direction lowered the objective.
    LineSearch,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// How many past steps approximate the curvature.
    pub memory: usize,
    pub max_iterations: u32,
    /// Stop when every gradient component is below this.
    pub gradient_tolerance: f64,
    /// Stop when the objective falls by less than this fraction in one iteration.
    pub relative_tolerance: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            memory: 10,
            max_iterations: 500,
            gradient_tolerance: 1e-6,
            relative_tolerance: 1e-9,
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The scale of a first, or restarted, steepest-descent step: one unit along `-g`.
fn inverse_norm(g: &[f64]) -> f64 {
    1.0 / dot(g, g).sqrt().max(1e-12)
}

/// Minimises `f` from `x` (updated in place). `f(x, grad)` returns the objective at `x` and
/// writes its gradient into `grad`. Returns why it stopped and the iterations taken.
pub(crate) fn minimize(
    x: &mut [f64],
    opts: &Options,
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
) -> (Stop, u32) {
    let n = x.len();
    let mut g = vec![0.0; n];
    let mut fx = f(x, &mut g);
    // Past steps s = x' - x and gradient changes y = g' - g, oldest first.
    let mut s_hist: VecDeque<Vec<f64>> = VecDeque::with_capacity(opts.memory);
    let mut y_hist: VecDeque<Vec<f64>> = VecDeque::with_capacity(opts.memory);
    let mut rho: VecDeque<f64> = VecDeque::with_capacity(opts.memory);
    let mut dir = vec![0.0; n];
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut alpha = vec![0.0; opts.memory];
    for it in 0..opts.max_iterations {
        if g.iter().all(|v| v.abs() < opts.gradient_tolerance) {
            return (Stop::Converged, it);
        }
        // Two-loop recursion: dir = -H g.
        for (d, gi) in dir.iter_mut().zip(&g) {
            *d = -gi;
        }
        let m = s_hist.len();
        for k in (0..m).rev() {
            alpha[k] = rho[k] * dot(&s_hist[k], &dir);
            for (d, y) in dir.iter_mut().zip(&y_hist[k]) {
                *d -= alpha[k] * y;
            }
        }
        let gamma = match m {
            0 => inverse_norm(&g),
            _ => dot(&s_hist[m - 1], &y_hist[m - 1]) / dot(&y_hist[m - 1], &y_hist[m - 1]),
        };
        for d in dir.iter_mut() {
            *d *= gamma;
        }
        for k in 0..m {
            let beta = rho[k] * dot(&y_hist[k], &dir);
            for (d, s) in dir.iter_mut().zip(&s_hist[k]) {
                *d += s * (alpha[k] - beta);
            }
        }
        let mut slope = dot(&g, &dir);
        if slope >= 0.0 {
            // Not a descent direction (curvature information went stale): restart from
            // steepest descent.
            s_hist.clear();
            y_hist.clear();
            rho.clear();
            let scale = inverse_norm(&g);
            for (d, gi) in dir.iter_mut().zip(&g) {
                *d = -gi * scale;
            }
            slope = dot(&g, &dir);
        }
        // Backtracking until the Armijo condition holds.
        let mut step = 1.0;
        let mut f_new;
        let mut tries = 0;
        loop {
            for ((xn, xi), d) in x_new.iter_mut().zip(x.iter()).zip(&dir) {
                *xn = xi + step * d;
            }
            f_new = f(&x_new, &mut g_new);
            if f_new.is_finite() && f_new <= fx + 1e-4 * step * slope {
                break;
            }
            tries += 1;
            if tries == 40 {
                return (Stop::LineSearch, it);
            }
            step *= 0.5;
        }
        // Once the memory is full, the oldest pair's vectors are reused for the newest.
        let recycled = if s_hist.len() == opts.memory {
            rho.pop_front();
            s_hist.pop_front().zip(y_hist.pop_front())
        } else {
            None
        };
        let (mut s, mut y) = recycled.unwrap_or_else(|| (vec![0.0; n], vec![0.0; n]));
        for i in 0..n {
            s[i] = x_new[i] - x[i];
            y[i] = g_new[i] - g[i];
        }
        let sy = dot(&s, &y);
        if sy > 1e-12 {
            rho.push_back(1.0 / sy);
            s_hist.push_back(s);
            y_hist.push_back(y);
        }
        x.copy_from_slice(&x_new);
        g.copy_from_slice(&g_new);
        let improvement = fx - f_new;
        fx = f_new;
        if improvement <= opts.relative_tolerance * fx.abs().max(1.0) {
            return (Stop::Flat, it + 1);
        }
    }
    (Stop::Iterations, opts.max_iterations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_a_quadratic() {
        // f = sum_i c_i (x_i - i)^2 with very different curvatures.
        let c = [1.0, 10.0, 100.0, 0.1];
        let mut x = vec![0.0; 4];
        let (stop, _) = minimize(&mut x, &Options::default(), |x, g| {
            let mut f = 0.0;
            for i in 0..4 {
                let d = x[i] - i as f64;
                f += c[i] * d * d;
                g[i] = 2.0 * c[i] * d;
            }
            f
        });
        assert!(matches!(stop, Stop::Converged | Stop::Flat), "{stop:?}");
        for (i, v) in x.iter().enumerate() {
            assert!((v - i as f64).abs() < 1e-4, "{x:?}");
        }
    }

    #[test]
    fn finds_the_minimum_of_rosenbrock() {
        let mut x = vec![-1.2, 1.0];
        let opts = Options {
            max_iterations: 1000,
            ..Options::default()
        };
        minimize(&mut x, &opts, |x, g| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        });
        assert!(
            (x[0] - 1.0).abs() < 1e-3 && (x[1] - 1.0).abs() < 1e-3,
            "{x:?}"
        );
    }
}
