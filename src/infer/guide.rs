//! The [`Guide`] trait: a variational family `q(z)` over a model's latent sites.

use crate::backend::{Backend, Real, Var};
use crate::error::Result;
use crate::handlers::Values;
use crate::params::ParamStore;
use crate::ppl::{Ctx, Model};

/// One vectorised draw from a guide: a value for every latent site of the model (constrained,
/// `(particles, columns)`) and `ln q` of the draw per particle (`(particles, 1)`).
///
/// # Examples
/// ```
/// use flowppl::infer::GuideDraw;
/// use flowppl::prelude::*;
/// # use flowppl::ppl::model_fn;
/// # use flowppl::backend::rng::seeded;
/// # fn main() -> flowppl::Result<()> {
/// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2.
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
/// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
/// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
/// #     Ok(())
/// # });
/// # let (dev, mut rng, mut store) = (Cpu::default(), seeded(0), ParamStore::new(&Cpu::default()));
/// let init = InitStrategy::Values([("mu".to_string(), vec![0.5])].into());
/// let mut guide = AutoDelta::new().with_init(init);
/// guide.setup(&model, &mut store, &dev, 0)?;
/// let ctx = &mut Ctx::new(&dev, &mut rng).with_store(&mut store).with_particles(4);
/// let draw: GuideDraw<f64, Cpu> = guide.draw(ctx)?;
/// // One row per particle; a point mass has ln q = 0.
/// assert_eq!(draw.values["mu"].to_vec(), [0.5; 4]);
/// assert_eq!(draw.log_q.to_vec(), [0.0; 4]);
/// # Ok(())
/// # }
/// ```
pub struct GuideDraw<E: Real, D: Backend<E>> {
    /// Latent values by site name.
    pub values: Values<E, D>,
    /// `ln q(z)` per particle.
    pub log_q: Var<E, D>,
}

/// A site's guide marginal `Normal(loc, scale)`, `(1, columns)` each, when it has one.
///
/// # Examples
/// ```
/// use flowppl::infer::NormalMarginal;
/// use flowppl::prelude::*;
/// # use flowppl::ppl::model_fn;
/// # use flowppl::backend::rng::seeded;
/// # fn main() -> flowppl::Result<()> {
/// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2.
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
/// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
/// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
/// #     Ok(())
/// # });
/// # let (dev, mut rng, mut store) = (Cpu::default(), seeded(0), ParamStore::new(&Cpu::default()));
/// let init = InitStrategy::Values([("mu".to_string(), vec![0.3])].into());
/// let mut guide = AutoNormal::new().with_init(init);
/// guide.setup(&model, &mut store, &dev, 0)?;
/// let ctx = &mut Ctx::new(&dev, &mut rng).with_store(&mut store);
/// let marginal: NormalMarginal<f64, Cpu> = guide.normal_marginal(ctx, "mu")?;
/// let (loc, scale) = marginal.unwrap();
/// assert!((loc.item()? - 0.3).abs() < 1e-12 && (scale.item()? - 0.1).abs() < 1e-12);
/// assert!(guide.normal_marginal(ctx, "nope")?.is_none());
/// # Ok(())
/// # }
/// ```
pub type NormalMarginal<E, D> = Option<(Var<E, D>, Var<E, D>)>;

/// A variational family. Autoguides ([`AutoNormal`](super::AutoNormal),
/// [`AutoMvn`](super::AutoMvn), [`AutoLowRank`](super::AutoLowRank),
/// [`AutoDelta`](super::AutoDelta), [`AutoFlow`](super::AutoFlow)) build themselves from the
/// model's latent sites; a hand-written guide is a program in the same DSL
/// ([`ProgramGuide`](super::ProgramGuide)).
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// use flowppl::ppl::model_fn;
/// # use flowppl::backend::rng::seeded;
/// # fn main() -> flowppl::Result<()> {
/// // mu ~ N(0, 1); y ~ N(mu, 1) observed at 2.
/// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
///     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
///     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
///     Ok(())
/// });
/// # let (dev, mut rng, mut store) = (Cpu::default(), seeded(0), ParamStore::new(&Cpu::default()));
/// // A guide creates its parameters for the model, then draws vectorised particles.
/// let guide: &mut dyn Guide<f64, Cpu> = &mut AutoNormal::new();
/// guide.setup(&model, &mut store, &dev, 0)?;
/// assert!(store.contains("auto_normal.loc"));
/// let draw = guide.draw(&mut Ctx::new(&dev, &mut rng).with_store(&mut store).with_particles(4))?;
/// assert_eq!((draw.values["mu"].shape(), draw.log_q.shape()), ((4, 1), (4, 1)));
/// assert_eq!(guide.name(), "normal");
/// # Ok(())
/// # }
/// ```
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
