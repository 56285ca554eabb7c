//! The graph plumbing every fused kernel shares: the tape its operands are recorded on, the
//! upstream gradient read at the start of its backward step, and the input gradients added
//! at the end of it (through dfdx's `Tape::add_backward_op`).

use crate::backend::var::SharedTape;
use crate::backend::{Backend, Real, Var};
use crate::error::{Error, Result};
use std::rc::Rc;

/// The graph shared by the recorded values, if any.
///
/// # Errors
/// [`Error::GraphMismatch`] naming `operation` when two are on different graphs; the error of
/// a poisoned value.
pub(crate) fn shared_tape<E: Real, D: Backend<E>>(
    operation: &'static str,
    values: &[&Var<E, D>],
) -> Result<Option<SharedTape<E, D>>> {
    let mut tape: Option<SharedTape<E, D>> = None;
    for v in values {
        v.check()?;
        if let Some(t) = &v.tape {
            match &tape {
                Some(existing) if !Rc::ptr_eq(existing, t) => {
                    return Err(Error::GraphMismatch { operation })
                }
                _ => tape = Some(t.clone()),
            }
        }
    }
    Ok(tape)
}

/// Adds `partials[k]` into the gradient of `targets[k]` (entry by entry; `None`: an operand
/// off the graph, skipped), for kernels whose backward step computed whole input gradients.
///
/// # Errors
/// The device's allocation error.
pub(crate) fn accumulate_gradients<E: Real, D: Backend<E>>(
    grads: &mut dfdx::prelude::Gradients<E, D>,
    targets: &[Option<crate::backend::Matrix<E, D>>],
    partials: &[Vec<E>],
) -> std::result::Result<(), D::Err> {
    for (target, partial) in targets.iter().zip(partials) {
        if let Some(tensor) = target {
            if let Some(gradient) = D::host_buffer_mut(grads.get_or_alloc_mut(tensor)?) {
                for (g, &p) in gradient.iter_mut().zip(partial) {
                    *g += p;
                }
            }
        }
    }
    Ok(())
}

/// A host copy of the upstream gradient of `output` in a backward step (`None` on devices
/// without host buffers). A copy, because the step then borrows the inputs' gradients mutably.
///
/// # Errors
/// The device's allocation error.
pub(crate) fn read_upstream<E: Real, D: Backend<E>>(
    grads: &mut dfdx::prelude::Gradients<E, D>,
    output: &crate::backend::Matrix<E, D>,
) -> std::result::Result<Option<Vec<E>>, D::Err> {
    Ok(D::host_buffer_mut(grads.get_or_alloc_mut(output)?).map(|values| values.to_vec()))
}

/// Puts `value` on `tape` (when there is one) with a backward step that reads `value`'s
/// upstream gradient and hands it to `backward`, which adds into the inputs' gradients: the
/// recording every single-output host kernel shares.
pub(crate) fn record_with_backward<E: Real, D: Backend<E>>(
    mut value: Var<E, D>,
    tape: Option<SharedTape<E, D>>,
    backward: impl FnOnce(&mut dfdx::prelude::Gradients<E, D>, &[E]) -> std::result::Result<(), D::Err>
        + 'static,
) -> Var<E, D> {
    use dfdx::prelude::Tape;
    let Some(shared) = tape else {
        return value;
    };
    let output_tensor = value.value.clone();
    shared.borrow_mut().add_backward_op(move |grads| {
        let Some(upstream) = read_upstream(grads, &output_tensor)? else {
            return Ok(());
        };
        backward(grads, &upstream)
    });
    value.tape = Some(shared);
    value
}
