//! Cumulative sums across columns.

use crate::backend::{Backend, Real, Var};
use dfdx::prelude::TryMatMul;

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// Inclusive cumulative sum across columns: `y[i, j] = sum_{k <= j} x[i, k]`.
    ///
    /// Computed as one product with an upper-triangular matrix of ones (`O(K^2)` per row, which
    /// is the right trade for the small K of spline bins and stick-breaking).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
    /// assert_eq!(x.cumsum_columns().to_vec(), vec![1.0, 3.0, 6.0, 4.0, 9.0, 15.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn cumsum_columns(&self) -> Self {
        let k = self.columns();
        let ones = Var::full(&self.device(), k, k, 1.0).upper_triangle(0).value;
        self.record(|t| t.matmul(ones))
    }
}
