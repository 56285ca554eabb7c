//! Post-fit diagnostics of a guide: the PSIS k-hat and an importance-sampled log-evidence.

use super::elbo::elbo_terms;
use super::fit::Fit;
use super::guide::Guide;
use super::psis::{log_mean_exp_with_error, psis_khat, KhatReading};
use crate::backend::rng::seeded;
use crate::backend::{Backend, Real};
use crate::error::{Error, Result};
use crate::ppl::{Ctx, DataCache, Model};

/// How much a fitted guide can be trusted (Yao et al. 2018, arXiv:1802.02538), and what it says
/// about the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostics {
    /// PSIS k-hat of the ratios `p(x, z) / q(z)`, `z ~ q`.
    pub khat: f64,
    /// Its reading: good (< 0.5), usable (< 0.7) or not trustworthy.
    pub reading: KhatReading,
    /// `ln mean_s p(x, z_s) / q(z_s)`: an importance-sampled estimate of `ln p(x)` (never above
    /// it on average; the ELBO is a looser lower bound).
    pub log_evidence: f64,
    /// Its standard error (delta method).
    pub log_evidence_se: f64,
    /// The mean log-ratio: a fresh, unbiased estimate of the ELBO.
    pub elbo: f64,
    /// Draws used.
    pub draws: usize,
}

impl<E: Real, D: Backend<E>, M: Model<E, D>, G: Guide<E, D>> Fit<M, G, E, D> {
    /// Draws `draws` particles from the fitted guide (in chunks of 1000, seeded by `seed`),
    /// scores them under the model and returns the k-hat, its reading and the log-evidence
    /// estimate. The fitted parameters are not changed (a private copy is used).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for fewer than 20 draws; errors of the model or guide.
    pub fn diagnostics(&self, draws: usize, seed: u64) -> Result<Diagnostics> {
        if draws < 20 {
            return Err(Error::InvalidConfig {
                what: format!("diagnostics with {draws} draws"),
                message: "need at least 20 draws for a Pareto tail".into(),
            });
        }
        let mut rng = seeded(seed);
        let mut store = self.params().clone();
        let mut log_ratios = Vec::with_capacity(draws);
        let data_cache = DataCache::new();
        while log_ratios.len() < draws {
            let n = (draws - log_ratios.len()).min(1000);
            let mut ctx = Ctx::new(self.device(), &mut rng)
                .with_store(&mut store)
                .with_particles(n)
                .with_data_cache(&data_cache);
            let terms = elbo_terms(self.model(), self.guide(), &mut ctx)?;
            log_ratios.extend(terms.log_weights.to_f64_vec());
        }
        let khat = psis_khat(&log_ratios)?;
        let (log_evidence, log_evidence_se) = log_mean_exp_with_error(&log_ratios)?;
        Ok(Diagnostics {
            khat,
            reading: KhatReading::of(khat),
            log_evidence,
            log_evidence_se,
            elbo: log_ratios.iter().sum::<f64>() / draws as f64,
            draws,
        })
    }
}
