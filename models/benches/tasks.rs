//! Criterion benchmarks of one optimisation step of every task of `shared/bench/TASKS.md`,
//! as the tasks define it (1 particle unless named):
//!
//! - T1: logistic regression 5000 x 20, AutoNormal; T2: the same with IAF 2 x MADE [64, 64];
//! - T3: 32 planar layers, reverse KL on U1, batch 256;
//! - T4: MAF 5 x MADE [128, 128] on two moons, batch 512;
//! - T5: VAE 64-256-256-(8+8+32) with 2 conditional IAF layers, batch 100;
//! - T6: eight schools, AutoNormal (1 and 64 particles) and IAF 2 x MADE [32, 32].
//!
//! T1, T2 and T6 time the SVI step body (draw, ELBO, backward, Adam) with the run's data cache,
//! as `Svi::run` does. T3-T5 time the library's own training loops over `iters` steps
//! (`iter_custom`; their set-up, a few milliseconds, is spread over hundreds of steps).
//! T4 and T5 run twice: with the dense layers' matrix products on one thread and split over
//! two (`_2threads`). Run with `cargo bench -p flowppl-models --bench tasks`; `flowppl bench` runs the tasks
//! whole, with their quality figures.

use criterion::{criterion_group, criterion_main, Criterion};
use flowppl::backend::rng::seeded;
use flowppl::backend::Graph;
use flowppl::flows::training::{fit_density, fit_energy, DensityOptions, EnergyOptions};
use flowppl::flows::{build_flow, FlowKind};
use flowppl::infer::{elbo_terms, AutoFlow, Guide, Objective, TraceElbo};
use flowppl::params::Optimizer;
use flowppl::ppl::{Ctx, DataCache, Model};
use flowppl::prelude::*;
use flowppl::vae::{train, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
use flowppl_models::energies::{two_moons, Energy};
use flowppl_models::tasks::rows_to_var;
use std::time::{Duration, Instant};

/// The allocator the `flowppl` CLI uses (`cli/src/main.rs`), so these steps and `flowppl
/// bench` measure the same configuration.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn svi_step<M: Model<f32, Cpu>, G: Guide<f32, Cpu>>(
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
    let cache = DataCache::new();
    c.bench_function(name, |b| {
        b.iter(|| {
            let graph = Graph::new(&device);
            let loss = {
                let mut ctx = Ctx::new(&device, &mut rng)
                    .with_graph(&graph)
                    .with_store(&mut store)
                    .with_particles(particles)
                    .with_data_cache(&cache);
                let terms = elbo_terms(&model, &guide, &mut ctx).unwrap();
                TraceElbo.loss(&terms.log_weights).unwrap()
            };
            let mut grads = loss.backward().unwrap();
            adam.step(&mut store, &mut grads).unwrap();
        })
    });
}

/// Times `fit(iters)`, a whole training loop of `iters` steps.
fn loop_steps(c: &mut Criterion, name: &str, fit: impl Fn(usize)) {
    c.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let started = Instant::now();
            fit(iters as usize);
            started.elapsed()
        })
    });
}

/// [`loop_steps`] with the dense layers' products on one thread (`NAME`) and split over two
/// (`NAME_2threads`, see `flowppl::backend::set_matrix_threads`).
fn threaded_loop_steps(c: &mut Criterion, name: &str, fit: impl Fn(usize)) {
    for threads in [1, 2] {
        let label = match threads {
            1 => name.to_string(),
            _ => format!("{name}_{threads}threads"),
        };
        loop_steps(c, &label, |steps| {
            flowppl::backend::set_matrix_threads(threads).unwrap();
            fit(steps);
            flowppl::backend::set_matrix_threads(1).unwrap();
        });
    }
}

fn tasks(c: &mut Criterion) {
    let logistic = flowppl_models::zoo::logistic::bundled().unwrap();
    let normal = || AutoNormal::new().with_init(InitStrategy::Feasible);
    svi_step(c, "T1_logreg_autonormal", logistic.clone(), normal(), 1);
    svi_step(
        c,
        "T2_logreg_iaf_2x64x64",
        logistic,
        AutoFlow::new(FlowKind::Iaf, 2, &[64, 64]),
        1,
    );

    let device = Cpu::default();
    let planar = build_flow::<f32, Cpu>("planar", FlowKind::Planar, 2, 32, &[], 0).unwrap();
    loop_steps(c, "T3_planar_32_u1_batch256", |steps| {
        let mut store = ParamStore::new(&device);
        let options = EnergyOptions {
            steps,
            ..EnergyOptions::default()
        };
        fit_energy(&planar, &mut store, |z| Energy::U1.evaluate(z), &options).unwrap();
    });

    let (train_rows, _) = two_moons().unwrap();
    let moons = rows_to_var(&train_rows, 2).unwrap();
    let maf = build_flow::<f32, Cpu>("maf", FlowKind::Maf, 2, 5, &[128, 128], 0).unwrap();
    threaded_loop_steps(c, "T4_maf_5x128x128_batch512", |steps| {
        let mut store = ParamStore::new(&device);
        let options = DensityOptions {
            steps,
            batch_size: 512,
            learning_rate: 1e-3,
            validation_fraction: 0.0,
            ..DensityOptions::default()
        };
        fit_density(&maf, &mut store, &moons, &options).unwrap();
    });

    let (digits, _) = flowppl_models::digits::digits().unwrap();
    let digits = rows_to_var(&digits, 64).unwrap();
    let vae = Vae::<f32, Cpu>::new(VaeConfig::t5(Posterior::Iaf(2), Prior::Normal)).unwrap();
    threaded_loop_steps(c, "T5_vae_iaf2_batch100", |steps| {
        let mut store = ParamStore::new(&device);
        let options = VaeTrainingOptions {
            steps,
            ..VaeTrainingOptions::default()
        };
        train(&vae, &mut store, &digits, &options).unwrap();
    });

    let y = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
    let sigma = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];
    let schools = || flowppl_models::zoo::eight_schools::eight_schools_noncentered(&y, &sigma);
    svi_step(c, "T6_schools_autonormal", schools(), normal(), 1);
    svi_step(
        c,
        "T6_schools_autonormal_64_particles",
        schools(),
        normal(),
        64,
    );
    svi_step(
        c,
        "T6_schools_iaf_2x32x32",
        schools(),
        AutoFlow::new(FlowKind::Iaf, 2, &[32, 32]),
        1,
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(20);
    targets = tasks
}
criterion_main!(benches);
