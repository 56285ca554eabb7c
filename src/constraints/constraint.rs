//! [`Constraint`]: the set a value must lie in.

/// The support of a distribution or the domain of a parameter.
///
/// Elementwise constraints apply to each entry; the *row* constraints ([`Constraint::Simplex`],
/// [`Constraint::Ordered`], [`Constraint::CorrCholesky`], [`Constraint::RealVector`]) apply to
/// each row as one event.
///
/// # Examples
///
/// ```
/// use flowppl::constraints::Constraint;
/// assert!(Constraint::Positive.check_value(0.5));
/// assert!(!Constraint::Positive.check_value(0.0));
/// assert!(Constraint::Simplex.check_row(&[0.25, 0.75]));
/// assert!(!Constraint::Simplex.check_row(&[0.25, 0.5]));
/// assert!(!Constraint::Interval(0.0, 1.0).check_value(1.5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Constraint {
    /// All reals.
    Real,
    /// `x > 0`.
    Positive,
    /// `x > lower`.
    GreaterThan(f64),
    /// `x < upper`.
    LessThan(f64),
    /// `lower < x < upper` (open; the boundary is accepted by [`Constraint::check_value`] since
    /// floating point reaches it).
    Interval(f64, f64),
    /// `0 < x < 1`.
    UnitInterval,
    /// `x` in {0, 1}.
    Boolean,
    /// `x` in {0, 1, 2, ...}.
    NonNegativeInteger,
    /// `x` in {lower, ..., upper}.
    IntegerInterval(i64, i64),
    /// Each row is a real vector (every entry finite).
    RealVector,
    /// Each row has positive entries summing to 1.
    Simplex,
    /// Each row is strictly increasing.
    Ordered,
    /// Each row is strictly increasing and positive.
    PositiveOrdered,
    /// Each row is a row-major `d x d` lower-triangular Cholesky factor of a correlation matrix:
    /// positive diagonal, rows of unit length.
    CorrCholesky,
}

impl Constraint {
    /// Whether the constraint applies to whole rows rather than single entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::constraints::Constraint;
    /// assert!(Constraint::Simplex.is_row_constraint());
    /// assert!(Constraint::CorrCholesky.is_row_constraint());
    /// assert!(Constraint::PositiveOrdered.is_row_constraint());
    /// assert!(!Constraint::Positive.is_row_constraint());
    /// ```
    pub fn is_row_constraint(&self) -> bool {
        matches!(
            self,
            Constraint::RealVector
                | Constraint::Simplex
                | Constraint::Ordered
                | Constraint::PositiveOrdered
                | Constraint::CorrCholesky
        )
    }

    /// Whether values are integers (a discrete support).
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::constraints::Constraint;
    /// assert!(Constraint::Boolean.is_discrete());
    /// assert!(Constraint::IntegerInterval(0, 5).is_discrete());
    /// assert!(!Constraint::UnitInterval.is_discrete());
    /// ```
    pub fn is_discrete(&self) -> bool {
        matches!(
            self,
            Constraint::Boolean | Constraint::NonNegativeInteger | Constraint::IntegerInterval(..)
        )
    }

    /// Whether one entry satisfies an elementwise constraint (row constraints: finite).
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::constraints::Constraint;
    /// assert!(Constraint::Interval(0.0, 1.0).check_value(1.0)); // the boundary is accepted
    /// assert!(!Constraint::GreaterThan(2.0).check_value(2.0));
    /// assert!(!Constraint::NonNegativeInteger.check_value(2.5));
    /// assert!(!Constraint::Real.check_value(f64::NAN));
    /// ```
    pub fn check_value(&self, x: f64) -> bool {
        let integer = x == x.floor();
        match *self {
            Constraint::Real | Constraint::RealVector => x.is_finite(),
            Constraint::Positive => x > 0.0 && x.is_finite(),
            Constraint::GreaterThan(lower) => x > lower && x.is_finite(),
            Constraint::LessThan(upper) => x < upper && x.is_finite(),
            Constraint::Interval(lower, upper) => x >= lower && x <= upper,
            Constraint::UnitInterval => (0.0..=1.0).contains(&x),
            Constraint::Boolean => x == 0.0 || x == 1.0,
            Constraint::NonNegativeInteger => x >= 0.0 && integer && x.is_finite(),
            Constraint::IntegerInterval(lower, upper) => {
                integer && x >= lower as f64 && x <= upper as f64
            }
            Constraint::Simplex | Constraint::Ordered | Constraint::CorrCholesky => x.is_finite(),
            Constraint::PositiveOrdered => x > 0.0 && x.is_finite(),
        }
    }

    /// Whether one row satisfies the constraint (for elementwise constraints: every entry does).
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::constraints::Constraint;
    /// assert!(Constraint::Ordered.check_row(&[-1.0, 0.0, 3.0]));
    /// assert!(!Constraint::Ordered.check_row(&[0.0, 0.0]));
    /// assert!(Constraint::CorrCholesky.check_row(&[1.0, 0.0, 0.0, 1.0]));
    /// assert!(!Constraint::Positive.check_row(&[1.0, -1.0]));
    /// ```
    pub fn check_row(&self, row: &[f64]) -> bool {
        if !row.iter().all(|&x| self.check_value(x)) {
            return false;
        }
        match *self {
            Constraint::Simplex => {
                let sum: f64 = row.iter().sum();
                row.iter().all(|&x| x >= 0.0) && (sum - 1.0).abs() < 1e-4 * row.len().max(1) as f64
            }
            Constraint::Ordered | Constraint::PositiveOrdered => {
                row.windows(2).all(|w| w[0] < w[1])
            }
            Constraint::CorrCholesky => {
                let d = (row.len() as f64).sqrt().round() as usize;
                if d * d != row.len() {
                    return false;
                }
                (0..d).all(|i| {
                    let r = &row[i * d..(i + 1) * d];
                    let upper_zero = r[i + 1..].iter().all(|&v| v == 0.0);
                    let norm: f64 = r.iter().map(|v| v * v).sum();
                    upper_zero && r[i] > 0.0 && (norm - 1.0).abs() < 1e-4
                })
            }
            _ => true,
        }
    }

    /// A short human-readable description, used in error messages.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::constraints::Constraint;
    /// assert_eq!(Constraint::Interval(0.0, 1.5).describe(), "in [0, 1.5]");
    /// assert_eq!(Constraint::GreaterThan(2.5).describe(), "greater than 2.5");
    /// ```
    pub fn describe(&self) -> String {
        match self {
            Constraint::Real => "real".into(),
            Constraint::Positive => "positive".into(),
            Constraint::GreaterThan(a) => format!("greater than {a}"),
            Constraint::LessThan(b) => format!("less than {b}"),
            Constraint::Interval(a, b) => format!("in [{a}, {b}]"),
            Constraint::UnitInterval => "in [0, 1]".into(),
            Constraint::Boolean => "0 or 1".into(),
            Constraint::NonNegativeInteger => "a non-negative integer".into(),
            Constraint::IntegerInterval(a, b) => format!("an integer in {a}..={b}"),
            Constraint::RealVector => "a real vector".into(),
            Constraint::Simplex => "a probability vector (positive, summing to 1)".into(),
            Constraint::Ordered => "strictly increasing".into(),
            Constraint::PositiveOrdered => "positive and strictly increasing".into(),
            Constraint::CorrCholesky => "the Cholesky factor of a correlation matrix".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Constraint::*;

    #[test]
    fn checks() {
        assert!(Positive.check_value(1e-30) && !Positive.check_value(0.0));
        assert!(Interval(-1.0, 2.0).check_value(2.0) && !Interval(-1.0, 2.0).check_value(2.1));
        assert!(NonNegativeInteger.check_value(3.0) && !NonNegativeInteger.check_value(2.5));
        assert!(Simplex.check_row(&[0.2, 0.8]) && !Simplex.check_row(&[0.2, 0.7]));
        assert!(Ordered.check_row(&[-1.0, 0.0, 3.0]) && !Ordered.check_row(&[0.0, 0.0]));
        let s = 0.5f64.sqrt();
        assert!(CorrCholesky.check_row(&[1.0, 0.0, s, s]));
        assert!(!CorrCholesky.check_row(&[1.0, 0.1, s, s]));
        assert!(!Real.check_value(f64::NAN));
    }

    #[test]
    fn row_constraints_are_exactly_those_checked_by_row() {
        // A constraint whose `check_row` looks across entries must be applied by row, or a
        // density masks single entries and misses an unordered row (PositiveOrdered did).
        for c in [RealVector, Simplex, Ordered, PositiveOrdered, CorrCholesky] {
            assert!(c.is_row_constraint(), "{c:?}");
        }
        for c in [Real, Positive, UnitInterval, Boolean, NonNegativeInteger] {
            assert!(!c.is_row_constraint(), "{c:?}");
        }
    }

    #[test]
    fn an_unordered_positive_row_is_outside_the_support() {
        use crate::backend::Cpu;
        use crate::dist::{Distribution, ImproperUniform};
        let device = Cpu::default();
        let d = ImproperUniform::<f64, Cpu>::new(PositiveOrdered, 1, 2).unwrap();
        assert_eq!(d.event_dim(), 1);
        let bad = crate::backend::Var::from_vec(&device, vec![2.0, 1.0], 1, 2).unwrap();
        let good = crate::backend::Var::from_vec(&device, vec![1.0, 2.0], 1, 2).unwrap();
        assert_eq!(d.log_prob(&bad).unwrap().to_vec(), vec![f64::NEG_INFINITY]);
        assert_eq!(d.log_prob(&good).unwrap().to_vec(), vec![0.0]);
    }
}
