//! T5: VAE on the binarised digits with an amortised posterior of two conditional IAF layers
//! (MADE [128, 128] fed a 32-wide context), batch 100, Adam 1e-3, 3000 steps; test NLL from the
//! importance-weighted bound with K = 1000.

use super::{rows_to_var, timed_seeds, TaskReport, TaskSettings};
use crate::digits::digits;
use flowppl::prelude::*;
use flowppl::vae::{iwae_bound, train, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};

/// `T5`.
///
/// # Errors
/// Errors of the fit.
pub(crate) fn digits_iaf(settings: &TaskSettings) -> Result<TaskReport> {
    let device = Cpu::default();
    let (train_rows, test_rows) = digits()?;
    let (train_data, test_data) = (rows_to_var(&train_rows, 64)?, rows_to_var(&test_rows, 64)?);
    let vae = Vae::<f32, Cpu>::new(VaeConfig::t5(Posterior::Iaf(2), Prior::Normal))?;
    timed_seeds(
        (
            "T5",
            "VAE 64-256-256-(8+8+32), 2 conditional IAF x MADE[128,128]; own shuffled \
             minibatches of 100",
        ),
        3000,
        settings,
        |seed, steps| {
            let mut store = ParamStore::new(&device);
            let options = VaeTrainingOptions {
                steps,
                seed,
                ..VaeTrainingOptions::default()
            };
            train(&vae, &mut store, &train_data, &options)?;
            Ok(store)
        },
        |store, seed| {
            let bounds = iwae_bound(&vae, store, &test_data, 1000, 1000 + seed)?;
            let nll = -bounds.iter().sum::<f64>() / bounds.len() as f64;
            Ok(vec![("test_nll_iwae_k1000".into(), nll)])
        },
    )
}
