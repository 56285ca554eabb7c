//! `intervene`: Pearl's `do` operator.

use super::{Handled, Values};
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Handler, Site, SiteKind};
use std::rc::Rc;

/// `do(x = a)`: sets the named sample sites to the given values, which flow downstream, and
/// drops their log-density (the mechanism that generated them is cut). Ancestors are
/// unaffected; descendants follow the intervened value.
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
