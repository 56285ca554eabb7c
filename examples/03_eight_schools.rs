//! # 03: a model in the DSL, fitted by SVI
//!
//! Declare the non-centred eight-schools model with `model!`, fit a mean-field guide, read the
//! posterior summary, and draw from the posterior predictive.
//!
//! Run with `cargo run --release --example 03_eight_schools`.

use flowppl::params::Schedule;
use flowppl::prelude::*;

// ANCHOR: model
model! {
    /// Non-centred eight schools (Rubin 1981).
    pub fn eight_schools(y: &[f64], sigma: &[f64]) {
        let mu = sample!("mu", Normal::new(0.0, 5.0));
        let tau = sample!("tau", HalfCauchy::new(5.0));
        let schools = plate!("school", y.len());
        let z = sample!("z", Normal::new(0.0, 1.0), plate = schools);
        let theta = mu + tau * z;
        deterministic!("theta", theta);
        observe!("y", Normal::new(theta, sigma), y, plate = schools);
    }
}
// ANCHOR_END: model

fn main() -> Result<()> {
    let y = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
    let sigma = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];

    // ANCHOR: fit
    let steps = 5000;
    let fit = Svi::new(eight_schools(&y, &sigma), AutoNormal::new())
        .optimizer(Adam::new(0.02)?.with_schedule(Schedule::exponential_to(0.05, steps as u64))?)
        .particles(16)
        .steps(steps)
        .seed(0)
        .run()?;
    println!("{}", fit.summary(10_000, 1)?);
    // ANCHOR_END: fit

    // ANCHOR: predictive
    let posterior = fit.posterior_samples(1000, 2)?;
    let replicated =
        Predictive::posterior(eight_schools(&y, &sigma), posterior)?.run(&Cpu::default(), 3)?;
    let first_school: Vec<f32> = replicated["y"]
        .to_vec()
        .iter()
        .step_by(8)
        .copied()
        .collect();
    let mean = first_school.iter().sum::<f32>() / first_school.len() as f32;
    println!("posterior predictive mean of school 1: {mean:.2} (observed 28)");
    // ANCHOR_END: predictive
    Ok(())
}
