//! Flows as Boltzmann generators (seed 000, "The Flow as a Physical Sculptor").
//!
//! 1. A harmonic chain: its Boltzmann distribution is a correlated Gaussian, so a linear flow
//!    `x = shift + L z` (lower-triangular `L`) fitted by reverse KL must reach KL = 0 and learn
//!    `L` = the Cholesky factor of the analytic covariance.
//! 2. A double-well chain: non-Gaussian, so a spline flow; the free energy `F = -kT ln Z` is
//!    estimated by importance sampling and compared with the exact value from quadrature.
//!
//! `cargo run --release -p flowppl-models --example boltzmann -- [--plot DIR]` (with
//! `--plot`, writes `DIR/boltzmann_double_well.png`: the exact joint density of the first two
//! bond lengths beside a histogram of the flow's draws).

use flowppl::backend::rng::seeded;
use flowppl::backend::Cpu;
use flowppl::flows::training::{energy_gap, fit_energy, EnergyOptions};
use flowppl::flows::{build_flow, importance_log_normaliser, Flow, FlowKind};
use flowppl::params::{ParamStore, Schedule};
use flowppl::transforms::TriangularAffine;
use flowppl_models::boltzmann::{Chain, PairPotential};
use flowppl_models::plot::{write_side_by_side, Grid};

fn main() -> flowppl::Result<()> {
    let device = Cpu::default();
    let arguments: Vec<String> = std::env::args().collect();
    let plot = arguments
        .iter()
        .position(|a| a == "--plot")
        .and_then(|i| arguments.get(i + 1).cloned());

    // ANCHOR: harmonic
    let chain = Chain {
        particles: 8,
        tether: 1.0,
        pair: PairPotential::Harmonic { stiffness: 4.0 },
        temperature: 1.0,
    };
    let layer = TriangularAffine::new("linear", chain.particles);
    let flow = Flow::<f32, Cpu>::new(chain.particles).layer(layer.clone());
    let mut store = ParamStore::new(&device);
    let options = EnergyOptions {
        steps: 3000,
        batch_size: 256,
        learning_rate: 1e-2,
        schedule: Schedule::Cosine {
            total: 3000,
            final_fraction: 0.01,
        },
        sticking_the_landing: true,
        ..EnergyOptions::default()
    };
    fit_energy(&flow, &mut store, |x| chain.reduced_energy(x), &options)?;
    let (shift, factor) = layer.shift_and_factor(&store)?;
    let kl = chain.gaussian_kl(&shift, &factor)?;
    // ANCHOR_END: harmonic
    let truth = chain.covariance_factor()?;
    let n = chain.particles;
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
    let monte_carlo_kl =
        energy_gap(&flow, &store, |x| chain.reduced_energy(x), 100_000, 7)? + chain.log_partition();
    println!("harmonic chain, {n} particles");
    println!("  KL(q || p), closed form      = {kl:.5} nats");
    println!("  KL(q || p), 100k draws       = {monte_carlo_kl:.5} nats");
    println!(
        "  covariance error (Frobenius) = {:.4} %",
        100.0 * norm(&difference) / norm(&exact)
    );
    let largest = factor
        .iter()
        .zip(&truth)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!("  largest |L - chol(Sigma)|    = {largest:.4}");

    // ANCHOR: double_well
    let chain = Chain {
        particles: 4,
        tether: 1.0,
        pair: PairPotential::DoubleWell {
            height: 2.0,
            separation: 1.0,
        },
        temperature: 1.0,
    };
    // Splines act on [-5, 5]; a learned affine layer after them carries that box to wherever
    // the particles are (the chain's far end spreads to +-6 and beyond).
    let flow = build_flow::<f32, Cpu>("nsf", FlowKind::Nsf, chain.particles, 6, &[64, 64], 0)?
        .layer(TriangularAffine::new("scale", chain.particles));
    let mut store = ParamStore::new(&device);
    let options = EnergyOptions {
        steps: 4000,
        batch_size: 256,
        learning_rate: 3e-3,
        annealing_steps: 1000,
        schedule: Schedule::Cosine {
            total: 4000,
            final_fraction: 0.01,
        },
        ..EnergyOptions::default()
    };
    fit_energy(&flow, &mut store, |x| chain.reduced_energy(x), &options)?;
    let estimate = importance_log_normaliser(
        &flow,
        &store,
        |x| Ok(-chain.reduced_energy(x)?),
        100_000,
        11,
    )?;
    // ANCHOR_END: double_well
    let kt = chain.temperature;
    println!("double-well chain, {} particles", chain.particles);
    println!(
        "  free energy, importance sampled = {:.4} +- {:.4}",
        -kt * estimate.log_normaliser,
        kt * estimate.standard_error
    );
    println!(
        "  free energy, exact (quadrature) = {:.4}",
        chain.free_energy()
    );
    println!(
        "  effective sample size = {:.0} of {} ({:.1} %), k-hat {:.2}",
        estimate.effective_sample_size,
        estimate.draws,
        100.0 * estimate.effective_sample_size / estimate.draws as f64,
        estimate.khat
    );
    if let Some(directory) = plot {
        let grid = Grid {
            size: 160,
            low: -2.5,
            high: 2.5,
        };
        let exact: Vec<f64> = grid
            .centres()
            .chunks(2)
            .map(|r| {
                (-(chain.pair.energy(r[0]) + chain.pair.energy(r[1])) / chain.temperature).exp()
            })
            .collect();
        let draws = flow
            .bind(&store, None)?
            .sample(200_000, &mut seeded(13), &device, None)?
            .to_f64_vec();
        let bonds: Vec<f64> = draws
            .chunks(chain.particles)
            .flat_map(|x| [x[1] - x[0], x[2] - x[1]])
            .collect();
        write_side_by_side(
            &format!("{directory}/boltzmann_double_well.png"),
            grid.size,
            &exact,
            &grid.histogram(&bonds),
        )?;
    }
    Ok(())
}
