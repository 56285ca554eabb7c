//! Bin lookup in sorted knots.

use crate::backend::{Backend, Real, Var};
use crate::error::{Error, Result};

/// For each row `i`, the bin `j` with `knots[i, j] <= x[i] < knots[i, j + 1]`, clamped to
/// `0..=K-2` (so values below the first knot fall in bin 0 and values at or above the last knot
/// in bin K-2). `knots` is `(n, K)` with each row sorted ascending; `x` is `(n, 1)`.
///
/// The lookup is not differentiable (indices are integers); it runs on the host by binary search.
///
/// # Errors
/// [`Error::InvalidShape`] when the shapes disagree or `K < 2`.
///
/// # Examples
/// ```
/// use flowppl::backend::ops::searchsorted;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let knots = Var::<f64, Cpu>::from_rows(&dev, &[[0.0, 1.0, 2.0]; 3])?;
/// let x = Var::from_vec(&dev, vec![-5.0, 1.5, 9.0], 3, 1)?;
/// assert_eq!(searchsorted(&knots, &x)?, vec![0, 1, 1]); // outside: clamped
/// let wrong = Var::from_vec(&dev, vec![0.5], 1, 1)?;
/// assert!(searchsorted(&knots, &wrong).is_err());
/// # Ok(())
/// # }
/// ```
pub fn searchsorted<E: Real, D: Backend<E>>(
    knots: &Var<E, D>,
    x: &Var<E, D>,
) -> Result<Vec<usize>> {
    let (n, k) = knots.shape();
    if k < 2 || x.shape() != (n, 1) {
        return Err(Error::invalid_shape(
            "searchsorted",
            format!(
                "knots {:?} need at least 2 columns and x must be ({n}, 1), found {:?}",
                knots.shape(),
                x.shape()
            ),
        ));
    }
    let knots = knots.to_vec();
    let x = x.to_vec();
    Ok((0..n)
        .map(|i| {
            let row = &knots[i * k..(i + 1) * k];
            // Number of knots <= x, minus one, clamped to a valid bin.
            let count = row.partition_point(|&knot| knot <= x[i]);
            count.saturating_sub(1).min(k - 2)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Cpu;

    #[test]
    fn finds_bins_and_clamps_outside() {
        let dev = Cpu::default();
        let knots = Var::<f64, Cpu>::from_rows(&dev, &[[0.0, 1.0, 2.0, 3.0]; 5]).unwrap();
        let x = Var::from_vec(&dev, vec![-1.0, 0.0, 0.5, 2.0, 7.0], 5, 1).unwrap();
        assert_eq!(searchsorted(&knots, &x).unwrap(), vec![0, 0, 0, 2, 2]);
    }

    #[test]
    fn rejects_bad_shapes() {
        let dev = Cpu::default();
        let knots = Var::<f64, Cpu>::from_rows(&dev, &[[0.0, 1.0]]).unwrap();
        let x = Var::from_vec(&dev, vec![0.5, 0.5], 2, 1).unwrap();
        assert!(searchsorted(&knots, &x).is_err());
    }
}
