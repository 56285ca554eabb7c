//! The half-Cauchy distribution.

use super::cauchy::standard_cauchy;
use super::distribution::{at_least_shape, impl_expand, noise, value_covers, Distribution};
use super::param::{broadcast_params, device_of, Param, ParamArithmetic};
use super::RowSumsTerm;
use crate::backend::ops::fused::{fused_elementwise, fused_row_sums_term, use_fused};
use crate::backend::{real, Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;
use std::f64::consts::PI;

/// `HalfCauchy(scale)`: `|y|` for `y ~ Cauchy(0, scale)`; density
/// `2 / (pi scale (1 + (x / scale)^2))` on `x > 0`. The usual prior for scale parameters
/// (Gelman 2006). Mean and variance are infinite.
///
/// Reparameterised: `x = scale * |tan(pi (u - 1/2))|`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// // At x = scale = 2 the density is 2 / (pi 2 2) = 1 / (2 pi); negatives are impossible.
/// let d = HalfCauchy::<f64, Cpu>::new(2.0)?;
/// let lp = d.log_prob(&Var::scalar(&dev, 2.0))?.item()?;
/// assert!((lp + (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
/// assert_eq!(d.log_prob(&Var::scalar(&dev, -1.0))?.item()?, f64::NEG_INFINITY);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct HalfCauchy<E: Real = f32, D: Backend<E> = Cpu> {
    scale: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> HalfCauchy<E, D> {
    /// A half-Cauchy with positive `scale`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for a bad scale.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// // At x = scale: 2 / (pi scale 2) = 1 / pi.
    /// let d = HalfCauchy::<f64, Cpu>::new(1.0)?;
    /// let lp = d.log_prob(&Var::scalar(&dev, 1.0))?.item()?;
    /// assert!((lp + std::f64::consts::PI.ln()).abs() < 1e-12);
    /// assert!(HalfCauchy::<f64, Cpu>::new(0.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(scale: impl Into<Param<E, D>>) -> Result<Self> {
        let scale = scale.into();
        scale.validate(
            "HalfCauchy",
            "scale",
            |s| s > 0.0 && s.is_finite(),
            "must be positive and finite",
        )?;
        let shape = broadcast_params("HalfCauchy", &[&scale])?;
        Ok(HalfCauchy { scale, shape })
    }
}

impl<E: Real, D: Backend<E>> HalfCauchy<E, D> {
    /// The log-density kernel of `(x, scale)`: `d/dx = -2x / (s^2 + x^2)`,
    /// `d/ds = -1/s + 2x^2 / (s (s^2 + x^2))`.
    fn kernel() -> impl Fn([E; 2]) -> (E, [E; 2]) {
        let log_two_over_pi: E = real((2.0 / PI).ln());
        let two: E = real(2.0);
        move |[x, scale]: [E; 2]| {
            let ratio = x / scale;
            let denominator = scale * scale + x * x;
            (
                log_two_over_pi - scale.ln() - (E::one() + ratio * ratio).ln(),
                [
                    -(two * x) / denominator,
                    -scale.recip() + two * x * x / (scale * denominator),
                ],
            )
        }
    }
}

impl_expand!(HalfCauchy);

impl<E: Real, D: Backend<E>> Distribution<E, D> for HalfCauchy<E, D> {
    fn name(&self) -> &'static str {
        "HalfCauchy"
    }
    fn sample_shape(&self) -> (usize, usize) {
        self.shape
    }
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>> {
        Ok(Box::new(self.clone().expand(rows, columns)?))
    }
    fn support(&self) -> Constraint {
        Constraint::Positive
    }
    fn log_prob_unchecked(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        if use_fused::<E, D>() {
            let lp = fused_elementwise(
                "HalfCauchy log_prob",
                [x.into(), (&self.scale).into()],
                Self::kernel(),
            )?;
            return at_least_shape(lp, self.shape);
        }
        let z = x.div_p(&self.scale)?;
        let log_scale = self.scale.map(f64::ln, Var::ln);
        let lp = (-z.square().log1p())
            .add_scalar((2.0 / PI).ln())
            .sub_p(&log_scale)?;
        at_least_shape(lp, self.shape)
    }
    fn row_sums_term(&self, x: &Var<E, D>) -> Result<Option<RowSumsTerm<E, D>>> {
        if !(use_fused::<E, D>() && value_covers(x, self.shape)) {
            return Ok(None);
        }
        let operands = [x.into(), (&self.scale).into()];
        fused_row_sums_term("HalfCauchy log_prob", operands, Self::kernel()).map(Some)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let n = self.shape.0 * self.shape.1;
        let t: Vec<f64> = standard_cauchy(rng, n).into_iter().map(f64::abs).collect();
        let t = noise(&device_of(&[&self.scale])?, self.shape, t)?;
        at_least_shape(t.mul_p(&self.scale)?, self.shape)
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        Ok(Var::full(
            &device_of(&[&self.scale])?,
            self.shape.0,
            self.shape.1,
            f64::INFINITY,
        ))
    }
    fn variance(&self) -> Result<Var<E, D>> {
        Ok(Var::full(
            &device_of(&[&self.scale])?,
            self.shape.0,
            self.shape.1,
            f64::INFINITY,
        ))
    }
}
