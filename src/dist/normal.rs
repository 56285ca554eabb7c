//! The normal (Gaussian) distribution.

use super::distribution::{
    at_least_shape, impl_expand, noise, row_sums, value_covers, Distribution,
};
use super::param::{broadcast_params, device_of, Param, ParamArithmetic};
use super::RowSumsTerm;
use crate::backend::ops::fused::{
    fused_elementwise, fused_row_sums, fused_row_sums_term, use_fused,
};
use crate::backend::rng::standard_normals;
use crate::backend::{real, Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;

/// `Normal(loc, scale)`: density `exp(-z^2 / 2) / (scale sqrt(2 pi))`, `z = (x - loc) / scale`.
///
/// Reparameterised: `x = loc + scale * eps`, `eps ~ N(0, 1)`.
///
/// ```
/// use flowppl::prelude::*;
/// let normal = Normal::<f64, Cpu>::new(0.0, 2.0).unwrap();
/// let x = Var::scalar(&Cpu::default(), 1.0);
/// let lp = normal.log_prob(&x).unwrap().item().unwrap();
/// assert!((lp - (-0.125 - 2f64.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln())).abs() < 1e-12);
/// assert!(Normal::<f64, Cpu>::new(0.0, -1.0).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Normal<E: Real = f32, D: Backend<E> = Cpu> {
    loc: Param<E, D>,
    scale: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> Normal<E, D> {
    /// A normal with mean `loc` (finite) and standard deviation `scale` (positive).
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
    /// // z = (3 - 1) / 2 = 1.
    /// let d = Normal::<f64, Cpu>::new(1.0, 2.0)?;
    /// let lp = d.log_prob(&Var::scalar(&dev, 3.0))?.item()?;
    /// assert!((lp - (-0.5 - 2f64.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln())).abs() < 1e-12);
    /// assert!(Normal::<f64, Cpu>::new(f64::INFINITY, 1.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(loc: impl Into<Param<E, D>>, scale: impl Into<Param<E, D>>) -> Result<Self> {
        let (loc, scale) = (loc.into(), scale.into());
        loc.validate("Normal", "loc", f64::is_finite, "must be finite")?;
        scale.validate(
            "Normal",
            "scale",
            |s| s > 0.0 && s.is_finite(),
            "must be positive and finite",
        )?;
        let shape = broadcast_params("Normal", &[&loc, &scale])?;
        Ok(Normal { loc, scale, shape })
    }

    /// The mean parameter.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let d = Normal::<f64, Cpu>::new(1.5, 2.0)?;
    /// assert_eq!(d.loc().host_values(), vec![1.5]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn loc(&self) -> &Param<E, D> {
        &self.loc
    }

    /// The standard-deviation parameter.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let d = Normal::<f64, Cpu>::new(1.5, 2.0)?;
    /// assert_eq!(d.scale().host_values(), vec![2.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn scale(&self) -> &Param<E, D> {
        &self.scale
    }
}

impl<E: Real, D: Backend<E>> Normal<E, D> {
    /// The log-density as one fused op, entrywise or summed over each row: with
    /// `z = (x - loc) / scale`, `d/dx = -z / scale`, `d/dloc = z / scale` and
    /// `d/dscale = (z^2 - 1) / scale`.
    /// The log-density kernel of `(x, loc, scale)`: the value and its three partials.
    fn kernel() -> impl Fn([E; 3]) -> (E, [E; 3]) {
        let half_log_tau: E = real(0.5 * std::f64::consts::TAU.ln());
        let half: E = real(0.5);
        move |[x, loc, scale]: [E; 3]| {
            let z = (x - loc) / scale;
            let slope = z / scale;
            (
                -(half * z * z) - scale.ln() - half_log_tau,
                [-slope, slope, (z * z - E::one()) / scale],
            )
        }
    }

    fn fused_log_prob(&self, x: &Var<E, D>, summed: bool) -> Result<Var<E, D>> {
        let operands = [x.into(), (&self.loc).into(), (&self.scale).into()];
        if summed {
            fused_row_sums("Normal log_prob", operands, Self::kernel())
        } else {
            fused_elementwise("Normal log_prob", operands, Self::kernel())
        }
    }
}

impl_expand!(Normal);

impl<E: Real, D: Backend<E>> Distribution<E, D> for Normal<E, D> {
    fn name(&self) -> &'static str {
        "Normal"
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
        if use_fused::<E, D>() {
            return at_least_shape(self.fused_log_prob(x, false)?, self.shape);
        }
        let z = x.sub_p(&self.loc)?.div_p(&self.scale)?;
        let log_scale = self.scale.map(f64::ln, Var::ln);
        let lp = (z.square() * -0.5)
            .add_scalar(-0.5 * std::f64::consts::TAU.ln())
            .sub_p(&log_scale)?;
        at_least_shape(lp, self.shape)
    }
    fn log_prob_unchecked_row_sums(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        if use_fused::<E, D>() && value_covers(x, self.shape) {
            return self.fused_log_prob(x, true);
        }
        Ok(row_sums(self.log_prob_unchecked(x)?))
    }
    fn row_sums_term(&self, x: &Var<E, D>) -> Result<Option<RowSumsTerm<E, D>>> {
        if !(use_fused::<E, D>() && value_covers(x, self.shape)) {
            return Ok(None);
        }
        let operands = [x.into(), (&self.loc).into(), (&self.scale).into()];
        fused_row_sums_term("Normal log_prob", operands, Self::kernel()).map(Some)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let device = device_of(&[&self.loc, &self.scale])?;
        let eps = noise(
            &device,
            self.shape,
            standard_normals(rng, self.shape.0 * self.shape.1),
        )?;
        at_least_shape(eps.mul_p(&self.scale)?.add_p(&self.loc)?, self.shape)
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        self.loc
            .to_var(&device_of(&[&self.loc, &self.scale])?, self.shape)
    }
    fn variance(&self) -> Result<Var<E, D>> {
        let variance = self.scale.map(|s| s * s, Var::square);
        variance.to_var(&device_of(&[&self.loc, &self.scale])?, self.shape)
    }
}
