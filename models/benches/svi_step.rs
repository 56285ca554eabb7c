//! Criterion benchmarks of one SVI step (draw, ELBO, backward, Adam) on eight schools (task T6:
//! AutoNormal, and the IAF guide 2 x MADE [32, 32]; 1 particle) and Bayesian logistic
//! regression 5000 x 20 (task T1, AutoNormal; task T2, IAF 2 x MADE [64, 64]; 1 particle, full
//! batch). Run with `cargo bench -p flowppl-models --bench svi_step`. The tasks' final ELBOs
//! are checked by `cargo run --release -p flowppl-models --example flow_guide_tasks`.

use criterion::{criterion_group, criterion_main, Criterion};
use flowppl::backend::rng::seeded;
use flowppl::backend::Graph;
use flowppl::flows::FlowKind;
use flowppl::infer::{elbo_terms, AutoFlow, Guide, Objective, TraceElbo};
use flowppl::params::Optimizer;
use flowppl::ppl::{Ctx, Model};
use flowppl::prelude::*;

fn bench_model<M: Model<f32, Cpu>>(c: &mut Criterion, name: &str, model: M, particles: usize) {
    bench_guide(
        c,
        name,
        model,
        AutoNormal::new().with_init(InitStrategy::Feasible),
        particles,
    );
}

fn bench_guide<M: Model<f32, Cpu>, G: Guide<f32, Cpu>>(
    c: &mut Criterion,
    name: &str,
    model: M,
    mut guide: G,
    particles: usize,
) {
    let device = Cpu::default();
    let mut store = ParamStore::<f32, Cpu>::new(&device);
    guide.setup(&model, &mut store, &device, 0).unwrap();
    let mut adam = Adam::new(0.01).unwrap();
    let mut rng = seeded(0);
    c.bench_function(name, |b| {
        b.iter(|| {
            let graph = Graph::new(&device);
            let loss = {
                let mut ctx = Ctx::new(&device, &mut rng)
                    .with_graph(&graph)
                    .with_store(&mut store)
                    .with_particles(particles);
                let terms = elbo_terms(&model, &guide, &mut ctx).unwrap();
                TraceElbo.loss(&terms.log_weights).unwrap()
            };
            let mut grads = loss.backward().unwrap();
            adam.step(&mut store, &mut grads).unwrap();
        })
    });
}

fn svi_steps(c: &mut Criterion) {
    let y = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
    let sigma = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];
    let schools = flowppl_models::zoo::eight_schools::eight_schools_noncentered(&y, &sigma);
    bench_model(
        c,
        "svi_step_eight_schools_autonormal_1_particle",
        schools.clone(),
        1,
    );
    bench_model(
        c,
        "svi_step_eight_schools_autonormal_64_particles",
        schools.clone(),
        64,
    );
    bench_guide(
        c,
        "svi_step_eight_schools_iaf_2x32x32_1_particle",
        schools,
        AutoFlow::new(FlowKind::Iaf, 2, &[32, 32]),
        1,
    );
    let logistic = flowppl_models::zoo::logistic::bundled().unwrap();
    bench_model(
        c,
        "svi_step_logistic_5000x20_autonormal_1_particle",
        logistic.clone(),
        1,
    );
    bench_guide(
        c,
        "svi_step_logistic_5000x20_iaf_2x64x64_1_particle",
        logistic,
        AutoFlow::new(FlowKind::Iaf, 2, &[64, 64]),
        1,
    );
}

criterion_group!(benches, svi_steps);
criterion_main!(benches);
