//! Two-component Gaussian mixture (posteriordb `low_dim_gauss_mix`).

use crate::stan_data::StanData;
use flowppl::prelude::*;

model! {
    /// `y_n ~ theta N(mu_1, sigma_1) + (1 - theta) N(mu_2, sigma_2)` with ordered means
    /// (`mu ~ N(0, 2)` on each entry), `sigma ~ HalfNormal(2)` and `theta ~ Beta(5, 5)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::mixture::gauss_mix;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let row = |v: &[f64]| Var::<f64, Cpu>::from_vec(&device, v.to_vec(), 1, v.len());
    /// let at = values([("mu", row(&[-1.0, 1.0])?), ("sigma", row(&[1.0, 1.0])?), ("theta", row(&[0.25])?)]);
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let t = trace(&substitute(gauss_mix(&[-1.0]), at), &mut Ctx::new(&device, &mut rng))?;
    /// // y = -1: 0.25 N(-1; -1, 1) + 0.75 N(-1; 1, 1).
    /// let expected = (0.25 + 0.75 * (-2.0f64).exp()).ln() - 0.5 * std::f64::consts::TAU.ln();
    /// let y = t.get("y").unwrap().log_density()?.unwrap().item()?;
    /// assert!((y - expected).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
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
///
/// # Examples
/// ```
/// use flowppl::handlers::{substitute, trace, values};
/// use flowppl::prelude::*;
/// use flowppl_models::{stan_data::StanData, zoo::mixture::build};
/// # fn main() -> flowppl::Result<()> {
/// let data = StanData::parse("d.json", r#"{"N": 1, "y": [-1]}"#)?;
/// let device = Cpu::default();
/// let row = |v: &[f32]| Var::<f32, Cpu>::from_vec(&device, v.to_vec(), 1, v.len());
/// let at = values([("mu", row(&[-1.0, 1.0])?), ("sigma", row(&[1.0, 1.0])?), ("theta", row(&[0.25])?)]);
/// # let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&substitute(build(&data)?, at), &mut Ctx::new(&device, &mut rng))?;
/// let expected = (0.25 + 0.75 * (-2.0f32).exp()).ln() - 0.5 * std::f32::consts::TAU.ln();
/// assert!((t.get("y").unwrap().log_density()?.unwrap().item()? - expected).abs() < 1e-5);
/// assert!(build(&StanData::parse("d.json", r#"{"N": 2, "y": [-1]}"#)?).is_err());
/// # Ok(())
/// # }
/// ```
pub fn build(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let n = d.count("N")?;
    Ok(Box::new(gauss_mix(&d.vector_of_length("y", n)?)))
}
