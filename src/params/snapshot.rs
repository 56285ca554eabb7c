//! A host copy of every parameter, for saving, restoring and comparing.

use serde::{Deserialize, Serialize};

/// One parameter in a [`ParamSnapshot`].
///
/// # Examples
/// ```
/// use flowppl::params::{ParamSnapshot, SnapshotEntry};
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let entry = SnapshotEntry { name: "b".into(), rows: 1, columns: 2, values: vec![0.5, -0.5] };
/// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
/// store.restore(&ParamSnapshot { entries: vec![entry] })?;
/// assert_eq!(store.shape("b")?, (1, 2));
/// assert_eq!(store.values("b")?, vec![0.5, -0.5]);
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// # use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
/// store.insert("w", 2, 1, &[1.0, 2.0])?;
/// let snapshot = store.snapshot();
/// store.insert("w", 2, 1, &[9.0, 9.0])?;
/// store.restore(&snapshot)?; // back to the saved values
/// assert_eq!(store.values("w")?, vec![1.0, 2.0]);
/// assert_eq!(snapshot.entries.len(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParamSnapshot {
    /// The parameters, in the store's order.
    pub entries: Vec<SnapshotEntry>,
}

impl ParamSnapshot {
    /// The entry called `name`.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 1, 2, &[1.0, 2.0])?;
    /// let snapshot = store.snapshot();
    /// let w = snapshot.get("w").unwrap();
    /// assert_eq!((w.rows, w.columns, w.values.as_slice()), (1, 2, &[1.0, 2.0][..]));
    /// assert!(snapshot.get("b").is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, name: &str) -> Option<&SnapshotEntry> {
        self.entries.iter().find(|e| e.name == name)
    }
}
