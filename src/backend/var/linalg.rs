//! Matrix products and triangular masks.

use super::Var;
use crate::backend::device::Backend;
use crate::backend::ops::fused::use_fused;
use crate::backend::real::Real;
use crate::error::{Error, Result};
use dfdx::prelude::{Tape, TryMatMul};

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
        if let (Some(data), None, true) = (&self.host, &self.tape, use_fused::<E, D>()) {
            weights.check()?;
            return Ok(self.dot_constant_data(weights, data.clone()));
        }
        // (x w^T)^T rather than w x^T: the transposes then touch the small operands (the
        // weights and the `(n, S)` product), not the `(n, p)` data, which is usually largest.
        Ok(self.matmul(&weights.transpose())?.transpose())
    }

    /// [`Var::dot`] for constant data with a host mirror: the product `w X^T` in one untaped
    /// matmul (X read through transposed strides, no copy), and a hand-written backward that
    /// accumulates `dw[s, :] += sum_i g[s, i] x_i` on the host and computes no gradient for
    /// the data (dfdx's matmul backward always would, 400 KB for T1's 5000 x 20).
    fn dot_constant_data(&self, weights: &Self, data: std::sync::Arc<Vec<E>>) -> Self {
        let (n, p) = self.shape();
        let particles = weights.rows();
        // out[s, i] = w_s . x_i on the host (p is small; rows of X are contiguous), which
        // also leaves a host mirror of the product for the likelihood that reads it next.
        let w = weights.to_vec();
        let mut product = Vec::with_capacity(particles * n);
        for s in 0..particles {
            let ws = &w[s * p..(s + 1) * p];
            product.extend(data.chunks_exact(p).map(|x| {
                x.iter()
                    .zip(ws)
                    .fold(E::zero(), |acc, (&a, &b)| acc + a * b)
            }));
        }
        let mirror = std::sync::Arc::new(product.clone());
        let mut out = Var::constant(self.value.device().tensor_from_vec(product, (particles, n)));
        out.host = Some(mirror);
        let Some(shared) = &weights.tape else {
            return out;
        };
        let (output_tensor, weight_tensor) = (out.value.clone(), weights.value.clone());
        shared.borrow_mut().add_backward_op(move |grads| {
            let upstream: Vec<E> = match D::host_buffer_mut(grads.get_or_alloc_mut(&output_tensor)?)
            {
                Some(buffer) => buffer.to_vec(),
                None => return Ok(()),
            };
            let Some(gradient) = D::host_buffer_mut(grads.get_or_alloc_mut(&weight_tensor)?) else {
                return Ok(());
            };
            for s in 0..particles {
                let row = &mut gradient[s * p..(s + 1) * p];
                for (i, &g) in upstream[s * n..(s + 1) * n].iter().enumerate() {
                    for (w, &x) in row.iter_mut().zip(&data[i * p..(i + 1) * p]) {
                        *w += g * x;
                    }
                }
            }
            Ok(())
        });
        Var {
            tape: Some(shared.clone()),
            ..out
        }
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
