//! Support for the `model!` macro: data conversion, site declarations and distribution
//! results. Users rarely need these names directly.

use super::context::Ctx;
use crate::backend::{real, Backend, Real, Var};
use crate::dist::Distribution;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// What kind of site a `model!` source declares.
///
/// # Examples
/// ```
/// use flowppl::ppl::dsl::DeclaredKind;
/// use flowppl::prelude::*;
///
/// model! {
///     /// mu ~ N(0, 1); y ~ N(mu, 1).
///     fn simple(y: &[f64]) {
///         let mu = sample!("mu", Normal::new(0.0, 1.0));
///         observe!("y", Normal::new(mu, 1.0), y);
///     }
/// }
///
/// let m = simple(&[0.5]);
/// let sites = Model::<f64, Cpu>::declared_sites(&m);
/// let kinds: Vec<DeclaredKind> = sites.iter().map(|s| s.kind).collect();
/// assert_eq!(kinds, [DeclaredKind::Latent, DeclaredKind::Observed]);
/// ```
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
///
/// # Examples
/// ```
/// use flowppl::ppl::dsl::{DeclaredKind, SiteDeclaration};
/// use flowppl::prelude::*;
///
/// model! {
///     /// mu ~ N(0, 1); y ~ N(mu, 1).
///     fn simple(y: &[f64]) {
///         let mu = sample!("mu", Normal::new(0.0, 1.0));
///         observe!("y", Normal::new(mu, 1.0), y);
///     }
/// }
///
/// let m = simple(&[0.5]);
/// let first = SiteDeclaration { name: "mu", kind: DeclaredKind::Latent };
/// assert_eq!(Model::<f64, Cpu>::declared_sites(&m)[0], first);
/// assert_eq!(Simple::SITES.len(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SiteDeclaration {
    /// The site's name.
    pub name: &'static str,
    /// Its kind.
    pub kind: DeclaredKind,
}

/// A data matrix argument of a model: `rows x columns`, row-major.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let x = DataMatrix::from_rows(&[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]])?;
/// assert_eq!((x.rows(), x.columns()), (2, 3));
/// assert_eq!(x.values()[3], 4.0); // row-major: row 1, column 0
/// # Ok(())
/// # }
/// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let x = DataMatrix::new(2, 2, vec![1.0, 2.0, 3.0, 4.0])?;
    /// assert_eq!(x.values(), &[1.0, 2.0, 3.0, 4.0]);
    /// assert!(matches!(DataMatrix::new(2, 2, vec![1.0; 3]), Err(Error::InvalidShape { .. })));
    /// assert!(matches!(DataMatrix::new(1, 1, vec![f64::NAN]), Err(Error::NonFinite { .. })));
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let x = DataMatrix::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0]])?;
    /// assert_eq!(x, DataMatrix::new(2, 2, vec![1.0, 2.0, 3.0, 4.0])?);
    /// assert!(DataMatrix::from_rows(&[vec![1.0, 2.0], vec![3.0]]).is_err()); // ragged
    /// assert!(DataMatrix::from_rows(&[]).is_err());
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let x = DataMatrix::new(3, 2, vec![0.0; 6])?;
    /// assert_eq!(x.rows(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let x = DataMatrix::new(3, 2, vec![0.0; 6])?;
    /// assert_eq!(x.columns(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Row-major values.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let x = DataMatrix::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0]])?;
    /// assert_eq!(x.values(), &[1.0, 2.0, 3.0, 4.0]); // row-major
    /// # Ok(())
    /// # }
    /// ```
    pub fn values(&self) -> &[f64] {
        &self.values
    }
}

/// A data vector as a `(1, n)` value on the context's device.
///
/// # Errors
/// [`Error::InvalidShape`] for an empty vector.
///
/// # Examples
/// ```
/// use flowppl::ppl::dsl;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
/// let y = dsl::vector(&ctx, &[1.0, 2.0, 3.0])?;
/// assert_eq!((y.shape(), y.to_vec()), ((1, 3), vec![1.0, 2.0, 3.0]));
/// assert!(dsl::vector::<f64, Cpu, f64>(&ctx, &[]).is_err());
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// use flowppl::constraints::Constraint;
/// use flowppl::ppl::{dsl, DataCache};
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let cache = DataCache::<f64, Cpu>::new();
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let ctx = Ctx::new(&Cpu::default(), &mut rng).with_data_cache(&cache);
/// let y = vec![2.0, 4.0];
/// let v = dsl::cached_vector(&ctx, &y)?;
/// assert_eq!(v.to_vec(), y);
/// assert!(cache.in_support(&v, Constraint::Positive, false).is_some()); // made by the cache
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// use flowppl::constraints::Constraint;
/// use flowppl::ppl::{dsl, DataCache};
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let cache = DataCache::<f64, Cpu>::new();
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let ctx = Ctx::new(&Cpu::default(), &mut rng).with_data_cache(&cache);
/// let x = DataMatrix::new(2, 1, vec![1.0, 2.0])?;
/// let m = dsl::cached_matrix(&ctx, &x)?;
/// assert_eq!((m.shape(), m.to_vec()), ((2, 1), vec![1.0, 2.0]));
/// assert!(cache.in_support(&m, Constraint::Real, false).is_some()); // made by the cache
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// use flowppl::ppl::dsl;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
/// let x = DataMatrix::from_rows(&[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]])?;
/// let m = dsl::matrix(&ctx, &x)?;
/// assert_eq!(m.shape(), (2, 3));
/// assert_eq!(m.to_vec(), x.values());
/// # Ok(())
/// # }
/// ```
pub fn matrix<E: Real, D: Backend<E>>(ctx: &Ctx<'_, E, D>, data: &DataMatrix) -> Result<Var<E, D>> {
    Var::from_vec(
        ctx.device(),
        data.values.iter().map(|&v| real(v)).collect(),
        data.rows,
        data.columns,
    )
}

/// A distribution, or the result of building one.
///
/// # Examples
/// ```
/// use flowppl::ppl::dsl::IntoDistribution;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let built = Normal::<f64, Cpu>::new(1.0, 2.0)?;
/// // A borrowed distribution gives a copy; a `Result` gives its value or its error.
/// let copy = IntoDistribution::<f64, Cpu>::into_distribution(&built)?;
/// let x = Var::scalar(&Cpu::default(), 0.3);
/// assert_eq!(copy.log_prob(&x)?.to_vec(), built.log_prob(&x)?.to_vec());
/// let bad = IntoDistribution::<f64, Cpu>::into_distribution(Normal::<f64, Cpu>::new(0.0, -1.0));
/// assert!(bad.is_err());
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// use flowppl::ppl::dsl::distribution_at;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let d = distribution_at::<f64, Cpu, _>("x", Normal::new(0.0, 1.0))?;
/// let lp = d.log_prob(&Var::scalar(&Cpu::default(), 0.0))?.item()?;
/// assert!((lp + 0.5 * (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
/// let bad = Normal::<f64, Cpu>::new(0.0, -1.0);
/// let error = distribution_at::<f64, Cpu, _>("x", bad).unwrap_err();
/// assert!(matches!(&error, Error::Site { site, .. } if site == "x"));
/// # Ok(())
/// # }
/// ```
pub fn distribution_at<E: Real, D: Backend<E>, T: IntoDistribution<E, D>>(
    name: &str,
    distribution: T,
) -> Result<T::Output> {
    distribution.into_distribution().map_err(|e| Error::Site {
        site: name.to_string(),
        source: Box::new(e),
    })
}
