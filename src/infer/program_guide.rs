//! Hand-written guides: a program in the same DSL as the model.

use super::guide::{Guide, GuideDraw};
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::handlers::{trace, Values};
use crate::params::ParamStore;
use crate::ppl::{Ctx, Model};

/// A guide written by hand as a [`Model`]: its `param` sites are the variational parameters
/// and its latent sample sites (named like the model's) are the draws; `ln q` is the log joint
/// of its trace.
pub struct ProgramGuide<G> {
    program: G,
}

impl<G> ProgramGuide<G> {
    /// Wraps a guide program.
    pub fn new(program: G) -> Self {
        ProgramGuide { program }
    }
}

impl<E: Real, D: Backend<E>, G: Model<E, D>> Guide<E, D> for ProgramGuide<G> {
    fn name(&self) -> &str {
        self.program.name()
    }

    fn setup(
        &mut self,
        _: &dyn Model<E, D>,
        _: &mut ParamStore<E, D>,
        _: &D,
        _: u64,
    ) -> Result<()> {
        // Parameters are created by the program's `param` sites on its first run.
        Ok(())
    }

    fn draw(&self, ctx: &mut Ctx<'_, E, D>) -> Result<GuideDraw<E, D>> {
        let guide_trace = trace(&self.program, ctx)?;
        let values: Values<E, D> = guide_trace
            .latent_sites()
            .filter_map(|s| s.value.clone().map(|v| (s.name.clone(), v)))
            .collect();
        Ok(GuideDraw {
            values,
            log_q: guide_trace.log_joint()?,
        })
    }
}
