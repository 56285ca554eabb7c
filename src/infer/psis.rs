//! Pareto-smoothed importance sampling diagnostic: the shape `k-hat` of a generalised Pareto
//! distribution fitted to the largest importance ratios (Vehtari et al. 2024, "Pareto smoothed
//! importance sampling", arXiv:1507.02646; used to judge variational fits by Yao et al. 2018,
//! "Yes, but did it work?", arXiv:1802.02538).
//!
//! With `S` log ratios `w_s = ln p(x, z_s) - ln q(z_s)`, `z_s ~ q`, the `M = min(S/5, 3 sqrt(S))`
//! largest ratios, less the next largest (the threshold `u`), are fitted by a generalised Pareto
//! distribution with the Zhang & Stephens (2009) empirical-Bayes estimator, and the shape is
//! pulled towards 0.5 by a weak prior worth 10 observations. The shape bounds how many moments
//! of the ratios exist (`1/k`): the reading is "good" below 0.5, "usable" below 0.7 and "not
//! trustworthy" above.

use crate::error::{Error, Result};

/// How far a fitted guide can be trusted, from its k-hat.
///
/// # Examples
/// ```
/// use flowppl::infer::{psis_khat, KhatReading};
/// // Pareto ratios r = u^-k (at evenly spaced quantiles u) have 1/k moments.
/// let ratios = |k: f64| -> Vec<f64> { (0..1000).map(|i| -k * ((i as f64 + 0.5) / 1000.0).ln()).collect() };
/// assert_eq!(KhatReading::of(psis_khat(&ratios(0.2)).unwrap()), KhatReading::Good);
/// assert_eq!(KhatReading::of(psis_khat(&ratios(1.2)).unwrap()), KhatReading::NotTrustworthy);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KhatReading {
    /// `k < 0.5`: importance sampling (and the guide) is reliable.
    Good,
    /// `0.5 <= k < 0.7`: usable, with slower convergence.
    Usable,
    /// `k >= 0.7`: the guide misses mass the posterior has; don't trust its moments.
    NotTrustworthy,
}

impl KhatReading {
    /// The reading of `k`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::infer::KhatReading;
    /// assert_eq!(KhatReading::of(0.3), KhatReading::Good);
    /// assert_eq!(KhatReading::of(0.5), KhatReading::Usable);
    /// assert_eq!(KhatReading::of(0.7), KhatReading::NotTrustworthy);
    /// ```
    pub fn of(k: f64) -> Self {
        if k < 0.5 {
            KhatReading::Good
        } else if k < 0.7 {
            KhatReading::Usable
        } else {
            KhatReading::NotTrustworthy
        }
    }

    /// `good`, `usable` or `not trustworthy`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::infer::KhatReading;
    /// assert_eq!(KhatReading::Usable.as_str(), "usable");
    /// assert_eq!(KhatReading::of(0.9).as_str(), "not trustworthy");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            KhatReading::Good => "good",
            KhatReading::Usable => "usable",
            KhatReading::NotTrustworthy => "not trustworthy",
        }
    }
}

/// The PSIS shape `k-hat` of log importance ratios.
///
/// # Errors
/// [`Error::InvalidConfig`] for fewer than 20 ratios or a non-finite ratio (`-inf` ratios, zero
/// weight, are allowed).
///
/// # Examples
/// ```
/// use flowppl::infer::psis_khat;
/// // Log ratios of Pareto ratios with shape k = 0.8, at evenly spaced quantiles.
/// let w: Vec<f64> = (0..2000).map(|i| -0.8 * ((i as f64 + 0.5) / 2000.0).ln()).collect();
/// let khat = psis_khat(&w).unwrap();
/// assert!((khat - 0.8).abs() < 0.1, "{khat}");
/// // Fewer than 20 ratios, or a NaN, are refused.
/// assert!(psis_khat(&[0.0; 10]).is_err() && psis_khat(&[f64::NAN; 30]).is_err());
/// ```
pub fn psis_khat(log_ratios: &[f64]) -> Result<f64> {
    let s = log_ratios.len();
    if s < 20 {
        return Err(Error::InvalidConfig {
            what: "psis_khat".into(),
            message: format!("needs at least 20 importance ratios, got {s}"),
        });
    }
    if log_ratios.iter().any(|w| w.is_nan() || *w == f64::INFINITY) {
        return Err(Error::InvalidConfig {
            what: "psis_khat".into(),
            message: "an importance ratio is NaN or +inf".into(),
        });
    }
    let mut sorted = log_ratios.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let tail = ((0.2 * s as f64).min(3.0 * (s as f64).sqrt())).ceil() as usize;
    let tail = tail.min(s - 1);
    let largest = sorted[s - 1];
    let threshold = sorted[s - tail - 1];
    if threshold == f64::NEG_INFINITY {
        return Err(Error::InvalidConfig {
            what: "psis_khat".into(),
            message: "too few importance ratios are non-zero to fit a tail".into(),
        });
    }
    // Exceedances of the ratios (scaled by the largest) over the threshold, ascending.
    let exceedances: Vec<f64> = sorted[s - tail..]
        .iter()
        .map(|w| (w - largest).exp() - (threshold - largest).exp())
        .collect();
    if exceedances.iter().all(|&x| x <= 0.0) {
        // A flat tail: every ratio in it equals the threshold.
        return Ok(f64::NEG_INFINITY);
    }
    Ok(generalised_pareto_shape(&exceedances))
}

/// The Zhang & Stephens (2009) estimate of the generalised Pareto shape of positive ascending
/// exceedances `x`, with the weakly informative prior of Vehtari et al. (2024).
///
/// The estimator averages the profile likelihood over `m = 30 + sqrt(n)` candidate values
/// `theta_j = 1/x_n + (1 - sqrt(m / (j - 1/2))) / (3 x_(n/4))` of `theta = -k / sigma`, where
/// for each candidate `k(theta) = mean(ln(1 - theta x))`; the posterior mean of `theta` then
/// gives `k`.
fn generalised_pareto_shape(x: &[f64]) -> f64 {
    let n = x.len();
    let m = 30 + (n as f64).sqrt() as usize;
    let quartile = x[((n as f64 / 4.0 + 0.5) as usize).max(1) - 1].max(f64::MIN_POSITIVE);
    let largest = x[n - 1];
    let theta: Vec<f64> = (1..=m)
        .map(|j| 1.0 / largest + (1.0 - (m as f64 / (j as f64 - 0.5)).sqrt()) / (3.0 * quartile))
        .collect();
    let shape_at = |t: f64| x.iter().map(|xi| (-t * xi).ln_1p()).sum::<f64>() / n as f64;
    // Profile log-likelihood of each candidate.
    let log_likelihood: Vec<f64> = theta
        .iter()
        .map(|&t| {
            let k = shape_at(t);
            n as f64 * ((-t / k).ln() - k - 1.0)
        })
        .collect();
    // Normalised weights, each computed stably as 1 / sum_j exp(l_j - l_i).
    let weights: Vec<f64> = log_likelihood
        .iter()
        .map(|li| 1.0 / log_likelihood.iter().map(|lj| (lj - li).exp()).sum::<f64>())
        .collect();
    let total: f64 = weights
        .iter()
        .filter(|w| w.is_finite() && **w >= 10.0 * f64::EPSILON)
        .sum();
    let theta_mean = theta
        .iter()
        .zip(&weights)
        .filter(|(_, w)| w.is_finite() && **w >= 10.0 * f64::EPSILON)
        .map(|(t, w)| t * w)
        .sum::<f64>()
        / total;
    let k = shape_at(theta_mean);
    // Weak prior: 10 pseudo-observations at k = 0.5.
    (n as f64 * k + 10.0 * 0.5) / (n as f64 + 10.0)
}

/// `ln mean_s exp(w_s)` and its standard error (delta method on the mean of the ratios:
/// `se = sd(r) / (sqrt(S) mean(r))`, `r_s = exp(w_s - max w)`). The estimate is unbiased for
/// `p(x)` itself, so `ln` of it is a (slightly low) estimate of the log-evidence.
///
/// # Errors
/// [`Error::InvalidConfig`] for fewer than 2 ratios, NaN, or every ratio `-inf`.
///
/// # Examples
/// ```
/// use flowppl::infer::psis::log_mean_exp_with_error;
/// // Ratios 1 and 3: ln mean = ln 2; r = (1/3, 1) gives se = sd(r) / (sqrt(2) mean(r)) = 1/2.
/// let (estimate, se) = log_mean_exp_with_error(&[0.0, 3f64.ln()]).unwrap();
/// assert!((estimate - 2f64.ln()).abs() < 1e-12 && (se - 0.5).abs() < 1e-12);
/// assert!(log_mean_exp_with_error(&[1.0]).is_err());
/// ```
pub fn log_mean_exp_with_error(log_ratios: &[f64]) -> Result<(f64, f64)> {
    let s = log_ratios.len();
    let largest = log_ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if s < 2 || log_ratios.iter().any(|w| w.is_nan()) || !largest.is_finite() {
        return Err(Error::InvalidConfig {
            what: "log-evidence estimate".into(),
            message: "needs at least 2 ratios, none NaN, some finite".into(),
        });
    }
    let ratios: Vec<f64> = log_ratios.iter().map(|w| (w - largest).exp()).collect();
    let mean = ratios.iter().sum::<f64>() / s as f64;
    let variance = ratios.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (s - 1) as f64;
    Ok((
        largest + mean.ln(),
        variance.sqrt() / ((s as f64).sqrt() * mean),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Generalised Pareto draws with shape `k`, scale 1: `((1 - u)^-k - 1) / k`.
    fn pareto_draws(k: f64, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut x: Vec<f64> = (0..n)
            .map(|_| {
                let u: f64 = rng.gen();
                ((1.0 - u).powf(-k) - 1.0) / k
            })
            .collect();
        x.sort_by(|a, b| a.total_cmp(b));
        x
    }

    #[test]
    fn the_shape_of_pareto_draws_is_recovered() {
        // With n = 2000 draws the estimator's sd is about (1 + k) / sqrt(n) < 0.04; the prior
        // pulls by 10 / 2010 * (k - 0.5), negligible.
        for k in [0.2, 0.5, 0.9] {
            let estimate = generalised_pareto_shape(&pareto_draws(k, 2000, 7));
            assert!((estimate - k).abs() < 0.12, "k = {k}: estimated {estimate}");
        }
    }

    #[test]
    fn light_and_heavy_importance_ratios_read_differently() {
        // Target N(0, 1). A proposal N(0, 2^2) (wider) has bounded ratios: k-hat < 0.5.
        // A proposal N(0, 0.35^2) (narrower) has ratios `exp((1 - 0.35^2) e^2 / 2)` with fewer
        // than 1.14 moments: k = 1 - 0.35^2 = 0.88 (k-hat runs low at finite S; at sd 0.5,
        // k = 0.75, it reads about 0.64).
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let normals: Vec<f64> = (0..10_000)
            .map(|_| {
                let (u, v): (f64, f64) = (rng.gen(), rng.gen());
                (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
            })
            .collect();
        let log_ratio = |sd: f64| -> Vec<f64> {
            normals
                .iter()
                .map(|e| {
                    let z = sd * e;
                    -0.5 * z * z + 0.5 * e * e + sd.ln()
                })
                .collect()
        };
        let wide = psis_khat(&log_ratio(2.0)).unwrap();
        let narrow = psis_khat(&log_ratio(0.35)).unwrap();
        assert_eq!(KhatReading::of(wide), KhatReading::Good, "{wide}");
        assert_eq!(
            KhatReading::of(narrow),
            KhatReading::NotTrustworthy,
            "{narrow}"
        );
        // And the evidence (1 for normalised densities) is recovered by the wide proposal.
        let (log_z, se) = log_mean_exp_with_error(&log_ratio(2.0)).unwrap();
        assert!(log_z.abs() < 4.0 * se && se < 0.02, "{log_z} +- {se}");
    }

    #[test]
    fn too_few_or_invalid_ratios_are_errors() {
        assert!(psis_khat(&[0.0; 5]).is_err());
        let mut w = vec![0.0; 50];
        w[3] = f64::NAN;
        assert!(psis_khat(&w).unwrap_err().to_string().contains("NaN"));
        assert!(log_mean_exp_with_error(&[f64::NEG_INFINITY; 4]).is_err());
    }
}
