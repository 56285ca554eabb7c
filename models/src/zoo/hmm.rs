//! A two-state hidden Markov model with Gaussian emissions (posteriordb `hmm_example`).

use crate::stan_data::StanData;
use flowppl::prelude::*;

model! {
    /// States are summed out by the forward algorithm:
    /// `gamma_t(k) = logsumexp_j [gamma_(t-1)(j) + ln theta_jk] + ln N(y_t | mu_k, 1)`,
    /// `ln p(y) = logsumexp_k gamma_N(k)`. Rows of the transition matrix `theta1`, `theta2`
    /// are flat on the simplex; `mu` is positive-ordered with `N(3, 1)` and `N(10, 1)` terms.
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
