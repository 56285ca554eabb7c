//! A host copy of every parameter, for saving, restoring and comparing.

use serde::{Deserialize, Serialize};

/// One parameter in a [`ParamSnapshot`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotEntry {
    /// The parameter's name.
    pub name: String,
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub columns: usize,
    /// Row-major values.
    pub values: Vec<f64>,
}

/// Every parameter of a [`ParamStore`](super::ParamStore), copied to the host in insertion
/// order. Serialisable with serde.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParamSnapshot {
    /// The parameters, in the store's order.
    pub entries: Vec<SnapshotEntry>,
}

impl ParamSnapshot {
    /// The entry called `name`.
    pub fn get(&self, name: &str) -> Option<&SnapshotEntry> {
        self.entries.iter().find(|e| e.name == name)
    }
}
