//! Tasks T2 and T6 of `../shared/bench/TASKS.md` end to end: fit, then the final ELBO from 1000
//! particles (`elbo_1000`), the posterior moments from 20 000 guide draws and ms per step
//! (wall time of all steps / steps). Run with
//! `cargo run --release -p flowppl-models --example flow_guide_tasks [seeds]`.
//!
//! - T2: logistic regression 5000 x 20, IAF guide 2 x MADE [64, 64], Adam 0.005, 3000 steps,
//!   1 particle. The task's guide has no learnable affine base; `AutoFlow`'s base (loc and
//!   scale) is a superset, here started from the Laplace approximation (whitened coordinates).
//! - T6: eight schools (non-centred), AutoNormal and IAF 2 x MADE [32, 32], Adam 0.01, 5000
//!   steps, 1 particle (both start at the prior median, tau = 5, where the task starts the
//!   mean-field guide at tau = 1).
//!
//! Peers' best (`RESULTS.md`): T2 ELBO -1487.8 (Pyro); T6 ELBO -31.6 (both guides).

use flowppl::flows::FlowKind;
use flowppl::infer::{AutoFlow, Fit, Guide};
use flowppl::ppl::Model;
use flowppl::prelude::*;

fn report<M: Model<f32, Cpu>, G: Guide<f32, Cpu>>(
    task: &str,
    fit: &Fit<M, G, f32, Cpu>,
    steps: usize,
    sites: &[&str],
) -> Result<f64> {
    let elbo = fit.diagnostics(1000, 1000)?.elbo;
    let summary = fit.summary(20_000, 2000)?;
    let moments: Vec<String> = sites
        .iter()
        .filter_map(|s| {
            summary
                .get(s)
                .map(|r| format!("{s} {:.2}+-{:.2}", r.mean, r.sd))
        })
        .collect();
    println!(
        "{task}: {:.3} ms/step, elbo_1000 {elbo:.2}, {}",
        1e3 * fit.seconds() / steps as f64,
        moments.join(", ")
    );
    Ok(elbo)
}

fn main() -> Result<()> {
    let seeds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    for seed in 0..seeds {
        let logistic = flowppl_models::zoo::logistic::bundled()?;
        let steps = 3000;
        let fit = Svi::new(
            logistic,
            AutoFlow::new(FlowKind::Iaf, 2, &[64, 64]).with_init(InitStrategy::Laplace),
        )
        .optimizer(Adam::new(0.005)?)
        .steps(steps)
        .seed(seed)
        .run()?;
        report(
            &format!("T2 IAF seed {seed}"),
            &fit,
            steps,
            &["w[1]", "w[2]"],
        )?;

        let y = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
        let sigma = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];
        let schools = || flowppl_models::zoo::eight_schools::eight_schools_noncentered(&y, &sigma);
        let steps = 5000;
        let sites = ["mu", "tau"];
        let normal = Svi::new(schools(), AutoNormal::new())
            .optimizer(Adam::new(0.01)?)
            .steps(steps)
            .seed(seed)
            .run()?;
        report(
            &format!("T6 AutoNormal seed {seed}"),
            &normal,
            steps,
            &sites,
        )?;
        let flow = Svi::new(schools(), AutoFlow::new(FlowKind::Iaf, 2, &[32, 32]))
            .optimizer(Adam::new(0.01)?)
            .steps(steps)
            .seed(seed)
            .run()?;
        report(&format!("T6 IAF seed {seed}"), &flow, steps, &sites)?;
    }
    Ok(())
}
