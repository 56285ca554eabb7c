//! [`FlowLayer`]: a learnable transform, configured once and bound to its parameters per step.

use crate::backend::{Backend, Graph, Real, Rng};
use crate::error::Result;
use crate::params::ParamStore;
use crate::transforms::Bijector;

/// A learnable layer of a flow. The layer holds its configuration and parameter names;
/// `initialize` creates its parameters in a store, `bind` reads them (onto a graph when
/// training) and returns the [`Bijector`] for this step. Parameter-free bijectors are layers too
/// (see [`Fixed`]).
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::Radial;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let layer: &dyn FlowLayer<f64, Cpu> = &Radial::new("radial", 2);
/// let mut store = ParamStore::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// assert!(store.contains("radial.z0")); // parameters are prefixed by the layer's name
/// let x = Var::from_rows(&dev, &[[0.5, -1.0], [2.0, 0.0]])?;
/// let (y, log_det) = layer.bind(&store, None)?.forward(&x, None)?;
/// assert_eq!((y.shape(), log_det.shape()), ((2, 2), (2, 1)));
/// # Ok(())
/// # }
/// ```
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
    /// [`initialize`](Self::initialize): right for layers that start near the identity by
    /// construction (coupling and IAF layers scale their output networks down, so they move
    /// points only a little) and for planar, whose invertibility constraint has no identity
    /// point among small parameters.
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
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::{Fixed, Flow};
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::Affine;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// // x = 1 + 2 z: the flow is N(1, 2^2), and the layer has no parameters.
/// let flow = Flow::<f64, Cpu>::new(1).layer(Fixed::new("affine", Affine::new(1.0, 2.0)?));
/// let mut store = ParamStore::new(&dev);
/// flow.initialize(&mut store, &mut seeded(0))?;
/// assert!(store.is_empty());
/// let lp = flow.bind(&store, None)?.log_prob(&Var::from_rows(&dev, &[[3.0]])?, None)?;
/// assert!((lp.item()? - (-0.5 - 2f64.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln())).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub struct Fixed<B> {
    name: String,
    bijector: B,
}

impl<B> Fixed<B> {
    /// Wraps `bijector` under `name`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::Cpu;
    /// use flowppl::flows::{Fixed, FlowLayer};
    /// use flowppl::transforms::Reverse;
    /// # fn main() -> flowppl::Result<()> {
    /// let layer = Fixed::new("flip", Reverse);
    /// assert_eq!(FlowLayer::<f64, Cpu>::name(&layer), "flip");
    /// # Ok(())
    /// # }
    /// ```
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
