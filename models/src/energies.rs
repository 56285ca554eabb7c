//! The four 2-D energies of Rezende & Mohamed (2015, Table 1), for fitting flows by reverse KL
//! (benchmark task T3).
//!
//! With `w1 = sin(2 pi z1 / 4)`, `w2 = 3 exp(-((z1 - 1) / 0.6)^2 / 2)`,
//! `w3 = 3 sigmoid((z1 - 1) / 0.3)` and the envelope `E = (z1 / 4)^8 / 2` (added by the task
//! suite so U2-U4 are normalisable; about 0 on the paper's box):
//!
//! - `U1 = ((|z| - 2) / 0.4)^2 / 2 - ln(exp(-((z1 - 2)/0.6)^2/2) + exp(-((z1 + 2)/0.6)^2/2))`
//! - `U2 = ((z2 - w1) / 0.4)^2 / 2 + E`
//! - `U3 = -ln(exp(-((z2 - w1)/0.35)^2/2) + exp(-((z2 - w1 + w2)/0.35)^2/2)) + E`
//! - `U4 = -ln(exp(-((z2 - w1)/0.4)^2/2) + exp(-((z2 - w1 + w3)/0.35)^2/2)) + E`

use flowppl::backend::{Backend, Real, Var};
use flowppl::{Error, Result};

/// One of U1..U4.
///
/// # Examples
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl_models::energies::Energy;
/// # fn main() -> flowppl::Result<()> {
/// let energy = Energy::parse("U1")?;
/// // The bottom of the ring's right half at (2, 0), and its mirror image.
/// let z = Var::<f64, Cpu>::from_vec(&Cpu::default(), vec![2.0, 0.0, -2.0, 0.0], 2, 2)?;
/// let u = energy.evaluate(&z)?.to_vec();
/// assert!(u[0].abs() < 1e-9 && (u[0] - u[1]).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Energy {
    /// The ring with two halves (bimodal).
    U1,
    /// The sine wave.
    U2,
    /// The split sine.
    U3,
    /// The sine with a step.
    U4,
}

impl Energy {
    /// By name (`u1`..`u4`, any case).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for other names.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::energies::Energy;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(Energy::parse("u3")?, Energy::U3);
    /// assert_eq!(Energy::parse("U4")?, Energy::U4);
    /// assert!(Energy::parse("u5").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "u1" => Ok(Energy::U1),
            "u2" => Ok(Energy::U2),
            "u3" => Ok(Energy::U3),
            "u4" => Ok(Energy::U4),
            other => Err(Error::InvalidConfig {
                what: format!("target `{other}`"),
                message: "expected u1, u2, u3 or u4".into(),
            }),
        }
    }

    /// `ln Z = ln integral exp(-U)`, by a 1000 x 1000 Riemann sum on `[-6, 6]^2` in f64 (from the
    /// task suite's `planar_logZ.json`).
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl_models::energies::Energy;
    /// # fn main() -> flowppl::Result<()> {
    /// // A midpoint sum of exp(-U2) on a 60 x 60 grid over [-6, 6]^2.
    /// let (n, h) = (60, 0.2);
    /// let centre = |i: usize| -6.0 + h * (i as f64 + 0.5);
    /// let grid: Vec<f64> = (0..n * n).flat_map(|k| [centre(k / n), centre(k % n)]).collect();
    /// let z = Var::<f64, Cpu>::from_vec(&Cpu::default(), grid, n * n, 2)?;
    /// let sum: f64 = Energy::U2.evaluate(&z)?.to_vec().iter().map(|u| (-u).exp()).sum();
    /// assert!(((sum * h * h).ln() - Energy::U2.log_normaliser()).abs() < 1e-4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn log_normaliser(&self) -> f64 {
        match self {
            Energy::U1 => 1.877502,
            Energy::U2 => 2.108710,
            Energy::U3 => 2.668325,
            Energy::U4 => 2.737318,
        }
    }

    /// `U(z)` for points `(n, 2)`, as `(n, 1)`.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] unless the points have 2 columns.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl_models::energies::Energy;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// // (1, 1) lies on the sine z2 = sin(pi z1 / 2); (1, 0) is 1 below it.
    /// let z = Var::<f64, Cpu>::from_vec(&device, vec![1.0, 1.0, 1.0, 0.0], 2, 2)?;
    /// let u = Energy::U2.evaluate(&z)?.to_vec();
    /// let envelope = 0.25f64.powi(8) / 2.0;
    /// assert!((u[0] - envelope).abs() < 1e-12);
    /// assert!((u[1] - (0.5 / 0.16 + envelope)).abs() < 1e-12);
    /// assert!(Energy::U2.evaluate(&Var::<f64, Cpu>::zeros(&device, 4, 3)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn evaluate<E: Real, D: Backend<E>>(&self, z: &Var<E, D>) -> Result<Var<E, D>> {
        if z.columns() != 2 {
            return Err(Error::invalid_shape(
                "Energy",
                format!("points must be (n, 2), found {:?}", z.shape()),
            ));
        }
        let z1 = z.slice_columns(0, 1)?;
        let z2 = z.slice_columns(1, 2)?;
        let half_square = |v: Var<E, D>, scale: f64| (v * (1.0 / scale)).square() * 0.5;
        let envelope = (&z1 * 0.25).powi(8) * 0.5;
        let w1 = (&z1 * (std::f64::consts::TAU / 4.0)).sin();
        Ok(match self {
            Energy::U1 => {
                let radius = z.square().sum_columns().sqrt();
                let ring = half_square(radius.add_scalar(-2.0), 0.4);
                let left = -half_square(z1.add_scalar(-2.0), 0.6);
                let right = -half_square(z1.add_scalar(2.0), 0.6);
                ring.sub(&left.log_add_exp(&right)?)?
            }
            Energy::U2 => half_square(z2.sub(&w1)?, 0.4).add(&envelope)?,
            Energy::U3 => {
                let w2 = (-half_square(z1.add_scalar(-1.0), 0.6)).exp() * 3.0;
                let a = -half_square(z2.sub(&w1)?, 0.35);
                let b = -half_square(z2.sub(&w1)?.add(&w2)?, 0.35);
                (-a.log_add_exp(&b)?).add(&envelope)?
            }
            Energy::U4 => {
                let w3 = (z1.add_scalar(-1.0) * (1.0 / 0.3)).sigmoid() * 3.0;
                let a = -half_square(z2.sub(&w1)?, 0.4);
                let b = -half_square(z2.sub(&w1)?.add(&w3)?, 0.35);
                (-a.log_add_exp(&b)?).add(&envelope)?
            }
        })
    }
}

/// The two-moons data of task T4 (standardised with the training mean and sd): `(train, test)`
/// as row-major `(n, 2)` values.
///
/// # Errors
/// Parse errors of the bundled files.
///
/// # Examples
/// ```
/// # fn main() -> flowppl::Result<()> {
/// let (train, test) = flowppl_models::energies::two_moons()?;
/// assert_eq!((train.len(), test.len()), (2 * 10_000, 2 * 5_000));
/// // Standardised with the training moments: each training column has mean 0.
/// let mean = train.iter().step_by(2).sum::<f64>() / 10_000.0;
/// assert!(mean.abs() < 1e-6);
/// # Ok(())
/// # }
/// ```
pub fn two_moons() -> Result<(Vec<f64>, Vec<f64>)> {
    let parse = |name: &str, text: &str| -> Result<Vec<f64>> {
        Ok(crate::zoo::logistic::parse_csv(name, text)?
            .into_iter()
            .flatten()
            .collect())
    };
    Ok((
        parse(
            "moons_train.csv",
            include_str!("../data/moons/moons_train.csv"),
        )?,
        parse(
            "moons_test.csv",
            include_str!("../data/moons/moons_test.csv"),
        )?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowppl::backend::Cpu;

    #[test]
    fn log_normalisers_match_a_riemann_sum() {
        // A coarser grid than the suite's (400 x 400 on [-6, 6]^2) agrees to 1e-3.
        let dev = Cpu::default();
        let n = 400;
        let h = 12.0 / n as f64;
        let points: Vec<f64> = (0..n * n)
            .flat_map(|k| {
                [
                    -6.0 + h * ((k / n) as f64 + 0.5),
                    -6.0 + h * ((k % n) as f64 + 0.5),
                ]
            })
            .collect();
        let z = Var::<f64, Cpu>::from_vec(&dev, points, n * n, 2).unwrap();
        for energy in [Energy::U1, Energy::U2, Energy::U3, Energy::U4] {
            let u = energy.evaluate(&z).unwrap().to_vec();
            let z_sum: f64 = u.iter().map(|v| (-v).exp()).sum::<f64>() * h * h;
            assert!(
                (z_sum.ln() - energy.log_normaliser()).abs() < 1e-3,
                "{energy:?}: {} vs {}",
                z_sum.ln(),
                energy.log_normaliser()
            );
        }
    }
}
