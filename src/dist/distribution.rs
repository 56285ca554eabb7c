//! The [`Distribution`] trait and the helpers its implementations share.

use super::RowSumsTerm;
use crate::backend::{Backend, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::{Error, Result};

/// A probability distribution over `(rows, columns)` values.
///
/// Shapes: every draw has [`Distribution::sample_shape`]. For `event_dim() == 0` each entry is
/// an independent scalar event and `log_prob` returns one log-density per entry (the broadcast
/// of the value and the parameters); for `event_dim() == 1` each row is one event and
/// `log_prob` returns `(rows, 1)`.
///
/// `log_prob` is differentiable with respect to the value and the parameters (when they are
/// recorded on a [`Graph`](crate::backend::Graph)); `rsample` is differentiable with respect
/// to the parameters where a reparameterised sampler exists.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // Code written against the trait works for every distribution.
/// fn total(d: &dyn Distribution<f64, Cpu>, x: &Var<f64, Cpu>) -> flowppl::Result<f64> {
///     d.log_prob(x)?.sum().item()
/// }
/// let dev = Cpu::default();
/// let x = Var::from_rows(&dev, &[[0.5, 2.0]])?;
/// // Exponential(1): ln p(x) = -x, so the total is -2.5.
/// assert!((total(&Exponential::<f64, Cpu>::new(1.0)?, &x)? + 2.5).abs() < 1e-12);
/// let normal = Normal::<f64, Cpu>::new(0.0, 1.0)?;
/// assert!(normal.has_rsample() && normal.support() == Constraint::Real);
/// assert_eq!(normal.expand_to(3, 2)?.sample_shape(), (3, 2));
/// # Ok(())
/// # }
/// ```
pub trait Distribution<E: Real, D: Backend<E>> {
    /// The distribution's name, used in messages.
    fn name(&self) -> &'static str;

    /// The shape of one draw.
    fn sample_shape(&self) -> (usize, usize);

    /// The same distribution with draws of shape `(rows, columns)`: parameters broadcast (for
    /// row-event distributions, `columns` must equal the event size and rows broadcast).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the parameters do not broadcast to that shape.
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>>;

    /// 0 when entries are independent scalar events, 1 when each row is one event.
    fn event_dim(&self) -> usize {
        0
    }

    /// The set of valid values.
    fn support(&self) -> Constraint;

    /// The log-density without checking the support: the hot path of inference, where values
    /// are valid by construction. Outside the support the result is unspecified (often NaN).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the value does not broadcast with the parameters.
    fn log_prob_unchecked(&self, value: &Var<E, D>) -> Result<Var<E, D>>;

    /// [`Distribution::log_prob_unchecked`] summed over each row, `(rows, 1)`: the form a
    /// site's log-density takes. The default sums the entries; a distribution may fuse the sum
    /// into its density kernel (Bernoulli does on host-memory devices), which saves the
    /// `(rows, columns)` intermediate, the separate sum and their backward passes.
    ///
    /// # Errors
    /// As [`Distribution::log_prob_unchecked`].
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let d = Bernoulli::<f64, Cpu>::new(Var::from_vec(&device, vec![0.5, -1.0, 2.0], 1, 3)?)?;
    /// let y = Var::from_vec(&device, vec![1.0, 0.0, 1.0], 1, 3)?;
    /// let entries = d.log_prob_unchecked(&y)?.to_f64_vec();
    /// let total = d.log_prob_unchecked_row_sums(&y)?;
    /// assert_eq!(total.shape(), (1, 1));
    /// assert!((total.item()? - entries.iter().sum::<f64>()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    fn log_prob_unchecked_row_sums(&self, value: &Var<E, D>) -> Result<Var<E, D>> {
        Ok(row_sums(self.log_prob_unchecked(value)?))
    }

    /// [`Distribution::log_prob_unchecked_row_sums`] evaluated on the host with its backward
    /// step left to the caller ([`RowSumsTerm`]), so that a log joint can sum several sites in
    /// one recorded operation. `None` (the default) where the distribution has no host kernel,
    /// the device has no host buffers, fused kernels are off, or the value does not cover the
    /// distribution's shape; callers then use `log_prob_unchecked_row_sums`.
    ///
    /// # Errors
    /// As [`Distribution::log_prob_unchecked_row_sums`].
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&device, &[[0.5, 2.0]])?;
    /// let half_cauchy = HalfCauchy::new(1.0)?;
    /// let term = half_cauchy.row_sums_term(&x)?.unwrap();
    /// let want = half_cauchy.log_prob_unchecked_row_sums(&x)?.to_vec();
    /// assert!((term.into_var()?.item()? - want[0]).abs() < 1e-12);
    /// // Distributions without a host kernel hand over nothing.
    /// assert!(Gamma::new(2.0, 1.0)?.row_sums_term(&x)?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    fn row_sums_term(&self, value: &Var<E, D>) -> Result<Option<RowSumsTerm<E, D>>> {
        let _ = value;
        Ok(None)
    }

    /// The log-density (log-mass for discrete distributions): `-inf` where the value is outside
    /// the support.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the value does not broadcast with the parameters; the
    /// error of a poisoned value.
    fn log_prob(&self, value: &Var<E, D>) -> Result<Var<E, D>> {
        value.check()?;
        let support = self.support();
        let lp = self.log_prob_unchecked(value)?;
        let by_row = self.event_dim() == 1 || support.is_row_constraint();
        mask_outside_support(&lp, value, by_row, |row| support.check_row(row))
    }

    /// A draw, cut off from any graph.
    ///
    /// # Errors
    /// Backend errors.
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>>;

    /// A reparameterised draw: a differentiable function of the parameters and of
    /// parameter-free noise.
    ///
    /// # Errors
    /// [`Error::NotReparameterizable`] when the distribution has no such sampler.
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let _ = rng;
        Err(Error::NotReparameterizable {
            distribution: self.name(),
        })
    }

    /// Whether [`Distribution::rsample`] is available.
    fn has_rsample(&self) -> bool {
        false
    }

    /// The mean (NaN where it does not exist), of [`Distribution::sample_shape`].
    ///
    /// # Errors
    /// Backend errors.
    fn mean(&self) -> Result<Var<E, D>>;

    /// The variance (NaN or `inf` where it does not exist), of
    /// [`Distribution::sample_shape`].
    ///
    /// # Errors
    /// Backend errors.
    fn variance(&self) -> Result<Var<E, D>>;
}

/// Whether `value` already has the full shape of a log-density against a distribution of
/// sample shape `shape` (no broadcasting of the value needed), so a fused kernel over the
/// operands gives the same entries as `log_prob_unchecked`.
pub(crate) fn value_covers<E: Real, D: Backend<E>>(
    value: &Var<E, D>,
    shape: (usize, usize),
) -> bool {
    crate::backend::arithmetic_shape("log_prob", value.shape(), shape).ok() == Some(value.shape())
}

/// The sum of each row, `(rows, 1)` (the value itself when it has one column).
pub(crate) fn row_sums<E: Real, D: Backend<E>>(lp: Var<E, D>) -> Var<E, D> {
    if lp.columns() == 1 {
        lp
    } else {
        lp.sum_columns()
    }
}

/// Replaces entries of `lp` whose value is invalid by `-inf`.
///
/// With `by_row`, `check` receives whole rows of `value` and `lp` has one entry per row;
/// otherwise `check` receives single entries (as one-element slices). `value` may be smaller
/// than `lp` (broadcasting); its entries are mapped accordingly. Costs nothing on the graph
/// when every value is valid.
pub(crate) fn mask_outside_support<E: Real, D: Backend<E>>(
    lp: &Var<E, D>,
    value: &Var<E, D>,
    by_row: bool,
    check: impl Fn(&[f64]) -> bool,
) -> Result<Var<E, D>> {
    let values = value.to_f64_vec();
    let (vr, vc) = value.shape();
    let (lr, lc) = lp.shape();
    let keep: Vec<bool> = if by_row {
        let rows_ok: Vec<bool> = (0..vr)
            .map(|i| check(&values[i * vc..(i + 1) * vc]))
            .collect();
        (0..lr * lc)
            .map(|k| rows_ok[if vr == 1 { 0 } else { (k / lc).min(vr - 1) }])
            .collect()
    } else {
        let entries_ok: Vec<bool> = values.iter().map(|&x| check(&[x])).collect();
        (0..lr * lc)
            .map(|k| {
                let (i, j) = (k / lc, k % lc);
                let vi = if vr == 1 { 0 } else { i.min(vr - 1) };
                let vj = if vc == 1 { 0 } else { j.min(vc - 1) };
                entries_ok[vi * vc + vj]
            })
            .collect()
    };
    if keep.iter().all(|&k| k) {
        return Ok(lp.clone());
    }
    lp.keep_where(&keep, f64::NEG_INFINITY)
}

/// Host noise of `shape` as a constant on `device`.
pub(crate) fn noise<E: Real, D: Backend<E>>(
    device: &D,
    shape: (usize, usize),
    values: Vec<f64>,
) -> Result<Var<E, D>> {
    Var::from_vec(
        device,
        values
            .into_iter()
            .map(<E as Real>::from_f64_value)
            .collect(),
        shape.0,
        shape.1,
    )
}

/// Broadcasts `lp` up to `shape` when the distribution was expanded beyond its parameters.
pub(crate) fn at_least_shape<E: Real, D: Backend<E>>(
    lp: Var<E, D>,
    shape: (usize, usize),
) -> Result<Var<E, D>> {
    let target = crate::backend::arithmetic_shape("log_prob", lp.shape(), shape)?;
    if target == lp.shape() {
        Ok(lp)
    } else {
        lp.broadcast_to(target.0, target.1)
    }
}

/// Checks that `(rows, columns)` is a valid expansion of `shape`.
pub(crate) fn expanded_shape(
    owner: &'static str,
    shape: (usize, usize),
    rows: usize,
    columns: usize,
) -> Result<(usize, usize)> {
    let target = crate::backend::arithmetic_shape(owner, shape, (rows, columns))?;
    if target != (rows, columns) {
        return Err(Error::ShapeMismatch {
            operation: owner,
            left: shape,
            right: (rows, columns),
            hint: "; expand can only grow dimensions of size 1".into(),
        });
    }
    Ok(target)
}

/// Implements `expand` for a distribution with a `shape` field.
macro_rules! impl_expand {
    ($name:ident) => {
        impl<E: Real, D: Backend<E>> $name<E, D> {
            /// The same distribution with draws of shape `(rows, columns)`; parameters broadcast.
            ///
            /// # Errors
            /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) when the parameters do not
            /// broadcast to that shape.
            ///
            /// # Examples
            /// ```
            /// use flowppl::prelude::*;
            /// # fn main() -> flowppl::Result<()> {
            /// // For example with `Normal` (every distribution with scalar parameters has `expand`):
            /// let d = Normal::<f64, Cpu>::new(0.0, 1.0)?.expand(2, 3)?;
            /// assert_eq!(d.sample_shape(), (2, 3));
            /// let mut rng = flowppl::backend::rng::seeded(0);
            /// assert_eq!(d.sample(&mut rng)?.shape(), (2, 3));
            /// // A (2, 1) parameter cannot grow to 3 rows.
            /// let loc = Var::<f64, Cpu>::zeros(&Cpu::default(), 2, 1);
            /// assert!(Normal::new(loc, 1.0)?.expand(3, 1).is_err());
            /// # Ok(())
            /// # }
            /// ```
            pub fn expand(mut self, rows: usize, columns: usize) -> Result<Self> {
                self.shape = crate::dist::distribution::expanded_shape(
                    stringify!($name),
                    self.shape,
                    rows,
                    columns,
                )?;
                Ok(self)
            }
        }
    };
}
pub(crate) use impl_expand;

/// A boxed distribution is a distribution (so wrappers such as `Independent` accept one).
impl<E: Real, D: Backend<E>> Distribution<E, D> for Box<dyn Distribution<E, D>> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn sample_shape(&self) -> (usize, usize) {
        (**self).sample_shape()
    }
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>> {
        (**self).expand_to(rows, columns)
    }
    fn event_dim(&self) -> usize {
        (**self).event_dim()
    }
    fn support(&self) -> Constraint {
        (**self).support()
    }
    fn log_prob_unchecked(&self, value: &Var<E, D>) -> Result<Var<E, D>> {
        (**self).log_prob_unchecked(value)
    }
    fn log_prob_unchecked_row_sums(&self, value: &Var<E, D>) -> Result<Var<E, D>> {
        (**self).log_prob_unchecked_row_sums(value)
    }
    fn row_sums_term(&self, value: &Var<E, D>) -> Result<Option<RowSumsTerm<E, D>>> {
        (**self).row_sums_term(value)
    }
    fn log_prob(&self, value: &Var<E, D>) -> Result<Var<E, D>> {
        (**self).log_prob(value)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        (**self).sample(rng)
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        (**self).rsample(rng)
    }
    fn has_rsample(&self) -> bool {
        (**self).has_rsample()
    }
    fn mean(&self) -> Result<Var<E, D>> {
        (**self).mean()
    }
    fn variance(&self) -> Result<Var<E, D>> {
        (**self).variance()
    }
}
