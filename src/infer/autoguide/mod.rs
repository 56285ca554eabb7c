//! Guides built automatically from a model's latent sites.
//!
//! Each autoguide places a distribution on the model's latent sites laid out as one
//! unconstrained vector `theta` in `R^d` ([`LatentLayout`]), and pushes
//! `theta` through `biject_to(support)` of each site. With `T` that map,
//! `ln q(z) = ln q(theta) - ln |det J_T(theta)|`.

mod delta;
mod flow;
mod low_rank;
mod mvn;
mod normal;
mod normal_kernel;

pub use delta::AutoDelta;
pub use flow::AutoFlow;
pub use low_rank::AutoLowRank;
pub use mvn::AutoMvn;
pub use normal::AutoNormal;

use super::guide::GuideDraw;
use super::init::InitStrategy;
use super::layout::LatentLayout;
use crate::backend::{Backend, Real, Var};
use crate::error::{Error, Result};
use crate::params::ParamStore;
use crate::ppl::{Ctx, Model};

/// What every autoguide keeps: the layout (after setup), its parameter-name prefix and its
/// initialisation strategy.
pub(crate) struct AutoBase<E: Real, D: Backend<E>> {
    pub(crate) prefix: String,
    pub(crate) init: InitStrategy,
    pub(crate) layout: Option<LatentLayout<E, D>>,
    /// The Laplace precision at the mode (row-major), with [`InitStrategy::Laplace`].
    pub(crate) precision: Option<Vec<f64>>,
}

impl<E: Real, D: Backend<E>> AutoBase<E, D> {
    pub(crate) fn new(prefix: &str) -> Self {
        AutoBase {
            prefix: prefix.to_string(),
            init: InitStrategy::default(),
            layout: None,
            precision: None,
        }
    }

    pub(crate) fn name(&self, parameter: &str) -> String {
        // Built by hand: `format!` costs more than the rest of a parameter read.
        let mut name = String::with_capacity(self.prefix.len() + 1 + parameter.len());
        name.push_str(&self.prefix);
        name.push('.');
        name.push_str(parameter);
        name
    }

    /// Builds the layout and returns the initial location (used only for new parameters).
    pub(crate) fn setup(
        &mut self,
        model: &dyn Model<E, D>,
        device: &D,
        seed: u64,
    ) -> Result<Vec<f64>> {
        let layout = LatentLayout::of(model, device, seed)?;
        let mut point = layout.initial_point(model, device, &self.init, seed)?;
        if self.init == InitStrategy::Laplace {
            let laplace = super::laplace::laplace_approximation(model, &layout, device, &point)?;
            point = laplace.mode;
            self.precision = Some(laplace.precision);
        }
        self.layout = Some(layout);
        Ok(point)
    }

    /// Initial log-scales of a diagonal guide on `R^d`: with a Laplace start, the log of each
    /// coordinate's Laplace marginal sd `sqrt((P^-1)_ii)` (so a guide on an ill-conditioned
    /// posterior starts at the right scale in every direction); otherwise `default` everywhere.
    pub(crate) fn initial_log_scales(&self, d: usize, default: f64) -> Vec<f64> {
        self.precision
            .as_ref()
            .and_then(|p| crate::backend::ops::host_linalg::invert_spd(p, d))
            .map(|covariance| {
                (0..d)
                    .map(|i| 0.5 * covariance[i * d + i].max(1e-300).ln())
                    .collect()
            })
            .unwrap_or_else(|| vec![default; d])
    }

    pub(crate) fn layout(&self) -> Result<&LatentLayout<E, D>> {
        self.layout.as_ref().ok_or_else(|| Error::Model {
            model: self.prefix.clone(),
            message: "the guide is not set up; call Guide::setup (Svi does) first".into(),
        })
    }

    /// The parameter `name` recorded on the context's graph (or its value without a graph).
    pub(crate) fn parameter(&self, ctx: &mut Ctx<'_, E, D>, parameter: &str) -> Result<Var<E, D>> {
        let name = self.name(parameter);
        let graph = ctx.graph();
        let store = ctx.store().ok_or_else(|| Error::Model {
            model: self.prefix.clone(),
            message: "drawing from an autoguide needs its parameter store".into(),
        })?;
        store.read(&name, graph)
    }

    /// Pushes an unconstrained draw `theta` with `ln q(theta)` through the layout.
    pub(crate) fn finish(
        &self,
        theta: &Var<E, D>,
        log_q_unconstrained: Var<E, D>,
    ) -> Result<GuideDraw<E, D>> {
        let (values, log_q) = self
            .layout()?
            .constrain_with_log_q(theta, &log_q_unconstrained)?;
        Ok(GuideDraw { values, log_q })
    }
}

/// Inserts a parameter unless the store already has it with that shape (so a restored fit
/// keeps its values).
/// `v` as a constant when the context asks for stopped guide parameters (sticking the
/// landing), `v` itself otherwise.
pub(crate) fn stopped<E: Real, D: Backend<E>>(ctx: &Ctx<'_, E, D>, v: &Var<E, D>) -> Var<E, D> {
    if ctx.stops_guide_parameters() {
        v.detach()
    } else {
        v.clone()
    }
}

/// `L = chol(P^-1)` for a Laplace precision `P` (`None` when `P` is not positive definite).
pub(crate) fn covariance_factor(precision: &[f64], d: usize) -> Option<Vec<f64>> {
    use crate::backend::ops::host_linalg::{cholesky, invert_spd};
    cholesky(&invert_spd(precision, d)?, d).ok()
}

pub(crate) fn insert_if_missing<E: Real, D: Backend<E>>(
    store: &mut ParamStore<E, D>,
    name: &str,
    rows: usize,
    columns: usize,
    values: impl FnOnce() -> Vec<f64>,
) -> Result<()> {
    if store.contains(name) {
        let found = store.shape(name)?;
        if found != (rows, columns) {
            return Err(Error::ParameterShape {
                name: name.to_string(),
                expected: (rows, columns),
                found,
            });
        }
        return Ok(());
    }
    store.insert(name, rows, columns, &values())
}

/// Standard normal noise `(particles, dimension)` on the context's device.
pub(crate) fn standard_noise<E: Real, D: Backend<E>>(
    ctx: &mut Ctx<'_, E, D>,
    columns: usize,
) -> Result<Var<E, D>> {
    let rows = ctx.particles();
    let noise = crate::backend::rng::standard_normals(ctx.rng(), rows * columns);
    let device = ctx.device().clone();
    Var::from_vec(
        &device,
        noise.into_iter().map(crate::backend::real).collect(),
        rows,
        columns,
    )
}
