//! Hand-written guides: a program in the same DSL as the model.

use super::guide::{Guide, GuideDraw};
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::handlers::{trace, Values};
use crate::params::ParamStore;
use crate::ppl::{Ctx, Model};

/// A guide written by hand as a [`Model`]: its `param` sites are the variational parameters
/// and its latent sample sites (named like the model's) are the draws; `ln q` is the log joint
/// of its trace.
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
/// // q(mu) = N(loc, 0.7) with a learnable loc, starting at 0.
/// let guide = ProgramGuide::new(flowppl::ppl::model_fn("q", |ctx: &mut Ctx<'_, f32, Cpu>| {
///     let loc = ctx.param("loc", 1, 1, &Init::Zeros, Constraint::Real)?;
///     ctx.sample("mu", Normal::new(&loc, 0.7)?, None)?;
///     Ok(())
/// }));
/// let fit = Svi::new(model, guide).optimizer(Adam::new(0.05)?).steps(40).run()?;
/// // Towards the posterior mean 1.
/// let loc = fit.params().values("loc")?[0];
/// assert!(loc > 0.5 && loc < 1.5, "{loc}");
/// # Ok(())
/// # }
/// ```
pub struct ProgramGuide<G> {
    program: G,
}

impl<G> ProgramGuide<G> {
    /// Wraps a guide program.
    ///
    /// # Examples
    /// ```
    /// use flowppl::ppl::model_fn;
    /// use flowppl::prelude::*;
    /// # use flowppl::backend::rng::seeded;
    /// # fn main() -> flowppl::Result<()> {
    /// let guide = ProgramGuide::new(model_fn("q", |ctx: &mut Ctx<'_, f64, Cpu>| {
    ///     let loc = ctx.param("loc", 1, 1, &Init::Constant(0.5), Constraint::Real)?;
    ///     ctx.sample("mu", Normal::new(&loc, 1.0)?, None)?;
    ///     Ok(())
    /// }));
    /// # let (dev, mut rng, mut store) = (Cpu::default(), seeded(0), ParamStore::new(&Cpu::default()));
    /// let draw = guide.draw(&mut Ctx::new(&dev, &mut rng).with_store(&mut store))?;
    /// // ln q is the program's log joint, ln N(mu; 0.5, 1); its param is created on first use.
    /// let mu = draw.values["mu"].item()?;
    /// let ln_q = -0.5 * (mu - 0.5).powi(2) - 0.5 * std::f64::consts::TAU.ln();
    /// assert!((draw.log_q.item()? - ln_q).abs() < 1e-12);
    /// assert_eq!(store.values("loc")?, [0.5]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(program: G) -> Self {
        ProgramGuide { program }
    }
}

impl<E: Real, D: Backend<E>, G: Model<E, D>> Guide<E, D> for ProgramGuide<G> {
    fn name(&self) -> &str {
        self.program.name()
    }

    fn setup(
        &mut self,
        _: &dyn Model<E, D>,
        _: &mut ParamStore<E, D>,
        _: &D,
        _: u64,
    ) -> Result<()> {
        // Parameters are created by the program's `param` sites on its first run.
        Ok(())
    }

    fn draw(&self, ctx: &mut Ctx<'_, E, D>) -> Result<GuideDraw<E, D>> {
        let guide_trace = trace(&self.program, ctx)?;
        let values: Values<E, D> = guide_trace
            .latent_sites()
            .filter_map(|s| s.value.clone().map(|v| (s.name.clone(), v)))
            .collect();
        Ok(GuideDraw {
            values,
            log_q: guide_trace.log_joint()?,
        })
    }
}
