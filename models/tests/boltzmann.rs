//! Flows fitted to Boltzmann distributions by reverse KL, checked against exact answers: the
//! harmonic chain's covariance factor and KL = 0, and the double-well chain's free energy from
//! quadrature.

use flowppl::backend::Cpu;
use flowppl::flows::training::{energy_gap, fit_energy, EnergyOptions};
use flowppl::flows::{build_flow, importance_log_normaliser, Flow, FlowKind};
use flowppl::params::{ParamStore, Schedule};
use flowppl::transforms::TriangularAffine;
use flowppl_models::boltzmann::{Chain, PairPotential};

#[test]
fn a_linear_flow_learns_the_harmonic_chain_exactly() {
    let chain = Chain {
        particles: 6,
        tether: 1.0,
        pair: PairPotential::Harmonic { stiffness: 4.0 },
        temperature: 1.0,
    };
    let layer = TriangularAffine::new("linear", chain.particles);
    let flow = Flow::<f32, Cpu>::new(chain.particles).layer(layer.clone());
    let mut store = ParamStore::new(&Cpu::default());
    let options = EnergyOptions {
        steps: 2000,
        batch_size: 128,
        learning_rate: 1e-2,
        schedule: Schedule::Cosine {
            total: 2000,
            final_fraction: 0.01,
        },
        sticking_the_landing: true,
        ..EnergyOptions::default()
    };
    fit_energy(&flow, &mut store, |x| chain.reduced_energy(x), &options).unwrap();
    let (shift, factor) = layer.shift_and_factor(&store).unwrap();
    let kl = chain.gaussian_kl(&shift, &factor).unwrap();
    assert!(kl < 0.01, "closed-form KL {kl}");
    // The Monte Carlo estimate E_q[ln q + E/kT] + ln Z from 20 000 draws agrees (at an exact
    // fit every term is the same constant, so the estimate has no Monte Carlo spread at all).
    let draws = 20_000;
    let gap = energy_gap(&flow, &store, |x| chain.reduced_energy(x), draws, 3).unwrap();
    let monte_carlo_kl = gap + chain.log_partition();
    assert!(
        monte_carlo_kl.abs() < 0.01,
        "Monte Carlo KL {monte_carlo_kl}"
    );
    let n = chain.particles;
    let truth = chain.covariance_factor().unwrap();
    let covariance = |l: &[f64]| {
        (0..n * n)
            .map(|k| {
                (0..n)
                    .map(|m| l[(k / n) * n + m] * l[(k % n) * n + m])
                    .sum::<f64>()
            })
            .collect::<Vec<f64>>()
    };
    let (learned, exact) = (covariance(&factor), covariance(&truth));
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let difference: Vec<f64> = learned.iter().zip(&exact).map(|(a, b)| a - b).collect();
    let relative = norm(&difference) / norm(&exact);
    assert!(relative < 0.02, "covariance off by {relative}");
    for (k, (a, b)) in factor.iter().zip(&truth).enumerate() {
        assert!((a - b).abs() < 0.02, "factor entry {k}: {a} vs {b}");
    }
}

#[test]
fn importance_sampling_recovers_the_double_well_free_energy() {
    let chain = Chain {
        particles: 3,
        tether: 1.0,
        pair: PairPotential::DoubleWell {
            height: 2.0,
            separation: 1.0,
        },
        temperature: 1.0,
    };
    let flow = build_flow::<f32, Cpu>("nsf", FlowKind::Nsf, chain.particles, 4, &[32, 32], 0)
        .unwrap()
        .layer(TriangularAffine::new("scale", chain.particles));
    let mut store = ParamStore::new(&Cpu::default());
    let options = EnergyOptions {
        steps: 1500,
        batch_size: 256,
        learning_rate: 3e-3,
        annealing_steps: 500,
        schedule: Schedule::Cosine {
            total: 1500,
            final_fraction: 0.01,
        },
        ..EnergyOptions::default()
    };
    fit_energy(&flow, &mut store, |x| chain.reduced_energy(x), &options).unwrap();
    let estimate =
        importance_log_normaliser(&flow, &store, |x| Ok(-chain.reduced_energy(x)?), 20_000, 5)
            .unwrap();
    let exact = chain.log_partition();
    println!(
        "ln Z: {} +- {} (exact {exact}); ESS {} of {}; k-hat {}",
        estimate.log_normaliser,
        estimate.standard_error,
        estimate.effective_sample_size,
        estimate.draws,
        estimate.khat
    );
    assert!(
        (estimate.log_normaliser - exact).abs() < 4.0 * estimate.standard_error,
        "ln Z {} +- {} vs exact {exact}",
        estimate.log_normaliser,
        estimate.standard_error
    );
    assert!(estimate.effective_sample_size > 0.5 * estimate.draws as f64);
    assert!(estimate.khat < 0.7, "k-hat {}", estimate.khat);
}
