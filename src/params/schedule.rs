//! Learning-rate schedules.

use crate::error::{Error, Result};
use std::f64::consts::PI;

/// A multiplier on the base learning rate as a function of the step number `t` (0-based).
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// let s = Schedule::Step { every: 10, gamma: 0.5 };
/// assert_eq!((s.factor(9), s.factor(10), s.factor(25)), (1.0, 0.5, 0.25));
/// assert_eq!(Schedule::default(), Schedule::Constant);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Schedule {
    /// Always 1.
    #[default]
    Constant,
    /// `gamma^floor(t / every)`: multiply by `gamma` every `every` steps.
    Step {
        /// Steps between decays.
        every: u64,
        /// Factor per decay, in (0, 1].
        gamma: f64,
    },
    /// `gamma^t`: smooth exponential decay (Pyro's `lrd`).
    Exponential {
        /// Factor per step, in (0, 1].
        gamma: f64,
    },
    /// Cosine annealing (Loshchilov & Hutter 2017, arXiv:1608.03983) from 1 down to
    /// `final_fraction` at step `total`, then constant:
    /// `f + (1 - f) (1 + cos(pi min(t, T) / T)) / 2`.
    Cosine {
        /// Steps over which to anneal.
        total: u64,
        /// The multiplier reached at the end, in [0, 1].
        final_fraction: f64,
    },
}

impl Schedule {
    /// The exponential decay that goes from 1 to `final_fraction` in `total` steps.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let s = Schedule::exponential_to(0.01, 1000);
    /// assert!(matches!(s, Schedule::Exponential { .. }));
    /// assert!((s.factor(0) - 1.0).abs() < 1e-15);
    /// assert!((s.factor(1000) - 0.01).abs() < 1e-12);
    /// ```
    pub fn exponential_to(final_fraction: f64, total: u64) -> Self {
        Schedule::Exponential {
            gamma: final_fraction.powf(1.0 / total.max(1) as f64),
        }
    }

    /// The multiplier at step `t`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let cosine = Schedule::Cosine { total: 100, final_fraction: 0.1 };
    /// assert!((cosine.factor(0) - 1.0).abs() < 1e-15);
    /// assert!((cosine.factor(50) - 0.55).abs() < 1e-12); // halfway: f + (1 - f) / 2
    /// assert!((cosine.factor(500) - 0.1).abs() < 1e-12); // constant after `total`
    /// assert!((Schedule::Exponential { gamma: 0.9 }.factor(2) - 0.81).abs() < 1e-15);
    /// ```
    pub fn factor(&self, t: u64) -> f64 {
        match *self {
            Schedule::Constant => 1.0,
            Schedule::Step { every, gamma } => gamma.powf((t / every.max(1)) as f64),
            Schedule::Exponential { gamma } => gamma.powf(t as f64),
            Schedule::Cosine {
                total,
                final_fraction,
            } => {
                let progress = t.min(total) as f64 / total.max(1) as f64;
                final_fraction + (1.0 - final_fraction) * 0.5 * (1.0 + (PI * progress).cos())
            }
        }
    }

    /// Checks the schedule's parameters.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the bad field.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// assert!(Schedule::Cosine { total: 10, final_fraction: 0.0 }.validate().is_ok());
    /// assert!(Schedule::Step { every: 0, gamma: 0.5 }.validate().is_err());
    /// let error = Schedule::Exponential { gamma: 1.5 }.validate().unwrap_err();
    /// assert!(error.to_string().contains("gamma"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        let bad = |message: String| {
            Err(Error::InvalidConfig {
                what: "learning-rate schedule".into(),
                message,
            })
        };
        match *self {
            Schedule::Step { every: 0, .. } => bad("`every` must be at least 1".into()),
            Schedule::Step { gamma, .. } | Schedule::Exponential { gamma }
                if !(gamma > 0.0 && gamma <= 1.0) =>
            {
                bad(format!("`gamma` must be in (0, 1], got {gamma}"))
            }
            Schedule::Cosine { total: 0, .. } => bad("`total` must be at least 1".into()),
            Schedule::Cosine { final_fraction, .. } if !(0.0..=1.0).contains(&final_fraction) => {
                bad(format!(
                    "`final_fraction` must be in [0, 1], got {final_fraction}"
                ))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors() {
        assert_eq!(Schedule::Constant.factor(99), 1.0);
        let step = Schedule::Step {
            every: 10,
            gamma: 0.5,
        };
        assert_eq!(
            (step.factor(9), step.factor(10), step.factor(25)),
            (1.0, 0.5, 0.25)
        );
        let exp = Schedule::Exponential { gamma: 0.9 };
        assert!((exp.factor(2) - 0.81).abs() < 1e-15);
        let cos = Schedule::Cosine {
            total: 100,
            final_fraction: 0.1,
        };
        assert!((cos.factor(0) - 1.0).abs() < 1e-15);
        assert!((cos.factor(50) - 0.55).abs() < 1e-12);
        assert!((cos.factor(100) - 0.1).abs() < 1e-12);
        assert!((cos.factor(500) - 0.1).abs() < 1e-12);
        let to = Schedule::exponential_to(0.01, 1000);
        assert!((to.factor(1000) - 0.01).abs() < 1e-12);
    }

    #[test]
    fn validation_names_the_field() {
        let e = Schedule::Step {
            every: 0,
            gamma: 0.5,
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("every"));
        let e = Schedule::Exponential { gamma: 1.5 }.validate().unwrap_err();
        assert!(e.to_string().contains("gamma"));
    }
}
