//! Fused host kernels against the composed-op formulas they replace: the same values and the
//! same gradients for every operand, with broadcasting, constants and scalar parameters.
//! (On devices without host buffers only the composed path exists, so these run on the CPU.)

use flowppl::backend::{set_fused_kernels, Cpu, Graph, Var};
use flowppl::prelude::*;

/// A computation of operands, as a closure.
type Build<'a> = dyn Fn(&[Var<f64, Cpu>]) -> Var<f64, Cpu> + 'a;

/// Values and gradients (in operand order) of `build(operands).sum()`.
type Evaluation = (Vec<f64>, Vec<Vec<f64>>);

fn evaluate(operands: &[Var<f64, Cpu>], build: &Build<'_>, fused: bool) -> Evaluation {
    set_fused_kernels(fused);
    let graph = Graph::new(&Cpu::default());
    let watched: Vec<Var<f64, Cpu>> = operands.iter().map(|v| graph.watch(v)).collect();
    let out = build(&watched);
    let values = out.to_f64_vec();
    let mut grads = out.sum().backward().unwrap();
    let gradients = watched.iter().map(|v| grads.of(v).unwrap()).collect();
    set_fused_kernels(true);
    (values, gradients)
}

fn assert_paths_agree(what: &str, operands: &[Var<f64, Cpu>], build: &Build) {
    let (fused_values, fused_gradients) = evaluate(operands, build, true);
    let (composed_values, composed_gradients) = evaluate(operands, build, false);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-10 * (1.0 + a.abs().max(b.abs()));
    assert_eq!(fused_values.len(), composed_values.len(), "{what}: shapes");
    for (k, (a, b)) in fused_values.iter().zip(&composed_values).enumerate() {
        assert!(close(*a, *b), "{what}: value {k}: fused {a} composed {b}");
    }
    for (m, (fa, ca)) in fused_gradients.iter().zip(&composed_gradients).enumerate() {
        for (k, (a, b)) in fa.iter().zip(ca).enumerate() {
            assert!(
                close(*a, *b),
                "{what}: gradient of operand {m} entry {k}: fused {a} composed {b}"
            );
        }
    }
}

fn var(rows: usize, columns: usize, values: &[f64]) -> Var<f64, Cpu> {
    Var::from_vec(&Cpu::default(), values.to_vec(), rows, columns).unwrap()
}

#[test]
fn normal_log_prob_with_broadcast_loc_and_scale() {
    // Values (3, 2), loc (1, 2), scale (3, 1): every operand broadcasts differently.
    let operands = [
        var(3, 2, &[0.3, -1.2, 2.5, 0.0, -0.7, 4.0]),
        var(1, 2, &[0.5, -0.25]),
        var(3, 1, &[0.8, 1.5, 3.0]),
    ];
    assert_paths_agree("Normal", &operands, &|v| {
        Normal::new(&v[1], &v[2]).unwrap().log_prob(&v[0]).unwrap()
    });
    // Scalar parameters (plain numbers): only the value is differentiated.
    assert_paths_agree("Normal(0.5, 2)", &operands[..1], &|v| {
        Normal::new(0.5, 2.0).unwrap().log_prob(&v[0]).unwrap()
    });
}

#[test]
fn half_cauchy_log_prob() {
    let operands = [
        var(2, 3, &[0.1, 1.0, 7.5, 0.02, 3.0, 40.0]),
        var(1, 1, &[5.0]),
    ];
    assert_paths_agree("HalfCauchy", &operands, &|v| {
        HalfCauchy::new(&v[1]).unwrap().log_prob(&v[0]).unwrap()
    });
}

#[test]
fn bernoulli_log_prob_over_a_wide_range_of_logits() {
    // Logits from -60 to 60: softplus must not overflow either way.
    let logits: Vec<f64> = (0..8).map(|k| -60.0 + 17.0 * k as f64).collect();
    let data: Vec<f64> = (0..8).map(|k| (k % 2) as f64).collect();
    let operands = [var(1, 8, &data), var(1, 8, &logits)];
    assert_paths_agree("Bernoulli", &operands, &|v| {
        Bernoulli::new(&v[1]).unwrap().log_prob(&v[0]).unwrap()
    });
}

#[test]
fn softplus_matches_its_composed_form() {
    let operands = [var(2, 3, &[-90.0, -3.0, -1e-3, 0.0, 2.5, 80.0])];
    assert_paths_agree("softplus", &operands, &|v| v[0].softplus());
    assert_paths_agree("log_sigmoid", &operands, &|v| v[0].log_sigmoid());
}

#[test]
fn a_whole_elbo_is_the_same_on_both_paths() {
    // Eight schools' log joint at a fixed draw: every fused density inside one graph.
    let draw = var(
        2,
        10,
        &[
            1.0, 0.3, -0.5, 0.2, 1.1, -0.9, 0.4, 0.0, 0.7, -1.3, //
            4.0, -0.8, 0.1, 0.6, -0.2, 1.5, -0.7, 0.3, 0.9, 0.05,
        ],
    );
    let y = var(1, 8, &[28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0]);
    let sigma = var(1, 8, &[15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0]);
    assert_paths_agree("eight schools", &[draw], &|v| {
        let z = &v[0];
        let mu = z.slice_columns(0, 1).unwrap();
        let log_tau = z.slice_columns(1, 2).unwrap();
        let tau = log_tau.exp();
        let theta_trans = z.slice_columns(2, 10).unwrap();
        let theta = &theta_trans * &tau + &mu;
        Normal::new(0.0, 5.0)
            .unwrap()
            .log_prob(&mu)
            .unwrap()
            .sum_columns()
            + HalfCauchy::new(5.0)
                .unwrap()
                .log_prob(&tau)
                .unwrap()
                .sum_columns()
            + log_tau.sum_columns()
            + Normal::new(0.0, 1.0)
                .unwrap()
                .log_prob(&theta_trans)
                .unwrap()
                .sum_columns()
            + Normal::new(&theta, &sigma)
                .unwrap()
                .log_prob(&y)
                .unwrap()
                .sum_columns()
    });
}

#[test]
fn dot_with_cached_data_matches_the_composed_product() {
    use flowppl::ppl::dsl::DataMatrix;
    use flowppl::ppl::DataCache;
    // Data (4, 3) from a run's cache (host mirror), weights (2, 3): two particles.
    let data = DataMatrix::new(
        4,
        3,
        vec![
            0.5, -1.0, 2.0, 1.5, 0.25, -0.75, -2.0, 1.0, 0.0, 0.3, 0.6, -0.9,
        ],
    )
    .unwrap();
    let cache = DataCache::<f64, Cpu>::new();
    let x = cache.matrix(&Cpu::default(), &data).unwrap();
    let weights = [var(2, 3, &[0.2, -0.4, 1.1, -0.6, 0.9, 0.05])];
    // A non-linear head so the upstream gradient differs per entry.
    assert_paths_agree("dot", &weights, &|v| x.dot(&v[0]).unwrap().softplus());
}

#[test]
fn planar_layer_forward_matches_its_composed_form() {
    use flowppl::flows::FlowLayer;
    use flowppl::transforms::Planar;
    let device = Cpu::default();
    let layer = Planar::new("planar", 3);
    let mut store = ParamStore::<f64, Cpu>::new(&device);
    store.insert("planar.u", 1, 3, &[0.4, -0.9, 0.3]).unwrap();
    store.insert("planar.w", 1, 3, &[-0.7, 0.2, 0.5]).unwrap();
    store.insert("planar.b", 1, 1, &[0.25]).unwrap();
    let z = var(
        4,
        3,
        &[
            0.3, -1.2, 2.5, 0.0, -0.7, 4.0, 1.1, 0.9, -0.4, -2.0, 0.05, 0.6,
        ],
    );
    // Gradients for z and for the parameters u, w, b, through y and the log-determinant.
    let evaluate_with = |fused: bool| {
        set_fused_kernels(fused);
        let graph = Graph::new(&device);
        let z = graph.watch(&z);
        let bound = layer.bind(&store, Some(&graph)).unwrap();
        let (y, log_det) = bound.forward(&z, None).unwrap();
        let values: Vec<f64> = [y.to_f64_vec(), log_det.to_f64_vec()].concat();
        // A loss that weighs every output differently.
        let loss = (&y * &y).sum().add(&(&log_det * 1.7).sum()).unwrap();
        let mut grads = loss.backward().unwrap();
        let mut gradients = vec![grads.of(&z).unwrap()];
        for name in ["planar.u", "planar.w", "planar.b"] {
            gradients.push(store.gradient(&mut grads, name).unwrap());
        }
        set_fused_kernels(true);
        (values, gradients)
    };
    let (fused_values, fused_gradients) = evaluate_with(true);
    let (composed_values, composed_gradients) = evaluate_with(false);
    for (a, b) in fused_values.iter().zip(&composed_values) {
        assert!((a - b).abs() < 1e-12, "value: {a} vs {b}");
    }
    for (fa, ca) in fused_gradients.iter().zip(&composed_gradients) {
        for (a, b) in fa.iter().zip(ca) {
            assert!(
                (a - b).abs() < 1e-10 * (1.0 + b.abs()),
                "gradient: {a} vs {b}"
            );
        }
    }
}

#[test]
fn dot_with_wide_cached_data_matches_the_composed_product() {
    use flowppl::ppl::dsl::DataMatrix;
    use flowppl::ppl::DataCache;
    // Nine columns: two groups of four in the fused forward pass and one left over.
    let (n, p) = (7, 9);
    let values: Vec<f64> = (0..n * p)
        .map(|k| ((k * 37) % 23) as f64 / 7.0 - 1.5)
        .collect();
    let data = DataMatrix::new(n, p, values).unwrap();
    let cache = DataCache::<f64, Cpu>::new();
    let x = cache.matrix(&Cpu::default(), &data).unwrap();
    let weights: Vec<f64> = (0..3 * p)
        .map(|k| ((k * 11) % 13) as f64 / 10.0 - 0.6)
        .collect();
    assert_paths_agree("dot, 9 columns", &[var(3, p, &weights)], &|v| {
        x.dot(&v[0]).unwrap().softplus()
    });
}

#[test]
fn bernoulli_row_sums_match_the_summed_composed_density() {
    // Constant data (as observations are), shared by the rows or one row per particle.
    let logits = [var(
        2,
        6,
        &[
            -60.0, -3.5, -0.2, 0.0, 2.5, 45.0, 1.0, -1.0, 7.0, -7.0, 0.5, 0.0,
        ],
    )];
    let shared = var(1, 6, &[1.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    let per_row = var(
        2,
        6,
        &[1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0],
    );
    for (what, y) in [("shared data", &shared), ("data per row", &per_row)] {
        assert_paths_agree(what, &logits, &|v| {
            let d = Bernoulli::new(&v[0]).unwrap();
            let sums = d.log_prob_unchecked_row_sums(y).unwrap();
            assert_eq!(sums.shape(), (2, 1));
            sums
        });
    }
}

#[test]
fn bernoulli_row_sums_in_f32_stay_within_rounding_of_the_f64_values() {
    // The f32 path uses the polynomial softplus/sigmoid kernel: each term is within a few
    // ulps, so the sum is within a few eps of the sum of |terms| (plus summation rounding).
    let n = 2000;
    let logits: Vec<f64> = (0..n).map(|k| -20.0 + 40.0 * k as f64 / n as f64).collect();
    let data: Vec<f64> = (0..n).map(|k| ((k * 7) % 3 == 0) as u8 as f64).collect();
    let device = Cpu::default();
    let graph = Graph::new(&device);
    let to_f32 = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
    let l = graph.watch(&Var::<f32, Cpu>::from_vec(&device, to_f32(&logits), 1, n).unwrap());
    let y = Var::<f32, Cpu>::from_vec(&device, to_f32(&data), 1, n).unwrap();
    let sums = Bernoulli::new(&l)
        .unwrap()
        .log_prob_unchecked_row_sums(&y)
        .unwrap();
    let total = sums.item().unwrap() as f64;
    let gradient = sums.sum().backward().unwrap().of(&l).unwrap();
    // Exact values at the logits as rounded to f32.
    let rounded: Vec<f64> = logits.iter().map(|&l| l as f32 as f64).collect();
    let terms: Vec<f64> = rounded
        .iter()
        .zip(&data)
        .map(|(&l, &y)| y * l - (l.max(0.0) + (-l.abs()).exp().ln_1p()))
        .collect();
    let exact: f64 = terms.iter().sum();
    let magnitude: f64 = terms.iter().map(|t| t.abs()).sum();
    let eps = f32::EPSILON as f64;
    assert!(
        (total - exact).abs() <= 8.0 * eps * magnitude,
        "sum {total} against {exact}"
    );
    for ((&g, &l), &y) in gradient.iter().zip(&rounded).zip(&data) {
        let exact = y - 1.0 / (1.0 + (-l).exp());
        let g = g as f64;
        assert!(
            (g - exact).abs() <= 8.0 * eps,
            "gradient at {l}: {g} against {exact}"
        );
    }
}

#[test]
fn normal_row_sums_match_the_summed_composed_density() {
    // Values (3, 2) against loc (1, 2) and scale (3, 1): all three operands differentiated.
    let operands = [
        var(3, 2, &[0.3, -1.2, 2.5, 0.0, -0.7, 4.0]),
        var(1, 2, &[0.5, -0.25]),
        var(3, 1, &[0.8, 1.5, 3.0]),
    ];
    assert_paths_agree("Normal row sums", &operands, &|v| {
        let sums = Normal::new(&v[1], &v[2])
            .unwrap()
            .log_prob_unchecked_row_sums(&v[0])
            .unwrap();
        assert_eq!(sums.shape(), (3, 1));
        sums
    });
    // A value smaller than the distribution's shape is broadcast first (no fused sum).
    assert_paths_agree("Normal row sums, broadcast value", &operands[..1], &|v| {
        let point = v[0].slice_columns(0, 1).unwrap().sum();
        let sums = Normal::new(0.5, 2.0)
            .unwrap()
            .expand(2, 4)
            .unwrap()
            .log_prob_unchecked_row_sums(&point)
            .unwrap();
        assert_eq!(sums.shape(), (2, 1));
        sums
    });
}

#[test]
fn broadcast_arithmetic_is_one_fused_operation_with_the_composed_gradients() {
    // (3, 2) against (1, 2), (3, 1) and (1, 1): every way one side can broadcast, on either
    // side; the same value on both sides too.
    let full = var(3, 2, &[0.3, -1.2, 2.5, 0.75, -0.7, 4.0]);
    for other in [
        var(1, 2, &[0.5, -0.25]),
        var(3, 1, &[0.8, 1.5, -3.0]),
        var(1, 1, &[1.75]),
    ] {
        let operands = [full.clone(), other.clone()];
        let shape = other.shape();
        assert_paths_agree(&format!("add {shape:?}"), &operands, &|v| {
            v[0].add(&v[1]).unwrap()
        });
        assert_paths_agree(&format!("sub {shape:?}"), &operands, &|v| {
            v[1].sub(&v[0]).unwrap()
        });
        assert_paths_agree(&format!("mul {shape:?}"), &operands, &|v| {
            v[0].mul(&v[1]).unwrap().mul(&v[1]).unwrap()
        });
        assert_paths_agree(&format!("div {shape:?}"), &operands, &|v| {
            v[0].div(&v[1])
                .unwrap()
                .add(&v[1].div(&v[0]).unwrap())
                .unwrap()
        });
    }
    // A broadcast of a value against itself (a row against its own column sum).
    assert_paths_agree("x * rowsum(x)", &[full], &|v| {
        v[0].mul(&v[0].sum_columns()).unwrap()
    });
}

#[test]
fn guide_loss_operations_agree_with_the_composed_forms() {
    // -mean(w) of the ELBO and the mean of a block.
    let w = var(4, 1, &[-1.5, 0.25, 3.0, -0.125]);
    assert_paths_agree("mean", std::slice::from_ref(&w), &|v| v[0].mean().square());
    let block = var(2, 3, &[0.5, 1.0, -2.0, 4.0, 0.0, 0.25]);
    assert_paths_agree("mean of a block", &[block], &|v| v[0].mean().exp());
}

#[test]
fn broadcast_values_as_operands_of_fused_kernels() {
    // `broadcast_to` gives a value of its own (not a view of one buffer), so a fused kernel's
    // backward step writes its gradient entry by entry and the sum lands on the source row.
    let operands = [
        var(3, 2, &[0.3, -1.2, 2.5, 0.0, -0.7, 4.0]),
        var(1, 2, &[0.5, -0.25]),
        var(3, 1, &[0.8, 1.5, 3.0]),
    ];
    assert_paths_agree("Normal(broadcast loc)", &operands, &|v| {
        let loc = v[1].broadcast_to(3, 2).unwrap();
        Normal::new(&loc, &v[2])
            .unwrap()
            .log_prob(&loc.add(&v[0]).unwrap())
            .unwrap()
    });
    assert_paths_agree("HalfCauchy(broadcast scale)", &operands[1..], &|v| {
        let scale = v[0].exp().broadcast_to(3, 2).unwrap();
        HalfCauchy::new(&scale)
            .unwrap()
            .log_prob(&v[1].exp())
            .unwrap()
    });
}
