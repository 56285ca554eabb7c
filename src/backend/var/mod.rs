//! [`Var`]: a matrix-shaped value that records its own gradient graph.
//!
//! dfdx moves an owned tape through each operation, wants the taped operand on the left, and
//! panics in backward when both operands of one op are the same tensor (`x * x`). A
//! probabilistic program reuses values freely, so flowppl wraps dfdx tensors in `Var`:
//!
//! - the tensor itself is kept tape-free, and every `Var` that descends from a [`Graph`] holds a
//!   shared handle to that graph's tape; each operation records its backward step there;
//! - a `Var` can therefore be cloned and used any number of times, on either side of an operator;
//! - when both operands of a binary operation are the same value, the right one is first copied
//!   into a fresh tensor (a recorded `* 1`), so dfdx's same-id panic cannot be reached.
//!
//! Operators (`+ - * /`) return a `Var` so that `mu + tau * z` reads like maths. When their
//! shapes do not broadcast, the result is *poisoned*: it carries the error, every value computed
//! from it carries it too, and the first fallible call that consumes it (`backward`, `item`,
//! `check`, a distribution constructor, the checked methods `add`, `mul`, ...) returns it. No
//! operator panics.
//!
//! Every `Var` is two-dimensional, `(rows, columns)`: rows index particles or data points and
//! columns index the coordinates of one draw. Scalars are `(1, 1)`. Binary operations broadcast
//! a dimension of size 1 against any size, like NumPy restricted to two dimensions.

mod arithmetic;
mod elementwise;
mod graph;
mod host_mirror;
mod linalg;
mod reduce;
mod shape;

pub use arithmetic::broadcast_shape as arithmetic_shape;
pub use graph::{Gradients, Graph};
pub(crate) use host_mirror::HostMirror;

use super::device::{Backend, Cpu};
use super::real::{real, Real};
use crate::error::{Error, Result};
use dfdx::prelude::{HasShape, OwnedTape, PutTape, SplitTape, Tensor};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The dfdx tensor type behind a [`Var`]: runtime-sized, two-dimensional, no tape.
///
/// # Examples
/// ```
/// use dfdx::prelude::TensorFromVec;
/// use flowppl::backend::Matrix;
/// use flowppl::prelude::*;
/// let dev = Cpu::default();
/// let t: Matrix<f32, Cpu> = dev.tensor_from_vec(vec![1.0, 2.0, 3.0], (1, 3));
/// let v = Var::constant(t);
/// assert_eq!(v.shape(), (1, 3));
/// assert_eq!(v.tensor().as_vec(), vec![1.0, 2.0, 3.0]);
/// ```
pub type Matrix<E, D> = Tensor<(usize, usize), E, D>;
/// The same tensor with a tape attached, as handed to recording closures.
pub(crate) type TapedMatrix<E, D> = Tensor<(usize, usize), E, D, OwnedTape<E, D>>;
/// The tape shared by every value of one graph.
pub(crate) type SharedTape<E, D> = Rc<RefCell<OwnedTape<E, D>>>;

static NEXT_UID: AtomicU64 = AtomicU64::new(1);

/// A fresh identity for a newly created tensor; used to detect `x op x`.
pub(crate) fn fresh_uid() -> u64 {
    NEXT_UID.fetch_add(1, Ordering::Relaxed)
}

/// A two-dimensional value, constant or recorded on a [`Graph`] for differentiation.
///
/// ```
/// use flowppl::prelude::*;
/// let dev = Cpu::default();
/// let graph = Graph::<f32, Cpu>::new(&dev);
/// let x = graph.watch(&Var::from_rows(&dev, &[[1.0f32, 2.0]]).unwrap());
/// let y = (&x * &x).sum(); // x used twice: fine
/// let mut grads = y.backward().unwrap();
/// assert_eq!(grads.of(&x).unwrap(), vec![2.0, 4.0]);
/// ```
pub struct Var<E: Real = f32, D: Backend<E> = Cpu> {
    pub(crate) value: Matrix<E, D>,
    pub(crate) tape: Option<SharedTape<E, D>>,
    pub(crate) uid: u64,
    /// The first error of the computation that produced this value, if any (see module docs).
    pub(crate) poison: Option<Arc<Error>>,
    /// The same values in host memory (row-major), kept for constants made from host data on
    /// host-buffer devices so fused kernels can read them without a copy; `None` otherwise.
    pub(crate) host: Option<Arc<HostMirror<E>>>,
}

impl<E: Real, D: Backend<E>> Clone for Var<E, D> {
    fn clone(&self) -> Self {
        Var {
            value: self.value.clone(),
            tape: self.tape.clone(),
            uid: self.uid,
            poison: self.poison.clone(),
            host: self.host.clone(),
        }
    }
}

impl<E: Real, D: Backend<E>> std::fmt::Debug for Var<E, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (rows, columns) = self.shape();
        let values = self.to_vec();
        let shown: Vec<E> = values.iter().copied().take(8).collect();
        f.debug_struct("Var")
            .field("shape", &(rows, columns))
            .field("recorded", &self.is_recorded())
            .field("values", &shown)
            .finish()
    }
}

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// Wraps a constant tensor.
    ///
    /// # Examples
    /// ```
    /// use dfdx::prelude::TensorFromVec;
    /// use flowppl::prelude::*;
    /// let dev = Cpu::default();
    /// let v = Var::constant(dev.tensor_from_vec(vec![1.0f32, 2.0, 3.0, 4.0], (2, 2)));
    /// assert_eq!(v.shape(), (2, 2));
    /// assert_eq!(v.to_vec(), vec![1.0, 2.0, 3.0, 4.0]);
    /// assert!(!v.is_recorded());
    /// ```
    pub fn constant(value: Matrix<E, D>) -> Self {
        Var {
            value,
            tape: None,
            uid: fresh_uid(),
            poison: None,
            host: None,
        }
    }

    /// A constant from row-major host data.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when `data.len() != rows * columns`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let v = Var::<f32, Cpu>::from_vec(&dev, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3)?;
    /// assert_eq!(v.shape(), (2, 3));
    /// assert_eq!(v.slice_rows(1, 2)?.to_vec(), vec![4.0, 5.0, 6.0]); // row-major
    /// let short = Var::<f32, Cpu>::from_vec(&dev, vec![1.0, 2.0], 2, 3);
    /// assert!(matches!(short, Err(Error::InvalidShape { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_vec(device: &D, data: Vec<E>, rows: usize, columns: usize) -> Result<Self> {
        if data.len() != rows * columns {
            return Err(Error::invalid_shape(
                "Var::from_vec",
                format!(
                    "{} values cannot fill a {rows}x{columns} matrix",
                    data.len()
                ),
            ));
        }
        Ok(Self::constant(
            device.tensor_from_vec(data, (rows, columns)),
        ))
    }

    /// A constant from row-major host data that also keeps the data as its host mirror on
    /// host-buffer devices (for fused kernels; see [`HostMirror`]).
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when the sizes disagree.
    pub(crate) fn constant_with_mirror(
        device: &D,
        data: Vec<E>,
        rows: usize,
        columns: usize,
    ) -> Result<Self> {
        let mirror = D::HOST_BUFFERS.then(|| HostMirror::new(data.clone(), rows, columns));
        let mut value = Self::from_vec(device, data, rows, columns)?;
        value.host = mirror;
        Ok(value)
    }

    /// A constant from host rows of equal length.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when the rows differ in length or there are none.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let v = Var::<f32, Cpu>::from_rows(&dev, &[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
    /// assert_eq!(v.shape(), (2, 3));
    /// assert_eq!(v.to_vec(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    /// let ragged: [&[f32]; 2] = [&[1.0, 2.0], &[3.0]];
    /// assert!(Var::<f32, Cpu>::from_rows(&dev, &ragged).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_rows<R: AsRef<[E]>>(device: &D, rows: &[R]) -> Result<Self> {
        let columns = rows.first().map(|r| r.as_ref().len()).unwrap_or(0);
        if rows.is_empty() || rows.iter().any(|r| r.as_ref().len() != columns) {
            return Err(Error::invalid_shape(
                "Var::from_rows",
                "rows must be non-empty and of equal length",
            ));
        }
        let data: Vec<E> = rows
            .iter()
            .flat_map(|r| r.as_ref().iter().copied())
            .collect();
        Self::from_vec(device, data, rows.len(), columns)
    }

    /// A `(1, 1)` constant.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let s = Var::<f64, Cpu>::scalar(&dev, 2.5);
    /// assert_eq!(s.shape(), (1, 1));
    /// assert_eq!(s.item()?, 2.5);
    /// # Ok(())
    /// # }
    /// ```
    pub fn scalar(device: &D, value: f64) -> Self {
        Self::constant(device.tensor_from_vec(vec![real(value)], (1, 1)))
    }

    /// A constant filled with one value.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let dev = Cpu::default();
    /// let v = Var::<f32, Cpu>::full(&dev, 2, 3, 0.5);
    /// assert_eq!(v.shape(), (2, 3));
    /// assert_eq!(v.to_vec(), vec![0.5; 6]);
    /// ```
    pub fn full(device: &D, rows: usize, columns: usize, value: f64) -> Self {
        Self::constant(device.tensor_from_vec(vec![real(value); rows * columns], (rows, columns)))
    }

    /// A constant of zeros.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let dev = Cpu::default();
    /// let v = Var::<f32, Cpu>::zeros(&dev, 3, 2);
    /// assert_eq!(v.shape(), (3, 2));
    /// assert!(v.to_vec().iter().all(|&x| x == 0.0));
    /// ```
    pub fn zeros(device: &D, rows: usize, columns: usize) -> Self {
        Self::full(device, rows, columns, 0.0)
    }

    /// The `n x n` identity matrix.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let eye = Var::<f64, Cpu>::identity(&dev, 2);
    /// assert_eq!(eye.to_vec(), vec![1.0, 0.0, 0.0, 1.0]);
    /// let a = Var::from_rows(&dev, &[[1.0, 2.0], [3.0, 4.0]])?;
    /// assert_eq!(a.matmul(&eye)?.to_vec(), a.to_vec());
    /// # Ok(())
    /// # }
    /// ```
    pub fn identity(device: &D, n: usize) -> Self {
        let mut data = vec![E::zero(); n * n];
        for i in 0..n {
            data[i * n + i] = E::one();
        }
        Self::constant(device.tensor_from_vec(data, (n, n)))
    }

    /// `(rows, columns)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let v = Var::<f32, Cpu>::zeros(&dev, 4, 3);
    /// assert_eq!(v.shape(), (4, 3));
    /// assert_eq!(v.transpose().shape(), (3, 4));
    /// assert_eq!(v.sum().shape(), (1, 1));
    /// # Ok(())
    /// # }
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        *self.value.shape()
    }

    /// Number of rows.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let dev = Cpu::default();
    /// let v = Var::<f32, Cpu>::zeros(&dev, 4, 3);
    /// assert_eq!(v.rows(), 4);
    /// assert_eq!(v.sum_rows().rows(), 1);
    /// ```
    pub fn rows(&self) -> usize {
        self.shape().0
    }

    /// Number of columns.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let dev = Cpu::default();
    /// let v = Var::<f32, Cpu>::zeros(&dev, 4, 3);
    /// assert_eq!(v.columns(), 3);
    /// assert_eq!(v.sum_columns().columns(), 1);
    /// ```
    pub fn columns(&self) -> usize {
        self.shape().1
    }

    /// Number of entries, `rows * columns` (for a `(1, n)` data vector, `n`).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let dev = Cpu::default();
    /// assert_eq!(Var::<f32, Cpu>::zeros(&dev, 4, 3).len(), 12);
    /// assert_eq!(Var::<f32, Cpu>::zeros(&dev, 1, 5).len(), 5);
    /// ```
    pub fn len(&self) -> usize {
        self.rows() * self.columns()
    }

    /// Whether the value has no entries.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let dev = Cpu::default();
    /// assert!(Var::<f32, Cpu>::zeros(&dev, 0, 3).is_empty());
    /// assert!(!Var::<f32, Cpu>::scalar(&dev, 0.0).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether this value is recorded on a graph (and so can carry gradients).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let dev = Cpu::default();
    /// let constant = Var::<f32, Cpu>::scalar(&dev, 1.0);
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&constant);
    /// assert!(!constant.is_recorded());
    /// assert!(x.is_recorded() && x.exp().is_recorded()); // descendants are recorded too
    /// assert!(!x.detach().is_recorded());
    /// ```
    pub fn is_recorded(&self) -> bool {
        self.tape.is_some()
    }

    /// The device the value lives on.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let x = Var::<f64, Cpu>::from_vec(&Cpu::default(), vec![1.0, 2.0], 1, 2)?;
    /// let ones = Var::full(&x.device(), 1, 2, 1.0); // a value on the same device
    /// assert_eq!(x.add(&ones)?.to_vec(), vec![2.0, 3.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn device(&self) -> D {
        self.value.device().clone()
    }

    /// The values, row-major, copied to the host.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let v = Var::<f32, Cpu>::from_rows(&dev, &[[1.0, 2.0], [3.0, 4.0]])?;
    /// assert_eq!(v.to_vec(), vec![1.0, 2.0, 3.0, 4.0]);
    /// assert_eq!(v.transpose().to_vec(), vec![1.0, 3.0, 2.0, 4.0]); // row-major of the result
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_vec(&self) -> Vec<E> {
        if let Some(host) = &self.host {
            return host.values.clone();
        }
        crate::backend::host_copy(&self.value)
    }

    /// The values widened to `f64`, row-major.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let v = Var::<f32, Cpu>::from_vec(&dev, vec![0.5, 0.1], 1, 2)?;
    /// let wide = v.to_f64_vec();
    /// assert_eq!(wide[0], 0.5);
    /// assert_eq!(wide[1], 0.1f32 as f64); // the f32 value, widened exactly
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_f64_vec(&self) -> Vec<f64> {
        self.to_vec().into_iter().map(Real::to_f64).collect()
    }

    /// The single value of a `(1, 1)` `Var`.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when the value is not `(1, 1)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let v = Var::<f64, Cpu>::from_vec(&dev, vec![1.0, 2.0, 3.0], 1, 3)?;
    /// assert_eq!(v.sum().item()?, 6.0);
    /// assert!(matches!(v.item(), Err(Error::InvalidShape { .. }))); // not (1, 1)
    /// # Ok(())
    /// # }
    /// ```
    pub fn item(&self) -> Result<E> {
        if self.shape() != (1, 1) {
            return Err(Error::invalid_shape(
                "Var::item",
                format!("expected a (1, 1) value, found {:?}", self.shape()),
            ));
        }
        Ok(self.to_vec()[0])
    }

    /// The same values cut off from the graph: gradients do not flow through the result.
    ///
    /// The result is a fresh tensor (one device copy): dfdx keys gradients by tensor id and its
    /// binary ops accumulate into *both* operands' ids, so a detached view sharing the original's
    /// id would still leak gradient into it (into a parameter, when detaching one).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![3.0], 1, 1)?);
    /// let y = &x * &x.detach(); // the second factor is a constant
    /// assert_eq!(y.item()?, 9.0);
    /// assert_eq!(y.backward()?.of(&x)?, vec![3.0]); // not 2x = 6
    /// # Ok(())
    /// # }
    /// ```
    pub fn detach(&self) -> Self {
        Var {
            value: self.value.clone() * E::one(),
            tape: None,
            uid: fresh_uid(),
            poison: self.poison.clone(),
            host: None,
        }
    }

    /// `Ok(self)` unless an earlier operator failed (see the module docs), in which case that
    /// error.
    ///
    /// # Errors
    /// The first error of the computation that produced this value.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let a = Var::<f64, Cpu>::zeros(&dev, 2, 3);
    /// let b = Var::<f64, Cpu>::zeros(&dev, 3, 2);
    /// assert!(a.check().is_ok());
    /// let bad = (&a + &b).exp(); // operators never panic; the error travels along
    /// assert!(matches!(bad.check(), Err(Error::ShapeMismatch { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn check(&self) -> Result<&Self> {
        match &self.poison {
            None => Ok(self),
            Some(error) => Err(error.duplicate()),
        }
    }

    /// Whether an earlier operator failed (see [`Var::check`]).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let dev = Cpu::default();
    /// let a = Var::<f64, Cpu>::zeros(&dev, 2, 3);
    /// let b = Var::<f64, Cpu>::zeros(&dev, 3, 2);
    /// assert!(!(&a + &a).is_poisoned());
    /// assert!((&a * &b).sum().is_poisoned());
    /// ```
    pub fn is_poisoned(&self) -> bool {
        self.poison.is_some()
    }

    /// This value marked with `error`; used by the infallible operators.
    pub(crate) fn poisoned(&self, error: Error) -> Self {
        Var {
            poison: Some(self.poison.clone().unwrap_or_else(|| Arc::new(error))),
            ..self.clone()
        }
    }

    /// The underlying dfdx tensor (no tape).
    ///
    /// # Examples
    /// ```
    /// use dfdx::prelude::HasShape;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let v = Var::<f32, Cpu>::from_rows(&dev, &[[1.0, 2.0, 3.0]])?;
    /// let t = v.tensor();
    /// assert_eq!(*t.shape(), (1, 3));
    /// assert_eq!(t.as_vec(), vec![1.0, 2.0, 3.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn tensor(&self) -> &Matrix<E, D> {
        &self.value
    }

    /// Records a one-input operation. `op` receives the tensor with a fresh tape and returns the
    /// result; its backward steps are appended to this value's graph (or dropped for constants).
    pub(crate) fn record(&self, op: impl FnOnce(TapedMatrix<E, D>) -> TapedMatrix<E, D>) -> Self {
        let output = op(self.value.clone().put_tape(OwnedTape::default()));
        Self::finish(output, self.tape.clone(), self.poison.clone())
    }

    /// Records a two-input operation on operands of identical shape. The left operand carries the
    /// tape; dfdx still routes the gradient to the right one because both are leaves by id.
    pub(crate) fn record_pair(
        operation: &'static str,
        left: &Self,
        right: &Self,
        op: impl FnOnce(TapedMatrix<E, D>, Matrix<E, D>) -> TapedMatrix<E, D>,
    ) -> Result<Self> {
        left.check()?;
        right.check()?;
        let tape = Self::common_tape(operation, left, right)?;
        // `x op x`: dfdx's backward asserts the two operand ids differ, so copy one side.
        let right_value = if left.uid == right.uid && tape.is_some() {
            let copy = Var {
                tape: tape.clone(),
                ..right.clone()
            }
            .record(|t| t * E::one());
            copy.value
        } else {
            right.value.clone()
        };
        let output = op(
            left.value.clone().put_tape(OwnedTape::default()),
            right_value,
        );
        Ok(Self::finish(output, tape, None))
    }

    /// Records an operation on any number of inputs (all must share one graph).
    pub(crate) fn record_many(
        operation: &'static str,
        inputs: &[&Self],
        op: impl FnOnce(Vec<TapedMatrix<E, D>>) -> TapedMatrix<E, D>,
    ) -> Result<Self> {
        let tape = crate::backend::ops::kernel_graph::shared_tape(operation, inputs)?;
        let mut seen = std::collections::HashSet::new();
        let taped: Vec<TapedMatrix<E, D>> = inputs
            .iter()
            .map(|input| {
                // Copy repeated inputs so no two operands share a tensor id.
                if seen.insert(input.uid) || tape.is_none() {
                    input.value.clone().put_tape(OwnedTape::default())
                } else {
                    let copy = Var {
                        tape: tape.clone(),
                        ..(*input).clone()
                    }
                    .record(|t| t * E::one());
                    copy.value.put_tape(OwnedTape::default())
                }
            })
            .collect();
        Ok(Self::finish(op(taped), tape, None))
    }

    fn common_tape(
        operation: &'static str,
        left: &Self,
        right: &Self,
    ) -> Result<Option<SharedTape<E, D>>> {
        match (&left.tape, &right.tape) {
            (Some(a), Some(b)) if !Rc::ptr_eq(a, b) => Err(Error::GraphMismatch { operation }),
            (Some(a), _) => Ok(Some(a.clone())),
            (None, b) => Ok(b.clone()),
        }
    }

    fn finish(
        output: TapedMatrix<E, D>,
        tape: Option<SharedTape<E, D>>,
        poison: Option<Arc<Error>>,
    ) -> Self {
        let (value, recorded) = output.split_tape();
        if let Some(shared) = &tape {
            let mut slot = shared.borrow_mut();
            let existing = std::mem::take(&mut *slot);
            *slot = dfdx::prelude::Merge::merge(existing, recorded);
        }
        Var {
            value,
            tape,
            uid: fresh_uid(),
            poison,
            host: None,
        }
    }
}

impl<E: Real, D: Backend<E>> From<&Var<E, D>> for Var<E, D> {
    fn from(v: &Var<E, D>) -> Self {
        v.clone()
    }
}
