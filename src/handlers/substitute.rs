//! `substitute`: fix the values of sites, keeping their log-density.

use super::{Handled, Values};
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Handler, Site, SiteKind};
use std::rc::Rc;

/// Sets the named latent sample sites and param sites to the given values. Unlike `condition`
/// the sites stay latent (their log-density is part of the prior), and unlike `intervene`
/// their log-density is kept. Autoguides use it to run the model at the guide's draws. Sites
/// fixed by [`intervene`](super::intervene) keep their intervened value.
pub struct Substitute<E: Real, D: Backend<E>> {
    values: Rc<Values<E, D>>,
}

impl<E: Real, D: Backend<E>> Clone for Substitute<E, D> {
    fn clone(&self) -> Self {
        Substitute {
            values: self.values.clone(),
        }
    }
}

impl<E: Real, D: Backend<E>> Handler<E, D> for Substitute<E, D> {
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        // An intervened site is no longer random: `do` wins over a substituted draw (so a
        // posterior predictive under `intervene` sees the intervention).
        let eligible = ((site.kind == SiteKind::Sample && !site.observed)
            || site.kind == SiteKind::Param)
            && !site.intervened;
        if eligible {
            if let Some(value) = self.values.get(&site.name) {
                site.value = Some(value.clone());
            }
        }
        Ok(())
    }
}

/// `model` with the sites named in `values` fixed to them.
pub fn substitute<E: Real, D: Backend<E>, M>(
    model: M,
    values: Values<E, D>,
) -> Handled<M, Substitute<E, D>> {
    Handled::new(
        model,
        Substitute {
            values: Rc::new(values),
        },
    )
}
