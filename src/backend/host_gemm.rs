//! Matrix products on host buffers, split by rows over [`matrix_threads`] threads.
//!
//! `C (+)= A B` for strided views `A` `(m, k)` and `B` `(k, n)` and a row-major `C` `(m, n)`.
//! The kernel is the `gemm` crate's (the one dfdx's CPU matrix product calls), run on one
//! thread per share; the shares are blocks of rows of `C`, so each writes its own slice of the
//! output, handed out through [`run_shares`] (see `helper_threads.rs` for why not rayon).
//! A product is split only when every share gets at least [`FLOPS_PER_SHARE`] floating-point
//! operations, below which handing a share over costs more than it saves.
//!
//! [`matrix_threads`]: crate::backend::matrix_threads

use super::helper_threads::run_shares;
use super::real::Real;
use crate::error::{Error, Result};
use std::sync::Mutex;

/// The least work (`2 m n k / shares`) worth a share of its own: about 8 us on one core.
pub(crate) const FLOPS_PER_SHARE: usize = 1 << 19;

/// Shares per thread: more than one, so that a helper that starts late (or loses its core)
/// holds up only a small block while the others take the rest.
pub(crate) const SHARES_PER_THREAD: usize = 2;

/// A strided view of a matrix in host memory: entry `(i, j)` is
/// `values[i * row_stride + j * column_stride]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HostMatrix<'a, E> {
    values: &'a [E],
    rows: usize,
    columns: usize,
    row_stride: usize,
    column_stride: usize,
}

impl<'a, E> HostMatrix<'a, E> {
    /// A row-major `(rows, columns)` matrix.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] unless `values` has `rows * columns` entries.
    pub(crate) fn row_major(values: &'a [E], rows: usize, columns: usize) -> Result<Self> {
        if values.len() != rows * columns {
            return Err(Error::invalid_shape(
                "matrix product",
                format!(
                    "{} entries cannot be a {rows}x{columns} matrix",
                    values.len()
                ),
            ));
        }
        Ok(HostMatrix {
            values,
            rows,
            columns,
            row_stride: columns,
            column_stride: 1,
        })
    }

    /// The transpose (the same entries, strides swapped).
    pub(crate) fn transposed(self) -> Self {
        HostMatrix {
            values: self.values,
            rows: self.columns,
            columns: self.rows,
            row_stride: self.column_stride,
            column_stride: self.row_stride,
        }
    }

    /// Rows `start..start + count` (in range by construction of the callers below).
    fn rows_from(self, start: usize, count: usize) -> Self {
        let offset = if count == 0 {
            0
        } else {
            start * self.row_stride
        };
        HostMatrix {
            values: &self.values[offset.min(self.values.len())..],
            rows: count,
            ..self
        }
    }
}

/// `out = a b` (or `out += a b` with `accumulate`) for `a` `(m, k)`, `b` `(k, n)` and a
/// row-major `out` of `m n` entries, split by rows over up to `threads` threads.
///
/// # Errors
/// [`Error::InvalidShape`] when the inner sizes differ or `out` is not `(m, n)`.
pub(crate) fn host_matmul<E: Real>(
    a: HostMatrix<'_, E>,
    b: HostMatrix<'_, E>,
    out: &mut [E],
    accumulate: bool,
    threads: usize,
) -> Result<()> {
    let (m, k, n) = (a.rows, a.columns, b.columns);
    if b.rows != k || out.len() != m * n {
        return Err(Error::invalid_shape(
            "matrix product",
            format!(
                "cannot multiply {m}x{k} by {}x{n} into {} entries",
                b.rows,
                out.len()
            ),
        ));
    }
    if m == 0 || n == 0 {
        return Ok(());
    }
    let flops = 2 * m * n * k;
    let shares = (threads * SHARES_PER_THREAD)
        .min(flops / FLOPS_PER_SHARE)
        .min(m)
        .max(1);
    let rows_per_share = m.div_ceil(shares);
    let blocks: Vec<Mutex<&mut [E]>> = out.chunks_mut(rows_per_share * n).map(Mutex::new).collect();
    run_shares(blocks.len(), threads, |share| {
        let mut block = blocks[share]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let rows = block.len() / n;
        multiply_block(
            a.rows_from(share * rows_per_share, rows),
            b,
            &mut block,
            accumulate,
        );
    });
    Ok(())
}

/// One thread's product `out (+)= a b` into a row-major block of `a.rows` rows.
fn multiply_block<E: Real>(
    a: HostMatrix<'_, E>,
    b: HostMatrix<'_, E>,
    out: &mut [E],
    accumulate: bool,
) {
    let (m, k, n) = (a.rows, a.columns, b.columns);
    if k == 0 {
        if !accumulate {
            out.fill(E::zero());
        }
        return;
    }
    if !(fits(&a) && fits(&b) && out.len() == m * n) {
        // Unreachable through `host_matmul`, which checked the shapes; never read out of bounds.
        return;
    }
    // SAFETY: `fits` checked that every entry the kernel reads from `a` and `b` lies inside
    // their slices, and `out` holds exactly the `m x n` entries it writes (row stride `n`,
    // column stride 1); the slices are borrowed for the whole call. `E` is `f32` or `f64`,
    // which the kernel supports.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.values.as_ptr(),
            a.column_stride as isize,
            a.row_stride as isize,
            b.values.as_ptr(),
            b.column_stride as isize,
            b.row_stride as isize,
            E::one(),
            E::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Whether the last entry of a non-empty view lies inside its slice.
fn fits<E>(matrix: &HostMatrix<'_, E>) -> bool {
    if matrix.rows == 0 || matrix.columns == 0 {
        return true;
    }
    (matrix.rows - 1)
        .checked_mul(matrix.row_stride)
        .and_then(|r| {
            (matrix.columns - 1)
                .checked_mul(matrix.column_stride)
                .and_then(|c| r.checked_add(c))
        })
        .is_some_and(|last| last < matrix.values.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `a b` by the definition, in f64.
    fn naive(a: &HostMatrix<'_, f64>, b: &HostMatrix<'_, f64>) -> Vec<f64> {
        let at = |m: &HostMatrix<'_, f64>, i: usize, j: usize| {
            m.values[i * m.row_stride + j * m.column_stride]
        };
        let mut out = vec![0.0; a.rows * b.columns];
        for i in 0..a.rows {
            for j in 0..b.columns {
                out[i * b.columns + j] = (0..a.columns).map(|l| at(a, i, l) * at(b, l, j)).sum();
            }
        }
        out
    }

    fn values(count: usize, seed: f64) -> Vec<f64> {
        (0..count)
            .map(|i| ((i as f64 + seed) * 0.37).sin())
            .collect()
    }

    #[test]
    fn products_match_the_definition_for_every_layout_and_split() {
        for (m, k, n) in [
            (1, 1, 1),
            (3, 0, 2),
            (7, 5, 3),
            (100, 64, 96),
            (257, 31, 130),
        ] {
            let a_values = values(m * k, 1.0);
            let b_values = values(k * n, 2.0);
            let at_values = values(m * k, 1.0);
            let a = HostMatrix::row_major(&a_values, m, k).unwrap();
            let b = HostMatrix::row_major(&b_values, k, n).unwrap();
            // The same `a` stored column-major, viewed through its transpose.
            let at_values = &at_values;
            let a_t_stored: Vec<f64> = (0..k)
                .flat_map(|l| (0..m).map(move |i| at_values[i * k + l]))
                .collect();
            let a_from_t = HostMatrix::row_major(&a_t_stored, k, m)
                .unwrap()
                .transposed();
            let expected = naive(&a, &b);
            for threads in [1, 2, 3, 8] {
                for lhs in [a, a_from_t] {
                    let mut out = vec![f64::NAN; m * n];
                    host_matmul(lhs, b, &mut out, false, threads).unwrap();
                    for (o, e) in out.iter().zip(&expected) {
                        assert!(
                            (o - e).abs() < 1e-12,
                            "{m}x{k}x{n} on {threads}: {o} vs {e}"
                        );
                    }
                    let mut sum = vec![1.0; m * n];
                    host_matmul(lhs, b, &mut sum, true, threads).unwrap();
                    for (o, e) in sum.iter().zip(&expected) {
                        assert!((o - 1.0 - e).abs() < 1e-12);
                    }
                }
            }
        }
    }

    #[test]
    fn large_products_are_split_and_stay_exact() {
        // 2 * 128 * 128 * 128 = 4.2 MFLOP: eight shares' worth.
        let (m, k, n) = (128, 128, 128);
        let a_values = values(m * k, 3.0);
        let b_values = values(k * n, 4.0);
        let a = HostMatrix::row_major(&a_values, m, k).unwrap();
        let b = HostMatrix::row_major(&b_values, k, n).unwrap();
        assert!(2 * m * n * k / FLOPS_PER_SHARE >= 2);
        let mut one = vec![0.0; m * n];
        host_matmul(a, b, &mut one, false, 1).unwrap();
        let mut two = vec![0.0; m * n];
        host_matmul(a, b, &mut two, false, 2).unwrap();
        // Rows are computed by the same kernel whichever thread runs them.
        let expected = naive(&a, &b);
        for ((x, y), e) in one.iter().zip(&two).zip(&expected) {
            assert!((x - e).abs() < 1e-10 && (y - e).abs() < 1e-10);
        }
    }

    #[test]
    fn mismatched_shapes_are_errors_naming_the_product() {
        let values = [1.0_f32; 6];
        assert!(HostMatrix::row_major(&values, 4, 2).is_err());
        let a = HostMatrix::row_major(&values, 2, 3).unwrap();
        let mut out = [0.0_f32; 4];
        let message = host_matmul(a, a, &mut out, false, 1)
            .unwrap_err()
            .to_string();
        assert!(message.contains("matrix product"), "{message}");
        assert!(host_matmul(a, a.transposed(), &mut out[..3], false, 1).is_err());
        host_matmul(a, a.transposed(), &mut out, false, 1).unwrap();
        assert_eq!(out, [3.0; 4]);
    }
}
