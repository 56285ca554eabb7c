//! `block`: hide sites from handlers further out.

use super::Handled;
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Handler, Site};
use std::rc::Rc;

/// Stops the chosen sites at this handler: handlers outside it (a trace, say) never see them.
pub struct Block {
    hide: Rc<dyn Fn(&str) -> bool>,
}

impl Clone for Block {
    fn clone(&self) -> Self {
        Block {
            hide: self.hide.clone(),
        }
    }
}

impl<E: Real, D: Backend<E>> Handler<E, D> for Block {
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        if (self.hide)(&site.name) {
            site.stop = true;
        }
        Ok(())
    }
}

/// `model` with the sites for which `hide(name)` is true hidden from outer handlers.
pub fn block<M>(model: M, hide: impl Fn(&str) -> bool + 'static) -> Handled<M, Block> {
    Handled::new(
        model,
        Block {
            hide: Rc::new(hide),
        },
    )
}
