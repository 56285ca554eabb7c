//! `scale`: multiply log-densities.

use super::Handled;
use crate::backend::{Backend, Real};
use crate::error::{Error, Result};
use crate::ppl::{Handler, Site};

// ANCHOR: handler
/// Multiplies every site's log-density by a positive factor (for example `N / batch` for
/// minibatches, or an annealing weight).
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    factor: f64,
}

impl<E: Real, D: Backend<E>> Handler<E, D> for Scale {
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        site.scale *= self.factor;
        Ok(())
    }
}

/// `model` with its log-densities multiplied by `factor`.
///
/// # Errors
/// [`Error::InvalidConfig`] unless `factor` is positive and finite.
pub fn scale<M>(model: M, factor: f64) -> Result<Handled<M, Scale>> {
    if !(factor > 0.0 && factor.is_finite()) {
        return Err(Error::InvalidConfig {
            what: "scale".into(),
            message: format!("the factor must be positive and finite, got {factor}"),
        });
    }
    Ok(Handled::new(model, Scale { factor }))
}
// ANCHOR_END: handler
