//! Variational inference: guides, the ELBO and the training loop.
//!
//! - [`elbo`]: the evidence lower bound from vectorised particles (read this first);
//! - [`Guide`]: variational families; autoguides [`AutoNormal`], [`AutoMvn`],
//!   [`AutoLowRank`], [`AutoDelta`] and hand-written [`ProgramGuide`]s;
//! - [`Svi`]: the optimisation loop, returning a [`Fit`] with its [`Summary`].

pub mod analytic_kl;
pub mod autoguide;
mod checkpoint;
mod constrain_kernel;
mod diagnostics;
pub mod elbo;
mod elementwise_map;
mod fit;
mod guide;
mod init;
pub mod laplace;
mod layout;
mod plateau;
mod predictive;
mod program_guide;
pub mod psis;
mod summary;
mod svi;

pub use autoguide::{AutoDelta, AutoFlow, AutoLowRank, AutoMvn, AutoNormal};
pub use checkpoint::SviCheckpoint;
pub use diagnostics::Diagnostics;
pub use elbo::{elbo_terms, Bound, ElboTerms, Objective, RenyiElbo, TraceElbo};
pub use fit::Fit;
pub use guide::{Guide, GuideDraw, NormalMarginal};
pub use init::InitStrategy;
pub use layout::{LatentLayout, LatentSlot};
pub use plateau::Plateau;
pub use predictive::Predictive;
pub use program_guide::ProgramGuide;
pub use psis::{psis_khat, KhatReading};
pub use summary::{Summary, SummaryRow};
pub use svi::{CheckpointSink, NonFinitePolicy, Svi};
