//! Criterion benchmarks of the foundation: one recorded op, a batched log-density with its
//! gradient, an Adam step, and one SVI step of the normal-mean model.
//!
//! Run with `cargo bench --bench foundation`.

use criterion::{criterion_group, criterion_main, Criterion};
use flowppl::backend::rng::seeded;
use flowppl::prelude::*;
use std::hint::black_box;

fn log_prob_with_gradient(c: &mut Criterion) {
    let dev = Cpu::default();
    for &(rows, columns) in &[(1usize, 10usize), (64, 10), (1024, 10)] {
        let x = Var::<f32, Cpu>::full(&dev, rows, columns, 0.3);
        c.bench_function(&format!("normal_log_prob_backward_{rows}x{columns}"), |b| {
            b.iter(|| {
                let graph = Graph::new(&dev);
                let loc = graph.watch(&Var::scalar(&dev, 0.1));
                let scale = graph.watch(&Var::scalar(&dev, 1.5));
                let lp = Normal::new(&loc, &scale)
                    .unwrap()
                    .log_prob_unchecked(&x)
                    .unwrap()
                    .sum();
                black_box(lp.backward().unwrap());
            })
        });
    }
}

fn softplus_forward_backward(c: &mut Criterion) {
    let dev = Cpu::default();
    let x = Var::<f32, Cpu>::full(&dev, 64, 10, -0.4);
    c.bench_function("softplus_backward_64x10", |b| {
        b.iter(|| {
            let graph = Graph::new(&dev);
            let v = graph.watch(&x);
            black_box(v.softplus().sum().backward().unwrap());
        })
    });
}

fn adam_step(c: &mut Criterion) {
    let dev = Cpu::default();
    let mut store = ParamStore::<f32, Cpu>::new(&dev);
    let mut rng = seeded(0);
    for i in 0..10 {
        store
            .get_or_init(
                &format!("p{i}"),
                1,
                10,
                &Init::Normal { std: 1.0 },
                &mut rng,
            )
            .unwrap();
    }
    let mut adam = Adam::new(1e-3).unwrap();
    c.bench_function("adam_step_10_params_of_10", |b| {
        b.iter(|| {
            let graph = Graph::new(&dev);
            let mut total = Var::scalar(&dev, 0.0);
            for i in 0..10 {
                total = &total + &store.var(&graph, &format!("p{i}")).unwrap().square().sum();
            }
            let mut grads = total.backward().unwrap();
            adam.step(&mut store, &mut grads).unwrap();
        })
    });
}

fn svi_step_normal_mean(c: &mut Criterion) {
    let model = flowppl_models_free::NormalMean::new();
    let dev = Cpu::default();
    let mut store = ParamStore::<f32, Cpu>::new(&dev);
    let mut rng = seeded(0);
    store
        .get_or_init("loc", 1, 1, &Init::Zeros, &mut rng)
        .unwrap();
    store
        .get_or_init("log_scale", 1, 1, &Init::Zeros, &mut rng)
        .unwrap();
    let mut adam = Adam::new(0.01).unwrap();
    for particles in [1usize, 16, 64] {
        c.bench_function(
            &format!("svi_step_normal_mean_{particles}_particles"),
            |b| {
                b.iter(|| {
                    let graph = Graph::new(&dev);
                    let loc = store.var(&graph, "loc").unwrap();
                    let scale = store.var(&graph, "log_scale").unwrap().exp();
                    let guide = Normal::new(&loc, &scale)
                        .unwrap()
                        .expand(particles, 1)
                        .unwrap();
                    let mu = guide.rsample(&mut rng).unwrap();
                    let elbo = model
                        .log_joint(&mu)
                        .sub(&guide.log_prob_unchecked(&mu).unwrap())
                        .unwrap()
                        .mean();
                    let mut grads = (-&elbo).backward().unwrap();
                    adam.step(&mut store, &mut grads).unwrap();
                })
            },
        );
    }
}

/// The normal-mean log joint written inline (the models crate is not a dependency of the
/// library's benches): mu ~ N(0, 10), y_i ~ N(mu, 1).
mod flowppl_models_free {
    use flowppl::prelude::*;

    pub struct NormalMean {
        y: Var<f32, Cpu>,
    }

    impl NormalMean {
        pub fn new() -> Self {
            let data: Vec<f32> = (0..20)
                .map(|i| 2.5 + ((i * 37 % 11) as f32 - 5.0) * 0.2)
                .collect();
            NormalMean {
                y: Var::from_vec(&Cpu::default(), data, 1, 20).unwrap(),
            }
        }

        pub fn log_joint(&self, mu: &Var<f32, Cpu>) -> Var<f32, Cpu> {
            let prior = Normal::new(0.0, 10.0)
                .unwrap()
                .log_prob_unchecked(mu)
                .unwrap();
            let likelihood = Normal::new(mu, 1.0)
                .unwrap()
                .log_prob_unchecked(&self.y)
                .unwrap()
                .sum_columns();
            &prior + &likelihood
        }
    }
}

criterion_group!(
    benches,
    log_prob_with_gradient,
    softplus_forward_backward,
    adam_step,
    svi_step_normal_mean
);
criterion_main!(benches);
