//! Normalising flows: learnable layers ([`FlowLayer`]) stacked on a standard normal (or Laplace,
//! [`Base`]) base ([`Flow`]), with density evaluation, reparameterised sampling, and training by maximum
//! likelihood or reverse KL.
//!
//! Layers (each in `transforms/`, one file per transform): [`Planar`](crate::transforms::Planar),
//! [`Radial`](crate::transforms::Radial), [`AffineAutoregressive`](crate::transforms::AffineAutoregressive)
//! (MAF and IAF), [`AffineCoupling`](crate::transforms::AffineCoupling) (RealNVP) and the fixed
//! [`Reverse`](crate::transforms::Reverse) permutation, splines, and the continuous
//! [`Cnf`](crate::transforms::Cnf). [`importance`] estimates normalising constants (free
//! energies) with a fitted flow as proposal; [`rare_event`] estimates small failure
//! probabilities with a flow fitted to the failure region.

mod base;
mod builder;
mod flow;
mod health;
pub mod importance;
mod layer;
mod persist;
pub mod rare_event;
pub mod training;

pub use base::Base;
pub use builder::{build_cnf, build_flow, FlowKind};
pub use flow::{BoundFlow, Flow};
pub use health::{health_check, LayerHealth};
pub use importance::{importance_log_normaliser, ImportanceEstimate};
pub use layer::{Fixed, FlowLayer};
pub use persist::{load_flow, read_flow_training, write_flow_file, FlowSpec, LoadedFlow};
pub use rare_event::{
    crude_monte_carlo, crude_samples_needed, flow_importance_sampling, RareEventEstimate,
    RareEventOptions,
};
