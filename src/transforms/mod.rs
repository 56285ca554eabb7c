//! Bijections with log-determinants, one per file.
//!
//! Every transform implements [`Bijector`]: forward and inverse on `(rows, columns)` values,
//! each returning the log-determinant of its Jacobian per row. This module holds the
//! parameter-free transforms that map unconstrained space onto the supports of distributions
//! (see [`crate::constraints::biject_to`]), the combinators [`Chain`] and [`Inverse`], and the
//! learnable flow layers (planar, radial, MAF/IAF, affine coupling, splines, continuous flows;
//! see [`crate::flows`]).

mod act_norm;
mod affine;
mod affine_autoregressive;
mod affine_coupling;
mod batch_norm;
mod bijector;
mod chain;
pub mod cnf;
mod conditional_planar;
mod conditional_radial;
mod corr_cholesky;
mod exp;
mod identity;
mod inverse;
mod lu_linear;
mod ordered;
mod permute;
mod planar;
mod planar_kernel;
mod positive_ordered;
mod radial;
mod reverse;
mod sigmoid;
pub mod spline;
mod spline_autoregressive;
mod spline_coupling;
mod stick_breaking;
mod sylvester;
mod triangular_affine;

pub use act_norm::{ActNorm, BoundActNorm};
pub use affine::Affine;
pub use affine_autoregressive::{AffineAutoregressive, Autoregression, BoundAffineAutoregressive};
pub use affine_coupling::{AffineCoupling, BoundAffineCoupling};
pub use batch_norm::{BatchNorm, BoundBatchNorm};
pub use bijector::Bijector;
pub use chain::Chain;
pub use cnf::{Cnf, OdeSolver, TraceEstimator};
pub use conditional_planar::{BoundConditionalPlanar, ConditionalPlanar};
pub use conditional_radial::{BoundConditionalRadial, ConditionalRadial};
pub use corr_cholesky::CorrCholesky;
pub use exp::Exp;
pub use identity::Identity;
pub use inverse::Inverse;
pub use lu_linear::{BoundLuLinear, LuLinear};
pub use ordered::Ordered;
pub use permute::Permute;
pub use planar::{BoundPlanar, Planar};
pub use positive_ordered::PositiveOrdered;
pub use radial::{BoundRadial, Radial};
pub use reverse::Reverse;
pub use sigmoid::Sigmoid;
pub use spline_autoregressive::{BoundSplineAutoregressive, SplineAutoregressive};
pub use spline_coupling::{BoundSplineCoupling, SplineCoupling};
pub use stick_breaking::StickBreaking;
pub use sylvester::{BoundSylvester, Sylvester};
pub use triangular_affine::{BoundTriangularAffine, TriangularAffine};
