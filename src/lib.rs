//! # flowppl
//!
//! Probabilistic programming and flow-based variational inference in Rust, on
//! [dfdx](https://docs.rs/dfdx/0.13) tensors, generic over the device (CPU by default, CUDA with
//! `--features cuda`).
//!
//! A tour of the crate, bottom up:
//! - [`backend`]: differentiable values ([`Var`](backend::Var)) that can be reused freely, the
//!   device bound, and the operations dfdx lacks (softplus, lgamma, Cholesky, ...);
//! - [`params`]: named parameters and optimizers (Adam, clipped Adam, SGD with momentum,
//!   learning-rate schedules);
//! - [`dist`]: probability distributions with batched, differentiable `log_prob` and
//!   reparameterised sampling;
//! - [`constraints`] and [`transforms`]: supports and the bijections onto them (`biject_to`);
//! - [`testing`]: gradient checks against finite differences, for your own code too.

pub mod backend;
pub mod constraints;
pub mod dist;
pub mod error;
pub mod handlers;
pub mod infer;
pub mod params;
pub mod ppl;
pub mod testing;
pub mod transforms;

pub use error::{Error, Result};
/// Declares a model; see [`ppl`] and the guide.
pub use flowppl_macros::model;

/// The names most programs need.
pub mod prelude {
    pub use crate::backend::{Backend, Cpu, Gradients, Graph, Real, Rng, Var};
    pub use crate::constraints::Constraint;
    pub use crate::dist::*;
    pub use crate::error::{Error, Result};
    pub use crate::infer::{
        AutoDelta, AutoLowRank, AutoMvn, AutoNormal, Guide, InitStrategy, Predictive, ProgramGuide,
        Svi,
    };
    pub use crate::model;
    pub use crate::params::{Adam, GradientClipping, Init, Optimizer, ParamStore, Schedule, Sgd};
    pub use crate::ppl::dsl::DataMatrix;
    pub use crate::ppl::{Ctx, Model};
}
