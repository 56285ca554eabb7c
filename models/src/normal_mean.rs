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
pub const DATA: [f64; 20] = [
    2.91, 1.83, 3.42, 2.05, 2.77, 4.01, 1.38, 2.64, 3.15, 2.22, 0.97, 2.88, 3.61, 2.49, 1.76, 3.08,
    2.35, 2.96, 1.94, 3.27,
];

/// The model with its data and hyperparameters.
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
    pub fn normal_mean_model(y: &[f64], prior_loc: f64, prior_scale: f64, noise_scale: f64) {
        let mu = sample!("mu", flowppl::dist::Normal::new(prior_loc, prior_scale));
        let data = plate!("data", y.columns());
        observe!("y", flowppl::dist::Normal::new(mu, noise_scale), y, plate = data);
    }
}

impl NormalMean {
    /// This model in the DSL.
    pub fn model(&self) -> NormalMeanModel {
        normal_mean_model(
            &self.data,
            self.prior_loc,
            self.prior_scale,
            self.noise_scale,
        )
    }
}
