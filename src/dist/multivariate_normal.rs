//! The multivariate normal distribution, parameterised by a Cholesky factor.

use super::distribution::{noise, Distribution};
use crate::backend::rng::standard_normals;
use crate::backend::{arithmetic_shape, Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use std::f64::consts::TAU;

/// `MultivariateNormal(loc, scale_tril)`: each row is one `d`-dimensional event with mean the
/// matching row of `loc` (`(rows, d)` or `(1, d)`) and covariance `L L^T`, `L = scale_tril`
/// lower-triangular with a positive diagonal. Log-density
/// `-|L^-1 (x - loc)|^2 / 2 - sum_i ln L_ii - d ln(2 pi) / 2`.
///
/// Reparameterised: `x = loc + L eps`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let loc = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, -1.0]])?;
/// let d = MultivariateNormal::new(loc.clone(), Var::identity(&dev, 2))?;
/// // Standard 2-d normal density at its mean: 1 / (2 pi).
/// assert!((d.log_prob(&loc)?.item()? + (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
/// let mut rng = flowppl::backend::rng::seeded(0);
/// assert_eq!(d.expand_to(3, 2)?.sample(&mut rng)?.shape(), (3, 2));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct MultivariateNormal<E: Real = f32, D: Backend<E> = Cpu> {
    loc: Var<E, D>,
    scale_tril: Var<E, D>,
}

impl<E: Real, D: Backend<E>> MultivariateNormal<E, D> {
    /// From a mean and a lower Cholesky factor (entries above the diagonal are ignored).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `scale_tril` is not `(d, d)` for `loc` of `d` columns;
    /// [`Error::InvalidParameter`] for a non-positive diagonal or non-finite entries.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let loc = Var::<f64, Cpu>::zeros(&dev, 1, 2);
    /// let tril = Var::from_rows(&dev, &[[2.0, 0.0], [0.0, 1.0]])?;
    /// let d = MultivariateNormal::new(loc.clone(), tril)?;
    /// // det(L) = 2: ln p(0) = -ln 2 - ln(2 pi).
    /// assert!((d.log_prob(&loc)?.item()? + 2f64.ln() + (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
    /// let bad = Var::from_rows(&dev, &[[-1.0, 0.0], [0.0, 1.0]])?;
    /// assert!(MultivariateNormal::new(loc.clone(), bad).is_err());
    /// assert!(MultivariateNormal::new(loc, Var::identity(&dev, 3)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(loc: impl Into<Var<E, D>>, scale_tril: impl Into<Var<E, D>>) -> Result<Self> {
        let (loc, scale_tril) = (loc.into(), scale_tril.into());
        loc.check()?;
        scale_tril.check()?;
        let d = loc.columns();
        if scale_tril.shape() != (d, d) {
            return Err(Error::ShapeMismatch {
                operation: "MultivariateNormal",
                left: loc.shape(),
                right: scale_tril.shape(),
                hint: "; scale_tril must be (d, d) for a loc with d columns".into(),
            });
        }
        if let Some(bad) = loc.to_f64_vec().into_iter().find(|v| !v.is_finite()) {
            return Err(Error::invalid_parameter(
                "MultivariateNormal",
                "loc",
                bad,
                "must be finite",
            ));
        }
        let l = scale_tril.to_f64_vec();
        if let Some(bad) = (0..d)
            .map(|i| l[i * d + i])
            .find(|v| !(*v > 0.0 && v.is_finite()))
        {
            return Err(Error::invalid_parameter(
                "MultivariateNormal",
                "scale_tril",
                bad,
                "must have a positive, finite diagonal",
            ));
        }
        Ok(MultivariateNormal {
            loc,
            scale_tril: scale_tril.lower_triangle(0),
        })
    }

    /// From a mean and a covariance matrix (factorised by Cholesky, differentiably).
    ///
    /// # Errors
    /// [`Error::Numerical`] when the covariance is not positive definite; as [`Self::new`].
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let loc = Var::<f64, Cpu>::zeros(&dev, 1, 2);
    /// let cov = Var::from_rows(&dev, &[[4.0, 0.0], [0.0, 1.0]])?;
    /// let d = MultivariateNormal::from_covariance(loc.clone(), &cov)?;
    /// assert!((d.log_prob(&loc)?.item()? + 2f64.ln() + (2.0 * std::f64::consts::PI).ln()).abs() < 1e-10);
    /// let not_pd = Var::from_rows(&dev, &[[1.0, 2.0], [2.0, 1.0]])?;
    /// assert!(MultivariateNormal::from_covariance(loc, &not_pd).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_covariance(loc: impl Into<Var<E, D>>, covariance: &Var<E, D>) -> Result<Self> {
        Self::new(loc, covariance.cholesky()?)
    }

    /// The dimension `d` of one event.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let d = MultivariateNormal::new(Var::<f64, Cpu>::zeros(&dev, 1, 3), Var::identity(&dev, 3))?;
    /// assert_eq!(d.dimension(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn dimension(&self) -> usize {
        self.loc.columns()
    }

    /// The covariance `L L^T`.
    ///
    /// # Errors
    /// Never for a valid distribution; shape errors are impossible by construction.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let tril = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 0.0], [1.0, 1.0]])?;
    /// let d = MultivariateNormal::new(Var::zeros(&dev, 1, 2), tril)?;
    /// assert_eq!(d.covariance()?.to_f64_vec(), vec![1.0, 1.0, 1.0, 2.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn covariance(&self) -> Result<Var<E, D>> {
        self.scale_tril.matmul(&self.scale_tril.transpose())
    }
}

impl<E: Real, D: Backend<E>> Distribution<E, D> for MultivariateNormal<E, D> {
    fn name(&self) -> &'static str {
        "MultivariateNormal"
    }
    fn sample_shape(&self) -> (usize, usize) {
        self.loc.shape()
    }
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>> {
        Ok(Box::new(MultivariateNormal {
            loc: self.loc.broadcast_to(rows, columns)?,
            scale_tril: self.scale_tril.clone(),
        }))
    }
    fn event_dim(&self) -> usize {
        1
    }
    fn support(&self) -> Constraint {
        Constraint::RealVector
    }
    fn log_prob_unchecked(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        let d = self.dimension();
        let shape = arithmetic_shape("MultivariateNormal::log_prob", x.shape(), self.loc.shape())?;
        let diff = x.sub(&self.loc)?.broadcast_to(shape.0, shape.1)?;
        let whitened = self.scale_tril.solve_lower_triangular(&diff)?;
        let log_det = self.scale_tril.triangular_log_abs_det()?;
        let quadratic = whitened.square().sum_columns() * -0.5;
        Ok(quadratic
            .sub(&log_det)?
            .add_scalar(-0.5 * d as f64 * TAU.ln()))
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let (rows, d) = self.loc.shape();
        let eps = noise(
            &self.loc.device(),
            (rows, d),
            standard_normals(rng, rows * d),
        )?;
        eps.matmul(&self.scale_tril.transpose())?.add(&self.loc)
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        Ok(self.loc.clone())
    }
    fn variance(&self) -> Result<Var<E, D>> {
        let (rows, d) = self.loc.shape();
        self.scale_tril
            .square()
            .sum_columns()
            .transpose()
            .broadcast_to(rows, d)
    }
}
