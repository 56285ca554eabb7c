//! How a continuous flow computes `tr(dg/dz)`: exactly, or by Hutchinson's estimator.

use crate::backend::rng::standard_normals;
use crate::backend::{real, Backend, Real, Rng, Var};
use crate::error::{Error, Result};
use rand::Rng as _;

/// The distribution of Hutchinson's probe vectors (both have `E[e e^T] = I`).
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::transforms::cnf::Probe;
/// use flowppl::transforms::TraceEstimator;
/// # fn main() -> flowppl::Result<()> {
/// let rademacher = TraceEstimator::Hutchinson(Probe::Rademacher);
/// let probes: Vec<Var<f64, Cpu>> = rademacher.directions(&Cpu::default(), 50, 3, &mut seeded(0))?;
/// assert_eq!(probes[0].shape(), (50, 3)); // one probe per row
/// assert!(probes[0].to_vec().iter().all(|e| e.abs() == 1.0));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// Standard normal entries.
    Gaussian,
    /// Entries `+1` or `-1` with equal probability (the lower-variance choice:
    /// `Var[e^T A e] = 2 sum_{i != j} A_ij^2` against `2 ||A||_F^2` for Gaussian probes).
    Rademacher,
}

/// The trace of the field's Jacobian, `tr(dg/dz)`, which drives the log-density:
/// `d ln p(z(t)) / dt = -tr(dg/dz)` (Chen et al. 2018, arXiv:1806.07366).
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::TraceEstimator;
/// # fn main() -> flowppl::Result<()> {
/// // J = [[2, 7], [5, 3]]: the products J e_1 = (2, 5) and J e_2 = (7, 3).
/// let dev = Cpu::default();
/// let basis: Vec<Var<f64, Cpu>> = TraceEstimator::Exact.directions(&dev, 1, 2, &mut flowppl::backend::rng::seeded(0))?;
/// let products = [Var::from_rows(&dev, &[[2.0, 5.0]])?, Var::from_rows(&dev, &[[7.0, 3.0]])?];
/// assert_eq!(TraceEstimator::Exact.combine(&basis, &products)?.to_vec(), vec![5.0]);
/// assert_eq!(TraceEstimator::default(), TraceEstimator::Exact);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TraceEstimator {
    /// `sum_i e_i^T J e_i` over the `d` basis vectors: exact, `d` Jacobian-vector products
    /// per evaluation. The default; right for small dimensions.
    #[default]
    Exact,
    /// `e^T J e` with one random probe `e` per row, drawn once per solve and held fixed along
    /// the trajectory: unbiased, one product per evaluation (Hutchinson 1989; Grathwohl et al.
    /// 2019, FFJORD, arXiv:1810.01367). For larger dimensions.
    Hutchinson(Probe),
}

impl TraceEstimator {
    /// `exact`, `hutchinson` (Rademacher probes) or `hutchinson-gaussian`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the text.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::transforms::cnf::Probe;
    /// use flowppl::transforms::TraceEstimator;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(TraceEstimator::parse("exact")?, TraceEstimator::Exact);
    /// assert_eq!(TraceEstimator::parse("hutchinson")?, TraceEstimator::Hutchinson(Probe::Rademacher));
    /// assert_eq!(TraceEstimator::parse("hutchinson-gaussian")?, TraceEstimator::Hutchinson(Probe::Gaussian));
    /// assert!(TraceEstimator::parse("trace").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "exact" => Ok(TraceEstimator::Exact),
            "hutchinson" | "hutchinson-rademacher" => {
                Ok(TraceEstimator::Hutchinson(Probe::Rademacher))
            }
            "hutchinson-gaussian" => Ok(TraceEstimator::Hutchinson(Probe::Gaussian)),
            other => Err(Error::InvalidConfig {
                what: format!("trace estimator `{other}`"),
                message: "expected exact, hutchinson or hutchinson-gaussian".into(),
            }),
        }
    }

    /// The directions for one solve of `rows` points in `R^dimension`: the basis vectors as
    /// `(1, d)` rows shared by every point, or one `(rows, d)` block of probes.
    ///
    /// # Errors
    /// Backend errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::transforms::TraceEstimator;
    /// # fn main() -> flowppl::Result<()> {
    /// // Exact: the d basis vectors, each a (1, d) row shared by every point.
    /// let basis: Vec<Var<f64, Cpu>> = TraceEstimator::Exact.directions(&Cpu::default(), 5, 3, &mut seeded(0))?;
    /// assert_eq!(basis.len(), 3);
    /// assert_eq!(basis[1].to_vec(), vec![0.0, 1.0, 0.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn directions<E: Real, D: Backend<E>>(
        &self,
        device: &D,
        rows: usize,
        dimension: usize,
        rng: &mut Rng,
    ) -> Result<Vec<Var<E, D>>> {
        match self {
            TraceEstimator::Exact => (0..dimension)
                .map(|i| {
                    let mut basis = vec![E::zero(); dimension];
                    basis[i] = E::one();
                    Var::from_vec(device, basis, 1, dimension)
                })
                .collect(),
            TraceEstimator::Hutchinson(probe) => {
                let count = rows * dimension;
                let values: Vec<E> = match probe {
                    Probe::Gaussian => standard_normals(rng, count).into_iter().map(real).collect(),
                    Probe::Rademacher => (0..count)
                        .map(|_| {
                            if rng.gen::<bool>() {
                                E::one()
                            } else {
                                -E::one()
                            }
                        })
                        .collect(),
                };
                Ok(vec![Var::from_vec(device, values, rows, dimension)?])
            }
        }
    }

    /// The trace estimate per row, `(n, 1)`, from the directions and their Jacobian-vector
    /// products `J v`.
    ///
    /// # Errors
    /// Shape errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl::transforms::cnf::Probe;
    /// use flowppl::transforms::TraceEstimator;
    /// # fn main() -> flowppl::Result<()> {
    /// // Hutchinson: e . (J e) per row; J = [[2, 7], [5, 3]] and e = (1, -1) give 2 - 7 - 5 + 3.
    /// let dev = Cpu::default();
    /// let e = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, -1.0]])?;
    /// let je = Var::from_rows(&dev, &[[2.0 - 7.0, 5.0 - 3.0]])?;
    /// let estimate = TraceEstimator::Hutchinson(Probe::Rademacher).combine(&[e], &[je])?;
    /// assert_eq!(estimate.to_vec(), vec![-7.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn combine<E: Real, D: Backend<E>>(
        &self,
        directions: &[Var<E, D>],
        products: &[Var<E, D>],
    ) -> Result<Var<E, D>> {
        match self {
            TraceEstimator::Exact => {
                let diagonal = products
                    .iter()
                    .enumerate()
                    .map(|(i, product)| product.slice_columns(i, i + 1))
                    .collect::<Result<Vec<_>>>()?;
                let mut total = diagonal[0].clone();
                for column in &diagonal[1..] {
                    total = total.add(column)?;
                }
                Ok(total)
            }
            TraceEstimator::Hutchinson(_) => Ok(products[0].mul(&directions[0])?.sum_columns()),
        }
    }
}
