//! Boltzmann distributions of a chain of particles, with exact free energies to check flows
//! against (seed 000, "The Flow as a Physical Sculptor").
//!
//! `n` particles on a line at positions `x_0..x_{n-1}`; the first is tethered to the origin by a
//! spring of stiffness `k_0` and neighbours interact through a pair potential `V` of their
//! separation `r_i = x_i - x_{i-1}`:
//!
//! `E(x) = k_0 x_0^2 / 2 + sum_{i=1}^{n-1} V(x_i - x_{i-1})`,  `p(x) = exp(-E(x) / kT) / Z`.
//!
//! The map `x -> (x_0, r_1, ..., r_{n-1})` has unit Jacobian, so the partition function factorises,
//! `ln Z = ln sqrt(2 pi kT / k_0) + (n - 1) ln int exp(-V(r) / kT) dr`, and the one-dimensional
//! integral is done by quadrature (in closed form for the harmonic chain). For `V = k r^2 / 2`
//! the distribution is Gaussian with covariance `Sigma_jl = kT / k_0 + min(j, l) kT / k`, whose
//! Cholesky factor is `L_j0 = sqrt(kT / k_0)`, `L_ji = sqrt(kT / k)` for `1 <= i <= j`.

use flowppl::backend::{Backend, Real, Var};
use flowppl::{Error, Result};
use std::f64::consts::TAU;

/// The interaction between neighbouring particles, a function of their separation `r`.
///
/// # Examples
/// ```
/// use flowppl_models::boltzmann::PairPotential;
/// let well = PairPotential::DoubleWell { height: 2.0, separation: 1.5 };
/// // Wells at r = +-b, the barrier h between them.
/// assert_eq!((well.energy(1.5), well.energy(-1.5)), (0.0, 0.0));
/// assert_eq!(well.energy(0.0), 2.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PairPotential {
    /// `V(r) = k r^2 / 2`.
    Harmonic {
        /// Spring stiffness `k`.
        stiffness: f64,
    },
    /// `V(r) = h ((r / b)^2 - 1)^2`: wells at `r = +-b` separated by a barrier of height `h`.
    DoubleWell {
        /// Barrier height `h`.
        height: f64,
        /// Well position `b`.
        separation: f64,
    },
}

impl PairPotential {
    /// `V(r)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::boltzmann::PairPotential;
    /// assert_eq!(PairPotential::Harmonic { stiffness: 4.0 }.energy(0.5), 0.5);
    /// let well = PairPotential::DoubleWell { height: 1.0, separation: 1.0 };
    /// assert_eq!(well.energy(2.0), 9.0); // (2^2 - 1)^2
    /// ```
    pub fn energy(&self, r: f64) -> f64 {
        match *self {
            PairPotential::Harmonic { stiffness } => 0.5 * stiffness * r * r,
            PairPotential::DoubleWell { height, separation } => {
                height * ((r / separation).powi(2) - 1.0).powi(2)
            }
        }
    }

    fn energy_var<E: Real, D: Backend<E>>(&self, r: &Var<E, D>) -> Var<E, D> {
        match *self {
            PairPotential::Harmonic { stiffness } => r.square().mul_scalar(0.5 * stiffness),
            PairPotential::DoubleWell { height, separation } => r
                .mul_scalar(1.0 / separation)
                .square()
                .add_scalar(-1.0)
                .square()
                .mul_scalar(height),
        }
    }
}

/// A tethered chain of particles at temperature `kT` (see the module documentation).
///
/// # Examples
/// ```
/// use flowppl_models::boltzmann::{Chain, PairPotential};
/// # fn main() -> flowppl::Result<()> {
/// let pair = PairPotential::Harmonic { stiffness: 3.0 };
/// let chain = Chain { particles: 3, tether: 2.0, pair, temperature: 1.5 };
/// chain.validate()?;
/// // ln Z = ln sqrt(2 pi kT / k_0) + (n - 1) ln sqrt(2 pi kT / k).
/// let tau = std::f64::consts::TAU;
/// let expected = 0.5 * (tau * 1.5 / 2.0).ln() + 2.0 * 0.5 * (tau * 1.5 / 3.0).ln();
/// assert!((chain.log_partition() - expected).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chain {
    /// Number of particles `n`.
    pub particles: usize,
    /// Stiffness `k_0` of the tether of the first particle.
    pub tether: f64,
    /// The neighbour interaction.
    pub pair: PairPotential,
    /// `kT`.
    pub temperature: f64,
}

impl Chain {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for fewer than two particles or non-positive constants.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::boltzmann::{Chain, PairPotential};
    /// let pair = PairPotential::Harmonic { stiffness: 1.0 };
    /// let chain = Chain { particles: 2, tether: 1.0, pair, temperature: 1.0 };
    /// assert!(chain.validate().is_ok());
    /// assert!(Chain { particles: 1, ..chain }.validate().is_err());
    /// assert!(Chain { temperature: 0.0, ..chain }.validate().is_err());
    /// let flat = PairPotential::DoubleWell { height: 0.0, separation: 1.0 };
    /// assert!(Chain { pair: flat, ..chain }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        let positive = |v: f64| v > 0.0 && v.is_finite();
        let pair_ok = match self.pair {
            PairPotential::Harmonic { stiffness } => positive(stiffness),
            PairPotential::DoubleWell { height, separation } => {
                positive(height) && positive(separation)
            }
        };
        if self.particles < 2 || !positive(self.tether) || !positive(self.temperature) || !pair_ok {
            return Err(Error::InvalidConfig {
                what: format!("chain {self:?}"),
                message: "needs at least 2 particles and positive, finite constants".into(),
            });
        }
        Ok(())
    }

    /// The reduced energy `E(x) / kT` per row, `(rows, 1)`.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] unless `x` has one column per particle.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl_models::boltzmann::{Chain, PairPotential};
    /// # fn main() -> flowppl::Result<()> {
    /// let pair = PairPotential::Harmonic { stiffness: 3.0 };
    /// let chain = Chain { particles: 2, tether: 2.0, pair, temperature: 2.0 };
    /// let x = Var::<f64, Cpu>::from_vec(&Cpu::default(), vec![1.0, 3.0], 1, 2)?;
    /// // (k_0 x_0^2 / 2 + k (x_1 - x_0)^2 / 2) / kT = (1 + 6) / 2.
    /// assert_eq!(chain.reduced_energy(&x)?.item()?, 3.5);
    /// assert!(chain.reduced_energy(&Var::<f64, Cpu>::zeros(&Cpu::default(), 1, 3)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn reduced_energy<E: Real, D: Backend<E>>(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        let n = self.particles;
        if x.columns() != n {
            return Err(Error::invalid_shape(
                "Chain::reduced_energy",
                format!("{} columns for a chain of {n} particles", x.columns()),
            ));
        }
        let tether = x
            .slice_columns(0, 1)?
            .square()
            .mul_scalar(0.5 * self.tether);
        let separations = x.slice_columns(1, n)?.sub(&x.slice_columns(0, n - 1)?)?;
        let pairs = self.pair.energy_var(&separations).sum_columns();
        Ok(tether.add(&pairs)?.mul_scalar(1.0 / self.temperature))
    }

    /// `ln int exp(-V(r) / kT) dr`: closed form for the harmonic pair, composite Simpson's rule
    /// on 200 001 points over `[-R, R]` otherwise, with `R` far beyond where the integrand falls
    /// below `1e-30` of its peak.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::boltzmann::{Chain, PairPotential};
    /// use std::f64::consts::TAU;
    /// let pair = PairPotential::Harmonic { stiffness: TAU };
    /// let chain = Chain { particles: 2, tether: 1.0, pair, temperature: 1.0 };
    /// // ln sqrt(2 pi kT / k) = 0 for k = 2 pi kT.
    /// assert!(chain.pair_log_partition().abs() < 1e-12);
    /// // The double well by quadrature agrees with a plain midpoint sum over [-4, 4].
    /// let well = PairPotential::DoubleWell { height: 1.0, separation: 1.0 };
    /// let midpoint = |i: usize| -4.0 + 1e-3 * (i as f64 + 0.5);
    /// let sum: f64 = (0..8000).map(|i| (-well.energy(midpoint(i))).exp() * 1e-3).sum();
    /// assert!((Chain { pair: well, ..chain }.pair_log_partition() - sum.ln()).abs() < 1e-6);
    /// ```
    pub fn pair_log_partition(&self) -> f64 {
        match self.pair {
            PairPotential::Harmonic { stiffness } => {
                0.5 * (TAU * self.temperature / stiffness).ln()
            }
            PairPotential::DoubleWell { .. } => self.pair_log_partition_by_quadrature(),
        }
    }

    /// The pair integral by quadrature for any potential (the harmonic case checks it).
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::boltzmann::{Chain, PairPotential};
    /// let pair = PairPotential::Harmonic { stiffness: 3.0 };
    /// let chain = Chain { particles: 4, tether: 2.0, pair, temperature: 1.5 };
    /// // Simpson's rule reproduces the Gaussian closed form.
    /// let gap = chain.pair_log_partition_by_quadrature() - chain.pair_log_partition();
    /// assert!(gap.abs() < 1e-10);
    /// ```
    pub fn pair_log_partition_by_quadrature(&self) -> f64 {
        let reach = match self.pair {
            PairPotential::Harmonic { stiffness } => 12.0 * (self.temperature / stiffness).sqrt(),
            PairPotential::DoubleWell { height, separation } => {
                // h (u^2 - 1)^2 / kT > 70 once u^2 > 1 + sqrt(70 kT / h).
                separation * (1.0 + (70.0 * self.temperature / height).sqrt()).sqrt() + separation
            }
        };
        let intervals = 200_000;
        let h = 2.0 * reach / intervals as f64;
        let value = |k: usize| (-self.pair.energy(-reach + k as f64 * h) / self.temperature).exp();
        let inner: f64 = (1..intervals)
            .map(|k| if k % 2 == 1 { 4.0 } else { 2.0 } * value(k))
            .sum();
        (h / 3.0 * (value(0) + inner + value(intervals))).ln()
    }

    /// `ln Z`.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::boltzmann::{Chain, PairPotential};
    /// use std::f64::consts::TAU;
    /// // With k_0 = k = 2 pi kT every factor of Z is 1 ...
    /// let pair = PairPotential::Harmonic { stiffness: TAU };
    /// let unit = Chain { particles: 5, tether: TAU, pair, temperature: 1.0 };
    /// assert!(unit.log_partition().abs() < 1e-12);
    /// // ... and a four times stiffer tether halves the first one.
    /// let stiff = Chain { tether: 4.0 * TAU, ..unit };
    /// assert!((stiff.log_partition() + 2f64.ln()).abs() < 1e-12);
    /// ```
    pub fn log_partition(&self) -> f64 {
        0.5 * (TAU * self.temperature / self.tether).ln()
            + (self.particles - 1) as f64 * self.pair_log_partition()
    }

    /// The free energy `F = -kT ln Z`.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::boltzmann::{Chain, PairPotential};
    /// use std::f64::consts::TAU;
    /// let pair = PairPotential::Harmonic { stiffness: TAU };
    /// let chain = Chain { particles: 3, tether: TAU, pair, temperature: 2.0 };
    /// // Each of the three factors of Z is sqrt(2 pi kT / (2 pi)) = sqrt(2) at kT = 2.
    /// assert!((chain.free_energy() + 3.0 * 2f64.ln()).abs() < 1e-12);
    /// ```
    pub fn free_energy(&self) -> f64 {
        -self.temperature * self.log_partition()
    }

    /// The Cholesky factor of the covariance, `n x n` row-major, for a harmonic chain.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a non-Gaussian chain.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::boltzmann::{Chain, PairPotential};
    /// # fn main() -> flowppl::Result<()> {
    /// let pair = PairPotential::Harmonic { stiffness: 1.0 };
    /// let chain = Chain { particles: 3, tether: 4.0, pair, temperature: 1.0 };
    /// // sqrt(kT / k_0) = 0.5 down the first column, sqrt(kT / k) = 1 on and below the diagonal.
    /// assert_eq!(chain.covariance_factor()?, vec![0.5, 0.0, 0.0, 0.5, 1.0, 0.0, 0.5, 1.0, 1.0]);
    /// let well = PairPotential::DoubleWell { height: 1.0, separation: 1.0 };
    /// assert!(Chain { pair: well, ..chain }.covariance_factor().is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn covariance_factor(&self) -> Result<Vec<f64>> {
        let PairPotential::Harmonic { stiffness } = self.pair else {
            return Err(Error::InvalidConfig {
                what: "Chain::covariance_factor".into(),
                message: "only the harmonic chain is Gaussian".into(),
            });
        };
        let n = self.particles;
        let tether = (self.temperature / self.tether).sqrt();
        let bond = (self.temperature / stiffness).sqrt();
        Ok((0..n * n)
            .map(|k| match (k / n, k % n) {
                (_, 0) => tether,
                (j, i) if i <= j => bond,
                _ => 0.0,
            })
            .collect())
    }

    /// `KL(q || p)` in closed form for `q = N(shift, L L^T)` (`L` lower-triangular, row-major)
    /// against a harmonic chain: `(tr(S^-1 L L^T) + m^T S^-1 m - n + ln det S - ln det L L^T) / 2`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a non-Gaussian chain or wrong sizes.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::boltzmann::{Chain, PairPotential};
    /// # fn main() -> flowppl::Result<()> {
    /// let pair = PairPotential::Harmonic { stiffness: 1.0 };
    /// let chain = Chain { particles: 2, tether: 1.0, pair, temperature: 1.0 };
    /// let factor = chain.covariance_factor()?;
    /// assert!(chain.gaussian_kl(&[0.0, 0.0], &factor)?.abs() < 1e-12);
    /// // Shifting the mean by m costs m^T S^-1 m / 2, here 1 (S = [[1, 1], [1, 2]]).
    /// assert!((chain.gaussian_kl(&[1.0, 0.0], &factor)? - 1.0).abs() < 1e-12);
    /// assert!(chain.gaussian_kl(&[0.0], &factor).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn gaussian_kl(&self, shift: &[f64], factor: &[f64]) -> Result<f64> {
        let n = self.particles;
        if shift.len() != n || factor.len() != n * n {
            return Err(Error::InvalidConfig {
                what: "Chain::gaussian_kl".into(),
                message: format!("expected {n} shifts and an {n}x{n} factor"),
            });
        }
        let target = self.covariance_factor()?;
        // With S = P P^T: tr(S^-1 L L^T) = ||P^-1 L||_F^2 and m^T S^-1 m = ||P^-1 m||^2.
        let solve = |rhs: &[f64]| lower_solve(&target, rhs, n);
        let mut trace = 0.0;
        for column in 0..n {
            let l_column: Vec<f64> = (0..n).map(|row| factor[row * n + column]).collect();
            trace += solve(&l_column).iter().map(|v| v * v).sum::<f64>();
        }
        let mahalanobis: f64 = solve(shift).iter().map(|v| v * v).sum();
        let log_det = |l: &[f64]| (0..n).map(|i| 2.0 * l[i * n + i].abs().ln()).sum::<f64>();
        Ok(0.5 * (trace + mahalanobis - n as f64 + log_det(&target) - log_det(factor)))
    }
}

/// Solves `L y = b` by forward substitution (`L` lower-triangular `n x n`, row-major).
fn lower_solve(l: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut y = vec![0.0; n];
    for i in 0..n {
        let partial: f64 = (0..i).map(|j| l[i * n + j] * y[j]).sum();
        y[i] = (b[i] - partial) / l[i * n + i];
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowppl::backend::Cpu;

    fn harmonic() -> Chain {
        Chain {
            particles: 4,
            tether: 2.0,
            pair: PairPotential::Harmonic { stiffness: 3.0 },
            temperature: 1.5,
        }
    }

    #[test]
    fn quadrature_reproduces_the_harmonic_closed_form() {
        let chain = harmonic();
        assert!(
            (chain.pair_log_partition_by_quadrature() - chain.pair_log_partition()).abs() < 1e-10
        );
    }

    #[test]
    fn the_energy_matches_its_definition_and_the_kl_of_the_truth_is_zero() {
        let chain = harmonic();
        let x = [0.3, -0.2, 0.5, 1.0];
        let expected = (0.5 * 2.0 * 0.09 + 1.5 * (0.25 + 0.49 + 0.25)) / 1.5;
        let got = chain
            .reduced_energy(&Var::<f64, Cpu>::from_vec(&Cpu::default(), x.to_vec(), 1, 4).unwrap())
            .unwrap()
            .item()
            .unwrap();
        assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
        let factor = chain.covariance_factor().unwrap();
        assert!(chain.gaussian_kl(&[0.0; 4], &factor).unwrap().abs() < 1e-12);
        let mut off = factor.clone();
        off[0] *= 1.1;
        assert!(chain.gaussian_kl(&[0.0; 4], &off).unwrap() > 1e-3);
    }

    #[test]
    fn bad_chains_are_refused() {
        let mut chain = harmonic();
        chain.particles = 1;
        assert!(chain.validate().is_err());
        let double_well = Chain {
            pair: PairPotential::DoubleWell {
                height: 1.0,
                separation: 1.0,
            },
            ..harmonic()
        };
        assert!(double_well.covariance_factor().is_err());
    }
}
