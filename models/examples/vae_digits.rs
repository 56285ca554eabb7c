//! VAEs on the binarised digits (task T5): trains the given posterior/prior pair for the given
//! seeds and prints the test NLL from the importance-weighted bound (K = 1000), the final
//! training ELBO and ms per step. Run with
//! `cargo run --release -p flowppl-models --example vae_digits -- iaf:2 normal 0,1,2 [steps]`.
//!
//! T5: encoder 64-256-256-(8+8+32), mirrored decoder, 2 IAF steps with MADE [128, 128] fed the
//! 32-wide context, Adam 1e-3, batch 100, 3000 steps, 1 particle. Peers (`RESULTS.md`): test NLL
//! 16.39 nats (NumPyro) and 16.57 (Pyro).

use flowppl::prelude::*;
use flowppl::vae::{iwae_bound, train, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
use flowppl_models::tasks::rows_to_var;
use std::time::Instant;

fn main() -> Result<()> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let posterior = Posterior::parse(arguments.first().map_or("iaf:2", String::as_str))?;
    let prior = Prior::parse(arguments.get(1).map_or("normal", String::as_str))?;
    let seeds: Vec<u64> = arguments
        .get(2)
        .map_or("0", String::as_str)
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    let steps: usize = arguments
        .get(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let device = Cpu::default();
    let (train_rows, test_rows) = flowppl_models::digits::digits()?;
    let (train_data, test_data) = (rows_to_var(&train_rows, 64)?, rows_to_var(&test_rows, 64)?);
    let mut nlls = Vec::new();
    for &seed in &seeds {
        let vae = Vae::<f32, Cpu>::new(VaeConfig::t5(posterior, prior))?;
        let mut store = ParamStore::new(&device);
        let options = VaeTrainingOptions {
            steps,
            seed,
            ..VaeTrainingOptions::default()
        };
        let started = Instant::now();
        let report = train(&vae, &mut store, &train_data, &options)?;
        let ms = 1e3 * started.elapsed().as_secs_f64() / steps as f64;
        let bounds = iwae_bound(&vae, &store, &test_data, 1000, 1000 + seed)?;
        let nll = -bounds.iter().sum::<f64>() / bounds.len() as f64;
        let tail = &report.elbo[report.elbo.len().saturating_sub(100)..];
        println!(
            "{posterior:?} / {prior:?} seed {seed}: test NLL (IWAE K=1000) {nll:.3} nats, train ELBO {:.3}, {ms:.2} ms/step",
            tail.iter().sum::<f64>() / tail.len() as f64
        );
        nlls.push(nll);
    }
    if nlls.len() > 1 {
        let mean = nlls.iter().sum::<f64>() / nlls.len() as f64;
        let spread = nlls.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
            - nlls.iter().cloned().fold(f64::INFINITY, f64::min);
        println!("mean {mean:.3}, spread (max - min) {spread:.3}");
    }
    Ok(())
}
