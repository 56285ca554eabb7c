//! [`Plate`]: a set of conditionally independent members.

use super::site::PlateInfo;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// A plate returned by [`Ctx::plate`](super::Ctx::plate): sites placed in it get one column per
/// member, and with subsampling only the drawn members, with their log-densities scaled by
/// `size / batch`.
#[derive(Debug, Clone, PartialEq)]
pub struct Plate {
    info: PlateInfo,
}

impl Plate {
    pub(crate) fn new(info: PlateInfo) -> Self {
        Plate { info }
    }

    /// The plate's description.
    pub fn info(&self) -> &PlateInfo {
        &self.info
    }

    /// The plate's full size.
    pub fn size(&self) -> usize {
        self.info.size
    }

    /// The members used this run.
    pub fn indices(&self) -> &[usize] {
        &self.info.indices[..]
    }

    /// Number of members used this run.
    pub fn len(&self) -> usize {
        self.info.indices.len()
    }

    /// Whether no member is used (never true for a valid plate).
    pub fn is_empty(&self) -> bool {
        self.info.indices.is_empty()
    }

    /// The columns of `data` that belong to this run's members (all of them without
    /// subsampling).
    ///
    /// # Errors
    /// [`Error::InvalidShape`](crate::Error::InvalidShape) when `data` has fewer columns than
    /// the plate's size.
    pub fn select<E: Real, D: Backend<E>>(&self, data: &Var<E, D>) -> Result<Var<E, D>> {
        if self.len() == self.size() && data.columns() == self.size() {
            return Ok(data.clone());
        }
        data.gather_columns(self.indices())
    }

    /// The rows of `data` that belong to this run's members (all of them without
    /// subsampling): the data points of a `(members, features)` matrix. With subsampling, select
    /// the rows before computing with them (`plate.select_rows(&x)?.dot(&w)`), so that a step
    /// costs the batch, not the whole data set.
    ///
    /// # Errors
    /// [`Error::InvalidShape`](crate::Error::InvalidShape) when `data` has fewer rows than the
    /// plate's size.
    pub fn select_rows<E: Real, D: Backend<E>>(&self, data: &Var<E, D>) -> Result<Var<E, D>> {
        if self.len() == self.size() && data.rows() == self.size() {
            return Ok(data.clone());
        }
        data.gather_rows(self.indices())
    }
}
