//! Structural-reliability limit states in standard normal space, `X ~ N(0, I_d)`, failure when
//! `g(x) <= 0` (seed 000, "A Magnifying Glass for Disaster").

use flowppl::backend::ops::special::standard_normal_cdf;

/// A limit state with what is known of its failure probability.
///
/// # Examples
/// ```
/// use flowppl_models::reliability::LimitState;
/// let state = LimitState::Linear { beta: 3.0, dimension: 4 };
/// // The origin is safe, g(0) = beta sqrt(d) = 6; the failure set is sum(x) >= 6.
/// assert_eq!(state.evaluate(&[0.0; 4]), 6.0);
/// assert!(state.evaluate(&[1.5; 4]) <= 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LimitState {
    /// `g(x) = beta sqrt(d) - sum_i x_i`: a half-space at distance `beta` from the origin,
    /// so `P(failure) = Phi(-beta)` exactly.
    Linear {
        /// Reliability index `beta`.
        beta: f64,
        /// Dimension `d`.
        dimension: usize,
    },
    /// The four-branch series system (Waarts 2000; Schueremans & Van Gemert 2005), 2-D:
    /// `g = min(3 + (x1 - x2)^2 / 10 -+ (x1 + x2) / sqrt 2, +-(x1 - x2) + k / sqrt 2)`; four
    /// failure regions, `P = 2.22e-3` for `k = 7` (reference values from large Monte Carlo
    /// runs in the literature; no closed form).
    FourBranch {
        /// The offset `k` of the two linear branches.
        k: f64,
    },
}

impl LimitState {
    /// `linear`, `linear:BETA`, `linear:BETA:D` or `four-branch`.
    ///
    /// # Errors
    /// [`flowppl::Error::InvalidConfig`] naming the text.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::reliability::LimitState;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(LimitState::parse("linear:3:4")?, LimitState::Linear { beta: 3.0, dimension: 4 });
    /// assert_eq!(LimitState::parse("four-branch")?, LimitState::FourBranch { k: 7.0 });
    /// assert!(LimitState::parse("linear:x").is_err());
    /// assert!(LimitState::parse("quadratic").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse(text: &str) -> flowppl::Result<Self> {
        let invalid = || flowppl::Error::InvalidConfig {
            what: format!("limit state `{text}`"),
            message: "expected linear, linear:BETA, linear:BETA:DIMENSION or four-branch".into(),
        };
        let parts: Vec<&str> = text.split(':').collect();
        match parts.as_slice() {
            ["four-branch"] => Ok(LimitState::FourBranch { k: 7.0 }),
            ["linear", rest @ ..] if rest.len() <= 2 => {
                let beta = match rest.first() {
                    Some(b) => b.parse::<f64>().map_err(|_| invalid())?,
                    None => 4.753424308822899,
                };
                let dimension = match rest.get(1) {
                    Some(d) => d.parse::<usize>().map_err(|_| invalid())?,
                    None => 2,
                };
                if !(beta.is_finite() && dimension > 0) {
                    return Err(invalid());
                }
                Ok(LimitState::Linear { beta, dimension })
            }
            _ => Err(invalid()),
        }
    }

    /// The dimension of `x`.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::reliability::LimitState;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(LimitState::parse("linear:3:5")?.dimension(), 5);
    /// assert_eq!(LimitState::parse("linear")?.dimension(), 2);
    /// assert_eq!(LimitState::FourBranch { k: 7.0 }.dimension(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn dimension(&self) -> usize {
        match self {
            LimitState::Linear { dimension, .. } => *dimension,
            LimitState::FourBranch { .. } => 2,
        }
    }

    /// `g(x)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::reliability::LimitState;
    /// let state = LimitState::FourBranch { k: 7.0 };
    /// // At the origin the curved branches give 3, the linear ones 7 / sqrt 2.
    /// assert!((state.evaluate(&[0.0, 0.0]) - 3.0).abs() < 1e-12);
    /// // Far out along each diagonal the system fails.
    /// for x in [[3.0, 3.0], [-3.0, -3.0], [6.0, -6.0], [-6.0, 6.0]] {
    ///     assert!(state.evaluate(&x) < 0.0);
    /// }
    /// ```
    pub fn evaluate(&self, x: &[f64]) -> f64 {
        match *self {
            LimitState::Linear { beta, dimension } => {
                beta * (dimension as f64).sqrt() - x.iter().sum::<f64>()
            }
            LimitState::FourBranch { k } => {
                let (a, b) = (x[0], x[1]);
                let s = std::f64::consts::FRAC_1_SQRT_2;
                let curved = 3.0 + 0.1 * (a - b).powi(2);
                (curved - (a + b) * s)
                    .min(curved + (a + b) * s)
                    .min((a - b) + k * s)
                    .min((b - a) + k * s)
            }
        }
    }

    /// The exact failure probability where one is known (`Phi(-beta)` for the linear case).
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::reliability::LimitState;
    /// let linear = LimitState::Linear { beta: 2.0, dimension: 3 };
    /// // Phi(-2), whatever the dimension.
    /// let p = linear.exact_probability().unwrap();
    /// assert!((p / 0.022750131948179195 - 1.0).abs() < 1e-7);
    /// assert_eq!(LimitState::FourBranch { k: 7.0 }.exact_probability(), None);
    /// ```
    pub fn exact_probability(&self) -> Option<f64> {
        match *self {
            LimitState::Linear { beta, .. } => Some(standard_normal_cdf(-beta)),
            LimitState::FourBranch { .. } => None,
        }
    }

    /// The published reference probability (`2.22e-3` for the four-branch system at `k = 7`).
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::reliability::LimitState;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(LimitState::FourBranch { k: 7.0 }.reference_probability(), Some(2.22e-3));
    /// assert_eq!(LimitState::FourBranch { k: 6.0 }.reference_probability(), None);
    /// let linear = LimitState::parse("linear")?;
    /// assert_eq!(linear.reference_probability(), linear.exact_probability());
    /// # Ok(())
    /// # }
    /// ```
    pub fn reference_probability(&self) -> Option<f64> {
        match *self {
            LimitState::FourBranch { k: 7.0 } => Some(2.22e-3),
            other => other.exact_probability(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_linear_case_fails_one_in_a_million() {
        let state = LimitState::parse("linear").unwrap();
        assert!((state.exact_probability().unwrap() / 1e-6 - 1.0).abs() < 1e-9);
        assert_eq!(state.evaluate(&[0.0, 0.0]), 4.753424308822899 * 2f64.sqrt());
        assert!(LimitState::parse("linear:x").is_err());
        assert!(LimitState::parse("quadratic").is_err());
    }

    #[test]
    fn the_four_branch_system_fails_in_four_directions() {
        let state = LimitState::FourBranch { k: 7.0 };
        for x in [[3.0, 3.0], [-3.0, -3.0], [6.0, -6.0], [-6.0, 6.0]] {
            assert!(state.evaluate(&x) < 0.0, "{x:?}");
        }
        assert!(state.evaluate(&[0.0, 0.0]) > 0.0);
    }
}
