//! T3: reverse-KL fit of 32 planar layers to the energies U1-U4 (batch 256, Adam 0.005, 5000
//! steps); `kl_q_p = E_q[ln q + U] + ln Z` from 100 000 fresh draws.

use super::{timed_seeds, TaskReport, TaskSettings};
use crate::energies::Energy;
use flowppl::flows::training::{energy_gap, fit_energy, EnergyOptions};
use flowppl::flows::{build_flow, FlowKind};
use flowppl::prelude::*;

/// KL below this counts as covering both halves of U1's ring (the suite's threshold).
pub(crate) const BOTH_HALVES: f64 = 0.35;

fn one_energy(energy: Energy, label: &str, settings: &TaskSettings) -> Result<TaskReport> {
    let device = Cpu::default();
    let flow = build_flow::<f32, Cpu>("planar", FlowKind::Planar, 2, 32, &[], 0)?;
    timed_seeds(
        (
            &format!("T3-{label}"),
            "32 planar layers, reverse KL, no annealing",
        ),
        5000,
        settings,
        |seed, steps| {
            let mut store = ParamStore::new(&device);
            let options = EnergyOptions {
                steps,
                batch_size: 256,
                learning_rate: 0.005,
                seed,
                ..EnergyOptions::default()
            };
            fit_energy(&flow, &mut store, |z| energy.evaluate(z), &options)?;
            Ok(store)
        },
        |store, seed| {
            let gap = energy_gap(&flow, store, |z| energy.evaluate(z), 100_000, 1000 + seed)?;
            let kl = gap + energy.log_normaliser();
            Ok(vec![
                ("kl_q_p".into(), kl),
                (
                    "both_halves_covered".into(),
                    f64::from(u8::from(kl < BOTH_HALVES)),
                ),
            ])
        },
    )
}

/// `T3-U1` .. `T3-U4`.
///
/// # Errors
/// Errors of the fits.
pub(crate) fn all_energies(settings: &TaskSettings) -> Result<Vec<TaskReport>> {
    [
        (Energy::U1, "U1"),
        (Energy::U2, "U2"),
        (Energy::U3, "U3"),
        (Energy::U4, "U4"),
    ]
    .into_iter()
    .map(|(energy, label)| one_energy(energy, label, settings))
    .collect()
}
