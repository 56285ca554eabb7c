//! [`Cnf`]: the continuous flow as a flow layer and bijector.

use super::field::{BoundField, SmoothActivation, VectorField};
use super::solver::OdeSolver;
use super::trace::TraceEstimator;
use crate::backend::rng::seeded;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::{Error, Result};
use crate::flows::FlowLayer;
use crate::params::ParamStore;
use crate::transforms::Bijector;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

/// A continuous normalising flow (Chen et al. 2018, arXiv:1806.07366; Grathwohl et al. 2019,
/// FFJORD, arXiv:1810.01367): `x = z(T)` where `dz/dt = g(z(t), t)` from `z(0) = z`, with `g` a
/// [`VectorField`]. The instantaneous change of variables gives
///
/// `ln |det dx/dz| = int_0^T tr(dg/dz)(z(t), t) dt`,
///
/// integrated alongside `z` by the [`OdeSolver`] (RK4 with 10 steps by default, or adaptive
/// Dormand-Prince) with the trace computed by the [`TraceEstimator`] (exact by default,
/// Hutchinson's estimator for larger dimensions). The inverse integrates from `T` back to 0.
/// Both directions cost the same, so sampling and density evaluation are equally cheap.
///
/// The round trip is exact up to the solver's error (about `1e-6` for RK4 with 10 steps on a
/// field of order one), and with Hutchinson's estimator the log-determinant is an unbiased
/// estimate rather than a value. [`Cnf::evaluations`] counts the field evaluations (NFE).
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::Cnf;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let layer = Cnf::new("cnf", 2, &[8], 0)?; // RK4 with 10 steps, exact trace
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// let z = Var::from_rows(&dev, &[[0.5, -1.0], [1.5, 0.2]])?;
/// let (x, log_det) = bound.forward(&z, None)?;
/// let (back, inverse_log_det) = bound.inverse(&x, None)?; // integrates from T back to 0
/// assert!(back.to_vec().iter().zip(z.to_vec()).all(|(a, b)| (a - b).abs() < 1e-4));
/// assert!(log_det.add(&inverse_log_det)?.to_vec().iter().all(|v| v.abs() < 1e-4));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Cnf {
    name: String,
    field: VectorField,
    solver: OdeSolver,
    trace: TraceEstimator,
    duration: f64,
    evaluations: Arc<AtomicUsize>,
    probe_seed: Arc<AtomicU64>,
}

impl Cnf {
    /// A continuous flow on `R^dimension` whose field has hidden layers `hidden` and an optional
    /// context of width `context` (0 for none).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for zero sizes.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::Cnf;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// assert!(Cnf::new("cnf", 2, &[0], 0).is_err());
    /// let layer = Cnf::new("cnf", 2, &[8], 0)?;
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize_near_identity(&mut store, &mut seeded(0))?;
    /// // A zero field at the start: the flow is the identity.
    /// let z = Var::from_rows(&dev, &[[0.5, -1.0]])?;
    /// let (x, log_det) = layer.bind(&store, None)?.forward(&z, None)?;
    /// assert_eq!((x.to_vec(), log_det.to_vec()), (z.to_vec(), vec![0.0]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(name: &str, dimension: usize, hidden: &[usize], context: usize) -> Result<Self> {
        Ok(Cnf {
            name: name.to_string(),
            field: VectorField::new(&format!("{name}.field"), dimension, hidden, context)?,
            solver: OdeSolver::default(),
            trace: TraceEstimator::Exact,
            duration: 1.0,
            evaluations: Arc::new(AtomicUsize::new(0)),
            probe_seed: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The same flow integrated by `solver`.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::{Cnf, OdeSolver};
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let layer = Cnf::new("cnf", 2, &[8], 0)?.with_solver(OdeSolver::Rk4 { steps: 3 });
    /// assert_eq!(layer.solver(), OdeSolver::Rk4 { steps: 3 });
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// layer.bind(&store, None)?.forward(&Var::zeros(&dev, 1, 2), None)?;
    /// assert_eq!(layer.evaluations(), 12); // 4 evaluations per RK4 step
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_solver(mut self, solver: OdeSolver) -> Self {
        self.solver = solver;
        self
    }

    /// The same flow with the trace computed by `trace`.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::cnf::Probe;
    /// use flowppl::transforms::{Cnf, TraceEstimator};
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// // In one dimension a +-1 probe gives e J e = J: Hutchinson's estimate is exact.
    /// let exact = Cnf::new("cnf", 1, &[8], 0)?;
    /// let hutchinson = exact.clone().with_trace(TraceEstimator::Hutchinson(Probe::Rademacher));
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// exact.initialize(&mut store, &mut seeded(0))?;
    /// let z = Var::from_rows(&dev, &[[0.5], [-1.0]])?;
    /// let (_, a) = exact.bind(&store, None)?.forward(&z, None)?;
    /// let (_, b) = hutchinson.bind(&store, None)?.forward(&z, None)?;
    /// assert!(a.to_vec().iter().zip(b.to_vec()).all(|(a, b)| (a - b).abs() < 1e-12));
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_trace(mut self, trace: TraceEstimator) -> Self {
        self.trace = trace;
        self
    }

    /// The same flow with another field activation.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::cnf::SmoothActivation;
    /// use flowppl::transforms::Cnf;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let layer = Cnf::new("cnf", 2, &[8], 0)?.with_activation(SmoothActivation::Softplus);
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// let bound = layer.bind(&store, None)?;
    /// let z = Var::from_rows(&dev, &[[0.5, -1.0]])?;
    /// let (back, _) = bound.inverse(&bound.forward(&z, None)?.0, None)?;
    /// assert!(back.to_vec().iter().zip(z.to_vec()).all(|(a, b)| (a - b).abs() < 1e-4));
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_activation(mut self, activation: SmoothActivation) -> Self {
        self.field = self.field.with_activation(activation);
        self
    }

    /// The same flow integrated over `[0, duration]` (default 1).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless `duration` is positive and finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::Cnf;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// assert!(Cnf::new("cnf", 2, &[8], 0)?.with_duration(0.0).is_err());
    /// let layer = Cnf::new("cnf", 2, &[8], 0)?.with_duration(0.5)?;
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// let bound = layer.bind(&store, None)?;
    /// let z = Var::from_rows(&dev, &[[0.5, -1.0]])?;
    /// let (back, _) = bound.inverse(&bound.forward(&z, None)?.0, None)?;
    /// assert!(back.to_vec().iter().zip(z.to_vec()).all(|(a, b)| (a - b).abs() < 1e-4));
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_duration(mut self, duration: f64) -> Result<Self> {
        if !(duration > 0.0 && duration.is_finite()) {
            return Err(Error::InvalidConfig {
                what: format!("CNF `{}` duration", self.name),
                message: format!("must be positive and finite, got {duration}"),
            });
        }
        self.duration = duration;
        Ok(self)
    }

    /// Seeds the stream of Hutchinson probes (each bound copy draws the next seed).
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::cnf::Probe;
    /// use flowppl::transforms::{Cnf, TraceEstimator};
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let build = |seed| -> flowppl::Result<Cnf> {
    ///     Ok(Cnf::new("cnf", 3, &[8], 0)?.with_trace(TraceEstimator::Hutchinson(Probe::Gaussian)).with_probe_seed(seed))
    /// };
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// build(0)?.initialize(&mut store, &mut seeded(0))?;
    /// let z = Var::from_rows(&dev, &[[0.5, -1.0, 2.0]])?;
    /// let estimate = |seed| -> flowppl::Result<f64> { Ok(build(seed)?.bind(&store, None)?.forward(&z, None)?.1.to_vec()[0]) };
    /// assert_eq!(estimate(7)?, estimate(7)?); // the same probes
    /// assert_ne!(estimate(7)?, estimate(8)?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_probe_seed(self, seed: u64) -> Self {
        self.probe_seed.store(seed, Ordering::Relaxed);
        self
    }

    /// The solver.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::transforms::{Cnf, OdeSolver};
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(Cnf::new("cnf", 2, &[8], 0)?.solver(), OdeSolver::Rk4 { steps: 10 });
    /// let adaptive = OdeSolver::parse("dopri5:1e-5")?;
    /// assert_eq!(Cnf::new("cnf", 2, &[8], 0)?.with_solver(adaptive).solver(), adaptive);
    /// # Ok(())
    /// # }
    /// ```
    pub fn solver(&self) -> OdeSolver {
        self.solver
    }

    /// The trace estimator.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::transforms::{Cnf, TraceEstimator};
    /// # fn main() -> flowppl::Result<()> {
    /// let layer = Cnf::new("cnf", 2, &[8], 0)?;
    /// assert_eq!(layer.trace(), TraceEstimator::Exact);
    /// let layer = layer.with_trace(TraceEstimator::parse("hutchinson")?);
    /// assert!(matches!(layer.trace(), TraceEstimator::Hutchinson(_)));
    /// # Ok(())
    /// # }
    /// ```
    pub fn trace(&self) -> TraceEstimator {
        self.trace
    }

    /// Field evaluations (NFE) made by every bound copy of this layer since it was built or
    /// last reset; clones share the count.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::Cnf;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let layer = Cnf::new("cnf", 2, &[8], 0)?;
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// assert_eq!(layer.evaluations(), 0);
    /// let bound = layer.bind(&store, None)?;
    /// bound.forward(&Var::zeros(&dev, 2, 2), None)?;
    /// bound.inverse(&Var::zeros(&dev, 2, 2), None)?;
    /// assert_eq!(layer.clone().evaluations(), 80); // 2 x 10 RK4 steps x 4, shared by clones
    /// # Ok(())
    /// # }
    /// ```
    pub fn evaluations(&self) -> usize {
        self.evaluations.load(Ordering::Relaxed)
    }

    /// Sets the evaluation count back to zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::Cnf;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let layer = Cnf::new("cnf", 2, &[8], 0)?;
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// layer.bind(&store, None)?.forward(&Var::zeros(&dev, 1, 2), None)?;
    /// assert_eq!(layer.evaluations(), 40);
    /// layer.reset_evaluations();
    /// assert_eq!(layer.evaluations(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn reset_evaluations(&self) {
        self.evaluations.store(0, Ordering::Relaxed);
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for Cnf {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        self.field.initialize(store, rng)
    }
    fn initialize_near_identity(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        self.field.initialize_near_identity(store, rng)
    }
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        Ok(Box::new(BoundCnf {
            field: self.field.bind(store, graph)?,
            solver: self.solver,
            trace: self.trace,
            duration: self.duration,
            evaluations: self.evaluations.clone(),
            probes: RefCell::new(seeded(self.probe_seed.fetch_add(1, Ordering::Relaxed))),
        }))
    }
}

/// A [`Cnf`] with its parameters for one step.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::Cnf;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// // A conditional flow: the context enters the field's gates.
/// let layer = Cnf::new("cnf", 2, &[8], 1)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// let (z, context) = (Var::from_rows(&dev, &[[0.5, -1.0]])?, Var::from_rows(&dev, &[[2.0]])?);
/// let (x, _) = bound.forward(&z, Some(&context))?;
/// let (back, _) = bound.inverse(&x, Some(&context))?;
/// assert!(back.to_vec().iter().zip(z.to_vec()).all(|(a, b)| (a - b).abs() < 1e-4));
/// assert!(bound.forward(&Var::zeros(&dev, 1, 3), Some(&context)).is_err()); // wrong width
/// # Ok(())
/// # }
/// ```
pub struct BoundCnf<E: Real, D: Backend<E>> {
    field: BoundField<E, D>,
    solver: OdeSolver,
    trace: TraceEstimator,
    duration: f64,
    evaluations: Arc<AtomicUsize>,
    probes: RefCell<Rng>,
}

impl<E: Real, D: Backend<E>> BoundCnf<E, D> {
    /// Solves from `start` to `end`: the end point and `int tr(dg/dz) dt` (signed).
    fn solve(
        &self,
        z: &Var<E, D>,
        context: Option<&Var<E, D>>,
        start: f64,
        end: f64,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let dimension = self.field.dimension();
        if z.columns() != dimension {
            return Err(Error::invalid_shape(
                "CNF",
                format!(
                    "points have {} columns, the flow is {dimension}-dimensional",
                    z.columns()
                ),
            ));
        }
        let directions = self.trace.directions::<E, D>(
            &z.device(),
            z.rows(),
            dimension,
            &mut self.probes.borrow_mut(),
        )?;
        let mut dynamics = |t: f64, state: &Var<E, D>| {
            let (velocity, products) = self.field.evaluate(state, t, context, &directions)?;
            let trace = self.trace.combine(&directions, &products)?;
            Ok((velocity, trace))
        };
        let solution = self.solver.integrate(&mut dynamics, z, start, end)?;
        self.evaluations
            .fetch_add(solution.evaluations, Ordering::Relaxed);
        Ok((solution.state, solution.integral))
    }
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundCnf<E, D> {
    fn name(&self) -> &'static str {
        "Cnf"
    }
    fn forward(
        &self,
        z: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        self.solve(z, context, 0.0, self.duration)
    }
    fn inverse(
        &self,
        x: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        self.solve(x, context, self.duration, 0.0)
    }
}
