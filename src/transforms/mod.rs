//! Bijections with log-determinants, one per file.
//!
//! Every transform implements [`Bijector`]: forward and inverse on `(rows, columns)` values,
//! each returning the log-determinant of its Jacobian per row. This module holds the
//! parameter-free transforms that map unconstrained space onto the supports of distributions
//! (see [`crate::constraints::biject_to`]), and the combinators [`Chain`] and [`Inverse`].

mod affine;
mod bijector;
mod chain;
mod corr_cholesky;
mod exp;
mod identity;
mod inverse;
mod ordered;
mod positive_ordered;
mod sigmoid;
mod stick_breaking;

pub use affine::Affine;
pub use bijector::Bijector;
pub use chain::Chain;
pub use corr_cholesky::CorrCholesky;
pub use exp::Exp;
pub use identity::Identity;
pub use inverse::Inverse;
pub use ordered::Ordered;
pub use positive_ordered::PositiveOrdered;
pub use sigmoid::Sigmoid;
pub use stick_breaking::StickBreaking;
