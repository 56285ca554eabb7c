//! [`Ctx`]: the runtime a model runs in, and the primitives it calls.

use super::data_cache::DataCache;
use super::handler::Handler;
use super::plate::Plate;
use super::site::{PlateInfo, Site, SiteKind};
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::constraints::{biject_to, Constraint};
use crate::dist::Distribution;
use crate::error::{Error, Result};
use crate::params::{Init, ParamStore};
use std::rc::Rc;

/// The runtime of one model execution: the device, the random number generator, the number of
/// particles every latent value carries (its rows), optionally a [`Graph`] to record gradients
/// and a [`ParamStore`] for `param` sites, and the stack of effect handlers.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng).with_particles(4);
/// let x = ctx.sample("x", Normal::new(0.0, 1.0)?, None)?;
/// assert_eq!(x.shape(), (4, 1)); // one row per particle
/// # Ok(())
/// # }
/// ```
pub struct Ctx<'a, E: Real, D: Backend<E>> {
    device: D,
    graph: Option<&'a Graph<E, D>>,
    store: Option<&'a mut ParamStore<E, D>>,
    rng: &'a mut Rng,
    particles: usize,
    stop_guide_parameters: bool,
    stack: Vec<Box<dyn Handler<E, D> + 'a>>,
    data_cache: Option<&'a DataCache<E, D>>,
}

impl<'a, E: Real, D: Backend<E>> Ctx<'a, E, D> {
    /// A context with one particle, no graph and no parameter store.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// assert_eq!(ctx.particles(), 1);
    /// assert!(ctx.graph().is_none() && ctx.store().is_none());
    /// ```
    pub fn new(device: &D, rng: &'a mut Rng) -> Self {
        Ctx {
            device: device.clone(),
            graph: None,
            store: None,
            rng,
            particles: 1,
            stop_guide_parameters: false,
            stack: Vec::new(),
            data_cache: None,
        }
    }

    /// Takes the model's data from `cache` (converted once per run; see [`DataCache`]).
    ///
    /// # Examples
    /// ```
    /// use flowppl::constraints::Constraint;
    /// use flowppl::ppl::{dsl, DataCache};
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let cache = DataCache::<f64, Cpu>::new();
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let ctx = Ctx::new(&Cpu::default(), &mut rng).with_data_cache(&cache);
    /// let y = vec![1.0, 2.0];
    /// let value = dsl::cached_vector(&ctx, &y)?;
    /// // The value was made by the cache, so the cache can vouch for it.
    /// assert_eq!(cache.in_support(&value, Constraint::Positive, false), Some(true));
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_data_cache(mut self, cache: &'a DataCache<E, D>) -> Self {
        self.data_cache = Some(cache);
        self
    }

    /// The data cache of this run, if any.
    ///
    /// # Examples
    /// ```
    /// use flowppl::ppl::DataCache;
    /// use flowppl::prelude::*;
    /// let cache = DataCache::<f64, Cpu>::new();
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let ctx = Ctx::new(&Cpu::default(), &mut rng);
    /// assert!(ctx.data_cache().is_none());
    /// let ctx = ctx.with_data_cache(&cache);
    /// assert!(ctx.data_cache().is_some());
    /// ```
    pub fn data_cache(&self) -> Option<&'a DataCache<E, D>> {
        self.data_cache
    }

    /// Records values on `graph` (parameters become differentiable).
    ///
    /// # Examples
    /// ```
    /// use flowppl::constraints::Constraint;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let (mut store, graph) = (ParamStore::<f64, Cpu>::new(&device), Graph::new(&device));
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::new(&device, &mut rng).with_store(&mut store).with_graph(&graph);
    /// let w = ctx.param("w", 1, 1, &Init::Constant(0.5), Constraint::Real)?;
    /// assert!(w.is_recorded()); // differentiable: gradients reach the store
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_graph(mut self, graph: &'a Graph<E, D>) -> Self {
        self.graph = Some(graph);
        self
    }

    /// Reads and creates `param` sites in `store`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::constraints::Constraint;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let mut store = ParamStore::<f64, Cpu>::new(&device);
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::new(&device, &mut rng).with_store(&mut store);
    /// ctx.param("scale", 1, 2, &Init::Constant(2.0), Constraint::Positive)?;
    /// drop(ctx);
    /// // Stored unconstrained: ln 2, the inverse of the positive constraint's `exp`.
    /// assert_eq!(store.shape("scale")?, (1, 2));
    /// assert!((store.values("scale")?[0] - 2f64.ln()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_store(mut self, store: &'a mut ParamStore<E, D>) -> Self {
        self.store = Some(store);
        self
    }

    /// Every latent value carries `particles` rows (vectorised Monte Carlo); 0 is taken as 1.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::rng::seeded;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut rng = seeded(0);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng).with_particles(8);
    /// assert_eq!(ctx.sample("x", Normal::new(0.0, 1.0)?, None)?.shape(), (8, 1));
    /// // At least one particle.
    /// let mut other_rng = seeded(1);
    /// let ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut other_rng).with_particles(0);
    /// assert_eq!(ctx.particles(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_particles(mut self, particles: usize) -> Self {
        self.particles = particles.max(1);
        self
    }

    /// Asks guides to report `ln q(z)` with their parameters held constant (the draw `z` still
    /// depends on them): the sticking-the-landing estimator (Roeder et al. 2017,
    /// arXiv:1703.09194), which drops the score term whose expectation is zero.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// assert!(!ctx.stops_guide_parameters()); // off by default
    /// assert!(ctx.with_stopped_guide_parameters(true).stops_guide_parameters());
    /// ```
    pub fn with_stopped_guide_parameters(mut self, stop: bool) -> Self {
        self.stop_guide_parameters = stop;
        self
    }

    /// Whether guides should score their draws with constant parameters (see
    /// [`with_stopped_guide_parameters`](Self::with_stopped_guide_parameters)).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// let ctx = ctx.with_stopped_guide_parameters(true);
    /// assert!(ctx.stops_guide_parameters());
    /// assert!(!ctx.with_stopped_guide_parameters(false).stops_guide_parameters());
    /// ```
    pub fn stops_guide_parameters(&self) -> bool {
        self.stop_guide_parameters
    }

    /// The number of particles (rows of latent values).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// assert_eq!(ctx.particles(), 1);
    /// assert_eq!(ctx.with_particles(16).particles(), 16);
    /// ```
    pub fn particles(&self) -> usize {
        self.particles
    }

    /// The device.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// // Model code makes its constants on the context's device.
    /// let ones = Var::<f64, Cpu>::full(ctx.device(), 2, 3, 1.0);
    /// assert_eq!(ones.to_vec(), vec![1.0; 6]);
    /// ```
    pub fn device(&self) -> &D {
        &self.device
    }

    /// The random number generator.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::rng::{seeded, standard_normals};
    /// use flowppl::prelude::*;
    /// let mut rng = seeded(7);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// // The context draws from the generator it was given.
    /// assert_eq!(standard_normals(ctx.rng(), 3), standard_normals(&mut seeded(7), 3));
    /// ```
    pub fn rng(&mut self) -> &mut Rng {
        self.rng
    }

    /// The graph values are recorded on, if any.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let device = Cpu::default();
    /// let graph = Graph::<f64, Cpu>::new(&device);
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let ctx = Ctx::new(&device, &mut rng);
    /// assert!(ctx.graph().is_none());
    /// assert!(ctx.with_graph(&graph).graph().is_some());
    /// ```
    pub fn graph(&self) -> Option<&'a Graph<E, D>> {
        self.graph
    }

    /// The parameter store, if any.
    ///
    /// # Examples
    /// ```
    /// use flowppl::constraints::Constraint;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let mut store = ParamStore::<f64, Cpu>::new(&device);
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::new(&device, &mut rng).with_store(&mut store);
    /// ctx.param("w", 2, 3, &Init::Zeros, Constraint::Real)?;
    /// assert_eq!(ctx.store().unwrap().num_values(), 6);
    /// # Ok(())
    /// # }
    /// ```
    pub fn store(&mut self) -> Option<&mut ParamStore<E, D>> {
        self.store.as_deref_mut()
    }

    /// Runs `body` with `handler` pushed on the stack (innermost), popping it afterwards even when
    /// `body` fails.
    ///
    /// # Errors
    /// Whatever `body` returns.
    ///
    /// # Examples
    /// ```
    /// use flowppl::ppl::{Handler, Site};
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// struct Three; // sets every site to 3
    /// impl Handler<f64, Cpu> for Three {
    ///     fn process(&mut self, site: &mut Site<f64, Cpu>) -> flowppl::Result<()> {
    ///         site.value = Some(Var::scalar(&Cpu::default(), 3.0));
    ///         Ok(())
    ///     }
    /// }
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// let x = ctx.with_handler(Box::new(Three), |ctx| {
    ///     ctx.sample("x", Normal::new(0.0, 1.0)?, None)
    /// })?;
    /// assert_eq!(x.to_vec(), vec![3.0]);
    /// let y = ctx.sample("y", Normal::new(0.0, 1.0)?, None)?; // the handler is gone
    /// assert_ne!(y.to_vec(), vec![3.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_handler<T>(
        &mut self,
        handler: Box<dyn Handler<E, D> + 'a>,
        body: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        self.stack.push(handler);
        let result = body(self);
        self.stack.pop();
        result
    }

    /// Sends a site through the stack: `process` innermost-first until a handler stops it, the
    /// default behaviour, then `postprocess` outermost-first on the handlers that saw it.
    fn apply_stack(&mut self, mut site: Site<E, D>) -> Result<Site<E, D>> {
        let mut seen = 0;
        for handler in self.stack.iter_mut().rev() {
            handler.process(&mut site)?;
            seen += 1;
            if site.stop {
                break;
            }
        }
        if site.value.is_none() {
            site.value = Some(self.default_value(&site)?);
        }
        let depth = self.stack.len();
        for handler in self.stack[depth - seen..].iter_mut() {
            handler.postprocess(&mut site)?;
        }
        Ok(site)
    }

    /// Draws a sample site's value: reparameterised where possible, so gradients reach the
    /// parameters of the distribution.
    fn default_value(&mut self, site: &Site<E, D>) -> Result<Var<E, D>> {
        let Some(distribution) = &site.distribution else {
            return Err(Error::Model {
                model: "ctx".into(),
                message: format!(
                    "site `{}` has neither a value nor a distribution",
                    site.name
                ),
            });
        };
        let draw = if distribution.has_rsample() {
            distribution.rsample(self.rng)
        } else {
            distribution.sample(self.rng)
        };
        draw.map_err(|e| Error::Site {
            site: site.name.clone(),
            source: Box::new(e),
        })
    }

    /// The shape a latent draw must have: `(particles, columns)`, where the columns are the
    /// plate's members or the distribution's own columns.
    fn latent_distribution(
        &self,
        name: &str,
        distribution: Box<dyn Distribution<E, D>>,
        plate: Option<&Plate>,
    ) -> Result<Rc<dyn Distribution<E, D>>> {
        let (rows, columns) = distribution.sample_shape();
        let target_columns = match plate {
            Some(p) if distribution.event_dim() == 0 => p.len(),
            _ => columns,
        };
        let target = (self.particles.max(rows), target_columns);
        if (rows, columns) == target {
            return Ok(Rc::from(distribution));
        }
        let expanded = distribution
            .expand_to(target.0, target.1)
            .map_err(|e| Error::Site {
                site: name.to_string(),
                source: Box::new(e),
            })?;
        Ok(Rc::from(expanded))
    }

    /// A latent random variable: returns its value, `(particles, columns)`.
    ///
    /// # Errors
    /// Errors of the distribution or of a handler, naming the site.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng).with_particles(3);
    /// let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
    /// assert_eq!(mu.shape(), (3, 1));
    /// let data = ctx.plate("data", 5, None)?;
    /// let z = ctx.sample("z", Normal::new(&mu, 1.0)?, Some(&data))?;
    /// assert_eq!(z.shape(), (3, 5)); // (particles, plate members)
    /// # Ok(())
    /// # }
    /// ```
    pub fn sample(
        &mut self,
        name: &str,
        distribution: impl Distribution<E, D> + 'static,
        plate: Option<&Plate>,
    ) -> Result<Var<E, D>> {
        let distribution = self.latent_distribution(name, Box::new(distribution), plate)?;
        let mut site = Site::sample(name, distribution, self.particles);
        if let Some(p) = plate {
            site.scale *= p.info().scale();
            site.plate = Some(p.info().clone());
        }
        let site = self.apply_stack(site)?;
        site.value.ok_or_else(|| unreachable_value(name))
    }

    /// An observed random variable with its data; returns the data.
    ///
    /// # Errors
    /// The error of a poisoned value; handler errors. A shape that does not fit the
    /// distribution is reported, naming the site, when the log-density is evaluated
    /// ([`Site::log_density`](crate::ppl::Site::log_density),
    /// [`Trace::log_joint`](crate::ppl::Trace::log_joint)).
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::trace;
    /// use flowppl::ppl::model_fn;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    ///     let y = Var::scalar(ctx.device(), 0.5);
    ///     let returned = ctx.observe("y", Normal::new(0.0, 1.0)?, y, None)?;
    ///     assert_eq!(returned.to_vec(), vec![0.5]); // the data
    ///     Ok(())
    /// });
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let t = trace(&model, &mut Ctx::new(&Cpu::default(), &mut rng))?;
    /// let want = -0.5 * 0.5f64.powi(2) - 0.5 * (2.0 * std::f64::consts::PI).ln();
    /// assert!(t.get("y").unwrap().observed);
    /// assert!((t.log_joint()?.item()? - want).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn observe(
        &mut self,
        name: &str,
        distribution: impl Distribution<E, D> + 'static,
        data: impl Into<Var<E, D>>,
        plate: Option<&Plate>,
    ) -> Result<Var<E, D>> {
        let data = data.into();
        data.check().map_err(|e| Error::Site {
            site: name.to_string(),
            source: Box::new(e),
        })?;
        let mut site = Site::sample(name, Rc::new(distribution), self.particles);
        site.value = Some(data);
        site.observed = true;
        if let Some(p) = plate {
            site.scale *= p.info().scale();
            site.plate = Some(p.info().clone());
        }
        let site = self.apply_stack(site)?;
        site.value.ok_or_else(|| unreachable_value(name))
    }

    /// Records a named function of other values (reported by `Predictive` and summaries).
    ///
    /// # Errors
    /// The error of a poisoned value, naming the site.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng).with_particles(2);
    /// let x = ctx.sample("x", Normal::new(0.0, 1.0)?, None)?;
    /// let doubled = ctx.deterministic("doubled", x.mul_scalar(2.0))?;
    /// let want: Vec<f64> = x.to_vec().iter().map(|v| 2.0 * v).collect();
    /// assert_eq!(doubled.to_vec(), want);
    /// # Ok(())
    /// # }
    /// ```
    pub fn deterministic(&mut self, name: &str, value: Var<E, D>) -> Result<Var<E, D>> {
        value.check().map_err(|e| Error::Site {
            site: name.to_string(),
            source: Box::new(e),
        })?;
        let mut site = Site::new(name, SiteKind::Deterministic, self.particles);
        site.value = Some(value);
        let site = self.apply_stack(site)?;
        site.value.ok_or_else(|| unreachable_value(name))
    }

    /// Adds `log_weight` (one entry per particle, or a row of terms summed per particle) to the
    /// log joint, like Stan's `target +=` or Pyro's `factor`.
    ///
    /// # Errors
    /// The error of a poisoned value, naming the site.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::trace;
    /// use flowppl::ppl::model_fn;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let model = model_fn("soft", |ctx: &mut Ctx<'_, f64, Cpu>| {
    ///     let terms = Var::from_vec(ctx.device(), vec![-1.0, -0.5], 1, 2)?;
    ///     ctx.factor("penalty", terms)?;
    ///     Ok(())
    /// });
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let t = trace(&model, &mut Ctx::new(&Cpu::default(), &mut rng))?;
    /// assert_eq!(t.log_joint()?.item()?, -1.5); // a row of terms is summed
    /// # Ok(())
    /// # }
    /// ```
    pub fn factor(&mut self, name: &str, log_weight: Var<E, D>) -> Result<Var<E, D>> {
        log_weight.check().map_err(|e| Error::Site {
            site: name.to_string(),
            source: Box::new(e),
        })?;
        let mut site = Site::new(name, SiteKind::Factor, self.particles);
        site.value = Some(log_weight);
        let site = self.apply_stack(site)?;
        site.value.ok_or_else(|| unreachable_value(name))
    }

    /// A learnable parameter of `rows x columns` constrained to `constraint`, created on first use
    /// with `init` (given in the constrained space) and stored unconstrained.
    ///
    /// # Errors
    /// [`Error::Model`] without a parameter store; [`Error::Site`] when `init` lies outside the
    /// constraint or the stored shape differs.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::rng::seeded;
    /// use flowppl::constraints::Constraint;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let mut store = ParamStore::<f64, Cpu>::new(&device);
    /// let mut rng = seeded(0);
    /// let mut ctx = Ctx::new(&device, &mut rng).with_store(&mut store);
    /// let s = ctx.param("s", 1, 2, &Init::Constant(0.5), Constraint::Positive)?;
    /// assert!(s.to_vec().iter().all(|v| (v - 0.5).abs() < 1e-12));
    /// // An initial value outside the constraint is refused, and so is a missing store.
    /// assert!(ctx.param("t", 1, 1, &Init::Constant(-1.0), Constraint::Positive).is_err());
    /// let mut other_rng = seeded(1);
    /// let mut bare = Ctx::<f64, Cpu>::new(&device, &mut other_rng);
    /// let missing = bare.param("s", 1, 1, &Init::Zeros, Constraint::Real);
    /// assert!(matches!(missing, Err(Error::Model { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn param(
        &mut self,
        name: &str,
        rows: usize,
        columns: usize,
        init: &Init,
        constraint: Constraint,
    ) -> Result<Var<E, D>> {
        let at_site = |e: Error| Error::Site {
            site: name.to_string(),
            source: Box::new(e),
        };
        let bijector = biject_to::<E, D>(&constraint).map_err(at_site)?;
        let raw_columns = bijector.input_columns(columns).map_err(at_site)?;
        let graph = self.graph;
        let Some(store) = self.store.as_deref_mut() else {
            return Err(Error::Model {
                model: "ctx".into(),
                message: format!("param site `{name}` needs a parameter store (Ctx::with_store)"),
            });
        };
        if !store.contains(name) {
            let values = init
                .values(name, rows, columns, self.rng)
                .map_err(at_site)?;
            let constrained = Var::from_vec(
                &self.device,
                values.iter().map(|&v| crate::backend::real(v)).collect(),
                rows,
                columns,
            )?;
            let (raw, _) = bijector.inverse(&constrained, None).map_err(at_site)?;
            let raw = raw.to_f64_vec();
            if raw.iter().any(|v| !v.is_finite()) {
                return Err(at_site(Error::InvalidConfig {
                    what: "initial value".into(),
                    message: format!("lies outside the constraint `{}`", constraint.describe()),
                }));
            }
            store
                .insert(name, rows, raw_columns, &raw)
                .map_err(at_site)?;
        }
        if store.shape(name)? != (rows, raw_columns) {
            return Err(at_site(Error::ParameterShape {
                name: name.to_string(),
                expected: store.shape(name)?,
                found: (rows, raw_columns),
            }));
        }
        let raw = store.read(name, graph)?;
        let (value, _) = bijector.forward(&raw, None).map_err(at_site)?;
        let mut site = Site::new(name, SiteKind::Param, self.particles);
        site.value = Some(value);
        let site = self.apply_stack(site)?;
        site.value.ok_or_else(|| unreachable_value(name))
    }

    /// A plate of `size` conditionally independent members; with `subsample`, a random subset
    /// of that many members is drawn this run and log-densities in the plate are scaled by
    /// `size / subsample`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a zero size or a subsample larger than the plate.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// let batch = ctx.plate("data", 10, Some(4))?;
    /// assert_eq!((batch.size(), batch.len()), (10, 4));
    /// assert_eq!(batch.info().scale(), 2.5); // log-densities count 10 / 4 times
    /// assert!(ctx.plate("empty", 0, None).is_err());
    /// assert!(ctx.plate("too_big", 3, Some(5)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn plate(&mut self, name: &str, size: usize, subsample: Option<usize>) -> Result<Plate> {
        if size == 0 {
            return Err(Error::InvalidConfig {
                what: format!("plate `{name}`"),
                message: "the size must be at least 1".into(),
            });
        }
        let indices: std::sync::Arc<[usize]> = match subsample {
            None => full_range(size),
            Some(b) if b == 0 || b > size => {
                return Err(Error::InvalidConfig {
                    what: format!("plate `{name}`"),
                    message: format!("subsample size {b} must be in 1..={size}"),
                })
            }
            Some(b) => {
                let mut chosen = rand::seq::index::sample(self.rng, size, b).into_vec();
                chosen.sort_unstable();
                chosen.into()
            }
        };
        Ok(Plate::new(PlateInfo {
            name: name.to_string(),
            size,
            indices,
        }))
    }
}

/// `0..size` as a shared list, reused while the size stays the same (a full plate is the same
/// list at every step; building it anew would cost O(size) per step).
fn full_range(size: usize) -> std::sync::Arc<[usize]> {
    thread_local! {
        static LAST: std::cell::RefCell<Option<std::sync::Arc<[usize]>>> =
            const { std::cell::RefCell::new(None) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match last.as_ref() {
            Some(range) if range.len() == size => range.clone(),
            _ => {
                let range: std::sync::Arc<[usize]> = (0..size).collect();
                *last = Some(range.clone());
                range
            }
        }
    })
}

fn unreachable_value(name: &str) -> Error {
    Error::Model {
        model: "ctx".into(),
        message: format!("site `{name}` ended without a value"),
    }
}
