//! [`SviCheckpoint`]: everything an SVI run needs to continue exactly where it stopped.

use crate::backend::rng::RngState;
use crate::params::{OptimizerState, ParamSnapshot};
use serde::{Deserialize, Serialize};

/// The state of an SVI run after `step` completed steps: parameters, optimizer moments, the
/// random-number generator's position, the ELBO history and the bookkeeping of skipped steps
/// and the plateau rule. [`Svi::resume_from`](super::Svi::resume_from) continues from it so
/// that `n` steps, a checkpoint, and `m` more steps give bit-for-bit the parameters of `n + m`
/// uninterrupted steps on the same device.
///
/// # Examples
/// ```
/// use flowppl::infer::SviCheckpoint;
/// use flowppl::prelude::*;
/// # use flowppl::ppl::model_fn;
/// # fn main() -> flowppl::Result<()> {
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
/// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
/// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
/// #     Ok(())
/// # });
/// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
/// let fit = Svi::new(model, AutoNormal::new()).steps(5).run()?;
/// let checkpoint = fit.checkpoint().unwrap();
/// assert_eq!((checkpoint.step, checkpoint.history.len()), (5, 5));
/// // It round-trips through JSON, to resume from a file.
/// let json = serde_json::to_string(checkpoint).unwrap();
/// assert_eq!(&serde_json::from_str::<SviCheckpoint>(&json).unwrap(), checkpoint);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SviCheckpoint {
    /// Steps completed.
    pub step: usize,
    /// Every parameter.
    pub params: ParamSnapshot,
    /// The optimizer's step count and buffers.
    pub optimizer: OptimizerState,
    /// Where the random stream is.
    pub rng: RngState,
    /// The ELBO of every completed (not skipped) step.
    pub history: Vec<f64>,
    /// Steps skipped for non-finite values.
    pub skipped: usize,
    /// The plateau rule's best window mean (`None` before the first window) and windows
    /// without improvement.
    pub plateau: (Option<f64>, usize),
}
