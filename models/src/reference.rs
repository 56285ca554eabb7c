//! Reference posterior summaries (posteriordb's `reference.json`).

use flowppl::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Reference statistics of one flattened parameter.
///
/// # Examples
/// ```
/// use flowppl_models::reference::Reference;
/// # fn main() -> flowppl::Result<()> {
/// let mu = r#"{"mean": 4.4, "sd": 3.3, "q05": -0.9, "q50": 4.4, "q95": 9.8}"#;
/// let text = format!(r#"{{"parameters": {{"mu": {mu}}}}}"#);
/// let stats = &Reference::parse("reference.json", &text)?.parameters[0].1;
/// assert_eq!((stats.mean, stats.sd), (4.4, 3.3));
/// assert_eq!((stats.q05, stats.q50, stats.q95), (-0.9, 4.4, 9.8));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReferenceStatistics {
    /// Posterior mean.
    pub mean: f64,
    /// Posterior standard deviation.
    pub sd: f64,
    /// 5% quantile.
    pub q05: f64,
    /// Median.
    pub q50: f64,
    /// 95% quantile.
    pub q95: f64,
}

/// The reference summary of a posterior, in the order of the file.
///
/// # Examples
/// ```
/// # fn main() -> flowppl::Result<()> {
/// let reference = flowppl_models::find("eight_schools_noncentered")?.reference()?.unwrap();
/// let names: Vec<&str> = reference.parameters.iter().map(|(n, _)| n.as_str()).collect();
/// assert_eq!(names.len(), 10);
/// assert_eq!((names[0], names[8], names[9]), ("theta[1]", "mu", "tau"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// `(flattened name, statistics)` in file order.
    pub parameters: Vec<(String, ReferenceStatistics)>,
}

#[derive(Deserialize)]
struct File {
    parameters: serde_json::Map<String, serde_json::Value>,
}

impl Reference {
    /// Parses a `reference.json` text; `source` names it in errors.
    ///
    /// # Errors
    /// [`Error::Parse`] for malformed files.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::reference::Reference;
    /// # fn main() -> flowppl::Result<()> {
    /// let stats = r#"{"mean": 1, "sd": 2, "q05": -2, "q50": 1, "q95": 4}"#;
    /// let text = format!(r#"{{"parameters": {{"b": {stats}, "a": {stats}}}}}"#);
    /// let reference = Reference::parse("ref.json", &text)?;
    /// assert_eq!(reference.parameters[0].0, "b"); // file order is kept
    /// assert_eq!(reference.parameters[1].1.sd, 2.0);
    /// let missing_sd = r#"{"parameters": {"a": {"mean": 1}}}"#;
    /// assert!(Reference::parse("ref.json", missing_sd).unwrap_err().to_string().contains("`a`"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse(source: &str, text: &str) -> Result<Self> {
        let file: File = serde_json::from_str(text).map_err(|e| Error::Parse {
            path: source.to_string(),
            message: e.to_string(),
        })?;
        let mut parameters = Vec::new();
        for (name, value) in file.parameters {
            let stats: ReferenceStatistics =
                serde_json::from_value(value).map_err(|e| Error::Parse {
                    path: source.to_string(),
                    message: format!("parameter `{name}`: {e}"),
                })?;
            parameters.push((name, stats));
        }
        Ok(Reference { parameters })
    }

    /// The statistics by name.
    ///
    /// # Examples
    /// ```
    /// # fn main() -> flowppl::Result<()> {
    /// let reference = flowppl_models::find("eight_schools_noncentered")?.reference()?.unwrap();
    /// let by_name = reference.by_name();
    /// assert!((by_name["mu"].mean - 4.41).abs() < 0.01);
    /// assert!(by_name["tau"].q05 > 0.0 && !by_name.contains_key("theta_trans[1]"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn by_name(&self) -> BTreeMap<&str, &ReferenceStatistics> {
        self.parameters
            .iter()
            .map(|(n, s)| (n.as_str(), s))
            .collect()
    }
}
