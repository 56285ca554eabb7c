//! A dense layer, `y = act(x W + b)`, as one fused host operation with a hand-written backward.
//!
//! Written with dfdx ops it is a matrix product, a broadcast add and an activation: dfdx's
//! broadcast add walks its operands through a strided index iterator, a few nanoseconds an
//! entry, and its matrix products run on one thread or through rayon, whose idle worker is
//! asleep by the next product (see `backend/helper_threads.rs`). Here, for `x` `(n, k)`, `W`
//! `(k, m)` and a bias row `b`, the forward step is one split matrix product
//! ([`host_matmul`], over [`matrix_threads`] threads) and one loop, and the backward step, for
//! the upstream gradient `g`, is
//!
//! ```text
//! dz_ij = g_ij act'(y_ij)     dL/db = colsum(dz)     dL/dW += x^T dz     dL/dx += dz W^T
//! ```
//!
//! with `act'` read from the output: `1` (identity), `[y > 0]` (ReLU), `1 - y^2` (tanh),
//! `1 - e^-y` (softplus, whose derivative is `sigmoid(a) = 1 - e^{-softplus(a)}`); the two
//! products add straight into the gradient buffers.
//!
//! It runs on host-buffer devices while fused kernels are on; [`dense`] falls back to the
//! composed form (dfdx's matrix product, add and activation) elsewhere, and the tests compare
//! the two.
//!
//! [`matrix_threads`]: crate::backend::matrix_threads

use super::mlp::Activation;
use crate::backend::host_gemm::{host_matmul, HostMatrix};
use crate::backend::ops::fused::use_fused;
use crate::backend::ops::kernel_graph::{read_upstream, shared_tape};
use crate::backend::{matrix_threads, Backend, HostMirror, HostSnapshot, Real, Var};
use crate::error::{Error, Result};
use dfdx::prelude::Tape;

/// `act(x W + b)` for `x` `(n, k)`, `W` `(k, m)` and a bias row `b` `(1, m)`; `None` is the
/// identity.
///
/// # Errors
/// [`Error::InvalidShape`] naming `Linear` when `W` does not have a row per column of `x` or
/// `b` is not one row as wide as `W`; [`Error::GraphMismatch`] when the operands are recorded
/// on different graphs; the error of a poisoned operand.
pub(crate) fn dense<E: Real, D: Backend<E>>(
    x: &Var<E, D>,
    weight: &Var<E, D>,
    bias: &Var<E, D>,
    activation: Option<Activation>,
) -> Result<Var<E, D>> {
    let ((n, k), (weight_rows, m)) = (x.shape(), weight.shape());
    if weight_rows != k {
        return Err(Error::invalid_shape(
            "Linear",
            format!("an input of {k} columns cannot feed a {weight_rows}x{m} weight"),
        ));
    }
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
        let sum = x.matmul(weight)?.add(bias)?;
        return Ok(match activation {
            Some(a) => a.apply(&sum),
            None => sum,
        });
    }
    let tape = shared_tape("Linear", &[x, weight, bias])?;
    let (x_host, weight_host) = (HostSnapshot::of(x), HostSnapshot::of(weight));
    let b = HostSnapshot::of(bias);
    let mut y = vec![E::zero(); n * m];
    host_matmul(
        HostMatrix::row_major(x_host.values(), n, k)?,
        HostMatrix::row_major(weight_host.values(), k, m)?,
        &mut y,
        false,
        matrix_threads(),
    )?;
    let b = b.values();
    crate::backend::simd::wide(|| match activation {
        None => add_bias_then(&mut y, b, |a| a),
        Some(Activation::Relu) => add_bias_then(&mut y, b, |a| a.max(E::zero())),
        Some(Activation::Tanh) => add_bias_then(&mut y, b, |a| a.tanh()),
        Some(Activation::Softplus) => add_bias_then(&mut y, b, |a| {
            crate::backend::ops::softplus_and_sigmoid(a).0
        }),
    });
    // The mirror feeds the next layer and this layer's backward step without a copy.
    let mirror = HostMirror::new(y.clone(), n, m);
    let mut output = Var::from_vec(&x.device(), y, n, m)?;
    output.host = Some(mirror.clone());
    let Some(shared) = tape else {
        return Ok(output);
    };
    let output_tensor = output.value.clone();
    let target = |v: &Var<E, D>| v.tape.as_ref().map(|_| v.value.clone());
    let (x_target, weight_target, bias_target) = (target(x), target(weight), target(bias));
    shared.borrow_mut().add_backward_op(move |grads| {
        let Some(mut dz) = read_upstream(grads, &output_tensor)? else {
            return Ok(());
        };
        let y = &mirror.values;
        crate::backend::simd::wide(|| {
            let zero = E::zero();
            match activation {
                Some(Activation::Relu) => {
                    scale(&mut dz, y, |y| if y > zero { E::one() } else { zero })
                }
                Some(Activation::Tanh) => scale(&mut dz, y, |y| E::one() - y * y),
                Some(Activation::Softplus) => scale(&mut dz, y, |y| -(-y).exp_m1()),
                None => {}
            }
        });
        if let Some(tensor) = &bias_target {
            if let Some(db) = D::host_buffer_mut(grads.get_or_alloc_mut(tensor)?) {
                crate::backend::simd::wide(|| {
                    for row in dz.chunks_exact(m.max(1)) {
                        for (total, &g) in db.iter_mut().zip(row) {
                            *total += g;
                        }
                    }
                });
            }
        }
        let threads = matrix_threads();
        if let Some(tensor) = &weight_target {
            if let Some(dw) = D::host_buffer_mut(grads.get_or_alloc_mut(tensor)?) {
                // dL/dW += x^T dz
                add_product(
                    (x_host.values(), n, k, true),
                    (&dz, n, m, false),
                    dw,
                    threads,
                );
            }
        }
        if let Some(tensor) = &x_target {
            if let Some(dx) = D::host_buffer_mut(grads.get_or_alloc_mut(tensor)?) {
                // dL/dx += dz W^T
                add_product(
                    (&dz, n, m, false),
                    (weight_host.values(), k, m, true),
                    dx,
                    threads,
                );
            }
        }
        Ok(())
    });
    output.tape = Some(shared);
    Ok(output)
}

/// `out += A B` for row-major `(values, rows, columns, transposed)` operands, in a backward
/// step, where the shapes were checked when the operation was recorded (a mismatch, which
/// would be a bug, leaves `out` unchanged).
fn add_product<E: Real>(
    a: (&[E], usize, usize, bool),
    b: (&[E], usize, usize, bool),
    out: &mut [E],
    threads: usize,
) {
    if let (Ok(a), Ok(b)) = (view(a), view(b)) {
        let _ = host_matmul(a, b, out, true, threads);
    }
}

/// A row-major matrix, or its transpose.
fn view<E>(
    (values, rows, columns, transposed): (&[E], usize, usize, bool),
) -> Result<HostMatrix<'_, E>> {
    let matrix = HostMatrix::row_major(values, rows, columns)?;
    Ok(if transposed {
        matrix.transposed()
    } else {
        matrix
    })
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
    use crate::backend::{set_matrix_threads, Cpu, Graph};

    /// Value and gradients (with respect to `x`, `W` and `b`) of `sum(weights * act(x W + b))`
    /// for `x` `(n, k)` and `W` `(k, m)`.
    fn evaluate(
        (n, k, m): (usize, usize, usize),
        activation: Option<Activation>,
        fused: bool,
    ) -> [Vec<f64>; 4] {
        set_fused_kernels(fused);
        let device = Cpu::default();
        let graph = Graph::<f64, Cpu>::new(&device);
        let numbers = |count: usize, seed: f64| -> Vec<f64> {
            (0..count)
                .map(|i| ((i as f64 + seed) * 0.77).sin())
                .collect()
        };
        let watch = |values: Vec<f64>, rows, columns| {
            graph.watch(&Var::from_vec(&device, values, rows, columns).unwrap())
        };
        let x = watch(numbers(n * k, 0.0), n, k);
        let w = watch(numbers(k * m, 1.0), k, m);
        let b = watch(numbers(m, 2.0), 1, m);
        let weights = Var::from_vec(&device, numbers(n * m, 3.0), n, m).unwrap();
        let y = dense(&x, &w, &b, activation).unwrap();
        let values = y.to_f64_vec();
        let mut grads = y.mul(&weights).unwrap().sum().backward().unwrap();
        set_fused_kernels(true);
        [
            values,
            grads.of(&x).unwrap(),
            grads.of(&w).unwrap(),
            grads.of(&b).unwrap(),
        ]
    }

    fn assert_close(fused: &[Vec<f64>; 4], composed: &[Vec<f64>; 4], what: &str) {
        for (a, b) in fused.iter().zip(composed) {
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(b) {
                assert!(
                    (x - y).abs() < 1e-12 * (1.0 + y.abs()),
                    "{what}: {x} vs {y}"
                );
            }
        }
    }

    #[test]
    fn fused_and_composed_agree_for_every_activation() {
        for activation in [
            None,
            Some(Activation::Relu),
            Some(Activation::Tanh),
            Some(Activation::Softplus),
        ] {
            let shape = (4, 5, 3);
            let fused = evaluate(shape, activation, true);
            let composed = evaluate(shape, activation, false);
            assert_close(&fused, &composed, &format!("{activation:?}"));
        }
    }

    #[test]
    fn split_products_give_the_same_values_and_gradients() {
        // 2 * 96 * 64 * 128 = 1.6 MFLOP per product: split in three on three threads.
        let shape = (96, 64, 128);
        set_matrix_threads(3).unwrap();
        let split = evaluate(shape, Some(Activation::Relu), true);
        set_matrix_threads(1).unwrap();
        let composed = evaluate(shape, Some(Activation::Relu), false);
        assert_close(&split, &composed, "split");
    }

    #[test]
    fn relu_blocks_the_gradient_of_clipped_entries() {
        let shape = (16, 2, 3);
        let [values, _, _, db] = evaluate(shape, Some(Activation::Relu), true);
        let [_, _, _, db_identity] = evaluate(shape, None, true);
        assert!(values.contains(&0.0));
        assert_ne!(db, db_identity);
        let weights: Vec<f64> = (0..48).map(|i| ((i as f64 + 3.0) * 0.77).sin()).collect();
        for j in 0..3 {
            let expected: f64 = (0..16)
                .filter(|i| values[i * 3 + j] > 0.0)
                .map(|i| weights[i * 3 + j])
                .sum();
            assert!((db[j] - expected).abs() < 1e-12);
        }
    }

    #[test]
    fn operands_of_the_wrong_shape_are_errors_naming_the_layer() {
        let device = Cpu::default();
        let x = Var::<f64, Cpu>::zeros(&device, 2, 3);
        let w = Var::<f64, Cpu>::zeros(&device, 3, 4);
        let error = dense(&x, &w, &Var::zeros(&device, 1, 3), None)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("Linear") && error.contains("(1, 4)"),
            "{error}"
        );
        let error = dense(
            &x,
            &Var::zeros(&device, 2, 4),
            &Var::zeros(&device, 1, 4),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("Linear") && error.contains("3 columns"),
            "{error}"
        );
    }
}
