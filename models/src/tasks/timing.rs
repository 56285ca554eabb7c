//! The suite's timing rule: `S - 50` timed steps after 50 untimed ones.

use flowppl::Result;
use std::time::Instant;

/// Untimed warm-up steps before the timed ones (the suite's rule).
///
/// # Examples
/// ```
/// use flowppl_models::tasks::{time_steps, WARM_UP_STEPS};
/// # fn main() -> flowppl::Result<()> {
/// let mut runs = Vec::new();
/// time_steps(200, |steps| { runs.push(steps); Ok(()) })?;
/// assert_eq!(runs, [WARM_UP_STEPS, WARM_UP_STEPS, 200]);
/// assert_eq!(WARM_UP_STEPS, 50);
/// # Ok(())
/// # }
/// ```
pub const WARM_UP_STEPS: usize = 50;

/// Runs `fit(WARM_UP_STEPS)` (untimed, then timed) and then `fit(steps)` (each a complete,
/// seeded fit of that many steps) and returns the last fit's result with the milliseconds per
/// step of steps `51..=steps`: `(t_steps - t_50) / (steps - 50)`. The timed fits start from the
/// same seed and take identical first steps, so the set-up cost cancels.
///
/// # Errors
/// The errors of `fit`.
///
/// # Examples
/// ```
/// use flowppl_models::tasks::time_steps;
/// # fn main() -> flowppl::Result<()> {
/// // A "fit" that costs 1 ms per step: steps 51..=150 take about 1 ms each.
/// let (steps, ms) = time_steps(150, |steps| {
///     std::thread::sleep(std::time::Duration::from_millis(steps as u64));
///     Ok(steps)
/// })?;
/// assert_eq!(steps, 150); // the last fit's outcome
/// assert!((0.5..2.0).contains(&ms), "{ms}"); // loose: sleeps overshoot on a busy machine
/// # Ok(())
/// # }
/// ```
pub fn time_steps<T>(steps: usize, fit: impl FnMut(usize) -> Result<T>) -> Result<(T, f64)> {
    let origin = Instant::now();
    time_steps_on(|| origin.elapsed().as_secs_f64(), steps, fit)
}

/// [`time_steps`] reading the time (in seconds) from `now`, so that the arithmetic can be
/// tested with a clock that does not depend on the machine's load.
fn time_steps_on<T>(
    mut now: impl FnMut() -> f64,
    steps: usize,
    mut fit: impl FnMut(usize) -> Result<T>,
) -> Result<(T, f64)> {
    // A first, untimed warm-up run pays the process's one-time costs (growing the heap, lazy
    // initialisation), which would otherwise fall on the timed 50-step run only and bias the
    // difference low.
    fit(WARM_UP_STEPS)?;
    let started = now();
    fit(WARM_UP_STEPS)?;
    let warm_up = now() - started;
    let started = now();
    let outcome = fit(steps)?;
    let total = now() - started;
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
        // A simulated clock: a "fit" costs 1 ms per step plus 20 ms of set-up, and 500 ms
        // more the first time (process start-up). 1 ms per step is the answer: the set-up
        // must not be spread over the steps, nor the start-up fall on the 50-step run.
        let clock = std::cell::Cell::new(0.0);
        let calls = std::cell::Cell::new(0);
        let (steps, ms) = time_steps_on(
            || clock.get(),
            150,
            |steps| {
                let start_up = if calls.get() == 0 { 0.5 } else { 0.0 };
                calls.set(calls.get() + 1);
                clock.set(clock.get() + start_up + 0.020 + 0.001 * steps as f64);
                Ok(steps)
            },
        )
        .unwrap();
        assert_eq!((steps, calls.get()), (150, 3));
        assert!((ms - 1.0).abs() < 1e-9, "{ms}");
    }
}
