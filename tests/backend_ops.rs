//! Every backend helper op: value against an independent f64 reference, gradient against f64
//! central finite differences (`flowppl::testing::gradient_check`).

use flowppl::backend::ops::searchsorted;
use flowppl::prelude::*;
use flowppl::testing::gradient_check;
use flowppl::testing::{test_device, TestDevice};

type V = Var<f64, TestDevice>;

const STEP: f64 = 1e-6;
const GRADIENT_TOLERANCE: f64 = 1e-6;

fn grid() -> (usize, usize, Vec<f64>) {
    (2, 4, vec![-3.1, -0.7, -0.05, 0.02, 0.4, 1.3, 2.2, 5.5])
}

fn positive_grid() -> (usize, usize, Vec<f64>) {
    (2, 4, vec![0.03, 0.4, 0.9, 1.0, 1.7, 2.5, 6.2, 14.0])
}

fn check(name: &str, inputs: &[(usize, usize, Vec<f64>)], f: impl Fn(&[V]) -> Result<V>) {
    let report = gradient_check(inputs, STEP, f).unwrap();
    assert!(
        report.max_error < GRADIENT_TOLERANCE,
        "{name}: gradient error {} at {:?}",
        report.max_error,
        report.worst
    );
}

fn values(x: &V) -> Vec<f64> {
    x.to_vec()
}

fn dev() -> TestDevice {
    test_device()
}

#[test]
fn elementwise_ops_match_reference_and_finite_differences() {
    type Op = (&'static str, fn(&V) -> V, fn(f64) -> f64, bool);
    let table: &[Op] = &[
        (
            "softplus",
            |x| x.softplus(),
            |x| (1.0 + x.exp()).ln(),
            false,
        ),
        (
            "log_sigmoid",
            |x| x.log_sigmoid(),
            |x| -(1.0 + (-x).exp()).ln(),
            false,
        ),
        ("log1p", |x| x.log1p(), |x| x.ln_1p(), true),
        ("expm1", |x| x.expm1(), |x| x.exp_m1(), false),
        (
            "lgamma",
            |x| x.lgamma(),
            |x| statrs::function::gamma::ln_gamma(x),
            true,
        ),
        (
            "digamma",
            |x| x.digamma(),
            |x| statrs::function::gamma::digamma(x),
            true,
        ),
        ("exp", |x| x.exp(), |x| x.exp(), false),
        ("ln", |x| x.ln(), |x| x.ln(), true),
        ("sqrt", |x| x.sqrt(), |x| x.sqrt(), true),
        ("square", |x| x.square(), |x| x * x, false),
        (
            "sigmoid",
            |x| x.sigmoid(),
            |x| 1.0 / (1.0 + (-x).exp()),
            false,
        ),
        ("tanh", |x| x.tanh(), |x| x.tanh(), false),
        ("recip", |x| x.recip(), |x| 1.0 / x, true),
        ("x * x (same value twice)", |x| x * x, |x| x * x, false),
        ("x / x + x", |x| &(x / x) + x, |x| 1.0 + x, true),
    ];
    for (name, op, reference, positive_only) in table {
        let input = if *positive_only {
            positive_grid()
        } else {
            grid()
        };
        let x = V::from_vec(&dev(), input.2.clone(), input.0, input.1).unwrap();
        for (got, &xi) in values(&op(&x)).iter().zip(&input.2) {
            let want = reference(xi);
            assert!(
                (got - want).abs() <= 1e-12 * (1.0 + want.abs()),
                "{name}({xi}) = {got}, reference {want}"
            );
        }
        check(name, &[input], |v| Ok(op(&v[0])));
    }
}

#[test]
fn softplus_and_log_sigmoid_stay_finite_in_f32() {
    let x = Var::<f32, TestDevice>::from_vec(&dev(), vec![-1e4, -100.0, 0.0, 100.0, 1e4], 1, 5)
        .unwrap();
    assert!(x.softplus().to_vec().iter().all(|v| v.is_finite()));
    let ls = x.log_sigmoid().to_vec();
    assert!(ls.iter().all(|v| v.is_finite()));
    assert!((ls[1] + 100.0).abs() < 1e-3);
    // log1p keeps tiny arguments that (1 + x).ln() rounds away in f32.
    let tiny = Var::<f32, TestDevice>::from_vec(&dev(), vec![1e-9], 1, 1).unwrap();
    assert!((tiny.log1p().to_vec()[0] - 1e-9).abs() < 1e-15);
}

#[test]
fn reductions_and_broadcasting_gradients() {
    let a = grid();
    let column = (2, 1, vec![0.3, -1.2]);
    let row = (1, 4, vec![0.5, 1.5, -0.5, 2.0]);
    let scalar = (1, 1, vec![0.7]);
    check("broadcast add column", &[a.clone(), column.clone()], |v| {
        Ok(&v[0] + &v[1])
    });
    check("broadcast mul row", &[a.clone(), row.clone()], |v| {
        Ok(&v[0] * &v[1])
    });
    check("broadcast div scalar", &[a.clone(), scalar.clone()], |v| {
        Ok(&v[0] / &v[1])
    });
    check("sum", std::slice::from_ref(&a), |v| Ok(v[0].sum()));
    check("mean_rows", std::slice::from_ref(&a), |v| {
        Ok(v[0].mean_rows())
    });
    check("sum_columns", std::slice::from_ref(&a), |v| {
        Ok(v[0].sum_columns())
    });
    check("logsumexp_columns", std::slice::from_ref(&a), |v| {
        Ok(v[0].logsumexp_columns())
    });
    check("log_softmax_columns", std::slice::from_ref(&a), |v| {
        Ok(v[0].log_softmax_columns())
    });
    check("cumsum_columns", std::slice::from_ref(&a), |v| {
        Ok(v[0].cumsum_columns())
    });
    check("transpose", std::slice::from_ref(&a), |v| {
        Ok(v[0].transpose())
    });
    check("slice_columns", std::slice::from_ref(&a), |v| {
        v[0].slice_columns(1, 3)
    });
    check("gather_rows", std::slice::from_ref(&a), |v| {
        v[0].gather_rows(&[1, 0, 1])
    });
    check("pick_per_row", std::slice::from_ref(&a), |v| {
        v[0].pick_per_row(&[3, 1])
    });
    check("concat_columns", &[a.clone(), column.clone()], |v| {
        V::concat_columns(&[&v[0], &v[1], &v[0]])
    });
    check(
        "matmul",
        &[
            a.clone(),
            (4, 3, (0..12).map(|i| i as f64 * 0.1 - 0.5).collect()),
        ],
        |v| v[0].matmul(&v[1]),
    );
}

#[test]
fn slices_of_a_value_used_elsewhere_keep_every_gradient() {
    // dfdx 0.13's slice backward overwrites the input gradient; Var slices must not.
    let a = (3, 2, vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    check("slice_rows + reuse", std::slice::from_ref(&a), |v| {
        V::concat_rows(&[&v[0].slice_rows(0, 1)?, &v[0]])
    });
    check("slice_columns + reuse", std::slice::from_ref(&a), |v| {
        Ok(&v[0].slice_columns(1, 2)? + &v[0].sum_columns())
    });
}

#[test]
fn cumsum_values() {
    let x = V::from_rows(&dev(), &[[1.0, 2.0, 3.0], [0.5, -0.5, 4.0]]).unwrap();
    assert_eq!(
        x.cumsum_columns().to_vec(),
        vec![1.0, 3.0, 6.0, 0.5, 0.0, 4.0]
    );
}

#[test]
fn searchsorted_matches_linear_scan() {
    let knots: Vec<[f64; 5]> = vec![[-2.0, -1.0, 0.0, 1.5, 3.0]; 6];
    let knots = V::from_rows(&dev(), &knots).unwrap();
    let xs = vec![-5.0, -1.0, -0.2, 1.49, 2.9, 3.5];
    let x = V::from_vec(&dev(), xs.clone(), 6, 1).unwrap();
    let knot_row = [-2.0, -1.0, 0.0, 1.5, 3.0];
    let expected: Vec<usize> = xs
        .iter()
        .map(|&v| {
            // The last knot (index <= 3) that is <= v, or bin 0.
            knot_row[..4].iter().rposition(|&k| v >= k).unwrap_or(0)
        })
        .collect();
    assert_eq!(searchsorted(&knots, &x).unwrap(), expected);
}

fn spd_matrix() -> (usize, usize, Vec<f64>) {
    // A = B B^T + I for a fixed B: symmetric positive definite.
    let b = [[1.0, 0.2, -0.3], [0.4, 1.5, 0.1], [-0.6, 0.3, 0.9]];
    let mut a = vec![0.0; 9];
    for i in 0..3 {
        for j in 0..3 {
            a[i * 3 + j] =
                (0..3).map(|k| b[i][k] * b[j][k]).sum::<f64>() + if i == j { 1.0 } else { 0.0 };
        }
    }
    (3, 3, a)
}

#[test]
fn cholesky_reconstructs_and_differentiates() {
    let (n, _, a) = spd_matrix();
    let a_var = V::from_vec(&dev(), a.clone(), n, n).unwrap();
    let l = a_var.cholesky().unwrap();
    let rebuilt = l.matmul(&l.transpose()).unwrap().to_vec();
    for (x, y) in rebuilt.iter().zip(&a) {
        assert!((x - y).abs() < 1e-12);
    }
    assert!(
        l.to_vec()[1].abs() < 1e-15 && l.to_vec()[2].abs() < 1e-15,
        "upper part is zero"
    );
    // Differentiate through a symmetrised input so finite differences stay on SPD matrices.
    check("cholesky", &[spd_matrix()], |v| {
        let sym = (&v[0] + &v[0].transpose()) * 0.5;
        sym.cholesky()
    });
}

#[test]
fn cholesky_rejects_indefinite_matrices() {
    let a = V::from_rows(&dev(), &[[1.0, 2.0], [2.0, 1.0]]).unwrap();
    let error = a.cholesky().unwrap_err().to_string();
    assert!(error.contains("not positive definite"), "{error}");
}

#[test]
fn triangular_log_det_and_solve() {
    let l = (3, 3, vec![1.5, 0.0, 0.0, 0.3, 0.8, 0.0, -0.4, 0.2, 2.0]);
    let l_var = V::from_vec(&dev(), l.2.clone(), 3, 3).unwrap();
    let log_det = l_var.triangular_log_abs_det().unwrap().item().unwrap();
    assert!((log_det - (1.5f64 * 0.8 * 2.0).ln()).abs() < 1e-12);
    let b = (2, 3, vec![1.0, -2.0, 0.5, 0.3, 0.0, 4.0]);
    let b_var = V::from_vec(&dev(), b.2.clone(), 2, 3).unwrap();
    let y = l_var.solve_lower_triangular(&b_var).unwrap();
    // L y = b for each row.
    let back = y.matmul(&l_var.transpose()).unwrap().to_vec();
    for (x, want) in back.iter().zip(&b.2) {
        assert!((x - want).abs() < 1e-12);
    }
    check("triangular_log_abs_det", std::slice::from_ref(&l), |v| {
        v[0].lower_triangle(0).triangular_log_abs_det()
    });
    check("solve_lower_triangular", &[l, b], |v| {
        v[0].lower_triangle(0).solve_lower_triangular(&v[1])
    });
}

#[test]
fn operators_poison_instead_of_panicking() {
    let a = V::zeros(&dev(), 2, 3);
    let b = V::zeros(&dev(), 4, 3);
    let bad = &a + &b;
    assert!(bad.is_poisoned());
    let later = (bad.exp() * 2.0).sum();
    let error = later.check().unwrap_err().to_string();
    assert!(
        error.contains("add") && error.contains("(2, 3)") && error.contains("(4, 3)"),
        "{error}"
    );
    assert!(a.add(&b).is_err());
}

#[test]
fn gradients_accumulate_over_reuse() {
    let d = dev();
    let graph = Graph::new(&d);
    let x = graph.watch(&V::from_vec(&d, vec![3.0], 1, 1).unwrap());
    // y = x * x * x + x => dy/dx = 3 x^2 + 1 = 28
    let y = &(&(&x * &x) * &x) + &x;
    let mut grads = y.backward().unwrap();
    assert_eq!(grads.of(&x).unwrap(), vec![28.0]);
}
