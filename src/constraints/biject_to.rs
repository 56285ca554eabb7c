//! `biject_to`: the transform from unconstrained space onto a constraint's set.

use super::constraint::Constraint;
use crate::backend::{Backend, Real};
use crate::error::{Error, Result};
use crate::transforms::{
    Affine, Bijector, Chain, CorrCholesky, Exp, Identity, Ordered, PositiveOrdered, Sigmoid,
    StickBreaking,
};

/// The bijection from `R^n` onto the set of `constraint`, as used by variational inference to
/// optimise constrained latent variables in unconstrained space:
///
/// | constraint | transform |
/// |---|---|
/// | real, real vector | identity |
/// | positive | `exp` |
/// | greater than `a` | `a + exp(x)` |
/// | less than `b` | `b - exp(x)` |
/// | interval `(a, b)` | `a + (b - a) sigmoid(x)` |
/// | unit interval | `sigmoid` |
/// | simplex | stick-breaking (`K - 1 -> K` columns) |
/// | ordered | `cumsum([x_1, exp(x_2..)])` |
/// | positive ordered | `cumsum(exp(x))` |
/// | Cholesky factor of a correlation matrix | tanh partial correlations (`d(d-1)/2 -> d^2`) |
///
/// # Errors
/// [`Error::InvalidConfig`] for discrete constraints, which have no bijection from the reals.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::constraints::{biject_to, Constraint};
/// # fn main() -> flowppl::Result<()> {
/// let support = Constraint::Interval(2.0, 5.0);
/// let onto = biject_to::<f64, Cpu>(&support)?;
/// let x = Var::from_rows(&Cpu::default(), &[[-30.0f64, 0.0, 4.0]])?;
/// let (y, _) = onto.forward(&x, None)?;
/// assert!(y.to_vec().iter().all(|&v| support.check_value(v)));
/// assert_eq!(y.to_vec()[1], 3.5); // 2 + 3 sigmoid(0)
/// assert!(biject_to::<f64, Cpu>(&Constraint::Boolean).is_err());
/// # Ok(())
/// # }
/// ```
pub fn biject_to<E: Real, D: Backend<E>>(
    constraint: &Constraint,
) -> Result<Box<dyn Bijector<E, D>>> {
    Ok(match *constraint {
        Constraint::Real | Constraint::RealVector => Box::new(Identity),
        Constraint::Positive => Box::new(Exp),
        Constraint::GreaterThan(lower) => Box::new(Chain::new(vec![
            Box::new(Exp),
            Box::new(Affine::new(lower, 1.0)?),
        ])),
        Constraint::LessThan(upper) => Box::new(Chain::new(vec![
            Box::new(Exp),
            Box::new(Affine::new(upper, -1.0)?),
        ])),
        Constraint::Interval(lower, upper) => {
            if lower.partial_cmp(&upper) != Some(std::cmp::Ordering::Less) {
                return Err(Error::InvalidConfig {
                    what: "biject_to(interval)".into(),
                    message: format!("needs lower < upper, got ({lower}, {upper})"),
                });
            }
            Box::new(Chain::new(vec![
                Box::new(Sigmoid),
                Box::new(Affine::new(lower, upper - lower)?),
            ]))
        }
        Constraint::UnitInterval => Box::new(Sigmoid),
        Constraint::Simplex => Box::new(StickBreaking),
        Constraint::Ordered => Box::new(Ordered),
        Constraint::PositiveOrdered => Box::new(PositiveOrdered),
        Constraint::CorrCholesky => Box::new(CorrCholesky),
        Constraint::Boolean | Constraint::NonNegativeInteger | Constraint::IntegerInterval(..) => {
            return Err(Error::InvalidConfig {
                what: "biject_to".into(),
                message: format!(
                    "the support `{}` is discrete and has no bijection from the reals; \
                     enumerate or marginalise the variable instead",
                    constraint.describe()
                ),
            })
        }
    })
}
