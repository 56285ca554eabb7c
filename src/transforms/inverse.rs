//! The inverse of a bijector.

use super::bijector::Bijector;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// Swaps the directions of a bijector: `forward` is the wrapped `inverse` and vice versa.
pub struct Inverse<E: Real, D: Backend<E>> {
    inner: Box<dyn Bijector<E, D>>,
}

impl<E: Real, D: Backend<E>> Inverse<E, D> {
    /// The inverse of `inner`.
    pub fn new(inner: Box<dyn Bijector<E, D>>) -> Self {
        Inverse { inner }
    }
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for Inverse<E, D> {
    fn name(&self) -> &'static str {
        "Inverse"
    }
    fn forward(
        &self,
        x: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        self.inner.inverse(x, context)
    }
    fn inverse(
        &self,
        y: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        self.inner.forward(y, context)
    }
    fn output_columns(&self, input_columns: usize) -> Result<usize> {
        self.inner.input_columns(input_columns)
    }
    fn input_columns(&self, output_columns: usize) -> Result<usize> {
        self.inner.output_columns(output_columns)
    }
}
