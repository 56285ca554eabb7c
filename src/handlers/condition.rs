//! `condition`: fix sites to observed data.

use super::{Handled, Values};
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Handler, Site, SiteKind};
use std::rc::Rc;

/// Sets the named sample sites to the given data and marks them observed: their log-density
/// counts as likelihood.
pub struct Condition<E: Real, D: Backend<E>> {
    data: Rc<Values<E, D>>,
}

impl<E: Real, D: Backend<E>> Clone for Condition<E, D> {
    fn clone(&self) -> Self {
        Condition {
            data: self.data.clone(),
        }
    }
}

impl<E: Real, D: Backend<E>> Handler<E, D> for Condition<E, D> {
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        if site.kind == SiteKind::Sample {
            if let Some(value) = self.data.get(&site.name) {
                site.value = Some(value.clone());
                site.observed = true;
            }
        }
        Ok(())
    }
}

/// `model` with the sites named in `data` observed at those values.
pub fn condition<E: Real, D: Backend<E>, M>(
    model: M,
    data: Values<E, D>,
) -> Handled<M, Condition<E, D>> {
    Handled::new(
        model,
        Condition {
            data: Rc::new(data),
        },
    )
}
