//! Cumulative sums across columns.

use crate::backend::{Backend, Real, Var};
use dfdx::prelude::TryMatMul;

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// Inclusive cumulative sum across columns: `y[i, j] = sum_{k <= j} x[i, k]`.
    ///
    /// Computed as one product with an upper-triangular matrix of ones (`O(K^2)` per row, which
    /// is the right trade for the small K of spline bins and stick-breaking).
    pub fn cumsum_columns(&self) -> Self {
        let k = self.columns();
        let ones = Var::full(&self.device(), k, k, 1.0).upper_triangle(0).value;
        self.record(|t| t.matmul(ones))
    }
}
