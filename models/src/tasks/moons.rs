//! T4: MAF density estimation on two moons (5 affine autoregressive layers with MADE
//! [128, 128], reversals between them, batch 512, Adam 1e-3, 2000 steps); mean test
//! log-likelihood over the 5000 test points.

use super::{rows_to_var, timed_seeds, TaskReport, TaskSettings};
use crate::energies::two_moons;
use flowppl::flows::training::{fit_density, mean_log_likelihood, DensityOptions};
use flowppl::flows::{build_flow, FlowKind};
use flowppl::prelude::*;

/// `T4`.
///
/// # Errors
/// Errors of the fit.
pub(crate) fn maf_density(settings: &TaskSettings) -> Result<TaskReport> {
    let device = Cpu::default();
    let (train, test) = two_moons()?;
    let (train, test) = (rows_to_var(&train, 2)?, rows_to_var(&test, 2)?);
    let flow = build_flow::<f32, Cpu>("maf", FlowKind::Maf, 2, 5, &[128, 128], 0)?;
    timed_seeds(
        (
            "T4",
            "MAF 5 x MADE[128,128] + reversals; own shuffled minibatches of 512",
        ),
        2000,
        settings,
        |seed, steps| {
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
        },
        |store, _| {
            Ok(vec![(
                "test_mean_loglik".into(),
                mean_log_likelihood(&flow, store, &test)?,
            )])
        },
    )
}
