//! Prior and posterior predictive distributions.

use crate::backend::rng::seeded;
use crate::backend::{Backend, Real};
use crate::error::{Error, Result};
use crate::handlers::{substitute, trace, Values};
use crate::ppl::{Ctx, Handler, Model, Site, SiteKind};
use std::rc::Rc;

/// Turns observed sites back into random ones, drawn `particles` times.
#[derive(Debug, Clone, Copy)]
struct Uncondition {
    particles: usize,
}

impl<E: Real, D: Backend<E>> Handler<E, D> for Uncondition {
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        if site.kind != SiteKind::Sample || !site.observed {
            return Ok(());
        }
        let (Some(distribution), Some(data)) = (&site.distribution, &site.value) else {
            return Ok(());
        };
        let (rows, columns) = distribution.sample_shape();
        let target_columns = if distribution.event_dim() == 0 {
            columns.max(data.columns())
        } else {
            columns
        };
        let expanded = distribution
            .expand_to(self.particles.max(rows), target_columns)
            .map_err(|e| Error::Site {
                site: site.name.clone(),
                source: Box::new(e),
            })?;
        site.distribution = Some(Rc::from(expanded));
        site.value = None;
        site.observed = false;
        Ok(())
    }
}

/// Draws from a model's predictive distribution: every sample site (latent and, resampled,
/// observed) and every deterministic site, `(draws, columns)` each.
///
/// The prior predictive runs the model from its priors; the posterior predictive fixes the
/// latent sites to posterior draws (e.g. [`Fit::posterior_samples`](super::Fit::posterior_samples))
/// and draws new data given each.
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
/// let dev = Cpu::default();
/// // Prior predictive: mu ~ N(0, 1) and y ~ N(mu, 1) drawn anew, not the observed 2.
/// let draws = Predictive::prior(&model, 100).run(&dev, 0)?;
/// assert_eq!((draws["mu"].shape(), draws["y"].shape()), ((100, 1), (100, 1)));
/// assert!(draws["y"].to_vec().iter().any(|&y| y != 2.0));
/// # Ok(())
/// # }
/// ```
pub struct Predictive<M, E: Real, D: Backend<E>> {
    model: M,
    posterior: Option<Values<E, D>>,
    draws: usize,
}

impl<E: Real, D: Backend<E>, M: Model<E, D>> Predictive<M, E, D> {
    /// The prior predictive with `draws` draws.
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
    /// let dev = Cpu::default();
    /// let y = Predictive::prior(&model, 4000).run(&dev, 0)?["y"].to_vec();
    /// // Marginally y ~ N(0, 2): check the mean and variance loosely.
    /// let mean = y.iter().sum::<f64>() / 4000.0;
    /// let variance = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 3999.0;
    /// assert!(mean.abs() < 0.1 && (variance - 2.0).abs() < 0.2, "{mean} {variance}");
    /// # Ok(())
    /// # }
    /// ```
    pub fn prior(model: M, draws: usize) -> Self {
        Predictive {
            model,
            posterior: None,
            draws: draws.max(1),
        }
    }

    /// The posterior predictive at the given latent draws (all with the same number of rows).
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when the draws are empty or disagree in their row counts.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::values;
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2.
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    /// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
    /// #     Ok(())
    /// # });
    /// let dev = Cpu::default();
    /// let mu = Var::from_vec(&dev, vec![0.5, 1.5, 2.5], 3, 1)?;
    /// let draws = Predictive::posterior(&model, values([("mu", mu)]))?.run(&dev, 0)?;
    /// assert_eq!(draws["mu"].to_vec(), [0.5, 1.5, 2.5]);
    /// assert_eq!(draws["y"].shape(), (3, 1));
    /// // Draws must agree in number.
    /// let uneven = values([("mu", Var::zeros(&dev, 3, 1)), ("other", Var::zeros(&dev, 2, 1))]);
    /// assert!(Predictive::posterior(&model, uneven).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn posterior(model: M, samples: Values<E, D>) -> Result<Self> {
        let mut rows = samples.values().map(|v| v.rows());
        let draws = rows.next().ok_or_else(|| {
            Error::invalid_shape("Predictive::posterior", "no posterior draws given")
        })?;
        if rows.any(|r| r != draws) {
            return Err(Error::invalid_shape(
                "Predictive::posterior",
                "every site needs the same number of draws",
            ));
        }
        Ok(Predictive {
            model,
            posterior: Some(samples),
            draws,
        })
    }

    /// Runs the model once with `draws` particles on `device`.
    ///
    /// # Errors
    /// Errors of the model, naming the site.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::values;
    /// use flowppl::ppl::model_fn;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    ///     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    ///     ctx.deterministic("twice", &mu * 2.0)?;
    ///     Ok(())
    /// });
    /// let dev = Cpu::default();
    /// let mu = Var::from_vec(&dev, vec![0.5, 1.5], 2, 1)?;
    /// let draws = Predictive::posterior(&model, values([("mu", mu)]))?.run(&dev, 0)?;
    /// assert_eq!(draws["twice"].to_vec(), [1.0, 3.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn run(&self, device: &D, seed: u64) -> Result<Values<E, D>> {
        let mut rng = seeded(seed);
        let mut ctx = Ctx::new(device, &mut rng).with_particles(self.draws);
        let particles = self.draws;
        let model_trace =
            ctx.with_handler(Box::new(Uncondition { particles }), |ctx| {
                match &self.posterior {
                    Some(samples) => trace(&substitute(&self.model, samples.clone()), ctx),
                    None => trace(&self.model, ctx),
                }
            })?;
        let mut out = Values::new();
        for site in model_trace.sites() {
            if matches!(site.kind, SiteKind::Sample | SiteKind::Deterministic) {
                if let Some(value) = &site.value {
                    out.insert(
                        site.name.clone(),
                        value.broadcast_to(particles, value.columns())?,
                    );
                }
            }
        }
        Ok(out)
    }
}
