//! The continuous uniform distribution.

use super::distribution::{at_least_shape, impl_expand, noise, Distribution};
use super::param::{broadcast_params, combine, device_of, Param, ParamArithmetic};
use crate::backend::rng::open_uniforms;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::{Error, Result};

/// `Uniform(low, high)`: density `1 / (high - low)` on `low <= x <= high`.
///
/// Reparameterised: `x = low + (high - low) u`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let d = Uniform::<f64, Cpu>::new(1.0, 3.0)?;
/// assert!((d.mean()?.item()? - 2.0).abs() < 1e-12);
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let x = d.expand(1, 8)?.sample(&mut rng)?.to_f64_vec();
/// assert!(x.iter().all(|&v| (1.0..=3.0).contains(&v)));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Uniform<E: Real = f32, D: Backend<E> = Cpu> {
    low: Param<E, D>,
    high: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> Uniform<E, D> {
    /// A uniform on `[low, high]`, `low < high` entrywise.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the parameter;
    /// [`Error::ShapeMismatch`] when the shapes do not broadcast.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let d = Uniform::<f64, Cpu>::new(1.0, 3.0)?;
    /// assert!((d.log_prob(&Var::scalar(&dev, 2.0))?.item()? + 2f64.ln()).abs() < 1e-12);
    /// assert_eq!(d.log_prob(&Var::scalar(&dev, 4.0))?.item()?, f64::NEG_INFINITY);
    /// assert!(Uniform::<f64, Cpu>::new(3.0, 1.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(low: impl Into<Param<E, D>>, high: impl Into<Param<E, D>>) -> Result<Self> {
        let (low, high) = (low.into(), high.into());
        low.validate("Uniform", "low", f64::is_finite, "must be finite")?;
        high.validate("Uniform", "high", f64::is_finite, "must be finite")?;
        let shape = broadcast_params("Uniform", &[&low, &high])?;
        let uniform = Uniform { low, high, shape };
        let (l, h) = uniform.bounds()?;
        if let Some(i) = (0..l.len()).find(|&i| l[i] >= h[i]) {
            return Err(Error::invalid_parameter(
                "Uniform",
                "high",
                h[i],
                "must exceed `low`",
            ));
        }
        Ok(uniform)
    }

    fn device(&self) -> Result<D> {
        device_of(&[&self.low, &self.high])
    }

    fn bounds(&self) -> Result<(Vec<f64>, Vec<f64>)> {
        let dev = self.device()?;
        Ok((
            self.low.to_var(&dev, self.shape)?.to_f64_vec(),
            self.high.to_var(&dev, self.shape)?.to_f64_vec(),
        ))
    }

    fn width(&self) -> Result<Param<E, D>> {
        combine(&self.high, &self.low, |h, l| h - l, |h, l| h.sub(l))
    }
}

impl_expand!(Uniform);

impl<E: Real, D: Backend<E>> Distribution<E, D> for Uniform<E, D> {
    fn name(&self) -> &'static str {
        "Uniform"
    }
    fn sample_shape(&self) -> (usize, usize) {
        self.shape
    }
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>> {
        Ok(Box::new(self.clone().expand(rows, columns)?))
    }
    fn support(&self) -> Constraint {
        match (&self.low, &self.high) {
            (Param::Scalar(l), Param::Scalar(h)) => Constraint::Interval(*l, *h),
            // Entry-dependent bounds: `log_prob` checks each entry against its own bounds.
            _ => Constraint::Real,
        }
    }
    fn log_prob_unchecked(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        let log_width = self.width()?.map(f64::ln, Var::ln);
        // 0 * x keeps the value's shape (and its graph) in the result.
        let lp = (x * 0.0).sub_p(&log_width)?;
        at_least_shape(lp, self.shape)
    }
    fn log_prob(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        x.check()?;
        let lp = self.log_prob_unchecked(x)?;
        let (low, high) = self.bounds()?;
        let (rows, columns) = lp.shape();
        let dev = self.device()?;
        let full = |v: &[f64]| -> Result<Vec<f64>> {
            let var: Var<E, D> = Var::from_vec(
                &dev,
                v.iter().map(|&a| crate::backend::real::<E>(a)).collect(),
                self.shape.0,
                self.shape.1,
            )?;
            Ok(var.broadcast_to(rows, columns)?.to_f64_vec())
        };
        let (low, high) = (full(&low)?, full(&high)?);
        let values = x.broadcast_to(rows, columns)?.to_f64_vec();
        let keep: Vec<bool> = (0..values.len())
            .map(|i| values[i] >= low[i] && values[i] <= high[i])
            .collect();
        if keep.iter().all(|&k| k) {
            return Ok(lp);
        }
        lp.keep_where(&keep, f64::NEG_INFINITY)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let u = noise(
            &self.device()?,
            self.shape,
            open_uniforms(rng, self.shape.0 * self.shape.1),
        )?;
        u.mul_p(&self.width()?)?.add_p(&self.low)
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        let dev = self.device()?;
        Ok(self.low.to_var(&dev, self.shape)?.add_p(&self.high)? * 0.5)
    }
    fn variance(&self) -> Result<Var<E, D>> {
        let dev = self.device()?;
        Ok(self.width()?.to_var(&dev, self.shape)?.square() * (1.0 / 12.0))
    }
}
