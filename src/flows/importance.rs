//! Importance sampling with a fitted flow as the proposal: normalising constants (free
//! energies) and their reliability.

use super::flow::Flow;
use crate::backend::rng::seeded;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;
use crate::infer::psis::{log_mean_exp_with_error, psis_khat};
use crate::params::ParamStore;

/// An importance-sampling estimate of `ln Z = ln int p~(x) dx` with weights `w = p~(x) / q(x)`,
/// `x ~ q`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImportanceEstimate {
    /// `ln (mean w)`.
    pub log_normaliser: f64,
    /// Its delta-method standard error, `sd(w) / (sqrt(n) mean(w))`.
    pub standard_error: f64,
    /// Kish's effective sample size `(sum w)^2 / sum w^2`.
    pub effective_sample_size: f64,
    /// The Pareto k-hat of the weights (Vehtari et al. 2024, arXiv:1507.02646): below 0.7 the
    /// estimate is reliable.
    pub khat: f64,
    /// Draws used.
    pub draws: usize,
}

impl ImportanceEstimate {
    /// The estimate from log-weights `ln p~(x) - ln q(x)`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidConfig`] for fewer than 20 weights, NaN or no finite weight.
    pub fn from_log_weights(log_weights: &[f64]) -> Result<Self> {
        let (log_normaliser, standard_error) = log_mean_exp_with_error(log_weights)?;
        let largest = log_weights
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let (sum, sum_squares) = log_weights.iter().fold((0.0, 0.0), |(s, q), w| {
            let r = (w - largest).exp();
            (s + r, q + r * r)
        });
        Ok(ImportanceEstimate {
            log_normaliser,
            standard_error,
            effective_sample_size: sum * sum / sum_squares,
            khat: psis_khat(log_weights)?,
            draws: log_weights.len(),
        })
    }
}

/// Estimates `ln Z` of the unnormalised density `exp(log_density(x))` by importance sampling
/// from the flow with the store's parameters (`draws` draws, in chunks). For a Boltzmann
/// density `log_density = -E/kT` this is `-F/kT`, `F` the free energy.
///
/// # Errors
/// Errors of the flow or of `log_density`; see [`ImportanceEstimate::from_log_weights`].
pub fn importance_log_normaliser<E: Real, D: Backend<E>>(
    flow: &Flow<E, D>,
    store: &ParamStore<E, D>,
    log_density: impl Fn(&Var<E, D>) -> Result<Var<E, D>>,
    draws: usize,
    seed: u64,
) -> Result<ImportanceEstimate> {
    let bound = flow.bind(store, None)?;
    let mut rng = seeded(seed);
    let mut log_weights = Vec::with_capacity(draws);
    while log_weights.len() < draws {
        let n = (draws - log_weights.len()).min(10_000);
        let (x, log_q) = bound.sample_and_log_prob(n, &mut rng, store.device(), None)?;
        log_weights.extend(log_density(&x)?.sub(&log_q)?.to_f64_vec());
    }
    ImportanceEstimate::from_log_weights(&log_weights)
}
