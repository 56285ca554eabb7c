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
pub struct Graph<E: Real, D: Backend<E>> {
    tape: SharedTape<E, D>,
    device: D,
}

impl<E: Real, D: Backend<E>> Graph<E, D> {
    /// An empty graph on `device`.
    pub fn new(device: &D) -> Self {
        Graph {
            tape: Rc::new(RefCell::new(OwnedTape::default())),
            device: device.clone(),
        }
    }

    /// The device values of this graph live on.
    pub fn device(&self) -> &D {
        &self.device
    }

    /// Starts recording `value`: the result is the same value, and its gradient can be read with
    /// [`Gradients::of`] after backward.
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
    /// [`ParamStore`](crate::params::ParamStore) keeps one per parameter).
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
pub struct Gradients<E: Real, D: Backend<E>> {
    inner: dfdx::prelude::Gradients<E, D>,
}

impl<E: Real, D: Backend<E>> Gradients<E, D> {
    /// The gradient with respect to a watched value, copied to the host (row-major). A value that
    /// did not influence the output has a zero gradient.
    ///
    /// # Errors
    /// [`Error::Backend`] when the device fails to allocate.
    pub fn of(&mut self, var: &Var<E, D>) -> Result<Vec<E>> {
        Ok(crate::backend::host_copy(&self.of_tensor(&var.value)?))
    }

    /// The gradient with respect to a leaf tensor, as a tensor on the device.
    ///
    /// # Errors
    /// [`Error::Backend`] when the device fails to allocate.
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
