//! The [`Handler`] trait: one effect on the sites of a running model.

use super::site::Site;
use crate::backend::{Backend, Real};
use crate::error::Result;

/// An effect handler (Pyro's "messenger"). Handlers sit on a stack; every site is passed to
/// [`Handler::process`] from the innermost handler outwards until one sets `site.stop`, then the
/// default behaviour runs (sampling, if no handler set a value), then [`Handler::postprocess`]
/// runs on the same handlers from the outermost inwards.
pub trait Handler<E: Real, D: Backend<E>> {
    /// Inspect or change a site before its value is decided.
    ///
    /// # Errors
    /// Whatever the handler finds wrong, e.g. an intervention of the wrong shape.
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        let _ = site;
        Ok(())
    }

    /// Inspect or record a site after its value is decided.
    ///
    /// # Errors
    /// Whatever the handler finds wrong.
    fn postprocess(&mut self, site: &mut Site<E, D>) -> Result<()> {
        let _ = site;
        Ok(())
    }
}
