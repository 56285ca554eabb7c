//! Planar flow (Rezende & Mohamed 2015, arXiv:1505.05770).

use super::bijector::Bijector;
use super::planar_kernel::{planar_forward, planar_fused, planar_parameters};
use crate::backend::{real, Backend, Graph, Real, Rng, Var};
use crate::error::{Error, Result};
use crate::flows::FlowLayer;
use crate::params::{Init, ParamStore};

/// `f(z) = z + u_hat tanh(w . z + b)`, with `u_hat = u + (m(w . u) - w . u) w / |w|^2`,
/// `m(a) = -1 + softplus(a)`, which guarantees `w . u_hat >= -1` and so invertibility.
/// `log |det J| = ln |1 + (1 - tanh^2(w . z + b)) w . u_hat|`.
///
/// The inverse has no closed form: `inverse` solves the scalar equation
/// `a + (w . u_hat) tanh(a + b) = w . y` for `a = w . z` by bisection (the left side is
/// increasing in `a`), then `z = y - u_hat tanh(a + b)`. Pyro's planar flow has no inverse.
/// Gradients through the inverse treat the root as a constant.
///
/// Initialisation as Pyro: `u`, `w` uniform in `(-1/sqrt(2), 1/sqrt(2))`, `b = 0`.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::Planar;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let layer = Planar::new("planar", 2);
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// let z = Var::from_rows(&dev, &[[0.3, -1.2], [2.0, 0.5]])?;
/// let (x, log_det) = bound.forward(&z, None)?;
/// // The inverse solves for w . z by bisection.
/// let (back, inverse_log_det) = bound.inverse(&x, None)?;
/// assert!(back.to_vec().iter().zip(z.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
/// assert!(log_det.add(&inverse_log_det)?.to_vec().iter().all(|v| v.abs() < 1e-9));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Planar {
    name: String,
    dimension: usize,
}

impl Planar {
    /// A planar layer on `R^dimension` named `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// # use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::testing::{log_abs_det, numerical_jacobian};
    /// use flowppl::transforms::Planar;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let layer = Planar::new("planar", 2);
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(1))?;
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
    pub fn new(name: &str, dimension: usize) -> Self {
        Planar {
            name: name.to_string(),
            dimension,
        }
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for Planar {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        let bound = std::f64::consts::FRAC_1_SQRT_2;
        let uniform = Init::Uniform {
            low: -bound,
            high: bound,
        };
        store.get_or_init(
            &format!("{}.u", self.name),
            1,
            self.dimension,
            &uniform,
            rng,
        )?;
        store.get_or_init(
            &format!("{}.w", self.name),
            1,
            self.dimension,
            &uniform,
            rng,
        )?;
        store.get_or_init(&format!("{}.b", self.name), 1, 1, &Init::Zeros, rng)
    }
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        let u = store.read(&format!("{}.u", self.name), graph)?;
        let w = store.read(&format!("{}.w", self.name), graph)?;
        let b = store.read(&format!("{}.b", self.name), graph)?;
        if planar_fused::<E, D>() {
            let (u_hat, w_dot_u_hat) = planar_parameters(&u, &w)?;
            return Ok(Box::new(BoundPlanar {
                u_hat,
                w,
                b,
                w_dot_u_hat,
            }));
        }
        let wu = w.mul(&u)?.sum();
        let m = wu.softplus().add_scalar(-1.0);
        let w_norm = w.square().sum();
        let u_hat = u.add(&w.mul(&m.sub(&wu)?.div(&w_norm)?)?)?;
        let w_dot_u_hat = w.mul(&u_hat)?.sum();
        Ok(Box::new(BoundPlanar {
            u_hat,
            w,
            b,
            w_dot_u_hat,
        }))
    }
}

/// The `a` with `a + c tanh(a + b) = target`, by bisection: for `c >= -1` the left side is
/// increasing in `a`, and `|c tanh| <= |c|` brackets the root.
pub(crate) fn planar_root(target: f64, c: f64, b: f64) -> f64 {
    let (mut low, mut high) = (target - c.abs() - 1.0, target + c.abs() + 1.0);
    for _ in 0..200 {
        let mid = 0.5 * (low + high);
        if mid + c * (mid + b).tanh() < target {
            low = mid;
        } else {
            high = mid;
        }
    }
    0.5 * (low + high)
}

/// A [`Planar`] layer with its parameters for one step.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::Planar;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// // u = w = (1, 0), b = 0: u_hat = (c, 0) with c = m(w . u) = softplus(1) - 1, so
/// // f(z) = (z_1 + c tanh z_1, z_2) and log |det J| = ln(1 + c (1 - tanh^2 z_1)).
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// store.insert("p.u", 1, 2, &[1.0, 0.0])?;
/// store.insert("p.w", 1, 2, &[1.0, 0.0])?;
/// store.insert("p.b", 1, 1, &[0.0])?;
/// let bound = Planar::new("p", 2).bind(&store, None)?;
/// let (x, log_det) = bound.forward(&Var::from_rows(&dev, &[[0.5, 3.0]])?, None)?;
/// let (c, t) = (1f64.exp().ln_1p() - 1.0, 0.5f64.tanh());
/// assert!(x.to_vec().iter().zip([0.5 + c * t, 3.0]).all(|(a, b)| (a - b).abs() < 1e-12));
/// assert!((log_det.to_vec()[0] - (1.0 + c * (1.0 - t * t)).ln()).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub struct BoundPlanar<E: Real, D: Backend<E>> {
    u_hat: Var<E, D>,
    w: Var<E, D>,
    b: Var<E, D>,
    w_dot_u_hat: Var<E, D>,
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundPlanar<E, D> {
    fn name(&self) -> &'static str {
        "Planar"
    }
    fn forward(&self, z: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        if planar_fused::<E, D>() {
            return planar_forward(z, &self.u_hat, &self.w, &self.b, &self.w_dot_u_hat);
        }
        let activation = z.dot(&self.w)?.transpose().add(&self.b)?; // (n, 1)
        let h = activation.tanh();
        let y = z.add(&h.mul(&self.u_hat)?)?;
        let slope = h.square().rsub_scalar(1.0);
        let log_det = slope.mul(&self.w_dot_u_hat)?.add_scalar(1.0).abs().ln();
        Ok((y, log_det))
    }
    fn inverse(
        &self,
        y: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let target = y.dot(&self.w)?.transpose().to_f64_vec();
        let c = self.w_dot_u_hat.item()?.to_f64();
        let b = self.b.item()?.to_f64();
        if c < -1.0 - 1e-6 {
            return Err(Error::Numerical {
                operation: "Planar::inverse",
                message: format!("w . u_hat = {c} < -1: the layer is not invertible"),
            });
        }
        let roots: Vec<E> = target.iter().map(|&t| real(planar_root(t, c, b))).collect();
        let a = Var::from_vec(&y.device(), roots, y.rows(), 1)?;
        let h = a.add(&self.b)?.tanh();
        let z = y.sub(&h.mul(&self.u_hat)?)?;
        let (_, forward_log_det) = self.forward(&z.detach(), context)?;
        Ok((z, -forward_log_det))
    }
}
