//! The mean of normal observations with known noise, under a normal prior:
//!
//! ```text
//! mu  ~ Normal(prior_loc, prior_scale)
//! y_i ~ Normal(mu, noise_scale),  i = 1..n
//! ```
//!
//! The posterior is `Normal(m, s)` with precision `1/s^2 = 1/prior_scale^2 + n/noise_scale^2`
//! and mean `m = s^2 (prior_loc/prior_scale^2 + sum(y)/noise_scale^2)`; the log evidence is
//! also in closed form.

use flowppl::backend::{Backend, Real, Var};
use flowppl::dist::{Distribution, Normal};
use flowppl::{Error, Result};

/// The bundled data set: 20 hand-written observations scattered around 2.5.
///
/// # Examples
/// ```
/// use flowppl_models::normal_mean::DATA;
/// let mean = DATA.iter().sum::<f64>() / DATA.len() as f64;
/// assert_eq!(DATA.len(), 20);
/// assert!((mean - 2.5845).abs() < 1e-12);
/// ```
pub const DATA: [f64; 20] = [
    2.91, 1.83, 3.42, 2.05, 2.77, 4.01, 1.38, 2.64, 3.15, 2.22, 0.97, 2.88, 3.61, 2.49, 1.76, 3.08,
    2.35, 2.96, 1.94, 3.27,
];

/// The model with its data and hyperparameters.
///
/// # Examples
/// ```
/// use flowppl_models::normal_mean::{NormalMean, DATA};
/// let model = NormalMean::default();
/// assert_eq!(model.data, DATA.to_vec());
/// // Under the vague N(0, 10) prior the posterior mean is close to the sample mean.
/// let (mean, sd) = model.exact_posterior();
/// assert!((mean - 2.5845).abs() < 0.01 && (sd - 1.0 / 20f64.sqrt()).abs() < 1e-3);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NormalMean {
    /// Observations.
    pub data: Vec<f64>,
    /// Prior mean of `mu`.
    pub prior_loc: f64,
    /// Prior standard deviation of `mu`.
    pub prior_scale: f64,
    /// Known observation noise.
    pub noise_scale: f64,
}

impl Default for NormalMean {
    fn default() -> Self {
        NormalMean {
            data: DATA.to_vec(),
            prior_loc: 0.0,
            prior_scale: 10.0,
            noise_scale: 1.0,
        }
    }
}

impl NormalMean {
    /// Checks the data and hyperparameters.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the bad field.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::normal_mean::NormalMean;
    /// # fn main() -> flowppl::Result<()> {
    /// NormalMean::default().validate()?;
    /// let bad = NormalMean { noise_scale: 0.0, ..NormalMean::default() };
    /// assert!(bad.validate().unwrap_err().to_string().contains("noise_scale"));
    /// let empty = NormalMean { data: vec![], ..NormalMean::default() };
    /// assert!(empty.validate().is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str, message: String| {
            Err(Error::InvalidConfig {
                what: format!("normal_mean: {what}"),
                message,
            })
        };
        if self.data.is_empty() {
            return bad("data", "needs at least one observation".into());
        }
        if let Some(x) = self.data.iter().find(|x| !x.is_finite()) {
            return bad("data", format!("observations must be finite, found {x}"));
        }
        if !(self.prior_scale > 0.0 && self.prior_scale.is_finite()) {
            return bad(
                "prior_scale",
                format!("must be positive, got {}", self.prior_scale),
            );
        }
        if !(self.noise_scale > 0.0 && self.noise_scale.is_finite()) {
            return bad(
                "noise_scale",
                format!("must be positive, got {}", self.noise_scale),
            );
        }
        Ok(())
    }

    /// The exact posterior `(mean, standard deviation)` of `mu`.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::normal_mean::NormalMean;
    /// let model = NormalMean {
    ///     data: vec![1.0, 3.0],
    ///     prior_loc: 0.0,
    ///     prior_scale: 1.0,
    ///     noise_scale: 1.0,
    /// };
    /// // Precision 1 + 2 = 3; mean (0 + 1 + 3) / 3.
    /// let (mean, sd) = model.exact_posterior();
    /// assert!((mean - 4.0 / 3.0).abs() < 1e-12 && (sd - (1.0f64 / 3.0).sqrt()).abs() < 1e-12);
    /// ```
    pub fn exact_posterior(&self) -> (f64, f64) {
        let n = self.data.len() as f64;
        let precision = 1.0 / self.prior_scale.powi(2) + n / self.noise_scale.powi(2);
        let variance = 1.0 / precision;
        let sum: f64 = self.data.iter().sum();
        let mean =
            variance * (self.prior_loc / self.prior_scale.powi(2) + sum / self.noise_scale.powi(2));
        (mean, variance.sqrt())
    }

    /// The exact log evidence `ln p(y)`: `y ~ MVN(prior_loc 1, noise^2 I + prior^2 1 1^T)`,
    /// evaluated with the matrix determinant lemma and Sherman-Morrison.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::normal_mean::NormalMean;
    /// let model = NormalMean { data: vec![1.0], prior_loc: 0.0, prior_scale: 1.0, noise_scale: 1.0 };
    /// // One observation: y ~ N(0, sqrt(1 + 1)), so ln p(1) = -ln(4 pi) / 2 - 1/4.
    /// let expected = -0.5 * (4.0 * std::f64::consts::PI).ln() - 0.25;
    /// assert!((model.log_evidence() - expected).abs() < 1e-12);
    /// ```
    pub fn log_evidence(&self) -> f64 {
        let n = self.data.len() as f64;
        let (s2, t2) = (self.noise_scale.powi(2), self.prior_scale.powi(2));
        let centred: Vec<f64> = self.data.iter().map(|y| y - self.prior_loc).collect();
        let sum: f64 = centred.iter().sum();
        let sum_sq: f64 = centred.iter().map(|c| c * c).sum();
        let log_det = n * s2.ln() + (1.0 + n * t2 / s2).ln();
        let quadratic = sum_sq / s2 - t2 * sum * sum / (s2 * (s2 + n * t2));
        -0.5 * (n * (2.0 * std::f64::consts::PI).ln() + log_det + quadratic)
    }

    /// `ln p(y, mu)` for each row of `mu` (`(particles, 1)`), as `(particles, 1)`.
    ///
    /// # Errors
    /// Shape errors when `mu` is not a column.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl_models::normal_mean::NormalMean;
    /// # fn main() -> flowppl::Result<()> {
    /// let model = NormalMean { data: vec![1.0], prior_loc: 0.0, prior_scale: 1.0, noise_scale: 1.0 };
    /// let mu = Var::<f64, Cpu>::from_vec(&Cpu::default(), vec![0.0, 2.0], 2, 1)?;
    /// // ln N(mu; 0, 1) + ln N(1; mu, 1) at mu = 0 and mu = 2.
    /// let ln_2pi = std::f64::consts::TAU.ln();
    /// let got = model.log_joint(&mu)?.to_vec();
    /// assert!((got[0] - (-ln_2pi - 0.5)).abs() < 1e-12 && (got[1] - (-ln_2pi - 2.5)).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn log_joint<E: Real, D: Backend<E>>(&self, mu: &Var<E, D>) -> Result<Var<E, D>> {
        let device = mu.device();
        let n = self.data.len();
        let prior = Normal::new(self.prior_loc, self.prior_scale)?.log_prob_unchecked(mu)?;
        let y = Var::from_vec(
            &device,
            self.data
                .iter()
                .map(|&v| flowppl::backend::real::<E>(v))
                .collect(),
            1,
            n,
        )?;
        // mu (S, 1) broadcasts against y (1, n): an (S, n) block of likelihood terms.
        let likelihood = Normal::new(mu, self.noise_scale)?
            .log_prob_unchecked(&y)?
            .sum_columns();
        prior.add(&likelihood)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowppl::backend::Cpu;

    #[test]
    fn log_joint_integrates_to_the_evidence() {
        // Trapezoid rule over mu: integral of p(y, mu) d mu = p(y).
        let model = NormalMean::default();
        let (m, s) = model.exact_posterior();
        let grid: Vec<f64> = (0..4001)
            .map(|i| m - 10.0 * s + 20.0 * s * i as f64 / 4000.0)
            .collect();
        let dev = Cpu::default();
        let mu = Var::<f64, Cpu>::from_vec(&dev, grid.clone(), grid.len(), 1).unwrap();
        let lj = model.log_joint(&mu).unwrap().to_vec();
        let peak = lj.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let h = grid[1] - grid[0];
        let integral: f64 = lj.iter().map(|l| (l - peak).exp()).sum::<f64>() * h;
        let log_evidence = peak + integral.ln();
        assert!(
            (log_evidence - model.log_evidence()).abs() < 1e-6,
            "{log_evidence} vs {}",
            model.log_evidence()
        );
    }

    #[test]
    fn validation_names_the_field() {
        let model = NormalMean {
            prior_scale: -1.0,
            ..Default::default()
        };
        assert!(model
            .validate()
            .unwrap_err()
            .to_string()
            .contains("prior_scale"));
    }
}

flowppl::model! {
    /// The same model in the DSL: `mu ~ Normal(prior_loc, prior_scale)`,
    /// `y_i ~ Normal(mu, noise_scale)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::normal_mean::normal_mean_model;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let mu = Var::<f64, Cpu>::scalar(&device, 2.0);
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let model = substitute(normal_mean_model(&[2.0, 3.0], 0.0, 10.0, 1.0), values([("mu", mu)]));
    /// let t = trace(&model, &mut Ctx::new(&device, &mut rng))?;
    /// // y = (2, 3) around mu = 2 with unit noise: ln N(0; 0, 1) + ln N(1; 0, 1).
    /// let y = t.get("y").unwrap().log_density()?.unwrap().item()?;
    /// assert!((y - (-0.5 - std::f64::consts::TAU.ln())).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn normal_mean_model(y: &[f64], prior_loc: f64, prior_scale: f64, noise_scale: f64) {
        let mu = sample!("mu", flowppl::dist::Normal::new(prior_loc, prior_scale));
        let data = plate!("data", y.columns());
        observe!("y", flowppl::dist::Normal::new(mu, noise_scale), y, plate = data);
    }
}

impl NormalMean {
    /// This model in the DSL.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::normal_mean::NormalMean;
    /// # fn main() -> flowppl::Result<()> {
    /// let (model, device) = (NormalMean::default(), Cpu::default());
    /// let mu = Var::<f64, Cpu>::from_vec(&device, vec![2.0], 1, 1)?;
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let at_mu = substitute(model.model(), values([("mu", mu.clone())]));
    /// let dsl = trace(&at_mu, &mut Ctx::new(&device, &mut rng))?.log_joint()?.item()?;
    /// assert!((dsl - model.log_joint(&mu)?.item()?).abs() < 1e-9);
    /// # Ok(())
    /// # }
    /// ```
    pub fn model(&self) -> NormalMeanModel {
        normal_mean_model(
            &self.data,
            self.prior_loc,
            self.prior_scale,
            self.noise_scale,
        )
    }
}
