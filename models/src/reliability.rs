//! Structural-reliability limit states in standard normal space, `X ~ N(0, I_d)`, failure when
//! `g(x) <= 0` (seed 000, "A Magnifying Glass for Disaster").

use flowppl::backend::ops::special::standard_normal_cdf;

/// A limit state with what is known of its failure probability.
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
    pub fn dimension(&self) -> usize {
        match self {
            LimitState::Linear { dimension, .. } => *dimension,
            LimitState::FourBranch { .. } => 2,
        }
    }

    /// `g(x)`.
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
    pub fn exact_probability(&self) -> Option<f64> {
        match *self {
            LimitState::Linear { beta, .. } => Some(standard_normal_cdf(-beta)),
            LimitState::FourBranch { .. } => None,
        }
    }

    /// The published reference probability (`2.22e-3` for the four-branch system at `k = 7`).
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
