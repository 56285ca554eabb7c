//! Conditional radial flow: radial parameters as affine functions of a context vector.

use super::bijector::Bijector;
use super::radial::radial_forward;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::{Error, Result};
use crate::flows::FlowLayer;
use crate::params::{Init, ParamStore};

/// [`Radial`](super::Radial) with a centre `z0 = z0_base + c Z`, `alpha_raw = a + c A` and
/// `beta_raw = b + c B` for a context row `c` (one per input row, or one shared). Each row gets
/// its own radial map `f(z) = z + beta h(r) (z - z0)`, `h = 1 / (alpha + r)`, with
/// `alpha = softplus(alpha_raw)` and `beta = -alpha + softplus(beta_raw)` keeping every row's
/// map invertible (Rezende & Mohamed 2015, arXiv:1505.05770). No closed-form inverse.
///
/// # Examples
///
/// ```
/// # use flowppl::backend::{rng::seeded, Cpu, Var};
/// # use flowppl::flows::FlowLayer;
/// # use flowppl::params::ParamStore;
/// use flowppl::testing::{log_abs_det, numerical_jacobian};
/// use flowppl::transforms::ConditionalRadial;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let layer = ConditionalRadial::new("cr", 2, 1)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// let context = Var::from_rows(&dev, &[[0.8]])?;
/// let f = |z: &[f64]| -> Vec<f64> {
///     let z = Var::from_vec(&dev, z.to_vec(), 1, 2).unwrap();
///     bound.forward(&z, Some(&context)).unwrap().0.to_vec()
/// };
/// let (_, log_det) = bound.forward(&Var::from_rows(&dev, &[[0.4, -0.7]])?, Some(&context))?;
/// let numerical = log_abs_det(numerical_jacobian(&[0.4, -0.7], 1e-6, f), 2);
/// assert!((log_det.to_vec()[0] - numerical).abs() < 1e-6);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ConditionalRadial {
    name: String,
    dimension: usize,
    context: usize,
}

impl ConditionalRadial {
    /// A conditional radial layer on `R^dimension` with a context of width `context`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an empty context.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::transforms::ConditionalRadial;
    /// assert!(ConditionalRadial::new("cr", 2, 3).is_ok());
    /// assert!(ConditionalRadial::new("cr", 2, 0).is_err()); // use Radial without a context
    /// ```
    pub fn new(name: &str, dimension: usize, context: usize) -> Result<Self> {
        if context == 0 {
            return Err(Error::InvalidConfig {
                what: format!("ConditionalRadial `{name}`"),
                message: "needs a context of width at least 1 (use Radial otherwise)".into(),
            });
        }
        Ok(ConditionalRadial {
            name: name.to_string(),
            dimension,
            context,
        })
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for ConditionalRadial {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        let (d, c) = (self.dimension, self.context);
        let bound = 1.0 / (d as f64).sqrt();
        let uniform = Init::Uniform {
            low: -bound,
            high: bound,
        };
        let small = Init::Uniform {
            low: -0.1,
            high: 0.1,
        };
        store.get_or_init(&format!("{}.z0", self.name), 1, d, &uniform, rng)?;
        store.get_or_init(&format!("{}.alpha_raw", self.name), 1, 1, &uniform, rng)?;
        store.get_or_init(&format!("{}.beta_raw", self.name), 1, 1, &uniform, rng)?;
        store.get_or_init(&format!("{}.z0_context", self.name), c, d, &small, rng)?;
        store.get_or_init(&format!("{}.alpha_context", self.name), c, 1, &small, rng)?;
        store.get_or_init(&format!("{}.beta_context", self.name), c, 1, &small, rng)
    }
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        let get = |n: &str| store.read(&format!("{}.{n}", self.name), graph);
        Ok(Box::new(BoundConditionalRadial {
            z0: get("z0")?,
            alpha_raw: get("alpha_raw")?,
            beta_raw: get("beta_raw")?,
            z0_context: get("z0_context")?,
            alpha_context: get("alpha_context")?,
            beta_context: get("beta_context")?,
        }))
    }
}

/// A [`ConditionalRadial`] layer with its parameters for one step.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::ConditionalRadial;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// let layer = ConditionalRadial::new("cr", 2, 1)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// let z = Var::from_rows(&dev, &[[0.3, -1.2]])?;
/// let context = Var::from_rows(&dev, &[[0.5]])?;
/// assert!(bound.forward(&z, None).is_err()); // the context is required
/// assert!(!bound.has_inverse());
/// assert!(bound.inverse(&bound.forward(&z, Some(&context))?.0, Some(&context)).is_err());
/// # Ok(())
/// # }
/// ```
pub struct BoundConditionalRadial<E: Real, D: Backend<E>> {
    z0: Var<E, D>,
    alpha_raw: Var<E, D>,
    beta_raw: Var<E, D>,
    z0_context: Var<E, D>,
    alpha_context: Var<E, D>,
    beta_context: Var<E, D>,
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundConditionalRadial<E, D> {
    fn name(&self) -> &'static str {
        "ConditionalRadial"
    }
    fn forward(
        &self,
        z: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let context = context
            .ok_or_else(|| Error::invalid_shape("ConditionalRadial", "a context is required"))?;
        let z0 = context.matmul(&self.z0_context)?.add(&self.z0)?;
        let alpha = context
            .matmul(&self.alpha_context)?
            .add(&self.alpha_raw)?
            .softplus();
        let beta = context
            .matmul(&self.beta_context)?
            .add(&self.beta_raw)?
            .softplus()
            .sub(&alpha)?;
        radial_forward(z, &z0, &alpha, &beta)
    }
    fn has_inverse(&self) -> bool {
        false
    }
}
