//! The device bound and device construction.
//!
//! All library code is written against `D: Backend<E>`; the CPU is the default and CUDA is
//! available with `--features cuda`.

use super::real::Real;
#[cfg(feature = "cuda")]
use crate::error::Error;
use crate::error::Result;

/// The CPU device (the default).
pub use dfdx::tensor::Cpu;

/// The CUDA device (with `--features cuda`).
#[cfg(feature = "cuda")]
pub use dfdx::tensor::Cuda;

/// A compute device for element type `E`: everything dfdx's `Device<E>` offers, cloneable
/// (clones share the device) and `'static`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // Generic code names the device by this bound and opens it when it has none to follow.
/// fn ones<D: Backend<f32>>() -> flowppl::Result<Var<f32, D>> {
///     Ok(Var::full(&D::open()?, 2, 3, 1.0))
/// }
/// let v = ones::<Cpu>()?;
/// assert_eq!(v.shape(), (2, 3));
/// assert_eq!(v.sum().item()?, 6.0);
/// assert!(<Cpu as Backend<f32>>::HOST_BUFFERS);
/// # Ok(())
/// # }
/// ```
pub trait Backend<E: Real>:
    dfdx::tensor_ops::Device<E> + dfdx::tensor::Cache + Clone + std::fmt::Debug + 'static
{
    /// The device used for values that have no other device to follow (for example the draws of
    /// a distribution whose parameters are all plain numbers). On the CPU this is
    /// `Cpu::default()`; on CUDA, GPU 0, opened once per process. Fails (without panicking) when
    /// no GPU is present.
    ///
    /// # Errors
    /// [`Error::Backend`](crate::Error::Backend) when the device cannot be opened.
    fn open() -> Result<Self>;

    /// Whether the device's buffers live in host memory, so that fused host kernels
    /// ([`crate::backend::ops::fused`]) can read and write them (the CPU; not CUDA).
    const HOST_BUFFERS: bool = false;

    /// A device buffer as a host slice, where [`Backend::HOST_BUFFERS`] holds; `None` elsewhere.
    fn host_buffer_mut(buffer: &mut <Self as dfdx::tensor::Storage<E>>::Vec) -> Option<&mut [E]> {
        let _ = buffer;
        None
    }

    /// Turns on dfdx's allocation cache: freed buffers are reused instead of returned to the
    /// allocator. It pays for tensors above about 10 000 entries (glibc otherwise trims and
    /// re-faults the heap every step, making large backward passes several times slower) and
    /// costs a little for tiny ones (`notes/dfdx-speed.md`).
    fn enable_allocation_cache(&self) {
        dfdx::tensor::Cache::enable_cache(self);
    }
}

impl<E: Real> Backend<E> for Cpu
where
    Cpu: dfdx::tensor_ops::Device<E>,
    <Cpu as dfdx::tensor::Storage<E>>::Vec: std::ops::DerefMut<Target = Vec<E>>,
{
    fn open() -> Result<Self> {
        Ok(Cpu::default())
    }

    const HOST_BUFFERS: bool = true;

    fn host_buffer_mut(buffer: &mut <Self as dfdx::tensor::Storage<E>>::Vec) -> Option<&mut [E]> {
        Some(std::ops::DerefMut::deref_mut(buffer).as_mut_slice())
    }
}

#[cfg(feature = "cuda")]
impl<E: Real> Backend<E> for Cuda
where
    Cuda: dfdx::tensor_ops::Device<E>,
{
    fn open() -> Result<Self> {
        // Opening a CUDA context is expensive: share one per thread (`Cuda` is not `Send`).
        thread_local! {
            static SHARED: std::cell::RefCell<Option<Cuda>> = const { std::cell::RefCell::new(None) };
        }
        SHARED.with(|slot| {
            let mut slot = slot.borrow_mut();
            if let Some(device) = slot.as_ref() {
                return Ok(device.clone());
            }
            let device = Cuda::try_build(0, 0)
                .map_err(|e| Error::Backend(format!("cannot open CUDA device 0: {e:?}")))?;
            *slot = Some(device.clone());
            Ok(device)
        })
    }
}

/// The device the test suite runs on: the CPU, or CUDA when built with `--features cuda`.
///
/// # Examples
/// ```
/// use flowppl::backend::{Backend, TestDevice, Var};
/// # fn main() -> flowppl::Result<()> {
/// let dev = <TestDevice as Backend<f64>>::open()?;
/// let v = Var::<f64, TestDevice>::from_vec(&dev, vec![1.0, 2.0], 1, 2)?;
/// assert_eq!(v.mul_scalar(3.0).to_vec(), vec![3.0, 6.0]);
/// # Ok(())
/// # }
/// ```
#[cfg(not(feature = "cuda"))]
pub type TestDevice = Cpu;
/// The device the test suite runs on: the CPU, or CUDA when built with `--features cuda`.
///
/// # Examples
/// ```
/// use flowppl::backend::{Backend, TestDevice, Var};
/// # fn main() -> flowppl::Result<()> {
/// let dev = <TestDevice as Backend<f64>>::open()?;
/// let v = Var::<f64, TestDevice>::from_vec(&dev, vec![1.0, 2.0], 1, 2)?;
/// assert_eq!(v.mul_scalar(3.0).to_vec(), vec![3.0, 6.0]);
/// # Ok(())
/// # }
/// ```
#[cfg(feature = "cuda")]
pub type TestDevice = Cuda;
