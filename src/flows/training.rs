//! Training flows: density estimation by maximum likelihood and fitting an unnormalised
//! density by reverse KL.

use super::flow::Flow;
use crate::backend::rng::seeded;
use crate::backend::{Backend, Graph, Real, Var};
use crate::checkpoint::{record_validation, LoopState, TrainingControl};
use crate::error::{Error, Result};
use crate::minibatch::Minibatches;
use crate::params::{Adam, Optimizer, ParamStore, Schedule};

/// Settings of [`fit_density`].
///
/// # Examples
/// ```
/// # use flowppl::backend::{rng::{seeded, standard_normals}, Cpu, Var};
/// # use flowppl::flows::{build_flow, FlowKind};
/// # use flowppl::params::ParamStore;
/// use flowppl::flows::training::{fit_density, DensityOptions};
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// // `data`: 200 points from N((3, -1), I); `flow`: a one-layer MAF on R^2.
/// # let values: Vec<f64> = standard_normals(&mut seeded(0), 400).iter().enumerate()
/// #     .map(|(i, z)| z + if i % 2 == 0 { 3.0 } else { -1.0 }).collect();
/// # let data = Var::<f64, Cpu>::from_vec(&dev, values, 200, 2)?;
/// # let flow = build_flow::<f64, Cpu>("maf", FlowKind::Maf, 2, 1, &[8], 0)?;
/// # let mut store = ParamStore::new(&dev);
/// let options = DensityOptions {
///     steps: 20, batch_size: 50, learning_rate: 0.01,
///     validation_fraction: 0.25, validate_every: 5, ..DensityOptions::default()
/// };
/// let report = fit_density(&flow, &mut store, &data, &options)?;
/// assert_eq!(report.losses.len(), 20);
/// let steps: Vec<usize> = report.validation.iter().map(|&(step, _)| step).collect();
/// assert_eq!(steps, [5, 10, 15, 20]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct DensityOptions {
    /// Optimisation steps (minibatches).
    pub steps: usize,
    /// Rows per minibatch.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Fraction of the data held out for validation (0 for none).
    pub validation_fraction: f64,
    /// Evaluate the validation log-likelihood every this many steps.
    pub validate_every: usize,
    /// Stop after this many validations without improvement, restoring the best parameters
    /// (`None`: train for all steps).
    pub patience: Option<usize>,
    /// Random seed (initialisation, shuffling).
    pub seed: u64,
    /// The learning-rate schedule (cosine annealing to a fraction of `learning_rate` helps the
    /// final fit; default constant).
    pub schedule: Schedule,
}

impl Default for DensityOptions {
    fn default() -> Self {
        DensityOptions {
            steps: 2000,
            batch_size: 512,
            learning_rate: 1e-3,
            validation_fraction: 0.0,
            validate_every: 100,
            patience: None,
            seed: 0,
            schedule: Schedule::Constant,
        }
    }
}

/// What a training run did.
///
/// # Examples
/// ```
/// # use flowppl::backend::{rng::{seeded, standard_normals}, Cpu, Var};
/// # use flowppl::flows::{build_flow, FlowKind};
/// # use flowppl::params::ParamStore;
/// use flowppl::flows::training::{fit_density, DensityOptions};
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// // `data`: 200 points from N((3, -1), I); `flow`: a one-layer MAF on R^2.
/// # let values: Vec<f64> = standard_normals(&mut seeded(0), 400).iter().enumerate()
/// #     .map(|(i, z)| z + if i % 2 == 0 { 3.0 } else { -1.0 }).collect();
/// # let data = Var::<f64, Cpu>::from_vec(&dev, values, 200, 2)?;
/// # let flow = build_flow::<f64, Cpu>("maf", FlowKind::Maf, 2, 1, &[8], 0)?;
/// # let mut store = ParamStore::new(&dev);
/// let options = DensityOptions {
///     steps: 30, batch_size: 50, learning_rate: 0.02,
///     validation_fraction: 0.25, validate_every: 10, ..DensityOptions::default()
/// };
/// let report = fit_density(&flow, &mut store, &data, &options)?;
/// assert_eq!((report.steps, report.losses.len(), report.validation.len()), (30, 30, 3));
/// assert!(report.restored.is_none()); // no patience, no early stopping
/// // Held-out log-likelihood improves as the flow moves towards the data.
/// assert!(report.validation[2].1 > report.validation[0].1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct TrainingReport {
    /// The loss of every step.
    pub losses: Vec<f64>,
    /// `(step, mean validation log-likelihood)` at each validation.
    pub validation: Vec<(usize, f64)>,
    /// Steps taken (fewer than asked when stopped early).
    pub steps: usize,
    /// After early stopping: `(step of the best validation, its score, the validation score of
    /// the restored parameters)`.
    pub restored: Option<(usize, f64, f64)>,
}

/// Mean `ln q(x)` of `data` under the flow with the store's parameters, in chunks.
///
/// # Errors
/// Errors of the flow.
///
/// # Examples
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::flows::{training::mean_log_likelihood, Flow};
/// use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// // Under N(0, 1), points at 0 and 2 have ln q = -ln(2 pi) / 2 and that minus 2.
/// let flow = Flow::<f64, Cpu>::new(1);
/// let data = Var::from_rows(&dev, &[[0.0], [2.0]])?;
/// let mean = mean_log_likelihood(&flow, &ParamStore::new(&dev), &data)?;
/// assert!((mean - (-0.5 * (2.0 * std::f64::consts::PI).ln() - 1.0)).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub fn mean_log_likelihood<E: Real, D: Backend<E>>(
    flow: &Flow<E, D>,
    store: &ParamStore<E, D>,
    data: &Var<E, D>,
) -> Result<f64> {
    let bound = flow.bind(store, None)?;
    let mut total = 0.0;
    let mut start = 0;
    while start < data.rows() {
        let end = (start + 4096).min(data.rows());
        total += bound
            .log_prob(&data.slice_rows(start, end)?, None)?
            .sum()
            .item()?
            .to_f64();
        start = end;
    }
    Ok(total / data.rows() as f64)
}

/// Fits `flow` to `data` (`(n, d)`) by maximising the mean log-likelihood of random
/// minibatches with Adam; optionally holds out a validation split and stops early.
///
/// # Errors
/// [`Error::InvalidConfig`] for bad options; [`Error::NonFinite`] when the loss is not finite.
///
/// # Examples
/// ```
/// # use flowppl::backend::{rng::{seeded, standard_normals}, Cpu, Var};
/// # use flowppl::flows::{build_flow, FlowKind};
/// # use flowppl::params::ParamStore;
/// use flowppl::flows::training::{fit_density, mean_log_likelihood, DensityOptions};
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// // `data`: 200 points from N((3, -1), I); `flow`: a one-layer MAF on R^2.
/// # let values: Vec<f64> = standard_normals(&mut seeded(0), 400).iter().enumerate()
/// #     .map(|(i, z)| z + if i % 2 == 0 { 3.0 } else { -1.0 }).collect();
/// # let data = Var::<f64, Cpu>::from_vec(&dev, values, 200, 2)?;
/// # let flow = build_flow::<f64, Cpu>("maf", FlowKind::Maf, 2, 1, &[8], 0)?;
/// # let mut store = ParamStore::new(&dev);
/// flow.initialize(&mut store, &mut seeded(0))?;
/// let before = mean_log_likelihood(&flow, &store, &data)?;
/// let options = DensityOptions { steps: 30, batch_size: 50, learning_rate: 0.02, ..DensityOptions::default() };
/// let report = fit_density(&flow, &mut store, &data, &options)?;
/// assert_eq!(report.steps, 30);
/// assert!(mean_log_likelihood(&flow, &store, &data)? > before + 0.5);
/// # Ok(())
/// # }
/// ```
pub fn fit_density<E: Real, D: Backend<E>>(
    flow: &Flow<E, D>,
    store: &mut ParamStore<E, D>,
    data: &Var<E, D>,
    options: &DensityOptions,
) -> Result<TrainingReport> {
    fit_density_with(flow, store, data, options, &mut TrainingControl::new())
}

/// [`fit_density`] with checkpoints: resumes from `control`'s checkpoint (after the same
/// initialisation, so the data must be the same), hands out checkpoints, and stops when its
/// interrupt flag is set.
///
/// # Errors
/// As [`fit_density`]; [`Error::Interrupted`]; errors of the checkpoint sink.
///
/// # Examples
/// ```
/// # use flowppl::backend::{rng::{seeded, standard_normals}, Cpu, Var};
/// # use flowppl::flows::{build_flow, FlowKind};
/// # use flowppl::params::ParamStore;
/// use flowppl::checkpoint::TrainingControl;
/// use flowppl::flows::training::{fit_density_with, DensityOptions};
/// use flowppl::Error;
/// # use std::sync::{atomic::AtomicBool, Arc};
/// # use std::{cell::Cell, rc::Rc};
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// // `data`: 200 points from N((3, -1), I); `flow`: a one-layer MAF on R^2.
/// # let values: Vec<f64> = standard_normals(&mut seeded(0), 400).iter().enumerate()
/// #     .map(|(i, z)| z + if i % 2 == 0 { 3.0 } else { -1.0 }).collect();
/// # let data = Var::<f64, Cpu>::from_vec(&dev, values, 200, 2)?;
/// # let flow = build_flow::<f64, Cpu>("maf", FlowKind::Maf, 2, 1, &[8], 0)?;
/// # let mut store = ParamStore::new(&dev);
/// let options = DensityOptions { steps: 10, batch_size: 50, ..DensityOptions::default() };
/// // An interrupt raised before the run stops it after one step, with a final checkpoint.
/// let saved = Rc::new(Cell::new(0));
/// let counter = saved.clone();
/// let mut control = TrainingControl::new()
///     .checkpoint_every(0, move |_| { counter.set(counter.get() + 1); Ok(()) })
///     .interrupt_on(Arc::new(AtomicBool::new(true)));
/// let result = fit_density_with(&flow, &mut store, &data, &options, &mut control);
/// assert!(matches!(result, Err(Error::Interrupted { step: 1 })));
/// assert_eq!(saved.get(), 1);
/// # Ok(())
/// # }
/// ```
pub fn fit_density_with<E: Real, D: Backend<E>>(
    flow: &Flow<E, D>,
    store: &mut ParamStore<E, D>,
    data: &Var<E, D>,
    options: &DensityOptions,
    control: &mut TrainingControl,
) -> Result<TrainingReport> {
    let mut rng = seeded(options.seed);
    let initial = data.gather_rows(&(0..data.rows().min(1024)).collect::<Vec<_>>())?;
    flow.initialize_from_data(store, &mut rng, &initial)?;
    let (validation, mut batches) = Minibatches::for_data(
        "fit_density",
        data,
        options.validation_fraction,
        options.batch_size,
        &mut rng,
    )?;
    let mut adam = Adam::new(options.learning_rate)?.with_schedule(options.schedule)?;
    let mut report = TrainingReport::default();
    let mut best = None;
    let mut first = 0;
    if let Some(checkpoint) = control.take_resume() {
        let (step, losses, validation, restored_best) = LoopState {
            store: &mut *store,
            optimizer: &mut adam,
            rng: &mut rng,
            batches: &mut batches,
        }
        .restore(checkpoint, data.rows())?;
        (first, report.losses, report.validation, best) = (step, losses, validation, restored_best);
        report.steps = step;
    }
    for step in first..options.steps {
        let batch = data.gather_rows(batches.next_batch(&mut rng))?;
        let graph = Graph::new(store.device());
        let loss = -flow
            .bind(store, Some(&graph))?
            .log_prob(&batch, None)?
            .mean();
        let value = loss.item()?.to_f64();
        if !value.is_finite() {
            return Err(Error::NonFinite {
                what: format!("the density-estimation loss at step {step}"),
            });
        }
        let mut grads = loss.backward()?;
        adam.step(store, &mut grads)?;
        flow.update_state(store)?;
        report.losses.push(value);
        report.steps = step + 1;
        if let Some(validation) = &validation {
            if (step + 1) % options.validate_every.max(1) == 0 {
                let score = mean_log_likelihood(flow, store, validation)?;
                report.validation.push((step + 1, score));
                if record_validation(&mut best, score, step + 1, store, options.patience)? {
                    let check = mean_log_likelihood(flow, store, validation)?;
                    if let Some(b) = &best {
                        report.restored = Some((b.step, b.score, check));
                    }
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
            .checkpoint(step + 1, &report.losses, &report.validation, &best)
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
        .checkpoint(completed, &report.losses, &report.validation, &best)
    })?;
    Ok(report)
}

/// Settings of [`fit_energy`].
///
/// # Examples
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::flows::{build_flow, FlowKind};
/// use flowppl::flows::training::{fit_energy, EnergyOptions};
/// use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// // U(x) = |x - (2, 2)|^2 / 2: the target is N((2, 2), I).
/// let energy = |x: &Var<f64, Cpu>| Ok(x.add_scalar(-2.0).square().sum_columns() * 0.5);
/// let flow = build_flow::<f64, Cpu>("maf", FlowKind::Maf, 2, 1, &[8], 0)?;
/// let mut store = ParamStore::new(&dev);
/// let options = EnergyOptions { steps: 40, batch_size: 64, learning_rate: 0.05, ..EnergyOptions::default() };
/// let report = fit_energy(&flow, &mut store, energy, &options)?;
/// assert_eq!(report.losses.len(), 40);
/// assert_eq!(EnergyOptions::default().steps, 5000);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct EnergyOptions {
    /// Optimisation steps.
    pub steps: usize,
    /// Draws per step.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Anneal the energy's weight linearly from `0.01` to 1 over this many steps (Rezende &
    /// Mohamed 2015 used `min(1, 0.01 + t / 10000)`); 0 for no annealing. Starting with a
    /// flattened target lets the flow spread over every mode before committing.
    pub annealing_steps: usize,
    /// Random seed.
    pub seed: u64,
    /// The learning-rate schedule (default constant).
    pub schedule: Schedule,
    /// Sticking the landing (Roeder et al. 2017, arXiv:1703.09194): `ln q` is evaluated with
    /// the parameters held constant (the draws still depend on them), which drops the score
    /// term whose expectation is zero. At an exact fit the gradient then has zero variance, so
    /// the fit can converge to the optimum rather than jitter around it. Needs a flow with
    /// an inverse.
    pub sticking_the_landing: bool,
}

impl Default for EnergyOptions {
    fn default() -> Self {
        EnergyOptions {
            steps: 5000,
            batch_size: 256,
            learning_rate: 5e-3,
            annealing_steps: 0,
            seed: 0,
            schedule: Schedule::Constant,
            sticking_the_landing: false,
        }
    }
}

/// Fits `flow` to the unnormalised density `exp(-U(x))` by minimising the reverse KL
/// `E_q[ln q(x) + beta_t U(x)]` (up to the unknown `ln Z`) with reparameterised draws.
/// `energy` maps `(n, d)` points to `(n, 1)` energies.
///
/// # Errors
/// [`Error::NonFinite`] when the loss is not finite; errors of `energy` or the flow.
///
/// # Examples
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::flows::{build_flow, FlowKind};
/// use flowppl::flows::training::{fit_energy, EnergyOptions};
/// use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// // U(x) = |x - (2, 2)|^2 / 2: the target is N((2, 2), I).
/// let energy = |x: &Var<f64, Cpu>| Ok(x.add_scalar(-2.0).square().sum_columns() * 0.5);
/// let flow = build_flow::<f64, Cpu>("maf", FlowKind::Maf, 2, 1, &[8], 0)?;
/// let mut store = ParamStore::new(&dev);
/// let options = EnergyOptions { steps: 40, batch_size: 64, learning_rate: 0.05, ..EnergyOptions::default() };
/// let report = fit_energy(&flow, &mut store, energy, &options)?;
/// // The reverse KL (up to ln Z) falls as q moves onto the target.
/// let first: f64 = report.losses[..5].iter().sum();
/// let last: f64 = report.losses[35..].iter().sum();
/// assert!(last < first - 2.0);
/// # Ok(())
/// # }
/// ```
pub fn fit_energy<E: Real, D: Backend<E>>(
    flow: &Flow<E, D>,
    store: &mut ParamStore<E, D>,
    energy: impl Fn(&Var<E, D>) -> Result<Var<E, D>>,
    options: &EnergyOptions,
) -> Result<TrainingReport> {
    let mut rng = seeded(options.seed);
    flow.initialize(store, &mut rng)?;
    let mut adam = Adam::new(options.learning_rate)?.with_schedule(options.schedule)?;
    let mut report = TrainingReport::default();
    let device = store.device().clone();
    for step in 0..options.steps {
        let weight = if options.annealing_steps == 0 {
            1.0
        } else {
            (0.01 + step as f64 / options.annealing_steps as f64).min(1.0)
        };
        let graph = Graph::new(&device);
        let (x, mut log_q) = flow.bind(store, Some(&graph))?.sample_and_log_prob(
            options.batch_size,
            &mut rng,
            &device,
            None,
        )?;
        if options.sticking_the_landing {
            log_q = flow.bind(store, None)?.log_prob(&x, None)?;
        }
        let loss = log_q.add(&(energy(&x)? * weight))?.mean();
        let value = loss.item()?.to_f64();
        if !value.is_finite() {
            return Err(Error::NonFinite {
                what: format!("the reverse-KL loss at step {step}"),
            });
        }
        let mut grads = loss.backward()?;
        adam.step(store, &mut grads)?;
        report.losses.push(value);
        report.steps = step + 1;
    }
    Ok(report)
}

/// `E_q[ln q(x) + U(x)]` from `draws` fresh draws in chunks; adding `ln Z` gives `KL(q || p)`.
///
/// # Errors
/// Errors of `energy` or the flow.
///
/// # Examples
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::flows::{training::energy_gap, Flow};
/// use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// // q = N(0, I_2) and U(x) = |x|^2 / 2: ln q + U = -ln(2 pi) for every draw, so
/// // the gap is -ln Z and KL(q || p) = 0.
/// let flow = Flow::<f64, Cpu>::new(2);
/// let energy = |x: &Var<f64, Cpu>| Ok(x.square().sum_columns() * 0.5);
/// let gap = energy_gap(&flow, &ParamStore::new(&dev), energy, 100, 0)?;
/// assert!((gap + (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub fn energy_gap<E: Real, D: Backend<E>>(
    flow: &Flow<E, D>,
    store: &ParamStore<E, D>,
    energy: impl Fn(&Var<E, D>) -> Result<Var<E, D>>,
    draws: usize,
    seed: u64,
) -> Result<f64> {
    let bound = flow.bind(store, None)?;
    let mut rng = seeded(seed);
    let mut total = 0.0;
    let mut done = 0;
    while done < draws {
        let n = (draws - done).min(10_000);
        let (x, log_q) = bound.sample_and_log_prob(n, &mut rng, store.device(), None)?;
        total += log_q.add(&energy(&x)?)?.sum().item()?.to_f64();
        done += n;
    }
    Ok(total / draws as f64)
}
