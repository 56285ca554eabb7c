//! The tensor backend: the only module that uses dfdx broadly.
//!
//! - [`Real`]: the element type (`f32` by default, `f64` for reference tests);
//! - [`Backend`]: the device bound (`Cpu` by default, `Cuda` with `--features cuda`);
//! - [`Var`] and [`Graph`]: values that record their own gradient graph, usable any number of
//!   times on either side of an operator;
//! - [`ops`]: the operations dfdx lacks (softplus, lgamma, cumsum, Cholesky, ...);
//! - [`rng`]: the seeded random number generator.

pub mod device;
mod helper_threads;
mod host_copy;
pub(crate) mod host_gemm;
pub mod ops;
pub mod real;
pub mod rng;
pub(crate) mod simd;
mod threads;
mod var;

#[cfg(feature = "cuda")]
pub use device::Cuda;
pub use device::{Backend, Cpu, TestDevice};
pub(crate) use host_copy::{host_copy, host_values, HostSnapshot};
pub use ops::fused::{fused_kernels_enabled, set_fused_kernels};
pub use real::{real, Real};
pub use rng::Rng;
pub use threads::{compute_threads, matrix_threads, set_compute_threads, set_matrix_threads};
pub use var::arithmetic_shape;
pub(crate) use var::fresh_uid as var_uid;
pub(crate) use var::HostMirror;
pub(crate) use var::SharedTape;
pub use var::{Gradients, Graph, Matrix, Var};
