//! Matrix products and triangular masks.

use super::Var;
use crate::backend::device::Backend;
use crate::backend::real::Real;
use crate::error::{Error, Result};
use dfdx::prelude::TryMatMul;

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// Matrix product `(n, k) x (k, m) -> (n, m)`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the inner dimensions differ.
    pub fn matmul(&self, other: &Self) -> Result<Self> {
        if self.columns() != other.rows() {
            return Err(Error::ShapeMismatch {
                operation: "matmul",
                left: self.shape(),
                right: other.shape(),
                hint: "; the left operand's columns must equal the right operand's rows".into(),
            });
        }
        Self::record_pair("matmul", self, other, |l, r| l.matmul(r))
    }

    /// Dot products of every data row with every weight row: `self` is data `(n, p)`, `weights`
    /// is `(S, p)` (one weight vector per particle) and the result is `(S, n)` with
    /// `result[s, i] = sum_j weights[s, j] * self[i, j]`, the particle convention of models
    /// (`x.dot(&w)` is the linear predictor of every data point under every particle).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the column counts differ.
    pub fn dot(&self, weights: &Self) -> Result<Self> {
        if self.columns() != weights.columns() {
            return Err(Error::ShapeMismatch {
                operation: "dot",
                left: self.shape(),
                right: weights.shape(),
                hint: "; data (n, p) and weights (particles, p) need the same number of columns"
                    .into(),
            });
        }
        // (x w^T)^T rather than w x^T: the transposes then touch the small operands (the
        // weights and the `(n, S)` product), not the `(n, p)` data, which is usually largest.
        Ok(self.matmul(&weights.transpose())?.transpose())
    }

    /// Keeps entries on and below diagonal `k` (0 = main diagonal), zeroing the rest.
    pub fn lower_triangle(&self, k: isize) -> Self {
        self.record(|t| t.lower_tri(k))
    }

    /// Keeps entries on and above diagonal `k` (0 = main diagonal), zeroing the rest.
    pub fn upper_triangle(&self, k: isize) -> Self {
        self.record(|t| t.upper_tri(k))
    }

    /// The diagonal of a square matrix as a `(1, n)` row.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] for a non-square value.
    pub fn diagonal(&self) -> Result<Self> {
        let (r, c) = self.shape();
        if r != c {
            return Err(Error::invalid_shape(
                "diagonal",
                format!("needs a square matrix, found {r}x{c}"),
            ));
        }
        let eye = Var::identity(&self.device(), r);
        Ok(self.mul(&eye)?.sum_rows())
    }
}
