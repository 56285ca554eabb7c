//! The effect-handler runtime.
//!
//! A model is code that calls primitives on a [`Ctx`]: `sample`, `observe`, `param`,
//! `deterministic`, `plate`. Each primitive builds a [`Site`] and sends it through a stack of
//! [`Handler`]s, innermost first; a handler may set the value (condition, replay, substitute,
//! intervene), change its weight (scale, mask) or hide it (block). If no handler sets a value,
//! the site is sampled from its distribution. A trace handler records every site; the log
//! joint of a run is the sum of its sites' log-densities ([`Trace::log_joint`]).
//!
//! That is all variational inference needs. The trace ELBO, for example, is:
//!
//! ```text
//! guide_trace = trace(guide)                       // draw z ~ q, record ln q(z)
//! model_trace = trace(replay(model, guide_trace))  // run the model at z, record ln p(x, z)
//! elbo        = mean over particles of model_trace.log_joint() - guide_trace.log_joint()
//! ```
//!
//! Every latent value has one row per particle, so one run evaluates all particles at once.

mod context;
mod data_cache;
pub mod dsl;
mod handler;
mod model;
mod plate;
mod site;
mod trace;

pub use context::Ctx;
pub use data_cache::DataCache;
pub use handler::Handler;
pub use model::{model_fn, FnModel, Model};
pub use plate::Plate;
pub use site::{PlateInfo, Site, SiteKind};
pub use trace::Trace;
