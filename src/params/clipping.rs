//! Gradient clipping.

use crate::backend::{real, Backend, Matrix, Real};
use crate::error::{Error, Result};
use dfdx::prelude::{Axes2, SumTo};

/// How gradients are limited before an optimizer step.
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
