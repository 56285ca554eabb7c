//! T6: eight schools (non-centred), AutoNormal and an IAF guide (2 x MADE [32, 32]), Adam 0.01,
//! 5000 steps, 1 particle; moments of mu, tau and log tau from 20 000 guide draws.

use super::{timed_seeds, TaskReport, TaskSettings};
use crate::zoo::eight_schools::{eight_schools_noncentered, EightSchoolsNoncentered};
use flowppl::flows::FlowKind;
use flowppl::infer::{AutoFlow, Fit, Guide};
use flowppl::prelude::*;
use flowppl::Error;

/// The suite's data.
pub(crate) const Y: [f64; 8] = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
/// The suite's standard errors.
pub(crate) const SIGMA: [f64; 8] = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];

fn mean_and_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, variance.sqrt())
}

fn figures<G: Guide<f32, Cpu>>(
    fit: &Fit<EightSchoolsNoncentered, G, f32, Cpu>,
    seed: u64,
) -> Result<Vec<(String, f64)>> {
    let elbo = fit.diagnostics(1000, 1000 + seed)?.elbo;
    let draws = fit.posterior_samples(20_000, 2000 + seed)?;
    let column = |site: &str| -> Result<Vec<f64>> {
        let values = draws.get(site).ok_or_else(|| Error::InvalidConfig {
            what: format!("site `{site}`"),
            message: "missing from the guide's draws".into(),
        })?;
        Ok(values.to_f64_vec())
    };
    let mu = column("mu")?;
    let tau = column("tau")?;
    let log_tau: Vec<f64> = tau.iter().map(|t| t.ln()).collect();
    let mut figures = vec![("elbo_1000".to_string(), elbo)];
    for (name, values) in [("mu", &mu), ("tau", &tau), ("log_tau", &log_tau)] {
        let (mean, sd) = mean_and_sd(values);
        figures.push((format!("{name}_mean"), mean));
        figures.push((format!("{name}_sd"), sd));
    }
    Ok(figures)
}

fn run_seeds<G: Guide<f32, Cpu>>(
    names: (&str, &str),
    guide: impl Fn() -> G,
    settings: &TaskSettings,
) -> Result<TaskReport> {
    timed_seeds(
        names,
        5000,
        settings,
        |seed, steps| {
            Svi::new(eight_schools_noncentered(&Y, &SIGMA), guide())
                .optimizer(Adam::new(0.01)?)
                .steps(steps)
                .seed(seed)
                .run()
        },
        figures,
    )
}

/// `T6-AutoNormal` (loc 0 in the unconstrained space, so tau = 1; scale 0.1) and
/// `T6-AutoIAFNormal` (2 x MADE [32, 32] with a reversal; flowppl's flow guide also learns an
/// affine base, started at the prior median).
///
/// # Errors
/// Errors of the fits.
pub(crate) fn both_guides(settings: &TaskSettings) -> Result<Vec<TaskReport>> {
    Ok(vec![
        run_seeds(
            (
                "T6-AutoNormal",
                "AutoNormal, init loc 0 (feasible), scale 0.1",
            ),
            || {
                AutoNormal::new()
                    .with_init(InitStrategy::Feasible)
                    .with_initial_scale(0.1)
            },
            settings,
        )?,
        run_seeds(
            (
                "T6-AutoIAFNormal",
                "AutoFlow IAF 2 x MADE[32,32] + reversal, learnable affine base",
            ),
            || AutoFlow::new(FlowKind::Iaf, 2, &[32, 32]),
            settings,
        )?,
    ])
}
