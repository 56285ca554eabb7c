//! Flow guides capture posteriors the mean-field guide cannot, and the PSIS k-hat tells the
//! two apart (Yao et al. 2018). Every target here is normalised (`ln Z = 0`), so the ELBO's
//! gap and the log-evidence estimate are checked against 0 as well.
//!
//! Numbers at these seeds (release build; `flowppl fit <model> --guide ...` reproduces them):
//!
//! | target | guide | sds (exact) | k-hat |
//! |---|---|---|---|
//! | banana | normal | x1 3.89, x2 1.02 (10, 4.36) | 0.88 |
//! | banana | RealNVP 6x[64,64], 10k steps | x1 9.62, x2 4.05 | 0.59 (seed 1: 0.46) |
//! | bimodal | normal | z1 1.00 (3.16) | 1.07 |
//! | bimodal | NSF 4x[64,64], IWAE K=16 | z1 3.05 | 0.37 |
//! | funnel | normal | v 0.47 (3) | 1.11 |
//! | funnel | RealNVP 6x[64,64], STL | v 2.63 | 0.61 |
//!
//! The mean-field fits' log-evidence estimates are off (bimodal: 1.10 +- 0.83 for a true 0),
//! which is what their k-hat says; the flows' are within 0.04 nats of 0.
//!
//! Tolerances: the sds come from 20 000 draws (relative standard error 0.5%), so the margins
//! below are about the optimisation, which is deterministic at a fixed seed on one machine.

use flowppl::flows::FlowKind;
use flowppl::infer::{AutoFlow, Bound, Diagnostics, Fit, Guide, KhatReading};
use flowppl::params::Schedule;
use flowppl::ppl::Model;
use flowppl::prelude::*;

fn sd(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// Fits `guide` with Adam 0.01 decaying to 0.001 and returns the fit and its diagnostics.
fn fit<M: Model<f32, Cpu>, G: Guide<f32, Cpu>>(
    model: M,
    guide: G,
    steps: usize,
    configure: impl FnOnce(Svi<M, G>) -> Svi<M, G>,
) -> (Fit<M, G, f32, Cpu>, Diagnostics) {
    let adam = Adam::new(0.01)
        .unwrap()
        .with_schedule(Schedule::exponential_to(0.1, steps as u64))
        .unwrap();
    let svi = Svi::new(model, guide)
        .optimizer(adam)
        .particles(16)
        .steps(steps)
        .seed(0);
    let fit = configure(svi).run().unwrap();
    let diagnostics = fit.diagnostics(10_000, 2).unwrap();
    (fit, diagnostics)
}

fn sd_of<M: Model<f32, Cpu>, G: Guide<f32, Cpu>>(
    fit: &Fit<M, G, f32, Cpu>,
    site: &str,
    column: usize,
) -> f64 {
    let samples = fit.posterior_samples(20_000, 1).unwrap();
    let value = &samples[site];
    let columns = value.columns();
    let all = value.to_f64_vec();
    sd(&all
        .iter()
        .skip(column)
        .step_by(columns)
        .copied()
        .collect::<Vec<_>>())
}

#[test]
fn a_coupling_guide_recovers_the_banana_and_k_hat_tells_it_from_mean_field() {
    let model = || flowppl_models::zoo::synthetic::banana(0.03);
    let exact = (10.0, (0.03f64.powi(2) * 2.0 * 1e4 + 1.0).sqrt());
    let (normal, normal_check) = fit(model(), AutoNormal::new(), 5000, |s| s);
    let (flow, flow_check) = fit(
        model(),
        AutoFlow::new(FlowKind::RealNvp, 6, &[64, 64]),
        10_000,
        |s| s,
    );
    let normal_sds = (sd_of(&normal, "x1", 0), sd_of(&normal, "x2", 0));
    let flow_sds = (sd_of(&flow, "x1", 0), sd_of(&flow, "x2", 0));
    println!("banana sds: exact {exact:?}, mean-field {normal_sds:?}, RealNVP {flow_sds:?}");
    println!("k-hat: mean-field {normal_check:?}\nRealNVP {flow_check:?}");
    assert!((flow_sds.0 / exact.0 - 1.0).abs() < 0.1, "{flow_sds:?}");
    assert!((flow_sds.1 / exact.1 - 1.0).abs() < 0.15, "{flow_sds:?}");
    assert!(normal_sds.0 < 0.5 * exact.0 && normal_sds.1 < 0.5 * exact.1);
    assert_eq!(normal_check.reading, KhatReading::NotTrustworthy);
    assert_ne!(flow_check.reading, KhatReading::NotTrustworthy);
    // ln Z = 0: the importance-sampled estimate finds it within 4 standard errors (+ 0.01 for
    // the float32 arithmetic), and the ELBO is below it.
    assert!(flow_check.log_evidence.abs() < 4.0 * flow_check.log_evidence_se + 0.01);
    assert!(flow_check.elbo < 0.0 && flow_check.elbo > normal_check.elbo);
}

#[test]
fn a_spline_guide_trained_with_iwae_finds_both_modes() {
    let model = || flowppl_models::zoo::synthetic::bimodal(3.0);
    let exact = 10f64.sqrt();
    let (normal, normal_check) = fit(model(), AutoNormal::new(), 5000, |s| s);
    let (flow, flow_check) = fit(
        model(),
        AutoFlow::new(FlowKind::Nsf, 4, &[64, 64]),
        10_000,
        |s| s.objective(Bound::Renyi { alpha: 0.0 }),
    );
    let (normal_sd, flow_sd) = (sd_of(&normal, "z", 0), sd_of(&flow, "z", 0));
    println!("bimodal sd(z1): exact {exact:.3}, mean-field {normal_sd:.3}, NSF {flow_sd:.3}");
    println!("k-hat: mean-field {normal_check:?}\nNSF {flow_check:?}");
    assert!((flow_sd / exact - 1.0).abs() < 0.1, "{flow_sd}");
    assert!(normal_sd < 0.5 * exact, "{normal_sd}");
    assert_eq!(normal_check.reading, KhatReading::NotTrustworthy);
    assert_ne!(flow_check.reading, KhatReading::NotTrustworthy);
}

#[test]
fn a_coupling_guide_opens_the_funnel_neck() {
    let model = || flowppl_models::zoo::synthetic::funnel(9);
    let (normal, normal_check) = fit(model(), AutoNormal::new(), 5000, |s| s);
    let (flow, flow_check) = fit(
        model(),
        AutoFlow::new(FlowKind::RealNvp, 6, &[64, 64]),
        10_000,
        |s| s.sticking_the_landing(true),
    );
    let (normal_sd, flow_sd) = (sd_of(&normal, "v", 0), sd_of(&flow, "v", 0));
    println!("funnel sd(v): exact 3, mean-field {normal_sd:.3}, RealNVP {flow_sd:.3}");
    println!("k-hat: mean-field {normal_check:?}\nRealNVP {flow_check:?}");
    assert!(flow_sd > 0.8 * 3.0 && flow_sd < 3.3, "{flow_sd}");
    assert!(normal_sd < 0.25 * 3.0, "{normal_sd}");
    assert_eq!(normal_check.reading, KhatReading::NotTrustworthy);
    // The funnel's flow fit sits near the usable/untrustworthy boundary (0.61 here); the test
    // asks only that it be well below the mean-field guide's.
    assert!(flow_check.khat < normal_check.khat - 0.3, "{flow_check:?}");
    assert!(flow_check.elbo > normal_check.elbo + 1.0);
}

#[test]
fn sticking_the_landing_is_refused_for_guides_that_cannot_score_with_constants() {
    let model = flowppl_models::zoo::synthetic::banana(0.03);
    let error = Svi::new(model, AutoFlow::new(FlowKind::Planar, 2, &[]))
        .sticking_the_landing(true)
        .steps(1)
        .run()
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.contains("flow") && error.contains("sticking"),
        "{error}"
    );
}
