//! Sample mean and variance of every distribution with finite moments, within 4 Monte Carlo
//! standard errors of `mean()` and `variance()` (fixed seeds).
//!
//! Standard errors: the mean's is `sqrt(s^2 / n)`; the variance's is `sqrt((m4 - s^4) / n)` with
//! `m4` the sample fourth central moment.

use flowppl::backend::rng::seeded;
use flowppl::prelude::*;
use flowppl::testing::{test_device, TestDevice};

const DRAWS: usize = 40_000;

fn check_moments(name: &str, dist: &dyn Distribution<f64, TestDevice>, seed: u64) {
    let mut rng = seeded(seed);
    let (rows, columns) = dist.sample_shape();
    let mean = dist.mean().unwrap().to_vec();
    let variance = dist.variance().unwrap().to_vec();
    let entries = rows * columns;
    let mut sums = vec![Vec::with_capacity(DRAWS); entries];
    for _ in 0..DRAWS {
        let draw = dist.sample(&mut rng).unwrap().to_vec();
        for (k, v) in draw.into_iter().enumerate() {
            sums[k].push(v);
        }
    }
    for k in 0..entries {
        let xs = &sums[k];
        let n = xs.len() as f64;
        let m = xs.iter().sum::<f64>() / n;
        let s2 = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
        let m4 = xs.iter().map(|x| (x - m).powi(4)).sum::<f64>() / n;
        let se_mean = (s2 / n).sqrt();
        let se_var = ((m4 - s2 * s2).max(0.0) / n).sqrt();
        assert!(
            (m - mean[k]).abs() <= 4.0 * se_mean,
            "{name}[{k}]: sample mean {m} vs {} (se {se_mean})",
            mean[k]
        );
        assert!(
            (s2 - variance[k]).abs() <= 4.0 * se_var,
            "{name}[{k}]: sample variance {s2} vs {} (se {se_var})",
            variance[k]
        );
    }
}

#[test]
fn sample_moments_match() {
    let dev = test_device();
    type Named = (&'static str, Box<dyn Distribution<f64, TestDevice>>);
    let table: Vec<Named> = vec![
        ("Normal", Box::new(Normal::new(1.5, 2.0).unwrap())),
        ("LogNormal", Box::new(LogNormal::new(0.2, 0.5).unwrap())),
        ("HalfNormal", Box::new(HalfNormal::new(1.3).unwrap())),
        ("StudentT", Box::new(StudentT::new(7.0, -1.0, 0.5).unwrap())),
        ("Laplace", Box::new(Laplace::new(0.5, 1.5).unwrap())),
        ("Logistic", Box::new(Logistic::new(-2.0, 0.8).unwrap())),
        ("Exponential", Box::new(Exponential::new(2.5).unwrap())),
        ("Gamma", Box::new(Gamma::new(0.6, 2.0).unwrap())),
        ("Gamma large", Box::new(Gamma::new(9.0, 0.5).unwrap())),
        (
            "InverseGamma",
            Box::new(InverseGamma::new(6.0, 2.0).unwrap()),
        ),
        ("Beta", Box::new(Beta::new(0.8, 2.5).unwrap())),
        ("Uniform", Box::new(Uniform::new(-1.0, 3.0).unwrap())),
        ("Bernoulli", Box::new(Bernoulli::new(0.4).unwrap())),
        ("Binomial", Box::new(Binomial::new(20.0, -0.7).unwrap())),
        ("Poisson", Box::new(Poisson::from_rate(3.5).unwrap())),
        (
            "Dirichlet",
            Box::new(
                Dirichlet::new(Var::from_vec(&dev, vec![1.5, 0.5, 3.0], 1, 3).unwrap()).unwrap(),
            ),
        ),
        (
            "MultivariateNormal",
            Box::new(
                MultivariateNormal::new(
                    Var::from_vec(&dev, vec![1.0, -2.0], 1, 2).unwrap(),
                    Var::from_rows(&dev, &[[1.5, 0.0], [0.8, 0.6]]).unwrap(),
                )
                .unwrap(),
            ),
        ),
        (
            "Normal batch",
            Box::new(
                Normal::new(
                    Var::from_rows(&dev, &[[0.0, 5.0], [-3.0, 1.0]]).unwrap(),
                    0.5,
                )
                .unwrap(),
            ),
        ),
    ];
    for (seed, (name, dist)) in table.iter().enumerate() {
        check_moments(name, dist.as_ref(), seed as u64 + 100);
    }
}

#[test]
fn categorical_frequencies_match_probabilities() {
    let dev = test_device();
    let probs = [0.2, 0.5, 0.3];
    let logits =
        Var::<f64, TestDevice>::from_vec(&dev, probs.iter().map(|p: &f64| p.ln()).collect(), 1, 3)
            .unwrap();
    let cat = Categorical::new(logits)
        .unwrap()
        .expand_rows(DRAWS)
        .unwrap();
    let draws = cat.sample(&mut seeded(7)).unwrap().to_vec();
    for (k, p) in probs.iter().enumerate() {
        let freq = draws.iter().filter(|&&d| d == k as f64).count() as f64 / DRAWS as f64;
        let se = (p * (1.0 - p) / DRAWS as f64).sqrt();
        assert!((freq - p).abs() <= 4.0 * se, "class {k}: {freq} vs {p}");
    }
}

#[test]
fn multivariate_normal_sample_covariance_matches() {
    let dev = test_device();
    let tril = Var::<f64, TestDevice>::from_rows(&dev, &[[1.5, 0.0], [0.8, 0.6]]).unwrap();
    let mvn = MultivariateNormal::new(Var::zeros(&dev, DRAWS, 2), tril).unwrap();
    let x = mvn.sample(&mut seeded(3)).unwrap().to_vec();
    let n = DRAWS as f64;
    let cov01: f64 = (0..DRAWS).map(|i| x[2 * i] * x[2 * i + 1]).sum::<f64>() / n;
    // Cov(x0, x1) = 1.5 * 0.8 = 1.2; Var(x0 x1) = Var0 Var1 + Cov^2 for a zero-mean Gaussian.
    let se = ((2.25 * (0.64 + 0.36) + 1.44) / n).sqrt();
    assert!((cov01 - 1.2).abs() <= 4.0 * se, "covariance {cov01} vs 1.2");
}
