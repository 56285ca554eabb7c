//! Named parameters and the optimizers that update them.
//!
//! dfdx 0.13's own optimizers only work with compile-time shapes, so flowppl keeps its own
//! [`ParamStore`] of runtime-shaped tensors and its own [`Adam`] and [`Sgd`], which update the
//! stored tensors in place (keeping their identity, so a new [`Graph`](crate::backend::Graph)
//! records the same leaves next step).

mod adam;
mod adam_host;
mod clipping;
mod init;
mod optimizer;
mod optimizer_state;
mod schedule;
mod sgd;
mod snapshot;
mod store;

pub use adam::Adam;
pub use clipping::GradientClipping;
pub use init::Init;
pub use optimizer::Optimizer;
pub use optimizer_state::OptimizerState;
pub use schedule::Schedule;
pub use sgd::Sgd;
pub use snapshot::{ParamSnapshot, SnapshotEntry};
pub use store::ParamStore;
