//! The [`Guide`] trait: a variational family `q(z)` over a model's latent sites.

use crate::backend::{Backend, Real, Var};
use crate::error::Result;
use crate::handlers::Values;
use crate::params::ParamStore;
use crate::ppl::{Ctx, Model};

/// One vectorised draw from a guide: a value for every latent site of the model (constrained,
/// `(particles, columns)`) and `ln q` of the draw per particle (`(particles, 1)`).
pub struct GuideDraw<E: Real, D: Backend<E>> {
    /// Latent values by site name.
    pub values: Values<E, D>,
    /// `ln q(z)` per particle.
    pub log_q: Var<E, D>,
}

/// A site's guide marginal `Normal(loc, scale)`, `(1, columns)` each, when it has one.
pub type NormalMarginal<E, D> = Option<(Var<E, D>, Var<E, D>)>;

/// A variational family. Autoguides ([`AutoNormal`](super::AutoNormal),
/// [`AutoMvn`](super::AutoMvn), [`AutoLowRank`](super::AutoLowRank),
/// [`AutoDelta`](super::AutoDelta), [`AutoFlow`](super::AutoFlow)) build themselves from the
/// model's latent sites; a hand-written guide is a program in the same DSL
/// ([`ProgramGuide`](super::ProgramGuide)).
pub trait Guide<E: Real, D: Backend<E>> {
    /// The guide's name, used in reports.
    fn name(&self) -> &str;

    /// Creates the guide's parameters in `store` for `model` (called once, before the first
    /// draw). Implementations must be idempotent: parameters already in the store are kept, so
    /// that a restored fit resumes where it stopped.
    ///
    /// # Errors
    /// Errors of the model's prototype run, or a latent site the guide cannot handle.
    fn setup(
        &mut self,
        model: &dyn Model<E, D>,
        store: &mut ParamStore<E, D>,
        device: &D,
        seed: u64,
    ) -> Result<()>;

    /// Whether [`draw`](Self::draw) honours [`Ctx::stops_guide_parameters`] (the
    /// sticking-the-landing estimator). [`Svi`](super::Svi) refuses the estimator for guides
    /// that answer `false` (the default).
    fn supports_sticking_the_landing(&self) -> bool {
        false
    }

    /// For a latent site whose guide marginal is a Normal on the real line, independent of the
    /// other latents (mean-field), its `(loc, scale)`, `(1, columns)` each, read on `ctx`'s
    /// graph; `None` (the default) otherwise. Enables closed-form KL terms
    /// ([`with_analytic_kl`](super::analytic_kl::with_analytic_kl)).
    ///
    /// # Errors
    /// Missing parameters.
    fn normal_marginal(&self, ctx: &mut Ctx<'_, E, D>, site: &str) -> Result<NormalMarginal<E, D>> {
        let _ = (ctx, site);
        Ok(None)
    }

    /// Draws `ctx.particles()` particles of every latent site, recorded on `ctx`'s graph.
    ///
    /// # Errors
    /// Backend or shape errors.
    fn draw(&self, ctx: &mut Ctx<'_, E, D>) -> Result<GuideDraw<E, D>>;
}
