//! # 05: normalising flows
//!
//! Fit a planar flow to the sine-wave energy U2 of Rezende & Mohamed by reverse KL, and a
//! MAF to 2-D data by maximum likelihood.
//!
//! Run with `cargo run --release --example 05_flows`.

use flowppl::backend::rng::seeded;
use flowppl::flows::training::{
    energy_gap, fit_density, fit_energy, mean_log_likelihood, DensityOptions, EnergyOptions,
};
use flowppl::flows::{build_flow, FlowKind};
use flowppl::prelude::*;

/// U2(z) = ((z2 - sin(2 pi z1 / 4)) / 0.4)^2 / 2 + (z1 / 4)^8 / 2, with ln Z = 2.108710.
fn sine_energy(z: &Var<f32, Cpu>) -> Result<Var<f32, Cpu>> {
    let z1 = z.slice_columns(0, 1)?;
    let z2 = z.slice_columns(1, 2)?;
    let wave = (&z1 * (std::f64::consts::TAU / 4.0)).sin();
    let envelope = (&z1 * 0.25).powi(8) * 0.5;
    // Operators poison on shape errors; `check` turns that into a `Result`.
    let energy = ((z2 - wave) * (1.0 / 0.4)).square() * 0.5 + envelope;
    energy.check()?;
    Ok(energy)
}

fn main() -> Result<()> {
    let device = Cpu::default();

    // ANCHOR: energy
    let flow = build_flow::<f32, Cpu>("planar", FlowKind::Planar, 2, 32, &[], 0)?;
    let mut store = ParamStore::new(&device);
    let options = EnergyOptions {
        steps: 3000,
        ..EnergyOptions::default()
    };
    fit_energy(&flow, &mut store, sine_energy, &options)?;
    let kl = energy_gap(&flow, &store, sine_energy, 50_000, 1)? + 2.108710;
    println!("planar flow on U2: KL(q || p) = {kl:.3} nats");
    // ANCHOR_END: energy

    // ANCHOR: density
    // Data: a noisy circle of radius 2.
    let mut rng = seeded(5);
    let angles = flowppl::backend::rng::open_uniforms(&mut rng, 4000);
    let noise = flowppl::backend::rng::standard_normals(&mut rng, 8000);
    let points: Vec<f32> = (0..4000)
        .flat_map(|i| {
            let a = angles[i] * std::f64::consts::TAU;
            [
                (2.0 * a.cos() + 0.1 * noise[2 * i]) as f32,
                (2.0 * a.sin() + 0.1 * noise[2 * i + 1]) as f32,
            ]
        })
        .collect();
    let data = Var::from_vec(&device, points, 4000, 2)?;
    let maf = build_flow::<f32, Cpu>("maf", FlowKind::Maf, 2, 4, &[64, 64], 0)?;
    let mut store = ParamStore::new(&device);
    let options = DensityOptions {
        steps: 1000,
        learning_rate: 3e-3,
        validation_fraction: 0.1,
        ..DensityOptions::default()
    };
    let report = fit_density(&maf, &mut store, &data, &options)?;
    println!(
        "MAF on a circle: mean log-likelihood {:.3}, validation {:?}",
        mean_log_likelihood(&maf, &store, &data)?,
        report.validation.last()
    );
    // ANCHOR_END: density
    Ok(())
}
