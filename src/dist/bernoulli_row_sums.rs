//! The Bernoulli log-mass summed over each row, as one fused host operation with a
//! hand-written backward.
//!
//! For logits `l` `(rows, columns)` and values `y` `(rows, columns)` or `(1, columns)`:
//!
//! ```text
//! out_i = sum_j [ y_ij l_ij - softplus(l_ij) ]          (rows, 1)
//! d out_i / d l_ij = y_ij - sigmoid(l_ij)
//! ```
//!
//! This is the observation site of every logistic model (T1 and T2 of the benchmark suite),
//! where `columns` is the number of data points. Composed, it is a `(rows, columns)` density,
//! a separate row sum and both their backward passes, with libm's scalar `exp` and `ln` per
//! entry; fused, one pass computes the sums and the logits' partials with the vectorised
//! [`Real::softplus_sigmoid_slices`], and the backward pass is one multiply-add per entry.
//! It applies when the values are constant (data, as observations are) and the device keeps
//! its buffers in host memory; otherwise [`bernoulli_row_sums`] returns `None` and the caller
//! takes the composed path, which every device supports (the two are tested against each
//! other in `tests/fused_kernels.rs`).

use crate::backend::host_values;
use crate::backend::ops::fused::use_fused;
use crate::backend::ops::kernel_graph::{read_upstream, shared_tape};
use crate::backend::{Backend, Real, Var};
use crate::error::Result;
use dfdx::prelude::Tape;

/// `sum_j a_j b_j - c_j` with eight independent partial sums, so the loop vectorises.
fn row_total<E: Real>(y: &[E], logits: &[E], softplus: &[E]) -> E {
    const LANES: usize = 8;
    let mut lanes = [E::zero(); LANES];
    let chunks = y
        .chunks_exact(LANES)
        .zip(logits.chunks_exact(LANES))
        .zip(softplus.chunks_exact(LANES));
    for ((y, l), s) in chunks {
        for k in 0..LANES {
            lanes[k] += y[k] * l[k] - s[k];
        }
    }
    let tail_start = y.len() - y.len() % LANES;
    let tail =
        (tail_start..y.len()).fold(E::zero(), |acc, k| acc + (y[k] * logits[k] - softplus[k]));
    lanes.iter().fold(tail, |acc, &v| acc + v)
}

/// The fused row sums of the Bernoulli log-mass, or `None` when the fused path does not
/// apply (a device without host buffers, fused kernels switched off, values on a graph, or
/// shapes other than `logits (rows, columns)` with values `(rows, columns)` or
/// `(1, columns)`).
///
/// # Errors
/// [`crate::Error::GraphMismatch`] when the operands are on different graphs; backend errors.
pub(crate) fn bernoulli_row_sums<E: Real, D: Backend<E>>(
    values: &Var<E, D>,
    logits: &Var<E, D>,
) -> Result<Option<Var<E, D>>> {
    let (rows, columns) = logits.shape();
    let values_fit = values.shape() == (rows, columns) || values.shape() == (1, columns);
    if !use_fused::<E, D>() || values.tape.is_some() || !values_fit || columns == 0 {
        return Ok(None);
    }
    let tape = shared_tape("Bernoulli log_prob", &[values, logits])?;
    let (y, l) = (host_values(values), host_values(logits));
    let per_row_values = values.rows() != 1;
    let mut softplus = vec![E::zero(); columns];
    // The logits' partials `y - sigmoid(l)`, kept for the backward pass when there is one.
    let mut partials = vec![
        E::zero();
        if tape.is_some() {
            rows * columns
        } else {
            columns
        }
    ];
    let mut sums = Vec::with_capacity(rows);
    crate::backend::simd::wide(|| {
        for i in 0..rows {
            let row = i * columns..(i + 1) * columns;
            let y_row = if per_row_values {
                &y[row.clone()]
            } else {
                &y[..]
            };
            let l_row = &l[row.clone()];
            let partial_row = if tape.is_some() {
                &mut partials[row]
            } else {
                &mut partials[..]
            };
            E::softplus_sigmoid_slices(l_row, &mut softplus, partial_row);
            sums.push(row_total(y_row, l_row, &softplus));
            for (p, &yj) in partial_row.iter_mut().zip(y_row) {
                *p = yj - *p;
            }
        }
    });
    let mut out = Var::constant_with_mirror(&logits.device(), sums, rows, 1)?;
    // The values are constant, so a tape here is the logits' tape.
    let Some(shared) = &tape else {
        return Ok(Some(out));
    };
    let (output_tensor, logits_tensor) = (out.value.clone(), logits.value.clone());
    shared.borrow_mut().add_backward_op(move |grads| {
        let Some(upstream) = read_upstream(grads, &output_tensor)? else {
            return Ok(());
        };
        let Some(gradient) = D::host_buffer_mut(grads.get_or_alloc_mut(&logits_tensor)?) else {
            return Ok(());
        };
        crate::backend::simd::wide(|| {
            for ((g_row, p_row), &u) in gradient
                .chunks_exact_mut(columns)
                .zip(partials.chunks_exact(columns))
                .zip(&upstream)
            {
                for (g, &p) in g_row.iter_mut().zip(p_row) {
                    *g += p * u;
                }
            }
        });
        Ok(())
    });
    out.tape = Some(shared.clone());
    Ok(Some(out))
}
