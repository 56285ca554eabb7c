//! Flows as importance samplers for rare failures (seed 000, "A Magnifying Glass for
//! Disaster"): the probability that a structure fails, `P(g(X) <= 0)` with `X ~ N(0, I)`, is
//! about one in a million for the linear limit state, far too small for crude Monte Carlo. A
//! flow fitted to the failure region by the cross-entropy method reaches 10% relative error
//! with a few thousand evaluations of `g`.
//!
//! `cargo run --release -p flowppl-models --example rare_events -- [--seed N] [--plot DIR]`
//! (with `--plot`, writes `DIR/rare_event_linear.png` and `DIR/rare_event_four_branch.png`:
//! the optimal proposal `phi(x) 1{g(x) <= 0}` beside the fitted flow's density).

use flowppl::backend::{Cpu, Var};
use flowppl::flows::{
    build_flow, crude_monte_carlo, crude_samples_needed, flow_importance_sampling, Base, FlowKind,
    RareEventOptions,
};
use flowppl::params::ParamStore;
use flowppl_models::plot::{write_side_by_side, Grid};
use flowppl_models::reliability::LimitState;

fn main() -> flowppl::Result<()> {
    let arguments: Vec<String> = std::env::args().collect();
    let option = |flag: &str| {
        arguments
            .iter()
            .position(|a| a == flag)
            .and_then(|i| arguments.get(i + 1).cloned())
    };
    let seed = option("--seed").and_then(|s| s.parse().ok()).unwrap_or(0);
    let plot = option("--plot");
    for state in [
        LimitState::parse("linear")?,
        LimitState::parse("four-branch")?,
    ] {
        // ANCHOR: rare_event
        // A Laplace base gives the proposal exponential tails, heavier than the nominal
        // Gaussian's, so the weights phi / q stay bounded far out.
        let flow = build_flow::<f32, Cpu>("q", FlowKind::Nsf, state.dimension(), 4, &[32, 32], 0)?
            .with_base(Base::StandardLaplace);
        let mut store = ParamStore::new(&Cpu::default());
        let estimate = flow_importance_sampling(
            &flow,
            &mut store,
            |x| state.evaluate(x),
            &RareEventOptions {
                seed,
                ..RareEventOptions::default()
            },
        )?;
        // ANCHOR_END: rare_event
        if let Some(directory) = &plot {
            let (name, grid) = match state {
                LimitState::FourBranch { .. } => (
                    "four_branch",
                    Grid {
                        size: 160,
                        low: -8.0,
                        high: 8.0,
                    },
                ),
                _ => (
                    "linear",
                    Grid {
                        size: 160,
                        low: -3.0,
                        high: 7.0,
                    },
                ),
            };
            let centres = grid.centres();
            let optimal: Vec<f64> = centres
                .chunks(2)
                .map(|x| {
                    let failed = state.evaluate(x) <= 0.0;
                    if failed {
                        (-0.5 * (x[0] * x[0] + x[1] * x[1])).exp()
                    } else {
                        0.0
                    }
                })
                .collect();
            let points = Var::<f32, Cpu>::from_vec(
                &Cpu::default(),
                centres.iter().map(|&v| v as f32).collect(),
                centres.len() / 2,
                2,
            )?;
            let fitted: Vec<f64> = flow
                .bind(&store, None)?
                .log_prob(&points, None)?
                .to_f64_vec()
                .into_iter()
                .map(f64::exp)
                .collect();
            write_side_by_side(
                &format!("{directory}/rare_event_{name}.png"),
                grid.size,
                &optimal,
                &fitted,
            )?;
        }
        let reference = state
            .reference_probability()
            .unwrap_or(estimate.probability);
        let crude_needed = crude_samples_needed(reference, 0.1);
        println!("{state:?}");
        println!(
            "  flow IS: p = {:.4e} +- {:.2e} ({:.1} % relative), {} evaluations ({} fitting, \
             {} levels)",
            estimate.probability,
            estimate.standard_error,
            100.0 * estimate.relative_error(),
            estimate.evaluations,
            estimate.fitting_evaluations,
            estimate.levels.len()
        );
        match state.exact_probability() {
            Some(p) => println!(
                "  exact p = {p:.4e}: {:.2} standard errors away",
                (estimate.probability - p).abs() / estimate.standard_error
            ),
            None => println!("  reference p = {reference:.3e} (literature)"),
        }
        let crude = crude_monte_carlo(
            |x| state.evaluate(x),
            state.dimension(),
            1_000_000,
            seed + 3,
        );
        println!(
            "  crude MC, 1e6 draws: p = {:.3e} +- {:.1e}; needs {crude_needed:.2e} draws for \
             10 % relative error ({:.0}x the flow's)",
            crude.probability,
            crude.standard_error,
            crude_needed / estimate.evaluations as f64
        );
    }
    Ok(())
}
