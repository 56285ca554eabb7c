//! `mask`: remove sites' log-densities.

use super::Handled;
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Handler, Site};
use std::rc::Rc;

/// Excludes the chosen sites from the log joint (their values are still drawn and used).
pub struct Mask {
    exclude: Rc<dyn Fn(&str) -> bool>,
}

impl Clone for Mask {
    fn clone(&self) -> Self {
        Mask {
            exclude: self.exclude.clone(),
        }
    }
}

impl<E: Real, D: Backend<E>> Handler<E, D> for Mask {
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        if (self.exclude)(&site.name) {
            site.mask = false;
        }
        Ok(())
    }
}

/// `model` with the log-density of every site for which `exclude(name)` is true removed.
pub fn mask<M>(model: M, exclude: impl Fn(&str) -> bool + 'static) -> Handled<M, Mask> {
    Handled::new(
        model,
        Mask {
            exclude: Rc::new(exclude),
        },
    )
}
