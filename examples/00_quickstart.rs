//! # 00: the quick start
//!
//! Fit the eight-schools model with a normalising-flow guide, check the fit, and ask an
//! interventional question: what would the schools' scores look like if the population mean
//! effect were set to 10 points, `do(mu = 10)`, everything else as the posterior says?
//!
//! Run with `cargo run --release --example 00_quickstart` (about 10 seconds).

use flowppl::flows::FlowKind;
use flowppl::handlers::{intervene, values, Values};
use flowppl::infer::AutoFlow;
use flowppl::prelude::*;

// ANCHOR: model
model! {
    /// Non-centred eight schools (Rubin 1981): school effects `theta = mu + tau * z`.
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
    // An inverse autoregressive flow (2 layers, MADE [32, 32]) over all ten latent values.
    let guide = AutoFlow::new(FlowKind::Iaf, 2, &[32, 32]);
    let fit = Svi::new(eight_schools(&y, &sigma), guide)
        .optimizer(Adam::new(0.01)?)
        .particles(8)
        .steps(3000)
        .seed(0)
        .run()?;
    println!("{}", fit.summary(10_000, 1)?);
    let check = fit.diagnostics(10_000, 2)?;
    println!(
        "PSIS k-hat {:.2} ({}), log evidence {:.2} +- {:.2}",
        check.khat,
        check.reading.as_str(),
        check.log_evidence,
        check.log_evidence_se
    );
    // ANCHOR_END: fit

    // ANCHOR: intervene
    // Posterior draws of every latent, then the model run under do(mu = 10): `mu` is fixed,
    // `tau` and `z` keep their posterior draws, and the scores are drawn afresh.
    let posterior = fit.posterior_samples(4000, 3)?;
    let dev = Cpu::default();
    let observed =
        Predictive::posterior(eight_schools(&y, &sigma), posterior.clone())?.run(&dev, 4)?;
    let forced = intervene(
        eight_schools(&y, &sigma),
        values([("mu", Var::scalar(&dev, 10.0))]),
    );
    let intervened = Predictive::posterior(forced, posterior)?.run(&dev, 4)?;
    let school = |draws: &Values<f32, Cpu>, j: usize| {
        let all = draws["y"].to_vec();
        let column: Vec<f64> = all.iter().skip(j).step_by(8).map(|&v| v as f64).collect();
        column.iter().sum::<f64>() / column.len() as f64
    };
    for j in [0, 2] {
        println!(
            "school {}: mean score {:.2} as fitted, {:.2} under do(mu = 10)",
            j + 1,
            school(&observed, j),
            school(&intervened, j)
        );
    }
    // ANCHOR_END: intervene
    Ok(())
}
