//! Radial flow (Rezende & Mohamed 2015, arXiv:1505.05770).

use super::bijector::Bijector;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::Result;
use crate::flows::FlowLayer;
use crate::params::{Init, ParamStore};

/// `f(z) = z + beta h(r) (z - z0)`, `r = |z - z0|`, `h = 1 / (alpha + r)`, with
/// `alpha = softplus(alpha_raw) > 0` and `beta = -alpha + softplus(beta_raw) >= -alpha`, which
/// keeps the map invertible. `log |det J| = (d - 1) ln(1 + beta h) + ln(1 + beta h - beta h^2 r)`.
/// No closed-form inverse.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// # use flowppl::flows::FlowLayer;
/// # use flowppl::params::ParamStore;
/// use flowppl::testing::{log_abs_det, numerical_jacobian};
/// use flowppl::transforms::Radial;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let layer = Radial::new("radial", 2);
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// let f = |z: &[f64]| -> Vec<f64> {
///     let z = Var::from_vec(&dev, z.to_vec(), 1, 2).unwrap();
///     bound.forward(&z, None).unwrap().0.to_vec()
/// };
/// let (_, log_det) = bound.forward(&Var::from_rows(&dev, &[[0.4, -0.7]])?, None)?;
/// let numerical = log_abs_det(numerical_jacobian(&[0.4, -0.7], 1e-6, f), 2);
/// assert!((log_det.to_vec()[0] - numerical).abs() < 1e-6);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Radial {
    name: String,
    dimension: usize,
}

impl Radial {
    /// A radial layer on `R^dimension` named `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::error::Error;
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::Radial;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let layer = Radial::new("radial", 3);
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// let bound = layer.bind(&store, None)?;
    /// let (x, log_det) = bound.forward(&Var::zeros(&dev, 4, 3), None)?;
    /// assert_eq!((x.shape(), log_det.shape()), ((4, 3), (4, 1)));
    /// assert!(matches!(bound.inverse(&x, None), Err(Error::NoAnalyticInverse { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(name: &str, dimension: usize) -> Self {
        Radial {
            name: name.to_string(),
            dimension,
        }
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for Radial {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        let bound = 1.0 / (self.dimension as f64).sqrt();
        store.get_or_init(
            &format!("{}.z0", self.name),
            1,
            self.dimension,
            &Init::Uniform {
                low: -bound,
                high: bound,
            },
            rng,
        )?;
        store.get_or_init(
            &format!("{}.alpha_raw", self.name),
            1,
            1,
            &Init::Uniform {
                low: -bound,
                high: bound,
            },
            rng,
        )?;
        store.get_or_init(
            &format!("{}.beta_raw", self.name),
            1,
            1,
            &Init::Uniform {
                low: -bound,
                high: bound,
            },
            rng,
        )
    }
    fn initialize_near_identity(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        let name = format!("{}.beta_raw", self.name);
        let fresh = !store.contains(&name);
        FlowLayer::<E, D>::initialize(self, store, rng)?;
        if fresh {
            // beta = -alpha + softplus(beta_raw) = 0: beta_raw = softplus^-1(alpha).
            let alpha_raw = store.values(&format!("{}.alpha_raw", self.name))?[0].to_f64();
            let alpha = alpha_raw.exp().ln_1p();
            store.insert(&name, 1, 1, &[alpha.exp_m1().ln()])?;
        }
        Ok(())
    }
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        let z0 = store.read(&format!("{}.z0", self.name), graph)?;
        let alpha = store
            .read(&format!("{}.alpha_raw", self.name), graph)?
            .softplus();
        let beta = store
            .read(&format!("{}.beta_raw", self.name), graph)?
            .softplus()
            .sub(&alpha)?;
        Ok(Box::new(BoundRadial { z0, alpha, beta }))
    }
}

/// A [`Radial`] layer with its parameters for one step.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::Radial;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// let layer = Radial::new("radial", 2);
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// // The centre z0 is a fixed point of f(z) = z + beta h(r) (z - z0).
/// let centre = Var::from_vec(&dev, store.values("radial.z0")?, 1, 2)?;
/// let (x, _) = bound.forward(&centre, None)?;
/// assert!(x.to_vec().iter().zip(centre.to_vec()).all(|(a, b)| (a - b).abs() < 1e-12));
/// assert!(!bound.has_inverse());
/// # Ok(())
/// # }
/// ```
pub struct BoundRadial<E: Real, D: Backend<E>> {
    z0: Var<E, D>,
    alpha: Var<E, D>,
    beta: Var<E, D>,
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundRadial<E, D> {
    fn name(&self) -> &'static str {
        "Radial"
    }
    fn forward(&self, z: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        radial_forward(z, &self.z0, &self.alpha, &self.beta)
    }
    fn has_inverse(&self) -> bool {
        false
    }
}

/// The radial map and its log-determinant for a centre `z0` (`(1, d)` or one per row), and
/// `alpha > 0`, `beta >= -alpha` (`(1, 1)` or one per row).
pub(super) fn radial_forward<E: Real, D: Backend<E>>(
    z: &Var<E, D>,
    z0: &Var<E, D>,
    alpha: &Var<E, D>,
    beta: &Var<E, D>,
) -> Result<(Var<E, D>, Var<E, D>)> {
    let d = z.columns() as f64;
    let offset = z.sub(z0)?;
    let r = offset.square().sum_columns().sqrt();
    let h = r.add(alpha)?.recip();
    let beta_h = h.mul(beta)?;
    let y = z.add(&offset.mul(&beta_h)?)?;
    let first = beta_h.add_scalar(1.0).ln() * (d - 1.0);
    let second = beta_h.sub(&beta_h.mul(&h)?.mul(&r)?)?.add_scalar(1.0).ln();
    Ok((y, first.add(&second)?))
}
