//! The evidence lower bound, estimated with vectorised particles.
//!
//! For a model `p(x, z)` and a guide `q(z)`,
//!
//! ```text
//! ELBO = E_q[ ln p(x, z) - ln q(z) ]  <=  ln p(x)
//! ```
//!
//! estimated with `S` particles drawn all at once (every latent value has `S` rows):
//!
//! 1. the guide draws `z_1..z_S` and reports `ln q(z_s)`;
//! 2. the model runs once at those values (`substitute`), recorded by `trace`, giving
//!    `ln p(x, z_s)` for every particle;
//! 3. `w_s = ln p(x, z_s) - ln q(z_s)` are the log importance weights; the ELBO estimate is
//!    their mean.
//!
//! Optimisers minimise, so the loss is the *negative* ELBO. Draws are reparameterised, so the
//! gradient flows through `z` into the guide's parameters (Kingma & Welling 2014,
//! arXiv:1312.6114).

use super::guide::{Guide, GuideDraw};
use crate::backend::{Backend, Real, Var};
use crate::error::{Error, Result};
use crate::handlers::{substitute, trace};
use crate::ppl::{Ctx, Model, Trace};

/// Everything one ELBO evaluation produced.
pub struct ElboTerms<E: Real, D: Backend<E>> {
    /// `ln p(x, z_s) - ln q(z_s)`, `(particles, 1)`.
    pub log_weights: Var<E, D>,
    /// The model's trace at the guide's draws.
    pub model_trace: Trace<E, D>,
    /// The guide's draw.
    pub draw: GuideDraw<E, D>,
}

/// Draws from the guide, runs the model there, and returns the log importance weights.
///
/// # Errors
/// [`Error::Model`] when the model has a latent site the guide did not provide; errors of
/// either program.
pub fn elbo_terms<E: Real, D: Backend<E>>(
    model: &dyn Model<E, D>,
    guide: &dyn Guide<E, D>,
    ctx: &mut Ctx<'_, E, D>,
) -> Result<ElboTerms<E, D>> {
    let draw = guide.draw(ctx)?;
    let model_trace = trace(&substitute(model, draw.values.clone()), ctx)?;
    if let Some(missing) = model_trace
        .latent_sites()
        .find(|s| !draw.values.contains_key(&s.name))
    {
        return Err(Error::Model {
            model: model.name().to_string(),
            message: format!(
                "latent site `{}` is not covered by the guide `{}`; sample it in the guide too",
                missing.name,
                guide.name()
            ),
        });
    }
    let log_weights = model_trace.log_joint()?.sub(&draw.log_q)?;
    Ok(ElboTerms {
        log_weights,
        model_trace,
        draw,
    })
}

/// An objective that turns log importance weights into a loss to minimise.
pub trait Objective {
    /// The loss, `(1, 1)`.
    ///
    /// # Errors
    /// Backend errors.
    fn loss<E: Real, D: Backend<E>>(&self, log_weights: &Var<E, D>) -> Result<Var<E, D>>;
}

/// The standard ELBO: `loss = -mean_s(w_s)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceElbo;

impl Objective for TraceElbo {
    fn loss<E: Real, D: Backend<E>>(&self, log_weights: &Var<E, D>) -> Result<Var<E, D>> {
        Ok(-log_weights.mean())
    }
}

/// The first site of `trace` whose log-density is not finite, to name in an error.
pub(crate) fn non_finite_site<E: Real, D: Backend<E>>(trace: &Trace<E, D>) -> Option<String> {
    trace
        .sites()
        .iter()
        .find_map(|site| match site.log_density() {
            Ok(Some(lp)) if lp.to_f64_vec().iter().any(|v| !v.is_finite()) => {
                Some(site.name.clone())
            }
            Err(_) => Some(site.name.clone()),
            _ => None,
        })
}
