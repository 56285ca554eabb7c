//! The suite's timing rule: `S - 50` timed steps after 50 untimed ones.

use flowppl::Result;
use std::time::Instant;

/// Untimed warm-up steps before the timed ones (the suite's rule).
pub const WARM_UP_STEPS: usize = 50;

/// Runs `fit(WARM_UP_STEPS)` (untimed, then timed) and then `fit(steps)` (each a complete,
/// seeded fit of that many steps) and returns the last fit's result with the milliseconds per
/// step of steps `51..=steps`: `(t_steps - t_50) / (steps - 50)`. The timed fits start from the
/// same seed and take identical first steps, so the set-up cost cancels.
///
/// # Errors
/// The errors of `fit`.
pub fn time_steps<T>(steps: usize, mut fit: impl FnMut(usize) -> Result<T>) -> Result<(T, f64)> {
    // A first, untimed warm-up run pays the process's one-time costs (growing the heap, lazy
    // initialisation), which would otherwise fall on the timed 50-step run only and bias the
    // difference low.
    fit(WARM_UP_STEPS)?;
    let started = Instant::now();
    fit(WARM_UP_STEPS)?;
    let warm_up = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let outcome = fit(steps)?;
    let total = started.elapsed().as_secs_f64();
    let timed = steps.saturating_sub(WARM_UP_STEPS).max(1) as f64;
    Ok((outcome, 1e3 * (total - warm_up).max(0.0) / timed))
}

/// Runs a task variant for every seed of `settings`: `fit(seed, steps)` under the timing rule
/// of [`time_steps`], then `figures(outcome, seed)` for its quality figures.
///
/// # Errors
/// The errors of `fit` and `figures`; a step count that leaves nothing to time.
pub(crate) fn timed_seeds<T>(
    (task, implementation): (&str, &str),
    task_steps: usize,
    settings: &super::TaskSettings,
    fit: impl Fn(u64, usize) -> Result<T>,
    figures: impl Fn(&T, u64) -> Result<Vec<(String, f64)>>,
) -> Result<super::TaskReport> {
    let steps = settings.steps_for(task_steps)?;
    let mut runs = Vec::new();
    for &seed in &settings.seeds {
        let (outcome, ms_per_step) = time_steps(steps, |steps| fit(seed, steps))?;
        runs.push(super::TaskRun {
            seed,
            ms_per_step,
            metrics: figures(&outcome, seed)?,
        });
    }
    Ok(super::TaskReport {
        task: task.into(),
        implementation: implementation.into(),
        runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warm_up_run_is_subtracted() {
        // A "fit" that costs 1 ms per step plus 20 ms of set-up: 1 ms per step either way.
        let (steps, ms) = time_steps(150, |steps| {
            std::thread::sleep(std::time::Duration::from_millis(20 + steps as u64));
            Ok(steps)
        })
        .unwrap();
        assert_eq!(steps, 150);
        // Sleep overshoots by a little; the set-up's 20 ms must not be spread over the steps
        // (that would read 1.13).
        assert!((0.95..1.1).contains(&ms), "{ms}");
    }
}
