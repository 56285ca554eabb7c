//! The Dirichlet distribution.

use super::distribution::Distribution;
use super::gamma_sampler::standard_gamma_rsample;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::{Error, Result};

/// `Dirichlet(concentration)`: a distribution over probability vectors; each row of
/// `concentration` (`(rows, K)`, positive) is one distribution, each row of a value one event.
/// Log-density `sum_i (a_i - 1) ln x_i + lgamma(sum_i a_i) - sum_i lgamma(a_i)`.
///
/// Reparameterised: `x = g / sum(g)` with `g_i ~ Gamma(a_i, 1)` drawn with implicit gradients.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let alpha = Var::<f64, Cpu>::from_rows(&dev, &[[2.0, 3.0, 4.0]])?;
/// let d = Dirichlet::new(alpha)?;
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let x = d.sample(&mut rng)?.to_f64_vec();
/// assert_eq!(x.len(), 3);
/// assert!((x.iter().sum::<f64>() - 1.0).abs() < 1e-9);
/// // One log-density per row (the whole row is one event).
/// assert_eq!(d.log_prob(&Var::from_rows(&dev, &[[0.2, 0.3, 0.5]])?)?.shape(), (1, 1));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Dirichlet<E: Real = f32, D: Backend<E> = Cpu> {
    concentration: Var<E, D>,
}

impl<E: Real, D: Backend<E>> Dirichlet<E, D> {
    /// A Dirichlet with positive `concentration`, `(rows, K)` with `K >= 2`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a non-positive entry; [`Error::InvalidShape`] for `K < 2`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// // Dirichlet(1, 1, 1) is uniform on the simplex with density Gamma(3) = 2.
    /// let d = Dirichlet::new(Var::<f64, Cpu>::full(&dev, 1, 3, 1.0))?;
    /// let lp = d.log_prob(&Var::from_rows(&dev, &[[0.2, 0.3, 0.5]])?)?.item()?;
    /// assert!((lp - 2f64.ln()).abs() < 1e-10);
    /// assert!(Dirichlet::new(Var::<f64, Cpu>::full(&dev, 1, 1, 1.0)).is_err());
    /// assert!(Dirichlet::new(Var::<f64, Cpu>::full(&dev, 1, 2, -1.0)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(concentration: impl Into<Var<E, D>>) -> Result<Self> {
        let concentration = concentration.into();
        concentration.check()?;
        if concentration.columns() < 2 {
            return Err(Error::invalid_shape(
                "Dirichlet",
                format!(
                    "concentration needs at least 2 columns, found {:?}",
                    concentration.shape()
                ),
            ));
        }
        if let Some(bad) = concentration
            .to_f64_vec()
            .into_iter()
            .find(|a| !(*a > 0.0 && a.is_finite()))
        {
            return Err(Error::invalid_parameter(
                "Dirichlet",
                "concentration",
                bad,
                "must be positive and finite",
            ));
        }
        Ok(Dirichlet { concentration })
    }
}

impl<E: Real, D: Backend<E>> Distribution<E, D> for Dirichlet<E, D> {
    fn name(&self) -> &'static str {
        "Dirichlet"
    }
    fn sample_shape(&self) -> (usize, usize) {
        self.concentration.shape()
    }
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>> {
        Ok(Box::new(Dirichlet {
            concentration: self.concentration.broadcast_to(rows, columns)?,
        }))
    }
    fn event_dim(&self) -> usize {
        1
    }
    fn support(&self) -> Constraint {
        Constraint::Simplex
    }
    fn log_prob_unchecked(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        let a = &self.concentration;
        let kernel = x.ln().mul(&a.add_scalar(-1.0))?.sum_columns();
        let normaliser = a.sum_columns().lgamma() - a.lgamma().sum_columns();
        kernel.add(&normaliser)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let g = standard_gamma_rsample(&self.concentration, rng);
        g.div(&g.sum_columns())
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        let a = &self.concentration;
        a.div(&a.sum_columns())
    }
    fn variance(&self) -> Result<Var<E, D>> {
        // a_i (a0 - a_i) / (a0^2 (a0 + 1))
        let a = &self.concentration;
        let a0 = a.sum_columns();
        let numerator = a.mul(&(-a).add(&a0)?)?;
        numerator.div(&a0.square().mul(&a0.add_scalar(1.0))?)
    }
}
