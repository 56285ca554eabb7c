//! Host copies of tensors by one block copy.
//!
//! dfdx's `as_vec` walks every entry through a strided index iterator, a few nanoseconds per
//! entry; on the T1 and T4 steps that was several percent of the time. A tensor with standard
//! (row-major) strides holds exactly its entries in order, so it can be copied as one block
//! (`copy_into`); any other layout (a broadcast or transposed view) is first made contiguous,
//! which is the same walk `as_vec` would do.

use super::device::Backend;
use super::real::Real;
use super::var::{Matrix, Var};
use dfdx::prelude::{HasShape, ReshapeTo};

/// The entries of `v` on the host (row-major): its host mirror when it has one (no copy), a
/// [`host_copy`] of its tensor otherwise.
pub(crate) fn host_values<E: Real, D: Backend<E>>(v: &Var<E, D>) -> std::borrow::Cow<'_, [E]> {
    match &v.host {
        Some(mirror) => std::borrow::Cow::Borrowed(mirror.values.as_slice()),
        None => std::borrow::Cow::Owned(host_copy(&v.value)),
    }
}

/// A value's entries kept on the host for a later backward step: its host mirror, shared, or a
/// [`host_copy`] of its tensor.
pub(crate) enum HostSnapshot<E> {
    /// The value's own mirror (no copy).
    Mirror(std::sync::Arc<super::var::HostMirror<E>>),
    /// A copy of the tensor.
    Copy(Vec<E>),
}

impl<E: Real> HostSnapshot<E> {
    /// The entries of `v`, row-major.
    pub(crate) fn of<D: Backend<E>>(v: &Var<E, D>) -> Self {
        match &v.host {
            Some(mirror) => HostSnapshot::Mirror(mirror.clone()),
            None => HostSnapshot::Copy(host_copy(&v.value)),
        }
    }

    /// The entries, row-major.
    pub(crate) fn values(&self) -> &[E] {
        match self {
            HostSnapshot::Mirror(mirror) => &mirror.values,
            HostSnapshot::Copy(values) => values,
        }
    }
}

/// The entries of `tensor`, row-major, on the host.
pub(crate) fn host_copy<E: Real, D: Backend<E>>(tensor: &Matrix<E, D>) -> Vec<E> {
    let (rows, columns) = *tensor.shape();
    // Free (shares the buffer) when the strides are already standard.
    let contiguous = tensor.clone().contiguous();
    let mut values = vec![E::default(); rows * columns];
    contiguous.copy_into(&mut values);
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{Cpu, Var};
    use dfdx::prelude::{BroadcastTo, PermuteTo, TensorFromVec};

    #[test]
    fn views_are_copied_in_logical_order() {
        let device = Cpu::default();
        let t: Matrix<f32, Cpu> =
            device.tensor_from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], (2, 3));
        assert_eq!(host_copy(&t), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let transposed: Matrix<f32, Cpu> = t.clone().permute::<_, dfdx::shapes::Axes2<1, 0>>();
        assert_eq!(host_copy(&transposed), transposed.as_vec());
        let row: dfdx::prelude::Tensor<(usize,), f32, Cpu> =
            device.tensor_from_vec(vec![7.0, 8.0, 9.0], (3,));
        let broadcast: Matrix<f32, Cpu> = row.broadcast_like::<_, dfdx::shapes::Axis<0>>(&(2, 3));
        assert_eq!(host_copy(&broadcast), vec![7.0, 8.0, 9.0, 7.0, 8.0, 9.0]);
        let v = Var::<f32, Cpu>::from_vec(&device, vec![1.0, 2.0], 1, 2).unwrap();
        assert_eq!(v.to_vec(), vec![1.0, 2.0]);
    }
}
