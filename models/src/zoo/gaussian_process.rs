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
pub fn poisson(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let n = d.count("N")?;
    let x = d.vector_of_length("x", n)?;
    Ok(Box::new(gp_poisson(
        &squared_distances(&x)?,
        &d.vector_of_length("k", n)?,
        1e-5,
    )))
}
