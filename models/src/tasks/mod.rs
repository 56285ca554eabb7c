//! The peer task suite T1-T6 of `shared/bench/TASKS.md`, run by flowppl the way the suite
//! specifies, with the same reports as the NumPyro, Pyro and zuko scripts (one JSON line per
//! task and variant), so that `bench/compare.sh` can put them side by side.
//!
//! Timing follows the suite's rule (50 untimed warm-up steps, then the remaining `S - 50`
//! steps timed) by running every seed from the same seed for 50 steps (twice: the first run
//! warms the process up) and for `S`; `ms_per_step = (t_S - t_50) / (S - 50)`. Both runs are deterministic and take the same
//! first 50 steps, so the difference is exactly the time of steps 51..S, with set-up and
//! initialisation excluded as in the suite.

mod logistic;
mod moons;
mod planar;
mod report;
mod schools;
mod timing;
mod vae;

pub use report::{median, peak_resident_megabytes, TaskReport, TaskRun};
use timing::timed_seeds;
pub use timing::{time_steps, WARM_UP_STEPS};

use flowppl::backend::Cpu;
use flowppl::{Error, Result};

/// Row-major `f64` data with `columns` columns as an `f32` value on the CPU.
///
/// # Errors
/// [`Error::InvalidShape`] when the length is not a multiple of
/// `columns`.
///
/// # Examples
/// ```
/// use flowppl_models::tasks::rows_to_var;
/// # fn main() -> flowppl::Result<()> {
/// let x = rows_to_var(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2)?;
/// assert_eq!(x.shape(), (3, 2));
/// assert_eq!(x.to_vec(), vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// assert!(rows_to_var(&[1.0, 2.0, 3.0], 2).is_err()); // not whole rows
/// # Ok(())
/// # }
/// ```
pub fn rows_to_var(values: &[f64], columns: usize) -> Result<flowppl::backend::Var<f32, Cpu>> {
    flowppl::backend::Var::from_vec(
        &Cpu::default(),
        values.iter().map(|&x| x as f32).collect(),
        values.len() / columns.max(1),
        columns,
    )
}

/// The task names [`run_task`] accepts.
///
/// # Examples
/// ```
/// use flowppl_models::tasks::{run_task, TaskSettings, TASKS};
/// assert_eq!(TASKS, ["T1", "T2", "T3", "T4", "T5", "T6"]);
/// // Any other name is refused before anything runs.
/// assert!(run_task("T7", &TaskSettings::default()).is_err());
/// ```
pub const TASKS: [&str; 6] = ["T1", "T2", "T3", "T4", "T5", "T6"];

/// How to run a task.
///
/// # Examples
/// ```
/// use flowppl_models::tasks::TaskSettings;
/// # fn main() -> flowppl::Result<()> {
/// let suite = TaskSettings::default();
/// assert_eq!((suite.seeds, suite.steps), (vec![0, 1, 2], None));
/// let smoke = TaskSettings { seeds: vec![0], steps: Some(60) };
/// assert_eq!(smoke.steps_for(3000)?, 60);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TaskSettings {
    /// Seeds (the suite uses 0, 1, 2).
    pub seeds: Vec<u64>,
    /// Optimisation steps instead of the task's own count (for smoke runs; must exceed the
    /// warm-up).
    pub steps: Option<usize>,
}

impl Default for TaskSettings {
    fn default() -> Self {
        TaskSettings {
            seeds: vec![0, 1, 2],
            steps: None,
        }
    }
}

impl TaskSettings {
    /// The number of steps for a task whose own count is `task_steps`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the override leaves no timed step after the warm-up.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::tasks::{TaskSettings, WARM_UP_STEPS};
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(TaskSettings::default().steps_for(5000)?, 5000); // the task's own count
    /// let too_few = TaskSettings { seeds: vec![0], steps: Some(WARM_UP_STEPS) };
    /// assert!(too_few.steps_for(5000).is_err()); // nothing left to time
    /// # Ok(())
    /// # }
    /// ```
    pub fn steps_for(&self, task_steps: usize) -> Result<usize> {
        let steps = self.steps.unwrap_or(task_steps);
        if steps <= WARM_UP_STEPS {
            return Err(Error::InvalidConfig {
                what: format!("{steps} steps"),
                message: format!(
                    "a task needs more than the {WARM_UP_STEPS} warm-up steps to time anything"
                ),
            });
        }
        Ok(steps)
    }
}

/// Runs task `name` (`T1`..`T6`, any case) for every seed: one report per variant (T3 has four
/// energies, T6 two guides).
///
/// # Errors
/// [`Error::InvalidConfig`] for an unknown task or no seeds; errors of the fits.
///
/// # Examples
/// ```
/// use flowppl_models::tasks::{run_task, TaskSettings};
/// # fn main() -> flowppl::Result<()> {
/// // A smoke run of T6: one seed, 51 steps (the warm-up and one timed step).
/// let reports = run_task("t6", &TaskSettings { seeds: vec![0], steps: Some(51) })?;
/// let names: Vec<&str> = reports.iter().map(|r| r.task.as_str()).collect();
/// assert_eq!(names, ["T6-AutoNormal", "T6-AutoIAFNormal"]);
/// assert!(reports.iter().all(|r| r.runs.len() == 1 && r.median_of("tau_mean") > 0.0));
/// let no_seeds = TaskSettings { seeds: vec![], steps: None };
/// assert!(run_task("T1", &no_seeds).is_err());
/// let error = run_task("t9", &TaskSettings::default()).err().unwrap().to_string();
/// assert!(error.contains("T9") && error.contains("T1, T2, T3, T4, T5, T6"));
/// # Ok(())
/// # }
/// ```
pub fn run_task(name: &str, settings: &TaskSettings) -> Result<Vec<TaskReport>> {
    if settings.seeds.is_empty() {
        return Err(Error::InvalidConfig {
            what: "the seeds".into(),
            message: "give at least one seed".into(),
        });
    }
    match name.to_ascii_uppercase().as_str() {
        "T1" => Ok(vec![logistic::mean_field(settings)?]),
        "T2" => Ok(vec![logistic::iaf(settings)?]),
        "T3" => planar::all_energies(settings),
        "T4" => Ok(vec![moons::maf_density(settings)?]),
        "T5" => Ok(vec![vae::digits_iaf(settings)?]),
        "T6" => schools::both_guides(settings),
        other => Err(Error::InvalidConfig {
            what: format!("task `{other}`"),
            message: format!("known tasks: {}", TASKS.join(", ")),
        }),
    }
}
