//! Time-series models of posteriordb: AR(K), ARMA(1,1) and GARCH(1,1).

use crate::stan_data::StanData;
use flowppl::prelude::*;

model! {
    /// AR(K): `y_t ~ Normal(alpha + sum_k beta_k y_(t-k), sigma)` for `t > K`, with the lagged
    /// values given as the rows of `lags` (`(T - K, K)`) and the targets as `targets`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::time_series::ar;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let row = |v: &[f64]| Var::<f64, Cpu>::from_vec(&device, v.to_vec(), 1, v.len());
    /// let at = values([("alpha", row(&[0.5])?), ("beta", row(&[1.0, -0.5])?), ("sigma", row(&[2.0])?)]);
    /// // One target, 0.5, after y_(t-1) = 1 and y_(t-2) = 2: the mean 0.5 + 1 - 1 hits it.
    /// let lags = DataMatrix::from_rows(&[vec![1.0, 2.0]])?;
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let t = trace(&substitute(ar(&lags, &[0.5]), at), &mut Ctx::new(&device, &mut rng))?;
    /// let y = t.get("y").unwrap().log_density()?.unwrap().item()?;
    /// assert!((y + 2f64.ln() + 0.5 * std::f64::consts::TAU.ln()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn ar(lags: &DataMatrix, targets: &[f64]) {
        let alpha = sample!("alpha", Normal::new(0.0, 10.0));
        let order = plate!("lag", lags.columns());
        let beta = sample!("beta", Normal::new(0.0, 10.0), plate = order);
        let sigma = sample!("sigma", HalfCauchy::new(2.5));
        let data = plate!("time", targets.len());
        observe!("y", Normal::new(lags.dot(&beta)? + alpha, sigma), targets, plate = data);
    }
}

model! {
    /// ARMA(1,1): `nu_t = mu + phi y_(t-1) + theta err_(t-1)`, `err_t = y_t - nu_t`
    /// (`err_0 = 0`, `y_0 = mu`), `err ~ Normal(0, sigma)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::time_series::arma11;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let one = |v: f64| Var::<f64, Cpu>::scalar(&device, v);
    /// let at = values([("mu", one(0.0)), ("phi", one(0.5)), ("theta", one(0.5)), ("sigma", one(1.0))]);
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let t = trace(&substitute(arma11(&[1.0, 1.0]), at), &mut Ctx::new(&device, &mut rng))?;
    /// // err_1 = 1 - 0 - 0.5 mu = 1, err_2 = 1 - 0.5 * 1 - 0.5 * err_1 = 0.
    /// let err = t.get("err").unwrap().log_density()?.unwrap().item()?;
    /// assert!((err - (-0.5 - std::f64::consts::TAU.ln())).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn arma11(y: &[f64]) {
        let mu = sample!("mu", Normal::new(0.0, 10.0));
        let phi = sample!("phi", Normal::new(0.0, 2.0));
        let theta = sample!("theta", Normal::new(0.0, 2.0));
        let sigma = sample!("sigma", HalfCauchy::new(2.5));
        let length = y.columns();
        // The part of every residual that does not depend on the recursion, in one block:
        // a_t = y_t - mu - phi y_(t-1).
        let lagged = y.broadcast_to(mu.rows(), length)?.slice_columns(0, length - 1)?;
        let previous = Var::concat_columns(&[&mu, &lagged])?;
        let innovations = y - mu - phi * previous;
        let mut residual = innovations.slice_columns(0, 1)?;
        let mut residuals = vec![residual.clone()];
        for t in 1..length {
            residual = innovations.slice_columns(t, t + 1)? - theta * residual;
            residuals.push(residual.clone());
        }
        let all: Vec<&Var<_, _>> = residuals.iter().collect();
        factor!("err", Normal::new(0.0, &sigma)?.log_prob_unchecked(&Var::concat_columns(&all)?)?);
    }
}

model! {
    /// GARCH(1,1): `sigma_t^2 = alpha0 + alpha1 (y_(t-1) - mu)^2 + beta1 sigma_(t-1)^2`,
    /// `y_t ~ Normal(mu, sigma_t)`, flat priors with `beta1 < 1 - alpha1` (Stan's dependent
    /// bound, written as `beta1 = (1 - alpha1) u`, `u ~ U(0, 1)`, plus the log-Jacobian
    /// `ln(1 - alpha1)` that keeps the prior flat in `beta1`).
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::time_series::garch11;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let one = |v: f64| Var::<f64, Cpu>::scalar(&device, v);
    /// let sites = [("mu", 0.0), ("alpha0", 1.0), ("alpha1", 0.5), ("beta1_fraction", 0.5)];
    /// let at = values(sites.map(|(name, v)| (name, one(v))));
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let t = trace(&substitute(garch11(&[2.0, 0.0], 2.0), at), &mut Ctx::new(&device, &mut rng))?;
    /// // beta1 = 0.5 (1 - alpha1) = 0.25; sigma_2^2 = 1 + 0.5 * 2^2 + 0.25 * 2^2 = 4 = sigma_1^2.
    /// assert!((t.value("beta1").unwrap().item()? - 0.25).abs() < 1e-12);
    /// let y = t.get("y").unwrap().log_density()?.unwrap().item()?; // N(2; 0, 2) N(0; 0, 2)
    /// assert!((y - (-0.5 - 2.0 * 2f64.ln() - std::f64::consts::TAU.ln())).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn garch11(y: &[f64], sigma1: f64) {
        let mu = sample!("mu", ImproperUniform::new(Constraint::Real, 1, 1));
        let alpha0 = sample!("alpha0", ImproperUniform::new(Constraint::Positive, 1, 1));
        let alpha1 = sample!("alpha1", Uniform::new(0.0, 1.0));
        let fraction = sample!("beta1_fraction", Uniform::new(0.0, 1.0));
        let remaining = (-alpha1).log1p();
        let beta1 = fraction * remaining.exp();
        deterministic!("beta1", beta1);
        factor!("beta1_jacobian", remaining);
        let length = y.columns();
        let shocks = (y - mu).square();
        let mut variance = Var::full(&mu.device(), mu.rows(), 1, sigma1 * sigma1);
        let mut variances = vec![variance.clone()];
        for t in 1..length {
            variance = alpha0 + alpha1 * shocks.slice_columns(t - 1, t)? + beta1 * variance;
            variances.push(variance.clone());
        }
        let all: Vec<&Var<_, _>> = variances.iter().collect();
        let scale = Var::concat_columns(&all)?.sqrt();
        observe!("y", Normal::new(mu, scale), y);
    }
}

/// AR(K) on Stan data `K, T, y`.
///
/// # Errors
/// Data errors naming the field.
///
/// # Examples
/// ```
/// use flowppl::handlers::{substitute, trace, values};
/// use flowppl::prelude::*;
/// use flowppl_models::{stan_data::StanData, zoo::time_series::ar_model};
/// # fn main() -> flowppl::Result<()> {
/// let data = StanData::parse("d.json", r#"{"K": 1, "T": 3, "y": [1, 2, 3]}"#)?;
/// let device = Cpu::default();
/// let one = |v: f64| Var::<f32, Cpu>::scalar(&device, v);
/// let at = values([("alpha", one(1.0)), ("beta", one(1.0)), ("sigma", one(1.0))]);
/// # let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&substitute(ar_model(&data)?, at), &mut Ctx::new(&device, &mut rng))?;
/// // y_t = 1 + y_(t-1) predicts y_2 = 2 and y_3 = 3 exactly: two N(0; 0, 1) terms.
/// let y = t.get("y").unwrap().log_density()?.unwrap().item()?;
/// assert!((y + std::f32::consts::TAU.ln()).abs() < 1e-5);
/// assert!(ar_model(&StanData::parse("d.json", r#"{"K": 3, "T": 3, "y": [1, 2, 3]}"#)?).is_err());
/// # Ok(())
/// # }
/// ```
pub fn ar_model(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let k = d.count("K")?;
    let t = d.count("T")?;
    let y = d.vector_of_length("y", t)?;
    if k == 0 || t <= k {
        return Err(Error::Parse {
            path: "arK data".into(),
            message: format!("field `K`: need 0 < K < T, got K = {k}, T = {t}"),
        });
    }
    let rows: Vec<Vec<f64>> = (k..t)
        .map(|i| (1..=k).map(|lag| y[i - lag]).collect())
        .collect();
    Ok(Box::new(ar(&DataMatrix::from_rows(&rows)?, &y[k..])))
}

/// ARMA(1,1) on Stan data `T, y`.
///
/// # Errors
/// Data errors naming the field.
///
/// # Examples
/// ```
/// use flowppl::handlers::{substitute, trace, values};
/// use flowppl::prelude::*;
/// use flowppl_models::{stan_data::StanData, zoo::time_series::arma_model};
/// # fn main() -> flowppl::Result<()> {
/// let data = StanData::parse("d.json", r#"{"T": 2, "y": [1, 1]}"#)?;
/// let device = Cpu::default();
/// let one = |v: f64| Var::<f32, Cpu>::scalar(&device, v);
/// let at = values([("mu", one(0.0)), ("phi", one(0.5)), ("theta", one(0.5)), ("sigma", one(1.0))]);
/// # let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&substitute(arma_model(&data)?, at), &mut Ctx::new(&device, &mut rng))?;
/// let err = t.get("err").unwrap().log_density()?.unwrap().item()?; // residuals 1 and 0
/// assert!((err - (-0.5 - std::f32::consts::TAU.ln())).abs() < 1e-5);
/// assert!(arma_model(&StanData::parse("d.json", r#"{"T": 3, "y": [1, 1]}"#)?).is_err());
/// # Ok(())
/// # }
/// ```
pub fn arma_model(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let t = d.count("T")?;
    Ok(Box::new(arma11(&d.vector_of_length("y", t)?)))
}

/// GARCH(1,1) on Stan data `T, y, sigma1`.
///
/// # Errors
/// Data errors naming the field.
///
/// # Examples
/// ```
/// use flowppl::handlers::{substitute, trace, values};
/// use flowppl::prelude::*;
/// use flowppl_models::{stan_data::StanData, zoo::time_series::garch_model};
/// # fn main() -> flowppl::Result<()> {
/// let data = StanData::parse("d.json", r#"{"T": 2, "y": [2, 0], "sigma1": 2}"#)?;
/// let device = Cpu::default();
/// let one = |v: f64| Var::<f32, Cpu>::scalar(&device, v);
/// let sites = [("mu", 0.0), ("alpha0", 1.0), ("alpha1", 0.5), ("beta1_fraction", 0.5)];
/// let at = values(sites.map(|(name, v)| (name, one(v))));
/// # let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&substitute(garch_model(&data)?, at), &mut Ctx::new(&device, &mut rng))?;
/// let y = t.get("y").unwrap().log_density()?.unwrap().item()?; // as in `garch11`
/// assert!((y - (-0.5 - 2.0 * 2f32.ln() - std::f32::consts::TAU.ln())).abs() < 1e-5);
/// assert!(garch_model(&StanData::parse("d.json", r#"{"T": 2, "y": [2, 0]}"#)?).is_err());
/// # Ok(())
/// # }
/// ```
pub fn garch_model(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let t = d.count("T")?;
    Ok(Box::new(garch11(
        &d.vector_of_length("y", t)?,
        d.real("sigma1")?,
    )))
}
