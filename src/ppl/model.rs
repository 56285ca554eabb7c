//! The [`Model`] trait: a probabilistic program.

use super::context::Ctx;
use crate::backend::{Backend, Real};
use crate::error::Result;

/// A probabilistic program: code that calls the primitives of a [`Ctx`] (`sample`, `observe`,
/// `param`, `deterministic`, `plate`). Models written with the `model!` macro implement it; so
/// does a closure wrapped by [`model_fn`], and every handler wrapper (`condition`,
/// `intervene`, `block`, ...).
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
pub struct FnModel<F> {
    name: String,
    body: F,
}

/// Turns a closure `|ctx| { ...; Ok(()) }` into a [`Model`] called `name`.
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
