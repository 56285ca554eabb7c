//! Gradient clipping.

use crate::backend::{real, Backend, Matrix, Real};
use crate::error::{Error, Result};
use dfdx::prelude::{Axes2, SumTo};

/// How gradients are limited before an optimizer step.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let a = Var::<f64, Cpu>::from_vec(&dev, vec![3.0, 4.0], 1, 2)?;
/// let b = Var::<f64, Cpu>::from_vec(&dev, vec![12.0], 1, 1)?;
/// let out = GradientClipping::GlobalNorm(5.0).apply(vec![a.tensor().clone(), b.tensor().clone()]);
/// let scaled: Vec<f64> = out.into_iter().flat_map(|g| Var::constant(g).to_vec()).collect();
/// // The global norm, 13, is brought down to 5: every entry times 5/13.
/// for (s, x) in scaled.iter().zip([3.0, 4.0, 12.0]) {
///     assert!((s - x * 5.0 / 13.0).abs() < 1e-12);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum GradientClipping {
    /// No clipping.
    #[default]
    None,
    /// Clamp every gradient entry into `[-c, c]` (Pyro's `ClippedAdam` `clip_norm`).
    Value(f64),
    /// Rescale all gradients together so their global L2 norm is at most the value
    /// (Pascanu et al. 2013, arXiv:1211.5063).
    GlobalNorm(f64),
}

impl GradientClipping {
    /// Checks the threshold.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a non-positive or non-finite threshold.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// assert!(GradientClipping::None.validate().is_ok());
    /// assert!(GradientClipping::Value(1.0).validate().is_ok());
    /// let zero = GradientClipping::Value(0.0);
    /// assert!(matches!(zero.validate(), Err(Error::InvalidConfig { .. })));
    /// assert!(GradientClipping::GlobalNorm(f64::INFINITY).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        match self {
            GradientClipping::Value(c) | GradientClipping::GlobalNorm(c)
                if !(*c > 0.0 && c.is_finite()) =>
            {
                Err(Error::InvalidConfig {
                    what: "gradient clipping".into(),
                    message: format!("the threshold must be positive and finite, got {c}"),
                })
            }
            _ => Ok(()),
        }
    }

    /// Applies the clipping to a set of gradients.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let g = Var::<f64, Cpu>::from_vec(&Cpu::default(), vec![-3.0, 0.5, 2.0], 1, 3)?;
    /// let clipped = GradientClipping::Value(1.0).apply(vec![g.tensor().clone()]);
    /// assert_eq!(Var::constant(clipped[0].clone()).to_vec(), vec![-1.0, 0.5, 1.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn apply<E: Real, D: Backend<E>>(&self, gradients: Vec<Matrix<E, D>>) -> Vec<Matrix<E, D>> {
        match *self {
            GradientClipping::None => gradients,
            GradientClipping::Value(c) => gradients.into_iter().map(|g| g.clamp(-c, c)).collect(),
            GradientClipping::GlobalNorm(max_norm) => {
                let norm = global_norm(&gradients);
                if norm <= max_norm {
                    return gradients;
                }
                let factor = real::<E>(max_norm / norm);
                gradients.into_iter().map(|g| g * factor).collect()
            }
        }
    }
}

/// `sqrt(sum of squares)` over all entries of all gradients.
pub(crate) fn global_norm<E: Real, D: Backend<E>>(gradients: &[Matrix<E, D>]) -> f64 {
    gradients
        .iter()
        .map(|g| g.clone().square().sum::<(), Axes2<0, 1>>().as_vec()[0].to_f64())
        .sum::<f64>()
        .sqrt()
}
