//! ActNorm (Kingma & Dhariwal 2018, Glow, arXiv:1807.03039).

use super::bijector::Bijector;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::Result;
use crate::flows::FlowLayer;
use crate::params::{Init, ParamStore};

/// A learnable elementwise affine map `x = z exp(log_scale) + loc` (sampling direction),
/// `log |det J| = sum log_scale`. Data-dependent initialisation
/// ([`FlowLayer::initialize_from_data`]) sets `loc` and `log_scale` to the mean and log standard
/// deviation of the data reaching the layer, so the density pass starts by standardising it.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::ActNorm;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// let layer = ActNorm::new("norm", 2);
/// // Column means (2, 12) and standard deviations (1, 2).
/// let data = Var::from_rows(&dev, &[[1.0, 10.0], [3.0, 14.0]])?;
/// layer.initialize_from_data(&mut store, &data)?;
/// let (z, log_det) = layer.bind(&store, None)?.inverse(&data, None)?;
/// assert!(z.to_vec().iter().zip([-1.0, -1.0, 1.0, 1.0]).all(|(a, b)| (a - b).abs() < 1e-9));
/// assert!((log_det.to_vec()[0] + 2f64.ln()).abs() < 1e-9); // -(ln 1 + ln 2)
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ActNorm {
    name: String,
    dimension: usize,
}

impl ActNorm {
    /// An ActNorm layer on `R^dimension` named `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::ActNorm;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// let layer = ActNorm::new("norm", 2);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// assert_eq!(store.values("norm.log_scale")?, vec![0.0, 0.0]);
    /// // Before data-dependent initialisation the layer is the identity.
    /// let x = Var::from_rows(&dev, &[[0.3, -1.5]])?;
    /// let (y, log_det) = layer.bind(&store, None)?.forward(&x, None)?;
    /// assert_eq!((y.to_vec(), log_det.to_vec()), (x.to_vec(), vec![0.0]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(name: &str, dimension: usize) -> Self {
        ActNorm {
            name: name.to_string(),
            dimension,
        }
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for ActNorm {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        store.get_or_init(
            &format!("{}.loc", self.name),
            1,
            self.dimension,
            &Init::Zeros,
            rng,
        )?;
        store.get_or_init(
            &format!("{}.log_scale", self.name),
            1,
            self.dimension,
            &Init::Zeros,
            rng,
        )
    }
    fn initialize_from_data(&self, store: &mut ParamStore<E, D>, x: &Var<E, D>) -> Result<()> {
        let n = x.rows() as f64;
        let values = x.to_f64_vec();
        let d = self.dimension;
        let mean: Vec<f64> = (0..d)
            .map(|j| (0..x.rows()).map(|i| values[i * d + j]).sum::<f64>() / n)
            .collect();
        let log_sd: Vec<f64> = (0..d)
            .map(|j| {
                let var = (0..x.rows())
                    .map(|i| (values[i * d + j] - mean[j]).powi(2))
                    .sum::<f64>()
                    / n;
                0.5 * var.max(1e-12).ln()
            })
            .collect();
        store.insert(&format!("{}.loc", self.name), 1, d, &mean)?;
        store.insert(&format!("{}.log_scale", self.name), 1, d, &log_sd)
    }
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        Ok(Box::new(BoundActNorm {
            loc: store.read(&format!("{}.loc", self.name), graph)?,
            log_scale: store.read(&format!("{}.log_scale", self.name), graph)?,
        }))
    }
}

/// An [`ActNorm`] layer with its parameters for one step.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::ActNorm;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// store.insert("norm.loc", 1, 2, &[1.0, 2.0])?;
/// store.insert("norm.log_scale", 1, 2, &[2f64.ln(), 0.0])?;
/// let bound = ActNorm::new("norm", 2).bind(&store, None)?;
/// // x = z exp(log_scale) + loc
/// let (x, log_det) = bound.forward(&Var::from_rows(&dev, &[[1.0, 1.0]])?, None)?;
/// assert!(x.to_vec().iter().zip([3.0, 3.0]).all(|(a, b)| (a - b).abs() < 1e-12));
/// assert!((log_det.to_vec()[0] - 2f64.ln()).abs() < 1e-12);
/// assert!((bound.inverse(&x, None)?.0.to_vec()[0] - 1.0).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub struct BoundActNorm<E: Real, D: Backend<E>> {
    loc: Var<E, D>,
    log_scale: Var<E, D>,
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundActNorm<E, D> {
    fn name(&self) -> &'static str {
        "ActNorm"
    }
    fn forward(&self, z: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let x = z.mul(&self.log_scale.exp())?.add(&self.loc)?;
        let log_det = self.log_scale.sum().broadcast_to(z.rows(), 1)?;
        Ok((x, log_det))
    }
    fn inverse(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let z = x.sub(&self.loc)?.mul(&(-&self.log_scale).exp())?;
        let log_det = (-self.log_scale.sum()).broadcast_to(x.rows(), 1)?;
        Ok((z, log_det))
    }
}
