//! A multilayer perceptron (ReLU hidden activations by default).

use super::linear::{BoundLinear, Linear, LinearInit};
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::Result;
use crate::params::ParamStore;

/// `inputs -> hidden[0] -> ... -> outputs`, ReLU between layers, linear output.
///
/// # Examples
/// ```
/// use flowppl::nn::Mlp;
/// # use flowppl::backend::{rng::seeded, Cpu, Var};
/// # use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let mut store = ParamStore::<f64, Cpu>::new(&device);
/// let mlp = Mlp::new("net", 1, &[2], 1);
/// mlp.initialize(&mut store, &mut seeded(0))?;
/// store.insert("net.0.weight", 1, 2, &[1.0, -1.0])?;
/// store.insert("net.0.bias", 1, 2, &[0.0, 0.0])?;
/// store.insert("net.1.weight", 2, 1, &[1.0, 1.0])?;
/// store.insert("net.1.bias", 1, 1, &[0.0])?;
/// let x = Var::from_rows(&device, &[[-3.0], [2.0]])?;
/// // relu(x) + relu(-x) = |x|
/// assert_eq!(mlp.bind(&store, None)?.forward(&x)?.to_f64_vec(), vec![3.0, 2.0]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Mlp {
    layers: Vec<Linear>,
    activation: Activation,
}

/// The nonlinearity between an [`Mlp`]'s layers.
///
/// # Examples
/// ```
/// use flowppl::nn::{Activation, Mlp};
/// # use flowppl::backend::{rng::seeded, Cpu, Var};
/// # use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let mut store = ParamStore::<f64, Cpu>::new(&device);
/// assert_eq!(Activation::default(), Activation::Relu);
/// let mlp = Mlp::new("net", 1, &[1], 1).with_activation(Activation::Softplus);
/// mlp.initialize(&mut store, &mut seeded(0))?;
/// for (name, value) in [("net.0.weight", 1.0), ("net.0.bias", 0.0), ("net.1.weight", 1.0), ("net.1.bias", 0.0)] {
///     store.insert(name, 1, 1, &[value])?;
/// }
/// let y = mlp.bind(&store, None)?.forward(&Var::zeros(&device, 1, 1))?;
/// assert!((y.item()? - 2f64.ln()).abs() < 1e-12); // softplus(0) = ln 2
/// # Ok(())
/// # }
/// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Activation;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(Activation::parse("relu")?, Activation::Relu);
    /// assert_eq!(Activation::parse("tanh")?, Activation::Tanh);
    /// assert_eq!(Activation::parse("softplus")?, Activation::Softplus);
    /// assert!(matches!(Activation::parse("gelu"), Err(flowppl::Error::InvalidConfig { .. })));
    /// # Ok(())
    /// # }
    /// ```
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

    pub(crate) fn apply<E: Real, D: Backend<E>>(&self, x: &Var<E, D>) -> Var<E, D> {
        match self {
            Activation::Relu => x.relu(),
            Activation::Tanh => x.tanh(),
            Activation::Softplus => x.softplus(),
        }
    }
}

impl Mlp {
    /// An MLP named `name` (layers `name.0`, `name.1`, ...).
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Mlp;
    /// # use flowppl::backend::{rng::seeded, Cpu};
    /// # use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// # let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// let mlp = Mlp::new("net", 2, &[4, 3], 1);
    /// mlp.initialize(&mut store, &mut seeded(0))?;
    /// let names: Vec<&str> = store.names().collect();
    /// assert_eq!(names, ["net.0.weight", "net.0.bias", "net.1.weight", "net.1.bias", "net.2.weight", "net.2.bias"]);
    /// assert_eq!(store.shape("net.1.weight")?, (4, 3));
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::{Activation, Mlp};
    /// # use flowppl::backend::{rng::seeded, Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let mut store = ParamStore::<f64, Cpu>::new(&device);
    /// let mlp = Mlp::new("net", 1, &[1], 1).with_activation(Activation::Tanh);
    /// mlp.initialize(&mut store, &mut seeded(0))?;
    /// for (name, value) in [("net.0.weight", 1.0), ("net.0.bias", 0.0), ("net.1.weight", 1.0), ("net.1.bias", 0.0)] {
    ///     store.insert(name, 1, 1, &[value])?;
    /// }
    /// let y = mlp.bind(&store, None)?.forward(&Var::full(&device, 1, 1, -0.5))?;
    /// assert!((y.item()? - (-0.5f64).tanh()).abs() < 1e-12); // not relu(-0.5) = 0
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// The same network with every layer initialised as `init` says.
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::{LinearInit, Mlp};
    /// # use flowppl::backend::{rng::seeded, Cpu};
    /// # use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// # let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// let mlp = Mlp::new("net", 3, &[5], 2).with_init(LinearInit::Glorot);
    /// mlp.initialize(&mut store, &mut seeded(0))?;
    /// assert_eq!(store.values("net.0.bias")?, vec![0.0; 5]); // Glorot: zero biases
    /// assert_eq!(store.values("net.1.bias")?, vec![0.0; 2]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_init(mut self, init: LinearInit) -> Self {
        self.layers = self.layers.into_iter().map(|l| l.with_init(init)).collect();
        self
    }

    /// Creates the parameters.
    ///
    /// # Errors
    /// Shape conflicts.
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Mlp;
    /// # use flowppl::backend::{rng::seeded, Cpu};
    /// # use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// # let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// Mlp::new("net", 2, &[4], 1).initialize(&mut store, &mut seeded(0))?;
    /// assert_eq!(store.len(), 4);
    /// assert_eq!(store.num_values(), 2 * 4 + 4 + 4 * 1 + 1);
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Mlp;
    /// # use flowppl::backend::{rng::seeded, Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let mut store = ParamStore::<f64, Cpu>::new(&device);
    /// let mlp = Mlp::new("net", 2, &[4], 3);
    /// mlp.initialize(&mut store, &mut seeded(0))?;
    /// assert_eq!(mlp.last().name_prefix(), "net.1");
    /// mlp.last().scale_weights(&mut store, 0.0)?; // the network now outputs zeros
    /// let y = mlp.bind(&store, None)?.forward(&Var::full(&device, 2, 2, 1.0))?;
    /// assert_eq!(y.to_f64_vec(), vec![0.0; 6]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn last(&self) -> &Linear {
        &self.layers[self.layers.len() - 1]
    }

    /// The network's parameters for one step.
    ///
    /// # Errors
    /// Missing parameters.
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Mlp;
    /// # use flowppl::backend::{rng::seeded, Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let mut store = ParamStore::<f64, Cpu>::new(&device);
    /// let mlp = Mlp::new("net", 3, &[8], 2);
    /// assert!(mlp.bind(&store, None).is_err()); // not initialised yet
    /// mlp.initialize(&mut store, &mut seeded(0))?;
    /// let y = mlp.bind(&store, None)?.forward(&Var::zeros(&device, 4, 3))?;
    /// assert_eq!(y.shape(), (4, 2));
    /// # Ok(())
    /// # }
    /// ```
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
///
/// # Examples
/// ```
/// use flowppl::nn::{mlp::BoundMlp, Mlp};
/// # use flowppl::backend::{rng::seeded, Cpu, Var};
/// # use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let mut store = ParamStore::<f64, Cpu>::new(&device);
/// let mlp = Mlp::new("net", 2, &[6, 6], 3);
/// mlp.initialize(&mut store, &mut seeded(0))?;
/// let bound: BoundMlp<f64, Cpu> = mlp.bind(&store, None)?;
/// let x = Var::from_rows(&device, &[[0.5, -1.0], [0.5, -1.0]])?;
/// let y = bound.forward(&x)?.to_f64_vec();
/// assert_eq!(y.len(), 6);
/// assert_eq!(y[..3], y[3..]); // equal rows give equal outputs
/// # Ok(())
/// # }
/// ```
pub struct BoundMlp<E: Real, D: Backend<E>> {
    layers: Vec<BoundLinear<E, D>>,
    activation: Activation,
}

impl<E: Real, D: Backend<E>> BoundMlp<E, D> {
    /// A network from bound layers (ReLU between them).
    ///
    /// # Errors
    /// Never; `Result` for symmetry with other constructors.
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::{mlp::BoundMlp, Linear};
    /// # use flowppl::backend::{rng::seeded, Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let mut store = ParamStore::<f64, Cpu>::new(&device);
    /// let (a, b) = (Linear::new("a", 1, 1), Linear::new("b", 1, 1));
    /// for layer in [&a, &b] {
    ///     layer.initialize(&mut store, &mut seeded(0))?;
    ///     store.insert(&format!("{}.weight", layer.name_prefix()), 1, 1, &[1.0])?;
    ///     layer.set_bias(&mut store, &[0.0])?;
    /// }
    /// let net = BoundMlp::from_layers(vec![a.bind(&store, None)?, b.bind(&store, None)?])?;
    /// let x = Var::from_rows(&device, &[[-2.0], [3.0]])?;
    /// assert_eq!(net.forward(&x)?.to_f64_vec(), vec![0.0, 3.0]); // ReLU between the layers
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Mlp;
    /// # use flowppl::backend::{rng::seeded, Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let mut store = ParamStore::<f64, Cpu>::new(&device);
    /// let mlp = Mlp::new("net", 2, &[1], 1);
    /// mlp.initialize(&mut store, &mut seeded(0))?;
    /// store.insert("net.0.weight", 2, 1, &[1.0, -1.0])?;
    /// store.insert("net.0.bias", 1, 1, &[0.0])?;
    /// store.insert("net.1.weight", 1, 1, &[2.0])?;
    /// store.insert("net.1.bias", 1, 1, &[1.0])?;
    /// let x = Var::from_rows(&device, &[[3.0, 1.0], [1.0, 3.0]])?;
    /// // 2 relu(x0 - x1) + 1
    /// assert_eq!(mlp.bind(&store, None)?.forward(&x)?.to_f64_vec(), vec![5.0, 1.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn forward(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        let mut h = x.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            let activation = (i + 1 < self.layers.len()).then_some(self.activation);
            h = layer.forward_activated(&h, activation)?;
        }
        Ok(h)
    }
}
