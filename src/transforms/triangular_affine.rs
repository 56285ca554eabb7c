//! A learnable affine map with a lower-triangular matrix: the full-rank Gaussian as a flow.

use super::bijector::Bijector;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::Result;
use crate::flows::FlowLayer;
use crate::params::{Init, ParamStore};

/// `x = shift + L z` with `L` lower-triangular and `diag(L) = exp(log_diagonal)`, so
/// `log |det J| = sum log_diagonal`. On a standard normal base the flow is `N(shift, L L^T)`
/// and `L` is the Cholesky factor of its covariance, which makes the matrix identifiable (an
/// LU or dense linear layer fits `L L^T` only up to an orthogonal factor). Starts at the
/// identity. The inverse is one triangular solve.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::TriangularAffine;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let layer = TriangularAffine::new("tri", 2);
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// // shift = (1, -1), L = [[2, 0], [0.5, 1]]
/// store.insert("tri.shift", 1, 2, &[1.0, -1.0])?;
/// store.insert("tri.lower", 2, 2, &[0.0, 0.0, 0.5, 0.0])?;
/// store.insert("tri.log_diagonal", 1, 2, &[2f64.ln(), 0.0])?;
/// let (x, log_det) = layer.bind(&store, None)?.forward(&Var::from_rows(&dev, &[[1.0, 2.0]])?, None)?;
/// assert!(x.to_vec().iter().zip([3.0, 1.5]).all(|(a, b)| (a - b).abs() < 1e-12));
/// assert!((log_det.to_vec()[0] - 2f64.ln()).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TriangularAffine {
    name: String,
    dimension: usize,
}

impl TriangularAffine {
    /// A layer on `R^dimension` named `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::TriangularAffine;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let layer = TriangularAffine::new("tri", 2);
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// // It starts at the identity: N(0, I) on a standard normal base.
    /// let z = Var::from_rows(&dev, &[[0.5, -1.0]])?;
    /// let (x, log_det) = layer.bind(&store, None)?.forward(&z, None)?;
    /// assert_eq!((x.to_vec(), log_det.to_vec()), (z.to_vec(), vec![0.0]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(name: &str, dimension: usize) -> Self {
        TriangularAffine {
            name: name.to_string(),
            dimension,
        }
    }

    /// The fitted `(shift, L)`: `d` values and the `d x d` factor, row-major.
    ///
    /// # Errors
    /// Missing parameters.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::TriangularAffine;
    /// # fn main() -> flowppl::Result<()> {
    /// let layer = TriangularAffine::new("tri", 2);
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// store.insert("tri.shift", 1, 2, &[1.0, -1.0])?;
    /// store.insert("tri.lower", 2, 2, &[9.0, 9.0, 0.5, 9.0])?; // only the strict lower part counts
    /// store.insert("tri.log_diagonal", 1, 2, &[0.0, 0.0])?;
    /// let (shift, factor) = layer.shift_and_factor(&store)?;
    /// assert_eq!(shift, vec![1.0, -1.0]);
    /// assert_eq!(factor, vec![1.0, 0.0, 0.5, 1.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn shift_and_factor<E: Real, D: Backend<E>>(
        &self,
        store: &ParamStore<E, D>,
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        let host = |part: &str| -> Result<Vec<f64>> {
            Ok(store
                .values(&format!("{}.{part}", self.name))?
                .into_iter()
                .map(|v| v.to_f64())
                .collect())
        };
        let (shift, lower, log_diagonal) = (host("shift")?, host("lower")?, host("log_diagonal")?);
        let d = self.dimension;
        let factor = (0..d * d)
            .map(|k| {
                let (i, j) = (k / d, k % d);
                match i.cmp(&j) {
                    std::cmp::Ordering::Greater => lower[k],
                    std::cmp::Ordering::Equal => log_diagonal[i].exp(),
                    std::cmp::Ordering::Less => 0.0,
                }
            })
            .collect();
        Ok((shift, factor))
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for TriangularAffine {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        let d = self.dimension;
        store.get_or_init(&format!("{}.shift", self.name), 1, d, &Init::Zeros, rng)?;
        store.get_or_init(&format!("{}.lower", self.name), d, d, &Init::Zeros, rng)?;
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
        let eye = Var::identity(store.device(), self.dimension);
        let log_diagonal = store.read(&format!("{}.log_diagonal", self.name), graph)?;
        let factor = store
            .read(&format!("{}.lower", self.name), graph)?
            .lower_triangle(-1)
            .add(&eye.mul(&log_diagonal.exp())?)?;
        Ok(Box::new(BoundTriangularAffine {
            shift: store.read(&format!("{}.shift", self.name), graph)?,
            factor,
            log_diagonal,
        }))
    }
}

/// A [`TriangularAffine`] layer with its parameters for one step.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::TriangularAffine;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// let layer = TriangularAffine::new("tri", 2);
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// store.insert("tri.lower", 2, 2, &[0.0, 0.0, -0.8, 0.0])?;
/// store.insert("tri.log_diagonal", 1, 2, &[0.3, -0.4])?;
/// let bound = layer.bind(&store, None)?;
/// let z = Var::from_rows(&dev, &[[0.5, -1.0], [2.0, 0.1]])?;
/// let (x, log_det) = bound.forward(&z, None)?;
/// let (back, inverse_log_det) = bound.inverse(&x, None)?; // one triangular solve
/// assert!(back.to_vec().iter().zip(z.to_vec()).all(|(a, b)| (a - b).abs() < 1e-12));
/// assert!((log_det.to_vec()[0] + 0.1).abs() < 1e-12 && (inverse_log_det.to_vec()[1] - 0.1).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub struct BoundTriangularAffine<E: Real, D: Backend<E>> {
    shift: Var<E, D>,
    factor: Var<E, D>,
    log_diagonal: Var<E, D>,
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundTriangularAffine<E, D> {
    fn name(&self) -> &'static str {
        "TriangularAffine"
    }
    fn forward(&self, z: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        // Rows: x = z L^T + shift.
        let x = z.matmul(&self.factor.transpose())?.add(&self.shift)?;
        Ok((x, self.log_diagonal.sum().broadcast_to(z.rows(), 1)?))
    }
    fn inverse(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let z = self.factor.solve_lower_triangular(&x.sub(&self.shift)?)?;
        Ok((z, (-self.log_diagonal.sum()).broadcast_to(x.rows(), 1)?))
    }
}
