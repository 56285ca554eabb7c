//! The latent sites of a model laid out as one unconstrained vector.

use super::init::InitStrategy;
use crate::backend::rng::seeded;
use crate::backend::{Backend, Real, Var};
use crate::constraints::{biject_to, Constraint};
use crate::error::{Error, Result};
use crate::handlers::{trace, Values};
use crate::ppl::{Ctx, Model, Trace};
use crate::transforms::Bijector;

/// One latent site's place in the unconstrained vector.
///
/// # Examples
/// ```
/// use flowppl::infer::{LatentLayout, LatentSlot};
/// # use flowppl::ppl::model_fn;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // `model`: mu on the reals, s > 0: one unconstrained coordinate each.
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
/// #     ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
/// #     ctx.sample("s", Exponential::new(1.0)?, None)?;
/// #     Ok(())
/// # });
/// let dev = Cpu::default();
/// let layout = LatentLayout::of(&model, &dev, 0)?;
/// let slot: &LatentSlot<f64, Cpu> = &layout.slots[1];
/// assert_eq!((slot.name.as_str(), slot.offset, slot.columns), ("s", 1, 1));
/// assert_eq!(slot.support, Constraint::Positive);
/// // Its bijector maps the reals onto the support: exp(0) = 1.
/// let (one, _) = slot.bijector.forward(&Var::scalar(&dev, 0.0), None)?;
/// assert_eq!(one.item()?, 1.0);
/// # Ok(())
/// # }
/// ```
pub struct LatentSlot<E: Real, D: Backend<E>> {
    /// The site's name.
    pub name: String,
    /// Columns of the site's (constrained) value.
    pub columns: usize,
    /// Columns it takes in the unconstrained vector.
    pub unconstrained_columns: usize,
    /// First unconstrained column.
    pub offset: usize,
    /// The site's support.
    pub support: Constraint,
    /// `biject_to(support)`.
    pub bijector: Box<dyn Bijector<E, D>>,
}

/// Every latent site of a model, in execution order, with its slot in `R^dimension`.
///
/// # Examples
/// ```
/// use flowppl::infer::LatentLayout;
/// use flowppl::ppl::model_fn;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // mu on the reals, s > 0: one unconstrained coordinate each.
/// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
///     ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
///     ctx.sample("s", Exponential::new(1.0)?, None)?;
///     Ok(())
/// });
/// let dev = Cpu::default();
/// let layout = LatentLayout::of(&model, &dev, 0)?;
/// assert_eq!(layout.dimension, 2);
/// let names: Vec<&str> = layout.slots.iter().map(|s| s.name.as_str()).collect();
/// assert_eq!(names, ["mu", "s"]);
/// # Ok(())
/// # }
/// ```
pub struct LatentLayout<E: Real, D: Backend<E>> {
    /// The slots.
    pub slots: Vec<LatentSlot<E, D>>,
    /// Total unconstrained dimension.
    pub dimension: usize,
}

/// Runs `model` once from the prior (one particle, no graph) and records it.
pub(crate) fn prototype_trace<E: Real, D: Backend<E>>(
    model: &dyn Model<E, D>,
    device: &D,
    seed: u64,
) -> Result<Trace<E, D>> {
    let mut rng = seeded(seed);
    let mut ctx = Ctx::new(device, &mut rng);
    trace(model, &mut ctx)
}

impl<E: Real, D: Backend<E>> LatentLayout<E, D> {
    /// The layout of `model`'s latent sites, from one prior run.
    ///
    /// # Errors
    /// Errors of the model; [`Error::Site`] for a discrete latent site (no bijection from the
    /// reals: it must be marginalised or observed).
    ///
    /// # Examples
    /// ```
    /// use flowppl::infer::LatentLayout;
    /// # use flowppl::ppl::model_fn;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// // `model`: mu on the reals, s > 0: one unconstrained coordinate each.
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    /// #     ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.sample("s", Exponential::new(1.0)?, None)?;
    /// #     Ok(())
    /// # });
    /// let dev = Cpu::default();
    /// let layout = LatentLayout::of(&model, &dev, 0)?;
    /// assert_eq!(layout.slots.len(), 2);
    /// // A model without latent sites has nothing to lay out.
    /// let observed_only = model_fn("obs", |ctx: &mut Ctx<'_, f64, Cpu>| {
    ///     ctx.observe("y", Normal::new(0.0, 1.0)?, Var::scalar(ctx.device(), 0.5), None)?;
    ///     Ok(())
    /// });
    /// assert!(LatentLayout::of(&observed_only, &dev, 0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn of(model: &dyn Model<E, D>, device: &D, seed: u64) -> Result<Self> {
        let prototype = prototype_trace(model, device, seed)?;
        let mut slots = Vec::new();
        let mut offset = 0;
        for site in prototype.latent_sites() {
            let distribution = site.distribution.as_ref().ok_or_else(|| Error::Model {
                model: model.name().to_string(),
                message: format!("latent site `{}` has no distribution", site.name),
            })?;
            let support = distribution.support();
            let at_site = |e: Error| Error::Site {
                site: site.name.clone(),
                source: Box::new(e),
            };
            let bijector = biject_to::<E, D>(&support).map_err(at_site)?;
            let columns = site.value.as_ref().map(Var::columns).unwrap_or(1);
            let unconstrained_columns = bijector.input_columns(columns).map_err(at_site)?;
            slots.push(LatentSlot {
                name: site.name.clone(),
                columns,
                unconstrained_columns,
                offset,
                support,
                bijector,
            });
            offset += unconstrained_columns;
        }
        if slots.is_empty() {
            return Err(Error::Model {
                model: model.name().to_string(),
                message: "the model has no latent sites to infer".into(),
            });
        }
        Ok(LatentLayout {
            slots,
            dimension: offset,
        })
    }

    /// Maps an unconstrained block `(particles, dimension)` to constrained site values, and
    /// returns the summed `log |det J|` per particle.
    ///
    /// # Errors
    /// Shape errors when `theta` does not have `dimension` columns.
    ///
    /// # Examples
    /// ```
    /// use flowppl::infer::LatentLayout;
    /// # use flowppl::ppl::model_fn;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// // `model`: mu on the reals, s > 0: one unconstrained coordinate each.
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    /// #     ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.sample("s", Exponential::new(1.0)?, None)?;
    /// #     Ok(())
    /// # });
    /// let dev = Cpu::default();
    /// let layout = LatentLayout::of(&model, &dev, 0)?;
    /// // Two particles: (mu, ln s) = (0.3, 0) and (0.3, ln 2).
    /// let theta = Var::from_vec(&dev, vec![0.3, 0.0, 0.3, 2f64.ln()], 2, 2)?;
    /// let (values, log_det) = layout.constrain(&theta)?;
    /// assert_eq!(values["mu"].to_vec(), [0.3, 0.3]);
    /// assert!((values["s"].to_vec()[1] - 2.0).abs() < 1e-12);
    /// // ln |det J| of s = exp(x) is x.
    /// assert!((log_det.to_vec()[1] - 2f64.ln()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn constrain(&self, theta: &Var<E, D>) -> Result<(Values<E, D>, Var<E, D>)> {
        let mut values = Values::with_capacity(self.slots.len());
        let mut log_det: Option<Var<E, D>> = None;
        // One split for all the slots (one recorded operation, not two per slot).
        let blocks = if self.slots.len() == 1 {
            vec![theta.clone()]
        } else {
            let widths: Vec<usize> = self
                .slots
                .iter()
                .map(|slot| slot.unconstrained_columns)
                .collect();
            crate::backend::ops::split_columns::split_columns(theta, &widths)?
        };
        for (slot, block) in self.slots.iter().zip(blocks) {
            if slot.bijector.is_identity() {
                // Nothing to transform and nothing to add to the log-det.
                values.insert(slot.name.clone(), block);
                continue;
            }
            let (value, ladj) = slot.bijector.forward(&block, None)?;
            log_det = Some(match log_det {
                None => ladj,
                Some(total) => total.add(&ladj)?,
            });
            values.insert(slot.name.clone(), value);
        }
        let log_det = log_det.unwrap_or_else(|| Var::zeros(&theta.device(), theta.rows(), 1));
        Ok((values, log_det))
    }

    /// The sites' values at `theta` and the guide's density of them, `log_q - ln |det J|`,
    /// where `log_q` is the density of `theta` itself (`(rows, 1)`). On host devices, when
    /// every site's bijection is elementwise, both come from one recorded operation
    /// ([`super::constrain_kernel`]); otherwise from [`LatentLayout::constrain`] and a
    /// subtraction.
    ///
    /// # Errors
    /// Those of [`LatentLayout::constrain`]; [`Error::ShapeMismatch`] when `log_q` does not
    /// broadcast against the log-determinant.
    pub(crate) fn constrain_with_log_q(
        &self,
        theta: &Var<E, D>,
        log_q: &Var<E, D>,
    ) -> Result<(Values<E, D>, Var<E, D>)> {
        if theta.columns() == self.dimension && log_q.shape() == (theta.rows(), 1) {
            if let Some(maps) = self.elementwise_maps() {
                let (blocks, density) =
                    super::constrain_kernel::constrain_columns(theta, log_q, &maps)?;
                return Ok((self.site_values(blocks), density));
            }
        }
        let (values, log_det) = self.constrain(theta)?;
        Ok((values, log_q.sub(&log_det)?))
    }

    /// Each slot's elementwise map and width, when the fused map applies: fused kernels on
    /// `D` and every slot's bijector the elementwise one `biject_to` builds for its support.
    pub(crate) fn elementwise_maps(
        &self,
    ) -> Option<Vec<(super::elementwise_map::ElementwiseMap, usize)>> {
        use super::elementwise_map::ElementwiseMap;
        if !crate::backend::ops::fused::use_fused::<E, D>() {
            return None;
        }
        self.slots
            .iter()
            .map(|slot| {
                let (map, bijector) = ElementwiseMap::of(&slot.support)?;
                (slot.bijector.name() == bijector && slot.columns == slot.unconstrained_columns)
                    .then_some((map, slot.unconstrained_columns))
            })
            .collect()
    }

    /// The sites' values from one block per slot, in slot order.
    pub(crate) fn site_values(&self, blocks: Vec<Var<E, D>>) -> Values<E, D> {
        let mut values = Values::with_capacity(self.slots.len());
        for (slot, block) in self.slots.iter().zip(blocks) {
            values.insert(slot.name.clone(), block);
        }
        values
    }

    /// The unconstrained starting point `(1, dimension)` chosen by `strategy`.
    ///
    /// # Errors
    /// [`Error::Site`] when a given initial value has the wrong size or lies outside the
    /// support.
    ///
    /// # Examples
    /// ```
    /// use flowppl::infer::LatentLayout;
    /// use flowppl::ppl::model_fn;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// // mu on the reals, s > 0: one unconstrained coordinate each.
    /// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    ///     ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    ///     ctx.sample("s", Exponential::new(1.0)?, None)?;
    ///     Ok(())
    /// });
    /// let dev = Cpu::default();
    /// let layout = LatentLayout::of(&model, &dev, 0)?;
    /// let init = InitStrategy::Values([("mu".to_string(), vec![0.3]), ("s".to_string(), vec![2.0])].into());
    /// let point = layout.initial_point(&model, &dev, &init, 0)?;
    /// assert!((point[0] - 0.3).abs() < 1e-12 && (point[1] - 2f64.ln()).abs() < 1e-12);
    /// assert_eq!(layout.initial_point(&model, &dev, &InitStrategy::Feasible, 0)?, [0.0, 0.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn initial_point(
        &self,
        model: &dyn Model<E, D>,
        device: &D,
        strategy: &InitStrategy,
        seed: u64,
    ) -> Result<Vec<f64>> {
        strategy.unconstrained_point(self, model, device, seed)
    }
}
