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
pub struct Predictive<M, E: Real, D: Backend<E>> {
    model: M,
    posterior: Option<Values<E, D>>,
    draws: usize,
}

impl<E: Real, D: Backend<E>, M: Model<E, D>> Predictive<M, E, D> {
    /// The prior predictive with `draws` draws.
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
