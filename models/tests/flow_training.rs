//! Flows trained on the benchmark targets of tasks T3 and T4 (fixed seeds).
//!
//! - T3 U1 (the bimodal ring), 32 planar layers, batch 256, 5000 steps, Adam 5e-3, energy
//!   annealed over the first 2000 steps: both halves are covered (KL well under ln 2 / 2) and
//!   the KL is at most the 0.05 nats. Peers land at a median of 0.70 here.
//! - T4 two moons, MAF with 5 layers of MADE [128, 128], 2000 steps of 512, Adam 5e-3 with
//!   cosine decay: held-out mean log-likelihood at least -1.22 nats (the best peer run).

use flowppl::backend::Cpu;
use flowppl::flows::training::{
    energy_gap, fit_density, fit_energy, mean_log_likelihood, DensityOptions, EnergyOptions,
};
use flowppl::flows::{build_flow, FlowKind};
use flowppl::params::Schedule;
use flowppl::prelude::*;
use flowppl_models::energies::{two_moons, Energy};

#[test]
fn annealed_planar_flow_covers_both_halves_of_u1() {
    let device = Cpu::default();
    let flow = build_flow::<f32, Cpu>("flow", FlowKind::Planar, 2, 32, &[], 0).unwrap();
    let mut store = ParamStore::new(&device);
    let energy = Energy::U1;
    let options = EnergyOptions {
        steps: 5000,
        batch_size: 256,
        learning_rate: 5e-3,
        annealing_steps: 2000,
        seed: 0,
        ..EnergyOptions::default()
    };
    fit_energy(&flow, &mut store, |z| energy.evaluate(z), &options).unwrap();
    let kl = energy_gap(&flow, &store, |z| energy.evaluate(z), 100_000, 1).unwrap()
        + energy.log_normaliser();
    println!("U1 KL = {kl:.4}");
    assert!(kl <= 0.05, "U1 KL {kl}");
}

#[test]
fn maf_fits_two_moons() {
    // Task T4: MAF, 5 layers, MADE [128, 128], batch 512, 2000 steps; Adam 3e-3 with cosine
    // decay. Seeds 0/1/2 give -1.185/-1.215/-1.181 (all above the best peer run, -1.22); at
    // 1e-3, -1.234/-1.186/-1.199. The peers' medians: NumPyro -1.35, zuko -1.26.
    let device = Cpu::default();
    let (train, test) = moons_as_vars(&device);
    let flow = build_flow::<f32, Cpu>("maf", FlowKind::Maf, 2, 5, &[128, 128], 0).unwrap();
    let mut store = ParamStore::new(&device);
    let options = DensityOptions {
        steps: 2000,
        batch_size: 512,
        learning_rate: 3e-3,
        schedule: Schedule::Cosine {
            total: 2000,
            final_fraction: 0.01,
        },
        seed: 0,
        ..DensityOptions::default()
    };
    fit_density(&flow, &mut store, &train, &options).unwrap();
    let score = mean_log_likelihood(&flow, &store, &test).unwrap();
    println!("two moons held-out mean log-likelihood = {score:.4}");
    assert!(score >= -1.22, "held-out log-likelihood {score}");
}

#[test]
fn spline_flow_fits_two_moons() {
    // NSF: 4 rational-quadratic spline coupling layers (8 bins on [-5, 5], MLP [64, 64]),
    // 1000 steps, Adam 3e-3 with cosine decay. Seeds 0/1/2 give -1.157/-1.161/-1.160.
    let device = Cpu::default();
    let (train, test) = moons_as_vars(&device);
    let flow = build_flow::<f32, Cpu>("nsf", FlowKind::Nsf, 2, 4, &[64, 64], 0).unwrap();
    let mut store = ParamStore::new(&device);
    let options = DensityOptions {
        steps: 1000,
        batch_size: 512,
        learning_rate: 3e-3,
        schedule: Schedule::Cosine {
            total: 1000,
            final_fraction: 0.01,
        },
        seed: 0,
        ..DensityOptions::default()
    };
    fit_density(&flow, &mut store, &train, &options).unwrap();
    let score = mean_log_likelihood(&flow, &store, &test).unwrap();
    println!("NSF two moons held-out mean log-likelihood = {score:.4}");
    assert!(score >= -1.22, "held-out log-likelihood {score}");
}

#[test]
fn early_stopping_restores_the_best_validation_parameters() {
    let device = Cpu::default();
    let (train, _) = two_moons().unwrap();
    let data = Var::<f32, Cpu>::from_vec(
        &device,
        train.iter().take(2000).map(|&x| x as f32).collect(),
        1000,
        2,
    )
    .unwrap();
    let flow = build_flow::<f32, Cpu>("coupling", FlowKind::RealNvp, 2, 2, &[16], 0).unwrap();
    let mut store = ParamStore::new(&device);
    let options = DensityOptions {
        steps: 400,
        batch_size: 128,
        learning_rate: 1e-2,
        validation_fraction: 0.2,
        validate_every: 20,
        patience: Some(3),
        seed: 4,
        ..DensityOptions::default()
    };
    let report = fit_density(&flow, &mut store, &data, &options).unwrap();
    assert!(!report.validation.is_empty());
    let best = report
        .validation
        .iter()
        .map(|v| v.1)
        .fold(f64::NEG_INFINITY, f64::max);
    if let Some((step, score, restored)) = report.restored {
        assert!(report.steps < 400, "stopped early");
        assert_eq!(score, best);
        assert!(step < report.steps);
        assert!(
            (restored - best).abs() < 1e-6,
            "restored parameters score {restored}, best {best}"
        );
    } else {
        assert_eq!(report.steps, 400);
    }
}

fn moons_as_vars(device: &Cpu) -> (Var<f32, Cpu>, Var<f32, Cpu>) {
    let (train, test) = two_moons().unwrap();
    let to_var = |v: Vec<f64>| {
        Var::<f32, Cpu>::from_vec(
            device,
            v.iter().map(|&x| x as f32).collect(),
            v.len() / 2,
            2,
        )
        .unwrap()
    };
    (to_var(train), to_var(test))
}

#[test]
fn a_continuous_flow_learns_a_correlated_gaussian() {
    // Data from N(0, [[1, 0.8], [0.8, 1]]): the best mean log-likelihood is -H = -2.327; the
    // CNF starts at N(0, I) (about -2.84) and must close most of the gap in 300 steps.
    use flowppl::backend::rng::{seeded, standard_normals};
    use flowppl::transforms::{OdeSolver, TraceEstimator};
    let device = Cpu::default();
    let mut rng = seeded(4);
    let draws = |rng: &mut flowppl::backend::Rng, n: usize| {
        let z = standard_normals(rng, 2 * n);
        let values: Vec<f32> = z
            .chunks(2)
            .flat_map(|p| [p[0] as f32, (0.8 * p[0] + 0.6 * p[1]) as f32])
            .collect();
        Var::<f32, Cpu>::from_vec(&device, values, n, 2).unwrap()
    };
    let (train, test) = (draws(&mut rng, 4000), draws(&mut rng, 4000));
    let flow = flowppl::flows::build_cnf::<f32, Cpu>(
        "cnf",
        2,
        1,
        &[16, 16],
        0,
        OdeSolver::Rk4 { steps: 4 },
        TraceEstimator::Exact,
    )
    .unwrap();
    let mut store = ParamStore::new(&device);
    let options = DensityOptions {
        steps: 300,
        batch_size: 256,
        learning_rate: 1e-2,
        ..DensityOptions::default()
    };
    fit_density(&flow, &mut store, &train, &options).unwrap();
    let score = mean_log_likelihood(&flow, &store, &test).unwrap();
    let entropy = 1.0 + (2.0 * std::f64::consts::PI).ln() + 0.5 * 0.36f64.ln();
    println!(
        "CNF held-out mean log-likelihood {score:.4} (best {:.4})",
        -entropy
    );
    assert!(score > -entropy - 0.08, "held-out log-likelihood {score}");
}

#[test]
#[ignore = "about 150 s in release mode: cargo test --release -p flowppl-models --test flow_training -- --ignored"]
fn a_continuous_flow_fits_two_moons_as_well_as_maf() {
    // One CNF block, field [64, 64], RK4 with 8 steps, batch 256, 2000 steps (Adam 3e-3 with
    // cosine decay), scored under a tight adaptive solve so that the number is the flow's and
    // not the discretisation's. MAF (test above, seed 0) reaches -1.185.
    use flowppl::transforms::{OdeSolver, TraceEstimator};
    let device = Cpu::default();
    let (train, test) = moons_as_vars(&device);
    // ANCHOR: cnf_moons
    let build = |solver: &str| {
        flowppl::flows::build_cnf::<f32, Cpu>(
            "cnf",
            2,
            1,
            &[64, 64],
            0,
            OdeSolver::parse(solver).unwrap(),
            TraceEstimator::Exact,
        )
        .unwrap()
    };
    let mut store = ParamStore::new(&device);
    let options = DensityOptions {
        steps: 2000,
        batch_size: 256,
        learning_rate: 3e-3,
        schedule: Schedule::Cosine {
            total: 2000,
            final_fraction: 0.01,
        },
        seed: 0,
        ..DensityOptions::default()
    };
    fit_density(&build("rk4:8"), &mut store, &train, &options).unwrap();
    let score = mean_log_likelihood(&build("dopri5:1e-5"), &store, &test).unwrap();
    // ANCHOR_END: cnf_moons
    println!("CNF two moons held-out mean log-likelihood (dopri5) = {score:.4}");
    assert!(score >= -1.185 - 0.05, "held-out log-likelihood {score}");
}
