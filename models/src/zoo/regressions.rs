//! Linear regressions of posteriordb: kidiq interaction, Kilpisjarvi, sblrc and nes2000.

use crate::stan_data::StanData;
use flowppl::prelude::*;

model! {
    /// Gaussian linear regression `y ~ Normal(x . beta, sigma)` with a flat prior on `beta`
    /// (`prior_scale = 0`) or `Normal(0, prior_scale)`, and on `sigma` a half-Cauchy
    /// (`sigma_prior = 1`), a half-normal (`= 2`) or a flat prior (`= 0`), each of scale
    /// `sigma_scale`.
    pub fn linear_regression(x: &DataMatrix, y: &[f64], prior_scale: f64, sigma_prior: usize, sigma_scale: f64) {
        let coefficients = plate!("coefficient", x.columns());
        let beta = if prior_scale > 0.0 {
            sample!("beta", Normal::new(0.0, prior_scale), plate = coefficients)
        } else {
            sample!("beta", ImproperUniform::new(Constraint::Real, 1, x.columns()), plate = coefficients)
        };
        let sigma = match sigma_prior {
            1 => sample!("sigma", HalfCauchy::new(sigma_scale)),
            2 => sample!("sigma", HalfNormal::new(sigma_scale)),
            _ => sample!("sigma", ImproperUniform::new(Constraint::Positive, 1, 1)),
        };
        let data = plate!("data", y.len());
        observe!("y", Normal::new(x.dot(&beta)?, sigma), y, plate = data);
    }
}

model! {
    /// Kilpisjarvi summer temperatures against uncentred years, with informative priors.
    pub fn kilpisjarvi(x: &[f64], y: &[f64], prior_alpha: f64, prior_alpha_sd: f64, prior_beta: f64, prior_beta_sd: f64) {
        let alpha = sample!("alpha", Normal::new(prior_alpha, prior_alpha_sd));
        let beta = sample!("beta", Normal::new(prior_beta, prior_beta_sd));
        let sigma = sample!("sigma", ImproperUniform::new(Constraint::Positive, 1, 1));
        let data = plate!("data", y.len());
        observe!("y", Normal::new(alpha + beta * x, sigma), y, plate = data);
    }
}

/// kidiq: `kid_score ~ Normal(b1 + b2 hs + b3 iq + b4 hs iq, sigma)`, flat `beta`,
/// `sigma ~ HalfCauchy(2.5)`.
///
/// # Errors
/// Data errors naming the field.
pub fn kidscore_interaction(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let n = d.count("N")?;
    let score = d.vector_of_length("kid_score", n)?;
    let iq = d.vector_of_length("mom_iq", n)?;
    let hs = d.vector_of_length("mom_hs", n)?;
    let rows: Vec<Vec<f64>> = (0..n)
        .map(|i| vec![1.0, hs[i], iq[i], hs[i] * iq[i]])
        .collect();
    Ok(Box::new(linear_regression(
        &DataMatrix::from_rows(&rows)?,
        &score,
        0.0,
        1,
        2.5,
    )))
}

/// sblrc-blr: `beta ~ Normal(0, 10)`, `sigma ~ HalfNormal(10)`, `y ~ Normal(X beta, sigma)`.
///
/// # Errors
/// Data errors naming the field.
pub fn sblrc(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let x = d.matrix("X")?;
    let y = d.vector_of_length("y", x.rows())?;
    Ok(Box::new(linear_regression(&x, &y, 10.0, 2, 10.0)))
}

/// nes2000: party identification on nine predictors (age dummy-coded), flat priors.
///
/// # Errors
/// Data errors naming the field.
pub fn nes(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let n = d.count("N")?;
    let get = |name: &str| d.vector_of_length(name, n);
    let (party, ideo, race, educ, gender, income, age) = (
        get("partyid7")?,
        get("real_ideo")?,
        get("race_adj")?,
        get("educ1")?,
        get("gender")?,
        get("income")?,
        get("age_discrete")?,
    );
    let indicator = |v: f64, level: f64| if v == level { 1.0 } else { 0.0 };
    let rows: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            vec![
                1.0,
                ideo[i],
                race[i],
                indicator(age[i], 2.0),
                indicator(age[i], 3.0),
                indicator(age[i], 4.0),
                educ[i],
                gender[i],
                income[i],
            ]
        })
        .collect();
    Ok(Box::new(linear_regression(
        &DataMatrix::from_rows(&rows)?,
        &party,
        0.0,
        0,
        1.0,
    )))
}

/// Kilpisjarvi on Stan data.
///
/// # Errors
/// Data errors naming the field.
pub fn kilpisjarvi_model(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let n = d.count("N")?;
    Ok(Box::new(kilpisjarvi(
        &d.vector_of_length("x", n)?,
        &d.vector_of_length("y", n)?,
        d.real("pmualpha")?,
        d.real("psalpha")?,
        d.real("pmubeta")?,
        d.real("psbeta")?,
    )))
}
