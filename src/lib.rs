#![deny(missing_docs)]
//! # flowppl
//!
//! Probabilistic programming and flow-based variational inference in Rust, on
//! [dfdx](https://docs.rs/dfdx/0.13) tensors, generic over the device (CPU by default, CUDA with
//! `--features cuda`).
//!
//! ```
//! use flowppl::prelude::*;
//!
//! model! {
//!     /// mu ~ N(0, 10); y ~ N(mu, 1).
//!     fn normal_mean(y: &[f64]) {
//!         let mu = sample!("mu", Normal::new(0.0, 10.0));
//!         let data = plate!("data", y.len());
//!         observe!("y", Normal::new(mu, 1.0), y, plate = data);
//!     }
//! }
//!
//! let fit = Svi::new(normal_mean(&[1.9, 2.4, 2.1]), AutoNormal::new())
//!     .optimizer(Adam::new(0.05).unwrap())
//!     .particles(8)
//!     .steps(2000)
//!     .run()
//!     .unwrap();
//! let mu = fit.summary(4000, 0).unwrap().get("mu").unwrap().mean;
//! assert!((mu - 2.13).abs() < 0.1);
//! ```
//!
//! A tour of the crate, top down:
//! - [`model!`] and [`ppl`]: the model DSL and the effect-handler runtime;
//! - [`handlers`]: trace, replay, condition, intervene (`do`), block, scale, mask, seed,
//!   substitute;
//! - [`infer`]: the ELBO and Rényi bounds, autoguides (flow guides included), `Svi`,
//!   summaries, predictive distributions and PSIS diagnostics;
//! - [`flows`]: normalising flows, density estimation and reverse-KL fitting;
//! - [`causal`]: causal normalising flows with `do`, counterfactual and ATE queries;
//!
//! and the foundation underneath:
//! - [`backend`]: differentiable values ([`Var`](backend::Var)) that can be reused freely, the
//!   device bound, and the operations dfdx lacks (softplus, lgamma, Cholesky, ...);
//! - [`params`]: named parameters and optimizers (Adam, clipped Adam, SGD with momentum,
//!   learning-rate schedules);
//! - [`dist`]: probability distributions with batched, differentiable `log_prob` and
//!   reparameterised sampling;
//! - [`constraints`] and [`transforms`]: supports and the bijections onto them (`biject_to`);
//! - [`testing`]: gradient checks against finite differences, for your own code too.

pub mod backend;
pub mod causal;
pub mod checkpoint;
pub mod constraints;
pub mod dist;
pub mod error;
pub mod flows;
pub mod handlers;
pub mod infer;
pub mod minibatch;
pub mod nn;
pub mod params;
pub mod persist;
pub mod ppl;
pub mod testing;
pub mod transforms;
pub mod vae;

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
