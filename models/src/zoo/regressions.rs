//! Linear regressions of posteriordb: kidiq interaction, Kilpisjarvi, sblrc and nes2000.

use crate::stan_data::StanData;
use flowppl::prelude::*;

model! {
    /// Gaussian linear regression `y ~ Normal(x . beta, sigma)` with a flat prior on `beta`
    /// (`prior_scale = 0`) or `Normal(0, prior_scale)`, and on `sigma` a half-Cauchy
    /// (`sigma_prior = 1`), a half-normal (`= 2`) or a flat prior (`= 0`), each of scale
    /// `sigma_scale`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::regressions::linear_regression;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let row = |v: &[f64]| Var::<f64, Cpu>::from_vec(&device, v.to_vec(), 1, v.len());
    /// let at = values([("beta", row(&[1.0, 1.0])?), ("sigma", row(&[1.0])?)]);
    /// let x = DataMatrix::from_rows(&[vec![1.0, 2.0]])?;
    /// // Flat beta (prior_scale 0), sigma ~ HalfNormal(2) (sigma_prior 2).
    /// let model = substitute(linear_regression(&x, &[3.0], 0.0, 2, 2.0), at);
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let t = trace(&model, &mut Ctx::new(&device, &mut rng))?;
    /// let density = |site: &str| t.get(site).unwrap().log_density().unwrap().unwrap().item().unwrap();
    /// let half_ln_2pi = 0.5 * std::f64::consts::TAU.ln();
    /// assert_eq!(density("beta"), 0.0);
    /// assert!((density("sigma") - (-half_ln_2pi - 0.125)).abs() < 1e-12); // HalfNormal(2) at 1
    /// assert!((density("y") + half_ln_2pi).abs() < 1e-12); // y = x . beta exactly
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::regressions::kilpisjarvi;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let one = |v: f64| Var::<f64, Cpu>::scalar(&device, v);
    /// let at = values([("alpha", one(1.0)), ("beta", one(3.0)), ("sigma", one(1.0))]);
    /// // alpha ~ N(1, 2), beta ~ N(3, 1); y = 7 at x = 2 lies on alpha + beta x.
    /// let model = substitute(kilpisjarvi(&[2.0], &[7.0], 1.0, 2.0, 3.0, 1.0), at);
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let t = trace(&model, &mut Ctx::new(&device, &mut rng))?;
    /// let density = |site: &str| t.get(site).unwrap().log_density().unwrap().unwrap().item().unwrap();
    /// let half_ln_2pi = 0.5 * std::f64::consts::TAU.ln();
    /// assert!((density("alpha") + 2f64.ln() + half_ln_2pi).abs() < 1e-12);
    /// assert!((density("y") + half_ln_2pi).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
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
///
/// # Examples
/// ```
/// use flowppl::handlers::{substitute, trace, values};
/// use flowppl::prelude::*;
/// use flowppl_models::{stan_data::StanData, zoo::regressions::kidscore_interaction};
/// # fn main() -> flowppl::Result<()> {
/// let text = r#"{"N": 1, "kid_score": [6], "mom_iq": [2], "mom_hs": [1]}"#;
/// let device = Cpu::default();
/// let row = |v: &[f32]| Var::<f32, Cpu>::from_vec(&device, v.to_vec(), 1, v.len());
/// let at = values([("beta", row(&[1.0, 1.0, 1.0, 1.0])?), ("sigma", row(&[1.0])?)]);
/// let model = substitute(kidscore_interaction(&StanData::parse("d.json", text)?)?, at);
/// # let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&model, &mut Ctx::new(&device, &mut rng))?;
/// // Predictors (1, hs, iq, hs iq) = (1, 1, 2, 2): with unit betas the mean is the score, 6.
/// let y = t.get("y").unwrap().log_density()?.unwrap().item()?;
/// assert!((y + 0.5 * std::f32::consts::TAU.ln()).abs() < 1e-5);
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// use flowppl::handlers::{substitute, trace, values};
/// use flowppl::prelude::*;
/// use flowppl_models::{stan_data::StanData, zoo::regressions::sblrc};
/// # fn main() -> flowppl::Result<()> {
/// let data = StanData::parse("d.json", r#"{"X": [[1, 2]], "y": [3]}"#)?;
/// let device = Cpu::default();
/// let row = |v: &[f32]| Var::<f32, Cpu>::from_vec(&device, v.to_vec(), 1, v.len());
/// let at = values([("beta", row(&[1.0, 1.0])?), ("sigma", row(&[1.0])?)]);
/// # let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&substitute(sblrc(&data)?, at), &mut Ctx::new(&device, &mut rng))?;
/// // beta ~ N(0, 10) on each coefficient; y = X beta exactly.
/// let half_ln_2pi = 0.5 * std::f32::consts::TAU.ln();
/// let beta = t.get("beta").unwrap().log_density()?.unwrap().item()?;
/// assert!((beta - 2.0 * (-0.005 - 10f32.ln() - half_ln_2pi)).abs() < 1e-5);
/// assert!((t.get("y").unwrap().log_density()?.unwrap().item()? + half_ln_2pi).abs() < 1e-5);
/// # Ok(())
/// # }
/// ```
pub fn sblrc(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let x = d.matrix("X")?;
    let y = d.vector_of_length("y", x.rows())?;
    Ok(Box::new(linear_regression(&x, &y, 10.0, 2, 10.0)))
}

/// nes2000: party identification on nine predictors (age dummy-coded), flat priors.
///
/// # Errors
/// Data errors naming the field.
///
/// # Examples
/// ```
/// use flowppl::handlers::{substitute, trace, values};
/// use flowppl::prelude::*;
/// use flowppl_models::{stan_data::StanData, zoo::regressions::nes};
/// # fn main() -> flowppl::Result<()> {
/// let text = r#"{"N": 1, "partyid7": [6], "real_ideo": [0], "race_adj": [0], "educ1": [0],
///                "gender": [0], "income": [0], "age_discrete": [3]}"#;
/// let device = Cpu::default();
/// let beta = Var::from_vec(&device, (1..=9).map(|b| b as f32).collect(), 1, 9)?; // 1, ..., 9
/// let at = values([("beta", beta), ("sigma", Var::scalar(&device, 1.0))]);
/// # let mut rng = flowppl::backend::rng::seeded(0);
/// let model = substitute(nes(&StanData::parse("d.json", text)?)?, at);
/// let t = trace(&model, &mut Ctx::new(&device, &mut rng))?;
/// // Age 3 switches on the second age dummy (coefficient 5): mean 1 + 5 = 6 = partyid7.
/// let y = t.get("y").unwrap().log_density()?.unwrap().item()?;
/// assert!((y + 0.5 * std::f32::consts::TAU.ln()).abs() < 1e-5);
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// use flowppl::handlers::{substitute, trace, values};
/// use flowppl::prelude::*;
/// use flowppl_models::{stan_data::StanData, zoo::regressions::kilpisjarvi_model};
/// # fn main() -> flowppl::Result<()> {
/// let text = r#"{"N": 1, "x": [2], "y": [7], "pmualpha": 1, "psalpha": 2, "pmubeta": 3, "psbeta": 1}"#;
/// let device = Cpu::default();
/// let one = |v: f64| Var::<f32, Cpu>::scalar(&device, v);
/// let at = values([("alpha", one(1.0)), ("beta", one(3.0)), ("sigma", one(1.0))]);
/// let model = substitute(kilpisjarvi_model(&StanData::parse("d.json", text)?)?, at);
/// # let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&model, &mut Ctx::new(&device, &mut rng))?;
/// // alpha ~ N(pmualpha 1, psalpha 2), evaluated at its mean.
/// let alpha = t.get("alpha").unwrap().log_density()?.unwrap().item()?;
/// assert!((alpha + 2f32.ln() + 0.5 * std::f32::consts::TAU.ln()).abs() < 1e-5);
/// assert!(kilpisjarvi_model(&StanData::parse("d.json", r#"{"N": 1, "x": [2], "y": [7]}"#)?).is_err());
/// # Ok(())
/// # }
/// ```
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
