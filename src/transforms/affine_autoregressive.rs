//! Affine autoregressive layers: MAF and IAF.

use super::bijector::Bijector;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::Result;
use crate::flows::FlowLayer;
use crate::nn::mlp::BoundMlp;
use crate::nn::Made;
use crate::params::ParamStore;

/// Which pass is parallel.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// # use flowppl::flows::FlowLayer;
/// use flowppl::nn::Made;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::{AffineAutoregressive, Autoregression};
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// let made = Made::autoregressive("iaf.made", 2, &[8], 2, 0)?;
/// let layer = AffineAutoregressive::with_made("iaf", made, Autoregression::InverseAffine);
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// assert_eq!(bound.name(), "IAF (affine)");
/// // Sampling is one pass; the density pass is sequential and undoes it.
/// let z = Var::from_rows(&dev, &[[0.3, -1.2]])?;
/// let (x, _) = bound.forward(&z, None)?;
/// let (back, _) = bound.inverse(&x, None)?;
/// assert!(back.to_vec().iter().zip(z.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::AffineAutoregressive;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let layer = AffineAutoregressive::maf("maf", 3, &[16], 0)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(1))?;
/// let bound = layer.bind(&store, None)?;
/// let z = Var::from_rows(&dev, &[[0.5, -1.0, 2.0], [0.0, 0.3, -0.7]])?;
/// let (x, log_det) = bound.forward(&z, None)?;
/// let (back, inverse_log_det) = bound.inverse(&x, None)?;
/// assert!(back.to_vec().iter().zip(z.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
/// assert!(log_det.add(&inverse_log_det)?.to_vec().iter().all(|v| v.abs() < 1e-9));
/// # Ok(())
/// # }
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::AffineAutoregressive;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// // With context 1: the conditioner also sees one context value per row.
    /// let layer = AffineAutoregressive::maf("maf", 2, &[8], 1)?;
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// let bound = layer.bind(&store, None)?;
    /// let (x, context) = (Var::from_rows(&dev, &[[0.4, 1.1]])?, Var::from_rows(&dev, &[[2.0]])?);
    /// let (z, _) = bound.inverse(&x, Some(&context))?; // the density pass: one evaluation
    /// let (back, _) = bound.forward(&z, Some(&context))?;
    /// assert!(back.to_vec().iter().zip(x.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
    /// assert!(AffineAutoregressive::maf("bad", 2, &[], 0).is_err()); // no hidden layer
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::AffineAutoregressive;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// // A zero conditioner output leaves the gate at sigma = sigmoid(2) and m = 0: x = sigma z.
    /// let layer = AffineAutoregressive::iaf("iaf", 2, &[8], 0)?.with_output_scale(0.0);
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// let (x, log_det) = layer.bind(&store, None)?.forward(&Var::from_rows(&dev, &[[1.0, -2.0]])?, None)?;
    /// let sigma = 1.0 / (1.0 + (-2f64).exp());
    /// assert!(x.to_vec().iter().zip([sigma, -2.0 * sigma]).all(|(a, b)| (a - b).abs() < 1e-12));
    /// assert!((log_det.to_vec()[0] - 2.0 * sigma.ln()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::AffineAutoregressive;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let layer = AffineAutoregressive::iaf_affine("iaf", 2, &[8], 0)?;
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(3))?;
    /// let bound = layer.bind(&store, None)?;
    /// let z = Var::from_rows(&dev, &[[0.7, -0.2]])?;
    /// let (x, log_det) = bound.forward(&z, None)?;
    /// let (back, inverse_log_det) = bound.inverse(&x, None)?;
    /// assert!(back.to_vec().iter().zip(z.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
    /// assert!((log_det.to_vec()[0] + inverse_log_det.to_vec()[0]).abs() < 1e-9);
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::nn::Made;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::{AffineAutoregressive, Autoregression};
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// // A DAG with x_0 -> x_1 and x_0 -> x_2, but no edge x_1 -> x_2.
    /// let adjacency = [vec![false; 3], vec![true, false, false], vec![true, false, false]];
    /// let made = Made::with_adjacency("dag.made", &adjacency, &[8], 2, 0)?;
    /// let layer = AffineAutoregressive::with_made("dag", made, Autoregression::Masked);
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// let bound = layer.bind(&store, None)?;
    /// let x = Var::from_rows(&dev, &[[0.4, -0.9, 1.3]])?;
    /// let (back, _) = bound.forward(&bound.inverse(&x, None)?.0, None)?;
    /// assert!(back.to_vec().iter().zip(x.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_made(name: &str, made: Made, kind: Autoregression) -> Self {
        AffineAutoregressive {
            name: name.to_string(),
            made,
            kind,
            output_scale: 1.0,
        }
    }

    /// Initialises the conditioner's layers as `init` says (fan-in uniform by default).
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::nn::LinearInit;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::AffineAutoregressive;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// // Glorot initialisation has zero biases, so the conditioner maps 0 to 0 and so does the MAF.
    /// let layer = AffineAutoregressive::maf("maf", 2, &[8], 0)?.with_init(LinearInit::Glorot);
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// let (z, log_det) = layer.bind(&store, None)?.inverse(&Var::zeros(&dev, 1, 2), None)?;
    /// assert_eq!((z.to_vec(), log_det.to_vec()), (vec![0.0, 0.0], vec![0.0]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_init(mut self, init: crate::nn::LinearInit) -> Self {
        self.made = self.made.with_init(init);
        self
    }

    /// Scales the conditioner's initial output weights: a small factor (0.01) starts the layer
    /// near the identity (a MAF exactly at it), which suits flow guides; the default 1.0
    /// (PyTorch's fan-in rule) learns densities faster.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::AffineAutoregressive;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// // A zero output layer makes the MAF exactly the identity.
    /// let layer = AffineAutoregressive::maf("maf", 2, &[8], 0)?.with_output_scale(0.0);
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// let x = Var::from_rows(&dev, &[[0.4, -0.9]])?;
    /// let (z, log_det) = layer.bind(&store, None)?.inverse(&x, None)?;
    /// assert_eq!((z.to_vec(), log_det.to_vec()), (x.to_vec(), vec![0.0]));
    /// # Ok(())
    /// # }
    /// ```
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
            order: self.made.order().to_vec(),
            kind: self.kind,
        }))
    }
}

/// An [`AffineAutoregressive`] layer with its parameters for one step.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::AffineAutoregressive;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// let layer = AffineAutoregressive::iaf("iaf", 2, &[8], 0)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// assert_eq!(bound.name(), "IAF");
/// let z = Var::from_rows(&dev, &[[0.3, -1.2], [1.0, 0.5]])?;
/// let (x, log_det) = bound.forward(&z, None)?;
/// assert!(log_det.to_vec().iter().all(|v| *v < 0.0)); // the gated update contracts
/// let (back, _) = bound.inverse(&x, None)?;
/// assert!(back.to_vec().iter().zip(z.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
/// # Ok(())
/// # }
/// ```
pub struct BoundAffineAutoregressive<E: Real, D: Backend<E>> {
    network: BoundMlp<E, D>,
    dimension: usize,
    /// The coordinates in an order where each comes after its parents ([`Made::order`]).
    order: Vec<usize>,
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

    /// Fills the output one coordinate at a time, each after its parents (the MADE's
    /// [`Made::order`]: index order for a plain autoregressive MADE, a topological order for
    /// one built from a DAG): `d` evaluations of the conditioner.
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
        for (position, &i) in self.order.iter().enumerate() {
            let parts: Vec<&Var<E, D>> = columns.iter().collect();
            let current = Var::concat_columns(&parts)?;
            let (a, s) = self.parameters(&current, context)?;
            columns[i] = solve(
                &target.slice_columns(i, i + 1)?,
                &a.slice_columns(i, i + 1)?,
                &s.slice_columns(i, i + 1)?,
            )?;
            if position + 1 == d {
                // Every output depends only on its parents, which are final by now.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::rng::seeded;
    use crate::backend::TestDevice;

    /// Every kind inverts exactly when the DAG's order is not the index order: x2 -> x0 -> x1
    /// (the sequential pass used to fill coordinates in index order and got this wrong).
    #[test]
    fn sequential_passes_follow_the_dag_order() {
        let adjacency = vec![
            vec![false, false, true],
            vec![true, false, false],
            vec![false, false, false],
        ];
        let device = TestDevice::default();
        let z = Var::<f64, TestDevice>::from_rows(&device, &[[0.3, -1.2, 0.8], [1.5, 0.2, -0.4]])
            .unwrap();
        for kind in [
            Autoregression::Masked,
            Autoregression::Inverse,
            Autoregression::InverseAffine,
        ] {
            let made = Made::with_adjacency("m", &adjacency, &[12], 2, 0).unwrap();
            let layer = AffineAutoregressive::with_made("layer", made, kind);
            let mut store = ParamStore::new(&device);
            // Outputs far from the identity, so a wrong order shows.
            layer.initialize(&mut store, &mut seeded(3)).unwrap();
            let names: Vec<String> = store.names().map(str::to_string).collect();
            for name in names {
                let (rows, columns) = store.shape(&name).unwrap();
                let scaled: Vec<f64> = store
                    .values(&name)
                    .unwrap()
                    .iter()
                    .map(|&v: &f64| v * 40.0)
                    .collect();
                store.remove(&name);
                store.insert(&name, rows, columns, &scaled).unwrap();
            }
            let bound = layer.bind(&store, None).unwrap();
            let (x, forward_log_det) = bound.forward(&z, None).unwrap();
            let (back, inverse_log_det) = bound.inverse(&x, None).unwrap();
            for (a, b) in back.to_vec().iter().zip(z.to_vec()) {
                assert!((a - b).abs() < 1e-9, "{kind:?}: {a} against {b}");
            }
            for (f, i) in forward_log_det
                .to_vec()
                .iter()
                .zip(inverse_log_det.to_vec())
            {
                assert!((f + i).abs() < 1e-9, "{kind:?}: log-dets {f} and {i}");
            }
        }
    }
}
