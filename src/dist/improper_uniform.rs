//! The improper flat density on a support.

use super::distribution::{impl_expand, noise, Distribution};
use crate::backend::rng::open_uniforms;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::{biject_to, Constraint};
use crate::error::Result;
use std::marker::PhantomData;

/// A flat (improper) "distribution" on a support: `ln p(x) = 0` for every valid `x`. It
/// expresses Stan's parameters without a prior statement (flat on the constrained space).
/// It cannot be normalised, so `sample` returns a *starting point*, not a draw: unconstrained
/// `Uniform(-2, 2)` values pushed onto the support, as NumPyro's `ImproperUniform`. Mean and
/// variance are NaN.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let flat = ImproperUniform::<f64, Cpu>::new(Constraint::Positive, 1, 2)?;
/// // Zero log-density on the support, -inf off it.
/// let lp = flat.log_prob(&Var::from_rows(&dev, &[[3.0, -1.0]])?)?.to_f64_vec();
/// assert_eq!(lp, vec![0.0, f64::NEG_INFINITY]);
/// let mut rng = flowppl::backend::rng::seeded(0);
/// assert!(flat.sample(&mut rng)?.to_f64_vec().iter().all(|&x| x > 0.0));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ImproperUniform<E: Real = f32, D: Backend<E> = Cpu> {
    support: Constraint,
    shape: (usize, usize),
    marker: PhantomData<(E, D)>,
}

impl<E: Real, D: Backend<E>> ImproperUniform<E, D> {
    /// A flat density on `support` with draws of `(rows, columns)` (for a row constraint such as
    /// a simplex, `columns` is the event size).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig) for a discrete support.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let d = ImproperUniform::<f64, Cpu>::new(Constraint::Simplex, 2, 3)?;
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let start = d.sample(&mut rng)?;
    /// assert_eq!(start.shape(), (2, 3));
    /// assert!((start.sum().item()? - 2.0).abs() < 1e-9); // each row sums to 1
    /// assert!(ImproperUniform::<f64, Cpu>::new(Constraint::Boolean, 1, 1).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(support: Constraint, rows: usize, columns: usize) -> Result<Self> {
        biject_to::<E, D>(&support)?;
        Ok(ImproperUniform {
            support,
            shape: (rows, columns),
            marker: PhantomData,
        })
    }
}

impl_expand!(ImproperUniform);

impl<E: Real, D: Backend<E>> Distribution<E, D> for ImproperUniform<E, D> {
    fn name(&self) -> &'static str {
        "ImproperUniform"
    }
    fn sample_shape(&self) -> (usize, usize) {
        self.shape
    }
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>> {
        Ok(Box::new(self.clone().expand(rows, columns)?))
    }
    fn event_dim(&self) -> usize {
        usize::from(self.support.is_row_constraint())
    }
    fn support(&self) -> Constraint {
        self.support
    }
    fn log_prob_unchecked(&self, value: &Var<E, D>) -> Result<Var<E, D>> {
        // 0 * x keeps the value's shape (and its graph) in the result.
        let zeros = value * 0.0;
        Ok(if self.support.is_row_constraint() {
            zeros.sum_columns()
        } else {
            zeros
        })
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let bijector = biject_to::<E, D>(&self.support)?;
        let columns = bijector.input_columns(self.shape.1)?;
        let values = open_uniforms(rng, self.shape.0 * columns)
            .into_iter()
            .map(|u| 4.0 * u - 2.0)
            .collect();
        let device = D::open()?;
        let raw: Var<E, D> = noise(&device, (self.shape.0, columns), values)?;
        Ok(bijector.forward(&raw, None)?.0)
    }
    fn mean(&self) -> Result<Var<E, D>> {
        Ok(Var::full(&D::open()?, self.shape.0, self.shape.1, f64::NAN))
    }
    fn variance(&self) -> Result<Var<E, D>> {
        Ok(Var::full(&D::open()?, self.shape.0, self.shape.1, f64::NAN))
    }
}
