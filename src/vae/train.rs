//! Training a [`Vae`] by the minibatch ELBO, and evaluating it by the importance-weighted bound.

use super::model::Vae;
use crate::backend::rng::seeded;
use crate::backend::{Backend, Graph, Real, Var};
use crate::checkpoint::{record_validation, LoopState, TrainingControl};
use crate::error::{Error, Result};
use crate::minibatch::Minibatches;
use crate::params::{Adam, Optimizer, ParamStore};

/// Settings of [`train`].
///
/// # Examples
/// ```
/// use flowppl::vae::VaeTrainingOptions;
/// let defaults = VaeTrainingOptions::default();
/// assert_eq!((defaults.steps, defaults.batch_size, defaults.learning_rate), (3000, 100, 1e-3));
/// assert_eq!((defaults.kl_warmup_steps, defaults.free_bits, defaults.patience), (0, 0.0, None));
/// let quick = VaeTrainingOptions { steps: 5, batch_size: 4, kl_warmup_steps: 2, ..defaults };
/// assert_eq!(quick.validate_every, 150);
/// ```
#[derive(Debug, Clone)]
pub struct VaeTrainingOptions {
    /// Optimisation steps (minibatches).
    pub steps: usize,
    /// Rows per minibatch.
    pub batch_size: usize,
    /// Adam's learning rate (constant).
    pub learning_rate: f64,
    /// KL warm-up: the weight of `ln p(z) - ln q(z|x)` rises linearly from 0 to 1 over this
    /// many steps (0: none).
    pub kl_warmup_steps: usize,
    /// Free bits (Kingma et al. 2016, in its simplest form): the KL term of each row counts as
    /// at least this many nats, so the optimiser gains nothing by pushing it lower early on
    /// and the latents stay in use (0: off).
    pub free_bits: f64,
    /// Fraction of the rows held out for validation (0 for none).
    pub validation_fraction: f64,
    /// Evaluate the validation ELBO every this many steps.
    pub validate_every: usize,
    /// Stop after this many validations without improvement, restoring the best parameters.
    pub patience: Option<usize>,
    /// Random seed (initialisation, shuffling, draws).
    pub seed: u64,
}

impl Default for VaeTrainingOptions {
    fn default() -> Self {
        VaeTrainingOptions {
            steps: 3000,
            batch_size: 100,
            learning_rate: 1e-3,
            kl_warmup_steps: 0,
            free_bits: 0.0,
            validation_fraction: 0.0,
            validate_every: 150,
            patience: None,
            seed: 0,
        }
    }
}

/// What a training run did.
///
/// # Examples
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::params::ParamStore;
/// use flowppl::vae::{train, VaeTrainingOptions, Posterior, Prior, Vae, VaeConfig};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let mut store = ParamStore::new(&device);
/// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
/// # let x = Var::from_vec(&device, pixels, 8, 4)?; // 8 binary rows of 4 pixels
/// let options = VaeTrainingOptions { steps: 4, batch_size: 4, validation_fraction: 0.25, validate_every: 2, ..VaeTrainingOptions::default() };
/// let report = train(&vae, &mut store, &x, &options)?;
/// assert_eq!((report.steps, report.elbo.len()), (4, 4));
/// let at: Vec<usize> = report.validation.iter().map(|&(step, _)| step).collect();
/// assert_eq!(at, vec![2, 4]); // validated every 2 steps
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct VaeReport {
    /// The mean ELBO per row of each step's minibatch (with the warm-up weight).
    pub elbo: Vec<f64>,
    /// `(step, mean validation ELBO per row)`.
    pub validation: Vec<(usize, f64)>,
    /// Steps taken.
    pub steps: usize,
}

/// Mean single-draw ELBO per row of `data`, without a graph.
///
/// # Errors
/// Shape errors.
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::params::ParamStore;
/// use flowppl::vae::{mean_elbo, Posterior, Prior, Vae, VaeConfig};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let mut store = ParamStore::new(&device);
/// # vae.initialize(&mut store, &mut seeded(0))?;
/// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
/// # let x = Var::from_vec(&device, pixels, 8, 4)?; // 8 binary rows of 4 pixels
/// let elbo = mean_elbo(&vae, &store, &x, 3)?;
/// // one draw per row from the seed: the mean of ln p(x|z) + ln p(z) - ln q(z|x)
/// let (log_likelihood, kl_term) = vae.log_weight_terms(&store, None, &x, &mut seeded(3))?;
/// let by_hand = log_likelihood.add(&kl_term)?.mean().item()?;
/// assert!((elbo - by_hand).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub fn mean_elbo<E: Real, D: Backend<E>>(
    vae: &Vae<E, D>,
    store: &ParamStore<E, D>,
    data: &Var<E, D>,
    seed: u64,
) -> Result<f64> {
    let (likelihood, kl_term) = vae.log_weight_terms(store, None, data, &mut seeded(seed))?;
    Ok(likelihood.add(&kl_term)?.mean().item()?.to_f64())
}

/// Fits the VAE (created in `store` if new) by maximising the ELBO summed over minibatches
/// with Adam; the loss is the negative ELBO summed over the batch (Pyro's convention).
///
/// # Errors
/// [`Error::InvalidConfig`] for bad options; [`Error::NonFinite`] naming the step.
///
/// # Examples
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::params::ParamStore;
/// use flowppl::vae::{mean_elbo, train, VaeTrainingOptions, Posterior, Prior, Vae, VaeConfig};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let mut store = ParamStore::new(&device);
/// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
/// # let x = Var::from_vec(&device, pixels, 8, 4)?; // 8 binary rows of 4 pixels
/// let options = VaeTrainingOptions { steps: 5, batch_size: 4, learning_rate: 1e-2, ..VaeTrainingOptions::default() };
/// let report = train(&vae, &mut store, &x, &options)?; // creates the parameters
/// assert_eq!(report.elbo.len(), 5);
/// assert!(mean_elbo(&vae, &store, &x, 0)?.is_finite());
/// let bad = VaeTrainingOptions { batch_size: 0, ..options };
/// assert!(train(&vae, &mut store, &x, &bad).is_err());
/// # Ok(())
/// # }
/// ```
pub fn train<E: Real, D: Backend<E>>(
    vae: &Vae<E, D>,
    store: &mut ParamStore<E, D>,
    data: &Var<E, D>,
    options: &VaeTrainingOptions,
) -> Result<VaeReport> {
    train_with_progress(vae, store, data, options, |_, _| {})
}

/// [`train`], calling `on_step(step, mean ELBO per row of the step's batch)` after every step
/// (for a progress bar with the running ELBO).
///
/// # Errors
/// As [`train`].
///
/// # Examples
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::params::ParamStore;
/// use flowppl::vae::{train_with_progress, VaeTrainingOptions, Posterior, Prior, Vae, VaeConfig};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let mut store = ParamStore::new(&device);
/// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
/// # let x = Var::from_vec(&device, pixels, 8, 4)?; // 8 binary rows of 4 pixels
/// let options = VaeTrainingOptions { steps: 5, batch_size: 4, ..VaeTrainingOptions::default() };
/// let mut seen = Vec::new();
/// let report = train_with_progress(&vae, &mut store, &x, &options, |step, elbo| seen.push((step, elbo)))?;
/// let steps: Vec<usize> = seen.iter().map(|&(step, _)| step).collect();
/// assert_eq!(steps, vec![0, 1, 2, 3, 4]);
/// assert!(seen.iter().zip(&report.elbo).all(|(&(_, a), &b)| a == b));
/// # Ok(())
/// # }
/// ```
pub fn train_with_progress<E: Real, D: Backend<E>>(
    vae: &Vae<E, D>,
    store: &mut ParamStore<E, D>,
    data: &Var<E, D>,
    options: &VaeTrainingOptions,
    on_step: impl FnMut(usize, f64),
) -> Result<VaeReport> {
    train_with(
        vae,
        store,
        data,
        options,
        on_step,
        &mut TrainingControl::new(),
    )
}

/// [`train_with_progress`] with checkpoints: resumes from `control`'s checkpoint (after the
/// same initialisation, so the data must be the same), hands out checkpoints, and stops when
/// its interrupt flag is set. A resumed run ends bit-for-bit where the uninterrupted one would.
///
/// # Errors
/// As [`train`]; [`Error::Interrupted`]; errors of the checkpoint sink.
///
/// # Examples
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::params::ParamStore;
/// use flowppl::vae::{train_with, VaeTrainingOptions, Posterior, Prior, Vae, VaeConfig};
/// use flowppl::checkpoint::TrainingControl;
/// use std::sync::{atomic::AtomicBool, Arc};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let mut store = ParamStore::new(&device);
/// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
/// # let x = Var::from_vec(&device, pixels, 8, 4)?; // 8 binary rows of 4 pixels
/// let options = VaeTrainingOptions { steps: 5, batch_size: 4, ..VaeTrainingOptions::default() };
/// let flag = Arc::new(AtomicBool::new(true)); // as if Ctrl-C came during the first step
/// let mut control = TrainingControl::new().checkpoint_every(0, |_| Ok(())).interrupt_on(flag);
/// let result = train_with(&vae, &mut store, &x, &options, |_, _| {}, &mut control);
/// assert!(matches!(result, Err(flowppl::Error::Interrupted { step: 1 })));
/// let mut plain = TrainingControl::new();
/// assert_eq!(train_with(&vae, &mut store, &x, &options, |_, _| {}, &mut plain)?.steps, 5);
/// # Ok(())
/// # }
/// ```
pub fn train_with<E: Real, D: Backend<E>>(
    vae: &Vae<E, D>,
    store: &mut ParamStore<E, D>,
    data: &Var<E, D>,
    options: &VaeTrainingOptions,
    mut on_step: impl FnMut(usize, f64),
    control: &mut TrainingControl,
) -> Result<VaeReport> {
    let mut rng = seeded(options.seed);
    vae.initialize(store, &mut rng)?;
    let (validation, mut batches) = Minibatches::for_data(
        "VAE training",
        data,
        options.validation_fraction,
        options.batch_size,
        &mut rng,
    )?;
    let mut adam = Adam::new(options.learning_rate)?;
    let mut report = VaeReport::default();
    let mut best = None;
    let mut first = 0;
    if let Some(checkpoint) = control.take_resume() {
        let (step, elbo, validation, restored_best) = LoopState {
            store: &mut *store,
            optimizer: &mut adam,
            rng: &mut rng,
            batches: &mut batches,
        }
        .restore(checkpoint, data.rows())?;
        (first, report.elbo, report.validation, best) = (step, elbo, validation, restored_best);
        report.steps = step;
    }
    for step in first..options.steps {
        let batch = data.gather_rows(batches.next_batch(&mut rng))?;
        let weight = if options.kl_warmup_steps == 0 {
            1.0
        } else {
            ((step + 1) as f64 / options.kl_warmup_steps as f64).min(1.0)
        };
        let graph = Graph::new(store.device());
        let (likelihood, kl_term) = vae.log_weight_terms(store, Some(&graph), &batch, &mut rng)?;
        // kl_term = ln p(z) - ln q(z|x) = -KL estimate; free bits floor the KL at the budget.
        let kl_term = if options.free_bits > 0.0 {
            let floor = Var::full(store.device(), 1, 1, -options.free_bits);
            kl_term.minimum(&floor)?
        } else {
            kl_term
        };
        let elbo = likelihood.add(&(kl_term * weight))?.sum();
        let value = elbo.item()?.to_f64() / batch.rows() as f64;
        if !value.is_finite() {
            return Err(Error::NonFinite {
                what: format!("the VAE's ELBO at step {step} (no parameter was updated)"),
            });
        }
        let mut grads = (-elbo).backward()?;
        adam.step(store, &mut grads)?;
        report.elbo.push(value);
        on_step(step, value);
        report.steps = step + 1;
        if let Some(validation) = &validation {
            if (step + 1) % options.validate_every.max(1) == 0 {
                let score = mean_elbo(vae, store, validation, options.seed.wrapping_add(1))?;
                report.validation.push((step + 1, score));
                if record_validation(&mut best, score, step + 1, store, options.patience)? {
                    break;
                }
            }
        }
        control.after_step(step + 1, || {
            LoopState {
                store: &mut *store,
                optimizer: &mut adam,
                rng: &mut rng,
                batches: &mut batches,
            }
            .checkpoint(step + 1, &report.elbo, &report.validation, &best)
        })?;
    }
    let completed = report.steps;
    control.finish(|| {
        LoopState {
            store: &mut *store,
            optimizer: &mut adam,
            rng: &mut rng,
            batches: &mut batches,
        }
        .checkpoint(completed, &report.elbo, &report.validation, &best)
    })?;
    Ok(report)
}

/// The importance-weighted bound (Burda et al. 2016) per row of `data`:
/// `ln (1/K) sum_k p(x, z_k) / q(z_k | x)` with `K = samples` draws, evaluated row by row in
/// chunks of at most 1000 draws so memory stays flat. Its negative mean is the test NLL.
///
/// # Errors
/// [`Error::InvalidConfig`] for zero samples; shape errors.
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::params::ParamStore;
/// use flowppl::vae::{iwae_bound, Posterior, Prior, Vae, VaeConfig};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let mut store = ParamStore::new(&device);
/// # vae.initialize(&mut store, &mut seeded(0))?;
/// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
/// # let x = Var::from_vec(&device, pixels, 8, 4)?; // 8 binary rows of 4 pixels
/// let bounds = iwae_bound(&vae, &store, &x, 50, 0)?;
/// assert_eq!(bounds.len(), 8);
/// assert!(bounds.iter().all(|b| b.is_finite()));
/// // with K = 1 the bound is one log importance weight
/// let first = x.gather_rows(&[0])?;
/// let (log_likelihood, kl_term) = vae.log_weight_terms(&store, None, &first, &mut seeded(4))?;
/// let k1 = iwae_bound(&vae, &store, &first, 1, 4)?[0];
/// assert!((k1 - log_likelihood.add(&kl_term)?.item()?).abs() < 1e-9);
/// assert!(iwae_bound(&vae, &store, &x, 0, 0).is_err()); // zero samples
/// # Ok(())
/// # }
/// ```
pub fn iwae_bound<E: Real, D: Backend<E>>(
    vae: &Vae<E, D>,
    store: &ParamStore<E, D>,
    data: &Var<E, D>,
    samples: usize,
    seed: u64,
) -> Result<Vec<f64>> {
    if samples == 0 {
        return Err(Error::InvalidConfig {
            what: "IWAE bound".into(),
            message: "needs at least one sample".into(),
        });
    }
    let mut rng = seeded(seed);
    let mut bounds = Vec::with_capacity(data.rows());
    for row in 0..data.rows() {
        let mut log_weights = Vec::with_capacity(samples);
        while log_weights.len() < samples {
            let k = (samples - log_weights.len()).min(1000);
            let repeated = data.gather_rows(&vec![row; k])?;
            let (likelihood, kl_term) = vae.log_weight_terms(store, None, &repeated, &mut rng)?;
            log_weights.extend(likelihood.add(&kl_term)?.to_f64_vec());
        }
        let top = log_weights
            .iter()
            .cloned()
            .fold(f64::NEG_INFINITY, f64::max);
        let mean: f64 = log_weights.iter().map(|w| (w - top).exp()).sum::<f64>() / samples as f64;
        bounds.push(top + mean.ln());
    }
    Ok(bounds)
}
