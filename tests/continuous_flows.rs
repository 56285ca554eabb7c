//! Conformance of the continuous normalising flow ([`Cnf`]): the round trip through the solver,
//! the log-determinant against a finite-difference Jacobian of the solved map, Hutchinson's
//! estimator against the exact trace, gradients through the solver steps, and per-row context.
//! Tolerances are the solvers' discretisation errors (RK4 with 10-20 steps, Dormand-Prince at
//! 1e-8), not the `1e-7` of the closed-form layers in `flow_layers.rs`.

use flowppl::backend::rng::seeded;
use flowppl::flows::{Flow, FlowLayer};
use flowppl::prelude::*;
use flowppl::testing::{log_abs_det, numerical_jacobian, test_device, TestDevice};
use flowppl::transforms::cnf::{Cnf, OdeSolver, Probe, SmoothActivation, TraceEstimator};

type V = Var<f64, TestDevice>;

const D: usize = 3;

struct Row {
    name: &'static str,
    layer: Cnf,
    context: Option<Vec<f64>>,
}

fn dopri(tolerance: f64) -> OdeSolver {
    OdeSolver::DormandPrince {
        relative: tolerance,
        absolute: tolerance,
        max_steps: 1000,
    }
}

fn table() -> Vec<Row> {
    vec![
        Row {
            name: "cnf rk4",
            layer: Cnf::new("cnf", D, &[16, 16], 0)
                .unwrap()
                .with_solver(OdeSolver::Rk4 { steps: 20 }),
            context: None,
        },
        Row {
            name: "cnf dopri5",
            layer: Cnf::new("cnf", D, &[16, 16], 0)
                .unwrap()
                .with_solver(dopri(1e-9)),
            context: None,
        },
        Row {
            name: "cnf softplus rk4",
            layer: Cnf::new("cnf", D, &[16], 0)
                .unwrap()
                .with_activation(SmoothActivation::Softplus)
                .with_solver(OdeSolver::Rk4 { steps: 20 }),
            context: None,
        },
        Row {
            name: "cnf | context",
            layer: Cnf::new("ccnf", D, &[16], 2)
                .unwrap()
                .with_solver(OdeSolver::Rk4 { steps: 20 }),
            context: Some(vec![0.3, -1.1]),
        },
    ]
}

fn store_for(layer: &Cnf, seed: u64) -> ParamStore<f64, TestDevice> {
    let mut store = ParamStore::new(&test_device());
    FlowLayer::<f64, TestDevice>::initialize(layer, &mut store, &mut seeded(seed)).unwrap();
    store
}

#[test]
fn the_flow_round_trips_through_the_solver_and_matches_a_numerical_jacobian() {
    let dev = test_device();
    let x = vec![0.4, -1.3, 0.9];
    for row in table() {
        let store = store_for(&row.layer, 3);
        let bijector = FlowLayer::<f64, TestDevice>::bind(&row.layer, &store, None).unwrap();
        let context = row
            .context
            .as_ref()
            .map(|c| V::from_vec(&dev, c.clone(), 1, c.len()).unwrap());
        let xv = V::from_vec(&dev, x.clone(), 1, D).unwrap();
        let (y, log_det) = bijector.forward(&xv, context.as_ref()).unwrap();
        let log_det = log_det.item().unwrap();
        let moved: f64 = y.to_vec().iter().zip(&x).map(|(a, b)| (a - b).abs()).sum();
        assert!(
            moved > 0.1,
            "{}: the map should not be near the identity",
            row.name
        );
        let (back, inverse_log_det) = bijector.inverse(&y, context.as_ref()).unwrap();
        for (a, b) in back.to_vec().iter().zip(&x) {
            assert!((a - b).abs() < 1e-4, "{}: round trip {a} vs {b}", row.name);
        }
        assert!(
            (inverse_log_det.item().unwrap() + log_det).abs() < 1e-4,
            "{}: inverse log-det",
            row.name
        );
        let f = |v: &[f64]| {
            bijector
                .forward(
                    &V::from_vec(&dev, v.to_vec(), 1, D).unwrap(),
                    context.as_ref(),
                )
                .unwrap()
                .0
                .to_vec()
        };
        let numeric = log_abs_det(numerical_jacobian(&x, 1e-5, f), D);
        assert!(
            (numeric - log_det).abs() < 1e-4,
            "{}: log-det {log_det} vs finite differences {numeric}",
            row.name
        );
    }
}

#[test]
fn hutchinson_agrees_with_the_exact_trace_in_expectation() {
    // One point repeated over 4000 rows: each row draws its own probe, so the row log-dets are
    // independent unbiased estimates; their mean must sit within 4 standard errors of the exact
    // value, for both probe distributions, and Rademacher probes must have the smaller spread.
    let dev = test_device();
    let exact_layer = Cnf::new("cnf", D, &[16, 16], 0).unwrap();
    let store = store_for(&exact_layer, 5);
    let x = V::from_vec(&dev, vec![0.4, -1.3, 0.9], 1, D).unwrap();
    let exact = FlowLayer::<f64, TestDevice>::bind(&exact_layer, &store, None)
        .unwrap()
        .forward(&x, None)
        .unwrap()
        .1
        .item()
        .unwrap();
    let rows = 4000;
    let repeated = x.broadcast_to(rows, D).unwrap();
    let mut spreads = Vec::new();
    for probe in [Probe::Gaussian, Probe::Rademacher] {
        let layer = exact_layer
            .clone()
            .with_trace(TraceEstimator::Hutchinson(probe))
            .with_probe_seed(11);
        let estimates = FlowLayer::<f64, TestDevice>::bind(&layer, &store, None)
            .unwrap()
            .forward(&repeated, None)
            .unwrap()
            .1
            .to_vec();
        let mean = estimates.iter().sum::<f64>() / rows as f64;
        let sd =
            (estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (rows - 1) as f64).sqrt();
        let standard_error = sd / (rows as f64).sqrt();
        assert!(sd > 1e-3, "{probe:?}: the estimate should be random");
        assert!(
            (mean - exact).abs() < 4.0 * standard_error,
            "{probe:?}: mean {mean} vs exact {exact} (standard error {standard_error})"
        );
        spreads.push(sd);
    }
    assert!(spreads[1] < spreads[0], "Rademacher {spreads:?}");
}

#[test]
fn gradients_through_the_solver_match_finite_differences_in_the_parameters() {
    // d/dtheta of sum ln q(x) for a flow of one CNF layer, against central differences in one
    // weight of each field layer. RK4 is differentiated exactly (the discrete map is what the
    // finite differences see); Dormand-Prince holds its step sizes fixed, which differs from the
    // differences by the order of its tolerance.
    let dev = test_device();
    let data = V::from_rows(&dev, &[[0.4, -1.3, 0.9], [1.1, 0.2, -0.5]]).unwrap();
    for (solver, tolerance) in [(OdeSolver::Rk4 { steps: 8 }, 1e-6), (dopri(1e-7), 1e-4)] {
        let layer = Cnf::new("cnf", D, &[8], 0).unwrap().with_solver(solver);
        let flow = Flow::<f64, TestDevice>::new(D).layer(layer.clone());
        let mut store = store_for(&layer, 7);
        let total = |store: &ParamStore<f64, TestDevice>| {
            flow.bind(store, None)
                .unwrap()
                .log_prob(&data, None)
                .unwrap()
                .sum()
                .item()
                .unwrap()
        };
        let graph = Graph::new(&dev);
        let loss = flow
            .bind(&store, Some(&graph))
            .unwrap()
            .log_prob(&data, None)
            .unwrap()
            .sum();
        let mut grads = loss.backward().unwrap();
        for name in [
            "cnf.field.0.weight",
            "cnf.field.1.weight",
            "cnf.field.0.gate_time",
        ] {
            let analytic = store.gradient(&mut grads, name).unwrap()[1];
            let values = store.values(name).unwrap();
            let (rows, columns) = store.shape(name).unwrap();
            let h = 1e-5;
            let mut shifted = |delta: f64| {
                let mut v = values.clone();
                v[1] += delta;
                store.insert(name, rows, columns, &v).unwrap();
                let value = total(&store);
                store.insert(name, rows, columns, &values).unwrap();
                value
            };
            let numeric = (shifted(h) - shifted(-h)) / (2.0 * h);
            assert!(
                (analytic - numeric).abs() < tolerance * numeric.abs().max(1.0),
                "{solver:?} {name}: gradient {analytic} vs finite differences {numeric}"
            );
        }
    }
}

#[test]
fn each_row_uses_its_own_context() {
    let dev = test_device();
    let row = table().pop().unwrap();
    let store = store_for(&row.layer, 3);
    let bound = FlowLayer::<f64, TestDevice>::bind(&row.layer, &store, None).unwrap();
    let x = V::from_rows(&dev, &[[0.4, -1.3, 0.9], [0.4, -1.3, 0.9]]).unwrap();
    let contexts = V::from_rows(&dev, &[[0.3, -1.1], [2.0, 0.5]]).unwrap();
    let (both, _) = bound.forward(&x, Some(&contexts)).unwrap();
    let both = both.to_vec();
    for i in 0..2 {
        let (one, _) = bound
            .forward(
                &x.slice_rows(i, i + 1).unwrap(),
                Some(&contexts.slice_rows(i, i + 1).unwrap()),
            )
            .unwrap();
        for (a, b) in one.to_vec().iter().zip(&both[i * D..(i + 1) * D]) {
            assert!((a - b).abs() < 1e-12, "row {i}");
        }
    }
    assert!(both[..D] != both[D..]);
}

#[test]
fn the_near_identity_start_is_the_identity_and_evaluations_are_counted() {
    let dev = test_device();
    let layer = Cnf::new("cnf", D, &[8], 0)
        .unwrap()
        .with_solver(OdeSolver::Rk4 { steps: 5 });
    let mut store = ParamStore::new(&dev);
    FlowLayer::<f64, TestDevice>::initialize_near_identity(&layer, &mut store, &mut seeded(0))
        .unwrap();
    let x = V::from_rows(&dev, &[[0.4, -1.3, 0.9]]).unwrap();
    let (y, log_det) = FlowLayer::<f64, TestDevice>::bind(&layer, &store, None)
        .unwrap()
        .forward(&x, None)
        .unwrap();
    assert_eq!(y.to_vec(), x.to_vec());
    assert_eq!(log_det.item().unwrap(), 0.0);
    assert_eq!(layer.evaluations(), 20, "RK4: 4 evaluations a step");
    layer.reset_evaluations();
    assert_eq!(layer.evaluations(), 0);
}

#[test]
fn bad_settings_and_shapes_are_errors_naming_the_problem() {
    let dev = test_device();
    assert!(Cnf::new("cnf", 0, &[8], 0).is_err());
    assert!(Cnf::new("cnf", 2, &[8], 0)
        .unwrap()
        .with_duration(-1.0)
        .is_err());
    assert!(TraceEstimator::parse("hutch").is_err());
    let layer = Cnf::new("cnf", D, &[8], 0).unwrap();
    let store = store_for(&layer, 1);
    let bound = FlowLayer::<f64, TestDevice>::bind(&layer, &store, None).unwrap();
    let wrong = V::from_rows(&dev, &[[0.4, -1.3]]).unwrap();
    let Err(error) = bound.forward(&wrong, None) else {
        panic!("a 2-column input to a 3-dimensional CNF must be refused");
    };
    assert!(error.to_string().contains("3-dimensional"), "{error}");
}
