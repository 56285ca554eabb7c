//! Affine autoregressive layers: MAF and IAF.

use super::bijector::Bijector;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::Result;
use crate::flows::FlowLayer;
use crate::nn::mlp::BoundMlp;
use crate::nn::Made;
use crate::params::ParamStore;

/// Which pass is parallel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Autoregression {
    /// Masked autoregressive flow (Papamakarios et al. 2017, arXiv:1705.07057): the density
    /// pass `z_i = (x_i - mu_i(x_<i)) exp(-s_i(x_<i))` is one network evaluation; sampling takes
    /// `d` sequential evaluations. `s` is clamped to `[-5, 3]`,
    /// the gradient passing through the clamp unchanged.
    Masked,
    /// Inverse autoregressive flow (Kingma et al. 2016, arXiv:1606.04934) with the gated update
    /// `x = sigma * z + (1 - sigma) * m`, `sigma = sigmoid(s + 2)` with `s` clamped to
    /// `[-10, 10]`, `(m, s)` from `z_<i`:
    /// sampling is one network evaluation, `log |det J| = sum ln sigma`; the density pass is
    /// sequential.
    Inverse,
    /// Inverse autoregressive flow with the plain affine update `x = m + exp(s) z`, `s`
    /// clamped to `[-5, 3]` with the gradient passed through (Pyro's `AffineAutoregressive`,
    /// task T5's layer): it can expand as well as contract, where the gate only contracts.
    InverseAffine,
}

/// An affine autoregressive layer (MAF or IAF) on `R^dimension`, with a MADE conditioner of the
/// given hidden sizes, optionally conditioned on a context vector.
#[derive(Debug, Clone)]
pub struct AffineAutoregressive {
    name: String,
    made: Made,
    kind: Autoregression,
    output_scale: f64,
}

impl AffineAutoregressive {
    /// A MAF layer.
    ///
    /// # Errors
    /// Invalid sizes.
    pub fn maf(name: &str, dimension: usize, hidden: &[usize], context: usize) -> Result<Self> {
        Ok(AffineAutoregressive {
            name: name.to_string(),
            made: Made::autoregressive(&format!("{name}.made"), dimension, hidden, 2, context)?,
            kind: Autoregression::Masked,
            output_scale: 1.0,
        })
    }

    /// An IAF layer.
    ///
    /// # Errors
    /// Invalid sizes.
    pub fn iaf(name: &str, dimension: usize, hidden: &[usize], context: usize) -> Result<Self> {
        Ok(AffineAutoregressive {
            name: name.to_string(),
            made: Made::autoregressive(&format!("{name}.made"), dimension, hidden, 2, context)?,
            kind: Autoregression::Inverse,
            output_scale: 1.0,
        })
    }

    /// An IAF layer with the plain affine update ([`Autoregression::InverseAffine`]).
    ///
    /// # Errors
    /// Invalid sizes.
    pub fn iaf_affine(
        name: &str,
        dimension: usize,
        hidden: &[usize],
        context: usize,
    ) -> Result<Self> {
        Ok(AffineAutoregressive {
            name: name.to_string(),
            made: Made::autoregressive(&format!("{name}.made"), dimension, hidden, 2, context)?,
            kind: Autoregression::InverseAffine,
            output_scale: 1.0,
        })
    }

    /// A layer over any MADE (for example one built from a DAG's adjacency).
    pub fn with_made(name: &str, made: Made, kind: Autoregression) -> Self {
        AffineAutoregressive {
            name: name.to_string(),
            made,
            kind,
            output_scale: 1.0,
        }
    }

    /// Initialises the conditioner's layers as `init` says (fan-in uniform by default).
    pub fn with_init(mut self, init: crate::nn::LinearInit) -> Self {
        self.made = self.made.with_init(init);
        self
    }

    /// Scales the conditioner's initial output weights: a small factor (0.01) starts the layer
    /// near the identity (a MAF exactly at it), which suits flow guides; the default 1.0
    /// (PyTorch's fan-in rule) learns densities faster.
    pub fn with_output_scale(mut self, scale: f64) -> Self {
        self.output_scale = scale;
        self
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for AffineAutoregressive {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        self.made.initialize(store, rng, self.output_scale)
    }
    fn initialize_near_identity(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        // Output weights and biases x 0.01: shift ~ 0 and log-scale ~ 0 (a MAF at the
        // identity; an IAF at a constant gate, which its base absorbs).
        self.made
            .initialize(store, rng, self.output_scale.min(0.01))
    }
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        Ok(Box::new(BoundAffineAutoregressive {
            network: self.made.bind(store, graph)?,
            dimension: self.made.inputs(),
            kind: self.kind,
        }))
    }
}

/// An [`AffineAutoregressive`] layer with its parameters for one step.
pub struct BoundAffineAutoregressive<E: Real, D: Backend<E>> {
    network: BoundMlp<E, D>,
    dimension: usize,
    kind: Autoregression,
}

impl<E: Real, D: Backend<E>> BoundAffineAutoregressive<E, D> {
    /// `(shift or m, s)` from the conditioner at `input`.
    fn parameters(
        &self,
        input: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let d = self.dimension;
        let out = Made::apply(&self.network, input, context)?;
        let shift = out.slice_columns(0, d)?;
        let raw = out.slice_columns(d, 2 * d)?;
        Ok(match self.kind {
            Autoregression::Masked | Autoregression::InverseAffine => {
                (shift, raw.clamp_straight_through(-5.0, 3.0))
            }
            // Bounded so the gate sigma >= sigmoid(-8) and the inverse stays finite.
            Autoregression::Inverse => (shift, raw.clamp(-10.0, 10.0).add_scalar(2.0)),
        })
    }

    /// The parallel pass of an IAF: `x = sigma z + (1 - sigma) m`.
    fn gated(&self, z: &Var<E, D>, context: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let (m, s) = self.parameters(z, context)?;
        let gate = s.sigmoid();
        let x = gate.mul(z)?.add(&gate.rsub_scalar(1.0).mul(&m)?)?;
        Ok((x, s.log_sigmoid().sum_columns()))
    }

    /// The parallel pass of a MAF: `z = (x - mu) exp(-s)`, with its log-determinant.
    fn whiten(&self, x: &Var<E, D>, context: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let (mu, s) = self.parameters(x, context)?;
        let z = x.sub(&mu)?.mul(&(-&s).exp())?;
        Ok((z, -s.sum_columns()))
    }

    /// Fills the output one coordinate at a time: `d` evaluations of the conditioner.
    fn sequential(
        &self,
        target: &Var<E, D>,
        context: Option<&Var<E, D>>,
        solve: impl Fn(&Var<E, D>, &Var<E, D>, &Var<E, D>) -> Result<Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let (n, d) = target.shape();
        let zero = Var::zeros(&target.device(), n, 1);
        let mut columns: Vec<Var<E, D>> = vec![zero; d];
        let mut last_s = None;
        for i in 0..d {
            let parts: Vec<&Var<E, D>> = columns.iter().collect();
            let current = Var::concat_columns(&parts)?;
            let (a, s) = self.parameters(&current, context)?;
            columns[i] = solve(
                &target.slice_columns(i, i + 1)?,
                &a.slice_columns(i, i + 1)?,
                &s.slice_columns(i, i + 1)?,
            )?;
            if i + 1 == d {
                // Output i depends only on the first i columns, which are final by now.
                last_s = Some(s);
            }
        }
        let parts: Vec<&Var<E, D>> = columns.iter().collect();
        let out = Var::concat_columns(&parts)?;
        let s = last_s.unwrap_or_else(|| Var::zeros(&target.device(), n, d));
        Ok((out, s))
    }
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundAffineAutoregressive<E, D> {
    fn name(&self) -> &'static str {
        match self.kind {
            Autoregression::Masked => "MAF",
            Autoregression::Inverse => "IAF",
            Autoregression::InverseAffine => "IAF (affine)",
        }
    }
    fn forward(
        &self,
        z: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        match self.kind {
            Autoregression::Inverse => self.gated(z, context),
            Autoregression::InverseAffine => {
                let (m, s) = self.parameters(z, context)?;
                Ok((z.mul(&s.exp())?.add(&m)?, s.sum_columns()))
            }
            Autoregression::Masked => {
                // x_i = z_i exp(s_i) + mu_i, with (mu, s) from x_<i.
                let (x, s) =
                    self.sequential(z, context, |z_i, mu_i, s_i| z_i.mul(&s_i.exp())?.add(mu_i))?;
                Ok((x, s.sum_columns()))
            }
        }
    }
    fn inverse(
        &self,
        x: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        match self.kind {
            Autoregression::Masked => self.whiten(x, context),
            Autoregression::InverseAffine => {
                // z_i = (x_i - m_i) exp(-s_i), with (m, s) from z_<i.
                let (z, s) =
                    self.sequential(x, context, |x_i, m_i, s_i| x_i.sub(m_i)?.mul(&(-s_i).exp()))?;
                Ok((z, -s.sum_columns()))
            }
            Autoregression::Inverse => {
                // z_i = (x_i - (1 - sigma_i) m_i) / sigma_i, with (m, s) from z_<i.
                let (z, s) = self.sequential(x, context, |x_i, m_i, s_i| {
                    let gate = s_i.sigmoid();
                    x_i.sub(&gate.rsub_scalar(1.0).mul(m_i)?)?.div(&gate)
                })?;
                Ok((z, -s.log_sigmoid().sum_columns()))
            }
        }
    }
}
