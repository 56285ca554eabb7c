//! The optimizer interface.

use super::store::ParamStore;
use crate::backend::{Backend, Gradients, Matrix, Real};
use crate::error::{Error, Result};
use dfdx::prelude::{Axes2, SumTo};

/// Something that updates a [`ParamStore`] from gradients.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
/// store.insert("p", 1, 1, &[0.0])?;
/// let mut opt = Sgd::<f64, Cpu>::new(0.1)?;
/// let graph = Graph::new(store.device());
/// let p = store.var(&graph, "p")?;
/// let mut grads = (&p - 1.0).square().sum().backward()?;
/// opt.step(&mut store, &mut grads)?; // p -= 0.1 * 2 (p - 1)
/// assert!((store.values("p")?[0] - 0.2).abs() < 1e-12);
/// assert_eq!(opt.steps_taken(), 1);
/// # Ok(())
/// # }
/// ```
pub trait Optimizer<E: Real, D: Backend<E>> {
    /// One update of every parameter in `store`.
    ///
    /// Gradients are checked first: if any is NaN or infinite, nothing is updated and
    /// [`Error::NonFinite`] names the parameter.
    ///
    /// # Errors
    /// [`Error::NonFinite`] as above; backend errors.
    fn step(&mut self, store: &mut ParamStore<E, D>, grads: &mut Gradients<E, D>) -> Result<()>;

    /// The learning rate the next step will use (after the schedule).
    fn learning_rate(&self) -> f64;

    /// Number of steps taken so far.
    fn steps_taken(&self) -> u64;

    /// The step count and running buffers, for a checkpoint.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an optimizer that cannot be checkpointed (the default).
    fn state(&self) -> Result<super::OptimizerState> {
        Err(Error::InvalidConfig {
            what: "optimizer checkpoint".into(),
            message: "this optimizer cannot save its state (Adam and SGD can)".into(),
        })
    }

    /// Continues from a [`state`](Self::state) (buffers are created on `device`).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for another optimizer's state or an optimizer that cannot be
    /// checkpointed.
    fn restore_state(&mut self, state: &super::OptimizerState, device: &D) -> Result<()> {
        let _ = (state, device);
        Err(Error::InvalidConfig {
            what: "optimizer checkpoint".into(),
            message: "this optimizer cannot restore a state (Adam and SGD can)".into(),
        })
    }
}

/// Every parameter's gradient, after checking they are all finite.
pub(crate) fn finite_gradients<E: Real, D: Backend<E>>(
    store: &ParamStore<E, D>,
    grads: &mut Gradients<E, D>,
) -> Result<Vec<Matrix<E, D>>> {
    let gradients = store.gradient_tensors(grads)?;
    for (name, g) in store.names().zip(&gradients) {
        // NaN and infinities survive a sum (inf - inf is NaN), so one reduction suffices.
        let total = g.clone().sum::<(), Axes2<0, 1>>().as_vec()[0];
        if !total.is_finite() {
            return Err(Error::NonFinite {
                what: format!("the gradient of parameter `{name}` (no parameter was updated)"),
            });
        }
    }
    Ok(gradients)
}
