//! Time-series models of posteriordb: AR(K), ARMA(1,1) and GARCH(1,1).

use crate::stan_data::StanData;
use flowppl::prelude::*;

model! {
    /// AR(K): `y_t ~ Normal(alpha + sum_k beta_k y_(t-k), sigma)` for `t > K`, with the lagged
    /// values given as the rows of `lags` (`(T - K, K)`) and the targets as `targets`.
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
pub fn arma_model(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let t = d.count("T")?;
    Ok(Box::new(arma11(&d.vector_of_length("y", t)?)))
}

/// GARCH(1,1) on Stan data `T, y, sigma1`.
///
/// # Errors
/// Data errors naming the field.
pub fn garch_model(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let t = d.count("T")?;
    Ok(Box::new(garch11(
        &d.vector_of_length("y", t)?,
        d.real("sigma1")?,
    )))
}
