//! Point-mass autoguide: maximum a posteriori estimation.

use super::{insert_if_missing, AutoBase};
use crate::backend::{Backend, Real, Var};
use crate::error::Result;
use crate::infer::guide::{Guide, GuideDraw};
use crate::infer::init::InitStrategy;
use crate::params::ParamStore;
use crate::ppl::{Ctx, Model};

/// A point mass at `T(loc)`: maximising the ELBO maximises `ln p(x, z)` over the constrained
/// `z`, i.e. MAP estimation. `ln q = 0` (a delta has no density to subtract, as in NumPyro's
/// `AutoDelta`), so no Jacobian enters and the mode is that of the constrained density.
/// Parameter: `auto_delta.loc`.
pub struct AutoDelta<E: Real, D: Backend<E>> {
    base: AutoBase<E, D>,
}

impl<E: Real, D: Backend<E>> Default for AutoDelta<E, D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Real, D: Backend<E>> AutoDelta<E, D> {
    /// A point-mass guide starting at the prior median.
    pub fn new() -> Self {
        AutoDelta {
            base: AutoBase::new("auto_delta"),
        }
    }

    /// Sets the initialisation strategy.
    pub fn with_init(mut self, init: InitStrategy) -> Self {
        self.base.init = init;
        self
    }
}

impl<E: Real, D: Backend<E>> Guide<E, D> for AutoDelta<E, D> {
    fn name(&self) -> &str {
        "delta"
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
        insert_if_missing(store, &self.base.name("loc"), 1, d, || point)
    }

    fn draw(&self, ctx: &mut Ctx<'_, E, D>) -> Result<GuideDraw<E, D>> {
        let d = self.base.layout()?.dimension;
        let rows = ctx.particles();
        let theta = self.base.parameter(ctx, "loc")?.broadcast_to(rows, d)?;
        let (values, _) = self.base.layout()?.constrain(&theta)?;
        Ok(GuideDraw {
            values,
            log_q: Var::zeros(ctx.device(), rows, 1),
        })
    }
}
