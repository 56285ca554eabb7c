//! # 06: flow guides and diagnostics
//!
//! The banana `x1 ~ N(0, 10)`, `x2 ~ N(0.03 (x1^2 - 100), 1)` has a curved posterior that a
//! mean-field Gaussian cannot follow. Fit it with `AutoNormal` and with a RealNVP flow guide,
//! then ask each fit whether it can be trusted (PSIS k-hat) and what it says about the evidence
//! (`ln Z = 0` here).
//!
//! Run with `cargo run --release --example 06_flow_guides` (about 10 s).

use flowppl::flows::FlowKind;
use flowppl::infer::{AutoFlow, Diagnostics, Guide};
use flowppl::params::Schedule;
use flowppl::ppl::{model_fn, Ctx, Model};
use flowppl::prelude::*;

fn banana() -> impl Model<f32, Cpu> {
    model_fn("banana", |ctx: &mut Ctx<'_, f32, Cpu>| {
        let x1 = ctx.sample("x1", Normal::new(0.0, 10.0)?, None)?;
        ctx.sample("x2", Normal::new((x1.square() - 100.0) * 0.03, 1.0)?, None)?;
        Ok(())
    })
}

/// Fits `guide` and returns the sd of x2 and the diagnostics.
fn fit<G: Guide<f32, Cpu>>(guide: G, steps: usize) -> Result<(f64, Diagnostics)> {
    // ANCHOR: fit
    let fit = Svi::new(banana(), guide)
        .optimizer(Adam::new(0.01)?.with_schedule(Schedule::exponential_to(0.1, steps as u64))?)
        .particles(16)
        .steps(steps)
        .seed(0)
        .run()?;
    let check = fit.diagnostics(10_000, 2)?; // k-hat, its reading, ln Z estimate with SE
                                             // ANCHOR_END: fit
    let x2 = fit.summary(20_000, 1)?.get("x2").map_or(f64::NAN, |r| r.sd);
    Ok((x2, check))
}

fn main() -> Result<()> {
    let (normal_sd, normal) = fit(AutoNormal::new(), 5000)?;
    // ANCHOR: guide
    let realnvp = AutoFlow::new(FlowKind::RealNvp, 6, &[64, 64]);
    // ANCHOR_END: guide
    let (flow_sd, flow) = fit(realnvp, 10_000)?;
    println!("sd(x2): exact 4.359, mean-field {normal_sd:.3}, RealNVP {flow_sd:.3}");
    for (name, d) in [("mean-field", &normal), ("RealNVP", &flow)] {
        println!(
            "{name:<10} k-hat {:.2} ({}), ln Z {:.3} +- {:.3}, ELBO {:.3}",
            d.khat,
            d.reading.as_str(),
            d.log_evidence,
            d.log_evidence_se,
            d.elbo
        );
    }
    Ok(())
}
