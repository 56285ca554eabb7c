//! Stochastic variational inference: the training loop.

use super::analytic_kl::with_analytic_kl;
use super::checkpoint::SviCheckpoint;
use super::elbo::{elbo_terms, non_finite_site, Bound, Objective};
use super::fit::Fit;
use super::guide::Guide;
use super::plateau::Plateau;
use crate::backend::rng::{seeded, RngState};
use crate::backend::{Backend, Cpu, Graph, Real};
use crate::error::{Error, Result};
use crate::params::{Adam, Optimizer, ParamStore};
use crate::ppl::{Ctx, DataCache, Model};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// What to do when an ELBO estimate or a gradient is not finite.
///
/// # Examples
/// ```
/// use flowppl::infer::NonFinitePolicy;
/// use flowppl::prelude::*;
/// # use flowppl::ppl::model_fn;
/// # fn main() -> flowppl::Result<()> {
/// // y = -1 lies outside the support of the Exponential: every ELBO estimate is -inf.
/// let bad = model_fn("bad", |ctx: &mut Ctx<'_, f32, Cpu>| {
///     let rate = ctx.sample("rate", Exponential::new(1.0)?, None)?;
///     ctx.observe("y", Exponential::new(&rate)?, Var::scalar(ctx.device(), -1.0), None)?;
///     Ok(())
/// });
/// assert_eq!(NonFinitePolicy::default(), NonFinitePolicy::Stop);
/// let error = Svi::new(bad, AutoNormal::new()).steps(5).run().err().unwrap();
/// assert!(matches!(error, Error::NonFinite { .. }));
/// assert!(error.to_string().contains("site `y`"), "{error}");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NonFinitePolicy {
    /// Stop with an error naming the site (the default). Parameters are left as they were.
    #[default]
    Stop,
    /// Skip the step (parameters unchanged) and go on; at most `steps / 10 + 1` times.
    Skip,
}

/// Fits a guide to a model's posterior by maximising the ELBO.
///
/// ```
/// use flowppl::prelude::*;
/// use flowppl::ppl::{model_fn, Ctx};
/// // mu ~ N(0, 10); y ~ N(mu, 1) observed at 2: the posterior is N(1.98, 0.995).
/// let model = model_fn("normal", |ctx: &mut Ctx<'_, f32, Cpu>| {
///     let mu = ctx.sample("mu", Normal::new(0.0, 10.0)?, None)?;
///     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
///     Ok(())
/// });
/// let fit = Svi::new(model, AutoNormal::new()).steps(1500).particles(8).seed(0).run().unwrap();
/// let mu = fit.summary(2000, 1).unwrap().get("mu").unwrap().mean;
/// assert!((mu - 1.98).abs() < 0.1);
/// ```
pub struct Svi<M, G, E: Real = f32, D: Backend<E> = Cpu> {
    model: M,
    guide: G,
    device: D,
    store: ParamStore<E, D>,
    optimizer: Option<Box<dyn Optimizer<E, D>>>,
    particles: usize,
    steps: usize,
    seed: u64,
    policy: NonFinitePolicy,
    on_step: Option<Box<dyn FnMut(usize, f64)>>,
    objective: Bound,
    sticking_the_landing: bool,
    analytic_kl: bool,
    plateau: Option<Plateau>,
    checkpoints: Option<(usize, CheckpointSink)>,
    resume: Option<SviCheckpoint>,
    interrupt: Option<Arc<AtomicBool>>,
}

/// Receives each checkpoint of an SVI run (to write it to a file, say).
///
/// # Examples
/// ```
/// use flowppl::infer::{CheckpointSink, SviCheckpoint};
/// use flowppl::prelude::*;
/// use std::{cell::RefCell, rc::Rc};
/// # use flowppl::ppl::model_fn;
/// # fn main() -> flowppl::Result<()> {
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
/// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
/// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
/// #     Ok(())
/// # });
/// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
/// let seen = Rc::new(RefCell::new(Vec::new()));
/// let log = seen.clone();
/// let sink: CheckpointSink = Box::new(move |c: &SviCheckpoint| {
///     log.borrow_mut().push(c.history.len());
///     Ok(())
/// });
/// Svi::new(model, AutoNormal::new()).steps(6).checkpoint_every(3, sink).run()?;
/// assert_eq!(*seen.borrow(), [3, 6]);
/// # Ok(())
/// # }
/// ```
pub type CheckpointSink = Box<dyn FnMut(&SviCheckpoint) -> Result<()>>;

impl<M: Model<f32, Cpu>, G: Guide<f32, Cpu>> Svi<M, G, f32, Cpu> {
    /// SVI on the CPU in `f32`: Adam(0.01), 1 particle, 1000 steps, seed 0.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// let fit = Svi::new(&model, AutoNormal::new()).steps(5).run()?;
    /// assert_eq!(fit.elbo_history().len(), 5);
    /// // The defaults: one particle and seed 0.
    /// assert_eq!(fit.particles(), 1);
    /// let seeded = Svi::new(&model, AutoNormal::new()).steps(5).seed(0).run()?;
    /// assert_eq!(fit.elbo_history(), seeded.elbo_history());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(model: M, guide: G) -> Self {
        Self::on_device(&Cpu::default(), model, guide)
    }
}

impl<E: Real, D: Backend<E>, M: Model<E, D>, G: Guide<E, D>> Svi<M, G, E, D> {
    /// SVI on `device`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// // mu ~ N(0, 1); y ~ N(mu, 1) observed at 2.
    /// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    ///     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    ///     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    ///     Ok(())
    /// });
    /// // Any device and precision (`Svi::new` is the CPU in f32).
    /// let fit = Svi::on_device(&Cpu::default(), model, AutoNormal::new()).steps(5).run()?;
    /// let loc: Vec<f64> = fit.params().values("auto_normal.loc")?;
    /// assert_eq!(loc.len(), 1);
    /// assert_eq!(fit.elbo_history().len(), 5);
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_device(device: &D, model: M, guide: G) -> Self {
        Svi {
            model,
            guide,
            device: device.clone(),
            store: ParamStore::new(device),
            optimizer: None,
            particles: 1,
            steps: 1000,
            seed: 0,
            policy: NonFinitePolicy::Stop,
            on_step: None,
            objective: Bound::Elbo,
            sticking_the_landing: false,
            analytic_kl: false,
            plateau: None,
            checkpoints: None,
            resume: None,
            interrupt: None,
        }
    }

    /// Hands a [`SviCheckpoint`] to `sink` after every `every` steps (and when interrupted).
    ///
    /// # Examples
    /// ```
    /// use flowppl::infer::SviCheckpoint;
    /// use flowppl::prelude::*;
    /// use std::{cell::RefCell, rc::Rc};
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// let steps = Rc::new(RefCell::new(Vec::new()));
    /// let sink = steps.clone();
    /// Svi::new(model, AutoNormal::new())
    ///     .steps(6)
    ///     .checkpoint_every(2, move |c: &SviCheckpoint| {
    ///         sink.borrow_mut().push(c.step);
    ///         Ok(())
    ///     })
    ///     .run()?;
    /// assert_eq!(*steps.borrow(), [2, 4, 6]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn checkpoint_every(
        mut self,
        every: usize,
        sink: impl FnMut(&SviCheckpoint) -> Result<()> + 'static,
    ) -> Self {
        self.checkpoints = Some((every.max(1), Box::new(sink)));
        self
    }

    /// Continues a run from `checkpoint` (its parameters, optimizer state, random stream and
    /// history) up to the total number of [`steps`](Self::steps). The model, guide, optimizer
    /// settings, particles and objective must be those of the interrupted run: with them, the
    /// result is bit-for-bit the uninterrupted run's on the same device.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// let full = Svi::new(&model, AutoNormal::new()).steps(6).run()?;
    /// // Four steps, a checkpoint, then the rest.
    /// let first = Svi::new(&model, AutoNormal::new()).steps(4).run()?;
    /// let checkpoint = first.checkpoint().unwrap().clone();
    /// let resumed = Svi::new(&model, AutoNormal::new()).steps(6).resume_from(checkpoint).run()?;
    /// assert_eq!(resumed.elbo_history(), full.elbo_history());
    /// assert_eq!(resumed.params().values("auto_normal.loc")?, full.params().values("auto_normal.loc")?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn resume_from(mut self, checkpoint: SviCheckpoint) -> Self {
        self.resume = Some(checkpoint);
        self
    }

    /// Checks `flag` after every step; once it is set, the run hands a final checkpoint to the
    /// sink (if any) and stops with [`Error::Interrupted`]. Set it from a Ctrl-C handler.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// use std::sync::{atomic::AtomicBool, Arc};
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// // A flag already set, as if Ctrl-C came during the first step.
    /// let flag = Arc::new(AtomicBool::new(true));
    /// let result = Svi::new(model, AutoNormal::new()).steps(100).interrupt_on(flag).run();
    /// assert!(matches!(result, Err(Error::Interrupted { step: 1 })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn interrupt_on(mut self, flag: Arc<AtomicBool>) -> Self {
        self.interrupt = Some(flag);
        self
    }

    /// The optimiser (default `Adam(0.01)`).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// // From loc = 0, Adam's first step moves the location by its learning rate.
    /// let fit = Svi::new(model, AutoNormal::new().with_init(InitStrategy::Feasible))
    ///     .optimizer(Adam::new(0.1)?)
    ///     .steps(1)
    ///     .run()?;
    /// let loc = fit.params().values("auto_normal.loc")?[0];
    /// assert!((loc - 0.1).abs() < 1e-3, "{loc}");
    /// # Ok(())
    /// # }
    /// ```
    pub fn optimizer(mut self, optimizer: impl Optimizer<E, D> + 'static) -> Self {
        self.optimizer = Some(Box::new(optimizer));
        self
    }

    /// Particles per ELBO estimate (at least 1).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// let fit = Svi::new(&model, AutoNormal::new()).particles(4).steps(2).run()?;
    /// assert_eq!(fit.particles(), 4);
    /// // At least one.
    /// let fit = Svi::new(&model, AutoNormal::new()).particles(0).steps(1).run()?;
    /// assert_eq!(fit.particles(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn particles(mut self, particles: usize) -> Self {
        self.particles = particles.max(1);
        self
    }

    /// Number of optimisation steps.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// let fit = Svi::new(model, AutoNormal::new()).steps(3).run()?;
    /// assert_eq!(fit.elbo_history().len(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn steps(mut self, steps: usize) -> Self {
        self.steps = steps;
        self
    }

    /// The random seed.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// let run = |seed| Svi::new(&model, AutoNormal::new()).steps(3).seed(seed).run();
    /// assert_eq!(run(1)?.elbo_history(), run(1)?.elbo_history());
    /// assert_ne!(run(1)?.elbo_history(), run(2)?.elbo_history());
    /// # Ok(())
    /// # }
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// What to do with non-finite steps.
    ///
    /// # Examples
    /// ```
    /// use flowppl::infer::NonFinitePolicy;
    /// use flowppl::prelude::*;
    /// use std::{cell::Cell, rc::Rc};
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// // `bad`: y = -1 observed outside the support of an Exponential, so every ELBO is -inf.
    /// # let bad = model_fn("bad", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let rate = ctx.sample("rate", Exponential::new(1.0)?, None)?;
    /// #     ctx.observe("y", Exponential::new(&rate)?, Var::scalar(ctx.device(), -1.0), None)?;
    /// #     Ok(())
    /// # });
    /// let calls = Rc::new(Cell::new(0));
    /// let counter = calls.clone();
    /// let result = Svi::new(bad, AutoNormal::new())
    ///     .steps(20)
    ///     .on_non_finite(NonFinitePolicy::Skip)
    ///     .on_step(move |_, _| counter.set(counter.get() + 1))
    ///     .run();
    /// // Skipping goes on past bad steps, but gives up after more than steps / 10 + 1 of them.
    /// assert_eq!(calls.get(), 3);
    /// assert!(matches!(result, Err(Error::NonFinite { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_non_finite(mut self, policy: NonFinitePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Starts from the parameters in `store` (for example a restored fit); missing ones are
    /// initialised as usual.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// let fit = Svi::new(&model, AutoNormal::new()).steps(20).run()?;
    /// let loc = fit.params().values("auto_normal.loc")?;
    /// // Zero more steps from the fitted parameters: they are kept, not initialised anew.
    /// let again = Svi::new(&model, AutoNormal::new()).with_store(fit.into_params()).steps(0).run()?;
    /// assert_eq!(again.params().values("auto_normal.loc")?, loc);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_store(mut self, store: ParamStore<E, D>) -> Self {
        self.store = store;
        self
    }

    /// Reuses freed tensor buffers across steps (see
    /// [`Backend::enable_allocation_cache`]); worth it when a step builds tensors of more than
    /// about 10 000 entries (large data, many particles).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// let run = |cache| Svi::new(&model, AutoNormal::new()).steps(5).allocation_cache(cache).run();
    /// // Reusing buffers changes nothing in the results.
    /// assert_eq!(run(true)?.elbo_history(), run(false)?.elbo_history());
    /// # Ok(())
    /// # }
    /// ```
    pub fn allocation_cache(self, enabled: bool) -> Self {
        if enabled {
            self.device.enable_allocation_cache();
        }
        self
    }

    /// Calls `callback(step, elbo)` after every step (progress reporting).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// use std::{cell::RefCell, rc::Rc};
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// let seen = Rc::new(RefCell::new(Vec::new()));
    /// let log = seen.clone();
    /// let fit = Svi::new(model, AutoNormal::new())
    ///     .steps(3)
    ///     .on_step(move |step, elbo| log.borrow_mut().push((step, elbo)))
    ///     .run()?;
    /// assert_eq!(seen.borrow().iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 2]);
    /// assert_eq!(seen.borrow()[2].1, fit.elbo_history()[2]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_step(mut self, callback: impl FnMut(usize, f64) + 'static) -> Self {
        self.on_step = Some(Box::new(callback));
        self
    }

    /// The objective: the ELBO (default) or a Rényi bound over each step's particles
    /// (`Bound::Renyi { alpha: 0.0 }` with `K` particles is IWAE). The reported history is the
    /// chosen bound.
    ///
    /// # Examples
    /// ```
    /// use flowppl::infer::Bound;
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// // IWAE with 8 particles.
    /// let iwae = Bound::Renyi { alpha: 0.0 };
    /// let fit = Svi::new(&model, AutoNormal::new()).objective(iwae).particles(8).steps(5).run()?;
    /// assert!(fit.elbo_history().iter().all(|v| v.is_finite()));
    /// // Below alpha = 0 the Renyi quantity is not a lower bound: refused.
    /// let refused = Svi::new(&model, AutoNormal::new()).objective(Bound::Renyi { alpha: -1.0 }).run();
    /// assert!(matches!(refused, Err(Error::InvalidConfig { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn objective(mut self, objective: Bound) -> Self {
        self.objective = objective;
        self
    }

    /// Uses the sticking-the-landing gradient (Roeder et al. 2017, arXiv:1703.09194): the guide
    /// scores its draws with constant parameters, removing a zero-mean score term whose variance
    /// does not vanish as the guide approaches the posterior. Needs a guide that supports it
    /// ([`Guide::supports_sticking_the_landing`]); `run` refuses others.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// let fit = Svi::new(&model, AutoNormal::new()).sticking_the_landing(true).steps(5).run()?;
    /// assert_eq!(fit.elbo_history().len(), 5);
    /// // A point mass has no density to score with constant parameters: refused.
    /// let refused = Svi::new(&model, AutoDelta::new()).sticking_the_landing(true).run();
    /// assert!(matches!(refused, Err(Error::InvalidConfig { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn sticking_the_landing(mut self, enabled: bool) -> Self {
        self.sticking_the_landing = enabled;
        self
    }

    /// Replaces the Monte Carlo KL term of every site whose prior is Normal and whose guide
    /// marginal is Normal on the reals (mean-field `AutoNormal`) by its closed form
    /// ([`with_analytic_kl`](super::analytic_kl::with_analytic_kl)): same expectation, less
    /// variance. Only with the ELBO objective (importance weights must stay exact); `run`
    /// refuses it otherwise.
    ///
    /// # Examples
    /// ```
    /// use flowppl::infer::Bound;
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// let fit = Svi::new(&model, AutoNormal::new()).analytic_kl(true).steps(5).run()?;
    /// assert!(fit.elbo_history().iter().all(|v| v.is_finite()));
    /// // Only with the ELBO objective.
    /// let iwae = Bound::Renyi { alpha: 0.0 };
    /// let refused = Svi::new(&model, AutoNormal::new()).analytic_kl(true).objective(iwae).run();
    /// assert!(matches!(refused, Err(Error::InvalidConfig { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn analytic_kl(mut self, enabled: bool) -> Self {
        self.analytic_kl = enabled;
        self
    }

    /// Stops early when the objective plateaus (see [`Plateau`]).
    ///
    /// # Examples
    /// ```
    /// use flowppl::infer::Plateau;
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// // A tolerance no window can beat: the first window sets the best mean, and after
    /// // `patience` = 2 more windows without improvement training stops.
    /// let plateau = Plateau { window: 5, tolerance: 1e9, patience: 2 };
    /// let fit = Svi::new(model, AutoNormal::new()).stop_on_plateau(plateau).steps(100).run()?;
    /// assert_eq!(fit.stopped_early_at(), Some(15));
    /// assert_eq!(fit.elbo_history().len(), 15);
    /// # Ok(())
    /// # }
    /// ```
    pub fn stop_on_plateau(mut self, plateau: Plateau) -> Self {
        self.plateau = Some(plateau);
        self
    }

    /// Runs the optimisation (or continues it, see [`Svi::resume_from`]).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for settings that do not fit together (sticking the landing
    /// with a guide that cannot, analytic KL with a Renyi bound, a bad plateau rule);
    /// [`Error::NonFinite`] naming the site when the ELBO or a gradient is not finite (under
    /// [`NonFinitePolicy::Stop`]); [`Error::Interrupted`]; errors of the model, the guide or the
    /// checkpoint sink.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// // From mu = 0, Adam moves the guide towards the posterior mean 1.
    /// let fit = Svi::new(&model, AutoNormal::new().with_init(InitStrategy::Feasible))
    ///     .optimizer(Adam::new(0.05)?)
    ///     .steps(60)
    ///     .run()?;
    /// let loc = fit.params().values("auto_normal.loc")?[0];
    /// assert!(loc > 0.5 && loc < 1.5, "{loc}");
    /// // Settings that do not fit together are refused before any step.
    /// assert!(Svi::new(&model, AutoDelta::new()).sticking_the_landing(true).run().is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn run(mut self) -> Result<Fit<M, G, E, D>> {
        let mut optimizer = match self.optimizer.take() {
            Some(o) => o,
            None => Box::new(Adam::new(0.01)?),
        };
        if self.sticking_the_landing && !self.guide.supports_sticking_the_landing() {
            return Err(Error::InvalidConfig {
                what: format!(
                    "sticking the landing with the guide `{}`",
                    self.guide.name()
                ),
                message: "this guide cannot score its draws with constant parameters (supported: \
                          normal, mvn, lowrank, and flow guides with exact inverses: iaf, maf, \
                          realnvp, nsf)"
                    .into(),
            });
        }
        if self.analytic_kl && self.objective != Bound::Elbo {
            return Err(Error::InvalidConfig {
                what: "analytic KL with a Renyi/IWAE objective".into(),
                message: "closed-form KL terms need the ELBO objective (importance weights must \
                          be exact)"
                    .into(),
            });
        }
        if let Bound::Renyi { alpha } = self.objective {
            if !(alpha.is_finite() && alpha >= 0.0) {
                return Err(Error::InvalidConfig {
                    what: format!("the Renyi bound with alpha = {alpha}"),
                    message: "alpha must be finite and >= 0 (below 0 it is not a lower bound)"
                        .into(),
                });
            }
        }
        if let Some(p) = self.plateau {
            if p.window == 0 || p.patience == 0 || p.tolerance.is_nan() || p.tolerance < 0.0 {
                return Err(Error::InvalidConfig {
                    what: "the plateau rule".into(),
                    message: "needs window >= 1, patience >= 1 and tolerance >= 0".into(),
                });
            }
        }
        self.guide
            .setup(&self.model, &mut self.store, &self.device, self.seed)?;
        // (best window mean, windows without improvement)
        let mut plateau_state = (f64::NEG_INFINITY, 0usize);
        let mut stopped_at = None;
        let mut rng = seeded(self.seed);
        // The model is held unchanged for the whole run: convert its data once.
        let data_cache = DataCache::new();
        let started = Instant::now();
        let mut history = Vec::with_capacity(self.steps);
        let mut skipped = 0;
        let mut first_step = 0;
        if let Some(checkpoint) = self.resume.take() {
            self.store.restore(&checkpoint.params)?;
            optimizer.restore_state(&checkpoint.optimizer, &self.device)?;
            rng = checkpoint.rng.restore()?;
            history = checkpoint.history;
            skipped = checkpoint.skipped;
            plateau_state = (
                checkpoint.plateau.0.unwrap_or(f64::NEG_INFINITY),
                checkpoint.plateau.1,
            );
            first_step = checkpoint.step;
        }
        let snapshot = |step: usize,
                        store: &ParamStore<E, D>,
                        optimizer: &dyn Optimizer<E, D>,
                        rng: &crate::backend::Rng,
                        history: &[f64],
                        skipped: usize,
                        plateau_state: (f64, usize)|
         -> Result<SviCheckpoint> {
            Ok(SviCheckpoint {
                step,
                params: store.snapshot(),
                optimizer: optimizer.state()?,
                rng: RngState::of(rng),
                history: history.to_vec(),
                skipped,
                plateau: (
                    Some(plateau_state.0).filter(|v| v.is_finite()),
                    plateau_state.1,
                ),
            })
        };
        for step in first_step..self.steps {
            let graph = Graph::new(&self.device);
            let (loss, terms) = {
                let mut ctx = Ctx::new(&self.device, &mut rng)
                    .with_graph(&graph)
                    .with_store(&mut self.store)
                    .with_particles(self.particles)
                    .with_stopped_guide_parameters(self.sticking_the_landing)
                    .with_data_cache(&data_cache);
                let terms = elbo_terms(&self.model, &self.guide, &mut ctx)?;
                let log_weights = if self.analytic_kl {
                    with_analytic_kl(
                        &self.guide,
                        &mut ctx,
                        &terms.model_trace,
                        &terms.draw,
                        &terms.log_weights,
                    )?
                    .0
                } else {
                    terms.log_weights.clone()
                };
                (self.objective.loss(&log_weights)?, terms)
            };
            let value = -loss.item()?.to_f64();
            let outcome = if value.is_finite() {
                let mut grads = loss.backward()?;
                optimizer.step(&mut self.store, &mut grads)
            } else {
                let culprit = non_finite_site(&terms.model_trace)
                    .unwrap_or_else(|| format!("the guide `{}`", self.guide.name()));
                Err(Error::NonFinite {
                    what: format!(
                        "the ELBO at step {step} (first non-finite log-density: site `{culprit}`)"
                    ),
                })
            };
            match (outcome, self.policy) {
                (Ok(()), _) => history.push(value),
                (Err(e @ Error::NonFinite { .. }), NonFinitePolicy::Skip) => {
                    skipped += 1;
                    if skipped > self.steps / 10 + 1 {
                        return Err(e);
                    }
                }
                (Err(e), _) => return Err(e),
            }
            if let Some(callback) = self.on_step.as_mut() {
                callback(step, value);
            }
            if let Some(p) = self.plateau {
                if (step + 1) % p.window == 0 && history.len() >= p.window {
                    let recent = &history[history.len() - p.window..];
                    let mean = recent.iter().sum::<f64>() / p.window as f64;
                    if mean > plateau_state.0 + p.tolerance {
                        plateau_state = (mean, 0);
                    } else {
                        plateau_state.1 += 1;
                        if plateau_state.1 >= p.patience {
                            stopped_at = Some(step + 1);
                            break;
                        }
                    }
                }
            }
            let interrupted = self
                .interrupt
                .as_ref()
                .is_some_and(|flag| flag.load(Ordering::SeqCst));
            if let Some((every, sink)) = self.checkpoints.as_mut() {
                if interrupted || (step + 1) % *every == 0 {
                    sink(&snapshot(
                        step + 1,
                        &self.store,
                        optimizer.as_ref(),
                        &rng,
                        &history,
                        skipped,
                        plateau_state,
                    )?)?;
                }
            }
            if interrupted {
                return Err(Error::Interrupted { step: step + 1 });
            }
        }
        let last_step = stopped_at.unwrap_or(self.steps.max(first_step));
        let final_state = snapshot(
            last_step,
            &self.store,
            optimizer.as_ref(),
            &rng,
            &history,
            skipped,
            plateau_state,
        )
        .ok();
        Ok(Fit {
            model: self.model,
            guide: self.guide,
            device: self.device,
            store: self.store,
            history,
            seconds: started.elapsed().as_secs_f64(),
            particles: self.particles,
            skipped,
            stopped_at,
            final_state,
        })
    }
}
