//! A MADE layer's fixed mask applied to its weight as one recorded operation.

use crate::backend::ops::fused::use_fused;
use crate::backend::ops::kernel_graph::{accumulate_gradients, read_upstream, shared_tape};
use crate::backend::{host_copy, Backend, HostMirror, Real, Var};
use crate::error::{Error, Result};
use dfdx::prelude::Tape;

/// `W * M` entrywise for a weight `W` and a fixed mask `M` of the same shape (row-major), as
/// one recorded operation: the backward step is `dL/dW = g * M`. dfdx's binary kernel walks
/// both operands through strided indices and also computes a gradient for the constant mask;
/// on the MADE layers of task T4 that was 6 % of a step.
///
/// # Errors
/// [`Error::InvalidShape`] when the mask does not have one entry per weight; the error of a
/// poisoned weight.
pub(crate) fn apply_mask<E: Real, D: Backend<E>>(
    weight: &Var<E, D>,
    mask: &[f64],
) -> Result<Var<E, D>> {
    let (rows, columns) = weight.shape();
    if mask.len() != rows * columns {
        return Err(Error::invalid_shape(
            "Linear",
            format!(
                "a mask of {} entries cannot mask a {rows}x{columns} weight",
                mask.len()
            ),
        ));
    }
    let mask: Vec<E> = mask.iter().map(|&m| crate::backend::real(m)).collect();
    if !use_fused::<E, D>() {
        return weight.mul(&Var::from_vec(&weight.device(), mask, rows, columns)?);
    }
    let tape = shared_tape("Linear", &[weight])?;
    let mut values = host_copy(&weight.value);
    crate::backend::simd::wide(|| {
        for (w, &m) in values.iter_mut().zip(&mask) {
            *w *= m;
        }
    });
    // The mirror lets the dense layer that reads the masked weight skip a copy.
    let mirror = HostMirror::new(values.clone(), rows, columns);
    let mut output = Var::from_vec(&weight.device(), values, rows, columns)?;
    output.host = Some(mirror);
    let Some(shared) = tape else {
        return Ok(output);
    };
    let output_tensor = output.value.clone();
    let target = [Some(weight.value.clone())];
    shared.borrow_mut().add_backward_op(move |grads| {
        let Some(mut g) = read_upstream(grads, &output_tensor)? else {
            return Ok(());
        };
        crate::backend::simd::wide(|| {
            for (gk, &m) in g.iter_mut().zip(&mask) {
                *gk *= m;
            }
        });
        accumulate_gradients(grads, &target, &[g])
    });
    output.tape = Some(shared);
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ops::fused::set_fused_kernels;
    use crate::backend::{Cpu, Graph};

    #[test]
    fn the_mask_zeroes_weights_and_their_gradients_on_both_paths() {
        let device = Cpu::default();
        let mask = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0];
        let mut results = Vec::new();
        for fused in [true, false] {
            set_fused_kernels(fused);
            let graph = Graph::<f64, Cpu>::new(&device);
            let w = graph.watch(
                &Var::from_vec(&device, vec![0.5, -1.0, 2.0, 3.0, 4.0, -0.25], 2, 3).unwrap(),
            );
            let scales = Var::from_vec(&device, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3).unwrap();
            let masked = apply_mask(&w, &mask).unwrap();
            let values = masked.to_f64_vec();
            let mut grads = masked.mul(&scales).unwrap().sum().backward().unwrap();
            results.push((values, grads.of(&w).unwrap()));
            set_fused_kernels(true);
        }
        assert_eq!(results[0], results[1]);
        assert_eq!(results[0].0, vec![0.5, 0.0, 2.0, 3.0, 0.0, -0.25]);
        assert_eq!(results[0].1, vec![1.0, 0.0, 3.0, 4.0, 0.0, 6.0]);
        let w = Var::<f64, Cpu>::zeros(&device, 2, 2);
        let error = apply_mask(&w, &mask).unwrap_err().to_string();
        assert!(
            error.contains("Linear") && error.contains("6 entries"),
            "{error}"
        );
    }
}
