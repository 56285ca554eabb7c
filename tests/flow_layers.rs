//! Conformance table for learnable flow layers: one row per layer (and conditional variant).
//! Each row: the inverse round-trips (where one exists), the log-determinant of forward and
//! inverse agree, and `log |det J|` matches the log-determinant of an f64 finite-difference
//! Jacobian. Adding a layer is one file, one re-export and one row here.

use flowppl::backend::rng::seeded;
use flowppl::flows::FlowLayer;
use flowppl::prelude::*;
use flowppl::testing::{log_abs_det, numerical_jacobian, test_device, TestDevice};
use flowppl::transforms::{
    ActNorm, AffineAutoregressive, AffineCoupling, BatchNorm, ConditionalPlanar, ConditionalRadial,
    LuLinear, Planar, Radial, SplineAutoregressive, SplineCoupling, Sylvester, TriangularAffine,
};
use proptest::prelude::*;

type V = Var<f64, TestDevice>;

struct Row {
    name: &'static str,
    layer: Box<dyn FlowLayer<f64, TestDevice>>,
    context: Option<Vec<f64>>,
}

const D: usize = 3;

fn table() -> Vec<Row> {
    vec![
        Row {
            name: "planar",
            layer: Box::new(Planar::new("planar", D)),
            context: None,
        },
        Row {
            name: "radial",
            layer: Box::new(Radial::new("radial", D)),
            context: None,
        },
        Row {
            name: "maf",
            layer: Box::new(AffineAutoregressive::maf("maf", D, &[8, 8], 0).unwrap()),
            context: None,
        },
        Row {
            name: "iaf",
            layer: Box::new(AffineAutoregressive::iaf("iaf", D, &[8], 0).unwrap()),
            context: None,
        },
        Row {
            name: "iaf affine",
            layer: Box::new(AffineAutoregressive::iaf_affine("iafa", D, &[8], 0).unwrap()),
            context: None,
        },
        Row {
            name: "iaf affine | context",
            layer: Box::new(AffineAutoregressive::iaf_affine("ciafa", D, &[8], 2).unwrap()),
            context: Some(vec![0.3, -1.1]),
        },
        Row {
            name: "maf | context",
            layer: Box::new(AffineAutoregressive::maf("cmaf", D, &[8], 2).unwrap()),
            context: Some(vec![0.3, -1.1]),
        },
        Row {
            name: "iaf | context",
            layer: Box::new(AffineAutoregressive::iaf("ciaf", D, &[8], 2).unwrap()),
            context: Some(vec![0.3, -1.1]),
        },
        Row {
            name: "planar | context",
            layer: Box::new(ConditionalPlanar::new("cplanar", D, 2).unwrap()),
            context: Some(vec![0.3, -1.1]),
        },
        Row {
            name: "sylvester",
            layer: Box::new(Sylvester::new("sylvester", D, 2).unwrap()),
            context: None,
        },
        Row {
            name: "actnorm",
            layer: Box::new(ActNorm::new("actnorm", D)),
            context: None,
        },
        Row {
            name: "triangular affine",
            layer: Box::new(TriangularAffine::new("tri", D)),
            context: None,
        },
        Row {
            name: "lu_linear",
            layer: Box::new(LuLinear::new("lu", D)),
            context: None,
        },
        Row {
            name: "coupling",
            layer: Box::new(AffineCoupling::new("coupling", D, &[8], 0).unwrap()),
            context: None,
        },
        Row {
            name: "spline autoregressive",
            layer: Box::new(SplineAutoregressive::new("sar", D, &[8], 0, 5, 3.0).unwrap()),
            context: None,
        },
        Row {
            name: "spline autoregressive | context",
            layer: Box::new(SplineAutoregressive::new("csar", D, &[8], 2, 5, 3.0).unwrap()),
            context: Some(vec![0.3, -1.1]),
        },
        Row {
            name: "spline coupling",
            layer: Box::new(SplineCoupling::new("spline", D, &[8], 0, 5, 3.0).unwrap()),
            context: None,
        },
        Row {
            name: "spline coupling | context",
            layer: Box::new(SplineCoupling::new("cspline", D, &[8], 2, 5, 3.0).unwrap()),
            context: Some(vec![0.3, -1.1]),
        },
        Row {
            name: "additive coupling",
            layer: Box::new(AffineCoupling::additive("nice", D, &[8], 0).unwrap()),
            context: None,
        },
        // ANCHOR: layer_row
        Row {
            name: "radial | context",
            layer: Box::new(ConditionalRadial::new("cradial", D, 2).unwrap()),
            context: Some(vec![0.3, -1.1]),
        },
        // ANCHOR_END: layer_row
        Row {
            name: "batch_norm",
            layer: Box::new(BatchNorm::new("bn", D)),
            context: None,
        },
        Row {
            name: "coupling | context",
            layer: Box::new(AffineCoupling::new("ccoupling", D, &[8], 2).unwrap()),
            context: Some(vec![0.3, -1.1]),
        },
    ]
}

/// Parameters away from the near-identity start, so the checks see a non-trivial map.
fn perturbed_store(layer: &dyn FlowLayer<f64, TestDevice>) -> ParamStore<f64, TestDevice> {
    let mut store = ParamStore::new(&test_device());
    let mut rng = seeded(3);
    layer.initialize(&mut store, &mut rng).unwrap();
    let snapshot = store.snapshot();
    for (k, entry) in snapshot.entries.iter().enumerate() {
        let values: Vec<f64> = entry
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| v + 0.3 * (((i + 7 * k) * 2654435761) % 1000) as f64 / 1000.0 - 0.15)
            .collect();
        store
            .insert(&entry.name, entry.rows, entry.columns, &values)
            .unwrap();
    }
    store
}

#[test]
fn every_layer_round_trips_and_matches_a_numerical_jacobian() {
    let dev = test_device();
    let x = vec![0.4, -1.3, 0.9];
    for row in table() {
        let store = perturbed_store(row.layer.as_ref());
        let bijector = row.layer.bind(&store, None).unwrap();
        let context = row
            .context
            .as_ref()
            .map(|c| V::from_vec(&dev, c.clone(), 1, c.len()).unwrap());
        let xv = V::from_vec(&dev, x.clone(), 1, D).unwrap();
        let (y, log_det) = bijector.forward(&xv, context.as_ref()).unwrap();
        let log_det = log_det.item().unwrap();
        if bijector.has_inverse() {
            let (back, inverse_log_det) = bijector.inverse(&y, context.as_ref()).unwrap();
            for (a, b) in back.to_vec().iter().zip(&x) {
                assert!((a - b).abs() < 1e-7, "{}: round trip {a} vs {b}", row.name);
            }
            assert!(
                (inverse_log_det.item().unwrap() + log_det).abs() < 1e-7,
                "{}: inverse log-det",
                row.name
            );
        }
        let h = 1e-6;
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
        let jacobian = numerical_jacobian(&x, h, f);
        let numeric = log_abs_det(jacobian, D);
        assert!(
            (numeric - log_det).abs() < 1e-5,
            "{}: log-det {log_det} vs finite differences {numeric}",
            row.name
        );
    }
}

#[test]
fn actnorm_standardises_the_data_it_is_initialised_on() {
    use flowppl::flows::Flow;
    let dev = test_device();
    let data = V::from_rows(
        &dev,
        &[[1.0, 10.0, -2.0], [3.0, 14.0, -2.5], [5.0, 18.0, -1.5]],
    )
    .unwrap();
    let flow = Flow::<f64, TestDevice>::new(D).layer(ActNorm::new("norm", D));
    let mut store = ParamStore::new(&dev);
    flow.initialize_from_data(&mut store, &mut seeded(0), &data)
        .unwrap();
    let (z, _) = flow
        .bind(&store, None)
        .unwrap()
        .inverse(&data, None)
        .unwrap();
    let z = z.to_vec();
    for j in 0..D {
        let column: Vec<f64> = (0..3).map(|i| z[i * D + j]).collect();
        let mean = column.iter().sum::<f64>() / 3.0;
        let var = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 3.0;
        assert!(
            mean.abs() < 1e-9 && (var - 1.0).abs() < 1e-9,
            "column {j}: mean {mean}, var {var}"
        );
    }
}

#[test]
fn planar_has_a_numerical_inverse() {
    let row = &table()[0];
    let store = perturbed_store(row.layer.as_ref());
    let bijector = row.layer.bind(&store, None).unwrap();
    let x = V::from_rows(&test_device(), &[[0.4, -1.3, 0.9], [2.0, 0.1, -3.0]]).unwrap();
    let (y, _) = bijector.forward(&x, None).unwrap();
    let (back, _) = bijector.inverse(&y, None).unwrap();
    for (a, b) in back.to_vec().iter().zip(x.to_vec()) {
        assert!((a - b).abs() < 1e-9);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn coupling_and_autoregressive_stay_finite_for_large_inputs(values in prop::collection::vec(-1e3..1e3f64, D)) {
        let dev = test_device();
        for row in table().into_iter().filter(|r| r.name.contains("coupling") || r.name.contains("spline") || r.name.starts_with("maf") || r.name.starts_with("iaf")) {
            let store = perturbed_store(row.layer.as_ref());
            let bijector = row.layer.bind(&store, None).unwrap();
            let context = row.context.as_ref().map(|c| V::from_vec(&dev, c.clone(), 1, c.len()).unwrap());
            let x = V::from_vec(&dev, values.clone(), 1, D).unwrap();
            let (y, log_det) = bijector.forward(&x, context.as_ref()).unwrap();
            prop_assert!(y.to_vec().iter().all(|v| v.is_finite()), "{} forward at {:?}", row.name, values);
            prop_assert!(log_det.item().unwrap().is_finite(), "{}", row.name);
            if bijector.has_inverse() {
                let (z, ld) = bijector.inverse(&x, context.as_ref()).unwrap();
                prop_assert!(z.to_vec().iter().all(|v| v.is_finite()) && ld.item().unwrap().is_finite(), "{} inverse", row.name);
            }
        }
    }
}

#[test]
fn the_health_check_reports_every_layer() {
    use flowppl::flows::{build_flow, health_check, FlowKind};
    let dev = test_device();
    for kind in [
        FlowKind::Planar,
        FlowKind::Maf,
        FlowKind::Iaf,
        FlowKind::RealNvp,
        FlowKind::Nsf,
        FlowKind::Radial,
    ] {
        let flow = build_flow::<f64, TestDevice>("f", kind, 2, 3, &[8], 0).unwrap();
        let mut store = ParamStore::new(&dev);
        flow.initialize(&mut store, &mut seeded(1)).unwrap();
        let bound = flow.bind(&store, None).unwrap();
        let points = V::from_rows(&dev, &[[0.3, -0.2], [1.5, 2.0], [-3.0, 0.1]]).unwrap();
        let report = health_check(&bound, &points, None).unwrap();
        assert_eq!(report.len(), flow.layers().len());
        for layer in &report {
            assert!(layer.finite, "{kind:?} {}", layer.layer);
            match (kind, layer.round_trip_error, layer.log_det_mismatch) {
                (FlowKind::Radial, None, None) => {}
                (_, Some(round), Some(mismatch)) => {
                    assert!(
                        round < 1e-9 && mismatch < 1e-9,
                        "{kind:?} {}: {round} {mismatch}",
                        layer.layer
                    )
                }
                other => panic!("unexpected report {other:?}"),
            }
        }
    }
}

#[test]
fn conditional_layers_use_each_rows_own_context() {
    let dev = test_device();
    let layers: Vec<Box<dyn FlowLayer<f64, TestDevice>>> = vec![
        Box::new(ConditionalPlanar::new("cp", D, 2).unwrap()),
        Box::new(ConditionalRadial::new("cr", D, 2).unwrap()),
        Box::new(AffineAutoregressive::maf("cm", D, &[8], 2).unwrap()),
        Box::new(AffineCoupling::new("cc", D, &[8], 2).unwrap()),
        Box::new(SplineCoupling::new("cs", D, &[8], 2, 5, 3.0).unwrap()),
    ];
    let x = V::from_rows(&dev, &[[0.4, -1.3, 0.9], [0.4, -1.3, 0.9]]).unwrap();
    let contexts = V::from_rows(&dev, &[[0.3, -1.1], [2.0, 0.5]]).unwrap();
    for layer in layers {
        let store = perturbed_store(layer.as_ref());
        let bound = layer.bind(&store, None).unwrap();
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
                assert!((a - b).abs() < 1e-12, "{}: row {i}", layer.name());
            }
        }
        assert!(
            both[..D] != both[D..],
            "{}: different contexts must give different outputs",
            layer.name()
        );
    }
}

#[test]
fn layers_start_near_the_identity_when_asked() {
    // Flow guides start from their Gaussian base: these layers must begin within 0.05 of the
    // identity on typical points (IAF starts at a constant gate instead, and planar has no
    // identity point among small parameters; see `FlowLayer::initialize_near_identity`).
    let dev = test_device();
    let layers: Vec<Box<dyn FlowLayer<f64, TestDevice>>> = vec![
        Box::new(AffineAutoregressive::maf("maf", D, &[16, 16], 0).unwrap()),
        Box::new(Radial::new("radial", D)),
        Box::new(Sylvester::new("sylvester", D, 2).unwrap()),
        Box::new(AffineCoupling::new("coupling", D, &[16], 0).unwrap()),
        Box::new(SplineCoupling::new("spline", D, &[16], 0, 5, 3.0).unwrap()),
    ];
    let x = V::from_rows(
        &dev,
        &[[0.4, -1.3, 0.9], [2.0, 1.5, -2.0], [0.0, 0.1, -0.2]],
    )
    .unwrap();
    for layer in layers {
        let mut store = ParamStore::new(&dev);
        layer
            .initialize_near_identity(&mut store, &mut seeded(4))
            .unwrap();
        let (y, log_det) = layer.bind(&store, None).unwrap().forward(&x, None).unwrap();
        let gap = y
            .to_vec()
            .iter()
            .zip(x.to_vec())
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        let log_det = log_det.to_vec().iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(
            gap < 0.05 && log_det < 0.05,
            "{}: {gap} {log_det}",
            layer.name()
        );
    }
}
