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
    pub fn elbo_history(&self) -> &[f64] {
        &self.history
    }

    /// The mean ELBO over the last 100 steps (or all, if fewer).
    pub fn final_elbo(&self) -> f64 {
        let tail = &self.history[self.history.len().saturating_sub(100)..];
        tail.iter().sum::<f64>() / tail.len().max(1) as f64
    }

    /// Wall-clock seconds of the optimisation.
    pub fn seconds(&self) -> f64 {
        self.seconds
    }

    /// Steps skipped for non-finite values.
    pub fn skipped_steps(&self) -> usize {
        self.skipped
    }

    /// Particles per step used in the fit.
    pub fn particles(&self) -> usize {
        self.particles
    }

    /// The step after which the plateau rule stopped training, if it did.
    pub fn stopped_early_at(&self) -> Option<usize> {
        self.stopped_at
    }

    /// The state at the end of the run, to save and [resume](super::Svi::resume_from) later
    /// (`None` when the optimizer cannot save its state).
    pub fn checkpoint(&self) -> Option<&super::SviCheckpoint> {
        self.final_state.as_ref()
    }

    /// The fitted parameters.
    pub fn params(&self) -> &ParamStore<E, D> {
        &self.store
    }

    /// Takes the fitted parameters (for saving, or to resume with [`Svi::with_store`](super::Svi::with_store)).
    pub fn into_params(self) -> ParamStore<E, D> {
        self.store
    }

    /// `draws` joint draws of every latent site from the fitted guide, constrained, and the
    /// deterministic sites of the model at those draws; `(draws, columns)` per site.
    ///
    /// # Errors
    /// Errors of the guide or the model.
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

    /// The model.
    /// The device the fit ran on.
    pub fn device(&self) -> &D {
        &self.device
    }

    /// The model that was fitted.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The guide.
    pub fn guide(&self) -> &G {
        &self.guide
    }
}

/// The first row of a value (one particle).
fn row<E: Real, D: Backend<E>>(v: &Var<E, D>) -> Result<Var<E, D>> {
    v.slice_rows(0, 1)
}
