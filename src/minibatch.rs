//! Row minibatches for training loops: a shuffled validation split, then shuffled passes over
//! the training rows.

use crate::backend::{Backend, Real, Rng, Var};
use crate::error::{Error, Result};
use rand::seq::SliceRandom;

/// Shuffled minibatches of training-row indices; each pass over the rows is reshuffled, and
/// a pass's last incomplete batch is dropped (every batch has `batch_size` rows, or all rows
/// when there are fewer).
///
/// # Examples
/// ```
/// use flowppl::backend::rng::seeded;
/// use flowppl::minibatch::Minibatches;
/// let mut rng = seeded(0);
/// // 10 rows: 2 held out, batches of 4 over the other 8.
/// let (validation, mut batches) = Minibatches::split(10, 0.2, 4, &mut rng);
/// let first = batches.next_batch(&mut rng).to_vec();
/// let second = batches.next_batch(&mut rng).to_vec();
/// let mut pass: Vec<usize> = first.iter().chain(&second).copied().collect();
/// pass.extend(&validation);
/// pass.sort();
/// // One pass covers every training row once, and never a validation row.
/// assert_eq!(pass, (0..10).collect::<Vec<_>>());
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Minibatches {
    rows: Vec<usize>,
    cursor: usize,
    batch_size: usize,
}

impl Minibatches {
    /// Splits rows `0..n`: a shuffled `validation_fraction` of them (rounded) is returned for
    /// validation, the rest feed the batches.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::rng::seeded;
    /// use flowppl::minibatch::Minibatches;
    /// let mut rng = seeded(0);
    /// let (validation, batches) = Minibatches::split(100, 0.25, 10, &mut rng);
    /// assert_eq!(validation.len(), 25);
    /// assert!(validation.iter().all(|&r| r < 100));
    /// // The other 75 rows feed the batches.
    /// assert!(batches.check(100).is_ok());
    /// ```
    pub fn split(
        n: usize,
        validation_fraction: f64,
        batch_size: usize,
        rng: &mut Rng,
    ) -> (Vec<usize>, Self) {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(rng);
        let held_out = ((n as f64) * validation_fraction).round() as usize;
        let rows = order.split_off(held_out.min(n));
        let cursor = rows.len();
        (
            order,
            Minibatches {
                rows,
                cursor,
                batch_size: batch_size.max(1),
            },
        )
    }

    /// For the rows of `data`: the validation rows gathered (`None` for a zero fraction) and
    /// the batches over the rest, after checking the settings.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming `what` for a zero batch size, a fraction outside
    /// `[0, 1)` or fewer than 2 rows.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::rng::seeded;
    /// use flowppl::minibatch::Minibatches;
    /// use flowppl::prelude::*;
    /// let mut rng = seeded(0);
    /// let data = Var::<f64, Cpu>::from_vec(&Cpu::default(), (0..10).map(f64::from).collect(), 5, 2).unwrap();
    /// // 40% of 5 rows held out: a (2, 2) validation block.
    /// let (validation, _) = Minibatches::for_data("fit", &data, 0.4, 2, &mut rng).unwrap();
    /// assert_eq!(validation.unwrap().shape(), (2, 2));
    /// let (none, _) = Minibatches::for_data("fit", &data, 0.0, 2, &mut rng).unwrap();
    /// assert!(none.is_none());
    /// assert!(Minibatches::for_data("fit", &data, 0.2, 0, &mut rng).is_err());
    /// ```
    pub fn for_data<E: Real, D: Backend<E>>(
        what: &str,
        data: &Var<E, D>,
        validation_fraction: f64,
        batch_size: usize,
        rng: &mut Rng,
    ) -> Result<(Option<Var<E, D>>, Self)> {
        if batch_size == 0 || !(0.0..1.0).contains(&validation_fraction) || data.rows() < 2 {
            return Err(Error::InvalidConfig {
                what: what.to_string(),
                message: "needs a positive batch size, a validation fraction in [0, 1) and at \
                          least 2 rows"
                    .into(),
            });
        }
        let (validation_rows, batches) =
            Self::split(data.rows(), validation_fraction, batch_size, rng);
        let validation = if validation_rows.is_empty() {
            None
        } else {
            Some(data.gather_rows(&validation_rows)?)
        };
        Ok((validation, batches))
    }

    /// Checks restored batches against data of `rows` rows: a positive batch size, the cursor
    /// within the pass, every index a row of the data.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] saying what does not fit.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::rng::seeded;
    /// use flowppl::minibatch::Minibatches;
    /// let mut rng = seeded(0);
    /// let (_, batches) = Minibatches::split(10, 0.2, 4, &mut rng);
    /// assert!(batches.check(10).is_ok());
    /// // Restored against smaller data: 8 training rows cannot come from 5.
    /// assert!(batches.check(5).is_err());
    /// ```
    pub fn check(&self, rows: usize) -> Result<()> {
        let fits = self.batch_size > 0
            && self.cursor <= self.rows.len()
            && self.rows.len() <= rows
            && self.rows.iter().all(|&r| r < rows);
        if fits {
            Ok(())
        } else {
            Err(Error::InvalidConfig {
                what: "saved minibatch state".into(),
                message: format!(
                    "does not fit data of {rows} rows (batch size {}, cursor {}, {} rows)",
                    self.batch_size,
                    self.cursor,
                    self.rows.len()
                ),
            })
        }
    }

    /// The next batch's row indices.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::rng::seeded;
    /// use flowppl::minibatch::Minibatches;
    /// let mut rng = seeded(0);
    /// let (_, mut batches) = Minibatches::split(10, 0.0, 4, &mut rng);
    /// // 10 rows in batches of 4: two disjoint full batches per (reshuffled) pass, the last
    /// // 2 rows of each pass dropped.
    /// for _ in 0..3 {
    ///     let first = batches.next_batch(&mut rng).to_vec();
    ///     let second = batches.next_batch(&mut rng).to_vec();
    ///     assert_eq!((first.len(), second.len()), (4, 4));
    ///     assert!(first.iter().all(|r| !second.contains(r) && *r < 10));
    /// }
    /// ```
    pub fn next_batch(&mut self, rng: &mut Rng) -> &[usize] {
        if self.cursor.saturating_add(self.batch_size) > self.rows.len() {
            self.rows.shuffle(rng);
            self.cursor = 0;
        }
        let start = self.cursor;
        self.cursor = start.saturating_add(self.batch_size).min(self.rows.len());
        &self.rows[start..self.cursor]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::rng::seeded;

    #[test]
    fn batches_cover_the_training_rows_and_never_the_validation_ones() {
        let mut rng = seeded(1);
        let (validation, mut batches) = Minibatches::split(100, 0.2, 30, &mut rng);
        assert_eq!(validation.len(), 20);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2 {
            let batch = batches.next_batch(&mut rng).to_vec();
            assert_eq!(batch.len(), 30);
            assert!(batch.iter().all(|r| !validation.contains(r)));
            seen.extend(batch);
        }
        assert_eq!(seen.len(), 60, "one pass has no repeats");
    }
}
