//! A two-state hidden Markov model with Gaussian emissions (posteriordb `hmm_example`).

use crate::stan_data::StanData;
use flowppl::prelude::*;

model! {
    /// States are summed out by the forward algorithm:
    /// `gamma_t(k) = logsumexp_j [gamma_(t-1)(j) + ln theta_jk] + ln N(y_t | mu_k, 1)`,
    /// `ln p(y) = logsumexp_k gamma_N(k)`. Rows of the transition matrix `theta1`, `theta2`
    /// are flat on the simplex; `mu` is positive-ordered with `N(3, 1)` and `N(10, 1)` terms.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::hmm::hmm;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let row = |v: &[f64]| Var::<f64, Cpu>::from_vec(&device, v.to_vec(), 1, v.len());
    /// let (theta1, theta2) = (row(&[0.9, 0.1])?, row(&[0.5, 0.5])?); // transition rows
    /// let at = values([("theta1", theta1), ("theta2", theta2), ("mu", row(&[1.0, 11.0])?)]);
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let t = trace(&substitute(hmm(&[1.0, 11.0]), at), &mut Ctx::new(&device, &mut rng))?;
    /// // y_1 sits on mu_1 and y_2 on mu_2: the only likely path is 1 -> 2, of probability 0.1,
    /// // so ln p(y) = ln 0.1 + 2 ln N(0; 0, 1).
    /// let y = t.get("y").unwrap().log_density()?.unwrap().item()?;
    /// assert!((y - (0.1f64.ln() - std::f64::consts::TAU.ln())).abs() < 1e-9);
    /// # Ok(())
    /// # }
    /// ```
    pub fn hmm(y: &[f64]) {
        let theta1 = sample!("theta1", Dirichlet::new(Var::full(&y.device(), 1, 2, 1.0)));
        let theta2 = sample!("theta2", Dirichlet::new(Var::full(&y.device(), 1, 2, 1.0)));
        let mu = sample!("mu", ImproperUniform::new(Constraint::PositiveOrdered, 1, 2));
        let mu1 = mu.slice_columns(0, 1)?;
        let mu2 = mu.slice_columns(1, 2)?;
        factor!("mu_prior", Normal::new(3.0, 1.0)?.log_prob_unchecked(&mu1)? + Normal::new(10.0, 1.0)?.log_prob_unchecked(&mu2)?);
        // Emission log-densities for both states at every time: (particles, N) each.
        let emission1 = Normal::new(&mu1, 1.0)?.log_prob_unchecked(&y)?;
        let emission2 = Normal::new(&mu2, 1.0)?.log_prob_unchecked(&y)?;
        // ln theta_jk, as (particles, 1) columns.
        let log1 = theta1.ln();
        let log2 = theta2.ln();
        let (to1_from1, to2_from1) = (log1.slice_columns(0, 1)?, log1.slice_columns(1, 2)?);
        let (to1_from2, to2_from2) = (log2.slice_columns(0, 1)?, log2.slice_columns(1, 2)?);
        let mut gamma1 = emission1.slice_columns(0, 1)?;
        let mut gamma2 = emission2.slice_columns(0, 1)?;
        for t in 1..y.columns() {
            let next1 = (gamma1 + to1_from1).log_add_exp(&(gamma2 + to1_from2))? + emission1.slice_columns(t, t + 1)?;
            let next2 = (gamma1 + to2_from1).log_add_exp(&(gamma2 + to2_from2))? + emission2.slice_columns(t, t + 1)?;
            gamma1 = next1;
            gamma2 = next2;
        }
        factor!("y", gamma1.log_add_exp(&gamma2)?);
    }
}

/// The HMM on Stan data `N, K = 2, y`.
///
/// # Errors
/// Data errors naming the field; `K` other than 2.
///
/// # Examples
/// ```
/// use flowppl::handlers::{substitute, trace, values};
/// use flowppl::prelude::*;
/// use flowppl_models::{stan_data::StanData, zoo::hmm::build};
/// # fn main() -> flowppl::Result<()> {
/// let data = StanData::parse("d.json", r#"{"N": 2, "K": 2, "y": [1, 11]}"#)?;
/// let device = Cpu::default();
/// let row = |v: &[f32]| Var::<f32, Cpu>::from_vec(&device, v.to_vec(), 1, v.len());
/// let (theta1, theta2) = (row(&[0.9, 0.1])?, row(&[0.5, 0.5])?); // transition rows
/// let at = values([("theta1", theta1), ("theta2", theta2), ("mu", row(&[1.0, 11.0])?)]);
/// # let mut rng = flowppl::backend::rng::seeded(0);
/// let t = trace(&substitute(build(&data)?, at), &mut Ctx::new(&device, &mut rng))?;
/// let y = t.get("y").unwrap().log_density()?.unwrap().item()?; // as in `hmm`
/// assert!((y - (0.1f32.ln() - std::f32::consts::TAU.ln())).abs() < 1e-4);
/// let three_states = StanData::parse("d.json", r#"{"N": 2, "K": 3, "y": [1, 11]}"#)?;
/// assert!(build(&three_states).is_err());
/// # Ok(())
/// # }
/// ```
pub fn build(d: &StanData) -> Result<Box<dyn Model<f32, Cpu>>> {
    let n = d.count("N")?;
    if d.count("K")? != 2 {
        return Err(Error::Parse {
            path: "hmm_example data".into(),
            message: "field `K`: this translation has two states (K = 2)".into(),
        });
    }
    Ok(Box::new(hmm(&d.vector_of_length("y", n)?)))
}
