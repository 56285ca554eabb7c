//! Flow autoguide: a Gaussian base pushed through a normalising flow.

use super::{insert_if_missing, standard_noise, AutoBase};
use crate::backend::rng::seeded;
use crate::backend::{Backend, Real};
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
pub struct AutoFlow<E: Real, D: Backend<E>> {
    base: AutoBase<E, D>,
    kind: FlowKind,
    layers: usize,
    hidden: Vec<usize>,
    flow: Option<Flow<E, D>>,
}

impl<E: Real, D: Backend<E>> AutoFlow<E, D> {
    /// A flow guide of `layers` layers of `kind`, networks with `hidden` units.
    pub fn new(kind: FlowKind, layers: usize, hidden: &[usize]) -> Self {
        AutoFlow {
            base: AutoBase::new("auto_flow"),
            kind,
            layers,
            hidden: hidden.to_vec(),
            flow: None,
        }
    }

    /// Sets the initialisation strategy of the base location.
    pub fn with_init(mut self, init: InitStrategy) -> Self {
        self.base.init = init;
        self
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
        insert_if_missing(store, &self.base.name("loc"), 1, d, || point)?;
        insert_if_missing(store, &self.base.name("log_scale"), 1, d, || {
            vec![0.1f64.ln(); d]
        })?;
        let flow = build_flow(
            &self.base.name("flow"),
            self.kind,
            d,
            self.layers,
            &self.hidden,
            0,
        )?;
        flow.initialize(store, &mut seeded(seed.wrapping_add(17)))?;
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
        let log_scale = self.base.parameter(ctx, "log_scale")?;
        let eps = standard_noise(ctx, d)?;
        let z = eps.mul(&log_scale.exp())?.add(&loc)?;
        let log_base = (eps.square().sum_columns() * -0.5)
            .sub(&log_scale.sum())?
            .add_scalar(-0.5 * d as f64 * TAU.ln());
        let stop = ctx.stops_guide_parameters();
        let graph = ctx.graph();
        let store = ctx.store().ok_or_else(|| crate::Error::Model {
            model: "auto_flow".into(),
            message: "drawing from a flow guide needs its parameter store".into(),
        })?;
        let bound = flow.bind(store, graph)?;
        let (theta, log_det) = bound.forward(&z, None)?;
        if !stop {
            return self.base.finish(&theta, log_base.sub(&log_det)?);
        }
        // Sticking the landing: score theta under the flow with constant parameters, pulling
        // it back through the exact inverse (only flows whose inverse is exact and
        // differentiable are accepted; see `supports_sticking_the_landing`).
        let constant = flow.bind(store, None)?;
        let (z_back, inverse_log_det) = constant.inverse(&theta, None)?;
        let (loc, log_scale) = (loc.detach(), log_scale.detach());
        let eps_back = z_back.sub(&loc)?.mul(&(-&log_scale).exp())?;
        let log_q = (eps_back.square().sum_columns() * -0.5)
            .sub(&log_scale.sum())?
            .add_scalar(-0.5 * d as f64 * TAU.ln())
            .add(&inverse_log_det)?;
        self.base.finish(&theta, log_q)
    }

    fn supports_sticking_the_landing(&self) -> bool {
        // Planar's inverse is a host root search (no gradient through it); radial and
        // Sylvester have none.
        matches!(
            self.kind,
            FlowKind::Iaf
                | FlowKind::Maf
                | FlowKind::MafBatchNorm
                | FlowKind::RealNvp
                | FlowKind::Nsf
        )
    }
}
