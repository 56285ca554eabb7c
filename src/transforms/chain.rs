//! Composition of bijectors.

use super::bijector::Bijector;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// `f_n o ... o f_1`: forward applies the parts in order and adds their log-determinants;
/// inverse applies their inverses in reverse order.
pub struct Chain<E: Real, D: Backend<E>> {
    parts: Vec<Box<dyn Bijector<E, D>>>,
}

impl<E: Real, D: Backend<E>> Chain<E, D> {
    /// The composition of `parts`, first applied first.
    pub fn new(parts: Vec<Box<dyn Bijector<E, D>>>) -> Self {
        Chain { parts }
    }

    /// The parts, first applied first.
    pub fn parts(&self) -> &[Box<dyn Bijector<E, D>>] {
        &self.parts
    }
}

/// Applies `step` to each part in turn, summing the log-determinants.
fn accumulate<'a, E: Real, D: Backend<E> + 'a>(
    start: &Var<E, D>,
    parts: impl Iterator<Item = &'a Box<dyn Bijector<E, D>>>,
    step: impl Fn(&dyn Bijector<E, D>, &Var<E, D>) -> Result<(Var<E, D>, Var<E, D>)>,
) -> Result<(Var<E, D>, Var<E, D>)> {
    let mut value = start.clone();
    let mut total = Var::zeros(&start.device(), start.rows(), 1);
    for part in parts {
        let (next, log_det) = step(part.as_ref(), &value)?;
        total = total.add(&log_det)?;
        value = next;
    }
    Ok((value, total))
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for Chain<E, D> {
    fn name(&self) -> &'static str {
        "Chain"
    }
    fn forward(
        &self,
        x: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        accumulate(x, self.parts.iter(), |part, v| part.forward(v, context))
    }
    fn inverse(
        &self,
        y: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        accumulate(y, self.parts.iter().rev(), |part, v| {
            part.inverse(v, context)
        })
    }
    fn has_inverse(&self) -> bool {
        self.parts.iter().all(|p| p.has_inverse())
    }
    fn output_columns(&self, input_columns: usize) -> Result<usize> {
        self.parts
            .iter()
            .try_fold(input_columns, |c, p| p.output_columns(c))
    }
    fn input_columns(&self, output_columns: usize) -> Result<usize> {
        self.parts
            .iter()
            .rev()
            .try_fold(output_columns, |c, p| p.input_columns(c))
    }
}
