//! `c * sum(x)` over every entry as one recorded operation.
//!
//! The ELBO's loss is `-mean(w)`: with dfdx ops a sum, a scaling and a negation, three
//! operations with their allocations and backward closures for one number. Here it is one
//! host loop, with the backward step
//!
//! ```text
//! s = c * (x_1 + ... + x_n)        dL/dx_k += c * dL/ds
//! ```
//!
//! The entries are added in row-major order from zero. On devices without host buffers, or
//! with fused kernels off, [`scaled_sum`] composes dfdx's `sum` and a scaling; the tests
//! compare the two.

use super::fused::use_fused;
use super::kernel_graph::{record_with_backward, shared_tape};
use crate::backend::{host_values, real, Backend, Real, Var};
use crate::error::Result;

/// `c * sum(x)`, `(1, 1)`; a poisoned `x` gives a poisoned result.
pub(crate) fn scaled_sum<E: Real, D: Backend<E>>(x: &Var<E, D>, c: f64) -> Var<E, D> {
    if !use_fused::<E, D>() || x.poison.is_some() {
        return composed(x, c);
    }
    match fused(x, c) {
        Ok(sum) => sum,
        Err(error) => x.poisoned(error),
    }
}

fn composed<E: Real, D: Backend<E>>(x: &Var<E, D>, c: f64) -> Var<E, D> {
    let sum = x.sum();
    if c == 1.0 {
        sum
    } else {
        sum.mul_scalar(c)
    }
}

fn fused<E: Real, D: Backend<E>>(x: &Var<E, D>, c: f64) -> Result<Var<E, D>> {
    let tape = shared_tape("scaled_sum", &[x])?;
    let scale: E = real(c);
    let total = host_values(x)
        .iter()
        .fold(E::zero(), |acc, &value| acc + value)
        * scale;
    let output = Var::from_vec(&x.device(), vec![total], 1, 1)?;
    let input_tensor = x.value.clone();
    Ok(record_with_backward(
        output,
        tape,
        move |grads, upstream| {
            let step = scale * upstream[0];
            if let Some(gradient) = D::host_buffer_mut(grads.get_or_alloc_mut(&input_tensor)?) {
                for g in gradient.iter_mut() {
                    *g += step;
                }
            }
            Ok(())
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ops::fused::set_fused_kernels;
    use crate::backend::{Cpu, Graph};
    use crate::error::Error;

    /// The value and the gradient of `(c * sum(x))^2` (so the upstream gradient is not 1).
    fn evaluate(fused: bool, c: f64) -> (f64, Vec<f64>) {
        set_fused_kernels(fused);
        let device = Cpu::default();
        let graph = Graph::<f64, Cpu>::new(&device);
        let values = vec![0.5, -1.25, 2.0, 3.5, -0.75, 1.0];
        let x = graph.watch(&Var::from_vec(&device, values, 3, 2).unwrap());
        let s = scaled_sum(&x, c);
        let value = s.item().unwrap();
        let gradient = s.square().backward().unwrap().of(&x).unwrap();
        set_fused_kernels(true);
        (value, gradient)
    }

    #[test]
    fn one_operation_gives_the_scaled_sum_and_its_gradient() {
        for c in [1.0, -1.0 / 6.0, 2.5] {
            let (value, gradient) = evaluate(true, c);
            let want = c * 5.0;
            assert!((value - want).abs() < 1e-12, "{value} vs {want}");
            // d/dx_k (c s)^2 = 2 (c s) c.
            for g in &gradient {
                assert!((g - 2.0 * want * c).abs() < 1e-12, "{g}");
            }
            let (composed_value, composed_gradient) = evaluate(false, c);
            assert!((value - composed_value).abs() < 1e-12);
            for (a, b) in gradient.iter().zip(&composed_gradient) {
                assert!((a - b).abs() < 1e-12, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn constants_give_constants_and_poison_is_passed_on() {
        let device = Cpu::default();
        let x = Var::<f64, Cpu>::from_vec(&device, vec![1.0, 2.0], 1, 2).unwrap();
        let s = scaled_sum(&x, 0.5);
        assert!(!s.is_recorded());
        assert_eq!(s.item().unwrap(), 1.5);
        let bad = x.poisoned(Error::shape_mismatch("add", (1, 2), (3, 1)));
        let error = scaled_sum(&bad, 2.0).check().map(|_| ()).unwrap_err();
        assert_eq!(error.to_string(), bad.check().unwrap_err().to_string());
    }
}
