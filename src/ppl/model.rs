//! The [`Model`] trait: a probabilistic program.

use super::context::Ctx;
use crate::backend::{Backend, Real};
use crate::error::Result;

/// A probabilistic program: code that calls the primitives of a [`Ctx`] (`sample`, `observe`,
/// `param`, `deterministic`, `plate`). Models written with the `model!` macro implement it; so
/// does a closure wrapped by [`model_fn`], and every handler wrapper (`condition`,
/// `intervene`, `block`, ...).
///
/// # Examples
/// ```
/// use flowppl::handlers::trace;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// struct Unit; // x ~ N(0, 1), observed at 1
/// impl Model<f64, Cpu> for Unit {
///     fn run(&self, ctx: &mut Ctx<'_, f64, Cpu>) -> flowppl::Result<()> {
///         let x = Var::scalar(ctx.device(), 1.0);
///         ctx.observe("x", Normal::new(0.0, 1.0)?, x, None)?;
///         Ok(())
///     }
/// }
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&Unit, &mut Ctx::new(&Cpu::default(), &mut rng))?;
/// let want = -0.5 - 0.5 * (2.0 * std::f64::consts::PI).ln();
/// assert!((t.log_joint()?.item()? - want).abs() < 1e-12);
/// assert_eq!(Model::<f64, Cpu>::name(&Unit), "model"); // the default name
/// # Ok(())
/// # }
/// ```
pub trait Model<E: Real, D: Backend<E>> {
    /// Runs the program once.
    ///
    /// # Errors
    /// Errors of the program, naming the site where they happened.
    fn run(&self, ctx: &mut Ctx<'_, E, D>) -> Result<()>;

    /// The model's name, used in messages and reports.
    fn name(&self) -> &str {
        "model"
    }

    /// The sites written in the model's source (filled in by `model!`; empty otherwise).
    fn declared_sites(&self) -> &'static [super::dsl::SiteDeclaration] {
        &[]
    }
}

/// A model written as a closure; see [`model_fn`].
///
/// # Examples
/// ```
/// use flowppl::ppl::{model_fn, FnModel};
/// use flowppl::prelude::*;
/// let m: FnModel<_> = model_fn("coin", |ctx: &mut Ctx<'_, f64, Cpu>| {
///     ctx.sample("p", Beta::new(1.0, 1.0)?, None)?;
///     Ok(())
/// });
/// assert_eq!(Model::<f64, Cpu>::name(&m), "coin");
/// ```
pub struct FnModel<F> {
    name: String,
    body: F,
}

/// Turns a closure `|ctx| { ...; Ok(()) }` into a [`Model`] called `name`.
///
/// # Examples
/// ```
/// use flowppl::handlers::trace;
/// use flowppl::ppl::model_fn;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let model = model_fn("pair", |ctx: &mut Ctx<'_, f64, Cpu>| {
///     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
///     ctx.sample("b", Normal::new(&a, 1.0)?, None)?;
///     Ok(())
/// });
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&model, &mut Ctx::new(&Cpu::default(), &mut rng).with_particles(4))?;
/// assert_eq!(t.names().collect::<Vec<_>>(), ["a", "b"]);
/// assert_eq!(t.value("b").unwrap().shape(), (4, 1));
/// # Ok(())
/// # }
/// ```
pub fn model_fn<E: Real, D: Backend<E>, F>(name: &str, body: F) -> FnModel<F>
where
    F: Fn(&mut Ctx<'_, E, D>) -> Result<()>,
{
    FnModel {
        name: name.to_string(),
        body,
    }
}

impl<E: Real, D: Backend<E>, F> Model<E, D> for FnModel<F>
where
    F: Fn(&mut Ctx<'_, E, D>) -> Result<()>,
{
    fn run(&self, ctx: &mut Ctx<'_, E, D>) -> Result<()> {
        (self.body)(ctx)
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl<E: Real, D: Backend<E>, M: Model<E, D> + ?Sized> Model<E, D> for &M {
    fn run(&self, ctx: &mut Ctx<'_, E, D>) -> Result<()> {
        (**self).run(ctx)
    }
    fn name(&self) -> &str {
        (**self).name()
    }
}

impl<E: Real, D: Backend<E>> Model<E, D> for Box<dyn Model<E, D>> {
    fn run(&self, ctx: &mut Ctx<'_, E, D>) -> Result<()> {
        (**self).run(ctx)
    }
    fn name(&self) -> &str {
        (**self).name()
    }
}
