//! Criterion benchmarks of log-density throughput: `log_prob` of a 1024 x 8 block with its
//! backward pass (gradients for the value and the tensor parameters), reported in entries per
//! second. Normal, HalfCauchy and Bernoulli run twice, with fused host kernels (the CPU
//! default) and with the composed-op path every device has (`set_fused_kernels(false)`), which
//! is the before/after of fusing them. Run with `cargo bench --bench distributions`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flowppl::backend::rng::{seeded, standard_normals};
use flowppl::backend::set_fused_kernels;
use flowppl::prelude::*;
use std::hint::black_box;
use std::time::Duration;

const ROWS: usize = 1024;
const COLUMNS: usize = 8;

fn block(device: &Cpu, seed: u64, map: impl Fn(f64) -> f64) -> Var<f32, Cpu> {
    let values = standard_normals(&mut seeded(seed), ROWS * COLUMNS)
        .into_iter()
        .map(|v| map(v) as f32)
        .collect();
    Var::from_vec(device, values, ROWS, COLUMNS).unwrap()
}

type LogProb = Box<dyn Fn(&Var<f32, Cpu>, &Var<f32, Cpu>, &Var<f32, Cpu>) -> Var<f32, Cpu>>;

fn cases(device: &Cpu) -> Vec<(&'static str, bool, LogProb)> {
    let labels = block(device, 3, |v| if v > 0.0 { 1.0 } else { 0.0 });
    vec![
        (
            "normal",
            true,
            Box::new(|x, a, b| Normal::new(a, b.exp()).unwrap().log_prob(x).unwrap()),
        ),
        (
            "half_cauchy",
            true,
            Box::new(|x, _, b| {
                HalfCauchy::new(b.exp())
                    .unwrap()
                    .log_prob(&x.exp())
                    .unwrap()
            }),
        ),
        (
            "bernoulli_logits",
            true,
            Box::new(move |_, a, _| Bernoulli::new(a).unwrap().log_prob(&labels).unwrap()),
        ),
        (
            "student_t",
            false,
            Box::new(|x, a, b| StudentT::new(4.0, a, b.exp()).unwrap().log_prob(x).unwrap()),
        ),
        (
            "laplace",
            false,
            Box::new(|x, a, b| Laplace::new(a, b.exp()).unwrap().log_prob(x).unwrap()),
        ),
        (
            "log_normal",
            false,
            Box::new(|x, a, b| {
                LogNormal::new(a, b.exp())
                    .unwrap()
                    .log_prob(&x.exp())
                    .unwrap()
            }),
        ),
        (
            "gamma",
            false,
            Box::new(|x, a, b| {
                Gamma::new(a.exp(), b.exp())
                    .unwrap()
                    .log_prob(&x.exp())
                    .unwrap()
            }),
        ),
        (
            "beta",
            false,
            Box::new(|x, a, b| {
                Beta::new(a.exp(), b.exp())
                    .unwrap()
                    .log_prob(&x.sigmoid())
                    .unwrap()
            }),
        ),
    ]
}

fn log_prob_throughput(c: &mut Criterion) {
    let device = Cpu::default();
    let x = block(&device, 0, |v| v);
    let a = block(&device, 1, |v| 0.5 * v);
    let b = block(&device, 2, |v| 0.2 * v);
    let mut group = c.benchmark_group("log_prob_backward_1024x8");
    group.throughput(Throughput::Elements((ROWS * COLUMNS) as u64));
    for (name, has_fused, log_prob) in cases(&device) {
        let paths: &[bool] = if has_fused { &[true, false] } else { &[true] };
        for &fused in paths {
            let label = match (has_fused, fused) {
                (false, _) => name.to_string(),
                (true, true) => format!("{name}_fused"),
                (true, false) => format!("{name}_composed"),
            };
            group.bench_function(label, |bench| {
                set_fused_kernels(fused);
                bench.iter(|| {
                    let graph = Graph::new(&device);
                    let (x, a, b) = (graph.watch(&x), graph.watch(&a), graph.watch(&b));
                    black_box(log_prob(&x, &a, &b).sum().backward().unwrap());
                });
                set_fused_kernels(true);
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = log_prob_throughput
}
criterion_main!(benches);
