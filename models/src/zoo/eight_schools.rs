//! Eight schools (Rubin 1981; BDA3 5.5), centred and non-centred.

use crate::stan_data::StanData;
use flowppl::prelude::*;

model! {
    /// Non-centred eight schools: `theta = mu + tau * theta_trans`.
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
pub fn noncentered(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let (y, sigma) = data(d)?;
    Ok(Box::new(eight_schools_noncentered(&y, &sigma)))
}

/// The centred model on Stan data `J, y, sigma`.
///
/// # Errors
/// Data errors naming the field.
pub fn centered(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let (y, sigma) = data(d)?;
    Ok(Box::new(eight_schools_centered(&y, &sigma)))
}
