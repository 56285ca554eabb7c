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
///
/// # Examples
/// ```
/// use flowppl::infer::{analytic_kl::with_analytic_kl, elbo_terms};
/// use flowppl::prelude::*;
/// # use flowppl::ppl::model_fn;
/// # use flowppl::backend::rng::seeded;
/// # fn main() -> flowppl::Result<()> {
/// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2.
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
/// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
/// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
/// #     Ok(())
/// # });
/// # let (dev, mut rng, mut store) = (Cpu::default(), seeded(0), ParamStore::new(&Cpu::default()));
/// let ln_n = |x: f64, m: f64, s: f64| -0.5 * ((x - m) / s).powi(2) - s.ln() - 0.5 * std::f64::consts::TAU.ln();
/// let init = InitStrategy::Values([("mu".to_string(), vec![0.0])].into());
/// let mut guide = AutoNormal::new().with_init(init); // q(mu) = N(0, 0.1)
/// guide.setup(&model, &mut store, &dev, 0)?;
/// let ctx = &mut Ctx::new(&dev, &mut rng).with_store(&mut store);
/// let terms = elbo_terms(&model, &guide, ctx)?;
/// let (w, replaced) = with_analytic_kl(&guide, ctx, &terms.model_trace, &terms.draw, &terms.log_weights)?;
/// assert_eq!(replaced, ["mu"]);
/// // w = ln p(y | mu) - KL(N(0, 0.1) || N(0, 1)).
/// let kl = (1.0f64 / 0.1).ln() + 0.01 / 2.0 - 0.5;
/// let mu = terms.draw.values["mu"].item()?;
/// assert!((w.item()? - (ln_n(2.0, mu, 1.0) - kl)).abs() < 1e-9);
/// # Ok(())
/// # }
/// ```
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
