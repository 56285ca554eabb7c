//! [`Fit`]: what a finished SVI run holds, and the queries on it (posterior draws, summaries).

use super::guide::Guide;
use super::summary::{describe, flattened_names, Summary};
use crate::backend::rng::seeded;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;
use crate::handlers::{substitute, trace, Values};
use crate::params::ParamStore;
use crate::ppl::{Ctx, DataCache, Model};

/// The result of [`Svi::run`](super::Svi::run): the fitted guide's parameters and the ELBO trajectory.
///
/// # Examples
/// ```
/// use flowppl::infer::Fit;
/// use flowppl::prelude::*;
/// # use flowppl::ppl::model_fn;
/// # fn main() -> flowppl::Result<()> {
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
/// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
/// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
/// #     Ok(())
/// # });
/// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
/// let fit: Fit<_, _, f32, Cpu> = Svi::new(model, AutoNormal::new()).steps(20).run()?;
/// assert_eq!(fit.elbo_history().len(), 20);
/// let summary = fit.summary(100, 0)?;
/// assert_eq!(summary.get("mu").unwrap().name, "mu");
/// # Ok(())
/// # }
/// ```
pub struct Fit<M, G, E: Real, D: Backend<E>> {
    pub(super) model: M,
    pub(super) guide: G,
    pub(super) device: D,
    pub(super) store: ParamStore<E, D>,
    pub(super) history: Vec<f64>,
    pub(super) seconds: f64,
    pub(super) particles: usize,
    pub(super) skipped: usize,
    pub(super) stopped_at: Option<usize>,
    pub(super) final_state: Option<super::SviCheckpoint>,
}

impl<E: Real, D: Backend<E>, M: Model<E, D>, G: Guide<E, D>> Fit<M, G, E, D> {
    /// The ELBO of every completed step.
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
    /// // A point mass at mu = 0.5, not trained: every query has a closed form.
    /// let init = InitStrategy::Values([("mu".to_string(), vec![0.5])].into());
    /// let fit = Svi::new(model, AutoDelta::new().with_init(init)).steps(1).run()?;
    /// // ln q = 0 for a point mass: the first ELBO is ln p(y = 2, mu = 0.5).
    /// let ln_n = |x: f64, m: f64| -0.5 * (x - m).powi(2) - 0.5 * std::f64::consts::TAU.ln();
    /// assert_eq!(fit.elbo_history().len(), 1);
    /// assert!((fit.elbo_history()[0] - (ln_n(0.5, 0.0) + ln_n(2.0, 0.5))).abs() < 1e-4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn elbo_history(&self) -> &[f64] {
        &self.history
    }

    /// The mean ELBO over the last 100 steps (or all, if fewer).
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
    /// let fit = Svi::new(model, AutoNormal::new()).steps(5).run()?;
    /// // Fewer than 100 steps: the mean of all of them.
    /// let mean = fit.elbo_history().iter().sum::<f64>() / 5.0;
    /// assert!((fit.final_elbo() - mean).abs() < 1e-9);
    /// # Ok(())
    /// # }
    /// ```
    pub fn final_elbo(&self) -> f64 {
        let tail = &self.history[self.history.len().saturating_sub(100)..];
        tail.iter().sum::<f64>() / tail.len().max(1) as f64
    }

    /// Wall-clock seconds of the optimisation.
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
    /// let fit = Svi::new(model, AutoNormal::new()).steps(5).run()?;
    /// assert!(fit.seconds() >= 0.0 && fit.seconds() < 60.0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn seconds(&self) -> f64 {
        self.seconds
    }

    /// Steps skipped for non-finite values.
    ///
    /// # Examples
    /// ```
    /// use flowppl::infer::NonFinitePolicy;
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
    /// let fit = Svi::new(model, AutoNormal::new())
    ///     .on_non_finite(NonFinitePolicy::Skip)
    ///     .steps(5)
    ///     .run()?;
    /// // A well-behaved model: nothing to skip, and every step is in the history.
    /// assert_eq!(fit.skipped_steps(), 0);
    /// assert_eq!(fit.elbo_history().len(), 5);
    /// # Ok(())
    /// # }
    /// ```
    pub fn skipped_steps(&self) -> usize {
        self.skipped
    }

    /// Particles per step used in the fit.
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
    /// let fit = Svi::new(model, AutoNormal::new()).particles(3).steps(2).run()?;
    /// assert_eq!(fit.particles(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn particles(&self) -> usize {
        self.particles
    }

    /// The step after which the plateau rule stopped training, if it did.
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
    /// let fit = Svi::new(&model, AutoNormal::new()).steps(5).run()?;
    /// assert_eq!(fit.stopped_early_at(), None);
    /// // An impossible improvement: stop after the second window.
    /// let plateau = Plateau { window: 2, tolerance: 1e9, patience: 1 };
    /// let fit = Svi::new(&model, AutoNormal::new()).stop_on_plateau(plateau).steps(50).run()?;
    /// assert_eq!(fit.stopped_early_at(), Some(4));
    /// # Ok(())
    /// # }
    /// ```
    pub fn stopped_early_at(&self) -> Option<usize> {
        self.stopped_at
    }

    /// The state at the end of the run, to save and [resume](super::Svi::resume_from) later
    /// (`None` when the optimizer cannot save its state).
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
    /// let fit = Svi::new(model, AutoNormal::new()).steps(5).run()?;
    /// let checkpoint = fit.checkpoint().unwrap();
    /// assert_eq!(checkpoint.step, 5);
    /// assert_eq!(checkpoint.history, fit.elbo_history());
    /// # Ok(())
    /// # }
    /// ```
    pub fn checkpoint(&self) -> Option<&super::SviCheckpoint> {
        self.final_state.as_ref()
    }

    /// The fitted parameters.
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
    /// let fit = Svi::new(model, AutoNormal::new()).steps(5).run()?;
    /// // The mean-field guide of one scalar site: a location and a log-scale.
    /// assert_eq!(fit.params().len(), 2);
    /// assert_eq!(fit.params().shape("auto_normal.log_scale")?, (1, 1));
    /// # Ok(())
    /// # }
    /// ```
    pub fn params(&self) -> &ParamStore<E, D> {
        &self.store
    }

    /// Takes the fitted parameters (for saving, or to resume with [`Svi::with_store`](super::Svi::with_store)).
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
    /// let fit = Svi::new(model, AutoNormal::new()).steps(5).run()?;
    /// let loc = fit.params().values("auto_normal.loc")?;
    /// let store = fit.into_params();
    /// assert_eq!(store.values("auto_normal.loc")?, loc);
    /// assert!(store.contains("auto_normal.log_scale"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_params(self) -> ParamStore<E, D> {
        self.store
    }

    /// `draws` joint draws of every latent site from the fitted guide, constrained, and the
    /// deterministic sites of the model at those draws; `(draws, columns)` per site.
    ///
    /// # Errors
    /// Errors of the guide or the model.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    ///     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    ///     ctx.deterministic("twice", &mu * 2.0)?;
    ///     Ok(())
    /// });
    /// let fit = Svi::new(model, AutoNormal::new()).steps(5).run()?;
    /// let samples = fit.posterior_samples(50, 0)?;
    /// assert_eq!(samples["mu"].shape(), (50, 1));
    /// // Deterministic sites are evaluated at the same draws.
    /// let (mu, twice) = (samples["mu"].to_vec(), samples["twice"].to_vec());
    /// assert!(mu.iter().zip(&twice).all(|(m, t)| *t == 2.0 * m));
    /// # Ok(())
    /// # }
    /// ```
    pub fn posterior_samples(&self, draws: usize, seed: u64) -> Result<Values<E, D>> {
        let mut rng = seeded(seed);
        // A private copy: drawing must not change the fitted parameters.
        let mut store = self.store.clone();
        let mut ctx = Ctx::new(&self.device, &mut rng)
            .with_store(&mut store)
            .with_particles(draws);
        let draw = self.guide.draw(&mut ctx)?;
        drop(ctx);
        // Deterministic sites: run the model at the draws, in chunks so that a model with much
        // data does not build one (draws x data) block.
        const CHUNK: usize = 512;
        let mut deterministic: std::collections::HashMap<String, Vec<Var<E, D>>> =
            Default::default();
        let data_cache = DataCache::new();
        let mut start = 0;
        while start < draws {
            let end = (start + CHUNK).min(draws);
            let chunk: Values<E, D> = draw
                .values
                .iter()
                .map(|(k, v)| Ok((k.clone(), v.slice_rows(start, end)?)))
                .collect::<Result<_>>()?;
            let mut chunk_ctx = Ctx::new(&self.device, &mut rng)
                .with_store(&mut store)
                .with_particles(end - start)
                .with_data_cache(&data_cache);
            let model_trace = trace(&substitute(&self.model, chunk), &mut chunk_ctx)?;
            for site in model_trace.deterministic_sites() {
                if let Some(v) = &site.value {
                    let block = v.broadcast_to(end - start, v.columns())?;
                    deterministic
                        .entry(site.name.clone())
                        .or_default()
                        .push(block);
                }
            }
            start = end;
        }
        let mut values = draw.values;
        for (name, blocks) in deterministic {
            let parts: Vec<&Var<E, D>> = blocks.iter().collect();
            values.insert(name, Var::concat_rows(&parts)?);
        }
        Ok(values)
    }

    /// Mean, sd and 5/50/95% quantiles of every latent and deterministic coordinate, from
    /// `draws` guide draws, with Stan-style names (`theta[1]`).
    ///
    /// # Errors
    /// Errors of the guide or the model.
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
    /// // A point mass at mu = 0.5, not trained: every query has a closed form.
    /// let init = InitStrategy::Values([("mu".to_string(), vec![0.5])].into());
    /// let fit = Svi::new(model, AutoDelta::new().with_init(init)).steps(0).run()?;
    /// let summary = fit.summary(10, 0)?;
    /// let row = summary.get("mu").unwrap();
    /// assert_eq!((row.mean, row.sd, row.q05, row.q95), (0.5, 0.0, 0.5, 0.5));
    /// assert_eq!(summary.draws, 10);
    /// # Ok(())
    /// # }
    /// ```
    pub fn summary(&self, draws: usize, seed: u64) -> Result<Summary> {
        let draws = draws.max(2);
        let samples = self.posterior_samples(draws, seed)?;
        // Site order: the model's own order, from one run.
        let mut rng = seeded(seed);
        let order: Vec<String> = {
            let mut store = self.store.clone();
            let mut ctx = Ctx::new(&self.device, &mut rng).with_store(&mut store);
            let first: Values<E, D> = samples
                .iter()
                .map(|(k, v)| Ok((k.clone(), row(v)?)))
                .collect::<Result<_>>()?;
            trace(&substitute(&self.model, first), &mut ctx)?
                .names()
                .map(String::from)
                .collect()
        };
        let mut rows = Vec::new();
        for name in order.iter().filter(|n| samples.contains_key(*n)) {
            let value = &samples[name];
            let (n, columns) = value.shape();
            let data = value.to_f64_vec();
            for (j, flat) in flattened_names(name, columns).into_iter().enumerate() {
                rows.push(describe(
                    flat,
                    (0..n).map(|i| data[i * columns + j]).collect(),
                )?);
            }
        }
        Ok(Summary {
            rows,
            elbo: self.final_elbo(),
            draws,
        })
    }

    /// The device the fit ran on.
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
    /// let fit = Svi::new(model, AutoNormal::new()).steps(5).run()?;
    /// // The posterior predictive runs on the fit's device.
    /// let samples = fit.posterior_samples(4, 0)?;
    /// let predictive = Predictive::posterior(fit.model(), samples)?.run(fit.device(), 1)?;
    /// assert_eq!(predictive["y"].shape(), (4, 1));
    /// # Ok(())
    /// # }
    /// ```
    pub fn device(&self) -> &D {
        &self.device
    }

    /// The model that was fitted.
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
    /// let fit = Svi::new(model, AutoNormal::new()).steps(5).run()?;
    /// // The prior predictive of the fitted model.
    /// let draws = Predictive::prior(fit.model(), 3).run(fit.device(), 0)?;
    /// assert_eq!(draws["y"].shape(), (3, 1));
    /// # Ok(())
    /// # }
    /// ```
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The guide.
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
    /// let fit = Svi::new(model, AutoNormal::new()).steps(5).run()?;
    /// assert_eq!(fit.guide().name(), "normal");
    /// assert!(fit.guide().supports_sticking_the_landing());
    /// # Ok(())
    /// # }
    /// ```
    pub fn guide(&self) -> &G {
        &self.guide
    }
}

/// The first row of a value (one particle).
fn row<E: Real, D: Backend<E>>(v: &Var<E, D>) -> Result<Var<E, D>> {
    v.slice_rows(0, 1)
}
