//! Closed-form KL terms in the ELBO where the guide and the prior allow them.
//!
//! For a latent site `s` whose prior is `Normal(m_p, s_p)` (given the other latents) and whose
//! guide marginal is `Normal(m_q, s_q)` on the real line, independent of the other latents
//! (mean-field), the site's Monte Carlo term `ln p(z_s | ...) - ln q(z_s)` has expectation
//! `-KL(q || p)` given the other latents, with
//!
//! ```text
//! KL = ln(s_p / s_q) + (s_q^2 + (m_q - m_p)^2) / (2 s_p^2) - 1/2
//! ```
//!
//! (per column). Replacing the term by its expectation keeps the ELBO estimate unbiased and
//! removes that term's variance (Kingma & Welling 2014, section 2.3; Pyro's
//! `TraceMeanField_ELBO`).

use super::guide::{Guide, GuideDraw};
use crate::backend::{Backend, Real, Var};
use crate::error::Result;
use crate::ppl::{Ctx, Trace};
use std::f64::consts::TAU;

/// `log_weights` with the Monte Carlo KL term of every eligible site replaced by its closed
/// form; also the names of the sites replaced. A site is eligible when its prior is a Normal,
/// it is neither observed, intervened, masked nor scaled, and the guide reports a Normal
/// marginal for it ([`Guide::normal_marginal`]).
///
/// # Errors
/// Backend errors.
pub fn with_analytic_kl<E: Real, D: Backend<E>>(
    guide: &dyn Guide<E, D>,
    ctx: &mut Ctx<'_, E, D>,
    model_trace: &Trace<E, D>,
    draw: &GuideDraw<E, D>,
    log_weights: &Var<E, D>,
) -> Result<(Var<E, D>, Vec<String>)> {
    let mut weights = log_weights.clone();
    let mut replaced = Vec::new();
    for site in model_trace.latent_sites() {
        let eligible = site.scale == 1.0 && site.mask && !site.intervened;
        let Some(prior) = site
            .distribution
            .as_ref()
            .filter(|d| eligible && d.name() == "Normal")
        else {
            continue;
        };
        let (Some(value), Some(log_p)) = (draw.values.get(&site.name), site.log_density()?) else {
            continue;
        };
        let Some((loc, scale)) = guide.normal_marginal(ctx, &site.name)? else {
            continue;
        };
        let log_q = ((value.sub(&loc)?.div(&scale)?.square() * -0.5)
            .sub(&scale.ln())?
            .add_scalar(-0.5 * TAU.ln()))
        .sum_columns();
        let (prior_loc, prior_scale) = (prior.mean()?, prior.variance()?.sqrt());
        let kl = prior_scale
            .ln()
            .sub(&scale.ln())?
            .add(
                &scale
                    .square()
                    .add(&loc.sub(&prior_loc)?.square())?
                    .div(&(prior_scale.square() * 2.0))?,
            )?
            .add_scalar(-0.5)
            .sum_columns();
        weights = weights.sub(&log_p)?.add(&log_q)?.sub(&kl)?;
        replaced.push(site.name.clone());
    }
    Ok((weights, replaced))
}
