//! # 08: a VAE with a flow posterior and a flow prior
//!
//! Binary 4 x 4 images of a horizontal or a vertical bar at a random position (8 patterns)
//! with pixel noise. Train a VAE whose posterior ends in two IAF steps and whose prior is a MAF,
//! then score held-out images by the importance-weighted bound and decode a latent path.
//!
//! Run with `cargo run --release --example 08_vae` (a few seconds). For the digits of task T5
//! use `flowppl vae train --posterior iaf:2 --prior maf:2`.

use flowppl::backend::rng::seeded;
use flowppl::flows::FlowKind;
use flowppl::prelude::*;
use flowppl::vae::{iwae_bound, train, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
use rand::Rng as _;

/// `n` noisy bar images, row-major 4 x 4, flattened.
fn bars(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = seeded(seed);
    let mut values = Vec::with_capacity(16 * n);
    for _ in 0..n {
        let (vertical, position) = (rng.gen_bool(0.5), rng.gen_range(0..4));
        for p in 0..16 {
            let on = if vertical {
                p % 4 == position
            } else {
                p / 4 == position
            };
            let flip = rng.gen_bool(0.05);
            values.push(if on != flip { 1.0 } else { 0.0 });
        }
    }
    values
}

fn main() -> Result<()> {
    let device = Cpu::default();
    let train_data = Var::from_vec(&device, bars(2000, 1), 2000, 16)?;
    let test_data = Var::from_vec(&device, bars(200, 2), 200, 16)?;
    // ANCHOR: vae
    let config = VaeConfig {
        input: 16,
        latent: 2,
        hidden: vec![64, 64],
        context: 8,
        flow_hidden: vec![32, 32],
        ..VaeConfig::t5(Posterior::Iaf(2), Prior::Flow(FlowKind::Maf, 2))
    };
    let vae = Vae::<f32, Cpu>::new(config)?;
    let mut store = ParamStore::new(&device);
    let options = VaeTrainingOptions {
        steps: 1500,
        batch_size: 100,
        ..VaeTrainingOptions::default()
    };
    let report = train(&vae, &mut store, &train_data, &options)?;
    let bounds = iwae_bound(&vae, &store, &test_data, 500, 0)?; // ln p(x) per test image
                                                                // ANCHOR_END: vae
    let tail = &report.elbo[report.elbo.len() - 100..];
    println!(
        "train ELBO {:.3} nats per image",
        tail.iter().sum::<f64>() / 100.0
    );
    println!(
        "test NLL (IWAE K=500) {:.3} nats per image",
        -bounds.iter().sum::<f64>() / bounds.len() as f64
    );
    let path = vae.interpolate(
        &store,
        &test_data.slice_rows(0, 1)?,
        &test_data.slice_rows(1, 2)?,
        4,
    )?;
    for image in path.to_f64_vec().chunks(16) {
        let rows: Vec<String> = image
            .chunks(4)
            .map(|r| r.iter().map(|p| if *p > 0.5 { '#' } else { '.' }).collect())
            .collect();
        println!("{}", rows.join(" "));
    }
    Ok(())
}
