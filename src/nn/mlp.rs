//! A multilayer perceptron with ReLU hidden activations.

use super::linear::{BoundLinear, Linear, LinearInit};
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::Result;
use crate::params::ParamStore;

/// `inputs -> hidden[0] -> ... -> outputs`, ReLU between layers, linear output.
#[derive(Debug, Clone)]
pub struct Mlp {
    layers: Vec<Linear>,
}

impl Mlp {
    /// An MLP named `name` (layers `name.0`, `name.1`, ...).
    pub fn new(name: &str, inputs: usize, hidden: &[usize], outputs: usize) -> Self {
        let mut sizes = vec![inputs];
        sizes.extend_from_slice(hidden);
        sizes.push(outputs);
        Mlp {
            layers: sizes
                .windows(2)
                .enumerate()
                .map(|(i, w)| Linear::new(&format!("{name}.{i}"), w[0], w[1]))
                .collect(),
        }
    }

    /// The same network with every layer initialised as `init` says.
    pub fn with_init(mut self, init: LinearInit) -> Self {
        self.layers = self.layers.into_iter().map(|l| l.with_init(init)).collect();
        self
    }

    /// Creates the parameters.
    ///
    /// # Errors
    /// Shape conflicts.
    pub fn initialize<E: Real, D: Backend<E>>(
        &self,
        store: &mut ParamStore<E, D>,
        rng: &mut Rng,
    ) -> Result<()> {
        self.layers
            .iter()
            .try_for_each(|l| l.initialize(store, rng))
    }

    /// The output layer (to start it near zero).
    pub fn last(&self) -> &Linear {
        &self.layers[self.layers.len() - 1]
    }

    /// The network's parameters for one step.
    ///
    /// # Errors
    /// Missing parameters.
    pub fn bind<E: Real, D: Backend<E>>(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<BoundMlp<E, D>> {
        Ok(BoundMlp {
            layers: self
                .layers
                .iter()
                .map(|l| l.bind(store, graph))
                .collect::<Result<_>>()?,
        })
    }
}

/// An [`Mlp`]'s parameters for one step.
pub struct BoundMlp<E: Real, D: Backend<E>> {
    layers: Vec<BoundLinear<E, D>>,
}

impl<E: Real, D: Backend<E>> BoundMlp<E, D> {
    /// A network from bound layers (ReLU between them).
    ///
    /// # Errors
    /// Never; `Result` for symmetry with other constructors.
    pub fn from_layers(layers: Vec<BoundLinear<E, D>>) -> Result<Self> {
        Ok(BoundMlp { layers })
    }

    /// The network applied to `x`, `(n, inputs) -> (n, outputs)`.
    ///
    /// # Errors
    /// Shape errors.
    pub fn forward(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        let mut h = x.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(&h)?;
            if i + 1 < self.layers.len() {
                h = h.relu();
            }
        }
        Ok(h)
    }
}
