//! Normalising flows: learnable layers ([`FlowLayer`]) stacked on a standard normal (or Laplace,
//! [`Base`]) base ([`Flow`]), with density evaluation, reparameterised sampling, and training by maximum
//! likelihood or reverse KL.
//!
//! Layers (each in `transforms/`, one file per transform): [`Planar`](crate::transforms::Planar),
//! [`Radial`](crate::transforms::Radial), [`AffineAutoregressive`](crate::transforms::AffineAutoregressive)
//! (MAF and IAF), [`AffineCoupling`](crate::transforms::AffineCoupling) (RealNVP) and the fixed
//! [`Reverse`](crate::transforms::Reverse) permutation.

mod base;
mod builder;
mod flow;
mod health;
mod layer;
pub mod training;

pub use base::Base;
pub use builder::{build_flow, FlowKind};
pub use flow::{BoundFlow, Flow};
pub use health::{health_check, LayerHealth};
pub use layer::{Fixed, FlowLayer};
