//! Gaussian-process models of posteriordb (exponentiated-quadratic kernel).

use crate::stan_data::StanData;
use flowppl::prelude::*;

/// Squared distances `(x_i - x_j)^2` as an `(n, n)` data matrix.
fn squared_distances(x: &[f64]) -> Result<DataMatrix> {
    let n = x.len();
    DataMatrix::new(
        n,
        n,
        (0..n * n).map(|k| (x[k / n] - x[k % n]).powi(2)).collect(),
    )
}

/// `alpha^2 exp(-d2 / (2 rho^2)) + jitter I` for one particle (`alpha`, `rho` are `(1, 1)`).
fn kernel<E: Real, D: Backend<E>>(
    d2: &Var<E, D>,
    alpha: &Var<E, D>,
    rho: &Var<E, D>,
    jitter: &Var<E, D>,
) -> Result<Var<E, D>> {
    let scaled = d2.mul(&(rho.square() * -2.0).recip())?.exp();
    let identity = Var::identity(&d2.device(), d2.rows());
    scaled.mul(&alpha.square())?.add(&identity.mul(jitter)?)
}

model! {
    /// GP regression: `y ~ MVN(0, K(alpha, rho) + sigma I)` (posteriordb adds `sigma`, not
    /// `sigma^2`, to the diagonal; copied exactly), `rho ~ Gamma(25, 4)`,
    /// `alpha ~ HalfNormal(2)`, `sigma ~ HalfNormal(1)`. A relative jitter `1e-5 alpha^2` on the
    /// diagonal keeps the `f32` factorisation positive definite when `sigma` is tiny.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::gaussian_process::gp_regression;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let one = |v: f64| Var::<f64, Cpu>::scalar(&device, v);
    /// let at = values([("rho", one(1.0)), ("alpha", one(1.0)), ("sigma", one(0.5))]);
    /// // Two points at distance 1 (squared distances as data), both y = 0.
    /// let d2 = DataMatrix::new(2, 2, vec![0.0, 1.0, 1.0, 0.0])?;
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let model = substitute(gp_regression(&d2, &[0.0, 0.0]), at);
    /// let t = trace(&model, &mut Ctx::new(&device, &mut rng))?;
    /// // K = [[1.5 + 1e-5, e^-1/2], [e^-1/2, 1.5 + 1e-5]]; at y = 0 only ln det K counts.
    /// let det = (1.5f64 + 1e-5).powi(2) - (-1.0f64).exp();
    /// let y = t.get("y").unwrap().log_density()?.unwrap().item()?;
    /// assert!((y + std::f64::consts::TAU.ln() + 0.5 * det.ln()).abs() < 1e-9);
    /// # Ok(())
    /// # }
    /// ```
    pub fn gp_regression(distances: &DataMatrix, y: &[f64]) {
        let rho = sample!("rho", Gamma::new(25.0, 4.0));
        let alpha = sample!("alpha", HalfNormal::new(2.0));
        let sigma = sample!("sigma", HalfNormal::new(1.0));
        let n = y.columns();
        let zero = Var::zeros(&y.device(), 1, n);
        // One covariance per particle: factorise each.
        let mut terms = Vec::with_capacity(rho.rows());
        for s in 0..rho.rows() {
            let pick = |v: &Var<_, _>| v.slice_rows(s, s + 1);
            let amplitude = pick(&alpha)?;
            let diagonal = pick(&sigma)? + amplitude.square() * 1e-5;
            let covariance = kernel(&distances, &amplitude, &pick(&rho)?, &diagonal)?;
            terms.push(MultivariateNormal::from_covariance(&zero, &covariance)?.log_prob_unchecked(&y)?);
        }
        let all: Vec<&Var<_, _>> = terms.iter().collect();
        factor!("y", Var::concat_rows(&all)?);
    }
}

model! {
    /// Latent GP with a Poisson-log likelihood: `f = L(alpha, rho) f_tilde`,
    /// `k ~ Poisson(exp(f))`, `f_tilde ~ N(0, 1)`, `rho ~ Gamma(25, 4)`, `alpha ~ HalfNormal(2)`.
    /// The kernel's diagonal gets `jitter * alpha^2`: Stan's absolute `1e-10` is below `f32`
    /// resolution, so the zoo uses a relative `1e-5` (pass `1e-10` with `f64` for Stan's model).
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::gaussian_process::gp_poisson;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let row = |v: &[f64]| Var::<f64, Cpu>::from_vec(&device, v.to_vec(), 1, v.len());
    /// let at = values([("rho", row(&[1.0])?), ("alpha", row(&[2.0])?), ("f_tilde", row(&[1.0, 0.0])?)]);
    /// let d2 = DataMatrix::new(2, 2, vec![0.0, 1.0, 1.0, 0.0])?;
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let model = substitute(gp_poisson(&d2, &[1.0, 2.0], 0.0), at);
    /// let t = trace(&model, &mut Ctx::new(&device, &mut rng))?;
    /// // L L^T = 4 [[1, c], [c, 1]] with c = e^-1/2: f = L (1, 0) is L's first column, (2, 2c).
    /// let f = t.value("f").unwrap().to_vec();
    /// assert!((f[0] - 2.0).abs() < 1e-12 && (f[1] - 2.0 * (-0.5f64).exp()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn gp_poisson(distances: &DataMatrix, k: &[f64], jitter: f64) {
        let rho = sample!("rho", Gamma::new(25.0, 4.0));
        let alpha = sample!("alpha", HalfNormal::new(2.0));
        let points = plate!("point", k.columns());
        let f_tilde = sample!("f_tilde", Normal::new(0.0, 1.0), plate = points);
        let mut rows = Vec::with_capacity(rho.rows());
        for s in 0..rho.rows() {
            let pick = |v: &Var<_, _>| v.slice_rows(s, s + 1);
            let amplitude = pick(&alpha)?;
            let covariance = kernel(&distances, &amplitude, &pick(&rho)?, &(amplitude.square() * jitter))?;
            let factor = covariance.cholesky()?;
            rows.push(pick(&f_tilde)?.matmul(&factor.transpose())?);
        }
        let all: Vec<&Var<_, _>> = rows.iter().collect();
        let f = Var::concat_rows(&all)?;
        deterministic!("f", f);
        observe!("k", Poisson::new(f), k, plate = points);
    }
}

/// GP regression on Stan data `N, x, y`.
///
/// # Errors
/// Data errors naming the field.
///
/// # Examples
/// ```
/// use flowppl::handlers::{substitute, trace, values};
/// use flowppl::prelude::*;
/// use flowppl_models::{stan_data::StanData, zoo::gaussian_process::regression};
/// # fn main() -> flowppl::Result<()> {
/// let data = StanData::parse("d.json", r#"{"N": 2, "x": [3, 4], "y": [0, 0]}"#)?;
/// let device = Cpu::default();
/// let one = |v: f64| Var::<f32, Cpu>::scalar(&device, v);
/// let at = values([("rho", one(1.0)), ("alpha", one(1.0)), ("sigma", one(0.5))]);
/// # let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&substitute(regression(&data)?, at), &mut Ctx::new(&device, &mut rng))?;
/// // The points are 1 apart: K = [[1.5, e^-1/2], [e^-1/2, 1.5]] (plus jitter).
/// let det = 1.5f32.powi(2) - (-1.0f32).exp();
/// let y = t.get("y").unwrap().log_density()?.unwrap().item()?;
/// assert!((y + std::f32::consts::TAU.ln() + 0.5 * det.ln()).abs() < 1e-4);
/// # Ok(())
/// # }
/// ```
pub fn regression(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let n = d.count("N")?;
    let x = d.vector_of_length("x", n)?;
    Ok(Box::new(gp_regression(
        &squared_distances(&x)?,
        &d.vector_of_length("y", n)?,
    )))
}

/// Latent Poisson GP on Stan data `N, x, k`.
///
/// # Errors
/// Data errors naming the field.
///
/// # Examples
/// ```
/// use flowppl::handlers::{substitute, trace, values};
/// use flowppl::prelude::*;
/// use flowppl_models::{stan_data::StanData, zoo::gaussian_process::poisson};
/// # fn main() -> flowppl::Result<()> {
/// let data = StanData::parse("d.json", r#"{"N": 2, "x": [3, 4], "k": [1, 2]}"#)?;
/// let device = Cpu::default();
/// let row = |v: &[f32]| Var::<f32, Cpu>::from_vec(&device, v.to_vec(), 1, v.len());
/// let at = values([("rho", row(&[1.0])?), ("alpha", row(&[2.0])?), ("f_tilde", row(&[1.0, 0.0])?)]);
/// # let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&substitute(poisson(&data)?, at), &mut Ctx::new(&device, &mut rng))?;
/// // As for `gp_poisson`: f is the first column of L, (2, 2 e^-1/2) up to the 1e-5 jitter.
/// let f = t.value("f").unwrap().to_vec();
/// assert!((f[0] - 2.0).abs() < 1e-4 && (f[1] - 2.0 * (-0.5f32).exp()).abs() < 1e-4);
/// let bad = StanData::parse("d.json", r#"{"N": 2, "x": [3], "k": [1, 2]}"#)?;
/// assert!(poisson(&bad).is_err());
/// # Ok(())
/// # }
/// ```
pub fn poisson(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let n = d.count("N")?;
    let x = d.vector_of_length("x", n)?;
    Ok(Box::new(gp_poisson(
        &squared_distances(&x)?,
        &d.vector_of_length("k", n)?,
        1e-5,
    )))
}
