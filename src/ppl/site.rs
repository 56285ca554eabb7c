//! [`Site`]: the message that every primitive sends through the handler stack.

use super::data_cache::DataCache;
use crate::backend::ops::sum_terms::Term;
use crate::backend::{Backend, Real, Var};
use crate::dist::Distribution;
use crate::error::Result;
use std::rc::Rc;

/// What kind of statement produced a site.
///
/// # Examples
/// ```
/// # use flowppl::handlers::trace;
/// # use flowppl::ppl::model_fn;
/// use flowppl::ppl::SiteKind;
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
/// assert_eq!(t.get("a").unwrap().kind, SiteKind::Sample);
/// assert_eq!(t.get("b").unwrap().kind, SiteKind::Deterministic);
/// assert_eq!(t.get("y").unwrap().kind, SiteKind::Sample); // observed, but still a sample site
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    /// `sample!` or `observe!`: a random variable.
    Sample,
    /// `param!`: a learnable parameter.
    Param,
    /// `deterministic!`: a named function of other values, recorded for reporting.
    Deterministic,
    /// `factor!`: an extra term added to the log joint (Stan's `target +=`).
    Factor,
}

/// The plate a site lives in: its columns are the plate's (possibly subsampled) members.
///
/// # Examples
/// ```
/// use flowppl::ppl::PlateInfo;
/// let info = PlateInfo { name: "data".into(), size: 10, indices: vec![1, 4].into() };
/// assert_eq!(info.scale(), 5.0); // 10 members represented by 2
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PlateInfo {
    /// The plate's name.
    pub name: String,
    /// The full size `N`.
    pub size: usize,
    /// The members used this run (all of `0..N` unless subsampled); shared, so that copying a
    /// site does not copy a data-sized list.
    pub indices: std::sync::Arc<[usize]>,
}

impl PlateInfo {
    /// `N / batch`: the factor that makes a subsampled log-likelihood unbiased.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// assert_eq!(ctx.plate("all", 8, None)?.info().scale(), 1.0);
    /// assert_eq!(ctx.plate("quarter", 8, Some(2))?.info().scale(), 4.0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn scale(&self) -> f64 {
        self.size as f64 / self.indices.len().max(1) as f64
    }
}

/// One primitive statement in flight, like Pyro's message dictionary.
///
/// Handlers read and change it on the way down the stack ([`Handler::process`]) and see the
/// result on the way back ([`Handler::postprocess`]).
///
/// [`Handler::process`]: super::Handler::process
/// [`Handler::postprocess`]: super::Handler::postprocess
///
/// # Examples
/// ```
/// use flowppl::ppl::Site;
/// use flowppl::prelude::*;
/// use std::rc::Rc;
/// # fn main() -> flowppl::Result<()> {
/// let mut site = Site::<f64, Cpu>::sample("x", Rc::new(Normal::new(0.0, 1.0)?), 1);
/// site.value = Some(Var::scalar(&Cpu::default(), 0.0));
/// let lp = site.log_density()?.unwrap().item()?;
/// assert!((lp + 0.5 * (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
/// site.mask = false; // masked: contributes nothing
/// assert!(site.log_density()?.is_none());
/// # Ok(())
/// # }
/// ```
pub struct Site<E: Real, D: Backend<E>> {
    /// The site's name, unique within one run.
    pub name: String,
    /// What produced it.
    pub kind: SiteKind,
    /// The distribution of a sample site.
    pub distribution: Option<Rc<dyn Distribution<E, D>>>,
    /// The value: set by a handler, by the data of an observed site, or by sampling.
    pub value: Option<Var<E, D>>,
    /// Whether the value is data (`observe!` or `condition`).
    pub observed: bool,
    /// Whether the value was set by an intervention (`do`): its log-density is dropped.
    pub intervened: bool,
    /// Multiplier of the site's log-density (`scale` handler, plate subsampling).
    pub scale: f64,
    /// Whether the site's log-density counts (`mask` handler).
    pub mask: bool,
    /// Set by `block`: handlers further out do not see the site.
    pub stop: bool,
    /// The enclosing plate, if any.
    pub plate: Option<PlateInfo>,
    /// Number of particles (rows) of a sampled value.
    pub particles: usize,
}

impl<E: Real, D: Backend<E>> Clone for Site<E, D> {
    fn clone(&self) -> Self {
        Site {
            name: self.name.clone(),
            kind: self.kind,
            distribution: self.distribution.clone(),
            value: self.value.clone(),
            observed: self.observed,
            intervened: self.intervened,
            scale: self.scale,
            mask: self.mask,
            stop: self.stop,
            plate: self.plate.clone(),
            particles: self.particles,
        }
    }
}

impl<E: Real, D: Backend<E>> std::fmt::Debug for Site<E, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Site")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field(
                "distribution",
                &self.distribution.as_ref().map(|d| d.name()),
            )
            .field("shape", &self.value.as_ref().map(Var::shape))
            .field("observed", &self.observed)
            .field("intervened", &self.intervened)
            .field("scale", &self.scale)
            .field("mask", &self.mask)
            .finish()
    }
}

impl<E: Real, D: Backend<E>> Site<E, D> {
    /// A fresh site of `kind` without distribution or value.
    ///
    /// # Examples
    /// ```
    /// use flowppl::ppl::{Site, SiteKind};
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let site = Site::<f64, Cpu>::new("loc", SiteKind::Param, 4);
    /// assert_eq!((site.scale, site.mask, site.particles), (1.0, true, 4));
    /// assert!(site.value.is_none() && site.distribution.is_none() && !site.is_latent());
    /// assert!(site.log_density()?.is_none()); // parameters add nothing to the log joint
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(name: impl Into<String>, kind: SiteKind, particles: usize) -> Self {
        Site {
            name: name.into(),
            kind,
            distribution: None,
            value: None,
            observed: false,
            intervened: false,
            scale: 1.0,
            mask: true,
            stop: false,
            plate: None,
            particles,
        }
    }

    /// A fresh sample site.
    ///
    /// # Examples
    /// ```
    /// use flowppl::ppl::Site;
    /// use flowppl::prelude::*;
    /// use std::rc::Rc;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut site = Site::<f64, Cpu>::sample("x", Rc::new(Normal::new(0.0, 1.0)?), 1);
    /// assert!(site.is_latent() && site.value.is_none());
    /// site.value = Some(Var::scalar(&Cpu::default(), 1.0));
    /// site.scale = 2.0;
    /// let want = 2.0 * (-0.5 - 0.5 * (2.0 * std::f64::consts::PI).ln());
    /// assert!((site.log_density()?.unwrap().item()? - want).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn sample(
        name: impl Into<String>,
        distribution: Rc<dyn Distribution<E, D>>,
        particles: usize,
    ) -> Self {
        Site {
            name: name.into(),
            kind: SiteKind::Sample,
            distribution: Some(distribution),
            value: None,
            observed: false,
            intervened: false,
            scale: 1.0,
            mask: true,
            stop: false,
            plate: None,
            particles,
        }
    }

    /// Whether the site is a latent random variable (sampled, not observed, not intervened).
    ///
    /// # Examples
    /// ```
    /// use flowppl::ppl::Site;
    /// use flowppl::prelude::*;
    /// use std::rc::Rc;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut site = Site::<f64, Cpu>::sample("x", Rc::new(Normal::new(0.0, 1.0)?), 1);
    /// assert!(site.is_latent());
    /// site.observed = true;
    /// assert!(!site.is_latent());
    /// (site.observed, site.intervened) = (false, true);
    /// assert!(!site.is_latent());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_latent(&self) -> bool {
        self.kind == SiteKind::Sample && !self.observed && !self.intervened
    }

    /// The site's contribution to the log joint, one entry per particle (`(rows, 1)`), or
    /// `None` for sites that contribute nothing (parameters, deterministic, intervened or masked
    /// sites). Observed values are checked against the support (`-inf` outside); latent values
    /// are in the support by construction and take the unchecked path.
    ///
    /// # Errors
    /// Shape errors from the distribution, naming the site.
    ///
    /// # Examples
    /// ```
    /// use flowppl::ppl::Site;
    /// use flowppl::prelude::*;
    /// use std::rc::Rc;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut site = Site::<f64, Cpu>::sample("y", Rc::new(Exponential::new(1.0)?), 1);
    /// site.value = Some(Var::scalar(&Cpu::default(), -1.0));
    /// site.observed = true; // data are checked against the support
    /// assert_eq!(site.log_density()?.unwrap().item()?, f64::NEG_INFINITY);
    /// site.value = Some(Var::scalar(&Cpu::default(), 2.0));
    /// assert!((site.log_density()?.unwrap().item()? + 2.0).abs() < 1e-12); // ln(e^-2)
    /// # Ok(())
    /// # }
    /// ```
    pub fn log_density(&self) -> Result<Option<Var<E, D>>> {
        self.log_density_with(None)
    }

    /// [`Site::log_density`], skipping the support check of an observed value that `cache`
    /// made and has already found inside the support (data checked once per run).
    ///
    /// # Errors
    /// Shape errors from the distribution, naming the site.
    ///
    /// # Examples
    /// ```
    /// use flowppl::ppl::{DataCache, Site};
    /// use flowppl::prelude::*;
    /// use std::rc::Rc;
    /// # fn main() -> flowppl::Result<()> {
    /// let cache = DataCache::<f64, Cpu>::new();
    /// let y = vec![0.0, 2.0];
    /// let mut site = Site::<f64, Cpu>::sample("y", Rc::new(Normal::new(0.0, 1.0)?), 1);
    /// (site.value, site.observed) = (Some(cache.vector(&Cpu::default(), &y)?), true);
    /// let lp = site.log_density_with(Some(&cache))?.unwrap().item()?;
    /// let want = -2.0 - (2.0 * std::f64::consts::PI).ln(); // both entries, summed
    /// assert!((lp - want).abs() < 1e-12);
    /// assert_eq!(site.log_density()?.unwrap().item()?, lp);
    /// # Ok(())
    /// # }
    /// ```
    pub fn log_density_with(&self, cache: Option<&DataCache<E, D>>) -> Result<Option<Var<E, D>>> {
        self.log_density_term(cache, false)?
            .map(Term::into_var)
            .transpose()
    }

    /// [`Site::log_density_with`] as a term of a sum: with `deferred`, a latent or checked
    /// site of scale 1 whose distribution has a host kernel hands over its row sums unrecorded
    /// ([`crate::dist::RowSumsTerm`]), for the log joint to sum in one operation.
    ///
    /// # Errors
    /// As [`Site::log_density_with`].
    pub(crate) fn log_density_term(
        &self,
        cache: Option<&DataCache<E, D>>,
        deferred: bool,
    ) -> Result<Option<Term<E, D>>> {
        if self.kind == SiteKind::Factor && self.mask {
            let Some(value) = &self.value else {
                return Ok(None);
            };
            let per_row = if value.columns() == 1 {
                value.clone()
            } else {
                value.sum_columns()
            };
            return Ok(Some(Term::Value(if self.scale == 1.0 {
                per_row
            } else {
                per_row * self.scale
            })));
        }
        if self.kind != SiteKind::Sample || self.intervened || !self.mask {
            return Ok(None);
        }
        let (Some(distribution), Some(value)) = (&self.distribution, &self.value) else {
            return Ok(None);
        };
        let at_site = |e: crate::error::Error| crate::error::Error::Site {
            site: self.name.clone(),
            source: Box::new(e),
        };
        let checked_before = || {
            let support = distribution.support();
            let by_row = distribution.event_dim() == 1 || support.is_row_constraint();
            cache.and_then(|c| c.in_support(value, support, by_row)) == Some(true)
        };
        let unchecked = !self.observed || checked_before();
        if deferred && unchecked && self.scale == 1.0 {
            if let Some(term) = distribution.row_sums_term(value).map_err(at_site)? {
                return Ok(Some(Term::RowSums(term)));
            }
        }
        let per_row = if unchecked {
            distribution.log_prob_unchecked_row_sums(value)
        } else {
            distribution.log_prob(value).map(crate::dist::row_sums)
        }
        .map_err(at_site)?;
        Ok(Some(Term::Value(if self.scale == 1.0 {
            per_row
        } else {
            per_row * self.scale
        })))
    }
}
