//! Support for the `model!` macro: data conversion, site declarations and distribution
//! results. Users rarely need these names directly.

use super::context::Ctx;
use crate::backend::{real, Backend, Real, Var};
use crate::dist::Distribution;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// What kind of site a `model!` source declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeclaredKind {
    /// `sample!`: a latent variable.
    Latent,
    /// `observe!`: observed data.
    Observed,
    /// `param!`: a learnable parameter.
    Param,
    /// `deterministic!`: a recorded function of other values.
    Deterministic,
    /// `factor!`: an extra log-joint term.
    Factor,
}

/// A site as written in a `model!` source (names that are string literals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SiteDeclaration {
    /// The site's name.
    pub name: &'static str,
    /// Its kind.
    pub kind: DeclaredKind,
}

/// A data matrix argument of a model: `rows x columns`, row-major.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataMatrix {
    rows: usize,
    columns: usize,
    values: Vec<f64>,
}

impl DataMatrix {
    /// A matrix from row-major values.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when the sizes disagree; [`Error::NonFinite`] for NaN or
    /// infinite entries.
    pub fn new(rows: usize, columns: usize, values: Vec<f64>) -> Result<Self> {
        if values.len() != rows * columns {
            return Err(Error::invalid_shape(
                "DataMatrix",
                format!("{} values for a {rows}x{columns} matrix", values.len()),
            ));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: "a DataMatrix entry".into(),
            });
        }
        Ok(DataMatrix {
            rows,
            columns,
            values,
        })
    }

    /// A matrix from equal-length rows.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] for ragged or empty rows.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self> {
        let columns = rows.first().map(Vec::len).unwrap_or(0);
        if rows.is_empty() || columns == 0 || rows.iter().any(|r| r.len() != columns) {
            return Err(Error::invalid_shape(
                "DataMatrix::from_rows",
                "rows must be non-empty and of equal length",
            ));
        }
        Self::new(rows.len(), columns, rows.concat())
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Row-major values.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
}

/// A data vector as a `(1, n)` value on the context's device.
///
/// # Errors
/// [`Error::InvalidShape`] for an empty vector.
pub fn vector<E: Real, D: Backend<E>, T: Real>(
    ctx: &Ctx<'_, E, D>,
    data: &[T],
) -> Result<Var<E, D>> {
    if data.is_empty() {
        return Err(Error::invalid_shape("model data", "a data vector is empty"));
    }
    Var::from_vec(
        ctx.device(),
        data.iter().map(|&v| real(Real::to_f64(v))).collect(),
        1,
        data.len(),
    )
}

/// [`vector`] for data owned by the model: from the context's [`DataCache`](crate::ppl::DataCache) when it has one
/// (converted once per run). `model!` binds vector arguments with it.
///
/// # Errors
/// [`Error::InvalidShape`] for an empty vector.
pub fn cached_vector<E: Real, D: Backend<E>, T: Real>(
    ctx: &Ctx<'_, E, D>,
    data: &[T],
) -> Result<Var<E, D>> {
    match ctx.data_cache() {
        Some(cache) if !data.is_empty() => cache.vector(ctx.device(), data),
        _ => vector(ctx, data),
    }
}

/// [`matrix`] for data owned by the model: from the context's [`DataCache`](crate::ppl::DataCache) when it has one.
/// `model!` binds matrix arguments with it.
///
/// # Errors
/// Backend errors.
pub fn cached_matrix<E: Real, D: Backend<E>>(
    ctx: &Ctx<'_, E, D>,
    data: &DataMatrix,
) -> Result<Var<E, D>> {
    match ctx.data_cache() {
        Some(cache) => cache.matrix(ctx.device(), data),
        None => matrix(ctx, data),
    }
}

/// A data matrix as an `(n, p)` value on the context's device.
///
/// # Errors
/// Backend errors.
pub fn matrix<E: Real, D: Backend<E>>(ctx: &Ctx<'_, E, D>, data: &DataMatrix) -> Result<Var<E, D>> {
    Var::from_vec(
        ctx.device(),
        data.values.iter().map(|&v| real(v)).collect(),
        data.rows,
        data.columns,
    )
}

/// A distribution, or the result of building one.
pub trait IntoDistribution<E: Real, D: Backend<E>> {
    /// The distribution type.
    type Output: Distribution<E, D> + 'static;
    /// The distribution, or the error of building it.
    ///
    /// # Errors
    /// The construction error.
    fn into_distribution(self) -> Result<Self::Output>;
}

/// A distribution built earlier (`let d = Normal::new(..)?; sample!("x", d)`): the macro
/// borrows it and the site gets a copy.
impl<E: Real, D: Backend<E>, T: Distribution<E, D> + Clone + 'static> IntoDistribution<E, D>
    for &T
{
    type Output = T;
    fn into_distribution(self) -> Result<T> {
        Ok(self.clone())
    }
}

impl<E: Real, D: Backend<E>, T: Distribution<E, D> + 'static> IntoDistribution<E, D> for Result<T> {
    type Output = T;
    fn into_distribution(self) -> Result<T> {
        self
    }
}

/// The distribution of site `name`, with a construction error attributed to the site.
///
/// # Errors
/// [`Error::Site`] wrapping the construction error.
pub fn distribution_at<E: Real, D: Backend<E>, T: IntoDistribution<E, D>>(
    name: &str,
    distribution: T,
) -> Result<T::Output> {
    distribution.into_distribution().map_err(|e| Error::Site {
        site: name.to_string(),
        source: Box::new(e),
    })
}
