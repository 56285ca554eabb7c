#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]
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
///
/// Inside the function: `sample!(name, distribution[, plate = p])` for a latent site,
/// `observe!(name, distribution, data[, plate = p])` for data, `plate!(name, size[, subsample =
/// m])` for conditionally independent rows, `deterministic!(name, value)` to record a derived
/// value, `factor!(name, log_weight)` for an extra log-density term and `param!(name, ...)`
/// for a learnable value. The macro writes a model type and a constructor of the same name;
/// mistakes it can see (a duplicate site name, `observe!` without data, an unknown keyword)
/// are compile errors at the offending span.
///
/// # Examples
/// ```
/// use flowppl::handlers::{substitute, trace, values};
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// model! {
///     /// y_i ~ N(mu, 1), mu ~ N(0, 10); records the shifted mean.
///     fn shifted(y: &[f64]) {
///         let mu = sample!("mu", Normal::new(0.0, 10.0));
///         deterministic!("mu_plus_one", mu.add_scalar(1.0));
///         let data = plate!("data", y.len());
///         observe!("y", Normal::new(mu, 1.0), y, plate = data);
///     }
/// }
/// let device = Cpu::default();
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let at = values([("mu", Var::<f64, Cpu>::scalar(&device, 2.0))]);
/// let t = trace(&substitute(shifted(&[2.0, 3.0]), at), &mut Ctx::new(&device, &mut rng))?;
/// assert_eq!(t.value("mu_plus_one").unwrap().item()?, 3.0);
/// // ln N(2; 2, 1) + ln N(3; 2, 1) = -ln(2 pi) - 1/2.
/// let y = t.get("y").unwrap().log_density()?.unwrap().item()?;
/// assert!((y + std::f64::consts::TAU.ln() + 0.5).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
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
