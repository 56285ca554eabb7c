//! A fixed permutation of the coordinates.

use super::bijector::{zero_log_det, Bijector};
use crate::backend::rng::seeded;
use crate::backend::{Backend, Real, Var};
use crate::error::{Error, Result};
use rand::seq::SliceRandom;

/// `y_i = x_(order[i])`: a fixed permutation (volume-preserving). Use between autoregressive or
/// coupling layers when reversal is not enough, e.g. in higher dimensions.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::{Bijector, Permute};
/// # fn main() -> flowppl::Result<()> {
/// let p = Permute::new(vec![2, 0, 1])?;
/// let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[10.0, 20.0, 30.0]])?;
/// let (y, log_det) = p.forward(&x, None)?;
/// assert_eq!(y.to_vec(), vec![30.0, 10.0, 20.0]);
/// assert_eq!(log_det.to_vec(), vec![0.0]);
/// assert_eq!(p.inverse(&y, None)?.0.to_vec(), x.to_vec());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permute {
    order: Vec<usize>,
    inverse_order: Vec<usize>,
}

impl Permute {
    /// The permutation `order` (a rearrangement of `0..d`).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when `order` is not a permutation.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl::transforms::{Bijector, Permute};
    /// # fn main() -> flowppl::Result<()> {
    /// let swap = Permute::new(vec![1, 0])?;
    /// let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[1.0, 2.0]])?;
    /// assert_eq!(swap.forward(&x, None)?.0.to_vec(), vec![2.0, 1.0]);
    /// assert!(Permute::new(vec![0, 0, 1]).is_err()); // repeats an index
    /// assert!(Permute::new(vec![0, 3]).is_err()); // out of range
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(order: Vec<usize>) -> Result<Self> {
        let mut inverse_order = vec![usize::MAX; order.len()];
        for (i, &j) in order.iter().enumerate() {
            if j >= order.len() || inverse_order[j] != usize::MAX {
                return Err(Error::InvalidConfig {
                    what: "Permute".into(),
                    message: format!("{order:?} is not a permutation of 0..{}", order.len()),
                });
            }
            inverse_order[j] = i;
        }
        Ok(Permute {
            order,
            inverse_order,
        })
    }

    /// A uniformly random permutation of `0..dimension`, fixed by `seed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl::transforms::{Bijector, Permute};
    /// # fn main() -> flowppl::Result<()> {
    /// let p = Permute::random(5, 3);
    /// assert_eq!(p, Permute::random(5, 3)); // fixed by the seed
    /// let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[0.0, 1.0, 2.0, 3.0, 4.0]])?;
    /// let mut moved = p.forward(&x, None)?.0.to_vec();
    /// assert_eq!(p.inverse(&Var::from_rows(&Cpu::default(), &[moved.clone()])?, None)?.0.to_vec(), x.to_vec());
    /// moved.sort_by(f64::total_cmp);
    /// assert_eq!(moved, x.to_vec()); // a rearrangement of the coordinates
    /// # Ok(())
    /// # }
    /// ```
    pub fn random(dimension: usize, seed: u64) -> Self {
        let mut order: Vec<usize> = (0..dimension).collect();
        order.shuffle(&mut seeded(seed));
        let mut inverse_order = vec![0; dimension];
        for (i, &j) in order.iter().enumerate() {
            inverse_order[j] = i;
        }
        Permute {
            order,
            inverse_order,
        }
    }
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for Permute {
    fn name(&self) -> &'static str {
        "Permute"
    }
    fn forward(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        Ok((x.gather_columns(&self.order)?, zero_log_det(x)))
    }
    fn inverse(&self, y: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        Ok((y.gather_columns(&self.inverse_order)?, zero_log_det(y)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Cpu;

    #[test]
    fn permutes_and_inverts() {
        let p = Permute::new(vec![2, 0, 1]).unwrap();
        let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[10.0, 20.0, 30.0]]).unwrap();
        let (y, _) = Bijector::<f64, Cpu>::forward(&p, &x, None).unwrap();
        assert_eq!(y.to_vec(), vec![30.0, 10.0, 20.0]);
        let (back, _) = Bijector::<f64, Cpu>::inverse(&p, &y, None).unwrap();
        assert_eq!(back.to_vec(), x.to_vec());
        assert!(Permute::new(vec![0, 0, 1]).is_err());
        let r = Permute::random(5, 3);
        let mut sorted = r.order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![0, 1, 2, 3, 4]);
    }
}
