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
///
/// # Examples
/// ```
/// use flowppl::infer::{Diagnostics, KhatReading};
/// use flowppl::prelude::*;
/// # use flowppl::ppl::model_fn;
/// # fn main() -> flowppl::Result<()> {
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
/// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
/// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
/// #     Ok(())
/// # });
/// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
/// // The Laplace start of a conjugate normal model is the exact posterior: the importance
/// // ratios are all p(y) = N(2; 0, 2), so the evidence is recovered and k-hat reads good.
/// let guide = AutoNormal::new().with_init(InitStrategy::Laplace);
/// let fit = Svi::new(model, guide).steps(0).run()?;
/// let d: Diagnostics = fit.diagnostics(200, 0)?;
/// let exact = -1.0 - 0.5 * (4.0 * std::f64::consts::PI).ln();
/// assert!((d.log_evidence - exact).abs() < 1e-3, "{}", d.log_evidence);
/// assert_eq!((d.reading, d.draws), (KhatReading::Good, 200));
/// # Ok(())
/// # }
/// ```
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
    /// let fit = Svi::new(model, AutoNormal::new()).steps(20).run()?;
    /// let d = fit.diagnostics(100, 0)?;
    /// // ln mean exp(w) >= mean w (Jensen), whatever the draws.
    /// assert!(d.elbo <= d.log_evidence);
    /// assert!(d.log_evidence_se >= 0.0);
    /// assert!(fit.diagnostics(10, 0).is_err());
    /// # Ok(())
    /// # }
    /// ```
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
