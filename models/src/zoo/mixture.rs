//! Two-component Gaussian mixture (posteriordb `low_dim_gauss_mix`).

use crate::stan_data::StanData;
use flowppl::prelude::*;

model! {
    /// `y_n ~ theta N(mu_1, sigma_1) + (1 - theta) N(mu_2, sigma_2)` with ordered means
    /// (`mu ~ N(0, 2)` on each entry), `sigma ~ HalfNormal(2)` and `theta ~ Beta(5, 5)`.
    pub fn gauss_mix(y: &[f64]) {
        let mu = sample!("mu", ImproperUniform::new(Constraint::Ordered, 1, 2));
        factor!("mu_prior", Normal::new(0.0, 2.0)?.log_prob_unchecked(&mu)?);
        let components = plate!("component", 2);
        let sigma = sample!("sigma", HalfNormal::new(2.0), plate = components);
        let theta = sample!("theta", Beta::new(5.0, 5.0));
        let first = Normal::new(mu.slice_columns(0, 1)?, sigma.slice_columns(0, 1)?)?.log_prob_unchecked(&y)?;
        let second = Normal::new(mu.slice_columns(1, 2)?, sigma.slice_columns(1, 2)?)?.log_prob_unchecked(&y)?;
        let mixture = (first + theta.ln()).log_add_exp(&(second + (-theta).log1p()))?;
        factor!("y", mixture);
    }
}

/// The mixture on Stan data `N, y`.
///
/// # Errors
/// Data errors naming the field.
pub fn build(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let n = d.count("N")?;
    Ok(Box::new(gauss_mix(&d.vector_of_length("y", n)?)))
}
