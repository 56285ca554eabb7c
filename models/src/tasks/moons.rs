//! T4: MAF density estimation on two moons (5 affine autoregressive layers with MADE
//! [128, 128], reversals between them, batch 512, Adam 1e-3, 2000 steps); mean test
//! log-likelihood over the 5000 test points.

use super::{time_steps, TaskReport, TaskRun, TaskSettings};
use crate::energies::two_moons;
use flowppl::flows::training::{fit_density, mean_log_likelihood, DensityOptions};
use flowppl::flows::{build_flow, FlowKind};
use flowppl::prelude::*;

/// `T4`.
///
/// # Errors
/// Errors of the fit.
pub fn maf_density(settings: &TaskSettings) -> Result<TaskReport> {
    let steps = settings.steps_for(2000)?;
    let device = Cpu::default();
    let (train, test) = two_moons()?;
    let to_var = |v: &[f64]| {
        Var::<f32, Cpu>::from_vec(
            &device,
            v.iter().map(|&x| x as f32).collect(),
            v.len() / 2,
            2,
        )
    };
    let (train, test) = (to_var(&train)?, to_var(&test)?);
    let flow = build_flow::<f32, Cpu>("maf", FlowKind::Maf, 2, 5, &[128, 128], 0)?;
    let mut runs = Vec::new();
    for &seed in &settings.seeds {
        let (store, ms_per_step) = time_steps(steps, |steps| {
            let mut store = ParamStore::new(&device);
            let options = DensityOptions {
                steps,
                batch_size: 512,
                learning_rate: 1e-3,
                validation_fraction: 0.0,
                patience: None,
                seed,
                ..DensityOptions::default()
            };
            fit_density(&flow, &mut store, &train, &options)?;
            Ok(store)
        })?;
        runs.push(TaskRun {
            seed,
            ms_per_step,
            metrics: vec![(
                "test_mean_loglik".into(),
                mean_log_likelihood(&flow, &store, &test)?,
            )],
        });
    }
    Ok(TaskReport {
        task: "T4".into(),
        implementation: "MAF 5 x MADE[128,128] + reversals; own shuffled minibatches of 512".into(),
        runs,
    })
}
