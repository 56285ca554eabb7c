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
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu};
/// use flowppl::flows::Flow;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::AffineCoupling;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let flow = Flow::<f64, Cpu>::new(2).layer(AffineCoupling::new("c", 2, &[8], 0)?);
/// let mut store = ParamStore::new(&dev);
/// flow.initialize(&mut store, &mut seeded(0))?;
/// let bound = flow.bind(&store, None)?;
/// // Draws with their ln q, which the density pass reproduces.
/// let (x, log_q) = bound.sample_and_log_prob(4, &mut seeded(1), &dev, None)?;
/// let again = bound.log_prob(&x, None)?;
/// assert!(log_q.to_f64_vec().iter().zip(again.to_f64_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
/// # Ok(())
/// # }
/// ```
pub struct Flow<E: Real, D: Backend<E>> {
    dimension: usize,
    layers: Vec<Box<dyn FlowLayer<E, D>>>,
    base: Base,
}

impl<E: Real, D: Backend<E>> Flow<E, D> {
    /// A flow on `R^dimension` with no layers yet (the standard normal).
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl::flows::Flow;
    /// use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// // Without layers the flow is the standard normal on R^3.
    /// let flow = Flow::<f64, Cpu>::new(3);
    /// let lp = flow.bind(&ParamStore::new(&dev), None)?.log_prob(&Var::zeros(&dev, 1, 3), None)?;
    /// assert!((lp.item()? + 1.5 * (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(dimension: usize) -> Self {
        Flow {
            dimension,
            layers: Vec::new(),
            base: Base::StandardNormal,
        }
    }

    /// Uses `base` as the base distribution.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl::flows::{Base, Flow};
    /// use flowppl::params::ParamStore;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let flow = Flow::<f64, Cpu>::new(1).with_base(Base::StandardLaplace);
    /// let lp = flow.bind(&ParamStore::new(&dev), None)?.log_prob(&Var::scalar(&dev, 1.0), None)?;
    /// assert!((lp.item()? - (-1.0 - 2f64.ln())).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_base(mut self, base: Base) -> Self {
        self.base = base;
        self
    }

    /// The base distribution.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::Cpu;
    /// use flowppl::flows::{Base, Flow};
    /// assert_eq!(Flow::<f64, Cpu>::new(2).base(), Base::StandardNormal);
    /// let flow = Flow::<f64, Cpu>::new(2).with_base(Base::StandardLaplace);
    /// assert_eq!(flow.base(), Base::StandardLaplace);
    /// ```
    pub fn base(&self) -> Base {
        self.base
    }

    /// Appends a layer (applied after the previous ones when sampling).
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl::flows::{Fixed, Flow};
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::{Affine, Reverse};
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// // Sampling applies the shift after the reversal: z = (1, 2) -> (2, 1) -> (3, 2).
    /// let flow = Flow::<f64, Cpu>::new(2)
    ///     .layer(Fixed::new("flip", Reverse))
    ///     .layer(Fixed::new("shift", Affine::new(1.0, 1.0)?));
    /// let bound = flow.bind(&ParamStore::new(&dev), None)?;
    /// let (x, _) = bound.forward(&Var::from_rows(&dev, &[[1.0, 2.0]])?, None)?;
    /// assert_eq!(x.to_f64_vec(), vec![3.0, 2.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn layer(mut self, layer: impl FlowLayer<E, D> + 'static) -> Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// The dimension.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::Cpu;
    /// use flowppl::flows::Flow;
    /// assert_eq!(Flow::<f64, Cpu>::new(5).dimension(), 5);
    /// ```
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// The layers, first applied first.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::Cpu;
    /// use flowppl::flows::{Fixed, Flow};
    /// use flowppl::transforms::{Planar, Reverse};
    /// let flow = Flow::<f64, Cpu>::new(2)
    ///     .layer(Planar::new("p", 2))
    ///     .layer(Fixed::new("flip", Reverse));
    /// let names: Vec<&str> = flow.layers().iter().map(|l| l.name()).collect();
    /// assert_eq!(names, ["p", "flip"]);
    /// ```
    pub fn layers(&self) -> &[Box<dyn FlowLayer<E, D>>] {
        &self.layers
    }

    /// Creates every layer's parameters.
    ///
    /// # Errors
    /// Shape conflicts.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu};
    /// use flowppl::flows::Flow;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::Planar;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let flow = Flow::<f64, Cpu>::new(2).layer(Planar::new("p", 2));
    /// let mut store = ParamStore::new(&dev);
    /// assert!(flow.bind(&store, None).is_err()); // no parameters yet
    /// flow.initialize(&mut store, &mut seeded(0))?;
    /// assert!(store.contains("p.u") && store.contains("p.w") && store.contains("p.b"));
    /// assert!(flow.bind(&store, None).is_ok());
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::Flow;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::Radial;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let flow = Flow::<f64, Cpu>::new(2).layer(Radial::new("r", 2));
    /// let mut store = ParamStore::new(&dev);
    /// flow.initialize_near_identity(&mut store, &mut seeded(0))?;
    /// // A radial layer starts exactly at the identity.
    /// let z = Var::from_rows(&dev, &[[0.5, -1.0]])?;
    /// let (x, log_det) = flow.bind(&store, None)?.forward(&z, None)?;
    /// assert!(x.to_f64_vec().iter().zip(z.to_f64_vec()).all(|(a, b)| (a - b).abs() < 1e-12));
    /// assert!(log_det.item()?.abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::Flow;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::ActNorm;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let flow = Flow::<f64, Cpu>::new(2).layer(ActNorm::new("norm", 2));
    /// let mut store = ParamStore::new(&dev);
    /// // Column means (2, 12), standard deviations (1, 2): the density pass standardises them.
    /// let data = Var::from_rows(&dev, &[[1.0, 10.0], [3.0, 14.0]])?;
    /// flow.initialize_from_data(&mut store, &mut seeded(0), &data)?;
    /// let (z, _) = flow.bind(&store, None)?.inverse(&data, None)?;
    /// let want = [-1.0, -1.0, 1.0, 1.0];
    /// assert!(z.to_f64_vec().iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-9));
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Graph, Var};
    /// use flowppl::flows::Flow;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::BatchNorm;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let flow = Flow::<f64, Cpu>::new(2).layer(BatchNorm::new("bn", 2));
    /// let mut store = ParamStore::new(&dev);
    /// flow.initialize(&mut store, &mut seeded(0))?;
    /// // A training pass records the batch means (2, 12); the update folds them in with momentum 0.1.
    /// let x = Var::from_rows(&dev, &[[1.0, 10.0], [3.0, 14.0]])?;
    /// flow.bind(&store, Some(&Graph::new(&dev)))?.log_prob(&x, None)?;
    /// flow.update_state(&mut store)?;
    /// let mean = store.values("bn.running_mean")?;
    /// assert!((mean[0] - 0.2).abs() < 1e-12 && (mean[1] - 1.2).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_state(&self, store: &mut ParamStore<E, D>) -> Result<()> {
        self.layers.iter().try_for_each(|l| l.update_state(store))
    }

    /// The flow with this step's parameters.
    ///
    /// # Errors
    /// Missing parameters.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Graph, Var};
    /// use flowppl::flows::Flow;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::Planar;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let flow = Flow::<f64, Cpu>::new(2).layer(Planar::new("p", 2));
    /// let mut store = ParamStore::new(&dev);
    /// flow.initialize(&mut store, &mut seeded(0))?;
    /// // Bound on a graph, the log-density is differentiable in the parameters.
    /// let graph = Graph::new(&dev);
    /// let lp = flow.bind(&store, Some(&graph))?.log_prob(&Var::zeros(&dev, 1, 2), None)?;
    /// let mut grads = lp.sum().backward()?;
    /// assert_eq!(store.gradient(&mut grads, "p.w")?.len(), 2);
    /// # Ok(())
    /// # }
    /// ```
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
///
/// # Examples
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::flows::{Fixed, Flow};
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::Affine;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let flow = Flow::<f64, Cpu>::new(1).layer(Fixed::new("scale", Affine::new(0.0, 3.0)?));
/// let bound = flow.bind(&ParamStore::new(&dev), None)?;
/// let z = Var::from_rows(&dev, &[[1.0], [-2.0]])?;
/// let (x, log_det) = bound.forward(&z, None)?;
/// assert_eq!(x.to_f64_vec(), vec![3.0, -6.0]);
/// let (back, inverse_log_det) = bound.inverse(&x, None)?;
/// assert_eq!(back.to_f64_vec(), z.to_f64_vec());
/// assert!((log_det.to_f64_vec()[0] + inverse_log_det.to_f64_vec()[0]).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub struct BoundFlow<E: Real, D: Backend<E>> {
    dimension: usize,
    base: Base,
    layers: Vec<Box<dyn Bijector<E, D>>>,
    names: Vec<String>,
}

impl<E: Real, D: Backend<E>> BoundFlow<E, D> {
    /// The bound layers with their names, first applied first.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu};
    /// use flowppl::params::ParamStore;
    /// use flowppl::flows::{build_flow, FlowKind};
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let flow = build_flow::<f64, Cpu>("maf", FlowKind::Maf, 2, 2, &[4], 0)?;
    /// let mut store = ParamStore::new(&dev);
    /// flow.initialize(&mut store, &mut seeded(0))?;
    /// let bound = flow.bind(&store, None)?;
    /// let names: Vec<&str> = bound.layers().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["maf.0", "maf.1.reverse", "maf.1"]);
    /// assert!(bound.layers().all(|(_, layer)| layer.has_inverse()));
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl::flows::{Fixed, Flow};
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::{Affine, Reverse};
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let flow = Flow::<f64, Cpu>::new(2)
    ///     .layer(Fixed::new("flip", Reverse))
    ///     .layer(Fixed::new("double", Affine::new(0.0, 2.0)?));
    /// let bound = flow.bind(&ParamStore::new(&dev), None)?;
    /// let (x, log_det) = bound.forward(&Var::from_rows(&dev, &[[1.0, 2.0]])?, None)?;
    /// assert_eq!(x.to_f64_vec(), vec![4.0, 2.0]);
    /// assert!((log_det.item()? - 2.0 * 2f64.ln()).abs() < 1e-12); // two coordinates doubled
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl::flows::{Fixed, Flow};
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::Affine;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let flow = Flow::<f64, Cpu>::new(1).layer(Fixed::new("affine", Affine::new(1.0, 2.0)?));
    /// let bound = flow.bind(&ParamStore::new(&dev), None)?;
    /// let (z, log_det) = bound.inverse(&Var::scalar(&dev, 3.0), None)?;
    /// assert_eq!(z.item()?, 1.0); // (3 - 1) / 2
    /// assert!((log_det.item()? + 2f64.ln()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl::flows::{Fixed, Flow};
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::Affine;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// // x = 1 + 2 z is N(1, 2^2): at x = 3, z = 1.
    /// let flow = Flow::<f64, Cpu>::new(1).layer(Fixed::new("affine", Affine::new(1.0, 2.0)?));
    /// let bound = flow.bind(&ParamStore::new(&dev), None)?;
    /// let lp = bound.log_prob(&Var::scalar(&dev, 3.0), None)?.item()?;
    /// assert!((lp - (-0.5 - 2f64.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln())).abs() < 1e-12);
    /// assert!(bound.log_prob(&Var::zeros(&dev, 1, 2), None).is_err()); // wrong width
    /// # Ok(())
    /// # }
    /// ```
    pub fn log_prob(&self, x: &Var<E, D>, context: Option<&Var<E, D>>) -> Result<Var<E, D>> {
        self.check_width(x)?;
        let (z, log_det) = self.inverse(x, context)?;
        self.base.log_density(&z).add(&log_det)
    }

    /// `n` reparameterised draws with their `ln q`, in one pass: `(x (n, d), ln q (n, 1))`.
    ///
    /// # Errors
    /// Errors of a layer.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu};
    /// # use flowppl::flows::{Fixed, Flow};
    /// # use flowppl::params::ParamStore;
    /// # use flowppl::transforms::Affine;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// # let flow = Flow::<f64, Cpu>::new(2).layer(Fixed::new("affine", Affine::new(0.0, 2.0)?));
    /// # let bound = flow.bind(&ParamStore::new(&dev), None)?;
    /// // `bound`: the flow x = 2 z, that is N(0, 2^2 I) on R^2.
    /// let (x, log_q) = bound.sample_and_log_prob(5, &mut seeded(0), &dev, None)?;
    /// assert_eq!((x.shape(), log_q.shape()), ((5, 2), (5, 1)));
    /// // Each ln q is the N(0, 2^2 I) density of its draw.
    /// let (xs, lq) = (x.to_f64_vec(), log_q.to_f64_vec());
    /// for i in 0..5 {
    ///     let r2 = (xs[2 * i].powi(2) + xs[2 * i + 1].powi(2)) / 4.0;
    ///     assert!((lq[i] - (-0.5 * r2 - (2.0 * std::f64::consts::PI).ln() - 2.0 * 2f64.ln())).abs() < 1e-12);
    /// }
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu};
    /// use flowppl::flows::{Fixed, Flow};
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::Affine;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// // N(10, 0.1^2): every draw lies within 10 standard deviations of 10.
    /// let flow = Flow::<f64, Cpu>::new(1).layer(Fixed::new("affine", Affine::new(10.0, 0.1)?));
    /// let x = flow.bind(&ParamStore::new(&dev), None)?.sample(50, &mut seeded(0), &dev, None)?;
    /// assert_eq!(x.shape(), (50, 1));
    /// assert!(x.to_f64_vec().iter().all(|v| (v - 10.0).abs() < 1.0));
    /// assert!(!x.is_recorded());
    /// # Ok(())
    /// # }
    /// ```
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
