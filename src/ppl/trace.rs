//! [`Trace`]: the sites of one run of a model, in order.

use super::data_cache::DataCache;
use super::site::{Site, SiteKind};
use crate::backend::{Backend, Real, Var};
use crate::error::{Error, Result};

/// The record of one run: every site that reached the trace handler, in execution order.
///
/// # Examples
/// ```
/// use flowppl::handlers::trace;
/// use flowppl::ppl::model_fn;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
///     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
///     ctx.deterministic("b", a.mul_scalar(2.0))?;
///     let y = Var::scalar(ctx.device(), 0.5);
///     ctx.observe("y", Normal::new(&a, 1.0)?, y, None)?;
///     Ok(())
/// });
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&model, &mut Ctx::new(&Cpu::default(), &mut rng))?;
/// assert_eq!(t.names().collect::<Vec<_>>(), ["a", "b", "y"]); // in execution order
/// assert_eq!(t.latent_sites().count(), 1);
/// # Ok(())
/// # }
/// ```
pub struct Trace<E: Real, D: Backend<E>> {
    sites: Vec<Site<E, D>>,
}

impl<E: Real, D: Backend<E>> Default for Trace<E, D> {
    fn default() -> Self {
        Trace { sites: Vec::new() }
    }
}

impl<E: Real, D: Backend<E>> Trace<E, D> {
    /// An empty trace with room for `sites` sites.
    pub(crate) fn with_capacity(sites: usize) -> Self {
        Trace {
            sites: Vec::with_capacity(sites),
        }
    }
}

impl<E: Real, D: Backend<E>> Clone for Trace<E, D> {
    fn clone(&self) -> Self {
        Trace {
            sites: self.sites.clone(),
        }
    }
}

impl<E: Real, D: Backend<E>> std::fmt::Debug for Trace<E, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.sites).finish()
    }
}

impl<E: Real, D: Backend<E>> Trace<E, D> {
    /// Appends a site.
    ///
    /// # Errors
    /// [`Error::Model`] when a site of that name is already recorded: site names must be unique
    /// within one run (use an indexed name such as `format!("x{i}")` inside loops).
    ///
    /// # Examples
    /// ```
    /// use flowppl::ppl::{Site, SiteKind, Trace};
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut t = Trace::<f64, Cpu>::default();
    /// t.push(Site::new("a", SiteKind::Deterministic, 1))?;
    /// assert!(t.push(Site::new("a", SiteKind::Factor, 1)).is_err()); // names are unique
    /// assert_eq!(t.sites().len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn push(&mut self, site: Site<E, D>) -> Result<()> {
        if self.get(&site.name).is_some() {
            return Err(Error::Model {
                model: "trace".into(),
                message: format!(
                    "site `{}` appears twice in one run; site names must be unique",
                    site.name
                ),
            });
        }
        self.sites.push(site);
        Ok(())
    }

    /// The site called `name`.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::handlers::trace;
    /// # use flowppl::ppl::model_fn;
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    /// #     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.deterministic("b", a.mul_scalar(2.0))?;
    /// #     let y = Var::scalar(ctx.device(), 0.5);
    /// #     ctx.observe("y", Normal::new(&a, 1.0)?, y, None)?;
    /// #     Ok(())
    /// # });
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// // The model: a ~ N(0, 1); b = 2a (deterministic); y ~ N(a, 1) observed at 0.5.
    /// let t = trace(&model, &mut Ctx::new(&Cpu::default(), &mut rng))?;
    /// assert!(t.get("y").unwrap().observed);
    /// assert!(!t.get("a").unwrap().observed);
    /// assert!(t.get("nope").is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, name: &str) -> Option<&Site<E, D>> {
        self.sites.iter().find(|s| s.name == name)
    }

    /// The value of site `name`.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::handlers::trace;
    /// # use flowppl::ppl::model_fn;
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    /// #     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.deterministic("b", a.mul_scalar(2.0))?;
    /// #     let y = Var::scalar(ctx.device(), 0.5);
    /// #     ctx.observe("y", Normal::new(&a, 1.0)?, y, None)?;
    /// #     Ok(())
    /// # });
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// // The model: a ~ N(0, 1); b = 2a (deterministic); y ~ N(a, 1) observed at 0.5.
    /// let t = trace(&model, &mut Ctx::new(&Cpu::default(), &mut rng))?;
    /// let (a, b) = (t.value("a").unwrap().item()?, t.value("b").unwrap().item()?);
    /// assert_eq!(b, 2.0 * a);
    /// assert_eq!(t.value("y").unwrap().item()?, 0.5); // the data
    /// # Ok(())
    /// # }
    /// ```
    pub fn value(&self, name: &str) -> Option<&Var<E, D>> {
        self.get(name).and_then(|s| s.value.as_ref())
    }

    /// All sites in execution order.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::handlers::trace;
    /// # use flowppl::ppl::model_fn;
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    /// #     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.deterministic("b", a.mul_scalar(2.0))?;
    /// #     let y = Var::scalar(ctx.device(), 0.5);
    /// #     ctx.observe("y", Normal::new(&a, 1.0)?, y, None)?;
    /// #     Ok(())
    /// # });
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// // The model: a ~ N(0, 1); b = 2a (deterministic); y ~ N(a, 1) observed at 0.5.
    /// let t = trace(&model, &mut Ctx::new(&Cpu::default(), &mut rng))?;
    /// assert_eq!(t.sites().len(), 3);
    /// assert_eq!(t.sites()[2].name, "y");
    /// # Ok(())
    /// # }
    /// ```
    pub fn sites(&self) -> &[Site<E, D>] {
        &self.sites
    }

    /// Site names in execution order.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::handlers::trace;
    /// # use flowppl::ppl::model_fn;
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    /// #     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.deterministic("b", a.mul_scalar(2.0))?;
    /// #     let y = Var::scalar(ctx.device(), 0.5);
    /// #     ctx.observe("y", Normal::new(&a, 1.0)?, y, None)?;
    /// #     Ok(())
    /// # });
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// // The model: a ~ N(0, 1); b = 2a (deterministic); y ~ N(a, 1) observed at 0.5.
    /// let t = trace(&model, &mut Ctx::new(&Cpu::default(), &mut rng))?;
    /// assert_eq!(t.names().collect::<Vec<_>>(), ["a", "b", "y"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.sites.iter().map(|s| s.name.as_str())
    }

    /// The latent sites: sampled, not observed, not intervened.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::handlers::trace;
    /// # use flowppl::ppl::model_fn;
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    /// #     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.deterministic("b", a.mul_scalar(2.0))?;
    /// #     let y = Var::scalar(ctx.device(), 0.5);
    /// #     ctx.observe("y", Normal::new(&a, 1.0)?, y, None)?;
    /// #     Ok(())
    /// # });
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// // The model: a ~ N(0, 1); b = 2a (deterministic); y ~ N(a, 1) observed at 0.5.
    /// let t = trace(&model, &mut Ctx::new(&Cpu::default(), &mut rng))?;
    /// let latent: Vec<&str> = t.latent_sites().map(|s| s.name.as_str()).collect();
    /// assert_eq!(latent, ["a"]); // not the deterministic `b` nor the observed `y`
    /// # Ok(())
    /// # }
    /// ```
    pub fn latent_sites(&self) -> impl Iterator<Item = &Site<E, D>> {
        self.sites.iter().filter(|s| s.is_latent())
    }

    /// The deterministic sites.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::handlers::trace;
    /// # use flowppl::ppl::model_fn;
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    /// #     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.deterministic("b", a.mul_scalar(2.0))?;
    /// #     let y = Var::scalar(ctx.device(), 0.5);
    /// #     ctx.observe("y", Normal::new(&a, 1.0)?, y, None)?;
    /// #     Ok(())
    /// # });
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// // The model: a ~ N(0, 1); b = 2a (deterministic); y ~ N(a, 1) observed at 0.5.
    /// let t = trace(&model, &mut Ctx::new(&Cpu::default(), &mut rng))?;
    /// let names: Vec<&str> = t.deterministic_sites().map(|s| s.name.as_str()).collect();
    /// assert_eq!(names, ["b"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn deterministic_sites(&self) -> impl Iterator<Item = &Site<E, D>> {
        self.sites
            .iter()
            .filter(|s| s.kind == SiteKind::Deterministic)
    }

    /// `ln p` of the whole run, one entry per particle: the sum of every site's scaled, masked
    /// log-density (intervened sites excluded), `(rows, 1)`.
    ///
    /// # Errors
    /// A site's shape error, naming the site; [`Error::Model`] when no site contributes (a
    /// log joint of nothing is more likely a mistake than a zero).
    ///
    /// # Examples
    /// ```
    /// # use flowppl::handlers::trace;
    /// # use flowppl::ppl::model_fn;
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    /// #     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.deterministic("b", a.mul_scalar(2.0))?;
    /// #     let y = Var::scalar(ctx.device(), 0.5);
    /// #     ctx.observe("y", Normal::new(&a, 1.0)?, y, None)?;
    /// #     Ok(())
    /// # });
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// // The model: a ~ N(0, 1); b = 2a (deterministic); y ~ N(a, 1) observed at 0.5.
    /// let t = trace(&model, &mut Ctx::new(&Cpu::default(), &mut rng))?;
    /// let a = t.value("a").unwrap().item()?;
    /// let ln_2pi = (2.0 * std::f64::consts::PI).ln();
    /// let ln_normal = |x: f64, mean: f64| -0.5 * (x - mean).powi(2) - 0.5 * ln_2pi;
    /// let want = ln_normal(a, 0.0) + ln_normal(0.5, a); // `b` adds nothing
    /// assert!((t.log_joint()?.item()? - want).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn log_joint(&self) -> Result<Var<E, D>> {
        self.log_joint_with(None)
    }

    /// [`Trace::log_joint`] with observed data from `cache` checked against its support once
    /// per run ([`Site::log_density_with`]).
    ///
    /// # Errors
    /// As [`Trace::log_joint`].
    ///
    /// # Examples
    /// ```
    /// use flowppl::ppl::{DataCache, Site, Trace};
    /// use flowppl::prelude::*;
    /// use std::rc::Rc;
    /// # fn main() -> flowppl::Result<()> {
    /// let cache = DataCache::<f64, Cpu>::new();
    /// let y = vec![1.0];
    /// let mut site = Site::<f64, Cpu>::sample("y", Rc::new(Exponential::new(2.0)?), 1);
    /// (site.value, site.observed) = (Some(cache.vector(&Cpu::default(), &y)?), true);
    /// let mut t = Trace::default();
    /// t.push(site)?;
    /// let want = 2f64.ln() - 2.0; // ln(2 e^{-2 * 1})
    /// assert!((t.log_joint_with(Some(&cache))?.item()? - want).abs() < 1e-12);
    /// assert_eq!(t.log_joint_with(None)?.item()?, t.log_joint()?.item()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn log_joint_with(&self, cache: Option<&DataCache<E, D>>) -> Result<Var<E, D>> {
        self.log_joint_minus(cache, None)
    }

    /// `log_joint_with(cache) - minus` (an ELBO's log weight, with `minus` the guide's
    /// `ln q`): one recorded operation on host devices, the checked subtraction otherwise.
    ///
    /// # Errors
    /// Those of [`Trace::log_joint_with`]; [`Error::ShapeMismatch`] when `minus` does not
    /// broadcast against the log joint.
    pub(crate) fn log_joint_minus(
        &self,
        cache: Option<&DataCache<E, D>>,
        minus: Option<&Var<E, D>>,
    ) -> Result<Var<E, D>> {
        let mut names = Vec::with_capacity(self.sites.len());
        let mut terms = Vec::with_capacity(self.sites.len());
        for site in &self.sites {
            if let Some(term) = site.log_density_term(cache, true)? {
                names.push(site.name.as_str());
                terms.push(term);
            }
        }
        // One recorded sum on host devices (row-sum terms' backward steps run inside it);
        // pairwise otherwise, and whenever the one-operation sum declines, so that an error
        // names the site whose term does not fit.
        use crate::backend::ops::sum_terms::{one_operation_tape, sum_terms};
        if let Some(tape) = one_operation_tape(&terms, minus) {
            return sum_terms(terms, minus, tape);
        }
        let mut total: Option<Var<E, D>> = None;
        for (name, term) in names.into_iter().zip(terms) {
            let term = term.into_var()?;
            total = Some(match total {
                None => term,
                Some(t) => t.add(&term).map_err(|e| Error::Site {
                    site: name.to_string(),
                    source: Box::new(e),
                })?,
            });
        }
        match (total, minus) {
            (Some(t), Some(m)) => t.sub(m),
            (Some(t), None) => Ok(t),
            (None, _) => Err(Error::Model {
                model: "trace".into(),
                message: "no site contributes to the log joint".into(),
            }),
        }
    }
}
