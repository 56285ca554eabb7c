//! Mean-field normal autoguide.

use super::normal_kernel::{normal_draw, normal_draw_constrained};
use super::{insert_if_missing, standard_noise, stopped, AutoBase};
use crate::backend::ops::fused::use_fused;
use crate::backend::{Backend, Real};
use crate::constraints::Constraint;
use crate::error::Result;
use crate::infer::guide::{Guide, GuideDraw, NormalMarginal};
use crate::infer::init::InitStrategy;
use crate::params::ParamStore;
use crate::ppl::{Ctx, Model};
use std::f64::consts::TAU;

/// Mean-field Gaussian in unconstrained space: `theta = loc + exp(log_scale) * eps`, one
/// independent normal per coordinate (Kucukelbir et al. 2017, ADVI, arXiv:1603.00788).
///
/// `ln q(theta) = sum_i [-eps_i^2 / 2 - log_scale_i] - d ln(2 pi) / 2`, written in terms of the
/// noise so the entropy's gradient is exact. Parameters: `auto_normal.loc` and
/// `auto_normal.log_scale` (initial scale 0.1, as NumPyro).
///
/// # Examples
/// ```
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
/// let ln_n = |x: f64, m: f64, s: f64| -0.5 * ((x - m) / s).powi(2) - s.ln() - 0.5 * std::f64::consts::TAU.ln();
/// let init = InitStrategy::Values([("mu".to_string(), vec![0.3])].into());
/// let mut guide = AutoNormal::new().with_init(init);
/// guide.setup(&model, &mut store, &dev, 0)?;
/// let draw = guide.draw(&mut Ctx::new(&dev, &mut rng).with_store(&mut store).with_particles(5))?;
/// // ln q(mu) = ln N(mu; 0.3, 0.1), particle by particle.
/// let (mu, log_q) = (draw.values["mu"].to_vec(), draw.log_q.to_vec());
/// assert!(mu.iter().zip(&log_q).all(|(m, l)| (l - ln_n(*m, 0.3, 0.1)).abs() < 1e-9));
/// # Ok(())
/// # }
/// ```
pub struct AutoNormal<E: Real, D: Backend<E>> {
    base: AutoBase<E, D>,
    initial_scale: f64,
}

impl<E: Real, D: Backend<E>> Default for AutoNormal<E, D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Real, D: Backend<E>> AutoNormal<E, D> {
    /// A mean-field normal guide starting at the prior median with scale 0.1.
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
    /// # let (dev, mut store) = (Cpu::default(), ParamStore::new(&Cpu::default()));
    /// let mut guide = AutoNormal::new();
    /// guide.setup(&model, &mut store, &dev, 0)?;
    /// assert_eq!(store.shape("auto_normal.loc")?, (1, 1));
    /// // Initial scale 0.1.
    /// assert!((store.values("auto_normal.log_scale")?[0] - 0.1f64.ln()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> Self {
        AutoNormal {
            base: AutoBase::new("auto_normal"),
            initial_scale: 0.1,
        }
    }

    /// Sets the initialisation strategy of the location.
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
    /// # let (dev, mut store) = (Cpu::default(), ParamStore::new(&Cpu::default()));
    /// let init = InitStrategy::Values([("mu".to_string(), vec![1.5])].into());
    /// let mut guide = AutoNormal::new().with_init(init);
    /// guide.setup(&model, &mut store, &dev, 0)?;
    /// assert_eq!(store.values("auto_normal.loc")?, [1.5]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_init(mut self, init: InitStrategy) -> Self {
        self.base.init = init;
        self
    }

    /// Sets the initial standard deviation of every coordinate.
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
    /// # let (dev, mut store) = (Cpu::default(), ParamStore::new(&Cpu::default()));
    /// let mut guide = AutoNormal::new().with_initial_scale(0.5);
    /// guide.setup(&model, &mut store, &dev, 0)?;
    /// assert!((store.values("auto_normal.log_scale")?[0] - 0.5f64.ln()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_initial_scale(mut self, scale: f64) -> Self {
        self.initial_scale = scale;
        self
    }
}

impl<E: Real, D: Backend<E>> Guide<E, D> for AutoNormal<E, D> {
    fn name(&self) -> &str {
        "normal"
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
        let log_scales = self.base.initial_log_scales(d, self.initial_scale.ln());
        insert_if_missing(store, &self.base.name("loc"), 1, d, || point)?;
        insert_if_missing(store, &self.base.name("log_scale"), 1, d, || log_scales)
    }

    fn draw(&self, ctx: &mut Ctx<'_, E, D>) -> Result<GuideDraw<E, D>> {
        let d = self.base.layout()?.dimension;
        let loc = self.base.parameter(ctx, "loc")?;
        let log_scale = self.base.parameter(ctx, "log_scale")?;
        let eps = standard_noise(ctx, d)?;
        if !ctx.stops_guide_parameters() && use_fused::<E, D>() {
            let layout = self.base.layout()?;
            if let Some(maps) = layout.elementwise_maps() {
                // The draw and its map onto the supports as one operation.
                let (blocks, log_q) = normal_draw_constrained(&loc, &log_scale, &eps, &maps)?;
                return Ok(GuideDraw {
                    values: layout.site_values(blocks),
                    log_q,
                });
            }
            let (theta, log_q) = normal_draw(&loc, &log_scale, &eps)?;
            return self.base.finish(&theta, log_q);
        }
        let theta = eps.mul(&log_scale.exp())?.add(&loc)?;
        // Standardised draw; with stopped parameters it is recomputed from theta, so the
        // density keeps theta's dependence on the parameters but not its own.
        let (eps, log_scale) = if ctx.stops_guide_parameters() {
            let log_scale = stopped(ctx, &log_scale);
            let standardised = theta.sub(&stopped(ctx, &loc))?.mul(&(-&log_scale).exp())?;
            (standardised, log_scale)
        } else {
            (eps, log_scale)
        };
        let log_q = (eps.square().sum_columns() * -0.5)
            .sub(&log_scale.sum())?
            .add_scalar(-0.5 * d as f64 * TAU.ln());
        self.base.finish(&theta, log_q)
    }

    fn supports_sticking_the_landing(&self) -> bool {
        true
    }

    fn normal_marginal(&self, ctx: &mut Ctx<'_, E, D>, site: &str) -> Result<NormalMarginal<E, D>> {
        let Some(slot) = self.base.layout()?.slots.iter().find(|s| s.name == site) else {
            return Ok(None);
        };
        let identity = matches!(slot.support, Constraint::Real | Constraint::RealVector)
            && slot.columns == slot.unconstrained_columns;
        if !identity {
            return Ok(None);
        }
        let (start, end) = (slot.offset, slot.offset + slot.columns);
        let loc = self.base.parameter(ctx, "loc")?.slice_columns(start, end)?;
        let scale = self
            .base
            .parameter(ctx, "log_scale")?
            .slice_columns(start, end)?
            .exp();
        Ok(Some((loc, scale)))
    }
}
