//! Gradients of every log-density with respect to its value and parameters against f64 finite
//! differences, and reparameterised samplers against known derivatives of expectations.

use flowppl::backend::rng::seeded;
use flowppl::prelude::*;
use flowppl::testing::gradient_check;
use flowppl::testing::{test_device, TestDevice};

type V = Var<f64, TestDevice>;

fn row(values: &[f64]) -> (usize, usize, Vec<f64>) {
    (1, values.len(), values.to_vec())
}

fn assert_gradients(
    name: &str,
    inputs: &[(usize, usize, Vec<f64>)],
    f: impl Fn(&[V]) -> Result<V>,
) {
    let report = gradient_check(inputs, 1e-6, f).unwrap();
    assert!(
        report.max_error < 1e-6,
        "{name}: error {} at {:?}",
        report.max_error,
        report.worst
    );
}

#[test]
fn log_prob_gradients_match_finite_differences() {
    let reals = row(&[-1.3, 0.2, 2.5]);
    let positives = row(&[0.3, 1.1, 4.0]);
    let units = row(&[0.15, 0.5, 0.85]);
    let locs = row(&[0.1, -0.4, 1.0]);
    let scales = row(&[0.7, 1.5, 2.2]);
    let counts = row(&[0.0, 2.0, 7.0]);

    assert_gradients(
        "Normal",
        &[reals.clone(), locs.clone(), scales.clone()],
        |v| Normal::new(&v[1], &v[2])?.log_prob(&v[0]),
    );
    assert_gradients(
        "LogNormal",
        &[positives.clone(), locs.clone(), scales.clone()],
        |v| LogNormal::new(&v[1], &v[2])?.log_prob(&v[0]),
    );
    assert_gradients("HalfNormal", &[positives.clone(), scales.clone()], |v| {
        HalfNormal::new(&v[1])?.log_prob(&v[0])
    });
    assert_gradients(
        "Cauchy",
        &[reals.clone(), locs.clone(), scales.clone()],
        |v| Cauchy::new(&v[1], &v[2])?.log_prob(&v[0]),
    );
    assert_gradients("HalfCauchy", &[positives.clone(), scales.clone()], |v| {
        HalfCauchy::new(&v[1])?.log_prob(&v[0])
    });
    assert_gradients(
        "StudentT",
        &[reals.clone(), scales.clone(), locs.clone(), scales.clone()],
        |v| StudentT::new(&v[1], &v[2], &v[3])?.log_prob(&v[0]),
    );
    assert_gradients(
        "Laplace",
        &[reals.clone(), locs.clone(), scales.clone()],
        |v| Laplace::new(&v[1], &v[2])?.log_prob(&v[0]),
    );
    assert_gradients(
        "Logistic",
        &[reals.clone(), locs.clone(), scales.clone()],
        |v| Logistic::new(&v[1], &v[2])?.log_prob(&v[0]),
    );
    assert_gradients("Exponential", &[positives.clone(), scales.clone()], |v| {
        Exponential::new(&v[1])?.log_prob(&v[0])
    });
    assert_gradients(
        "Gamma",
        &[positives.clone(), scales.clone(), scales.clone()],
        |v| Gamma::new(&v[1], &v[2])?.log_prob(&v[0]),
    );
    assert_gradients(
        "InverseGamma",
        &[positives.clone(), scales.clone(), scales.clone()],
        |v| InverseGamma::new(&v[1], &v[2])?.log_prob(&v[0]),
    );
    assert_gradients(
        "Beta",
        &[units.clone(), scales.clone(), positives.clone()],
        |v| Beta::new(&v[1], &v[2])?.log_prob(&v[0]),
    );
    assert_gradients(
        "Uniform",
        &[
            row(&[0.5, 0.6, 0.7]),
            row(&[-1.0, 0.0, 0.2]),
            row(&[1.0, 2.0, 3.0]),
        ],
        |v| Uniform::new(&v[1], &v[2])?.log_prob(&v[0]),
    );
    // Discrete families: gradients with respect to the parameters at fixed counts.
    let bits = row(&[0.0, 1.0, 1.0]);
    assert_gradients("Bernoulli", std::slice::from_ref(&locs), |v| {
        Bernoulli::new(&v[0])?.log_prob(&V::from_vec(&test_device(), bits.2.clone(), 1, 3)?)
    });
    assert_gradients("Binomial", std::slice::from_ref(&locs), |v| {
        let k = V::from_vec(&test_device(), counts.2.clone(), 1, 3)?;
        Binomial::new(9.0, &v[0])?.log_prob(&k)
    });
    assert_gradients("Poisson", std::slice::from_ref(&locs), |v| {
        let k = V::from_vec(&test_device(), counts.2.clone(), 1, 3)?;
        Poisson::new(&v[0])?.log_prob(&k)
    });
    assert_gradients(
        "Categorical",
        &[(2, 3, vec![0.1, -0.5, 1.2, 0.0, 2.0, -1.0])],
        |v| {
            let k = V::from_vec(&test_device(), vec![2.0, 0.0], 2, 1)?;
            Categorical::new(&v[0])?.log_prob(&k)
        },
    );
    assert_gradients(
        "Dirichlet",
        &[row(&[0.2, 0.3, 0.5]), row(&[0.7, 2.0, 3.5])],
        |v| Dirichlet::new(&v[1])?.log_prob(&v[0]),
    );
    assert_gradients(
        "MultivariateNormal",
        &[
            (2, 2, vec![0.3, -1.0, 2.0, 0.5]),
            row(&[0.1, 0.2]),
            (2, 2, vec![1.2, 0.0, 0.4, 0.8]),
        ],
        |v| MultivariateNormal::new(&v[1], &v[2])?.log_prob(&v[0]),
    );
}

/// Mean of `d/dtheta f(x(theta))` over draws, with its standard error.
fn mean_gradient(draws: usize, mut one: impl FnMut(u64) -> f64) -> (f64, f64) {
    let values: Vec<f64> = (0..draws as u64).map(&mut one).collect();
    let n = draws as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

#[test]
fn normal_rsample_is_location_scale() {
    let dev = test_device();
    let graph = Graph::new(&dev);
    let loc = graph.watch(&V::scalar(&dev, 0.5));
    let scale = graph.watch(&V::scalar(&dev, 2.0));
    let x = Normal::new(&loc, &scale)
        .unwrap()
        .expand(1, 4)
        .unwrap()
        .rsample(&mut seeded(0))
        .unwrap();
    let eps: Vec<f64> = x.to_vec().iter().map(|v| (v - 0.5) / 2.0).collect();
    let mut grads = x.sum().backward().unwrap();
    assert!((grads.of(&loc).unwrap()[0] - 4.0).abs() < 1e-12);
    assert!((grads.of(&scale).unwrap()[0] - eps.iter().sum::<f64>()).abs() < 1e-12);
}

#[test]
fn implicit_reparameterisation_gives_unbiased_gradients() {
    let dev = test_device();
    let draws = 4_000;
    // d/da E[x] for Gamma(a, b): 1 / b.   d/da E[x^2]: (2a + 1) / b^2.
    for &(a, b) in &[(0.5, 1.0), (3.0, 2.0)] {
        let mut rng = seeded(11);
        let samples: Vec<(f64, f64)> = (0..draws)
            .map(|_| {
                let graph = Graph::new(&dev);
                let alpha = graph.watch(&V::scalar(&dev, a));
                let x = Gamma::new(&alpha, b).unwrap().rsample(&mut rng).unwrap();
                let mut g1 = x.sum().backward().unwrap();
                let d1 = g1.of(&alpha).unwrap()[0];
                let xv = x.item().unwrap();
                (d1, 2.0 * xv * d1)
            })
            .collect();
        let (m1, se1) = mean_gradient(draws, |i| samples[i as usize].0);
        let (m2, se2) = mean_gradient(draws, |i| samples[i as usize].1);
        assert!(
            (m1 - 1.0 / b).abs() <= 4.0 * se1,
            "Gamma({a},{b}) dE[x]/da = {m1} +- {se1}"
        );
        let want2 = (2.0 * a + 1.0) / (b * b);
        assert!(
            (m2 - want2).abs() <= 4.0 * se2,
            "Gamma({a},{b}) dE[x2]/da = {m2} +- {se2}"
        );
    }
    // Beta(a, b): d/da E[x] = b / (a + b)^2.
    let (a, b) = (1.5, 2.5);
    let mut rng = seeded(5);
    let (m, se) = mean_gradient(draws, |_| {
        let graph = Graph::new(&dev);
        let alpha = graph.watch(&V::scalar(&dev, a));
        let x = Beta::new(&alpha, b).unwrap().rsample(&mut rng).unwrap();
        x.sum().backward().unwrap().of(&alpha).unwrap()[0]
    });
    let want = b / ((a + b) * (a + b));
    assert!(
        (m - want).abs() <= 4.0 * se,
        "Beta dE[x]/da = {m} +- {se}, want {want}"
    );
}

#[test]
fn discrete_distributions_refuse_rsample() {
    let error = Poisson::<f64, TestDevice>::new(0.0)
        .unwrap()
        .rsample(&mut seeded(0))
        .unwrap_err();
    assert!(error.to_string().contains("Poisson"));
    assert!(!Bernoulli::<f64, TestDevice>::new(0.0)
        .unwrap()
        .has_rsample());
    assert!(Gamma::<f64, TestDevice>::new(1.0, 1.0)
        .unwrap()
        .has_rsample());
}
