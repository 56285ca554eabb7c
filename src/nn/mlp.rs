//! A multilayer perceptron (ReLU hidden activations by default).

use super::linear::{BoundLinear, Linear, LinearInit};
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::Result;
use crate::params::ParamStore;

/// `inputs -> hidden[0] -> ... -> outputs`, ReLU between layers, linear output.
#[derive(Debug, Clone)]
pub struct Mlp {
    layers: Vec<Linear>,
    activation: Activation,
}

/// The nonlinearity between an [`Mlp`]'s layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activation {
    /// `max(x, 0)`.
    #[default]
    Relu,
    /// `tanh(x)`.
    Tanh,
    /// `ln(1 + e^x)`.
    Softplus,
}

impl Activation {
    /// `relu`, `tanh` or `softplus`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidConfig`] naming the text.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "relu" => Ok(Activation::Relu),
            "tanh" => Ok(Activation::Tanh),
            "softplus" => Ok(Activation::Softplus),
            other => Err(crate::Error::InvalidConfig {
                what: format!("activation `{other}`"),
                message: "expected relu, tanh or softplus".into(),
            }),
        }
    }

    fn apply<E: Real, D: Backend<E>>(&self, x: &Var<E, D>) -> Var<E, D> {
        match self {
            Activation::Relu => x.relu(),
            Activation::Tanh => x.tanh(),
            Activation::Softplus => x.softplus(),
        }
    }
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
            activation: Activation::Relu,
        }
    }

    /// The same network with another nonlinearity between its layers.
    pub fn with_activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
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
            activation: self.activation,
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
    activation: Activation,
}

impl<E: Real, D: Backend<E>> BoundMlp<E, D> {
    /// A network from bound layers (ReLU between them).
    ///
    /// # Errors
    /// Never; `Result` for symmetry with other constructors.
    pub fn from_layers(layers: Vec<BoundLinear<E, D>>) -> Result<Self> {
        Ok(BoundMlp {
            layers,
            activation: Activation::Relu,
        })
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
                h = self.activation.apply(&h);
            }
        }
        Ok(h)
    }
}
