//! Criterion benchmarks of flow layers: forward (sampling) and inverse (density) passes of one
//! bound layer with its backward pass, batch 256, on R^2 and R^8; throughput in points per
//! second.
//! Run with `cargo bench --bench flows`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flowppl::backend::rng::{seeded, standard_normals};
use flowppl::flows::Fixed;
use flowppl::flows::FlowLayer;
use flowppl::prelude::*;
use flowppl::transforms::{
    ActNorm, AffineAutoregressive, AffineCoupling, LuLinear, Permute, Planar, Radial,
    SplineAutoregressive, SplineCoupling, Sylvester,
};

/// A named layer under test.
type Named = (&'static str, Box<dyn FlowLayer<f32, Cpu>>);

fn layers(d: usize) -> Vec<Named> {
    vec![
        ("planar", Box::new(Planar::new("planar", d))),
        ("radial", Box::new(Radial::new("radial", d))),
        ("act_norm", Box::new(ActNorm::new("act_norm", d))),
        ("lu_linear", Box::new(LuLinear::new("lu_linear", d))),
        (
            "permute",
            Box::new(Fixed::new(
                "permute",
                Permute::new((0..d).rev().collect()).unwrap(),
            )),
        ),
        (
            "sylvester",
            Box::new(Sylvester::new("sylvester", d, d).unwrap()),
        ),
        (
            "maf_64x64",
            Box::new(AffineAutoregressive::maf("maf", d, &[64, 64], 0).unwrap()),
        ),
        (
            "iaf_64x64",
            Box::new(AffineAutoregressive::iaf("iaf", d, &[64, 64], 0).unwrap()),
        ),
        (
            "coupling_64x64",
            Box::new(AffineCoupling::new("coupling", d, &[64, 64], 0).unwrap()),
        ),
        (
            "spline_coupling_64x64",
            Box::new(SplineCoupling::new("spline", d, &[64, 64], 0, 8, 5.0).unwrap()),
        ),
        (
            "spline_autoregressive_64x64",
            Box::new(SplineAutoregressive::new("sar", d, &[64, 64], 0, 8, 5.0).unwrap()),
        ),
    ]
}

fn flow_layers(c: &mut Criterion) {
    let device = Cpu::default();
    for d in [2usize, 8] {
        let n = 256;
        let x = Var::from_vec(
            &device,
            standard_normals(&mut seeded(0), n * d)
                .into_iter()
                .map(|v| v as f32)
                .collect(),
            n,
            d,
        )
        .unwrap();
        for (name, layer) in layers(d) {
            let mut store = ParamStore::<f32, Cpu>::new(&device);
            layer.initialize(&mut store, &mut seeded(1)).unwrap();
            for inverse in [false, true] {
                let probe = layer.bind(&store, None).unwrap();
                if inverse && !probe.has_inverse() {
                    continue;
                }
                let direction = if inverse { "inverse" } else { "forward" };
                let mut group = c.benchmark_group("flow_layers");
                group.throughput(Throughput::Elements(n as u64));
                group.bench_function(format!("{name}_{direction}_backward_d{d}_batch{n}"), |b| {
                    b.iter(|| {
                        let graph = Graph::new(&device);
                        let bound = layer.bind(&store, Some(&graph)).unwrap();
                        let (y, log_det) = if inverse {
                            bound.inverse(&x, None).unwrap()
                        } else {
                            bound.forward(&x, None).unwrap()
                        };
                        std::hint::black_box(
                            y.sum().add(&log_det.sum()).unwrap().backward().unwrap(),
                        );
                    })
                });
                group.finish();
            }
        }
    }
}

criterion_group!(benches, flow_layers);
criterion_main!(benches);
