//! [`FlowLayer`]: a learnable transform, configured once and bound to its parameters per step.

use crate::backend::{Backend, Graph, Real, Rng};
use crate::error::Result;
use crate::params::ParamStore;
use crate::transforms::Bijector;

/// A learnable layer of a flow. The layer holds its configuration and parameter names;
/// `initialize` creates its parameters in a store, `bind` reads them (onto a graph when
/// training) and returns the [`Bijector`] for this step. Parameter-free bijectors are layers too
/// (see [`Fixed`]).
pub trait FlowLayer<E: Real, D: Backend<E>> {
    /// The layer's name (also the prefix of its parameters).
    fn name(&self) -> &str;

    /// Creates the layer's parameters (kept if present, so a restored store resumes).
    ///
    /// # Errors
    /// Shape conflicts with existing parameters.
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()>;

    /// Creates the parameters so that the layer starts at, or near, the identity (flow guides
    /// use it so early steps behave like their Gaussian base). The default is
    /// [`initialize`](Self::initialize): right for layers that already start there (coupling,
    /// IAF) and for planar, whose invertibility constraint has no identity point among small
    /// parameters.
    ///
    /// # Errors
    /// Shape conflicts with existing parameters.
    fn initialize_near_identity(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        self.initialize(store, rng)
    }

    /// Sets data-dependent initial values from `x`, the data as it reaches this layer's output
    /// (the density direction runs from the last layer back to the first). Most layers keep
    /// their initialisation; ActNorm standardises.
    ///
    /// # Errors
    /// Backend or shape errors.
    fn initialize_from_data(
        &self,
        store: &mut ParamStore<E, D>,
        x: &crate::backend::Var<E, D>,
    ) -> Result<()> {
        let _ = (store, x);
        Ok(())
    }

    /// Folds what the last training step recorded into the layer's non-trained state (the
    /// running moments of [`BatchNorm`](crate::transforms::BatchNorm)); called by the training
    /// loops after each optimizer step. Most layers have no such state.
    ///
    /// # Errors
    /// Missing parameters.
    fn update_state(&self, store: &mut ParamStore<E, D>) -> Result<()> {
        let _ = store;
        Ok(())
    }

    /// The bijector with this step's parameters.
    ///
    /// # Errors
    /// Missing parameters.
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>>;
}

/// A parameter-free bijector used as a flow layer.
pub struct Fixed<B> {
    name: String,
    bijector: B,
}

impl<B> Fixed<B> {
    /// Wraps `bijector` under `name`.
    pub fn new(name: &str, bijector: B) -> Self {
        Fixed {
            name: name.to_string(),
            bijector,
        }
    }
}

impl<E: Real, D: Backend<E>, B: Bijector<E, D> + Clone + 'static> FlowLayer<E, D> for Fixed<B> {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, _: &mut ParamStore<E, D>, _: &mut Rng) -> Result<()> {
        Ok(())
    }
    fn bind(
        &self,
        _: &ParamStore<E, D>,
        _: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        Ok(Box::new(self.bijector.clone()))
    }
}
