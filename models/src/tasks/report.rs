//! What a task run reports: per-seed runs and their medians, as one JSON line in the peers'
//! format (`task, framework, version, threads, repeats, ms_per_step, <metrics>, runs`).

use serde_json::{json, Map, Value};

/// One seed's result.
///
/// # Examples
/// ```
/// use flowppl_models::tasks::{TaskReport, TaskRun};
/// let run = TaskRun { seed: 0, ms_per_step: 1.5, metrics: vec![("kl_q_p".into(), 0.02)] };
/// let report = TaskReport { task: "T3-U1".into(), implementation: "planar".into(), runs: vec![run] };
/// assert_eq!(report.median_of("kl_q_p"), 0.02);
/// assert_eq!(report.median_of("ms_per_step"), 1.5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRun {
    /// The seed.
    pub seed: u64,
    /// Milliseconds per timed step.
    pub ms_per_step: f64,
    /// The task's quality figures, by the suite's names (`elbo_1000`, `kl_q_p`, ...).
    pub metrics: Vec<(String, f64)>,
}

/// All seeds of one task variant.
///
/// # Examples
/// ```
/// use flowppl_models::tasks::{TaskReport, TaskRun};
/// let run = |seed, ms, kl| TaskRun { seed, ms_per_step: ms, metrics: vec![("kl_q_p".into(), kl)] };
/// let report = TaskReport {
///     task: "T3-U1".into(),
///     implementation: "32 planar layers".into(),
///     runs: vec![run(0, 1.0, 0.7), run(1, 3.0, 0.02), run(2, 2.0, 0.69)],
/// };
/// assert_eq!((report.median_of("ms_per_step"), report.median_of("kl_q_p")), (2.0, 0.69));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TaskReport {
    /// The variant's name as the peers print it (`T1`, `T3-U1`, `T6-AutoNormal`, ...).
    pub task: String,
    /// What flowppl ran, in words (guide, flow, deviations from the suite).
    pub implementation: String,
    /// The per-seed runs.
    pub runs: Vec<TaskRun>,
}

/// The median of `values` (the mean of the middle two for an even count); NaN when empty.
///
/// # Examples
/// ```
/// use flowppl_models::tasks::median;
/// assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
/// assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5); // mean of the middle two
/// assert!(median(&[]).is_nan());
/// ```
pub fn median(values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]),
    }
}

/// The process's peak resident set size in MB (`VmHWM` of `/proc/self/status`), where the
/// system reports one.
///
/// # Examples
/// ```
/// use flowppl_models::tasks::peak_resident_megabytes;
/// if cfg!(target_os = "linux") {
///     let touched = vec![1u8; 64 << 20]; // 64 MB, written
///     let peak = peak_resident_megabytes().expect("Linux reports VmHWM");
///     assert!(peak >= 64.0, "{peak} MB at the peak with {} bytes resident", touched.len());
/// }
/// ```
pub fn peak_resident_megabytes() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kilobytes: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes / 1024.0)
}

impl TaskReport {
    /// The median over seeds of the metric `name` (`ms_per_step` included).
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::tasks::{TaskReport, TaskRun};
    /// let run = |seed, ms, kl| TaskRun { seed, ms_per_step: ms, metrics: vec![("kl_q_p".into(), kl)] };
    /// let runs = vec![run(0, 1.0, 0.7), run(1, 3.0, 0.02), run(2, 2.0, 0.69)];
    /// let report = TaskReport { task: "T3-U1".into(), implementation: "planar".into(), runs };
    /// assert_eq!(report.median_of("ms_per_step"), 2.0);
    /// assert_eq!(report.median_of("kl_q_p"), 0.69);
    /// assert!(report.median_of("elbo_1000").is_nan()); // no run has it
    /// ```
    pub fn median_of(&self, name: &str) -> f64 {
        let values: Vec<f64> = self
            .runs
            .iter()
            .filter_map(|run| {
                if name == "ms_per_step" {
                    Some(run.ms_per_step)
                } else {
                    run.metrics.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
                }
            })
            .collect();
        median(&values)
    }

    /// The metric names, in the order of the first run.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::tasks::{TaskReport, TaskRun};
    /// let metrics = vec![("kl_q_p".into(), 0.1), ("both_halves_covered".into(), 1.0)];
    /// let run = TaskRun { seed: 0, ms_per_step: 1.0, metrics };
    /// let report = TaskReport { task: "T3-U1".into(), implementation: "planar".into(), runs: vec![run] };
    /// assert_eq!(report.metric_names(), ["kl_q_p", "both_halves_covered"]);
    /// assert!(TaskReport { runs: vec![], ..report }.metric_names().is_empty());
    /// ```
    pub fn metric_names(&self) -> Vec<String> {
        self.runs
            .first()
            .map(|run| run.metrics.iter().map(|(k, _)| k.clone()).collect())
            .unwrap_or_default()
    }

    /// One JSON line in the peers' format, with `peak_rss_mb` when known.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::tasks::{TaskReport, TaskRun};
    /// let run = |seed, ms, kl| TaskRun { seed, ms_per_step: ms, metrics: vec![("kl_q_p".into(), kl)] };
    /// let runs = vec![run(0, 1.0, 0.7), run(1, 3.0, 0.02), run(2, 2.0, 0.69)];
    /// let report = TaskReport { task: "T3-U1".into(), implementation: "planar".into(), runs };
    /// let line = report.to_json(2, Some(12.5));
    /// assert_eq!((line["task"].as_str(), line["framework"].as_str()), (Some("T3-U1"), Some("flowppl")));
    /// assert_eq!((line["ms_per_step"].as_f64(), line["kl_q_p"].as_f64()), (Some(2.0), Some(0.69)));
    /// assert_eq!(line["runs"][1]["kl_q_p"].as_f64(), Some(0.02));
    /// assert_eq!((line["repeats"].as_u64(), line["peak_rss_mb"].as_f64()), (Some(3), Some(12.5)));
    /// ```
    pub fn to_json(&self, threads: usize, peak_rss_mb: Option<f64>) -> Value {
        let mut line = Map::new();
        line.insert("task".into(), json!(self.task));
        line.insert("framework".into(), json!("flowppl"));
        line.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
        line.insert("implementation".into(), json!(self.implementation));
        line.insert("threads".into(), json!(threads));
        line.insert("repeats".into(), json!(self.runs.len()));
        line.insert("ms_per_step".into(), json!(self.median_of("ms_per_step")));
        for name in self.metric_names() {
            line.insert(name.clone(), json!(self.median_of(&name)));
        }
        if let Some(mb) = peak_rss_mb {
            line.insert("peak_rss_mb".into(), json!(mb));
        }
        let runs: Vec<Value> = self
            .runs
            .iter()
            .map(|run| {
                let mut entry = Map::new();
                entry.insert("seed".into(), json!(run.seed));
                entry.insert("ms_per_step".into(), json!(run.ms_per_step));
                for (k, v) in &run.metrics {
                    entry.insert(k.clone(), json!(v));
                }
                Value::Object(entry)
            })
            .collect();
        line.insert("runs".into(), Value::Array(runs));
        Value::Object(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn the_json_line_carries_medians_and_runs() {
        let run = |seed, ms, kl| TaskRun {
            seed,
            ms_per_step: ms,
            metrics: vec![("kl_q_p".into(), kl)],
        };
        let report = TaskReport {
            task: "T3-U1".into(),
            implementation: "planar".into(),
            runs: vec![run(0, 1.0, 0.7), run(1, 3.0, 0.02), run(2, 2.0, 0.69)],
        };
        let line = report.to_json(2, Some(12.5));
        assert_eq!(line["ms_per_step"], json!(2.0));
        assert_eq!(line["kl_q_p"], json!(0.69));
        assert_eq!(line["runs"][1]["kl_q_p"], json!(0.02));
        assert_eq!(line["peak_rss_mb"], json!(12.5));
        assert_eq!(line["repeats"], json!(3));
    }
}
