//! `replay`: rerun a model at the latent values of a recorded trace.

use super::Handled;
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Handler, Site, SiteKind, Trace};
use std::rc::Rc;

/// Sets each latent sample site present in the recorded trace to its recorded value.
pub struct Replay<E: Real, D: Backend<E>> {
    recorded: Rc<Trace<E, D>>,
}

impl<E: Real, D: Backend<E>> Clone for Replay<E, D> {
    fn clone(&self) -> Self {
        Replay {
            recorded: self.recorded.clone(),
        }
    }
}

impl<E: Real, D: Backend<E>> Handler<E, D> for Replay<E, D> {
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        if site.kind == SiteKind::Sample && !site.observed && site.value.is_none() {
            if let Some(value) = self.recorded.value(&site.name) {
                site.value = Some(value.clone());
            }
        }
        Ok(())
    }
}

/// `model` with its latent sites taken from `recorded` (typically a guide's trace).
pub fn replay<E: Real, D: Backend<E>, M>(
    model: M,
    recorded: Trace<E, D>,
) -> Handled<M, Replay<E, D>> {
    Handled::new(
        model,
        Replay {
            recorded: Rc::new(recorded),
        },
    )
}
