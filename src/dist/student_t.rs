//! Student's t distribution.

use super::distribution::{at_least_shape, impl_expand, noise, Distribution};
use super::gamma_sampler::standard_gamma_rsample;
use super::param::{broadcast_params, device_of, Param, ParamArithmetic};
use crate::backend::ops::special::ln_gamma;
use crate::backend::rng::standard_normals;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;
use std::f64::consts::PI;

/// `StudentT(df, loc, scale)`: density
/// `Gamma((v+1)/2) / (Gamma(v/2) sqrt(v pi) scale) (1 + z^2 / v)^(-(v+1)/2)`,
/// `z = (x - loc) / scale`, `v = df`.
///
/// Reparameterised: `x = loc + scale * eps * sqrt(v / (2 g))`, `eps ~ N(0, 1)`,
/// `g ~ Gamma(v / 2, 1)` with implicit gradients, so `df` is learnable too.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let x = Var::scalar(&dev, 1.3);
/// // One degree of freedom is the Cauchy distribution.
/// let t = StudentT::<f64, Cpu>::new(1.0, 0.5, 2.0)?.log_prob(&x)?.item()?;
/// let c = Cauchy::<f64, Cpu>::new(0.5, 2.0)?.log_prob(&x)?.item()?;
/// assert!((t - c).abs() < 1e-10);
/// // Variance scale^2 v / (v - 2) for v > 2.
/// assert!((StudentT::<f64, Cpu>::new(3.0, 0.0, 1.0)?.variance()?.item()? - 3.0).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct StudentT<E: Real = f32, D: Backend<E> = Cpu> {
    df: Param<E, D>,
    loc: Param<E, D>,
    scale: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> StudentT<E, D> {
    /// A Student's t with positive degrees of freedom `df`, location `loc` and positive `scale`.
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
    /// // v = 2 at 0: Gamma(3/2) / (Gamma(1) sqrt(2 pi)) = 2^(-3/2).
    /// let d = StudentT::<f64, Cpu>::new(2.0, 0.0, 1.0)?;
    /// let lp = d.log_prob(&Var::scalar(&dev, 0.0))?.item()?;
    /// assert!((lp + 1.5 * 2f64.ln()).abs() < 1e-10);
    /// assert!(StudentT::<f64, Cpu>::new(0.0, 0.0, 1.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(
        df: impl Into<Param<E, D>>,
        loc: impl Into<Param<E, D>>,
        scale: impl Into<Param<E, D>>,
    ) -> Result<Self> {
        let (df, loc, scale) = (df.into(), loc.into(), scale.into());
        df.validate(
            "StudentT",
            "df",
            |v| v > 0.0 && v.is_finite(),
            "must be positive and finite",
        )?;
        loc.validate("StudentT", "loc", f64::is_finite, "must be finite")?;
        scale.validate(
            "StudentT",
            "scale",
            |s| s > 0.0 && s.is_finite(),
            "must be positive and finite",
        )?;
        let shape = broadcast_params("StudentT", &[&df, &loc, &scale])?;
        Ok(StudentT {
            df,
            loc,
            scale,
            shape,
        })
    }

    fn device(&self) -> Result<D> {
        device_of(&[&self.df, &self.loc, &self.scale])
    }

    fn host_moments(&self, f: impl Fn(f64, f64, f64) -> f64) -> Result<Var<E, D>> {
        let dev = self.device()?;
        let v = self.df.to_var(&dev, self.shape)?.to_f64_vec();
        let m = self.loc.to_var(&dev, self.shape)?.to_f64_vec();
        let s = self.scale.to_var(&dev, self.shape)?.to_f64_vec();
        let values = (0..v.len())
            .map(|i| crate::backend::real::<E>(f(v[i], m[i], s[i])))
            .collect();
        Var::from_vec(&dev, values, self.shape.0, self.shape.1)
    }
}

impl_expand!(StudentT);

impl<E: Real, D: Backend<E>> Distribution<E, D> for StudentT<E, D> {
    fn name(&self) -> &'static str {
        "StudentT"
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
        // Everything that depends only on v: lgamma((v+1)/2) - lgamma(v/2) - ln(v pi) / 2.
        let constant = self.df.map(
            |v| ln_gamma(0.5 * (v + 1.0)) - ln_gamma(0.5 * v) - 0.5 * (v * PI).ln(),
            |v| (v.add_scalar(1.0) * 0.5).lgamma() - (v * 0.5).lgamma() - (v * PI).ln() * 0.5,
        );
        let half_v_plus_one = self
            .df
            .map(|v| 0.5 * (v + 1.0), |v| v.add_scalar(1.0) * 0.5);
        let core = z
            .square()
            .div_p(&self.df)?
            .log1p()
            .mul_p(&half_v_plus_one)?;
        let lp = (-core).add_p(&constant)?.sub_p(&log_scale)?;
        at_least_shape(lp, self.shape)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let dev = self.device()?;
        let n = self.shape.0 * self.shape.1;
        let eps = noise(&dev, self.shape, standard_normals(rng, n))?;
        let df = self.df.to_var(&dev, self.shape)?;
        let g = standard_gamma_rsample(&(&df * 0.5), rng);
        // sqrt(v / (2 g)) is sqrt of a chi-square(v) / v reciprocal.
        let factor = df.div(&(g * 2.0))?.sqrt();
        eps.mul(&factor)?.mul_p(&self.scale)?.add_p(&self.loc)
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        self.host_moments(|v, m, _| if v > 1.0 { m } else { f64::NAN })
    }
    fn variance(&self) -> Result<Var<E, D>> {
        self.host_moments(|v, _, s| {
            if v > 2.0 {
                s * s * v / (v - 2.0)
            } else if v > 1.0 {
                f64::INFINITY
            } else {
                f64::NAN
            }
        })
    }
}
