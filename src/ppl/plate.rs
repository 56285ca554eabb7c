//! [`Plate`]: a set of conditionally independent members.

use super::site::PlateInfo;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// A plate returned by [`Ctx::plate`](super::Ctx::plate): sites placed in it get one column per
/// member, and with subsampling only the drawn members, with their log-densities scaled by
/// `size / batch`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng).with_particles(2);
/// let data = ctx.plate("data", 3, None)?;
/// let z = ctx.sample("z", Normal::new(0.0, 1.0)?, Some(&data))?;
/// assert_eq!(z.shape(), (2, 3)); // one column per member
/// assert_eq!(data.indices(), &[0, 1, 2]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Plate {
    info: PlateInfo,
}

impl Plate {
    pub(crate) fn new(info: PlateInfo) -> Self {
        Plate { info }
    }

    /// The plate's description.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// let batch = ctx.plate("data", 6, Some(3))?;
    /// assert_eq!(batch.info().name, "data");
    /// assert_eq!(batch.info().scale(), 2.0); // 6 members represented by 3
    /// # Ok(())
    /// # }
    /// ```
    pub fn info(&self) -> &PlateInfo {
        &self.info
    }

    /// The plate's full size.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// let batch = ctx.plate("data", 100, Some(10))?;
    /// assert_eq!((batch.size(), batch.len()), (100, 10)); // the size ignores subsampling
    /// # Ok(())
    /// # }
    /// ```
    pub fn size(&self) -> usize {
        self.info.size
    }

    /// The members used this run.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// let batch = ctx.plate("data", 10, Some(3))?;
    /// let i = batch.indices();
    /// // Three distinct members of 0..10, in increasing order.
    /// assert!(i.len() == 3 && i[0] < i[1] && i[1] < i[2] && i[2] < 10);
    /// # Ok(())
    /// # }
    /// ```
    pub fn indices(&self) -> &[usize] {
        &self.info.indices[..]
    }

    /// Number of members used this run.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// assert_eq!(ctx.plate("all", 7, None)?.len(), 7);
    /// assert_eq!(ctx.plate("some", 7, Some(2))?.len(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.info.indices.len()
    }

    /// Whether no member is used (never true for a valid plate).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// assert!(!ctx.plate("data", 1, None)?.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.info.indices.is_empty()
    }

    /// The columns of `data` that belong to this run's members (all of them without
    /// subsampling).
    ///
    /// # Errors
    /// [`Error::InvalidShape`](crate::Error::InvalidShape) when `data` has fewer columns than
    /// the plate's size.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// let batch = ctx.plate("data", 6, Some(2))?;
    /// let tens = vec![0.0, 10.0, 20.0, 30.0, 40.0, 50.0];
    /// let y = Var::<f64, Cpu>::from_vec(ctx.device(), tens, 1, 6)?;
    /// let want: Vec<f64> = batch.indices().iter().map(|&i| 10.0 * i as f64).collect();
    /// assert_eq!(batch.select(&y)?.to_vec(), want);
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let mut ctx = Ctx::<f64, Cpu>::new(&Cpu::default(), &mut rng);
    /// let batch = ctx.plate("data", 4, Some(2))?;
    /// let rows = [[0.0, 0.0], [1.0, -1.0], [2.0, -2.0], [3.0, -3.0]];
    /// let x = Var::<f64, Cpu>::from_rows(ctx.device(), &rows)?;
    /// let rows = batch.select_rows(&x)?;
    /// let (i, j) = (batch.indices()[0] as f64, batch.indices()[1] as f64);
    /// assert_eq!(rows.to_vec(), vec![i, -i, j, -j]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn select_rows<E: Real, D: Backend<E>>(&self, data: &Var<E, D>) -> Result<Var<E, D>> {
        if self.len() == self.size() && data.rows() == self.size() {
            return Ok(data.clone());
        }
        data.gather_rows(self.indices())
    }
}
