//! A log-density's row sums computed on the host, with their backward step left to the caller.
//!
//! A model's log joint is the sum of its sites' log-densities, each summed over its row. With
//! one recorded operation per site plus one for the sum, every site pays an output tensor, a
//! gradient entry for it and a backward closure that only passes the sum's gradient on. A
//! distribution with a fused kernel can instead hand over its row sums and the step that adds
//! `upstream * partials` into its operands' gradients; the log joint then records one operation
//! for all of them (see `Trace::log_joint_with`):
//!
//! ```text
//! s = t_1 + ... + t_k        each t_j's backward step runs with dL/ds as its upstream
//! ```

use crate::backend::ops::fused::FusedBackward;
use crate::backend::ops::kernel_graph::record_with_backward;
use crate::backend::{Backend, Real, SharedTape, Var};
use crate::error::Result;

/// The `(rows, 1)` row sums of a log-density, evaluated but not yet recorded on the graph
/// (from [`crate::dist::Distribution::row_sums_term`]).
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let device = Cpu::default();
/// let graph = Graph::new(&device);
/// let x = graph.watch(&Var::<f64, Cpu>::from_rows(&device, &[[0.5, -1.0], [2.0, 0.0]])?);
/// let normal = Normal::new(0.0, 1.0)?;
/// // On the CPU, Normal hands over its row sums; `into_var` records them as one value.
/// let term = normal.row_sums_term(&x)?.expect("Normal has a host kernel on the CPU");
/// assert_eq!(term.rows(), 2);
/// let sums = term.into_var()?;
/// let want = normal.log_prob_unchecked_row_sums(&x)?;
/// assert_eq!(sums.to_vec(), want.to_vec());
/// // d/dx of sum_j ln N(x_j; 0, 1) is -x.
/// assert_eq!(sums.sum().backward()?.of(&x)?, vec![-0.5, 1.0, -2.0, 0.0]);
/// # Ok(())
/// # }
/// ```
pub struct RowSumsTerm<E: Real, D: Backend<E>> {
    values: Vec<E>,
    tape: Option<SharedTape<E, D>>,
    device: D,
    backward: Option<FusedBackward<E, D>>,
}

impl<E: Real, D: Backend<E>> RowSumsTerm<E, D> {
    pub(crate) fn new(
        values: Vec<E>,
        tape: Option<SharedTape<E, D>>,
        device: D,
        backward: Option<FusedBackward<E, D>>,
    ) -> Self {
        RowSumsTerm {
            values,
            tape,
            device,
            backward,
        }
    }

    /// The number of rows (particles).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let x = Var::<f32, Cpu>::from_vec(&device, vec![0.0; 6], 3, 2)?;
    /// let term = Normal::new(0.0, 1.0)?.row_sums_term(&x)?.unwrap();
    /// assert_eq!(term.rows(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn rows(&self) -> usize {
        self.values.len()
    }

    /// The row sums as a value of their own, recorded as one operation when the operands are
    /// on a graph.
    ///
    /// # Errors
    /// Backend errors.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&device, &[[1.0, 1.0]])?;
    /// let sums = Normal::new(1.0, 2.0)?.row_sums_term(&x)?.unwrap().into_var()?;
    /// let want = 2.0 * (-(2f64.ln()) - 0.5 * std::f64::consts::TAU.ln());
    /// assert!((sums.item()? - want).abs() < 1e-12);
    /// assert!(!sums.is_recorded()); // constants in, a constant out
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_var(self) -> Result<Var<E, D>> {
        let rows = self.rows();
        let value = Var::constant_with_mirror(&self.device, self.values, rows, 1)?;
        Ok(match self.backward {
            Some(backward) => record_with_backward(value, self.tape, backward),
            None => value,
        })
    }

    /// The backward step, for a caller that records the values itself (`None` for
    /// constants).
    pub(crate) fn into_backward(self) -> Option<FusedBackward<E, D>> {
        self.backward
    }

    /// The values.
    pub(crate) fn values(&self) -> &[E] {
        &self.values
    }

    /// The device of the values.
    pub(crate) fn device(&self) -> &D {
        &self.device
    }

    /// The tape of the operands, if any is recorded.
    pub(crate) fn tape(&self) -> Option<&SharedTape<E, D>> {
        self.tape.as_ref()
    }
}
