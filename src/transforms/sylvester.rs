//! Householder Sylvester flow (van den Berg et al. 2018, arXiv:1803.05649).

use super::bijector::Bijector;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::{Error, Result};
use crate::flows::FlowLayer;
use crate::params::{Init, ParamStore};

/// `f(z) = z + Q R tanh(R~ Q^T z + b)` with `Q` orthogonal, a product of `reflections`
/// Householder matrices `I - 2 v v^T / |v|^2`, and `R`, `R~` upper-triangular. The diagonals are
/// `tanh` of free parameters, so `R_ii R~_ii > -1` and the map is invertible (tanh' <= 1).
/// By Sylvester's determinant identity
/// `log |det J| = sum_i ln |1 + R_ii R~_ii tanh'((R~ Q^T z + b)_i)|`.
/// No closed-form inverse.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// # use flowppl::flows::FlowLayer;
/// # use flowppl::params::ParamStore;
/// use flowppl::testing::{log_abs_det, numerical_jacobian};
/// use flowppl::transforms::Sylvester;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let layer = Sylvester::new("syl", 3, 2)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// let f = |z: &[f64]| -> Vec<f64> {
///     let z = Var::from_vec(&dev, z.to_vec(), 1, 3).unwrap();
///     bound.forward(&z, None).unwrap().0.to_vec()
/// };
/// let (_, log_det) = bound.forward(&Var::from_rows(&dev, &[[0.4, -0.7, 1.2]])?, None)?;
/// let numerical = log_abs_det(numerical_jacobian(&[0.4, -0.7, 1.2], 1e-6, f), 3);
/// assert!((log_det.to_vec()[0] - numerical).abs() < 1e-6);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Sylvester {
    name: String,
    dimension: usize,
    reflections: usize,
}

impl Sylvester {
    /// A Householder Sylvester layer on `R^dimension` with `reflections` reflections.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for zero reflections.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::transforms::Sylvester;
    /// assert!(Sylvester::new("syl", 4, 2).is_ok());
    /// assert!(Sylvester::new("syl", 4, 0).is_err()); // needs a reflection
    /// assert!(Sylvester::new("syl", 0, 1).is_err());
    /// ```
    pub fn new(name: &str, dimension: usize, reflections: usize) -> Result<Self> {
        if reflections == 0 || dimension == 0 {
            return Err(Error::InvalidConfig {
                what: format!("Sylvester `{name}`"),
                message: "needs at least one reflection and one dimension".into(),
            });
        }
        Ok(Sylvester {
            name: name.to_string(),
            dimension,
            reflections,
        })
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for Sylvester {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        let d = self.dimension;
        let small = Init::Uniform {
            low: -0.1,
            high: 0.1,
        };
        store.get_or_init(
            &format!("{}.householder", self.name),
            self.reflections,
            d,
            &Init::Normal { std: 1.0 },
            rng,
        )?;
        store.get_or_init(&format!("{}.r1", self.name), d, d, &small, rng)?;
        store.get_or_init(&format!("{}.r2", self.name), d, d, &small, rng)?;
        store.get_or_init(&format!("{}.r1_diagonal", self.name), 1, d, &small, rng)?;
        store.get_or_init(&format!("{}.r2_diagonal", self.name), 1, d, &small, rng)?;
        store.get_or_init(&format!("{}.b", self.name), 1, d, &Init::Zeros, rng)
    }
    fn initialize_near_identity(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        let fresh = !store.contains(&format!("{}.r1", self.name));
        FlowLayer::<E, D>::initialize(self, store, rng)?;
        if fresh {
            // f(z) = z + Q R h(...): R near zero puts the layer near the identity.
            for part in ["r1", "r1_diagonal"] {
                let name = format!("{}.{part}", self.name);
                let (rows, columns) = store.shape(&name)?;
                let values: Vec<f64> = store
                    .values(&name)?
                    .into_iter()
                    .map(|v| 0.01 * v.to_f64())
                    .collect();
                store.insert(&name, rows, columns, &values)?;
            }
        }
        Ok(())
    }
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        let d = self.dimension;
        let get = |n: &str| store.read(&format!("{}.{n}", self.name), graph);
        let eye = Var::identity(store.device(), d);
        let vectors = get("householder")?;
        let mut q = eye.clone();
        for k in 0..self.reflections {
            let v = vectors.slice_rows(k, k + 1)?;
            let outer = v.transpose().matmul(&v)?.div(&v.square().sum())?;
            q = q.matmul(&eye.sub(&(outer * 2.0))?)?;
        }
        let d1 = get("r1_diagonal")?.tanh();
        let d2 = get("r2_diagonal")?.tanh();
        let r1 = get("r1")?.upper_triangle(1).add(&eye.mul(&d1)?)?;
        let r2 = get("r2")?.upper_triangle(1).add(&eye.mul(&d2)?)?;
        Ok(Box::new(BoundSylvester {
            // Row form: pre = z Q R~^T + b, out = z + tanh(pre) R^T Q^T.
            into: q.matmul(&r2.transpose())?,
            out_of: r1.transpose().matmul(&q.transpose())?,
            diagonal_product: d1.mul(&d2)?,
            b: get("b")?,
        }))
    }
}

/// A [`Sylvester`] layer with its parameters for one step.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::Sylvester;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// let layer = Sylvester::new("syl", 2, 1)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// // b starts at 0, so z = 0 is fixed and log |det J| = sum ln(1 + tanh(r1_ii) tanh(r2_ii)).
/// let (x, log_det) = bound.forward(&Var::zeros(&dev, 1, 2), None)?;
/// assert_eq!(x.to_vec(), vec![0.0, 0.0]);
/// let (d1, d2) = (store.values("syl.r1_diagonal")?, store.values("syl.r2_diagonal")?);
/// let expected: f64 = (0..2).map(|i| (1.0 + d1[i].tanh() * d2[i].tanh()).ln()).sum();
/// assert!((log_det.to_vec()[0] - expected).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub struct BoundSylvester<E: Real, D: Backend<E>> {
    into: Var<E, D>,
    out_of: Var<E, D>,
    diagonal_product: Var<E, D>,
    b: Var<E, D>,
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundSylvester<E, D> {
    fn name(&self) -> &'static str {
        "Sylvester"
    }
    fn forward(&self, z: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let pre = z.matmul(&self.into)?.add(&self.b)?;
        let h = pre.tanh();
        let y = z.add(&h.matmul(&self.out_of)?)?;
        let slope = h.square().rsub_scalar(1.0);
        let log_det = slope
            .mul(&self.diagonal_product)?
            .add_scalar(1.0)
            .abs()
            .ln()
            .sum_columns();
        Ok((y, log_det))
    }
    fn has_inverse(&self) -> bool {
        false
    }
}
