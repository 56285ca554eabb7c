//! [`OptimizerState`]: an optimizer's step count and running buffers on the host, so that a
//! checkpointed training run continues exactly.

use super::snapshot::SnapshotEntry;
use crate::backend::{real, Backend, Matrix, Real};
use crate::error::{Error, Result};
use dfdx::shapes::HasShape;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The serialisable state of an optimizer.
///
/// # Examples
/// ```
/// # use flowppl::prelude::*;
/// # fn step(
/// #     opt: &mut impl Optimizer<f64, Cpu>,
/// #     store: &mut ParamStore<f64, Cpu>,
/// # ) -> flowppl::Result<()> {
/// #     let graph = Graph::new(store.device());
/// #     let p = store.var(&graph, "p")?;
/// #     let mut grads = (&p - 1.0).square().sum().backward()?;
/// #     opt.step(store, &mut grads)
/// # }
/// # fn main() -> flowppl::Result<()> {
/// # let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
/// // `step` takes one optimizer step on the loss (p - 1)^2, whose gradient is 2 (p - 1).
/// use flowppl::params::OptimizerState;
/// store.insert("p", 1, 1, &[0.0])?;
/// let mut adam = Adam::<f64, Cpu>::new(0.1)?;
/// step(&mut adam, &mut store)?;
/// let state: OptimizerState = adam.state()?;
/// assert_eq!((state.kind.as_str(), state.steps), ("adam", 1));
/// let names: Vec<&str> = state.buffers.iter().map(|b| b.name.as_str()).collect();
/// assert_eq!(names, ["p/m", "p/v"]);
/// let mut resumed = Adam::<f64, Cpu>::new(0.1)?;
/// resumed.restore_state(&state, &Cpu::default())?;
/// assert_eq!(resumed.steps_taken(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizerState {
    /// Which optimizer wrote it (`adam`, `sgd`).
    pub kind: String,
    /// Steps taken.
    pub steps: u64,
    /// Running buffers, named `parameter/buffer` (`loc/m`, `loc/v` for Adam), sorted by name.
    pub buffers: Vec<SnapshotEntry>,
}

/// `(buffer name, tensor)` pairs copied to the host, sorted by name.
pub(crate) fn buffers_to_host<'a, E: Real, D: Backend<E>>(
    tensors: impl Iterator<Item = (String, &'a Matrix<E, D>)>,
) -> Vec<SnapshotEntry> {
    let mut entries: Vec<SnapshotEntry> = tensors
        .map(|(name, tensor)| {
            let (rows, columns) = *tensor.shape();
            SnapshotEntry {
                name,
                rows,
                columns,
                values: tensor.as_vec().into_iter().map(|v| v.to_f64()).collect(),
            }
        })
        .collect();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
}

/// The buffers of `state` as device tensors keyed by name, after checking the kind.
///
/// # Errors
/// [`Error::InvalidConfig`] for another optimizer's state or a buffer whose values do not fit
/// its shape or are not finite.
pub(crate) fn buffers_to_device<E: Real, D: Backend<E>>(
    state: &OptimizerState,
    kind: &str,
    device: &D,
) -> Result<HashMap<String, Matrix<E, D>>> {
    if state.kind != kind {
        return Err(Error::InvalidConfig {
            what: "optimizer state".into(),
            message: format!(
                "written by `{}`, cannot restore `{kind}` from it",
                state.kind
            ),
        });
    }
    state
        .buffers
        .iter()
        .map(|entry| {
            if entry.rows.checked_mul(entry.columns) != Some(entry.values.len())
                || entry.values.iter().any(|v| !v.is_finite())
            {
                return Err(Error::InvalidConfig {
                    what: format!("optimizer buffer `{}`", entry.name),
                    message: format!(
                        "needs {} finite values for {}x{}, got {}",
                        entry.rows.saturating_mul(entry.columns),
                        entry.rows,
                        entry.columns,
                        entry.values.len()
                    ),
                });
            }
            let data: Vec<E> = entry.values.iter().map(|&v| real(v)).collect();
            Ok((
                entry.name.clone(),
                device.tensor_from_vec(data, (entry.rows, entry.columns)),
            ))
        })
        .collect()
}
