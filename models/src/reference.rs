//! Reference posterior summaries (posteriordb's `reference.json`).

use flowppl::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Reference statistics of one flattened parameter.
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
    pub fn by_name(&self) -> BTreeMap<&str, &ReferenceStatistics> {
        self.parameters
            .iter()
            .map(|(n, s)| (n.as_str(), s))
            .collect()
    }
}
