//! # 07: causal flows
//!
//! Simpson's paradox: a confounder `z` drives both a treatment `t` and an outcome `y`. In the
//! data `y` rises with `t`, yet the causal effect of `t` on `y` is -1. Fit a causal flow to
//! 5000 observational rows given the graph, then ask interventional, counterfactual and ATE
//! questions.
//!
//! Run with `cargo run --release --example 07_causal` (a few seconds).

use flowppl::backend::rng::{seeded, standard_normals};
use flowppl::causal::{CausalFlow, CausalFlowOptions, CausalGraph, DataTable};
use flowppl::prelude::*;

/// `z ~ N(0, 1)`, `t = z + 0.8 u_t`, `y = -t + 2 z + 0.5 u_y`.
fn simpson(n: usize, seed: u64) -> Result<DataTable> {
    let noise = standard_normals(&mut seeded(seed), 3 * n);
    let mut values = Vec::with_capacity(3 * n);
    for u in noise.chunks(3) {
        let z = u[0];
        let t = z + 0.8 * u[1];
        values.extend([z, t, -t + 2.0 * z + 0.5 * u[2]]);
    }
    DataTable::new(vec!["z".into(), "t".into(), "y".into()], values)
}

fn main() -> Result<()> {
    let data = simpson(5000, 1)?;
    // ANCHOR: fit
    let graph = CausalGraph::parse(&data.names, "z->t, z->y, t->y")?;
    let (model, _report) =
        CausalFlow::<f32, Cpu>::fit(&Cpu::default(), graph, &data, CausalFlowOptions::default())?;
    // ANCHOR_END: fit
    // ANCHOR: queries
    let under_do = model.sample(20_000, &[("t".into(), 1.0)], 0)?; // do(t = 1)
    let (ate, se) = model.ate("t", 1.0, 0.0, "y", 20_000, 0)?; // E[y|do(t=1)] - E[y|do(t=0)]
    let first_rows = DataTable::new(data.names.clone(), data.values[..6].to_vec())?;
    let counterfactual = model.counterfactual(&first_rows, &[("t".into(), 0.0)])?;
    // ANCHOR_END: queries
    let mean = |v: Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "E[y | do(t = 1)] = {:.3} (truth -1)",
        mean(under_do.column(2))
    );
    println!("ATE of t on y = {ate:.3} +- {se:.3} (truth -1)");
    println!(
        "factual rows:\n{}counterfactual (t = 0):\n{}",
        first_rows.to_csv(),
        counterfactual.to_csv()
    );
    Ok(())
}
