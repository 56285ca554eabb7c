//! [`Flow`]: a standard normal base pushed through a stack of layers.

use super::base::Base;
use super::layer::FlowLayer;
use crate::backend::{real, Backend, Graph, Real, Rng, Var};
use crate::error::{Error, Result};
use crate::params::ParamStore;
use crate::transforms::Bijector;

/// A normalising flow on `R^d`: `x = f_K(...f_1(z))` with `z ~ N(0, I_d)`, so
/// `ln q(x) = ln N(z) - sum_k ln |det J_{f_k}|` (Rezende & Mohamed 2015, arXiv:1505.05770;
/// Papamakarios et al. 2021, arXiv:1912.02762). Layers are applied in order when sampling.
/// [`Flow::with_base`] swaps the base for a standard Laplace.
pub struct Flow<E: Real, D: Backend<E>> {
    dimension: usize,
    layers: Vec<Box<dyn FlowLayer<E, D>>>,
    base: Base,
}

impl<E: Real, D: Backend<E>> Flow<E, D> {
    /// A flow on `R^dimension` with no layers yet (the standard normal).
    pub fn new(dimension: usize) -> Self {
        Flow {
            dimension,
            layers: Vec::new(),
            base: Base::StandardNormal,
        }
    }

    /// Uses `base` as the base distribution.
    pub fn with_base(mut self, base: Base) -> Self {
        self.base = base;
        self
    }

    /// The base distribution.
    pub fn base(&self) -> Base {
        self.base
    }

    /// Appends a layer (applied after the previous ones when sampling).
    pub fn layer(mut self, layer: impl FlowLayer<E, D> + 'static) -> Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// The dimension.
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// The layers, first applied first.
    pub fn layers(&self) -> &[Box<dyn FlowLayer<E, D>>] {
        &self.layers
    }

    /// Creates every layer's parameters.
    ///
    /// # Errors
    /// Shape conflicts.
    pub fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        self.layers
            .iter()
            .try_for_each(|l| l.initialize(store, rng))
    }

    /// Creates every layer's parameters at or near the identity (see
    /// [`FlowLayer::initialize_near_identity`]).
    ///
    /// # Errors
    /// Shape conflicts.
    pub fn initialize_near_identity(
        &self,
        store: &mut ParamStore<E, D>,
        rng: &mut Rng,
    ) -> Result<()> {
        self.layers
            .iter()
            .try_for_each(|l| l.initialize_near_identity(store, rng))
    }

    /// Creates the parameters, then runs data-dependent initialisation: `data` is pulled back
    /// from the last layer to the first, each layer initialising itself from what reaches it
    /// (only layers without an inverse stop the pass).
    ///
    /// # Errors
    /// Shape conflicts; errors of a layer.
    pub fn initialize_from_data(
        &self,
        store: &mut ParamStore<E, D>,
        rng: &mut Rng,
        data: &Var<E, D>,
    ) -> Result<()> {
        self.initialize(store, rng)?;
        let mut x = data.detach();
        for layer in self.layers.iter().rev() {
            layer.initialize_from_data(store, &x)?;
            let bound = layer.bind(store, None)?;
            if !bound.has_inverse() {
                break;
            }
            x = bound.inverse(&x, None)?.0.detach();
        }
        Ok(())
    }

    /// Lets every layer fold the last training step's records into its state (see
    /// [`FlowLayer::update_state`]); call it after each optimizer step of a hand-written loop.
    ///
    /// # Errors
    /// Missing parameters.
    pub fn update_state(&self, store: &mut ParamStore<E, D>) -> Result<()> {
        self.layers.iter().try_for_each(|l| l.update_state(store))
    }

    /// The flow with this step's parameters.
    ///
    /// # Errors
    /// Missing parameters.
    pub fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<BoundFlow<E, D>> {
        Ok(BoundFlow {
            dimension: self.dimension,
            base: self.base,
            layers: self
                .layers
                .iter()
                .map(|l| l.bind(store, graph))
                .collect::<Result<_>>()?,
            names: self.layers.iter().map(|l| l.name().to_string()).collect(),
        })
    }
}

/// A [`Flow`] bound to one step's parameters.
pub struct BoundFlow<E: Real, D: Backend<E>> {
    dimension: usize,
    base: Base,
    layers: Vec<Box<dyn Bijector<E, D>>>,
    names: Vec<String>,
}

impl<E: Real, D: Backend<E>> BoundFlow<E, D> {
    /// The bound layers with their names, first applied first.
    pub fn layers(&self) -> impl Iterator<Item = (&str, &dyn Bijector<E, D>)> {
        self.names
            .iter()
            .map(String::as_str)
            .zip(self.layers.iter().map(|b| b.as_ref()))
    }

    /// Pushes base points `z` through every layer: `(x, sum of log-determinants)`.
    ///
    /// # Errors
    /// Errors of a layer, naming it.
    pub fn forward(
        &self,
        z: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let mut x = z.clone();
        let mut total = Var::zeros(&z.device(), z.rows(), 1);
        for (name, layer) in self.layers() {
            let (next, log_det) = layer.forward(&x, context).map_err(|e| at_layer(name, e))?;
            total = total.add(&log_det)?;
            x = next;
        }
        Ok((x, total))
    }

    /// Pulls points `x` back to the base: `(z, sum of inverse log-determinants)`.
    ///
    /// # Errors
    /// [`Error::NoAnalyticInverse`] from a layer without one; shape errors.
    pub fn inverse(
        &self,
        x: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let mut z = x.clone();
        let mut total = Var::zeros(&x.device(), x.rows(), 1);
        for (name, layer) in self.layers().collect::<Vec<_>>().into_iter().rev() {
            let (previous, log_det) = layer.inverse(&z, context).map_err(|e| at_layer(name, e))?;
            total = total.add(&log_det)?;
            z = previous;
        }
        Ok((z, total))
    }

    /// `ln q(x)` per row, `(n, 1)`.
    ///
    /// # Errors
    /// As [`BoundFlow::inverse`]; [`Error::InvalidShape`] for a wrong width.
    pub fn log_prob(&self, x: &Var<E, D>, context: Option<&Var<E, D>>) -> Result<Var<E, D>> {
        self.check_width(x)?;
        let (z, log_det) = self.inverse(x, context)?;
        self.base.log_density(&z).add(&log_det)
    }

    /// `n` reparameterised draws with their `ln q`, in one pass: `(x (n, d), ln q (n, 1))`.
    ///
    /// # Errors
    /// Errors of a layer.
    pub fn sample_and_log_prob(
        &self,
        n: usize,
        rng: &mut Rng,
        device: &D,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let noise = self
            .base
            .draw(rng, n * self.dimension)
            .into_iter()
            .map(real)
            .collect();
        let z = Var::from_vec(device, noise, n, self.dimension)?;
        let (x, log_det) = self.forward(&z, context)?;
        Ok((x, self.base.log_density(&z).sub(&log_det)?))
    }

    /// `n` draws, cut off from any graph.
    ///
    /// # Errors
    /// Errors of a layer.
    pub fn sample(
        &self,
        n: usize,
        rng: &mut Rng,
        device: &D,
        context: Option<&Var<E, D>>,
    ) -> Result<Var<E, D>> {
        Ok(self
            .sample_and_log_prob(n, rng, device, context)?
            .0
            .detach())
    }

    fn check_width(&self, x: &Var<E, D>) -> Result<()> {
        if x.columns() != self.dimension {
            return Err(Error::invalid_shape(
                "Flow::log_prob",
                format!(
                    "points have {} columns, the flow is {}-dimensional",
                    x.columns(),
                    self.dimension
                ),
            ));
        }
        Ok(())
    }
}

fn at_layer(name: &str, error: Error) -> Error {
    Error::Site {
        site: format!("flow layer {name}"),
        source: Box::new(error),
    }
}
