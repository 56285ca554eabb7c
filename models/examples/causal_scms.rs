//! The causal-flow table of the book: each synthetic SCM of `flowppl_models::scm`, fitted on
//! 5000 observational rows, against its equations. Run with
//! `cargo run --release -p flowppl-models --example causal_scms [affine|spline] [steps]`.

use flowppl::causal::{CausalFlowOptions, Transformer};
use flowppl::prelude::*;
use flowppl_models::scm::{self, evaluate_causal_flow};

fn main() -> Result<()> {
    let arguments: Vec<String> = std::env::args().collect();
    let mut options = CausalFlowOptions::default();
    if let Some(kind) = arguments.get(1) {
        options.transformer = Transformer::parse(kind)?;
    }
    if arguments.iter().any(|a| a == "--no-early-stopping") {
        options.training.patience = None;
    }
    if let Some(steps) = arguments.get(2).and_then(|s| s.parse().ok()) {
        options.training.steps = steps;
        options.training.schedule = flowppl::params::Schedule::Cosine {
            total: steps as u64,
            final_fraction: 0.01,
        };
    }
    println!("| SCM | transformer | max mean error | max sd error | max counterfactual RMSE | ATE (truth) | test KL | seconds |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut scms = scm::all();
    scms.push(scm::simpson_strong());
    for scm in scms {
        let r = evaluate_causal_flow(&scm, options.clone(), 20_000)?;
        println!(
            "| {} | {} | {:.3} | {:.3} | {:.3} | {:.3} +- {:.3} ({:.3}) | {:.3} | {:.1} |",
            scm.name,
            options.transformer.to_text(),
            r.mean_error,
            r.sd_error,
            r.counterfactual_rmse,
            r.ate.0,
            r.ate.1,
            r.ate.2,
            r.test_kl,
            r.seconds
        );
    }
    Ok(())
}
