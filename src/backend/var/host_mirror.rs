//! [`HostMirror`]: a value's entries kept in host memory beside its device tensor.

use std::sync::Arc;

/// A value's entries in host memory: row-major, and column-major on first request (kept, so
/// data used every step is transposed once per run).
#[derive(Clone)]
pub(crate) struct HostMirror<E> {
    pub(crate) values: Vec<E>,
    rows: usize,
    columns: usize,
    column_major: std::sync::OnceLock<Vec<E>>,
}

impl<E: Copy + Clone> HostMirror<E> {
    /// A mirror of row-major `values` of shape `(rows, columns)`.
    pub(crate) fn new(values: Vec<E>, rows: usize, columns: usize) -> Arc<Self> {
        Arc::new(HostMirror {
            values,
            rows,
            columns,
            column_major: std::sync::OnceLock::new(),
        })
    }

    /// The entries for writing: in place when no one else holds this mirror, in a fresh copy
    /// otherwise (which then replaces `this`). The column-major cache is dropped.
    pub(crate) fn values_mut(this: &mut Arc<Self>) -> &mut Vec<E> {
        let unique = Arc::make_mut(this);
        unique.column_major = std::sync::OnceLock::new();
        &mut unique.values
    }

    /// The entries column by column (the transpose, row-major).
    pub(crate) fn column_major(&self) -> &[E] {
        self.column_major.get_or_init(|| {
            (0..self.columns)
                .flat_map(|j| (0..self.rows).map(move |i| self.values[i * self.columns + j]))
                .collect()
        })
    }
}
