//! `intervene`: Pearl's `do` operator.

use super::{Handled, Values};
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Handler, Site, SiteKind};
use std::rc::Rc;

/// `do(x = a)`: sets the named sample sites to the given values, which flow downstream, and
/// drops their log-density (the mechanism that generated them is cut). Ancestors are
/// unaffected; descendants follow the intervened value.
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{intervene, trace, values};
/// # use flowppl::ppl::model_fn;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // `model`: a ~ N(0, 1); y ~ N(a, 1) observed at 1.
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
/// #     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
/// #     ctx.observe("y", Normal::new(&a, 1.0)?, Var::scalar(ctx.device(), 1.0), None)?;
/// #     Ok(())
/// # });
/// # let (dev, mut rng) = (Cpu::default(), seeded(0));
/// let t = trace(
///     &intervene(model, values([("a", Var::scalar(&dev, 0.5))])),
///     &mut Ctx::new(&dev, &mut rng),
/// )?;
/// let a = t.get("a").unwrap();
/// assert!(a.intervened && !a.observed);
/// assert_eq!(a.value.as_ref().unwrap().item()?, 0.5);
/// # Ok(())
/// # }
/// ```
pub struct Intervene<E: Real, D: Backend<E>> {
    values: Rc<Values<E, D>>,
}

impl<E: Real, D: Backend<E>> Clone for Intervene<E, D> {
    fn clone(&self) -> Self {
        Intervene {
            values: self.values.clone(),
        }
    }
}

impl<E: Real, D: Backend<E>> Handler<E, D> for Intervene<E, D> {
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        if site.kind == SiteKind::Sample {
            if let Some(value) = self.values.get(&site.name) {
                site.value = Some(value.clone());
                site.intervened = true;
                site.observed = false;
            }
        }
        Ok(())
    }
}

/// `model` under `do(name = value)` for every entry of `values`.
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{intervene, trace, values};
/// # use flowppl::ppl::model_fn;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // `model`: a ~ N(0, 1); y ~ N(a, 1) observed at 1.
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
/// #     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
/// #     ctx.observe("y", Normal::new(&a, 1.0)?, Var::scalar(ctx.device(), 1.0), None)?;
/// #     Ok(())
/// # });
/// # let (dev, mut rng) = (Cpu::default(), seeded(0));
/// let ln_n = |x: f64, m: f64| -0.5 * (x - m).powi(2) - 0.5 * std::f64::consts::TAU.ln();
/// let t = trace(
///     &intervene(model, values([("a", Var::scalar(&dev, 0.5))])),
///     &mut Ctx::new(&dev, &mut rng),
/// )?;
/// // do(a = 0.5): y sees a = 0.5, and a's own density is dropped.
/// assert!((t.log_joint()?.item()? - ln_n(1.0, 0.5)).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub fn intervene<E: Real, D: Backend<E>, M>(
    model: M,
    values: Values<E, D>,
) -> Handled<M, Intervene<E, D>> {
    Handled::new(
        model,
        Intervene {
            values: Rc::new(values),
        },
    )
}
