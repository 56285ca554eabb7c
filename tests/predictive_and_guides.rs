//! Predictive distributions and a hand-written guide in the DSL.

use flowppl::params::Schedule;
use flowppl::prelude::*;

model! {
    /// mu ~ N(0, 2); y_i ~ N(mu, 1).
    fn normal_mean(y: &[f64]) {
        let mu = sample!("mu", Normal::new(0.0, 2.0));
        deterministic!("twice_mu", mu * 2.0);
        let data = plate!("data", y.columns());
        observe!("y", Normal::new(mu, 1.0), y, plate = data);
    }
}

model! {
    /// A hand-written guide: q(mu) = N(loc, scale) with learnable parameters.
    fn normal_mean_guide() {
        let loc = param!("guide_loc", init = Init::Constant(0.0));
        let scale = param!("guide_scale", init = Init::Constant(0.5), constraint = Constraint::Positive);
        sample!("mu", Normal::new(loc, scale));
    }
}

const DATA: [f64; 6] = [1.2, 0.8, 2.1, 1.5, 0.3, 1.1];

fn exact() -> (f64, f64) {
    let precision = 1.0 / 4.0 + DATA.len() as f64;
    (
        DATA.iter().sum::<f64>() / precision,
        precision.sqrt().recip(),
    )
}

fn mean_var(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    (
        m,
        values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0),
    )
}

#[test]
fn prior_predictive_has_the_prior_moments() {
    let n = 20_000;
    let draws = Predictive::<_, f64, Cpu>::prior(normal_mean(&DATA), n)
        .run(&Cpu::default(), 0)
        .unwrap();
    let y = draws["y"].to_f64_vec();
    assert_eq!(draws["y"].shape(), (n, DATA.len()));
    // y_1 = mu + noise: mean 0, variance 4 + 1.
    let first: Vec<f64> = (0..n).map(|i| y[i * DATA.len()]).collect();
    let (m, v) = mean_var(&first);
    assert!(
        m.abs() < 4.0 * (5.0 / n as f64).sqrt(),
        "prior predictive mean {m}"
    );
    assert!(
        (v - 5.0).abs() < 4.0 * 5.0 * (2.0 / n as f64).sqrt(),
        "prior predictive variance {v}"
    );
    let twice = draws["twice_mu"].to_f64_vec();
    let mu = draws["mu"].to_f64_vec();
    assert!(twice
        .iter()
        .zip(&mu)
        .all(|(t, m)| (t - 2.0 * m).abs() < 1e-5));
}

#[test]
fn a_hand_written_guide_fits_the_posterior_and_feeds_the_posterior_predictive() {
    let steps = 3000;
    let adam = Adam::new(0.05)
        .unwrap()
        .with_schedule(Schedule::exponential_to(0.02, steps))
        .unwrap();
    let fit = Svi::new(normal_mean(&DATA), ProgramGuide::new(normal_mean_guide()))
        .optimizer(adam)
        .particles(32)
        .steps(steps as usize)
        .seed(0)
        .run()
        .unwrap();
    let (mean, sd) = exact();
    let mu = fit.summary(20_000, 1).unwrap().get("mu").unwrap().clone();
    assert!(
        (mu.mean - mean).abs() < 0.02 * mean,
        "mean {} vs {mean}",
        mu.mean
    );
    assert!((mu.sd - sd).abs() < 0.02 * sd, "sd {} vs {sd}", mu.sd);
    assert!(fit.params().contains("guide_loc") && fit.params().contains("guide_scale"));

    // Posterior predictive: y_new = mu + noise, mean = posterior mean, variance = sd^2 + 1.
    let samples = fit.posterior_samples(20_000, 2).unwrap();
    let draws = Predictive::posterior(normal_mean(&DATA), samples)
        .unwrap()
        .run(&Cpu::default(), 3)
        .unwrap();
    let y = draws["y"].to_f64_vec();
    let first: Vec<f64> = (0..20_000).map(|i| y[i * DATA.len()]).collect();
    let (m, v) = mean_var(&first);
    let want_var = sd * sd + 1.0;
    assert!(
        (m - mean).abs() < 4.0 * (want_var / 20_000.0).sqrt(),
        "posterior predictive mean {m}"
    );
    assert!(
        (v - want_var).abs() < 4.0 * want_var * (2.0f64 / 20_000.0).sqrt(),
        "posterior predictive variance {v}"
    );
    assert!(draws.contains_key("twice_mu"));
}
