//! Conformance table for the constraint bijections of `biject_to`: the output lies in the
//! support, the inverse round-trips, and log|det J| agrees with the log-determinant of an f64
//! finite-difference Jacobian (onto the canonical coordinates for dimension-changing maps).

use flowppl::constraints::{biject_to, Constraint};
use flowppl::prelude::*;
use flowppl::testing::{log_abs_det, numerical_jacobian, test_device, TestDevice};
use flowppl::transforms::Bijector;
use proptest::prelude::*;

type V = Var<f64, TestDevice>;

/// The coordinates of `y` the log-determinant refers to.
fn canonical(constraint: &Constraint, y: &[f64]) -> Vec<f64> {
    match constraint {
        Constraint::Simplex => y[..y.len() - 1].to_vec(),
        Constraint::CorrCholesky => {
            let d = (y.len() as f64).sqrt() as usize;
            (1..d)
                .flat_map(|i| (0..i).map(move |j| (i, j)))
                .map(|(i, j)| y[i * d + j])
                .collect()
        }
        _ => y.to_vec(),
    }
}

fn check(constraint: Constraint, x: &[f64]) {
    let dev = test_device();
    let bijector: Box<dyn Bijector<f64, TestDevice>> = biject_to(&constraint).unwrap();
    let n = x.len();
    let xv = V::from_vec(&dev, x.to_vec(), 1, n).unwrap();
    let (y, log_det) = bijector.forward(&xv, None).unwrap();
    let y_host = y.to_vec();
    assert_eq!(y.columns(), bijector.output_columns(n).unwrap());
    assert!(
        constraint.check_row(&y_host),
        "{constraint:?}: {y_host:?} is outside the support"
    );

    let (x_back, inverse_log_det) = bijector.inverse(&y, None).unwrap();
    for (a, b) in x_back.to_vec().iter().zip(x) {
        assert!(
            (a - b).abs() < 1e-8 * (1.0 + b.abs()),
            "{constraint:?}: round trip {a} vs {b}"
        );
    }
    let log_det = log_det.item().unwrap();
    assert!(
        (inverse_log_det.item().unwrap() + log_det).abs() < 1e-8,
        "{constraint:?}: inverse log-det"
    );

    let h = 1e-6;
    let forward = |v: &[f64]| -> Vec<f64> {
        let var = V::from_vec(&dev, v.to_vec(), 1, n).unwrap();
        canonical(
            &constraint,
            &bijector.forward(&var, None).unwrap().0.to_vec(),
        )
    };
    let jacobian = numerical_jacobian(x, h, forward);
    let numeric = log_abs_det(jacobian, n);
    assert!(
        (numeric - log_det).abs() < 1e-5 * (1.0 + numeric.abs()),
        "{constraint:?}: log-det {log_det} vs finite differences {numeric}"
    );
}

#[test]
fn table_of_constraints() {
    let x = [0.3, -1.2, 0.7];
    let table = [
        Constraint::Real,
        Constraint::RealVector,
        Constraint::Positive,
        Constraint::GreaterThan(-2.0),
        Constraint::LessThan(3.0),
        Constraint::Interval(-1.0, 4.0),
        Constraint::UnitInterval,
        Constraint::Simplex,
        Constraint::Ordered,
        Constraint::PositiveOrdered,
        Constraint::CorrCholesky,
    ];
    for constraint in table {
        check(constraint, &x);
    }
    check(Constraint::CorrCholesky, &[0.3, -1.2, 0.7, 0.1, 1.5, -0.4]);
    check(Constraint::Simplex, &[2.0, -3.0, 0.0, 1.0]);
}

#[test]
fn discrete_constraints_have_no_bijection() {
    let error = biject_to::<f32, TestDevice>(&Constraint::NonNegativeInteger)
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("discrete"), "{error}");
}

#[test]
fn log_det_gradients_match_finite_differences() {
    for constraint in [
        Constraint::Positive,
        Constraint::Interval(-1.0, 4.0),
        Constraint::Simplex,
        Constraint::Ordered,
        Constraint::PositiveOrdered,
        Constraint::CorrCholesky,
    ] {
        let report = flowppl::testing::gradient_check(
            &[(2, 3, vec![0.3, -1.2, 0.7, -0.5, 0.1, 2.0])],
            1e-6,
            |v| {
                let (y, log_det) =
                    biject_to::<f64, TestDevice>(&constraint)?.forward(&v[0], None)?;
                y.sum_columns().add(&log_det)
            },
        )
        .unwrap();
        assert!(report.max_error < 1e-6, "{constraint:?}: {report:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn outputs_and_log_dets_stay_finite(x in prop::collection::vec(-40.0..40.0f64, 3)) {
        let dev = test_device();
        for constraint in [Constraint::Positive, Constraint::Interval(-1.0, 4.0), Constraint::UnitInterval, Constraint::Simplex, Constraint::CorrCholesky] {
            let (y, log_det) = biject_to::<f64, TestDevice>(&constraint).unwrap()
                .forward(&V::from_vec(&dev, x.clone(), 1, 3).unwrap(), None).unwrap();
            prop_assert!(y.to_vec().iter().all(|v| v.is_finite()), "{:?}", constraint);
            prop_assert!(log_det.item().unwrap().is_finite(), "{:?} log-det at {:?}", constraint, x);
        }
    }
}
