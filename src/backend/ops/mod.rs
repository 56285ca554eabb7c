//! Operations dfdx 0.13 lacks, composed from its ops or evaluated on the host with exact
//! first derivatives (see [`Var::map_host`](crate::backend::Var::map_host)).
//!
//! Each one is tested against f64 finite differences of its gradient.

mod cholesky;
mod cumsum;
pub mod fused;
pub(crate) mod host_linalg;
mod log1p;
mod searchsorted;
mod softplus;
pub(crate) mod softplus_slices;
pub mod special;
mod special_var;
mod triangular;

pub use searchsorted::searchsorted;
pub(crate) use softplus::softplus_and_sigmoid;

/// Cholesky factor (row-major, lower) of a small SPD matrix in `f64` on the host, or the
/// index of the first non-positive pivot.
pub fn host_cholesky(a: &[f64], n: usize) -> std::result::Result<Vec<f64>, usize> {
    host_linalg::cholesky(a, n)
}
