//! Runs the SVI step body of the eight-schools task (T6, AutoNormal, one particle) a given
//! number of times, for profilers: `valgrind --tool=callgrind` counts instructions, which are
//! repeatable on a noisy machine where seconds are not.
//!
//! ```sh
//! cargo build --release -p flowppl-models --example step_profile
//! valgrind --tool=callgrind target/release/examples/step_profile 2000
//! ```
//!
//! Prints the mean microseconds per step (wall clock) and the final loss.

use flowppl::backend::rng::seeded;
use flowppl::backend::Graph;
use flowppl::infer::{elbo_terms, Guide, Objective, TraceElbo};
use flowppl::params::Optimizer;
use flowppl::ppl::{Ctx, DataCache, Model};
use flowppl::prelude::*;
use flowppl_models::zoo::eight_schools::eight_schools_noncentered;
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const Y: [f64; 8] = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
const SIGMA: [f64; 8] = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];

fn main() -> flowppl::Result<()> {
    let steps: usize = match std::env::args().nth(1) {
        None => 2000,
        Some(text) => text.parse().map_err(|_| flowppl::Error::InvalidConfig {
            what: "steps".into(),
            message: format!("`{text}` is not a step count"),
        })?,
    };
    let device = Cpu::default();
    let model = eight_schools_noncentered(&Y, &SIGMA);
    let mut guide = AutoNormal::new()
        .with_init(InitStrategy::Feasible)
        .with_initial_scale(0.1);
    let mut store = ParamStore::<f32, Cpu>::new(&device);
    guide.setup(&model, &mut store, &device, 0)?;
    let mut adam = Adam::new(0.01)?;
    let mut rng = seeded(0);
    let cache = DataCache::new();
    let mut last = 0.0;
    let started = Instant::now();
    for _ in 0..steps {
        let graph = Graph::new(&device);
        let loss = {
            let mut ctx = Ctx::new(&device, &mut rng)
                .with_graph(&graph)
                .with_store(&mut store)
                .with_data_cache(&cache);
            let terms = elbo_terms(&model as &dyn Model<f32, Cpu>, &guide, &mut ctx)?;
            TraceElbo.loss(&terms.log_weights)?
        };
        last = loss.item()?;
        let mut grads = loss.backward()?;
        adam.step(&mut store, &mut grads)?;
    }
    let micros = started.elapsed().as_secs_f64() * 1e6 / steps.max(1) as f64;
    println!("{steps} steps, {micros:.2} us/step, last loss {last:.4}");
    Ok(())
}
