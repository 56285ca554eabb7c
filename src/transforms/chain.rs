//! Composition of bijectors.

use super::bijector::Bijector;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// `f_n o ... o f_1`: forward applies the parts in order and adds their log-determinants;
/// inverse applies their inverses in reverse order.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::{Affine, Bijector, Chain, Exp};
/// # fn main() -> flowppl::Result<()> {
/// // y = 1 + 2 e^x, log |det J| = x + ln 2.
/// let chain = Chain::<f64, Cpu>::new(vec![Box::new(Exp), Box::new(Affine::new(1.0, 2.0)?)]);
/// let x = Var::from_rows(&Cpu::default(), &[[0.0f64]])?;
/// let (y, log_det) = chain.forward(&x, None)?;
/// assert_eq!(y.to_vec(), vec![3.0]);
/// assert!((log_det.to_vec()[0] - 2f64.ln()).abs() < 1e-12);
/// let (back, inverse_log_det) = chain.inverse(&y, None)?;
/// assert!(back.to_vec()[0].abs() < 1e-12);
/// assert!((inverse_log_det.to_vec()[0] + 2f64.ln()).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub struct Chain<E: Real, D: Backend<E>> {
    parts: Vec<Box<dyn Bijector<E, D>>>,
}

impl<E: Real, D: Backend<E>> Chain<E, D> {
    /// The composition of `parts`, first applied first.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl::transforms::{Affine, Bijector, Chain, Sigmoid};
    /// # fn main() -> flowppl::Result<()> {
    /// // Onto the interval (2, 5): y = 2 + 3 sigmoid(x).
    /// let onto = Chain::<f64, Cpu>::new(vec![Box::new(Sigmoid), Box::new(Affine::new(2.0, 3.0)?)]);
    /// let x = Var::from_rows(&Cpu::default(), &[[0.0f64]])?;
    /// let (y, log_det) = onto.forward(&x, None)?;
    /// assert_eq!(y.to_vec(), vec![3.5]);
    /// // ln sigmoid'(0) + ln 3 = ln(1/4) + ln 3
    /// assert!((log_det.to_vec()[0] - 0.75f64.ln()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(parts: Vec<Box<dyn Bijector<E, D>>>) -> Self {
        Chain { parts }
    }

    /// The parts, first applied first.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::Cpu;
    /// use flowppl::transforms::{Chain, Exp, Identity};
    /// let chain = Chain::<f64, Cpu>::new(vec![Box::new(Exp), Box::new(Identity)]);
    /// assert_eq!(chain.parts().len(), 2);
    /// assert_eq!(chain.parts()[0].name(), "Exp");
    /// assert_eq!(chain.parts()[1].name(), "Identity");
    /// ```
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
