//! Conditional planar flow: planar parameters as affine functions of a context vector.

use super::bijector::Bijector;
use super::planar::planar_root;
use crate::backend::{real, Backend, Graph, Real, Rng, Var};
use crate::error::{Error, Result};
use crate::flows::FlowLayer;
use crate::params::{Init, ParamStore};

/// [`Planar`](super::Planar) with `u = u0 + c U`, `w = w0 + c W`, `b = b0 + c B` for a context
/// row `c` (one per input row, or one shared), so each row gets its own planar map
/// `f(z) = z + u_hat tanh(w . z + b)` with the invertibility constraint applied row by row.
/// The inverse is numerical, per row, as for the plain planar layer.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// # use flowppl::flows::FlowLayer;
/// # use flowppl::params::ParamStore;
/// use flowppl::transforms::ConditionalPlanar;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let layer = ConditionalPlanar::new("cp", 2, 1)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// // One context value per row: each row gets its own planar map.
/// let context = Var::from_rows(&dev, &[[-1.0], [2.0]])?;
/// let z = Var::from_rows(&dev, &[[0.3, -1.2], [0.3, -1.2]])?;
/// let (x, log_det) = bound.forward(&z, Some(&context))?;
/// assert_ne!(x.to_vec()[..2], x.to_vec()[2..]);
/// let (back, inverse_log_det) = bound.inverse(&x, Some(&context))?;
/// assert!(back.to_vec().iter().zip(z.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
/// assert!(log_det.add(&inverse_log_det)?.to_vec().iter().all(|v| v.abs() < 1e-9));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ConditionalPlanar {
    name: String,
    dimension: usize,
    context: usize,
}

impl ConditionalPlanar {
    /// A conditional planar layer on `R^dimension` with a context of width `context`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an empty context.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::transforms::ConditionalPlanar;
    /// assert!(ConditionalPlanar::new("cp", 2, 3).is_ok());
    /// assert!(ConditionalPlanar::new("cp", 2, 0).is_err()); // use Planar without a context
    /// ```
    pub fn new(name: &str, dimension: usize, context: usize) -> Result<Self> {
        if context == 0 {
            return Err(Error::InvalidConfig {
                what: format!("ConditionalPlanar `{name}`"),
                message: "needs a context of width at least 1 (use Planar otherwise)".into(),
            });
        }
        Ok(ConditionalPlanar {
            name: name.to_string(),
            dimension,
            context,
        })
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for ConditionalPlanar {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        let (d, c) = (self.dimension, self.context);
        let bound = std::f64::consts::FRAC_1_SQRT_2;
        let uniform = Init::Uniform {
            low: -bound,
            high: bound,
        };
        let small = Init::Uniform {
            low: -0.1,
            high: 0.1,
        };
        store.get_or_init(&format!("{}.u0", self.name), 1, d, &uniform, rng)?;
        store.get_or_init(&format!("{}.w0", self.name), 1, d, &uniform, rng)?;
        store.get_or_init(&format!("{}.b0", self.name), 1, 1, &Init::Zeros, rng)?;
        store.get_or_init(&format!("{}.u_context", self.name), c, d, &small, rng)?;
        store.get_or_init(&format!("{}.w_context", self.name), c, d, &small, rng)?;
        store.get_or_init(&format!("{}.b_context", self.name), c, 1, &small, rng)
    }
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        let get = |n: &str| store.read(&format!("{}.{n}", self.name), graph);
        Ok(Box::new(BoundConditionalPlanar {
            u0: get("u0")?,
            w0: get("w0")?,
            b0: get("b0")?,
            u_context: get("u_context")?,
            w_context: get("w_context")?,
            b_context: get("b_context")?,
        }))
    }
}

/// A [`ConditionalPlanar`] layer with its parameters for one step.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::ConditionalPlanar;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// let layer = ConditionalPlanar::new("cp", 2, 1)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// let z = Var::from_rows(&dev, &[[0.3, -1.2]])?;
/// assert!(bound.forward(&z, None).is_err()); // the context is required
/// let (x, _) = bound.forward(&z, Some(&Var::from_rows(&dev, &[[0.5]])?))?;
/// assert_eq!(x.shape(), (1, 2));
/// # Ok(())
/// # }
/// ```
pub struct BoundConditionalPlanar<E: Real, D: Backend<E>> {
    u0: Var<E, D>,
    w0: Var<E, D>,
    b0: Var<E, D>,
    u_context: Var<E, D>,
    w_context: Var<E, D>,
    b_context: Var<E, D>,
}

impl<E: Real, D: Backend<E>> BoundConditionalPlanar<E, D> {
    /// Per-row `(u_hat, w, b, w . u_hat)` for `rows` rows.
    #[allow(clippy::type_complexity)]
    fn parameters(
        &self,
        context: Option<&Var<E, D>>,
        rows: usize,
    ) -> Result<(Var<E, D>, Var<E, D>, Var<E, D>, Var<E, D>)> {
        let context = context
            .ok_or_else(|| Error::invalid_shape("ConditionalPlanar", "a context is required"))?;
        let u = context.matmul(&self.u_context)?.add(&self.u0)?;
        let w = context.matmul(&self.w_context)?.add(&self.w0)?;
        let b = context.matmul(&self.b_context)?.add(&self.b0)?;
        let d = u.columns();
        let (u, w, b) = (
            u.broadcast_to(rows, d)?,
            w.broadcast_to(rows, d)?,
            b.broadcast_to(rows, 1)?,
        );
        let wu = w.mul(&u)?.sum_columns();
        let m = wu.softplus().add_scalar(-1.0);
        let w_norm = w.square().sum_columns();
        let u_hat = u.add(&w.mul(&m.sub(&wu)?.div(&w_norm)?)?)?;
        let w_dot_u_hat = w.mul(&u_hat)?.sum_columns();
        Ok((u_hat, w, b, w_dot_u_hat))
    }
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundConditionalPlanar<E, D> {
    fn name(&self) -> &'static str {
        "ConditionalPlanar"
    }
    fn forward(
        &self,
        z: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let (u_hat, w, b, w_dot_u_hat) = self.parameters(context, z.rows())?;
        let h = z.mul(&w)?.sum_columns().add(&b)?.tanh();
        let y = z.add(&h.mul(&u_hat)?)?;
        let log_det = h
            .square()
            .rsub_scalar(1.0)
            .mul(&w_dot_u_hat)?
            .add_scalar(1.0)
            .abs()
            .ln();
        Ok((y, log_det))
    }
    fn inverse(
        &self,
        y: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let (u_hat, w, b, w_dot_u_hat) = self.parameters(context, y.rows())?;
        let target = y.mul(&w)?.sum_columns().to_f64_vec();
        let (c, offset) = (w_dot_u_hat.to_f64_vec(), b.to_f64_vec());
        let roots: Vec<E> = (0..y.rows())
            .map(|i| real(planar_root(target[i], c[i], offset[i])))
            .collect();
        let a = Var::from_vec(&y.device(), roots, y.rows(), 1)?;
        let z = y.sub(&a.add(&b)?.tanh().mul(&u_hat)?)?;
        let (_, forward_log_det) = self.forward(&z.detach(), context)?;
        Ok((z, -forward_log_det))
    }
}
