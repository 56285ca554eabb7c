//! [`Graph`]: the recording context of one differentiation, and the [`Gradients`] it yields.

use super::{Matrix, SharedTape, Var};
use crate::backend::device::Backend;
use crate::backend::real::Real;
use crate::error::{Error, Result};
use dfdx::prelude::{OwnedTape, PutTape, SumTo};
use std::cell::RefCell;
use std::rc::Rc;

/// The recording context of one forward/backward pass.
///
/// Values enter a graph through [`Graph::watch`] (a constant whose gradient you want) or
/// [`Graph::leaf`] (a parameter tensor, whose gradient is stored under the tensor's identity).
/// Everything computed from them is recorded; [`Var::backward`] on a `(1, 1)` result then
/// returns the gradients. A graph is used for one backward pass: make a new one each step.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let graph = Graph::<f64, Cpu>::new(&dev);
/// let x = graph.watch(&Var::from_vec(&dev, vec![1.0, 2.0], 1, 2)?);
/// let loss = (&x * &x).sum().mul_scalar(0.5); // x . x / 2
/// let mut grads = loss.backward()?;
/// assert_eq!(grads.of(&x)?, vec![1.0, 2.0]);
/// # Ok(())
/// # }
/// ```
pub struct Graph<E: Real, D: Backend<E>> {
    tape: SharedTape<E, D>,
    device: D,
}

impl<E: Real, D: Backend<E>> Graph<E, D> {
    /// An empty graph on `device`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::<f64, Cpu>::new(&dev);
    /// let x = graph.watch(&Var::scalar(&dev, 3.0));
    /// let mut grads = x.powi(2).backward()?;
    /// assert_eq!(grads.of(&x)?, vec![6.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(device: &D) -> Self {
        Graph {
            tape: Rc::new(RefCell::new(OwnedTape::default())),
            device: device.clone(),
        }
    }

    /// The device values of this graph live on.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let graph = Graph::<f32, Cpu>::new(&Cpu::default());
    /// let x = graph.watch(&Var::full(graph.device(), 2, 3, 1.5));
    /// assert_eq!(x.shape(), (2, 3));
    /// assert_eq!(x.sum().item()?, 9.0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn device(&self) -> &D {
        &self.device
    }

    /// Starts recording `value`: the result is the same value, and its gradient can be read with
    /// [`Gradients::of`] after backward.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::<f64, Cpu>::new(&dev);
    /// let constant = Var::from_vec(&dev, vec![2.0, 5.0], 1, 2)?;
    /// let x = graph.watch(&constant);
    /// assert!(!constant.is_recorded() && x.is_recorded());
    /// assert_eq!(x.to_vec(), constant.to_vec()); // the same value
    /// let mut grads = x.mul_scalar(4.0).sum().backward()?;
    /// assert_eq!(grads.of(&x)?, vec![4.0, 4.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn watch(&self, value: &Var<E, D>) -> Var<E, D> {
        Var {
            value: value.value.clone(),
            tape: Some(self.tape.clone()),
            uid: value.uid,
            poison: value.poison.clone(),
            host: value.host.clone(),
        }
    }

    /// Records a parameter tensor. Its gradient is stored under the tensor's own identity, so
    /// [`Gradients::of_tensor`] finds it; `uid` must be stable for the tensor (the
    /// [`ParamStore`](crate::params::ParamStore) keeps one per parameter). The uid only tells
    /// `x op x` apart from `x op y` (the same uid on both sides costs one extra copy, never a
    /// wrong gradient); values created inside flowppl number upwards from 1, so a caller
    /// outside a store picks any large constant per tensor, as the example does.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let weights = Var::<f64, Cpu>::from_vec(&dev, vec![1.0, -2.0], 1, 2)?.tensor().clone();
    /// let graph = Graph::new(&dev);
    /// let w = graph.leaf(&weights, 1_000_001); // a uid kept for this parameter
    /// let mut grads = w.square().sum().backward()?;
    /// let gradient = Var::constant(grads.of_tensor(&weights)?);
    /// assert_eq!(gradient.to_vec(), vec![2.0, -4.0]); // 2 w
    /// # Ok(())
    /// # }
    /// ```
    pub fn leaf(&self, tensor: &Matrix<E, D>, uid: u64) -> Var<E, D> {
        Var {
            value: tensor.clone(),
            tape: Some(self.tape.clone()),
            uid,
            poison: None,
            host: None,
        }
    }
}

/// Gradients of one backward pass, keyed by the identity of the leaves.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let graph = Graph::<f64, Cpu>::new(&dev);
/// let a = graph.watch(&Var::scalar(&dev, 2.0));
/// let b = graph.watch(&Var::scalar(&dev, 3.0));
/// let mut grads: Gradients<f64, Cpu> = (&a * &b).backward()?;
/// assert_eq!((grads.of(&a)?, grads.of(&b)?), (vec![3.0], vec![2.0]));
/// # Ok(())
/// # }
/// ```
pub struct Gradients<E: Real, D: Backend<E>> {
    inner: dfdx::prelude::Gradients<E, D>,
}

impl<E: Real, D: Backend<E>> Gradients<E, D> {
    /// The gradient with respect to a watched value, copied to the host (row-major). A value that
    /// did not influence the output has a zero gradient.
    ///
    /// # Errors
    /// [`Error::Backend`] when the device fails to allocate.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::<f64, Cpu>::new(&dev);
    /// let used = graph.watch(&Var::from_vec(&dev, vec![1.0, 2.0], 1, 2)?);
    /// let unused = graph.watch(&Var::zeros(&dev, 1, 3));
    /// let mut grads = used.square().sum().backward()?;
    /// assert_eq!(grads.of(&used)?, vec![2.0, 4.0]);
    /// assert_eq!(grads.of(&unused)?, vec![0.0; 3]); // took no part
    /// # Ok(())
    /// # }
    /// ```
    pub fn of(&mut self, var: &Var<E, D>) -> Result<Vec<E>> {
        Ok(crate::backend::host_copy(&self.of_tensor(&var.value)?))
    }

    /// The gradient with respect to a leaf tensor, as a tensor on the device.
    ///
    /// # Errors
    /// [`Error::Backend`] when the device fails to allocate.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let tensor = Var::<f64, Cpu>::from_vec(&dev, vec![3.0], 1, 1)?.tensor().clone();
    /// let graph = Graph::new(&dev);
    /// let p = graph.leaf(&tensor, 1_000_002);
    /// let mut grads = p.exp().backward()?;
    /// let gradient = grads.of_tensor(&tensor)?.as_vec(); // stays a tensor until copied
    /// assert!((gradient[0] - 3f64.exp()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn of_tensor(&mut self, tensor: &Matrix<E, D>) -> Result<Matrix<E, D>> {
        // dfdx's `get` panics for a tensor that never took part; allocate zeros first.
        self.inner
            .get_or_alloc_mut(tensor)
            .map_err(|e| Error::Backend(format!("allocating a gradient: {e:?}")))?;
        Ok(self.inner.get(tensor))
    }

    /// The gradient of a leaf tensor copied straight from its host buffer (zeros if it took no
    /// part), or `None` on devices without host buffers.
    ///
    /// # Errors
    /// [`Error::Backend`] when the device fails to allocate.
    pub(crate) fn host_values(&mut self, tensor: &Matrix<E, D>) -> Result<Option<Vec<E>>> {
        let buffer = self
            .inner
            .get_or_alloc_mut(tensor)
            .map_err(|e| Error::Backend(format!("allocating a gradient: {e:?}")))?;
        Ok(D::host_buffer_mut(buffer).map(|values| values.to_vec()))
    }
}

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// Back-propagates from this `(1, 1)` value and returns the gradients of every leaf.
    ///
    /// The graph's recorded steps are consumed: values of the same graph cannot be
    /// differentiated again.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] unless the value is `(1, 1)`; [`Error::NotRecorded`] for a
    /// constant; the error of a failed operator if the value is poisoned.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::<f64, Cpu>::new(&dev);
    /// let x = graph.watch(&Var::from_vec(&dev, vec![1.0, 2.0], 1, 2)?);
    /// assert_eq!(x.sum().backward()?.of(&x)?, vec![1.0, 1.0]);
    /// assert!(matches!(x.backward(), Err(Error::InvalidShape { .. }))); // not (1, 1)
    /// let constant = Var::<f64, Cpu>::scalar(&dev, 1.0);
    /// assert!(matches!(constant.backward(), Err(Error::NotRecorded)));
    /// # Ok(())
    /// # }
    /// ```
    pub fn backward(&self) -> Result<Gradients<E, D>> {
        self.check()?;
        if self.shape() != (1, 1) {
            return Err(Error::invalid_shape(
                "backward",
                format!(
                    "the output must be (1, 1), found {:?}; reduce it with sum() or mean() first",
                    self.shape()
                ),
            ));
        }
        let shared = self.tape.as_ref().ok_or(Error::NotRecorded)?;
        let tape = std::mem::take(&mut *shared.borrow_mut());
        let scalar = self
            .value
            .clone()
            .put_tape(tape)
            .sum::<(), dfdx::prelude::Axes2<0, 1>>();
        let inner = dfdx::prelude::Backward::backward(scalar);
        Ok(Gradients { inner })
    }
}
