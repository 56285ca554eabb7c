//! Point-mass autoguide: maximum a posteriori estimation.

use super::{insert_if_missing, AutoBase};
use crate::backend::{Backend, Real, Var};
use crate::error::Result;
use crate::infer::guide::{Guide, GuideDraw};
use crate::infer::init::InitStrategy;
use crate::params::ParamStore;
use crate::ppl::{Ctx, Model};

/// A point mass at `T(loc)`: maximising the ELBO maximises `ln p(x, z)` over the constrained
/// `z`, i.e. MAP estimation. `ln q = 0` (a delta has no density to subtract, as in NumPyro's
/// `AutoDelta`), so no Jacobian enters and the mode is that of the constrained density.
/// Parameter: `auto_delta.loc`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # use flowppl::ppl::model_fn;
/// # fn main() -> flowppl::Result<()> {
/// // s ~ Exponential(1); y = 0.5 ~ Exponential(s): ln p = ln s - 1.5 s, maximal at s = 2/3.
/// let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
///     let s = ctx.sample("s", Exponential::new(1.0)?, None)?;
///     ctx.observe("y", Exponential::new(&s)?, Var::scalar(ctx.device(), 0.5), None)?;
///     Ok(())
/// });
/// let fit = Svi::new(model, AutoDelta::new()).optimizer(Adam::new(0.05)?).steps(300).run()?;
/// // The MAP estimate, stored unconstrained as ln s.
/// let s = fit.params().values("auto_delta.loc")?[0].exp();
/// assert!((s - 2.0 / 3.0).abs() < 0.02, "{s}");
/// # Ok(())
/// # }
/// ```
pub struct AutoDelta<E: Real, D: Backend<E>> {
    base: AutoBase<E, D>,
}

impl<E: Real, D: Backend<E>> Default for AutoDelta<E, D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Real, D: Backend<E>> AutoDelta<E, D> {
    /// A point-mass guide starting at the prior median.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// use flowppl::ppl::model_fn;
    /// # use flowppl::backend::rng::seeded;
    /// # fn main() -> flowppl::Result<()> {
    /// // s ~ Exponential(1) on the positive reals.
    /// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    ///     ctx.sample("s", Exponential::new(1.0)?, None)?;
    ///     Ok(())
    /// });
    /// # let (dev, mut rng, mut store) = (Cpu::default(), seeded(0), ParamStore::new(&Cpu::default()));
    /// let mut guide = AutoDelta::new();
    /// guide.setup(&model, &mut store, &dev, 0)?;
    /// let draw = guide.draw(&mut Ctx::new(&dev, &mut rng).with_store(&mut store).with_particles(4))?;
    /// // Every particle is the same point, with ln q = 0.
    /// let s = draw.values["s"].to_vec();
    /// assert!(s.iter().all(|&v| v == s[0] && v > 0.0));
    /// assert_eq!(draw.log_q.to_vec(), [0.0; 4]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> Self {
        AutoDelta {
            base: AutoBase::new("auto_delta"),
        }
    }

    /// Sets the initialisation strategy.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// use flowppl::ppl::model_fn;
    /// # use flowppl::backend::rng::seeded;
    /// # fn main() -> flowppl::Result<()> {
    /// // s ~ Exponential(1) on the positive reals.
    /// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    ///     ctx.sample("s", Exponential::new(1.0)?, None)?;
    ///     Ok(())
    /// });
    /// # let (dev, mut rng, mut store) = (Cpu::default(), seeded(0), ParamStore::new(&Cpu::default()));
    /// let init = InitStrategy::Values([("s".to_string(), vec![2.0])].into());
    /// let mut guide = AutoDelta::new().with_init(init);
    /// guide.setup(&model, &mut store, &dev, 0)?;
    /// // Stored unconstrained (ln 2), drawn constrained (2).
    /// assert!((store.values("auto_delta.loc")?[0] - 2f64.ln()).abs() < 1e-12);
    /// let draw = guide.draw(&mut Ctx::new(&dev, &mut rng).with_store(&mut store).with_particles(1))?;
    /// assert!((draw.values["s"].item()? - 2.0).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_init(mut self, init: InitStrategy) -> Self {
        self.base.init = init;
        self
    }
}

impl<E: Real, D: Backend<E>> Guide<E, D> for AutoDelta<E, D> {
    fn name(&self) -> &str {
        "delta"
    }

    fn setup(
        &mut self,
        model: &dyn Model<E, D>,
        store: &mut ParamStore<E, D>,
        device: &D,
        seed: u64,
    ) -> Result<()> {
        let point = self.base.setup(model, device, seed)?;
        let d = point.len();
        insert_if_missing(store, &self.base.name("loc"), 1, d, || point)
    }

    fn draw(&self, ctx: &mut Ctx<'_, E, D>) -> Result<GuideDraw<E, D>> {
        let d = self.base.layout()?.dimension;
        let rows = ctx.particles();
        let theta = self.base.parameter(ctx, "loc")?.broadcast_to(rows, d)?;
        let (values, _) = self.base.layout()?.constrain(&theta)?;
        Ok(GuideDraw {
            values,
            log_q: Var::zeros(ctx.device(), rows, 1),
        })
    }
}
