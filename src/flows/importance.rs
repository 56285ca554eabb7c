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
///
/// # Examples
/// ```
/// use flowppl::flows::ImportanceEstimate;
/// # fn main() -> flowppl::Result<()> {
/// // Half the weights are 1, half 3: mean 2, Kish ESS (20 + 60)^2 / (20 + 180) = 32.
/// let log_weights: Vec<f64> = (0..40).map(|i| if i % 2 == 0 { 0.0 } else { 3f64.ln() }).collect();
/// let estimate = ImportanceEstimate::from_log_weights(&log_weights)?;
/// assert!((estimate.log_normaliser - 2f64.ln()).abs() < 1e-12);
/// assert!((estimate.effective_sample_size - 32.0).abs() < 1e-9);
/// assert_eq!(estimate.draws, 40);
/// # Ok(())
/// # }
/// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::flows::ImportanceEstimate;
    /// # fn main() -> flowppl::Result<()> {
    /// // Equal weights: the normaliser is exact, with no spread.
    /// let estimate = ImportanceEstimate::from_log_weights(&[1.5; 30])?;
    /// assert!((estimate.log_normaliser - 1.5).abs() < 1e-12);
    /// assert_eq!(estimate.standard_error, 0.0);
    /// assert!(ImportanceEstimate::from_log_weights(&[0.0; 10]).is_err()); // too few
    /// assert!(ImportanceEstimate::from_log_weights(&[f64::NAN; 30]).is_err());
    /// # Ok(())
    /// # }
    /// ```
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
///
/// # Examples
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::flows::{importance_log_normaliser, Flow};
/// use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// // Proposal N(0, 1) (a layer-free flow); target exp(-x^2) with Z = sqrt(pi).
/// let flow = Flow::<f64, Cpu>::new(1);
/// let store = ParamStore::new(&dev);
/// let target = |x: &Var<f64, Cpu>| Ok(x.square() * -1.0);
/// let estimate = importance_log_normaliser(&flow, &store, target, 2000, 0)?;
/// assert!((estimate.log_normaliser - 0.5 * std::f64::consts::PI.ln()).abs() < 0.05);
/// assert!(estimate.khat < 0.7 && estimate.effective_sample_size > 1000.0);
/// # Ok(())
/// # }
/// ```
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
