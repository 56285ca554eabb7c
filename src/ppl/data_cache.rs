//! [`DataCache`]: a model's data converted to device values once per run, with the outcome of
//! its support check remembered.
//!
//! A `model!` keeps its data on the host (`Vec<f64>`, [`DataMatrix`]) and runs once per step.
//! Without a cache every step converts the data to a device value again (for logistic
//! regression on 5000 x 20 that is 100 000 conversions and a 400 KB allocation) and checks every
//! observed entry against the likelihood's support on the host. An inference loop owns its
//! model for the whole run, so the data cannot change: [`Svi`](crate::infer::Svi) hands a
//! cache to each step's [`Ctx`](crate::ppl::Ctx), the model's data bindings come from it
//! ([`crate::ppl::dsl::cached_vector`]), and an observed site whose value is a cached value is
//! checked against a given support once.
//!
//! Entries are keyed by the address, length and shape of the host data, which is sound only
//! while that data lives unchanged: the cache is for data owned by a model that the loop holds,
//! and lives no longer than the loop.

use super::dsl::DataMatrix;
use crate::backend::{real, Backend, Real, Var};
use crate::constraints::Constraint;
use crate::error::Result;
use std::cell::RefCell;

/// Identity of host data: address, length, rows, columns.
type DataKey = (usize, usize, usize, usize);

/// Device copies of a model's data for one inference run (see the module docs).
///
/// ```
/// use flowppl::ppl::DataCache;
/// use flowppl::prelude::*;
/// let cache = DataCache::<f32, Cpu>::new();
/// let y = vec![1.0, 0.0, 1.0];
/// let first = cache.vector(&Cpu::default(), &y).unwrap();
/// let again = cache.vector(&Cpu::default(), &y).unwrap(); // no second conversion
/// assert_eq!(first.to_vec(), again.to_vec());
/// // Checked against a support once per value.
/// use flowppl::constraints::Constraint;
/// assert_eq!(cache.in_support(&first, Constraint::Boolean, false), Some(true));
/// ```
pub struct DataCache<E: Real, D: Backend<E>> {
    values: RefCell<Vec<(DataKey, Var<E, D>)>>,
    /// `(value uid, support, checked by row, every entry inside)`.
    checked: RefCell<Vec<(u64, Constraint, bool, bool)>>,
}

impl<E: Real, D: Backend<E>> Default for DataCache<E, D> {
    fn default() -> Self {
        DataCache {
            values: RefCell::new(Vec::new()),
            checked: RefCell::new(Vec::new()),
        }
    }
}

impl<E: Real, D: Backend<E>> DataCache<E, D> {
    /// An empty cache.
    ///
    /// # Examples
    /// ```
    /// use flowppl::constraints::Constraint;
    /// use flowppl::ppl::DataCache;
    /// use flowppl::prelude::*;
    /// let cache = DataCache::<f64, Cpu>::new();
    /// // An empty cache vouches for no value.
    /// let x = Var::<f64, Cpu>::scalar(&Cpu::default(), 1.0);
    /// assert_eq!(cache.in_support(&x, Constraint::Real, false), None);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    fn get_or_insert(
        &self,
        key: DataKey,
        make: impl FnOnce() -> Result<Var<E, D>>,
    ) -> Result<Var<E, D>> {
        if let Some((_, v)) = self.values.borrow().iter().find(|(k, _)| *k == key) {
            return Ok(v.clone());
        }
        let value = make()?;
        self.values.borrow_mut().push((key, value.clone()));
        Ok(value)
    }

    /// The data vector as a `(1, n)` value on `device`, converted on first use.
    ///
    /// # Errors
    /// Backend errors.
    ///
    /// # Examples
    /// ```
    /// use flowppl::ppl::DataCache;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let cache = DataCache::<f64, Cpu>::new();
    /// let y = vec![1.5, 2.5, 3.5];
    /// let v = cache.vector(&Cpu::default(), &y)?;
    /// assert_eq!(v.shape(), (1, 3));
    /// assert_eq!(v.to_vec(), y);
    /// # Ok(())
    /// # }
    /// ```
    pub fn vector<T: Real>(&self, device: &D, data: &[T]) -> Result<Var<E, D>> {
        let key = (data.as_ptr() as usize, data.len(), 1, data.len());
        self.get_or_insert(key, || {
            let values: Vec<E> = data.iter().map(|&v| real(Real::to_f64(v))).collect();
            Var::constant_with_mirror(device, values, 1, data.len())
        })
    }

    /// The data matrix as an `(n, p)` value on `device`, converted on first use.
    ///
    /// # Errors
    /// Backend errors.
    ///
    /// # Examples
    /// ```
    /// use flowppl::ppl::DataCache;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let cache = DataCache::<f64, Cpu>::new();
    /// let x = DataMatrix::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]])?;
    /// let m = cache.matrix(&Cpu::default(), &x)?;
    /// assert_eq!(m.shape(), (3, 2));
    /// assert_eq!(m.to_vec(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn matrix(&self, device: &D, data: &DataMatrix) -> Result<Var<E, D>> {
        let key = (
            data.values().as_ptr() as usize,
            data.values().len(),
            data.rows(),
            data.columns(),
        );
        self.get_or_insert(key, || {
            let values: Vec<E> = data.values().iter().map(|&v| real(v)).collect();
            Var::constant_with_mirror(device, values, data.rows(), data.columns())
        })
    }

    /// Whether every entry (or row, `by_row`) of `value` lies in `support`, or `None` when
    /// `value` is not one of this cache's values. The check runs once per value and support.
    ///
    /// # Examples
    /// ```
    /// use flowppl::constraints::Constraint;
    /// use flowppl::ppl::DataCache;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let cache = DataCache::<f64, Cpu>::new();
    /// let y = vec![0.0, 1.0, 3.0];
    /// let v = cache.vector(&Cpu::default(), &y)?;
    /// assert_eq!(cache.in_support(&v, Constraint::NonNegativeInteger, false), Some(true));
    /// assert_eq!(cache.in_support(&v, Constraint::Boolean, false), Some(false)); // 3
    /// // By row: the row [0, 1, 3] is one event, and it is increasing.
    /// assert_eq!(cache.in_support(&v, Constraint::Ordered, true), Some(true));
    /// # Ok(())
    /// # }
    /// ```
    pub fn in_support(&self, value: &Var<E, D>, support: Constraint, by_row: bool) -> Option<bool> {
        let uid = value.uid;
        if !self.values.borrow().iter().any(|(_, v)| v.uid == uid) {
            return None;
        }
        if let Some(&(_, _, _, inside)) = self
            .checked
            .borrow()
            .iter()
            .find(|(u, s, r, _)| *u == uid && *s == support && *r == by_row)
        {
            return Some(inside);
        }
        let values = value.to_f64_vec();
        let columns = value.columns().max(1);
        let inside = if by_row {
            values.chunks(columns).all(|row| support.check_row(row))
        } else {
            values.iter().all(|&x| support.check_value(x))
        };
        self.checked
            .borrow_mut()
            .push((uid, support, by_row, inside));
        Some(inside)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Cpu;

    #[test]
    fn data_is_converted_once_and_checked_once() {
        let cache = DataCache::<f32, Cpu>::new();
        let device = Cpu::default();
        let y = vec![0.0, 1.0, 1.0];
        let first = cache.vector(&device, &y).unwrap();
        let second = cache.vector(&device, &y).unwrap();
        assert_eq!(first.uid, second.uid);
        assert_eq!(first.to_f64_vec(), y);
        assert_eq!(
            cache.in_support(&first, Constraint::Boolean, false),
            Some(true)
        );
        assert_eq!(
            cache.in_support(&first, Constraint::Positive, false),
            Some(false)
        );
        // A value the cache did not make is not vouched for.
        let other = Var::<f32, Cpu>::from_vec(&device, vec![0.0, 1.0, 1.0], 1, 3).unwrap();
        assert_eq!(cache.in_support(&other, Constraint::Boolean, false), None);
        // Other data of the same length is another entry.
        let z = vec![2.0, 3.0, 4.0];
        assert_ne!(cache.vector(&device, &z).unwrap().uid, first.uid);
        let x = DataMatrix::new(2, 2, vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let m = cache.matrix(&device, &x).unwrap();
        assert_eq!(m.shape(), (2, 2));
        assert_eq!(cache.matrix(&device, &x).unwrap().uid, m.uid);
    }
}
