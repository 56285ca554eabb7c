//! Operations dfdx 0.13 lacks, composed from its ops or evaluated on the host with exact
//! first derivatives (see [`Var::map_host`](crate::backend::Var::map_host)).
//!
//! Each one is tested against f64 finite differences of its gradient.

mod cholesky;
mod cumsum;
pub mod fused;
pub(crate) mod host_linalg;
pub(crate) mod kernel_graph;
mod log1p;
pub(crate) mod scaled_sum;
mod searchsorted;
mod softplus;
pub(crate) mod softplus_slices;
pub mod special;
mod special_var;
pub(crate) mod split_columns;
pub(crate) mod sum_terms;
pub(crate) mod tanh_ln_slices;
mod triangular;

pub use searchsorted::searchsorted;
pub(crate) use softplus::softplus_and_sigmoid;

/// Cholesky factor (row-major, lower) of a small SPD matrix in `f64` on the host, or the
/// index of the first non-positive pivot.
///
/// # Examples
/// ```
/// use flowppl::backend::ops::host_cholesky;
/// // [[4, 2], [2, 5]] = L L^T with L = [[2, 0], [1, 2]].
/// assert_eq!(host_cholesky(&[4.0, 2.0, 2.0, 5.0], 2), Ok(vec![2.0, 0.0, 1.0, 2.0]));
/// // [[1, 2], [2, 1]] is indefinite: pivot 1 is 1 - 4 < 0.
/// assert_eq!(host_cholesky(&[1.0, 2.0, 2.0, 1.0], 2), Err(1));
/// ```
pub fn host_cholesky(a: &[f64], n: usize) -> std::result::Result<Vec<f64>, usize> {
    host_linalg::cholesky(a, n)
}
