//! MADE: a masked autoencoder whose output `i` depends only on chosen inputs (Germain et al.
//! 2015, arXiv:1502.03509).

use super::linear::{Linear, LinearInit};
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
#[derive(Debug, Clone)]
pub struct Made {
    inputs: usize,
    context: usize,
    multiplier: usize,
    layers: Vec<Linear>,
}

impl Made {
    /// Autoregressive MADE in the natural order `0, 1, ..., d-1`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for no hidden layer or zero sizes.
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
    /// [`Error::InvalidConfig`] for a non-square adjacency, a cycle-free check is the caller's.
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
        })
    }

    /// Creates the parameters; the output layer starts with weights scaled by `output_scale`
    /// (small values start a flow near the identity).
    ///
    /// # Errors
    /// Shape conflicts.
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
    pub fn with_init(mut self, init: LinearInit) -> Self {
        self.layers = self.layers.into_iter().map(|l| l.with_init(init)).collect();
        self
    }

    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Width of the context.
    pub fn context_width(&self) -> usize {
        self.context
    }

    /// Outputs per input.
    pub fn multiplier(&self) -> usize {
        self.multiplier
    }

    /// The network for one step.
    ///
    /// # Errors
    /// Missing parameters.
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
