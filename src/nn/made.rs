//! MADE: a masked autoencoder whose output `i` depends only on chosen inputs (Germain et al.
//! 2015, arXiv:1502.03509).

use super::linear::{Linear, LinearInit};
use super::made_order::topological_order;
use super::mlp::BoundMlp;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::{Error, Result};
use crate::params::ParamStore;

/// A MADE network with `inputs` inputs and `multiplier` outputs per input: output block `k`,
/// entry `i` depends only on the inputs allowed for `i`:
///
/// - [`Made::autoregressive`]: inputs before `i` in the given order (degree masks of Germain et
///   al.: hidden unit degrees cycle through `1..d-1`, a unit of degree `m` sees inputs of degree
///   `<= m`, output `i` sees hidden units of degree `< deg(i)`);
/// - [`Made::with_adjacency`]: the parents of `i` in any DAG (`adjacency[i][j]` = `j` is a parent of
///   `i`): each hidden unit is assigned to one output and sees only that output's parents, so
///   output `i` depends on exactly `parents(i)` (the causal module needs this).
///
/// An optional context (conditional flows) enters the first hidden layer unmasked.
///
/// # Examples
/// ```
/// use flowppl::nn::Made;
/// # use flowppl::backend::{rng::seeded, Cpu, Var};
/// # use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let mut store = ParamStore::<f64, Cpu>::new(&device);
/// let made = Made::autoregressive("made", 3, &[8], 2, 0)?;
/// made.initialize(&mut store, &mut seeded(0), 1.0)?;
/// let net = made.bind(&store, None)?;
/// let run = |x: [f64; 3]| Made::apply(&net, &Var::from_rows(&device, &[x])?, None);
/// let (a, b) = (run([0.1, 0.2, 0.3])?.to_f64_vec(), run([0.1, 0.2, -4.0])?.to_f64_vec());
/// assert_eq!(a.len(), 6); // two blocks of three outputs
/// // no output depends on the last input
/// assert!(a.iter().zip(&b).all(|(a, b)| (a - b).abs() < 1e-12));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Made {
    inputs: usize,
    context: usize,
    multiplier: usize,
    layers: Vec<Linear>,
    /// The inputs in an order where every input comes after its parents.
    order: Vec<usize>,
}

impl Made {
    /// Autoregressive MADE in the natural order `0, 1, ..., d-1`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for no hidden layer or zero sizes.
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Made;
    /// # use flowppl::backend::{rng::seeded, Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let mut store = ParamStore::<f64, Cpu>::new(&device);
    /// let made = Made::autoregressive("made", 3, &[8], 1, 0)?;
    /// made.initialize(&mut store, &mut seeded(0), 1.0)?;
    /// let net = made.bind(&store, None)?;
    /// let run = |x: [f64; 3]| Made::apply(&net, &Var::from_rows(&device, &[x])?, None);
    /// let (a, b) = (run([0.1, 0.2, 0.3])?.to_f64_vec(), run([2.0, 0.2, 0.3])?.to_f64_vec());
    /// assert!((a[0] - b[0]).abs() < 1e-12); // output 0 sees no input
    /// assert!((a[1] - b[1]).abs() > 1e-6); // output 1 sees input 0
    /// assert!(Made::autoregressive("bad", 3, &[], 1, 0).is_err()); // no hidden layer
    /// # Ok(())
    /// # }
    /// ```
    pub fn autoregressive(
        name: &str,
        inputs: usize,
        hidden: &[usize],
        multiplier: usize,
        context: usize,
    ) -> Result<Self> {
        let adjacency: Vec<Vec<bool>> = (0..inputs)
            .map(|i| (0..inputs).map(|j| j < i).collect())
            .collect();
        Self::build(
            name,
            inputs,
            hidden,
            multiplier,
            context,
            Masks::Degrees,
            &adjacency,
        )
    }

    /// MADE for a DAG: `adjacency[i][j]` is true when input `j` is a parent of output `i`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a non-square adjacency, a cycle (a self-loop included), no
    /// hidden layer or zero sizes.
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Made;
    /// # use flowppl::backend::{rng::seeded, Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let mut store = ParamStore::<f64, Cpu>::new(&device);
    /// // DAG 0 -> 1, 0 -> 2: input 1 is not a parent of output 2
    /// let adjacency = vec![vec![false; 3], vec![true, false, false], vec![true, false, false]];
    /// let made = Made::with_adjacency("made", &adjacency, &[6], 1, 0)?;
    /// made.initialize(&mut store, &mut seeded(0), 1.0)?;
    /// let net = made.bind(&store, None)?;
    /// let run = |x: [f64; 3]| Made::apply(&net, &Var::from_rows(&device, &[x])?, None);
    /// let (a, b) = (run([0.1, 0.2, 0.3])?.to_f64_vec(), run([0.1, 5.0, 0.3])?.to_f64_vec());
    /// assert!((a[2] - b[2]).abs() < 1e-12);
    /// assert!(Made::with_adjacency("bad", &[vec![false, false]], &[4], 1, 0).is_err()); // not square
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_adjacency(
        name: &str,
        adjacency: &[Vec<bool>],
        hidden: &[usize],
        multiplier: usize,
        context: usize,
    ) -> Result<Self> {
        let d = adjacency.len();
        if adjacency.iter().any(|row| row.len() != d) {
            return Err(Error::InvalidConfig {
                what: format!("MADE `{name}`"),
                message: "the adjacency matrix must be square".into(),
            });
        }
        Self::build(
            name,
            d,
            hidden,
            multiplier,
            context,
            Masks::Groups,
            adjacency,
        )
    }

    fn build(
        name: &str,
        inputs: usize,
        hidden: &[usize],
        multiplier: usize,
        context: usize,
        kind: Masks,
        adjacency: &[Vec<bool>],
    ) -> Result<Self> {
        if hidden.is_empty() || hidden.contains(&0) || inputs == 0 || multiplier == 0 {
            return Err(Error::InvalidConfig {
                what: format!("MADE `{name}`"),
                message: "needs at least one hidden layer and positive sizes".into(),
            });
        }
        // Label every hidden unit: a degree (Degrees) or the output it serves (Groups).
        let labels: Vec<Vec<usize>> = hidden
            .iter()
            .map(|&h| match kind {
                Masks::Degrees => (0..h)
                    .map(|u| u % inputs.saturating_sub(1).max(1))
                    .collect(),
                Masks::Groups => (0..h).map(|u| u % inputs).collect(),
            })
            .collect();
        // May unit `b` of the next layer see unit `a` of this one?
        let input_to_hidden = |i: usize, unit: usize| match kind {
            // input i has degree i (0-based); hidden degree m sees inputs with degree <= m
            Masks::Degrees => i <= unit,
            Masks::Groups => adjacency[unit][i],
        };
        let hidden_to_hidden = |a: usize, b: usize| match kind {
            Masks::Degrees => a <= b,
            Masks::Groups => a == b,
        };
        let hidden_to_output = |unit: usize, i: usize| match kind {
            Masks::Degrees => unit < i,
            Masks::Groups => unit == i && adjacency[i].iter().any(|&p| p),
        };
        let mut layers = Vec::new();
        let first_inputs = inputs + context;
        let mut mask = vec![0.0; first_inputs * hidden[0]];
        for r in 0..first_inputs {
            for c in 0..hidden[0] {
                // Context rows are unmasked.
                mask[r * hidden[0] + c] = if r >= inputs || input_to_hidden(r, labels[0][c]) {
                    1.0
                } else {
                    0.0
                };
            }
        }
        layers.push(Linear::new(&format!("{name}.0"), first_inputs, hidden[0]).masked(mask));
        for l in 1..hidden.len() {
            let (a, b) = (hidden[l - 1], hidden[l]);
            let mask = (0..a * b)
                .map(|k| {
                    if hidden_to_hidden(labels[l - 1][k / b], labels[l][k % b]) {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect();
            layers.push(Linear::new(&format!("{name}.{l}"), a, b).masked(mask));
        }
        let last = hidden.len() - 1;
        let outputs = inputs * multiplier;
        let mask = (0..hidden[last] * outputs)
            .map(|k| {
                let (unit, out) = (k / outputs, k % outputs);
                if hidden_to_output(labels[last][unit], out % inputs) {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        layers.push(
            Linear::new(&format!("{name}.{}", hidden.len()), hidden[last], outputs).masked(mask),
        );
        Ok(Made {
            inputs,
            context,
            multiplier,
            layers,
            order: topological_order(name, adjacency)?,
        })
    }

    /// Creates the parameters; the output layer starts with weights scaled by `output_scale`
    /// (small values start a flow near the identity).
    ///
    /// # Errors
    /// Shape conflicts.
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Made;
    /// # use flowppl::backend::{rng::seeded, Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let mut store = ParamStore::<f64, Cpu>::new(&device);
    /// let made = Made::autoregressive("made", 2, &[4], 2, 0)?;
    /// made.initialize(&mut store, &mut seeded(0), 0.0)?; // output layer scaled to zero
    /// let net = made.bind(&store, None)?;
    /// let y = Made::apply(&net, &Var::from_rows(&device, &[[1.0, -2.0]])?, None)?;
    /// assert_eq!(y.to_f64_vec(), vec![0.0; 4]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn initialize<E: Real, D: Backend<E>>(
        &self,
        store: &mut ParamStore<E, D>,
        rng: &mut Rng,
        output_scale: f64,
    ) -> Result<()> {
        let fresh = !store.contains(&format!(
            "{}.weight",
            self.layer_name(self.layers.len() - 1)
        ));
        for layer in &self.layers {
            layer.initialize(store, rng)?;
        }
        if fresh {
            self.layers[self.layers.len() - 1].scale_weights(store, output_scale)?;
        }
        Ok(())
    }

    fn layer_name(&self, i: usize) -> String {
        self.layers[i].name_prefix().to_string()
    }

    /// The same network with every layer initialised as `init` says.
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::{LinearInit, Made};
    /// # use flowppl::backend::{rng::seeded, Cpu};
    /// # use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// # let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// let made = Made::autoregressive("made", 3, &[6], 1, 0)?.with_init(LinearInit::Glorot);
    /// made.initialize(&mut store, &mut seeded(0), 1.0)?;
    /// assert_eq!(store.values("made.0.bias")?, vec![0.0; 6]); // Glorot: zero biases
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_init(mut self, init: LinearInit) -> Self {
        self.layers = self.layers.into_iter().map(|l| l.with_init(init)).collect();
        self
    }

    /// The inputs in an order where every input comes after its parents (`0..d` for
    /// [`Made::autoregressive`]; a topological order of the DAG for [`Made::with_adjacency`]).
    /// Inverting an autoregressive flow fills its coordinates in this order.
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Made;
    /// # fn main() -> flowppl::Result<()> {
    /// // x1 -> x0 -> x2: input 1 has no parent, 0 depends on 1, 2 on 0.
    /// let adjacency = vec![
    ///     vec![false, true, false],
    ///     vec![false, false, false],
    ///     vec![true, false, false],
    /// ];
    /// let made = Made::with_adjacency("m", &adjacency, &[6], 2, 0)?;
    /// assert_eq!(made.order(), &[1, 0, 2]);
    /// assert_eq!(Made::autoregressive("a", 3, &[6], 2, 0)?.order(), &[0, 1, 2]);
    /// // A cycle has no such order.
    /// let cycle = vec![vec![false, true], vec![true, false]];
    /// assert!(Made::with_adjacency("c", &cycle, &[4], 2, 0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// Number of inputs.
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Made;
    /// # fn main() -> flowppl::Result<()> {
    /// let made = Made::autoregressive("made", 4, &[8], 3, 2)?;
    /// assert_eq!(made.inputs(), 4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Width of the context.
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Made;
    /// # fn main() -> flowppl::Result<()> {
    /// let made = Made::autoregressive("made", 4, &[8], 3, 2)?;
    /// assert_eq!(made.context_width(), 2);
    /// assert_eq!(Made::autoregressive("plain", 4, &[8], 3, 0)?.context_width(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn context_width(&self) -> usize {
        self.context
    }

    /// Outputs per input.
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Made;
    /// # fn main() -> flowppl::Result<()> {
    /// let made = Made::autoregressive("made", 4, &[8], 3, 2)?;
    /// assert_eq!(made.multiplier(), 3); // three outputs per input, 12 in all
    /// # Ok(())
    /// # }
    /// ```
    pub fn multiplier(&self) -> usize {
        self.multiplier
    }

    /// The network for one step.
    ///
    /// # Errors
    /// Missing parameters.
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Made;
    /// # use flowppl::backend::{rng::seeded, Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let mut store = ParamStore::<f64, Cpu>::new(&device);
    /// let made = Made::autoregressive("made", 3, &[8, 8], 2, 0)?;
    /// assert!(made.bind(&store, None).is_err()); // parameters not created yet
    /// made.initialize(&mut store, &mut seeded(0), 1.0)?;
    /// let y = made.bind(&store, None)?.forward(&Var::zeros(&device, 5, 3))?;
    /// assert_eq!(y.shape(), (5, 6));
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind<E: Real, D: Backend<E>>(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<BoundMlp<E, D>> {
        BoundMlp::from_layers(
            self.layers
                .iter()
                .map(|l| l.bind(store, graph))
                .collect::<Result<_>>()?,
        )
    }

    /// The network applied to `x` (with `context` appended when the MADE has one): output block
    /// `k` is columns `k * d .. (k + 1) * d`.
    ///
    /// # Errors
    /// Shape errors; a missing context.
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Made;
    /// # use flowppl::backend::{rng::seeded, Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let mut store = ParamStore::<f64, Cpu>::new(&device);
    /// let made = Made::autoregressive("made", 3, &[8], 2, 1)?; // one context column
    /// made.initialize(&mut store, &mut seeded(0), 1.0)?;
    /// let net = made.bind(&store, None)?;
    /// let x = Var::zeros(&device, 4, 3);
    /// let context = Var::from_rows(&device, &[[0.7]])?; // one row, broadcast over x's rows
    /// assert_eq!(Made::apply(&net, &x, Some(&context))?.shape(), (4, 6));
    /// assert!(Made::apply(&net, &x, None).is_err()); // the context is missing
    /// # Ok(())
    /// # }
    /// ```
    pub fn apply<E: Real, D: Backend<E>>(
        network: &BoundMlp<E, D>,
        x: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<Var<E, D>> {
        match context {
            Some(c) => network.forward(&Var::concat_columns(&[
                x,
                &c.broadcast_to(x.rows(), c.columns())?,
            ])?),
            None => network.forward(x),
        }
    }
}

#[derive(Clone, Copy)]
enum Masks {
    Degrees,
    Groups,
}
