//! The elementwise bijections `biject_to` builds for scalar supports, as host formulas.
//!
//! A support whose bijection from the reals acts entry by entry (real, positive,
//! greater/less than a bound, an interval) maps each unconstrained entry `x` to
//! `z = T(x)` with log-Jacobian `ln |T'(x)|`. The fused guide kernels
//! ([`super::constrain_kernel`]) evaluate `T`, `T'`, `ln |T'|` and its derivative in one host
//! loop; these are the formulas, with the name of the bijector each stands for so that a
//! layout whose slot carries another bijector keeps the composed path.

use crate::backend::{real, Real};
use crate::constraints::Constraint;

/// An elementwise bijection from the reals onto a support, as `biject_to` builds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ElementwiseMap {
    /// `z = x` (real supports).
    Identity,
    /// `z = shift + sign * exp(x)`: `positive` (0, +1), `greater_than(a)` (a, +1),
    /// `less_than(b)` (b, -1). `ln |dz/dx| = x`.
    Exp { shift: f64, sign: f64 },
    /// `z = lower + width * sigmoid(x)`: `unit_interval` (0, 1), `interval(a, b)` (a, b - a).
    /// `ln |dz/dx| = ln width + ln sigmoid(x) + ln sigmoid(-x)`.
    Sigmoid { lower: f64, width: f64 },
}

impl ElementwiseMap {
    /// The map `biject_to(support)` applies entry by entry, with the name of the bijector it
    /// builds; `None` for supports whose bijection mixes entries.
    pub(crate) fn of(support: &Constraint) -> Option<(Self, &'static str)> {
        Some(match *support {
            Constraint::Real | Constraint::RealVector => (ElementwiseMap::Identity, "Identity"),
            Constraint::Positive => (
                ElementwiseMap::Exp {
                    shift: 0.0,
                    sign: 1.0,
                },
                "Exp",
            ),
            Constraint::GreaterThan(lower) => (
                ElementwiseMap::Exp {
                    shift: lower,
                    sign: 1.0,
                },
                "Chain",
            ),
            Constraint::LessThan(upper) => (
                ElementwiseMap::Exp {
                    shift: upper,
                    sign: -1.0,
                },
                "Chain",
            ),
            Constraint::UnitInterval => (
                ElementwiseMap::Sigmoid {
                    lower: 0.0,
                    width: 1.0,
                },
                "Sigmoid",
            ),
            Constraint::Interval(lower, upper) if lower < upper => (
                ElementwiseMap::Sigmoid {
                    lower,
                    width: upper - lower,
                },
                "Chain",
            ),
            _ => return None,
        })
    }

    /// `(z, dz/dx, ln |dz/dx|, d ln |dz/dx| / dx)` at `x`.
    #[inline]
    pub(crate) fn apply<E: Real>(&self, x: E) -> (E, E, E, E) {
        match *self {
            ElementwiseMap::Identity => (x, E::one(), E::zero(), E::zero()),
            ElementwiseMap::Exp { shift, sign } => {
                let grown = x.exp();
                let (shift, sign): (E, E) = (real(shift), real(sign));
                (grown * sign + shift, grown * sign, x, E::one())
            }
            ElementwiseMap::Sigmoid { lower, width } => {
                let (lower, width): (E, E) = (real(lower), real(width));
                // Stable: ln sigmoid(x) = min(x, 0) - ln(1 + exp(-|x|)).
                let tail = (-x.abs()).exp().ln_1p();
                let log_sigmoid = x.min(E::zero()) - tail;
                let log_sigmoid_negated = (-x).min(E::zero()) - tail;
                let sigmoid = log_sigmoid.exp();
                let complement = log_sigmoid_negated.exp();
                (
                    sigmoid * width + lower,
                    width * sigmoid * complement,
                    log_sigmoid + log_sigmoid_negated + width.ln(),
                    complement - sigmoid,
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Cpu;
    use crate::constraints::biject_to;
    use crate::transforms::Bijector;

    #[test]
    fn every_elementwise_support_names_the_bijector_biject_to_builds() {
        for support in [
            Constraint::Real,
            Constraint::RealVector,
            Constraint::Positive,
            Constraint::GreaterThan(-1.5),
            Constraint::LessThan(3.0),
            Constraint::UnitInterval,
            Constraint::Interval(-2.0, 5.0),
        ] {
            let (_, name) = ElementwiseMap::of(&support).unwrap();
            let bijector: Box<dyn Bijector<f32, Cpu>> = biject_to(&support).unwrap();
            assert_eq!(bijector.name(), name, "{support:?}");
        }
        for support in [
            Constraint::Simplex,
            Constraint::Ordered,
            Constraint::PositiveOrdered,
        ] {
            assert!(ElementwiseMap::of(&support).is_none(), "{support:?}");
        }
    }
}
