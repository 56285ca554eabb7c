//! `trace`: record every site of a run.

use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Ctx, Handler, Model, Site, Trace};
use std::cell::RefCell;
use std::rc::Rc;

/// Records each site after its value is decided, into a shared [`Trace`].
pub struct TraceRecorder<E: Real, D: Backend<E>> {
    trace: Rc<RefCell<Trace<E, D>>>,
}

impl<E: Real, D: Backend<E>> Handler<E, D> for TraceRecorder<E, D> {
    fn postprocess(&mut self, site: &mut Site<E, D>) -> Result<()> {
        self.trace.borrow_mut().push(site.clone())
    }
}

/// Runs `model` once in `ctx` and returns the record of its sites.
///
/// # Errors
/// Errors of the model; [`Error::Model`](crate::Error::Model) for a repeated site name.
pub fn trace<E: Real, D: Backend<E>, M: Model<E, D> + ?Sized>(
    model: &M,
    ctx: &mut Ctx<'_, E, D>,
) -> Result<Trace<E, D>> {
    let shared = Rc::new(RefCell::new(Trace::default()));
    let recorder = TraceRecorder {
        trace: shared.clone(),
    };
    ctx.with_handler(Box::new(recorder), |ctx| model.run(ctx))?;
    let trace = shared.borrow().clone();
    Ok(trace)
}
