//! Eight schools (Rubin 1981; BDA3 5.5), centred and non-centred.

use crate::stan_data::StanData;
use flowppl::prelude::*;

model! {
    /// Non-centred eight schools: `theta = mu + tau * theta_trans`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::eight_schools::eight_schools_noncentered;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let row = |v: &[f64]| Var::<f64, Cpu>::from_vec(&device, v.to_vec(), 1, v.len());
    /// let at = values([("theta_trans", row(&[1.0, -1.0])?), ("mu", row(&[3.0])?), ("tau", row(&[2.0])?)]);
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let model = eight_schools_noncentered(&[5.0, 1.0], &[1.0, 1.0]);
    /// let t = trace(&substitute(model, at), &mut Ctx::new(&device, &mut rng))?;
    /// // theta = mu + tau * theta_trans = (5, 1), which is y: two N(0; 0, 1) terms.
    /// assert_eq!(t.value("theta").unwrap().to_vec(), vec![5.0, 1.0]);
    /// let y = t.get("y").unwrap().log_density()?.unwrap().item()?;
    /// assert!((y + std::f64::consts::TAU.ln()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn eight_schools_noncentered(y: &[f64], sigma: &[f64]) {
        let schools = plate!("school", y.len());
        let theta_trans = sample!("theta_trans", Normal::new(0.0, 1.0), plate = schools);
        let mu = sample!("mu", Normal::new(0.0, 5.0));
        let tau = sample!("tau", HalfCauchy::new(5.0));
        let theta = theta_trans * tau + mu;
        deterministic!("theta", theta);
        observe!("y", Normal::new(theta, sigma), y, plate = schools);
    }
}

model! {
    /// Centred eight schools: `theta ~ Normal(mu, tau)`, the funnel.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::eight_schools::eight_schools_centered;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let one = |v: f64| Var::<f64, Cpu>::scalar(&device, v);
    /// let at = values([("mu", one(0.0)), ("tau", one(1.0)), ("theta", one(1.0))]);
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let model = substitute(eight_schools_centered(&[1.0], &[2.0]), at);
    /// let t = trace(&model, &mut Ctx::new(&device, &mut rng))?;
    /// let density = |site: &str| t.get(site).unwrap().log_density().unwrap().unwrap().item().unwrap();
    /// let half_ln_2pi = 0.5 * std::f64::consts::TAU.ln();
    /// assert!((density("theta") - (-0.5 - half_ln_2pi)).abs() < 1e-12); // N(1; mu 0, tau 1)
    /// assert!((density("y") - (-(2f64.ln()) - half_ln_2pi)).abs() < 1e-12); // N(1; theta 1, 2)
    /// # Ok(())
    /// # }
    /// ```
    pub fn eight_schools_centered(y: &[f64], sigma: &[f64]) {
        let schools = plate!("school", y.len());
        let mu = sample!("mu", Normal::new(0.0, 5.0));
        let tau = sample!("tau", HalfCauchy::new(5.0));
        let theta = sample!("theta", Normal::new(mu, tau), plate = schools);
        observe!("y", Normal::new(theta, sigma), y, plate = schools);
    }
}

fn data(d: &StanData) -> Result<(Vec<f64>, Vec<f64>)> {
    let j = d.count("J")?;
    Ok((d.vector_of_length("y", j)?, d.vector_of_length("sigma", j)?))
}

/// The non-centred model on Stan data `J, y, sigma`.
///
/// # Errors
/// Data errors naming the field.
///
/// # Examples
/// ```
/// use flowppl::handlers::trace;
/// use flowppl::prelude::*;
/// use flowppl_models::{stan_data::StanData, zoo::eight_schools::noncentered};
/// # fn main() -> flowppl::Result<()> {
/// let data = StanData::parse("d.json", r#"{"J": 2, "y": [28, 8], "sigma": [15, 10]}"#)?;
/// let model = noncentered(&data)?;
/// # let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&model, &mut Ctx::new(&Cpu::default(), &mut rng))?;
/// assert_eq!(t.value("y").unwrap().to_vec(), vec![28.0f32, 8.0]); // observed
/// assert_eq!(t.value("theta_trans").unwrap().shape(), (1, 2)); // one per school
/// let short = StanData::parse("d.json", r#"{"J": 3, "y": [28, 8], "sigma": [15, 10, 16]}"#)?;
/// assert!(noncentered(&short).err().unwrap().to_string().contains("`y`"));
/// # Ok(())
/// # }
/// ```
pub fn noncentered(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let (y, sigma) = data(d)?;
    Ok(Box::new(eight_schools_noncentered(&y, &sigma)))
}

/// The centred model on Stan data `J, y, sigma`.
///
/// # Errors
/// Data errors naming the field.
///
/// # Examples
/// ```
/// use flowppl::handlers::trace;
/// use flowppl::prelude::*;
/// use flowppl_models::{stan_data::StanData, zoo::eight_schools::centered};
/// # fn main() -> flowppl::Result<()> {
/// let data = StanData::parse("d.json", r#"{"J": 2, "y": [28, 8], "sigma": [15, 10]}"#)?;
/// let model = centered(&data)?;
/// # let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&model, &mut Ctx::new(&Cpu::default(), &mut rng))?;
/// assert_eq!(t.value("theta").unwrap().shape(), (1, 2)); // one effect per school
/// assert!(t.log_joint()?.item()?.is_finite());
/// let no_sigma = StanData::parse("d.json", r#"{"J": 2, "y": [28, 8]}"#)?;
/// assert!(centered(&no_sigma).err().unwrap().to_string().contains("`sigma`"));
/// # Ok(())
/// # }
/// ```
pub fn centered(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let (y, sigma) = data(d)?;
    Ok(Box::new(eight_schools_centered(&y, &sigma)))
}
