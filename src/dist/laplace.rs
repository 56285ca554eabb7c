//! The Laplace (double exponential) distribution.

use super::distribution::{at_least_shape, impl_expand, noise, Distribution};
use super::param::{broadcast_params, device_of, Param, ParamArithmetic};
use crate::backend::rng::open_uniforms;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;

/// `Laplace(loc, scale)`: density `exp(-|x - loc| / scale) / (2 scale)`.
///
/// Reparameterised: `x = loc - scale * sign(v) ln(1 - 2|v|)`, `v ~ U(-1/2, 1/2)`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let d = Laplace::<f64, Cpu>::new(0.0, 1.0)?;
/// let lp = d.log_prob(&Var::scalar(&dev, -1.0))?.item()?;
/// assert!((lp - (-1.0 - 2f64.ln())).abs() < 1e-12);
/// assert!((d.variance()?.item()? - 2.0).abs() < 1e-12); // 2 scale^2
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Laplace<E: Real = f32, D: Backend<E> = Cpu> {
    loc: Param<E, D>,
    scale: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> Laplace<E, D> {
    /// A Laplace with location `loc` and positive `scale`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) naming the parameter;
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) when the shapes do not broadcast.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// // At the location: 1 / (2 scale).
    /// let d = Laplace::<f64, Cpu>::new(1.0, 2.0)?;
    /// assert!((d.log_prob(&Var::scalar(&dev, 1.0))?.item()? + 4f64.ln()).abs() < 1e-12);
    /// assert!(Laplace::<f64, Cpu>::new(0.0, -2.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(loc: impl Into<Param<E, D>>, scale: impl Into<Param<E, D>>) -> Result<Self> {
        let (loc, scale) = (loc.into(), scale.into());
        loc.validate("Laplace", "loc", f64::is_finite, "must be finite")?;
        scale.validate(
            "Laplace",
            "scale",
            |s| s > 0.0 && s.is_finite(),
            "must be positive and finite",
        )?;
        let shape = broadcast_params("Laplace", &[&loc, &scale])?;
        Ok(Laplace { loc, scale, shape })
    }

    fn device(&self) -> Result<D> {
        device_of(&[&self.loc, &self.scale])
    }
}

impl_expand!(Laplace);

impl<E: Real, D: Backend<E>> Distribution<E, D> for Laplace<E, D> {
    fn name(&self) -> &'static str {
        "Laplace"
    }
    fn sample_shape(&self) -> (usize, usize) {
        self.shape
    }
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>> {
        Ok(Box::new(self.clone().expand(rows, columns)?))
    }
    fn support(&self) -> Constraint {
        Constraint::Real
    }
    fn log_prob_unchecked(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        let z = x.sub_p(&self.loc)?.div_p(&self.scale)?;
        let log_scale = self.scale.map(f64::ln, Var::ln);
        let lp = (-z.abs()).add_scalar(-2f64.ln()).sub_p(&log_scale)?;
        at_least_shape(lp, self.shape)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let n = self.shape.0 * self.shape.1;
        let standard: Vec<f64> = open_uniforms(rng, n)
            .into_iter()
            .map(|u| {
                let v = u - 0.5;
                -v.signum() * (-2.0 * v.abs()).ln_1p()
            })
            .collect();
        let t = noise(&self.device()?, self.shape, standard)?;
        at_least_shape(t.mul_p(&self.scale)?.add_p(&self.loc)?, self.shape)
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        self.loc.to_var(&self.device()?, self.shape)
    }
    fn variance(&self) -> Result<Var<E, D>> {
        Ok(self.scale.to_var(&self.device()?, self.shape)?.square() * 2.0)
    }
}
