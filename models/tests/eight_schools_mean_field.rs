//! Task T6: AutoNormal on non-centred eight schools reaches the mean-field optimum computed by
//! NumPyro (64 particles, 30 000 steps, decaying learning rate; `eight_schools_mf_optimum.json`):
//! mean and sd of mu and log tau within 3%, of tau within 5%.

use flowppl::params::Schedule;
use flowppl::prelude::*;

const Y: [f64; 8] = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
const SIGMA: [f64; 8] = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];

fn stats(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (mean, sd)
}

#[test]
fn auto_normal_reaches_the_mean_field_optimum() {
    let optimum: serde_json::Value =
        serde_json::from_str(include_str!("../data/eight_schools_mf_optimum.json")).unwrap();
    let target = |key: &str| optimum["seed0"][key].as_f64().unwrap();
    let model = flowppl_models::zoo::eight_schools::eight_schools_noncentered(&Y, &SIGMA);
    let steps = 8000;
    let adam = Adam::new(0.02)
        .unwrap()
        .with_schedule(Schedule::exponential_to(0.02, steps))
        .unwrap();
    let fit = Svi::new(model, AutoNormal::new().with_init(InitStrategy::Feasible))
        .optimizer(adam)
        .particles(64)
        .steps(steps as usize)
        .seed(3)
        .run()
        .unwrap();
    let samples = fit.posterior_samples(200_000, 4).unwrap();
    let mu = samples["mu"].to_f64_vec();
    let tau = samples["tau"].to_f64_vec();
    let log_tau: Vec<f64> = tau.iter().map(|t| t.ln()).collect();
    let checks = [
        ("mu", stats(&mu), 0.03),
        ("tau", stats(&tau), 0.05),
        ("log_tau", stats(&log_tau), 0.03),
    ];
    for (name, (mean, sd), tolerance) in checks {
        let (want_mean, want_sd) = (
            target(&format!("{name}_mean")),
            target(&format!("{name}_sd")),
        );
        println!(
            "{name}: mean {mean:.4} (optimum {want_mean:.4}), sd {sd:.4} (optimum {want_sd:.4})"
        );
        assert!(
            (mean - want_mean).abs() <= tolerance * want_mean.abs(),
            "{name} mean {mean} vs {want_mean}"
        );
        assert!(
            (sd - want_sd).abs() <= tolerance * want_sd,
            "{name} sd {sd} vs {want_sd}"
        );
    }
    println!(
        "ELBO {:.4} (optimum {:.4})",
        fit.final_elbo(),
        target("elbo_20000")
    );
}
