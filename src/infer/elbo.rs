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
///
/// # Examples
/// ```
/// use flowppl::infer::{elbo_terms, ElboTerms};
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
/// // A point mass at mu = 0.5 (ln q = 0), set up on the model.
/// let init = InitStrategy::Values([("mu".to_string(), vec![0.5])].into());
/// let mut guide = AutoDelta::new().with_init(init);
/// guide.setup(&model, &mut store, &dev, 0)?;
/// let mut ctx = Ctx::new(&dev, &mut rng).with_store(&mut store).with_particles(3);
/// let terms: ElboTerms<f64, Cpu> = elbo_terms(&model, &guide, &mut ctx)?;
/// assert_eq!(terms.log_weights.shape(), (3, 1));
/// assert_eq!(terms.draw.values["mu"].to_vec(), [0.5; 3]);
/// assert_eq!(terms.model_trace.names().collect::<Vec<_>>(), ["mu", "y"]);
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// use flowppl::infer::elbo_terms;
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
/// // A point mass at mu = 0.5 (ln q = 0), set up on the model.
/// let init = InitStrategy::Values([("mu".to_string(), vec![0.5])].into());
/// let mut guide = AutoDelta::new().with_init(init);
/// guide.setup(&model, &mut store, &dev, 0)?;
/// let mut ctx = Ctx::new(&dev, &mut rng).with_store(&mut store).with_particles(3);
/// let ln_n = |x: f64, m: f64, s: f64| -0.5 * ((x - m) / s).powi(2) - s.ln() - 0.5 * std::f64::consts::TAU.ln();
/// let terms = elbo_terms(&model, &guide, &mut ctx)?;
/// // w = ln p(y = 2, mu = 0.5) - 0 for every particle.
/// let want = ln_n(0.5, 0.0, 1.0) + ln_n(2.0, 0.5, 1.0);
/// assert!(terms.log_weights.to_vec().iter().all(|w| (w - want).abs() < 1e-12));
/// # Ok(())
/// # }
/// ```
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
    // ln p(x, z) - ln q(z): the sites' terms and the subtraction as one operation.
    let log_weights = model_trace.log_joint_minus(ctx.data_cache(), Some(&draw.log_q))?;
    Ok(ElboTerms {
        log_weights,
        model_trace,
        draw,
    })
}

/// An objective that turns log importance weights into a loss to minimise.
///
/// # Examples
/// ```
/// use flowppl::infer::{Bound, Objective, TraceElbo};
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let w = Var::<f64, Cpu>::from_vec(&Cpu::default(), vec![-1.0, 0.5, -3.0, 2.0], 4, 1)?;
/// // Any objective turns log importance weights into a loss to minimise.
/// fn loss(objective: &impl Objective, w: &Var<f64, Cpu>) -> f64 {
///     objective.loss(w).unwrap().item().unwrap()
/// }
/// assert!((loss(&TraceElbo, &w) - 0.375).abs() < 1e-12);
/// // The IWAE bound is tighter than the ELBO (Jensen): a smaller loss.
/// assert!(loss(&Bound::Renyi { alpha: 0.0 }, &w) < loss(&TraceElbo, &w));
/// # Ok(())
/// # }
/// ```
pub trait Objective {
    /// The loss, `(1, 1)`.
    ///
    /// # Errors
    /// Backend errors.
    fn loss<E: Real, D: Backend<E>>(&self, log_weights: &Var<E, D>) -> Result<Var<E, D>>;
}

/// The standard ELBO: `loss = -mean_s(w_s)`.
///
/// # Examples
/// ```
/// use flowppl::infer::{Objective, TraceElbo};
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let w = Var::<f64, Cpu>::from_vec(&Cpu::default(), vec![-1.0, 0.5, -3.0, 2.0], 4, 1)?;
/// // loss = -mean(w) = -(-1.5 / 4).
/// let loss = TraceElbo.loss(&w)?;
/// assert_eq!(loss.shape(), (1, 1));
/// assert!((loss.item()? - 0.375).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceElbo;

impl Objective for TraceElbo {
    fn loss<E: Real, D: Backend<E>>(&self, log_weights: &Var<E, D>) -> Result<Var<E, D>> {
        // `-mean(w)` as one recorded operation on host devices.
        let n = (log_weights.rows() * log_weights.columns()) as f64;
        Ok(crate::backend::ops::scaled_sum::scaled_sum(
            log_weights,
            -1.0 / n,
        ))
    }
}

/// Rényi's variational bound (Li & Turner 2016, arXiv:1602.02311) from the `K` particles of one
/// step:
///
/// ```text
/// L_alpha = 1 / (1 - alpha) * ln( (1/K) sum_k exp((1 - alpha) w_k) )
/// ```
///
/// `alpha = 0` is the importance-weighted bound (IWAE, Burda et al. 2016, arXiv:1509.00519),
/// which tightens towards `ln p(x)` as `K` grows; `alpha -> 1` is the ELBO, `alpha > 1` a
/// looser lower bound. For `alpha < 0` the quantity is not a lower bound (it tends to an upper
/// bound as `K` grows), so maximising it is not a fit: [`Bound::parse`] and `Svi` refuse it.
/// With one particle every alpha gives the ELBO.
///
/// # Examples
/// ```
/// use flowppl::infer::{Objective, RenyiElbo, TraceElbo};
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let w = Var::<f64, Cpu>::from_vec(&Cpu::default(), vec![-1.0, 0.5, -3.0, 2.0], 4, 1)?;
/// let loss = |alpha| RenyiElbo { alpha }.loss(&w).unwrap().item().unwrap();
/// // alpha = 1 is the ELBO; alpha = 0 is IWAE, -ln mean exp(w).
/// assert!((loss(1.0) - TraceElbo.loss(&w)?.item()?).abs() < 1e-12);
/// let iwae = -([-1.0f64, 0.5, -3.0, 2.0].iter().map(|x| x.exp()).sum::<f64>() / 4.0).ln();
/// assert!((loss(0.0) - iwae).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenyiElbo {
    /// The order `alpha` (any finite value; 1 is the ELBO).
    pub alpha: f64,
}

impl Objective for RenyiElbo {
    fn loss<E: Real, D: Backend<E>>(&self, log_weights: &Var<E, D>) -> Result<Var<E, D>> {
        if (self.alpha - 1.0).abs() < 1e-12 {
            return TraceElbo.loss(log_weights);
        }
        let k = log_weights.rows() as f64;
        let one_minus = 1.0 - self.alpha;
        let bound = (log_weights * one_minus)
            .logsumexp_rows()
            .add_scalar(-k.ln())
            * (1.0 / one_minus);
        Ok(-bound.sum())
    }
}

/// The objective of a fit, by name: the ELBO or a Rényi bound (IWAE is `alpha = 0`).
///
/// # Examples
/// ```
/// use flowppl::infer::{Bound, Objective};
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let w = Var::<f64, Cpu>::from_vec(&Cpu::default(), vec![-1.0, 0.5, -3.0, 2.0], 4, 1)?;
/// assert_eq!(Bound::default(), Bound::Elbo);
/// assert!((Bound::Elbo.loss(&w)?.item()? - 0.375).abs() < 1e-12);
/// // Renyi of order 1 is the ELBO again.
/// let renyi = Bound::Renyi { alpha: 1.0 }.loss(&w)?.item()?;
/// assert!((renyi - 0.375).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Bound {
    /// The trace ELBO, averaged over particles.
    #[default]
    Elbo,
    /// [`RenyiElbo`] of order `alpha` over the particles of a step.
    Renyi {
        /// The order.
        alpha: f64,
    },
}

impl Bound {
    /// Parses `elbo`, `iwae:K` or `renyi:ALPHA`; `iwae:K` also returns the particle count `K`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the text.
    ///
    /// # Examples
    /// ```
    /// use flowppl::infer::Bound;
    /// assert_eq!(Bound::parse("elbo").unwrap(), (Bound::Elbo, None));
    /// assert_eq!(Bound::parse("iwae:16").unwrap(), (Bound::Renyi { alpha: 0.0 }, Some(16)));
    /// assert_eq!(Bound::parse("renyi:0.5").unwrap(), (Bound::Renyi { alpha: 0.5 }, None));
    /// assert!(Bound::parse("iwae:0").is_err() && Bound::parse("renyi:-1").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<(Bound, Option<usize>)> {
        let invalid = || Error::InvalidConfig {
            what: format!("objective `{text}`"),
            message: "expected `elbo`, `iwae:K` (K >= 1 particles) or `renyi:ALPHA` (ALPHA >= 0)"
                .into(),
        };
        match text.split_once(':') {
            None if text == "elbo" => Ok((Bound::Elbo, None)),
            Some(("iwae", k)) => {
                let k: usize = k.parse().map_err(|_| invalid())?;
                if k == 0 {
                    return Err(invalid());
                }
                Ok((Bound::Renyi { alpha: 0.0 }, Some(k)))
            }
            Some(("renyi", alpha)) => {
                let alpha: f64 = alpha.parse().map_err(|_| invalid())?;
                if !(alpha.is_finite() && alpha >= 0.0) {
                    return Err(invalid());
                }
                Ok((Bound::Renyi { alpha }, None))
            }
            _ => Err(invalid()),
        }
    }
}

impl Objective for Bound {
    fn loss<E: Real, D: Backend<E>>(&self, log_weights: &Var<E, D>) -> Result<Var<E, D>> {
        match self {
            Bound::Elbo => TraceElbo.loss(log_weights),
            Bound::Renyi { alpha } => RenyiElbo { alpha: *alpha }.loss(log_weights),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::TestDevice;

    fn weights(values: &[f64]) -> Var<f64, TestDevice> {
        Var::from_vec(&TestDevice::default(), values.to_vec(), values.len(), 1).unwrap()
    }

    #[test]
    fn renyi_bounds_match_their_closed_forms() {
        let w = [-1.0, 0.5, -3.0, 2.0];
        let mean = w.iter().sum::<f64>() / 4.0;
        let lse = |a: f64| (w.iter().map(|x| (a * x).exp()).sum::<f64>() / 4.0).ln() / a;
        let loss = |b: Bound| b.loss(&weights(&w)).unwrap().item().unwrap();
        assert!((loss(Bound::Elbo) + mean).abs() < 1e-12);
        assert!((loss(Bound::Renyi { alpha: 1.0 }) + mean).abs() < 1e-12);
        assert!((loss(Bound::Renyi { alpha: 0.0 }) + lse(1.0)).abs() < 1e-12);
        assert!((loss(Bound::Renyi { alpha: 0.5 }) + lse(0.5)).abs() < 1e-12);
        assert!((loss(Bound::Renyi { alpha: -1.0 }) + lse(2.0)).abs() < 1e-12);
        // IWAE >= ELBO (Jensen).
        assert!(loss(Bound::Renyi { alpha: 0.0 }) <= loss(Bound::Elbo));
    }

    #[test]
    fn objectives_parse_by_name() {
        assert_eq!(Bound::parse("elbo").unwrap(), (Bound::Elbo, None));
        assert_eq!(
            Bound::parse("iwae:16").unwrap(),
            (Bound::Renyi { alpha: 0.0 }, Some(16))
        );
        assert_eq!(
            Bound::parse("renyi:0.5").unwrap(),
            (Bound::Renyi { alpha: 0.5 }, None)
        );
        for bad in ["iwae:0", "iwae", "renyi:x", "kl", "renyi:inf", "renyi:-1"] {
            let error = Bound::parse(bad).unwrap_err().to_string();
            assert!(error.contains(bad), "{error}");
        }
    }
}
