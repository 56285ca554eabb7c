//! The categorical distribution, parameterised by logits.

use super::distribution::{noise, Distribution};
use crate::backend::rng::open_uniforms;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::{Error, Result};

/// `Categorical(logits)`: each row of `logits` (`(rows, K)`) gives unnormalised log
/// probabilities of the classes `0..K`; a draw is `(rows, 1)` of class indices stored as
/// numbers. Log-mass `log_softmax(logits)[x]`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// // Probabilities 1/6, 2/6, 3/6.
/// let logits = Var::<f64, Cpu>::from_rows(&dev, &[[0.0, 2f64.ln(), 3f64.ln()]])?;
/// let d = Categorical::new(logits)?;
/// let lp = d.log_prob(&Var::scalar(&dev, 2.0))?.item()?;
/// assert!((lp - 0.5f64.ln()).abs() < 1e-12);
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let x = d.sample(&mut rng)?.item()?;
/// assert!([0.0, 1.0, 2.0].contains(&x));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Categorical<E: Real = f32, D: Backend<E> = Cpu> {
    logits: Var<E, D>,
}

impl<E: Real, D: Backend<E>> Categorical<E, D> {
    /// A categorical over `logits.columns()` classes, one distribution per row.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for NaN or `+inf` logits or a row that is all `-inf`;
    /// [`Error::InvalidShape`] for fewer than 1 class.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let two_rows = Var::<f64, Cpu>::from_rows(&dev, &[[0.0, 0.0], [0.0, 1.0]])?;
    /// assert_eq!(Categorical::new(two_rows)?.sample_shape(), (2, 1));
    /// let bad = Var::<f64, Cpu>::from_rows(&dev, &[[0.0, f64::NAN]])?;
    /// assert!(Categorical::new(bad).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(logits: impl Into<Var<E, D>>) -> Result<Self> {
        let logits = logits.into();
        logits.check()?;
        let (rows, k) = logits.shape();
        if k == 0 {
            return Err(Error::invalid_shape(
                "Categorical",
                "logits need at least one column",
            ));
        }
        let values = logits.to_f64_vec();
        if let Some(bad) = values.iter().find(|l| l.is_nan() || **l == f64::INFINITY) {
            return Err(Error::invalid_parameter(
                "Categorical",
                "logits",
                bad,
                "must not be NaN or +inf",
            ));
        }
        if (0..rows).any(|i| values[i * k..(i + 1) * k].iter().all(|l| l.is_infinite())) {
            return Err(Error::invalid_parameter(
                "Categorical",
                "logits",
                f64::NEG_INFINITY,
                "a row cannot be all -inf (no class would have mass)",
            ));
        }
        Ok(Categorical { logits })
    }

    /// Number of classes.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let logits = Var::<f64, Cpu>::zeros(&Cpu::default(), 1, 5);
    /// assert_eq!(Categorical::new(logits)?.num_classes(), 5);
    /// # Ok(())
    /// # }
    /// ```
    pub fn num_classes(&self) -> usize {
        self.logits.columns()
    }

    /// Normalised class probabilities, `(rows, K)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let logits = Var::<f64, Cpu>::from_rows(&dev, &[[0.0, 3f64.ln()]])?;
    /// let p = Categorical::new(logits)?.probs().to_f64_vec();
    /// assert!((p[0] - 0.25).abs() < 1e-12 && (p[1] - 0.75).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn probs(&self) -> Var<E, D> {
        self.logits.softmax_columns()
    }

    /// Logits broadcast to `rows` rows.
    fn logits_for(&self, rows: usize) -> Result<Var<E, D>> {
        self.logits.broadcast_to(rows, self.num_classes())
    }

    fn rows_for(&self, value: &Var<E, D>) -> Result<usize> {
        let rows = crate::backend::arithmetic_shape(
            "Categorical::log_prob",
            (self.logits.rows(), 1),
            value.shape(),
        )?;
        if rows.1 != 1 {
            return Err(Error::invalid_shape(
                "Categorical::log_prob",
                format!(
                    "values must be one class index per row, shape (n, 1); found {:?}",
                    value.shape()
                ),
            ));
        }
        Ok(rows.0)
    }
}

impl<E: Real, D: Backend<E>> Distribution<E, D> for Categorical<E, D> {
    fn name(&self) -> &'static str {
        "Categorical"
    }
    fn sample_shape(&self) -> (usize, usize) {
        (self.logits.rows(), 1)
    }
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>> {
        if columns != 1 {
            return Err(Error::invalid_shape(
                "Categorical::expand_to",
                format!("draws are one class index per row; cannot expand to {columns} columns"),
            ));
        }
        Ok(Box::new(self.clone().expand_rows(rows)?))
    }
    fn support(&self) -> Constraint {
        Constraint::IntegerInterval(0, self.num_classes() as i64 - 1)
    }
    fn log_prob_unchecked(&self, value: &Var<E, D>) -> Result<Var<E, D>> {
        let rows = self.rows_for(value)?;
        let k = self.num_classes();
        let indices: Vec<usize> = value
            .broadcast_to(rows, 1)?
            .to_f64_vec()
            .into_iter()
            .map(|x| (x.max(0.0).round() as usize).min(k - 1))
            .collect();
        self.logits_for(rows)?
            .log_softmax_columns()
            .pick_per_row(&indices)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let (rows, k) = self.logits.shape();
        let probs = self.probs().to_f64_vec();
        let u = open_uniforms(rng, rows);
        let draws = (0..rows)
            .map(|i| {
                let mut cumulative = 0.0;
                let row = &probs[i * k..(i + 1) * k];
                row.iter()
                    .position(|p| {
                        cumulative += p;
                        u[i] < cumulative
                    })
                    .unwrap_or(k - 1) as f64
            })
            .collect();
        noise(&self.logits.device(), (rows, 1), draws)
    }
    fn mean(&self) -> Result<Var<E, D>> {
        Ok(Var::full(
            &self.logits.device(),
            self.logits.rows(),
            1,
            f64::NAN,
        ))
    }
    fn variance(&self) -> Result<Var<E, D>> {
        Ok(Var::full(
            &self.logits.device(),
            self.logits.rows(),
            1,
            f64::NAN,
        ))
    }
}

impl<E: Real, D: Backend<E>> Categorical<E, D> {
    /// The same distribution repeated over `rows` rows (logits of one row broadcast).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless the logits have one row or already `rows` rows.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let one_row = Categorical::new(Var::<f64, Cpu>::zeros(&dev, 1, 3))?;
    /// assert_eq!(one_row.expand_rows(4)?.sample_shape(), (4, 1));
    /// let two_rows = Categorical::new(Var::<f64, Cpu>::zeros(&dev, 2, 3))?;
    /// assert!(two_rows.expand_rows(3).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn expand_rows(self, rows: usize) -> Result<Self> {
        Ok(Categorical {
            logits: self.logits.broadcast_to(rows, self.num_classes())?,
        })
    }
}
