//! `flowppl bench`: the peer task suite T1-T6 (`shared/bench/TASKS.md`) run by flowppl, with
//! ms per step (the suite's timing rule), the quality figure of each task and the peak memory;
//! `bench/compare.sh` puts these beside NumPyro and Pyro.

use crate::args::{number, value};
use flowppl::Result;
use flowppl_models::tasks::{peak_resident_megabytes, run_task, TaskSettings, TASKS};

/// Options of `flowppl bench`.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Tasks to run, in order.
    pub tasks: Vec<String>,
    /// Seeds, steps.
    pub settings: TaskSettings,
    /// One JSON line per task variant instead of the table.
    pub json: bool,
}

impl BenchOptions {
    /// Parses `[T1 ... T6 | all] [--seeds 0,1,2] [--steps N] [--json]`.
    pub fn parse(arguments: &[String]) -> std::result::Result<Self, String> {
        let mut options = BenchOptions {
            tasks: Vec::new(),
            settings: TaskSettings::default(),
            json: false,
        };
        let mut iter = arguments.iter();
        while let Some(flag) = iter.next() {
            match flag.as_str() {
                "--seeds" => {
                    options.settings.seeds = value(flag, &mut iter)?
                        .split(',')
                        .map(|s| number(flag, s.trim(), "comma-separated seeds"))
                        .collect::<std::result::Result<_, _>>()?
                }
                "--steps" => {
                    options.settings.steps = Some(number(
                        flag,
                        value(flag, &mut iter)?,
                        "an integer above 50",
                    )?)
                }
                "--json" => options.json = true,
                "all" => options.tasks.extend(TASKS.iter().map(|t| t.to_string())),
                task if TASKS.contains(&task.to_ascii_uppercase().as_str()) => {
                    options.tasks.push(task.to_ascii_uppercase())
                }
                other => {
                    return Err(format!(
                        "unknown task or option `{other}` for `bench` (tasks: {} or all)",
                        TASKS.join(", ")
                    ))
                }
            }
        }
        if options.tasks.is_empty() {
            return Err(format!("`bench` needs tasks: {} or all", TASKS.join(", ")));
        }
        if options.settings.seeds.is_empty() {
            return Err("`--seeds` needs at least one seed".into());
        }
        if options.settings.steps.is_some_and(|s| s <= 50) {
            return Err("`--steps` must exceed the 50 warm-up steps".into());
        }
        Ok(options)
    }
}

/// The threads the dense layers' matrix products share (`FLOWPPL_THREADS`, or every core).
fn threads() -> usize {
    flowppl::backend::matrix_threads()
}

/// Runs the tasks and prints one table row (or JSON line) per task variant as each finishes.
///
/// # Errors
/// Errors of the tasks.
pub fn run(options: &BenchOptions) -> Result<()> {
    if !options.json {
        println!(
            "{:<18} {:>11}  quality (median over seeds {:?})",
            "task", "ms/step", options.settings.seeds
        );
    }
    for task in &options.tasks {
        for report in run_task(task, &options.settings)? {
            if options.json {
                println!("{}", report.to_json(threads(), peak_resident_megabytes()));
                continue;
            }
            let figures: Vec<String> = report
                .metric_names()
                .iter()
                .map(|name| format!("{name} {:.4}", report.median_of(name)))
                .collect();
            println!(
                "{:<18} {:>11.4}  {}",
                report.task,
                report.median_of("ms_per_step"),
                figures.join(", ")
            );
        }
    }
    if !options.json {
        if let Some(mb) = peak_resident_megabytes() {
            println!("peak resident memory of the process: {mb:.1} MB");
        }
    }
    Ok(())
}
