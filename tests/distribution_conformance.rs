//! Conformance table: every distribution's log-density against an independent implementation
//! (statrs where it has the family, otherwise a closed form written here in f64 and built from
//! statrs where possible), in f64 (1e-10) and f32 (1e-4), relative to max(1, |reference|).

use flowppl::prelude::*;
use flowppl::testing::{test_device, TestDevice};
use statrs::distribution::{self as sd, Continuous, Discrete};
use std::f64::consts::PI;

type Reference = Box<dyn Fn(f64) -> f64>;

/// One row: a name, a parameter set, a builder generic over the element type, the reference
/// log-density and the points to evaluate.
struct Row {
    name: String,
    build64: Box<dyn Fn() -> Box<dyn Distribution<f64, TestDevice>>>,
    build32: Box<dyn Fn() -> Box<dyn Distribution<f32, TestDevice>>>,
    reference: Reference,
    points: Vec<f64>,
}

macro_rules! row {
    ($name:expr, |$e:ident| $build:expr, $reference:expr, $points:expr) => {{
        Row {
            name: $name,
            build64: Box::new(move || {
                type $e = f64;
                Box::new($build.unwrap())
            }),
            build32: Box::new(move || {
                type $e = f32;
                Box::new($build.unwrap())
            }),
            reference: Box::new($reference),
            points: $points,
        }
    }};
}

fn real_points() -> Vec<f64> {
    vec![-7.5, -2.0, -0.3, 0.0, 0.4, 1.7, 3.0, 12.0]
}
fn positive_points() -> Vec<f64> {
    vec![0.01, 0.2, 0.9, 1.0, 2.5, 7.0, 30.0]
}
fn unit_points() -> Vec<f64> {
    vec![0.001, 0.1, 0.37, 0.5, 0.8, 0.999]
}

fn table() -> Vec<Row> {
    let mut rows = Vec::new();
    for &(loc, scale) in &[(0.0, 1.0), (-1.5, 0.3), (2.0, 4.0)] {
        let n = sd::Normal::new(loc, scale).unwrap();
        rows.push(row!(
            format!("Normal({loc}, {scale})"),
            |T| Normal::<T, TestDevice>::new(loc, scale),
            move |x| n.ln_pdf(x),
            real_points()
        ));
        let ln = sd::LogNormal::new(loc, scale).unwrap();
        rows.push(row!(
            format!("LogNormal({loc}, {scale})"),
            |T| LogNormal::<T, TestDevice>::new(loc, scale),
            move |x| ln.ln_pdf(x),
            positive_points()
        ));
        let c = sd::Cauchy::new(loc, scale).unwrap();
        rows.push(row!(
            format!("Cauchy({loc}, {scale})"),
            |T| Cauchy::<T, TestDevice>::new(loc, scale),
            move |x| c.ln_pdf(x),
            real_points()
        ));
        // ANCHOR: distribution_row
        let l = sd::Laplace::new(loc, scale).unwrap();
        rows.push(row!(
            format!("Laplace({loc}, {scale})"),
            |T| Laplace::<T, TestDevice>::new(loc, scale),
            move |x| l.ln_pdf(x),
            real_points()
        ));
        // ANCHOR_END: distribution_row
        // statrs has no logistic: the closed form, written independently.
        rows.push(row!(
            format!("Logistic({loc}, {scale})"),
            |T| Logistic::<T, TestDevice>::new(loc, scale),
            move |x| {
                let z = (x - loc) / scale;
                -z - scale.ln() - 2.0 * (-z).exp().ln_1p()
            },
            real_points()
        ));
        for &df in &[0.7, 3.0, 25.0] {
            let t = sd::StudentsT::new(loc, scale, df).unwrap();
            rows.push(row!(
                format!("StudentT({df}, {loc}, {scale})"),
                |T| StudentT::<T, TestDevice>::new(df, loc, scale),
                move |x| t.ln_pdf(x),
                real_points()
            ));
        }
    }
    for &scale in &[0.4, 1.0, 6.0] {
        // Half-distributions are twice the full density on x >= 0.
        let n = sd::Normal::new(0.0, scale).unwrap();
        rows.push(row!(
            format!("HalfNormal({scale})"),
            |T| HalfNormal::<T, TestDevice>::new(scale),
            move |x| 2f64.ln() + n.ln_pdf(x),
            positive_points()
        ));
        let c = sd::Cauchy::new(0.0, scale).unwrap();
        rows.push(row!(
            format!("HalfCauchy({scale})"),
            |T| HalfCauchy::<T, TestDevice>::new(scale),
            move |x| 2f64.ln() + c.ln_pdf(x),
            positive_points()
        ));
        let e = sd::Exp::new(scale).unwrap();
        rows.push(row!(
            format!("Exponential({scale})"),
            |T| Exponential::<T, TestDevice>::new(scale),
            move |x| e.ln_pdf(x),
            positive_points()
        ));
    }
    for &(a, b) in &[(0.5, 1.0), (2.0, 0.5), (7.5, 3.0)] {
        let g = sd::Gamma::new(a, b).unwrap();
        rows.push(row!(
            format!("Gamma({a}, {b})"),
            |T| Gamma::<T, TestDevice>::new(a, b),
            move |x| g.ln_pdf(x),
            positive_points()
        ));
        let ig = sd::InverseGamma::new(a, b).unwrap();
        rows.push(row!(
            format!("InverseGamma({a}, {b})"),
            |T| InverseGamma::<T, TestDevice>::new(a, b),
            move |x| ig.ln_pdf(x),
            positive_points()
        ));
        let be = sd::Beta::new(a, b).unwrap();
        rows.push(row!(
            format!("Beta({a}, {b})"),
            |T| Beta::<T, TestDevice>::new(a, b),
            move |x| be.ln_pdf(x),
            unit_points()
        ));
    }
    for &(low, high) in &[(-1.0, 2.0), (0.0, 0.25)] {
        let u = sd::Uniform::new(low, high).unwrap();
        rows.push(row!(
            format!("Uniform({low}, {high})"),
            |T| Uniform::<T, TestDevice>::new(low, high),
            move |x| u.ln_pdf(x),
            vec![low + 0.01, 0.5 * (low + high), high - 0.01]
        ));
    }
    for &logit in &[-3.0f64, 0.0, 1.2] {
        let p = 1.0 / (1.0 + (-logit).exp());
        let b = sd::Bernoulli::new(p).unwrap();
        rows.push(row!(
            format!("Bernoulli(logit {logit})"),
            |T| Bernoulli::<T, TestDevice>::new(logit),
            move |x| b.ln_pmf(x as u64),
            vec![0.0, 1.0]
        ));
        let bin = sd::Binomial::new(p, 12).unwrap();
        rows.push(row!(
            format!("Binomial(12, logit {logit})"),
            |T| Binomial::<T, TestDevice>::new(12.0, logit),
            move |x| bin.ln_pmf(x as u64),
            vec![0.0, 1.0, 5.0, 11.0, 12.0]
        ));
    }
    for &rate in &[0.3, 4.0, 55.0] {
        let po = sd::Poisson::new(rate).unwrap();
        rows.push(row!(
            format!("Poisson({rate})"),
            |T| Poisson::<T, TestDevice>::from_rate(rate),
            move |x| po.ln_pmf(x as u64),
            vec![0.0, 1.0, 3.0, 20.0, 60.0]
        ));
    }
    rows
}

fn close(got: f64, want: f64, tolerance: f64) -> bool {
    if want.is_infinite() {
        return got == want;
    }
    (got - want).abs() <= tolerance * want.abs().max(1.0)
}

#[test]
fn scalar_families_match_the_reference_in_f64_and_f32() {
    let dev = test_device();
    let mut checked = 0;
    for row in table() {
        let d64 = (row.build64)();
        let d32 = (row.build32)();
        for &x in &row.points {
            let want = (row.reference)(x);
            let got64 = d64
                .log_prob(&Var::<f64, TestDevice>::scalar(&dev, x))
                .unwrap()
                .item()
                .unwrap();
            assert!(
                close(got64, want, 1e-10),
                "{} at {x}: f64 {got64} vs {want}",
                row.name
            );
            let got32 = d32
                .log_prob(&Var::<f32, TestDevice>::scalar(&dev, x))
                .unwrap()
                .item()
                .unwrap() as f64;
            assert!(
                close(got32, want, 1e-4),
                "{} at {x}: f32 {got32} vs {want}",
                row.name
            );
            checked += 1;
        }
    }
    assert!(checked > 300, "the table checks {checked} points");
}

#[test]
fn batched_log_prob_equals_pointwise() {
    // A (2, 3) batch of locations against a (2, 3) value: one call, six independent densities.
    let dev = test_device();
    let locs = [[0.0, 1.0, -2.0], [0.5, 3.0, 0.2]];
    let xs = [[0.1, 0.9, -1.0], [2.0, 3.0, -0.3]];
    let loc = Var::<f64, TestDevice>::from_rows(&dev, &locs).unwrap();
    let x = Var::from_rows(&dev, &xs).unwrap();
    let lp = Normal::new(&loc, 0.7)
        .unwrap()
        .log_prob(&x)
        .unwrap()
        .to_vec();
    for i in 0..2 {
        for j in 0..3 {
            let want = sd::Normal::new(locs[i][j], 0.7).unwrap().ln_pdf(xs[i][j]);
            assert!(close(lp[i * 3 + j], want, 1e-12));
        }
    }
    // Broadcasting a (1, 3) parameter against (2, 3) values, and to_event summing a row.
    let row_loc = Var::<f64, TestDevice>::from_rows(&dev, &[[0.0, 1.0, -2.0]]).unwrap();
    let summed = Normal::new(&row_loc, 0.7)
        .unwrap()
        .to_event()
        .unwrap()
        .log_prob(&x)
        .unwrap();
    assert_eq!(summed.shape(), (2, 1));
    let want: f64 = (0..3)
        .map(|j| sd::Normal::new(locs[0][j], 0.7).unwrap().ln_pdf(xs[1][j]))
        .sum();
    assert!(close(summed.to_vec()[1], want, 1e-12));
}

#[test]
fn categorical_dirichlet_and_multivariate_normal_match_statrs() {
    let dev = test_device();
    let probs = [0.1, 0.6, 0.3];
    let logits: Vec<f64> = probs.iter().map(|p: &f64| p.ln() + 0.7).collect();
    let cat =
        Categorical::new(Var::<f64, TestDevice>::from_vec(&dev, logits, 1, 3).unwrap()).unwrap();
    let reference = sd::Categorical::new(&probs).unwrap();
    let values = Var::from_vec(&dev, vec![0.0, 1.0, 2.0, 1.0], 4, 1).unwrap();
    let lp = cat.log_prob(&values).unwrap().to_vec();
    for (i, k) in [0u64, 1, 2, 1].iter().enumerate() {
        assert!(close(lp[i], reference.ln_pmf(*k), 1e-12));
    }

    let alpha = vec![0.7, 2.0, 5.5];
    let dir = Dirichlet::new(Var::<f64, TestDevice>::from_vec(&dev, alpha.clone(), 1, 3).unwrap())
        .unwrap();
    let reference = sd::Dirichlet::new(alpha).unwrap();
    for x in [[0.2, 0.3, 0.5], [0.05, 0.05, 0.9], [0.6, 0.3, 0.1]] {
        let got = dir
            .log_prob(&Var::from_rows(&dev, &[x]).unwrap())
            .unwrap()
            .item()
            .unwrap();
        let want = reference.ln_pdf(&nalgebra::DVector::from_vec(x.to_vec()));
        assert!(
            close(got, want, 1e-10),
            "Dirichlet at {x:?}: {got} vs {want}"
        );
    }

    let mean = vec![0.5, -1.0, 2.0];
    let cov = vec![2.0, 0.3, -0.4, 0.3, 1.0, 0.2, -0.4, 0.2, 0.5];
    let mvn = MultivariateNormal::from_covariance(
        Var::<f64, TestDevice>::from_vec(&dev, mean.clone(), 1, 3).unwrap(),
        &Var::from_vec(&dev, cov.clone(), 3, 3).unwrap(),
    )
    .unwrap();
    let reference = sd::MultivariateNormal::new(mean, cov).unwrap();
    let xs = [[0.0, 0.0, 0.0], [1.5, -2.0, 2.5], [-3.0, 1.0, 0.0]];
    let lp = mvn
        .log_prob(&Var::from_rows(&dev, &xs).unwrap())
        .unwrap()
        .to_vec();
    for (i, x) in xs.iter().enumerate() {
        let want = reference.ln_pdf(&nalgebra::DVector::from_vec(x.to_vec()));
        assert!(
            close(lp[i], want, 1e-10),
            "MVN at {x:?}: {} vs {want}",
            lp[i]
        );
    }
}

#[test]
fn values_outside_the_support_have_minus_infinite_log_density() {
    let dev = test_device();
    let v = |x: f64| Var::<f64, TestDevice>::scalar(&dev, x);
    let minus_inf = |lp: Var<f64, TestDevice>| lp.item().unwrap() == f64::NEG_INFINITY;
    assert!(minus_inf(
        Exponential::new(1.0).unwrap().log_prob(&v(-0.5)).unwrap()
    ));
    assert!(minus_inf(
        Gamma::new(2.0, 1.0).unwrap().log_prob(&v(0.0)).unwrap()
    ));
    assert!(minus_inf(
        Beta::new(2.0, 1.0).unwrap().log_prob(&v(1.5)).unwrap()
    ));
    assert!(minus_inf(
        Uniform::new(0.0, 1.0).unwrap().log_prob(&v(1.5)).unwrap()
    ));
    assert!(minus_inf(
        Bernoulli::new(0.0).unwrap().log_prob(&v(0.5)).unwrap()
    ));
    assert!(minus_inf(
        Binomial::new(5.0, 0.0).unwrap().log_prob(&v(6.0)).unwrap()
    ));
    assert!(minus_inf(
        Poisson::new(0.0).unwrap().log_prob(&v(-1.0)).unwrap()
    ));
    let cat = Categorical::new(Var::<f64, TestDevice>::zeros(&dev, 1, 3)).unwrap();
    assert!(minus_inf(cat.log_prob(&v(3.0)).unwrap()));
    let dir = Dirichlet::new(Var::<f64, TestDevice>::full(&dev, 1, 3, 2.0)).unwrap();
    let not_simplex = Var::from_rows(&dev, &[[0.5, 0.5, 0.5]]).unwrap();
    assert!(minus_inf(dir.log_prob(&not_simplex).unwrap()));
    // The mask only touches invalid entries.
    let mixed = Var::from_rows(&dev, &[[-1.0, 1.0]]).unwrap();
    let lp = Exponential::new(2.0)
        .unwrap()
        .log_prob(&mixed)
        .unwrap()
        .to_vec();
    assert_eq!(lp[0], f64::NEG_INFINITY);
    assert!((lp[1] - (2f64.ln() - 2.0)).abs() < 1e-12);
}

#[test]
fn invalid_parameters_are_errors_naming_distribution_parameter_and_value() {
    let message = Normal::<f32, TestDevice>::new(0.0, -1.0)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("Normal") && message.contains("scale") && message.contains("-1"),
        "{message}"
    );
    let message = Gamma::<f32, TestDevice>::new(0.0, 1.0)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("Gamma") && message.contains("concentration"),
        "{message}"
    );
    let message = Uniform::<f32, TestDevice>::new(2.0, 1.0)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("Uniform") && message.contains("high"),
        "{message}"
    );
    let message = Binomial::<f32, TestDevice>::new(2.5, 0.0)
        .unwrap_err()
        .to_string();
    assert!(message.contains("total_count"), "{message}");
    let dev = test_device();
    let bad_scale = Var::<f32, TestDevice>::from_vec(&dev, vec![1.0, 0.0], 1, 2).unwrap();
    let message = Normal::new(0.0, &bad_scale).unwrap_err().to_string();
    assert!(
        message.contains("scale") && message.contains('0'),
        "{message}"
    );
    let message = Normal::new(
        Var::<f32, TestDevice>::zeros(&dev, 2, 3),
        Var::<f32, TestDevice>::full(&dev, 4, 3, 1.0),
    )
    .unwrap_err()
    .to_string();
    assert!(
        message.contains("Normal") && message.contains("(2, 3)"),
        "{message}"
    );
    let not_tril = Var::<f64, TestDevice>::from_rows(&dev, &[[1.0, 0.0], [0.0, -1.0]]).unwrap();
    let message = MultivariateNormal::new(Var::<f64, TestDevice>::zeros(&dev, 1, 2), not_tril)
        .unwrap_err()
        .to_string();
    assert!(message.contains("scale_tril"), "{message}");
    let _ = PI;
}
