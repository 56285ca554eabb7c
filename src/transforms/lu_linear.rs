//! An invertible linear map in LU form (Kingma & Dhariwal 2018, Glow, arXiv:1807.03039).

use super::bijector::Bijector;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::Result;
use crate::flows::FlowLayer;
use crate::params::{Init, ParamStore};

/// `x = z W^T` with `W = L U`: `L` unit lower-triangular, `U` upper-triangular with diagonal
/// `exp(log_diagonal)`, so `W` is always invertible and `log |det J| = sum log_diagonal`.
/// The inverse solves the two triangular systems. Starts at the identity.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// # use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::LuLinear;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let layer = LuLinear::new("lu", 2);
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// // L = [[1, 0], [0.5, 1]], U = [[1, 2], [0, 3]], so W = L U = [[1, 2], [0.5, 4]].
/// store.insert("lu.lower", 2, 2, &[0.0, 0.0, 0.5, 0.0])?;
/// store.insert("lu.upper", 2, 2, &[0.0, 2.0, 0.0, 0.0])?;
/// store.insert("lu.log_diagonal", 1, 2, &[0.0, 3f64.ln()])?;
/// let z = Var::from_rows(&dev, &[[1.0, 1.0]])?;
/// let (x, log_det) = layer.bind(&store, None)?.forward(&z, None)?;
/// assert!(x.to_vec().iter().zip([3.0, 4.5]).all(|(a, b)| (a - b).abs() < 1e-12));
/// assert!((log_det.to_vec()[0] - 3f64.ln()).abs() < 1e-12); // ln det W
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct LuLinear {
    name: String,
    dimension: usize,
}

impl LuLinear {
    /// An LU-linear layer on `R^dimension` named `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::LuLinear;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let layer = LuLinear::new("lu", 3);
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// // It starts at the identity.
    /// let z = Var::from_rows(&dev, &[[0.5, -1.0, 2.0]])?;
    /// let (x, log_det) = layer.bind(&store, None)?.forward(&z, None)?;
    /// assert_eq!((x.to_vec(), log_det.to_vec()), (z.to_vec(), vec![0.0]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(name: &str, dimension: usize) -> Self {
        LuLinear {
            name: name.to_string(),
            dimension,
        }
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for LuLinear {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        let d = self.dimension;
        store.get_or_init(&format!("{}.lower", self.name), d, d, &Init::Zeros, rng)?;
        store.get_or_init(&format!("{}.upper", self.name), d, d, &Init::Zeros, rng)?;
        store.get_or_init(
            &format!("{}.log_diagonal", self.name),
            1,
            d,
            &Init::Zeros,
            rng,
        )
    }
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        let d = self.dimension;
        let eye = Var::identity(store.device(), d);
        let lower = store
            .read(&format!("{}.lower", self.name), graph)?
            .lower_triangle(-1)
            .add(&eye)?;
        let log_diagonal = store.read(&format!("{}.log_diagonal", self.name), graph)?;
        let diagonal = eye.mul(&log_diagonal.exp())?;
        let upper = store
            .read(&format!("{}.upper", self.name), graph)?
            .upper_triangle(1)
            .add(&diagonal)?;
        Ok(Box::new(BoundLuLinear {
            lower,
            upper,
            log_diagonal,
        }))
    }
}

/// An [`LuLinear`] layer with its parameters for one step.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// # use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::LuLinear;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// let layer = LuLinear::new("lu", 3);
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// store.insert("lu.lower", 3, 3, &[0.0, 0.0, 0.0, 0.3, 0.0, 0.0, -0.7, 1.1, 0.0])?;
/// store.insert("lu.upper", 3, 3, &[0.0, 0.4, -0.2, 0.0, 0.0, 0.9, 0.0, 0.0, 0.0])?;
/// store.insert("lu.log_diagonal", 1, 3, &[0.1, -0.5, 0.3])?;
/// let bound = layer.bind(&store, None)?;
/// let z = Var::from_rows(&dev, &[[0.5, -1.0, 2.0]])?;
/// let (x, log_det) = bound.forward(&z, None)?;
/// assert!((log_det.to_vec()[0] - (-0.1)).abs() < 1e-12); // sum of log_diagonal
/// let (back, _) = bound.inverse(&x, None)?; // two triangular solves
/// assert!(back.to_vec().iter().zip(z.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
/// # Ok(())
/// # }
/// ```
pub struct BoundLuLinear<E: Real, D: Backend<E>> {
    lower: Var<E, D>,
    upper: Var<E, D>,
    log_diagonal: Var<E, D>,
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundLuLinear<E, D> {
    fn name(&self) -> &'static str {
        "LuLinear"
    }
    fn forward(&self, z: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        // Rows: x = z (L U)^T = z U^T L^T.
        let x = z
            .matmul(&self.upper.transpose())?
            .matmul(&self.lower.transpose())?;
        Ok((x, self.log_diagonal.sum().broadcast_to(z.rows(), 1)?))
    }
    fn inverse(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        // Solve L a = x, then U z = a; an upper system is a lower one with the order reversed.
        let a = self.lower.solve_lower_triangular(x)?;
        let d = x.columns();
        let reversed: Vec<usize> = (0..d).rev().collect();
        let flipped = self
            .upper
            .gather_rows(&reversed)?
            .gather_columns(&reversed)?;
        let z = flipped
            .solve_lower_triangular(&a.gather_columns(&reversed)?)?
            .gather_columns(&reversed)?;
        Ok((z, (-self.log_diagonal.sum()).broadcast_to(x.rows(), 1)?))
    }
}
