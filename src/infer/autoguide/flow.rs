//! Flow autoguide: a Gaussian base pushed through a normalising flow.

use super::{insert_if_missing, standard_noise, AutoBase};
use crate::backend::rng::seeded;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;
use crate::flows::{build_flow, Flow, FlowKind};
use crate::infer::guide::{Guide, GuideDraw};
use crate::infer::init::InitStrategy;
use crate::params::ParamStore;
use crate::ppl::{Ctx, Model};
use std::f64::consts::TAU;

/// `theta = f(loc + exp(log_scale) * eps)` on the unconstrained latent vector, with `f` a flow
/// of `layers` layers of `kind` (Pyro/NumPyro's `AutoIAFNormal` with `FlowKind::Iaf`; any other
/// kind of the builder works the same way). `ln q(theta) = ln N(z; loc, scale) - ln |det J_f(z)|`.
/// The base starts at the initialisation point with scale 0.1, like [`AutoNormal`](super::AutoNormal).
///
/// With the Laplace initialisation ([`InitStrategy::Laplace`]) the guide works in whitened
/// coordinates: `theta = mode + L f(z)` with `L L^T` the Laplace covariance (fixed, not
/// trained) and the base starting at `N(0, I)`, so the identity flow starts at the Laplace
/// approximation and the learned parameters see a well-conditioned problem even when the
/// posterior's scales differ by orders of magnitude (uncentred regressions). The affine map
/// adds the constant `sum ln L_ii` to the log-determinant.
///
/// # Examples
/// ```
/// use flowppl::flows::FlowKind;
/// use flowppl::infer::AutoFlow;
/// use flowppl::prelude::*;
/// # use flowppl::ppl::model_fn;
/// # use flowppl::backend::rng::seeded;
/// # fn main() -> flowppl::Result<()> {
/// // `model`: theta: two independent N(0, 1) coordinates.
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
/// #     let plate = ctx.plate("p", 2, None)?;
/// #     ctx.sample("theta", Normal::new(0.0, 1.0)?, Some(&plate))?;
/// #     Ok(())
/// # });
/// # let (dev, mut rng, mut store) = (Cpu::default(), seeded(0), ParamStore::new(&Cpu::default()));
/// let mut guide = AutoFlow::new(FlowKind::RealNvp, 2, &[8]);
/// guide.setup(&model, &mut store, &dev, 0)?;
/// let draw = guide.draw(&mut Ctx::new(&dev, &mut rng).with_store(&mut store).with_particles(4))?;
/// assert_eq!(draw.values["theta"].shape(), (4, 2));
/// assert!(draw.log_q.to_vec().iter().all(|l| l.is_finite()));
/// assert!(guide.supports_sticking_the_landing());
/// # Ok(())
/// # }
/// ```
pub struct AutoFlow<E: Real, D: Backend<E>> {
    base: AutoBase<E, D>,
    kind: FlowKind,
    layers: usize,
    hidden: Vec<usize>,
    flow: Option<Flow<E, D>>,
    /// `(mode, L)` of the Laplace whitening, `(1, d)` and `(d, d)`.
    whitening: Option<(Vec<f64>, Vec<f64>)>,
    /// A full-rank Gaussian base (`loc + L eps`) instead of the mean-field one.
    full_rank: bool,
}

impl<E: Real, D: Backend<E>> AutoFlow<E, D> {
    /// A flow guide of `layers` layers of `kind`, networks with `hidden` units.
    ///
    /// # Examples
    /// ```
    /// use flowppl::flows::FlowKind;
    /// use flowppl::infer::AutoFlow;
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// // `model`: theta: two independent N(0, 1) coordinates.
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    /// #     let plate = ctx.plate("p", 2, None)?;
    /// #     ctx.sample("theta", Normal::new(0.0, 1.0)?, Some(&plate))?;
    /// #     Ok(())
    /// # });
    /// # let (dev, mut store) = (Cpu::default(), ParamStore::new(&Cpu::default()));
    /// let mut guide = AutoFlow::new(FlowKind::Iaf, 2, &[8]);
    /// guide.setup(&model, &mut store, &dev, 0)?;
    /// // The Gaussian base, plus the flow's own parameters.
    /// assert_eq!(store.shape("auto_flow.log_scale")?, (1, 2));
    /// assert!(store.len() > 2);
    /// // Planar layers have no differentiable inverse: no sticking the landing.
    /// assert!(!AutoFlow::<f64, Cpu>::new(FlowKind::Planar, 2, &[]).supports_sticking_the_landing());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(kind: FlowKind, layers: usize, hidden: &[usize]) -> Self {
        AutoFlow {
            base: AutoBase::new("auto_flow"),
            kind,
            layers,
            hidden: hidden.to_vec(),
            flow: None,
            whitening: None,
            full_rank: false,
        }
    }

    /// Uses a full-rank Gaussian base `z = loc + L eps` (`L` lower-triangular with a positive
    /// diagonal, stored as `scale_tril_raw` with the log of the diagonal) instead of the
    /// mean-field one: the flow then only has to model what is not Gaussian.
    ///
    /// # Examples
    /// ```
    /// use flowppl::flows::FlowKind;
    /// use flowppl::infer::AutoFlow;
    /// use flowppl::prelude::*;
    /// use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// // theta: two independent N(0, 1) coordinates.
    /// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    ///     let plate = ctx.plate("p", 2, None)?;
    ///     ctx.sample("theta", Normal::new(0.0, 1.0)?, Some(&plate))?;
    ///     Ok(())
    /// });
    /// # let (dev, mut store) = (Cpu::default(), ParamStore::new(&Cpu::default()));
    /// let mut guide = AutoFlow::new(FlowKind::Iaf, 1, &[8]).with_full_rank_base();
    /// guide.setup(&model, &mut store, &dev, 0)?;
    /// assert_eq!(store.shape("auto_flow.scale_tril_raw")?, (2, 2));
    /// assert!(!store.contains("auto_flow.log_scale"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_full_rank_base(mut self) -> Self {
        self.full_rank = true;
        self
    }

    /// Sets the initialisation strategy of the base location.
    ///
    /// # Examples
    /// ```
    /// use flowppl::flows::FlowKind;
    /// use flowppl::infer::AutoFlow;
    /// use flowppl::prelude::*;
    /// use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// // theta: two independent N(0, 1) coordinates.
    /// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    ///     let plate = ctx.plate("p", 2, None)?;
    ///     ctx.sample("theta", Normal::new(0.0, 1.0)?, Some(&plate))?;
    ///     Ok(())
    /// });
    /// # let (dev, mut store) = (Cpu::default(), ParamStore::new(&Cpu::default()));
    /// let guide = AutoFlow::new(FlowKind::Iaf, 1, &[8]);
    /// let mut guide = guide.with_init(InitStrategy::Feasible);
    /// guide.setup(&model, &mut store, &dev, 0)?;
    /// assert_eq!(store.values("auto_flow.loc")?, [0.0, 0.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_init(mut self, init: InitStrategy) -> Self {
        self.base.init = init;
        self
    }
}

/// The base's scale: a diagonal (`log_scale`, `(1, d)`) or a Cholesky factor (`(d, d)`).
enum BaseScale<E: Real, D: Backend<E>> {
    Diagonal(Var<E, D>),
    Tril { factor: Var<E, D>, raw: Var<E, D> },
}

impl<E: Real, D: Backend<E>> BaseScale<E, D> {
    /// `scale * eps` row by row.
    fn apply(&self, eps: &Var<E, D>) -> Result<Var<E, D>> {
        match self {
            BaseScale::Diagonal(log_scale) => eps.mul(&log_scale.exp()),
            BaseScale::Tril { factor, .. } => eps.matmul(&factor.transpose()),
        }
    }
    /// `scale^-1 x` row by row.
    fn standardise(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        match self {
            BaseScale::Diagonal(log_scale) => x.mul(&(-log_scale).exp()),
            BaseScale::Tril { factor, .. } => factor.solve_lower_triangular(x),
        }
    }
    /// `ln |det scale|`, `(1, 1)`.
    fn log_det(&self) -> Var<E, D> {
        match self {
            BaseScale::Diagonal(log_scale) => log_scale.sum(),
            BaseScale::Tril { raw, .. } => raw
                .diagonal()
                .map(|diagonal| diagonal.sum())
                .unwrap_or_else(|e| raw.poisoned(e)),
        }
    }
    /// The same scale as constants (sticking the landing).
    fn detach(&self) -> Self {
        match self {
            BaseScale::Diagonal(log_scale) => BaseScale::Diagonal(log_scale.detach()),
            BaseScale::Tril { factor, raw } => BaseScale::Tril {
                factor: factor.detach(),
                raw: raw.detach(),
            },
        }
    }
}

impl<E: Real, D: Backend<E>> AutoFlow<E, D> {
    fn base_scale(&self, ctx: &mut Ctx<'_, E, D>) -> Result<BaseScale<E, D>> {
        if self.full_rank {
            let raw = self.base.parameter(ctx, "scale_tril_raw")?;
            Ok(BaseScale::Tril {
                factor: super::AutoMvn::scale_tril(&raw)?,
                raw,
            })
        } else {
            Ok(BaseScale::Diagonal(self.base.parameter(ctx, "log_scale")?))
        }
    }

    /// The whitening as constants on `device`: `(mode, L, sum ln L_ii)`.
    #[allow(clippy::type_complexity)]
    fn whitening_vars(&self, device: &D, d: usize) -> Result<Option<(Var<E, D>, Var<E, D>, f64)>> {
        let Some((mode, factor)) = &self.whitening else {
            return Ok(None);
        };
        let to_var = |values: &[f64], rows: usize| {
            Var::from_vec(
                device,
                values.iter().map(|&v| crate::backend::real(v)).collect(),
                rows,
                d,
            )
        };
        let log_det = (0..d).map(|i| factor[i * d + i].ln()).sum();
        Ok(Some((to_var(mode, 1)?, to_var(factor, d)?, log_det)))
    }
}

impl<E: Real, D: Backend<E>> Guide<E, D> for AutoFlow<E, D> {
    fn name(&self) -> &str {
        "flow"
    }

    fn setup(
        &mut self,
        model: &dyn Model<E, D>,
        store: &mut ParamStore<E, D>,
        device: &D,
        seed: u64,
    ) -> Result<()> {
        let point = self.base.setup(model, device, seed)?;
        let d = point.len();
        self.whitening = self
            .base
            .precision
            .as_ref()
            .and_then(|p| super::covariance_factor(p, d))
            .map(|factor| (point.clone(), factor));
        let (start, log_scale) = match self.whitening {
            Some(_) => (vec![0.0; d], 0.0),
            None => (point, 0.1f64.ln()),
        };
        insert_if_missing(store, &self.base.name("loc"), 1, d, || start)?;
        if self.full_rank {
            insert_if_missing(store, &self.base.name("scale_tril_raw"), d, d, || {
                (0..d * d)
                    .map(|k| if k % (d + 1) == 0 { log_scale } else { 0.0 })
                    .collect()
            })?;
        } else {
            insert_if_missing(store, &self.base.name("log_scale"), 1, d, || {
                vec![log_scale; d]
            })?;
        }
        let flow = build_flow(
            &self.base.name("flow"),
            self.kind,
            d,
            self.layers,
            &self.hidden,
            0,
        )?;
        flow.initialize_near_identity(store, &mut seeded(seed.wrapping_add(17)))?;
        self.flow = Some(flow);
        Ok(())
    }

    fn draw(&self, ctx: &mut Ctx<'_, E, D>) -> Result<GuideDraw<E, D>> {
        let d = self.base.layout()?.dimension;
        let flow = self.flow.as_ref().ok_or_else(|| crate::Error::Model {
            model: "auto_flow".into(),
            message: "the guide is not set up; call Guide::setup (Svi does) first".into(),
        })?;
        let loc = self.base.parameter(ctx, "loc")?;
        let scale = self.base_scale(ctx)?;
        let eps = standard_noise(ctx, d)?;
        let z = scale.apply(&eps)?.add(&loc)?;
        let log_base = (eps.square().sum_columns() * -0.5)
            .sub(&scale.log_det())?
            .add_scalar(-0.5 * d as f64 * TAU.ln());
        let stop = ctx.stops_guide_parameters();
        let graph = ctx.graph();
        let store = ctx.store().ok_or_else(|| crate::Error::Model {
            model: "auto_flow".into(),
            message: "drawing from a flow guide needs its parameter store".into(),
        })?;
        let bound = flow.bind(store, graph)?;
        let (u, log_det) = bound.forward(&z, None)?;
        let device = ctx.device().clone();
        let whitening = self.whitening_vars(&device, d)?;
        let (theta, log_det) = match &whitening {
            Some((mode, factor, log_det_factor)) => (
                u.matmul(&factor.transpose())?.add(mode)?,
                log_det.add_scalar(*log_det_factor),
            ),
            None => (u, log_det),
        };
        if !stop {
            return self.base.finish(&theta, log_base.sub(&log_det)?);
        }
        // Sticking the landing: score theta under the flow with constant parameters, pulling
        // it back through the exact inverse (only flows whose inverse is exact and
        // differentiable are accepted; see `supports_sticking_the_landing`).
        let store = ctx.store().ok_or_else(|| crate::Error::Model {
            model: "auto_flow".into(),
            message: "drawing from a flow guide needs its parameter store".into(),
        })?;
        let constant = flow.bind(store, None)?;
        let (u_back, unwhitening_log_det) = match &whitening {
            Some((mode, factor, log_det_factor)) => (
                factor.solve_lower_triangular(&theta.sub(mode)?)?,
                -*log_det_factor,
            ),
            None => (theta.clone(), 0.0),
        };
        let (z_back, inverse_log_det) = constant.inverse(&u_back, None)?;
        let inverse_log_det = inverse_log_det.add_scalar(unwhitening_log_det);
        let (loc, scale) = (loc.detach(), scale.detach());
        let eps_back = scale.standardise(&z_back.sub(&loc)?)?;
        let log_q = (eps_back.square().sum_columns() * -0.5)
            .sub(&scale.log_det())?
            .add_scalar(-0.5 * d as f64 * TAU.ln())
            .add(&inverse_log_det)?;
        self.base.finish(&theta, log_q)
    }

    fn supports_sticking_the_landing(&self) -> bool {
        // Planar's inverse is a host root search (no gradient through it); radial and
        // Sylvester have none. The CNF's inverse is a solve backwards in time, differentiable.
        matches!(
            self.kind,
            FlowKind::Iaf
                | FlowKind::Maf
                | FlowKind::MafBatchNorm
                | FlowKind::RealNvp
                | FlowKind::Nsf
                | FlowKind::Cnf
        )
    }
}
