//! Rare-event probabilities `P(g(X) <= 0)`, `X ~ N(0, I_d)`, by crude Monte Carlo and by
//! importance sampling with a flow fitted to the failure region (seed 000, "A Magnifying Glass
//! for Disaster").

use super::flow::Flow;
use crate::backend::rng::{open_uniforms, seeded, standard_normals};
use crate::backend::{real, Backend, Graph, Real, Var};
use crate::error::{Error, Result};
use crate::params::{Adam, Optimizer, ParamStore};
use std::f64::consts::TAU;

/// A probability estimate and what it cost.
///
/// # Examples
/// ```
/// use flowppl::flows::crude_monte_carlo;
/// # fn main() -> flowppl::Result<()> {
/// // P(X_1 > 2) = 0.02275 for X ~ N(0, I_2).
/// let estimate = crude_monte_carlo(|x| 2.0 - x[0], 2, 20_000, 0);
/// assert!((estimate.probability - 0.02275).abs() < 4.0 * estimate.standard_error);
/// assert_eq!((estimate.evaluations, estimate.fitting_evaluations), (20_000, 0));
/// assert!(estimate.levels.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RareEventEstimate {
    /// The estimated probability of failure.
    pub probability: f64,
    /// Its standard error.
    pub standard_error: f64,
    /// Limit-state evaluations in all (fitting included).
    pub evaluations: usize,
    /// Of which spent fitting the proposal.
    pub fitting_evaluations: usize,
    /// The thresholds of the cross-entropy levels (empty for crude Monte Carlo).
    pub levels: Vec<f64>,
}

impl RareEventEstimate {
    /// `standard_error / probability` (infinite when no failure was seen).
    ///
    /// # Examples
    /// ```
    /// use flowppl::flows::RareEventEstimate;
    /// let mut estimate = RareEventEstimate {
    ///     probability: 0.01, standard_error: 0.002, evaluations: 1000,
    ///     fitting_evaluations: 0, levels: Vec::new(),
    /// };
    /// assert!((estimate.relative_error() - 0.2).abs() < 1e-12);
    /// estimate.probability = 0.0; // no failure seen
    /// assert_eq!(estimate.relative_error(), f64::INFINITY);
    /// ```
    pub fn relative_error(&self) -> f64 {
        if self.probability > 0.0 {
            self.standard_error / self.probability
        } else {
            f64::INFINITY
        }
    }
}

/// Samples crude Monte Carlo needs for relative error `relative_error` at probability `p`:
/// `(1 - p) / (p relative_error^2)` (the binomial variance).
///
/// # Examples
/// ```
/// use flowppl::flows::crude_samples_needed;
/// // 10% relative error at p = 0.01 takes (1 - p) / (p 0.1^2) = 9900 samples.
/// assert!((crude_samples_needed(0.01, 0.1) - 9900.0).abs() < 1e-6);
/// // Each halving of the error quadruples the cost.
/// assert!((crude_samples_needed(0.01, 0.05) / crude_samples_needed(0.01, 0.1) - 4.0).abs() < 1e-12);
/// ```
pub fn crude_samples_needed(probability: f64, relative_error: f64) -> f64 {
    (1.0 - probability) / (probability * relative_error * relative_error)
}

/// Crude Monte Carlo with `samples` standard normal draws in `R^dimension`.
///
/// # Examples
/// ```
/// use flowppl::flows::crude_monte_carlo;
/// // P(X_1 + X_2 > 0) = 1/2 in R^2; the same seed repeats the estimate.
/// let estimate = crude_monte_carlo(|x| x[0] + x[1], 2, 4000, 7);
/// assert!((estimate.probability - 0.5).abs() < 4.0 * estimate.standard_error);
/// assert_eq!(estimate, crude_monte_carlo(|x| x[0] + x[1], 2, 4000, 7));
/// ```
pub fn crude_monte_carlo(
    limit_state: impl Fn(&[f64]) -> f64,
    dimension: usize,
    samples: usize,
    seed: u64,
) -> RareEventEstimate {
    let mut rng = seeded(seed);
    let mut failures = 0usize;
    let mut done = 0;
    while done < samples {
        let n = (samples - done).min(100_000);
        let draws = standard_normals(&mut rng, n * dimension);
        failures += draws
            .chunks(dimension)
            .filter(|x| limit_state(x) <= 0.0)
            .count();
        done += n;
    }
    let p = failures as f64 / samples.max(1) as f64;
    RareEventEstimate {
        probability: p,
        standard_error: (p * (1.0 - p) / samples.max(1) as f64).sqrt(),
        evaluations: samples,
        fitting_evaluations: 0,
        levels: Vec::new(),
    }
}

/// Settings of [`flow_importance_sampling`].
///
/// # Examples
/// ```
/// use flowppl::backend::Cpu;
/// use flowppl::flows::{build_flow, flow_importance_sampling, FlowKind, RareEventOptions};
/// use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// let defaults = RareEventOptions::default();
/// assert_eq!((defaults.samples_per_level, defaults.elite_fraction), (2000, 0.1));
/// // Options are checked before any work: an elite fraction must lie in (0, 1).
/// let bad = RareEventOptions { elite_fraction: 1.5, ..RareEventOptions::default() };
/// let flow = build_flow::<f64, Cpu>("maf", FlowKind::Maf, 2, 1, &[8], 0)?;
/// let mut store = ParamStore::new(&Cpu::default());
/// assert!(flow_importance_sampling(&flow, &mut store, |x| 3.0 - x[0], &bad).is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RareEventOptions {
    /// Draws per cross-entropy level.
    pub samples_per_level: usize,
    /// The quantile `rho` of the limit state that sets each level's threshold.
    pub elite_fraction: f64,
    /// Levels before giving up.
    pub max_levels: usize,
    /// Adam steps fitting the flow at each level.
    pub fit_steps: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// The weight `alpha` of the nominal density in the defensive mixture
    /// `alpha N(0, I) + (1 - alpha) q`, which bounds every weight by `1 / alpha`.
    pub defensive_fraction: f64,
    /// Stop the final stage at this relative standard error.
    pub target_relative_error: f64,
    /// Draws per chunk of the final stage.
    pub chunk: usize,
    /// The fewest draws of the final stage (a standard error from a handful of weights is not
    /// to be trusted).
    pub min_final_samples: usize,
    /// The most draws of the final stage.
    pub max_final_samples: usize,
    /// Random seed.
    pub seed: u64,
}

impl Default for RareEventOptions {
    fn default() -> Self {
        RareEventOptions {
            samples_per_level: 2000,
            elite_fraction: 0.1,
            max_levels: 20,
            fit_steps: 50,
            learning_rate: 5e-3,
            defensive_fraction: 0.1,
            target_relative_error: 0.1,
            chunk: 500,
            min_final_samples: 5000,
            max_final_samples: 1_000_000,
            seed: 0,
        }
    }
}

impl RareEventOptions {
    fn validate(&self) -> Result<()> {
        let ok = self.samples_per_level >= 20
            && self.elite_fraction > 0.0
            && self.elite_fraction < 1.0
            && self.max_levels > 0
            && self.defensive_fraction > 0.0
            && self.defensive_fraction < 1.0
            && self.target_relative_error > 0.0
            && self.chunk > 1
            && self.learning_rate > 0.0;
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidConfig {
                what: format!("rare-event options {self:?}"),
                message: "need >= 20 samples per level, elite and defensive fractions in (0, 1), \
                          positive steps, tolerance and learning rate"
                    .into(),
            })
        }
    }
}

/// Estimates `P(g(X) <= 0)`, `X ~ N(0, I_d)`, by importance sampling from a flow fitted with
/// the multilevel cross-entropy method (Rubinstein 1999; Kurtz & Song 2013 for reliability):
///
/// 1. draw from the proposal (the defensive mixture `alpha N(0, I) + (1 - alpha) q`), set the
///    threshold `gamma = max(0, rho-quantile of g)`;
/// 2. fit `q` by weighted maximum likelihood to the draws with `g <= gamma`, weighted by
///    `phi(x) / q_mix(x)`, which moves `q` towards `phi(x) 1{g(x) <= gamma}` (forward KL, so
///    it covers every failure branch it has seen);
/// 3. repeat until `gamma = 0`, then draw fresh chunks until the relative standard error of
///    `p = mean(1{g <= 0} phi / q_mix)` reaches the target.
///
/// The limit state is a black box on the host (no gradient needed); every call is counted.
/// `flow` must have an inverse; its parameters are created near the identity, so the first
/// level samples the nominal density.
///
/// # Errors
/// [`Error::InvalidConfig`] for bad options or a flow of another dimension; errors of the
/// flow; [`Error::Numerical`] when the levels never reach the failure region.
///
/// # Examples
/// ```
/// use flowppl::backend::Cpu;
/// use flowppl::flows::{build_flow, flow_importance_sampling, FlowKind, RareEventOptions};
/// use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// let flow = build_flow::<f64, Cpu>("maf", FlowKind::Maf, 2, 1, &[8], 0)?;
/// let mut store = ParamStore::new(&Cpu::default());
/// let options = RareEventOptions {
///     samples_per_level: 200, fit_steps: 10, learning_rate: 0.05, target_relative_error: 0.2,
///     chunk: 250, min_final_samples: 500, max_final_samples: 2000, ..RareEventOptions::default()
/// };
/// // P(X_1 > 3) = 1.35e-3 for X ~ N(0, I_2).
/// let estimate = flow_importance_sampling(&flow, &mut store, |x| 3.0 - x[0], &options)?;
/// assert!((estimate.probability / 1.35e-3 - 1.0).abs() < 0.5);
/// assert_eq!(estimate.levels.last(), Some(&0.0)); // the last level reaches the failure region
/// assert!(estimate.fitting_evaluations < estimate.evaluations);
/// # Ok(())
/// # }
/// ```
pub fn flow_importance_sampling<E: Real, D: Backend<E>>(
    flow: &Flow<E, D>,
    store: &mut ParamStore<E, D>,
    limit_state: impl Fn(&[f64]) -> f64,
    options: &RareEventOptions,
) -> Result<RareEventEstimate> {
    options.validate()?;
    let d = flow.dimension();
    let mut rng = seeded(options.seed);
    flow.initialize_near_identity(store, &mut rng)?;
    let mut adam = Adam::new(options.learning_rate)?;
    let mut levels = Vec::new();
    let mut evaluations = 0usize;
    loop {
        if levels.len() == options.max_levels {
            return Err(Error::Numerical {
                operation: "flow_importance_sampling",
                message: format!(
                    "{} levels did not reach the failure region (last threshold {:?}); raise \
                     max_levels or samples_per_level",
                    options.max_levels,
                    levels.last()
                ),
            });
        }
        let draws = draw_mixture(flow, store, options, d, options.samples_per_level, &mut rng)?;
        let values: Vec<f64> = draws.points.chunks(d).map(&limit_state).collect();
        evaluations += values.len();
        let threshold = quantile(&values, options.elite_fraction).max(0.0);
        levels.push(threshold);
        let elite: Vec<usize> = (0..values.len())
            .filter(|&i| values[i] <= threshold)
            .collect();
        let log_weights: Vec<f64> = elite.iter().map(|&i| draws.log_ratio[i]).collect();
        fit_weighted(
            flow,
            store,
            &mut adam,
            &draws.points,
            &elite,
            &log_weights,
            options,
        )?;
        if threshold <= 0.0 {
            break;
        }
    }
    let fitting_evaluations = evaluations;
    let (mut sum, mut sum_squares, mut count) = (0.0, 0.0, 0usize);
    let mut failures = 0usize;
    let (probability, standard_error) = loop {
        let draws = draw_mixture(flow, store, options, d, options.chunk, &mut rng)?;
        for (x, log_ratio) in draws.points.chunks(d).zip(&draws.log_ratio) {
            let w = if limit_state(x) <= 0.0 {
                failures += 1;
                log_ratio.exp()
            } else {
                0.0
            };
            sum += w;
            sum_squares += w * w;
            count += 1;
        }
        evaluations += options.chunk;
        let n = count as f64;
        let mean = sum / n;
        let standard_error = ((sum_squares / n - mean * mean).max(0.0) / (n - 1.0)).sqrt();
        let reached = failures >= 10
            && count >= options.min_final_samples
            && standard_error <= options.target_relative_error * mean;
        if reached || count >= options.max_final_samples {
            break (mean, standard_error);
        }
    };
    Ok(RareEventEstimate {
        probability,
        standard_error,
        evaluations,
        fitting_evaluations,
        levels,
    })
}

/// Draws from the defensive mixture with `ln phi(x) - ln q_mix(x)` for each.
struct MixtureDraws {
    points: Vec<f64>,
    log_ratio: Vec<f64>,
}

fn draw_mixture<E: Real, D: Backend<E>>(
    flow: &Flow<E, D>,
    store: &ParamStore<E, D>,
    options: &RareEventOptions,
    d: usize,
    n: usize,
    rng: &mut crate::backend::Rng,
) -> Result<MixtureDraws> {
    let bound = flow.bind(store, None)?;
    let from_flow = bound.sample(n, rng, store.device(), None)?.to_f64_vec();
    let nominal = standard_normals(rng, n * d);
    let choose = open_uniforms(rng, n);
    let mut points = Vec::with_capacity(n * d);
    for (i, u) in choose.iter().enumerate() {
        let source = if *u < options.defensive_fraction {
            &nominal
        } else {
            &from_flow
        };
        points.extend_from_slice(&source[i * d..(i + 1) * d]);
    }
    let x = Var::from_vec(
        store.device(),
        points.iter().map(|&v| real(v)).collect(),
        n,
        d,
    )?;
    let log_q = bound.log_prob(&x, None)?.to_f64_vec();
    let alpha = options.defensive_fraction;
    let log_ratio = points
        .chunks(d)
        .zip(&log_q)
        .map(|(x, &log_q)| {
            let log_phi = -0.5 * x.iter().map(|v| v * v).sum::<f64>() - 0.5 * d as f64 * TAU.ln();
            // ln q_mix = ln(alpha phi + (1 - alpha) q), computed stably.
            let a = alpha.ln() + log_phi;
            let b = (1.0 - alpha).ln() + log_q;
            let high = a.max(b);
            let log_mix = high + ((a - high).exp() + (b - high).exp()).ln();
            log_phi - log_mix
        })
        .collect();
    Ok(MixtureDraws { points, log_ratio })
}

/// `fit_steps` Adam steps on `-sum_i w_i ln q(x_i) / sum_i w_i` over the elite rows.
fn fit_weighted<E: Real, D: Backend<E>>(
    flow: &Flow<E, D>,
    store: &mut ParamStore<E, D>,
    adam: &mut Adam<E, D>,
    points: &[f64],
    elite: &[usize],
    log_weights: &[f64],
    options: &RareEventOptions,
) -> Result<()> {
    let d = flow.dimension();
    let largest = log_weights
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let raw: Vec<f64> = log_weights.iter().map(|w| (w - largest).exp()).collect();
    let total: f64 = raw.iter().sum();
    let rows: Vec<E> = elite
        .iter()
        .flat_map(|&i| points[i * d..(i + 1) * d].iter().map(|&v| real(v)))
        .collect();
    let x = Var::from_vec(store.device(), rows, elite.len(), d)?;
    let weights = Var::from_vec(
        store.device(),
        raw.iter().map(|w| real(w / total)).collect(),
        elite.len(),
        1,
    )?;
    for step in 0..options.fit_steps {
        let graph = Graph::new(store.device());
        let loss = -flow
            .bind(store, Some(&graph))?
            .log_prob(&x, None)?
            .mul(&weights)?
            .sum();
        if !loss.item()?.to_f64().is_finite() {
            return Err(Error::NonFinite {
                what: format!("the cross-entropy fitting loss at step {step}"),
            });
        }
        let mut grads = loss.backward()?;
        adam.step(store, &mut grads)?;
    }
    Ok(())
}

/// The `fraction` quantile (lower empirical quantile).
fn quantile(values: &[f64], fraction: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let index = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}
