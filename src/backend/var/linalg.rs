//! Matrix products and triangular masks.

use super::HostMirror;
use super::Var;
use crate::backend::device::Backend;
use crate::backend::ops::fused::use_fused;
use crate::backend::ops::kernel_graph::read_upstream;
use crate::backend::real::Real;
use crate::error::{Error, Result};
use dfdx::prelude::{Tape, TryMatMul};

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// Matrix product `(n, k) x (k, m) -> (n, m)`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the inner dimensions differ.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let a = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0], [3.0, 4.0]])?;
    /// let b = Var::from_rows(&dev, &[[5.0], [6.0]])?;
    /// let product = a.matmul(&b)?;
    /// assert_eq!(product.shape(), (2, 1));
    /// assert_eq!(product.to_vec(), vec![17.0, 39.0]);
    /// assert!(matches!(b.matmul(&b), Err(Error::ShapeMismatch { .. })));
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let data = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])?;
    /// let weights = Var::from_rows(&dev, &[[1.0, 0.0], [1.0, -1.0]])?; // two particles
    /// let eta = data.dot(&weights)?;
    /// assert_eq!(eta.shape(), (2, 3));
    /// assert_eq!(eta.to_vec(), vec![1.0, 3.0, 5.0, -1.0, -1.0, -1.0]);
    /// assert!(data.dot(&Var::zeros(&dev, 1, 3)).is_err());
    /// # Ok(())
    /// # }
    /// ```
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

    /// [`Var::dot`] for constant data with a host mirror, on the host, read column by column
    /// (`X^T`, transposed once per run): the product `out[s, :] = sum_j w[s, j] x^(j)` as
    /// contiguous multiply-adds, and a hand-written backward `dw[s, j] += g_s . x^(j)` that
    /// computes no gradient for the data (dfdx's matmul backward always would: 400 KB for
    /// T1's 5000 x 20).
    fn dot_constant_data(&self, weights: &Self, data: std::sync::Arc<HostMirror<E>>) -> Self {
        let (n, p) = self.shape();
        let particles = weights.rows();
        let w = weights.to_vec();
        let mut product = vec![E::zero(); particles * n];
        {
            let columns = data.column_major();
            for (s, out_row) in product.chunks_exact_mut(n).enumerate() {
                weighted_column_sum(out_row, columns, &w[s * p..(s + 1) * p]);
            }
        }
        let mirror = HostMirror::new(product.clone(), particles, n);
        let mut out = Var::constant(self.value.device().tensor_from_vec(product, (particles, n)));
        out.host = Some(mirror);
        let Some(shared) = &weights.tape else {
            return out;
        };
        let (output_tensor, weight_tensor) = (out.value.clone(), weights.value.clone());
        shared.borrow_mut().add_backward_op(move |grads| {
            let Some(upstream) = read_upstream(grads, &output_tensor)? else {
                return Ok(());
            };
            let Some(gradient) = D::host_buffer_mut(grads.get_or_alloc_mut(&weight_tensor)?) else {
                return Ok(());
            };
            let columns = data.column_major();
            for (s, g) in upstream.chunks_exact(n).enumerate() {
                for (j, column) in columns.chunks_exact(n).enumerate() {
                    gradient[s * p + j] += dot_product(g, column);
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let a = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0], [3.0, 4.0]])?;
    /// assert_eq!(a.lower_triangle(0).to_vec(), vec![1.0, 0.0, 3.0, 4.0]);
    /// assert_eq!(a.lower_triangle(-1).to_vec(), vec![0.0, 0.0, 3.0, 0.0]); // strictly below
    /// # Ok(())
    /// # }
    /// ```
    pub fn lower_triangle(&self, k: isize) -> Self {
        self.record(|t| t.lower_tri(k))
    }

    /// Keeps entries on and above diagonal `k` (0 = main diagonal), zeroing the rest.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let a = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0], [3.0, 4.0]])?;
    /// assert_eq!(a.upper_triangle(0).to_vec(), vec![1.0, 2.0, 0.0, 4.0]);
    /// assert_eq!(a.upper_triangle(1).to_vec(), vec![0.0, 2.0, 0.0, 0.0]); // strictly above
    /// # Ok(())
    /// # }
    /// ```
    pub fn upper_triangle(&self, k: isize) -> Self {
        self.record(|t| t.upper_tri(k))
    }

    /// The diagonal of a square matrix as a `(1, n)` row.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] for a non-square value.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let a = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0], [3.0, 4.0]])?;
    /// let d = a.diagonal()?;
    /// assert_eq!((d.shape(), d.to_vec()), ((1, 2), vec![1.0, 4.0]));
    /// assert!(matches!(Var::<f64, Cpu>::zeros(&dev, 2, 3).diagonal(), Err(Error::InvalidShape { .. })));
    /// # Ok(())
    /// # }
    /// ```
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

/// `out[i] = sum_j weights[j] columns[j * n + i]` for column-major `columns` (`n` = `out.len()`),
/// four columns per pass over the output: a column at a time would read and write the whole
/// output once per column; four at a time does it a quarter as often, and the loop body is
/// straight multiply-adds over five slices, which the compiler vectorises.
fn weighted_column_sum<E: Real>(out: &mut [E], columns: &[E], weights: &[E]) {
    crate::backend::simd::wide(|| weighted_column_sum_loop(out, columns, weights))
}

#[inline(always)]
fn weighted_column_sum_loop<E: Real>(out: &mut [E], columns: &[E], weights: &[E]) {
    let n = out.len();
    out.fill(E::zero());
    let mut groups = columns.chunks_exact(4 * n).zip(weights.chunks_exact(4));
    for (group, w) in groups.by_ref() {
        let (c0, rest) = group.split_at(n);
        let (c1, rest) = rest.split_at(n);
        let (c2, c3) = rest.split_at(n);
        let zipped = out.iter_mut().zip(c0).zip(c1).zip(c2).zip(c3);
        for ((((o, &x0), &x1), &x2), &x3) in zipped {
            *o = *o + (w[0] * x0 + w[1] * x1) + (w[2] * x2 + w[3] * x3);
        }
    }
    let done = weights.len() - weights.len() % 4;
    for (j, &weight) in weights.iter().enumerate().skip(done) {
        for (o, &x) in out.iter_mut().zip(&columns[j * n..(j + 1) * n]) {
            *o += weight * x;
        }
    }
}

/// `a . b` with sixteen independent partial sums, so the loop vectorises (a single running sum
/// is one long dependency chain).
fn dot_product<E: Real>(a: &[E], b: &[E]) -> E {
    let mut lanes = [E::zero(); 16];
    let (a_chunks, b_chunks) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: E = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .fold(E::zero(), |acc, (&x, &y)| acc + x * y);
    for (x, y) in a_chunks.zip(b_chunks) {
        for k in 0..16 {
            lanes[k] += x[k] * y[k];
        }
    }
    lanes.iter().fold(tail, |acc, &v| acc + v)
}
