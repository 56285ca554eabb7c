//! How a new parameter is filled.

use crate::backend::rng::{open_uniforms, standard_normals};
use crate::backend::Rng;
use crate::error::{Error, Result};

/// The initial values of a parameter.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let mut rng = flowppl::backend::rng::seeded(0);
/// assert_eq!(Init::Constant(0.5).values("w", 2, 2, &mut rng)?, vec![0.5; 4]);
/// let u = Init::Uniform { low: -1.0, high: 1.0 }.values("w", 3, 4, &mut rng)?;
/// assert!(u.len() == 12 && u.iter().all(|v| (-1.0..1.0).contains(v)));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    /// All zeros.
    Zeros,
    /// Every entry equal to the value.
    Constant(f64),
    /// Independent `Normal(0, std)` draws.
    Normal {
        /// Standard deviation.
        std: f64,
    },
    /// Independent `Uniform(low, high)` draws.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Glorot/Xavier uniform for a `(fan_in, fan_out)` weight: `U(-a, a)`,
    /// `a = sqrt(6 / (fan_in + fan_out))` (Glorot & Bengio 2010).
    XavierUniform,
    /// `U(-a, a)` with `a = 1 / sqrt(fan_in)` for a `(fan_in, fan_out)` weight: PyTorch's
    /// default for linear layers (He et al. 2015's uniform rule with negative slope `sqrt(5)`).
    FanInUniform,
    /// Explicit row-major values.
    Values(Vec<f64>),
}

impl Init {
    /// The `rows * columns` initial values.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a wrong number of explicit values or invalid bounds.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let w = Init::XavierUniform.values("w", 20, 30, &mut rng)?;
    /// let bound = (6.0f64 / 50.0).sqrt(); // sqrt(6 / (fan_in + fan_out))
    /// assert!(w.len() == 600 && w.iter().all(|v| v.abs() < bound));
    /// assert!(Init::Values(vec![1.0, 2.0]).values("w", 1, 3, &mut rng).is_err()); // 2 for 3
    /// assert!(Init::Uniform { low: 1.0, high: 0.0 }.values("w", 1, 1, &mut rng).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn values(
        &self,
        name: &str,
        rows: usize,
        columns: usize,
        rng: &mut Rng,
    ) -> Result<Vec<f64>> {
        let n = rows * columns;
        let invalid = |message: String| Error::InvalidConfig {
            what: format!("initial values of parameter `{name}`"),
            message,
        };
        Ok(match self {
            Init::Zeros => vec![0.0; n],
            Init::Constant(c) => vec![*c; n],
            Init::Normal { std } => {
                if !(*std >= 0.0 && std.is_finite()) {
                    return Err(invalid(format!("std must be finite and >= 0, got {std}")));
                }
                standard_normals(rng, n)
                    .into_iter()
                    .map(|z| z * std)
                    .collect()
            }
            Init::Uniform { low, high } => {
                if !(low < high && low.is_finite() && high.is_finite()) {
                    return Err(invalid(format!(
                        "need finite low < high, got [{low}, {high}]"
                    )));
                }
                open_uniforms(rng, n)
                    .into_iter()
                    .map(|u| low + (high - low) * u)
                    .collect()
            }
            Init::XavierUniform => {
                let a = (6.0 / (rows + columns) as f64).sqrt();
                open_uniforms(rng, n)
                    .into_iter()
                    .map(|u| a * (2.0 * u - 1.0))
                    .collect()
            }
            Init::FanInUniform => {
                let a = 1.0 / (rows.max(1) as f64).sqrt();
                open_uniforms(rng, n)
                    .into_iter()
                    .map(|u| a * (2.0 * u - 1.0))
                    .collect()
            }
            Init::Values(values) => {
                if values.len() != n {
                    return Err(invalid(format!(
                        "{} values given for a {rows}x{columns} parameter",
                        values.len()
                    )));
                }
                values.clone()
            }
        })
    }
}
