//! Small neural networks for flows: a runtime-sized linear layer, an MLP, and MADE.
//!
//! dfdx 0.13's layers need compile-time sizes, so these are built on [`Var`](crate::backend::Var)
//! and a [`ParamStore`](crate::params::ParamStore): `initialize` creates the parameters under a
//! name prefix, `bind` reads them onto a graph for one step.

mod dense_kernel;
mod linear;
mod made;
mod made_order;
mod mask_kernel;
pub mod mlp;

pub use linear::{BoundLinear, Linear, LinearInit};
pub use made::Made;
pub use mlp::{Activation, Mlp};
