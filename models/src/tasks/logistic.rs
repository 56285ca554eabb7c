//! T1 (mean-field) and T2 (IAF 2 x MADE [64, 64]): Bayesian logistic regression on 5000 x 20,
//! 1 particle, full batch; accuracy against the NUTS reference `data/logreg/logreg_ref.json`.

use super::{timed_seeds, TaskReport, TaskSettings};
use crate::zoo::logistic::{bundled, LogisticRegression};
use flowppl::flows::FlowKind;
use flowppl::infer::{AutoFlow, Fit, Guide};
use flowppl::prelude::*;
use flowppl::Error;
use serde::Deserialize;

#[derive(Deserialize)]
struct NutsReference {
    mean: Vec<f64>,
    sd: Vec<f64>,
}

fn reference() -> Result<NutsReference> {
    serde_json::from_str(include_str!("../../data/logreg/logreg_ref.json")).map_err(|e| {
        Error::Parse {
            path: "logreg_ref.json".into(),
            message: e.to_string(),
        }
    })
}

/// The suite's figures for a fitted guide: `elbo_1000` (1000 particles, seed 1000 + r) and the
/// posterior mean and sd of `w` from 20 000 guide draws (seed 2000 + r) against NUTS:
/// `mean_rmse_vs_nuts`, `mean_max_abs_z_vs_nuts` (max |m - m_ref| / sd_ref) and
/// `sd_ratio_mean_vs_nuts` (mean of sd / sd_ref).
fn figures<G: Guide<f32, Cpu>>(
    fit: &Fit<LogisticRegression, G, f32, Cpu>,
    seed: u64,
) -> Result<Vec<(String, f64)>> {
    let reference = reference()?;
    let elbo = fit.diagnostics(1000, 1000 + seed)?.elbo;
    let summary = fit.summary(20_000, 2000 + seed)?;
    let dimension = reference.mean.len();
    let (mut squared, mut worst_z, mut ratio) = (0.0, 0.0f64, 0.0);
    for j in 0..dimension {
        let row = summary
            .get(&format!("w[{}]", j + 1))
            .ok_or_else(|| Error::InvalidConfig {
                what: format!("site w[{}]", j + 1),
                message: "missing from the guide's summary".into(),
            })?;
        let difference = row.mean - reference.mean[j];
        squared += difference * difference;
        worst_z = worst_z.max(difference.abs() / reference.sd[j]);
        ratio += row.sd / reference.sd[j];
    }
    Ok(vec![
        ("elbo_1000".into(), elbo),
        (
            "mean_rmse_vs_nuts".into(),
            (squared / dimension as f64).sqrt(),
        ),
        ("mean_max_abs_z_vs_nuts".into(), worst_z),
        ("sd_ratio_mean_vs_nuts".into(), ratio / dimension as f64),
    ])
}

fn run_seeds<G: Guide<f32, Cpu>>(
    names: (&str, &str),
    guide: impl Fn() -> G,
    learning_rate: f64,
    settings: &TaskSettings,
) -> Result<TaskReport> {
    timed_seeds(
        names,
        3000,
        settings,
        |seed, steps| {
            Svi::new(bundled()?, guide())
                .optimizer(Adam::new(learning_rate)?)
                .steps(steps)
                .seed(seed)
                .run()
        },
        figures,
    )
}

/// T1: AutoNormal (loc 0, scale 0.1), Adam 0.01, 3000 steps.
///
/// # Errors
/// Errors of the fit.
pub(crate) fn mean_field(settings: &TaskSettings) -> Result<TaskReport> {
    run_seeds(
        ("T1", "AutoNormal, init loc 0 (feasible), scale 0.1"),
        || {
            AutoNormal::new()
                .with_init(InitStrategy::Feasible)
                .with_initial_scale(0.1)
        },
        0.01,
        settings,
    )
}

/// T2: IAF guide, 2 affine autoregressive layers with MADE [64, 64] and a reversal, Adam 0.005,
/// 3000 steps. flowppl's flow guide also learns an affine base (a superset of the suite's
/// fixed standard-normal base), started at the Laplace approximation.
///
/// # Errors
/// Errors of the fit.
pub(crate) fn iaf(settings: &TaskSettings) -> Result<TaskReport> {
    run_seeds(
        (
            "T2",
            "AutoFlow IAF 2 x MADE[64,64] + reversal, learnable affine base from Laplace",
        ),
        || AutoFlow::new(FlowKind::Iaf, 2, &[64, 64]).with_init(InitStrategy::Laplace),
        0.005,
        settings,
    )
}
