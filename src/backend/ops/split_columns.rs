//! Splitting a matrix into consecutive column blocks as one recorded operation.
//!
//! A guide's draw is one `(particles, D)` block that the latent layout cuts into one block per
//! site. With dfdx ops each cut is two operations (a copy, then the slice: dfdx's slice
//! backward assigns instead of adding, see [`Var::slice_columns`]), so eight schools paid six
//! operations and their backward closures per step for three sites. Here the blocks are cut
//! from one host copy, and one backward step adds each block's upstream gradient into its
//! columns of the input gradient:
//!
//! ```text
//! block_b = x[:, o_b .. o_b + w_b]        dL/dx[:, o_b .. o_b + w_b] += dL/dblock_b
//! ```
//!
//! On devices without host buffers, or with fused kernels off, the blocks are cut with
//! [`Var::slice_columns`]; the tests compare the two.

use super::fused::use_fused;
use super::kernel_graph::{read_upstream, shared_tape};
use crate::backend::{host_values, Backend, Real, Var};
use crate::error::{Error, Result};
use dfdx::prelude::Tape;

/// The consecutive column blocks of `x` with the given widths (at least one; they must add
/// up to its column count; a zero width is an error).
///
/// # Errors
/// [`Error::InvalidShape`] when a width is zero or the widths do not add up to the columns of
/// `x`; the error of a poisoned `x`.
pub(crate) fn split_columns<E: Real, D: Backend<E>>(
    x: &Var<E, D>,
    widths: &[usize],
) -> Result<Vec<Var<E, D>>> {
    let (rows, columns) = x.shape();
    if widths.is_empty() || widths.contains(&0) || widths.iter().sum::<usize>() != columns {
        return Err(Error::invalid_shape(
            "split_columns",
            format!("blocks of widths {widths:?} from a value with {columns} columns"),
        ));
    }
    if !use_fused::<E, D>() {
        let mut offset = 0;
        return widths
            .iter()
            .map(|&w| {
                offset += w;
                x.slice_columns(offset - w, offset)
            })
            .collect();
    }
    let tape = shared_tape("split_columns", &[x])?;
    let values = host_values(x);
    let device = x.device();
    let mut blocks = Vec::with_capacity(widths.len());
    let mut offset = 0;
    for &w in widths {
        let block: Vec<E> = values
            .chunks_exact(columns)
            .flat_map(|row| &row[offset..offset + w])
            .copied()
            .collect();
        blocks.push(Var::from_vec(&device, block, rows, w)?);
        offset += w;
    }
    let Some(shared) = tape else {
        return Ok(blocks);
    };
    let block_tensors: Vec<_> = blocks.iter().map(|b| b.value.clone()).collect();
    let input_tensor = x.value.clone();
    let widths = widths.to_vec();
    shared.borrow_mut().add_backward_op(move |grads| {
        let mut upstream = Vec::with_capacity(block_tensors.len());
        for tensor in &block_tensors {
            match read_upstream(grads, tensor)? {
                Some(values) => upstream.push(values),
                None => return Ok(()),
            }
        }
        let Some(gradient) = D::host_buffer_mut(grads.get_or_alloc_mut(&input_tensor)?) else {
            return Ok(());
        };
        let mut offset = 0;
        for (block, &w) in upstream.iter().zip(&widths) {
            for (row, block_row) in gradient
                .chunks_exact_mut(columns)
                .zip(block.chunks_exact(w))
            {
                for (g, &u) in row[offset..offset + w].iter_mut().zip(block_row) {
                    *g += u;
                }
            }
            offset += w;
        }
        Ok(())
    });
    for block in &mut blocks {
        block.tape = Some(shared.clone());
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ops::fused::set_fused_kernels;
    use crate::backend::{Cpu, Graph};

    /// The blocks and the gradient of `sum_b sum(weights_b * block_b) + sum(x * x)` (the second
    /// term checks that the split adds to, and does not replace, other uses' gradients).
    fn evaluate(fused: bool) -> (Vec<Vec<f64>>, Vec<f64>) {
        set_fused_kernels(fused);
        let device = Cpu::default();
        let graph = Graph::<f64, Cpu>::new(&device);
        let values: Vec<f64> = (0..12).map(|k| k as f64 * 0.5 - 2.0).collect();
        let x = graph.watch(&Var::from_vec(&device, values, 2, 6).unwrap());
        let blocks = split_columns(&x, &[1, 3, 2]).unwrap();
        let mut total = x.mul(&x).unwrap().sum();
        for (b, block) in blocks.iter().enumerate() {
            let weights = Var::full(&device, 2, block.columns(), (b + 2) as f64);
            total = total.add(&block.mul(&weights).unwrap().sum()).unwrap();
        }
        let gradient = total.backward().unwrap().of(&x).unwrap();
        set_fused_kernels(true);
        (blocks.iter().map(|b| b.to_f64_vec()).collect(), gradient)
    }

    #[test]
    fn fused_and_sliced_blocks_agree_in_values_and_gradients() {
        let (fused_blocks, fused_gradient) = evaluate(true);
        let (sliced_blocks, sliced_gradient) = evaluate(false);
        assert_eq!(fused_blocks, sliced_blocks);
        assert_eq!(fused_blocks[1], vec![-1.5, -1.0, -0.5, 1.5, 2.0, 2.5]);
        assert_eq!(fused_gradient, sliced_gradient);
        // d/dx of x^2 plus the block's weight: column 0 gets 2, columns 1-3 get 3, 4-5 get 4.
        assert_eq!(fused_gradient[0], 2.0 * -2.0 + 2.0);
        assert_eq!(fused_gradient[5], 2.0 * 0.5 + 4.0);
    }

    #[test]
    fn widths_must_cover_the_columns() {
        let device = Cpu::default();
        let x = Var::<f64, Cpu>::zeros(&device, 2, 4);
        for widths in [&[1, 2][..], &[2, 0, 2], &[3, 3], &[]] {
            let error = split_columns(&x, widths).unwrap_err().to_string();
            assert!(error.contains("split_columns"), "{error}");
        }
    }
}
