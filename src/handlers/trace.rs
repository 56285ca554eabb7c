//! `trace`: record every site of a run.

use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Ctx, Handler, Model, Site, Trace};
use std::cell::RefCell;
use std::rc::Rc;

/// Records each site after its value is decided, into a shared [`Trace`].
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{trace};
/// use flowppl::ppl::model_fn;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // a ~ N(0, 1); y ~ N(a, 1) observed at 1.
/// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
///     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
///     ctx.observe("y", Normal::new(&a, 1.0)?, Var::scalar(ctx.device(), 1.0), None)?;
///     Ok(())
/// });
/// # let (dev, mut rng) = (Cpu::default(), seeded(0));
/// // `trace` pushes a recorder on the handler stack; it sees every site, in order.
/// let t = trace(&model, &mut Ctx::new(&dev, &mut rng).with_particles(4))?;
/// assert_eq!(t.names().collect::<Vec<_>>(), ["a", "y"]);
/// assert_eq!(t.value("a").unwrap().shape(), (4, 1));
/// assert!(t.get("y").unwrap().observed);
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{trace};
/// use flowppl::ppl::model_fn;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // a ~ N(0, 1); y ~ N(a, 1) observed at 1.
/// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
///     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
///     ctx.observe("y", Normal::new(&a, 1.0)?, Var::scalar(ctx.device(), 1.0), None)?;
///     Ok(())
/// });
/// # let (dev, mut rng) = (Cpu::default(), seeded(0));
/// let ln_n = |x: f64, m: f64| -0.5 * (x - m).powi(2) - 0.5 * std::f64::consts::TAU.ln();
/// let t = trace(&model, &mut Ctx::new(&dev, &mut rng))?;
/// let a = t.value("a").unwrap().item()?;
/// // The log joint is the sum of the recorded sites' log-densities.
/// assert!((t.log_joint()?.item()? - (ln_n(a, 0.0) + ln_n(1.0, a))).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub fn trace<E: Real, D: Backend<E>, M: Model<E, D> + ?Sized>(
    model: &M,
    ctx: &mut Ctx<'_, E, D>,
) -> Result<Trace<E, D>> {
    let shared = Rc::new(RefCell::new(Trace::with_capacity(8)));
    let recorder = TraceRecorder {
        trace: shared.clone(),
    };
    ctx.with_handler(Box::new(recorder), |ctx| model.run(ctx))?;
    // The recorder left the stack with the run, so the trace is normally ours alone: take it
    // rather than copy every site.
    let trace = match Rc::try_unwrap(shared) {
        Ok(cell) => cell.into_inner(),
        Err(shared) => shared.borrow().clone(),
    };
    Ok(trace)
}
