//! The [`Handler`] trait: one effect on the sites of a running model.

use super::site::Site;
use crate::backend::{Backend, Real};
use crate::error::Result;

/// An effect handler (Pyro's "messenger"). Handlers sit on a stack; every site is passed to
/// [`Handler::process`] from the innermost handler outwards until one sets `site.stop`, then the
/// default behaviour runs (sampling, if no handler set a value), then [`Handler::postprocess`]
/// runs on the same handlers from the outermost inwards.
///
/// # Examples
/// ```
/// use flowppl::ppl::{Handler, Site};
/// # use flowppl::prelude::*;
/// # use std::{cell::RefCell, rc::Rc};
/// # fn main() -> flowppl::Result<()> {
/// struct Names(Rc<RefCell<Vec<String>>>); // records the names of the sites it sees
/// impl Handler<f64, Cpu> for Names {
///     fn postprocess(&mut self, site: &mut Site<f64, Cpu>) -> flowppl::Result<()> {
///         self.0.borrow_mut().push(site.name.clone());
///         Ok(())
///     }
/// }
/// let seen = Rc::new(RefCell::new(Vec::new()));
/// # let mut rng = flowppl::backend::rng::seeded(0);
/// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
/// ctx.with_handler(Box::new(Names(seen.clone())), |ctx| {
///     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
///     ctx.deterministic("b", a.mul_scalar(2.0)).map(|_| ())
/// })?;
/// assert_eq!(*seen.borrow(), ["a", "b"]);
/// # Ok(())
/// # }
/// ```
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
