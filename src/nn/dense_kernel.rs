//! A dense layer's bias and activation as one fused host operation with a hand-written backward.
//!
//! Written with dfdx ops, `y = act(z + b)` for `z = x W` of shape `(n, m)` and a bias row `b`
//! is a broadcast add and an activation, four passes over `(n, m)` (two forward, two backward),
//! and dfdx's broadcast add walks its operands through a strided index iterator, a few
//! nanoseconds an entry. On the MADE and MLP layers of tasks T4 and T5 (`(512, 128)` and
//! `(100, 256)` activations) those passes were a third of a training step. Here the forward
//! step is one contiguous loop, and the backward step, for the upstream gradient `g`, is
//!
//! ```text
//! dL/dz_ij = g_ij act'(z_ij + b_j)        dL/db_j = sum_i dL/dz_ij
//! ```
//!
//! with `act'` read from the output: `1` (identity), `[y > 0]` (ReLU), `1 - y^2` (tanh),
//! `1 - e^-y` (softplus, whose derivative is `sigmoid(a) = 1 - e^{-softplus(a)}`). The matrix
//! product stays a dfdx operation (its kernel is the `gemm` crate's SIMD code).
//!
//! It runs on host-buffer devices while fused kernels are on; [`bias_activation`] falls back to
//! the composed form elsewhere, and the tests compare the two.

use super::mlp::Activation;
use crate::backend::ops::fused::use_fused;
use crate::backend::ops::kernel_graph::{accumulate_gradients, read_upstream, shared_tape};
use crate::backend::{host_copy, Backend, Real, Var};
use crate::error::{Error, Result};
use dfdx::prelude::Tape;

/// `act(z + b)` for `z` `(n, m)` and a bias row `b` `(1, m)`; `None` is the identity.
///
/// # Errors
/// [`Error::InvalidShape`] unless `b` is one row as wide as `z`; [`Error::GraphMismatch`] when
/// the two are recorded on different graphs; the error of a poisoned input.
pub(crate) fn bias_activation<E: Real, D: Backend<E>>(
    z: &Var<E, D>,
    bias: &Var<E, D>,
    activation: Option<Activation>,
) -> Result<Var<E, D>> {
    let (n, m) = z.shape();
    if bias.shape() != (1, m) {
        return Err(Error::invalid_shape(
            "Linear",
            format!(
                "the bias must be (1, {m}) for {m} outputs, found {:?}",
                bias.shape()
            ),
        ));
    }
    if !use_fused::<E, D>() {
        let sum = z.add(bias)?;
        return Ok(match activation {
            Some(a) => a.apply(&sum),
            None => sum,
        });
    }
    let tape = shared_tape("Linear", &[z, bias])?;
    let b = bias.to_vec();
    let mut y = host_copy(&z.value);
    crate::backend::simd::wide(|| match activation {
        None => add_bias_then(&mut y, &b, |a| a),
        Some(Activation::Relu) => add_bias_then(&mut y, &b, |a| a.max(E::zero())),
        Some(Activation::Tanh) => add_bias_then(&mut y, &b, |a| a.tanh()),
        Some(Activation::Softplus) => add_bias_then(&mut y, &b, |a| {
            crate::backend::ops::softplus_and_sigmoid(a).0
        }),
    });
    let mut output = Var::from_vec(&z.device(), y, n, m)?;
    let Some(shared) = tape else {
        return Ok(output);
    };
    let output_tensor = output.value.clone();
    let targets = [
        z.tape.as_ref().map(|_| z.value.clone()),
        bias.tape.as_ref().map(|_| bias.value.clone()),
    ];
    shared.borrow_mut().add_backward_op(move |grads| {
        let Some(mut dz) = read_upstream(grads, &output_tensor)? else {
            return Ok(());
        };
        let y = activation.map(|_| host_copy(&output_tensor));
        let mut db = vec![E::zero(); m];
        crate::backend::simd::wide(|| {
            let zero = E::zero();
            match (activation, &y) {
                (Some(Activation::Relu), Some(y)) => {
                    scale(&mut dz, y, |y| if y > zero { E::one() } else { zero })
                }
                (Some(Activation::Tanh), Some(y)) => scale(&mut dz, y, |y| E::one() - y * y),
                (Some(Activation::Softplus), Some(y)) => scale(&mut dz, y, |y| -(-y).exp_m1()),
                _ => {}
            }
            for row in dz.chunks_exact(m.max(1)) {
                for (total, &g) in db.iter_mut().zip(row) {
                    *total += g;
                }
            }
        });
        accumulate_gradients(grads, &targets, &[dz, db])
    });
    output.tape = Some(shared);
    Ok(output)
}

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
    let mut output = Var::from_vec(&weight.device(), values, rows, columns)?;
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

/// `y_ij <- act(y_ij + b_j)` over the rows of `y`. Generic over `act` so that each activation
/// gets its own loop, which the compiler vectorises (a `match` per entry would not be).
#[inline(always)]
fn add_bias_then<E: Real>(y: &mut [E], b: &[E], act: impl Fn(E) -> E) {
    for row in y.chunks_exact_mut(b.len().max(1)) {
        for (entry, &bj) in row.iter_mut().zip(b) {
            *entry = act(*entry + bj);
        }
    }
}

/// `g_k <- g_k act'(y_k)`, with `act'` written in terms of the output `y = act(a)`.
#[inline(always)]
fn scale<E: Real>(g: &mut [E], y: &[E], derivative: impl Fn(E) -> E) {
    for (gk, &yk) in g.iter_mut().zip(y) {
        *gk *= derivative(yk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ops::fused::set_fused_kernels;
    use crate::backend::{Cpu, Graph};

    /// Value and gradients (with respect to `z` and `b`) of `sum(weights * act(z + b))`.
    fn evaluate(activation: Option<Activation>, fused: bool) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        set_fused_kernels(fused);
        let device = Cpu::default();
        let graph = Graph::<f64, Cpu>::new(&device);
        let z_values: Vec<f64> = (0..12).map(|k| (k as f64 * 0.77).sin() * 2.0).collect();
        let z = graph.watch(&Var::from_vec(&device, z_values, 4, 3).unwrap());
        let b = graph.watch(&Var::from_vec(&device, vec![0.3, -0.8, 0.05], 1, 3).unwrap());
        let weights: Vec<f64> = (0..12).map(|k| 1.0 + 0.1 * k as f64).collect();
        let weights = Var::from_vec(&device, weights, 4, 3).unwrap();
        let y = bias_activation(&z, &b, activation).unwrap();
        let values = y.to_f64_vec();
        let mut grads = y.mul(&weights).unwrap().sum().backward().unwrap();
        let dz = grads.of(&z).unwrap();
        let db = grads.of(&b).unwrap();
        set_fused_kernels(true);
        (values, dz, db)
    }

    #[test]
    fn fused_and_composed_agree_for_every_activation() {
        for activation in [
            None,
            Some(Activation::Relu),
            Some(Activation::Tanh),
            Some(Activation::Softplus),
        ] {
            let fused = evaluate(activation, true);
            let composed = evaluate(activation, false);
            for (a, b) in [
                (&fused.0, &composed.0),
                (&fused.1, &composed.1),
                (&fused.2, &composed.2),
            ] {
                assert_eq!(a.len(), b.len());
                for (x, y) in a.iter().zip(b) {
                    assert!((x - y).abs() < 1e-12, "{activation:?}: {x} vs {y}");
                }
            }
        }
    }

    #[test]
    fn relu_blocks_the_gradient_of_clipped_entries() {
        let (values, dz, _) = evaluate(Some(Activation::Relu), true);
        for (y, g) in values.iter().zip(&dz) {
            assert_eq!(*y == 0.0, *g == 0.0);
        }
    }

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

    #[test]
    fn a_bias_of_the_wrong_width_is_an_error() {
        let device = Cpu::default();
        let z = Var::<f64, Cpu>::zeros(&device, 2, 3);
        let b = Var::<f64, Cpu>::zeros(&device, 1, 2);
        let error = bias_activation(&z, &b, None).unwrap_err().to_string();
        assert!(
            error.contains("Linear") && error.contains("(1, 3)"),
            "{error}"
        );
    }
}
