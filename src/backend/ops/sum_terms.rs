//! The sum of several values of one shape as one recorded operation.
//!
//! A model's log joint is the sum of its sites' log-densities. Added pairwise, `k` terms cost
//! `k - 1` dfdx operations, each with its own allocation, tape entry and backward closure (an
//! eight-schools step adds four terms). Here the sum is one host loop, and its backward step
//! gives every term the upstream gradient:
//!
//! ```text
//! s = t_1 + ... + t_k        dL/dt_j += dL/ds
//! ```
//!
//! An ELBO's log weight `ln p(x, z) - ln q(z)` subtracts the guide's density from that sum; it
//! is taken as an optional `minus` term of the same operation (`dL/dq -= dL/ds`), which saves
//! the subtraction's operation too.
//!
//! The terms are added in order (`((t_1 + t_2) + t_3) + ...`), as the pairwise form does, so
//! the two give the same bits. On devices without host buffers, or with fused kernels off,
//! [`sum_terms`] returns `None` and the caller adds pairwise.

use super::fused::use_fused;
use super::kernel_graph::{read_upstream, shared_tape};
use crate::backend::{host_values, Backend, Real, Var};
use crate::error::Result;
use dfdx::prelude::Tape;

/// `t_1 + ... + t_k` (`- m` with `minus = Some(m)`, subtracted last) as one operation when
/// fused kernels run on `D` and the values (at least two, `m` counted) share one shape; `None`
/// otherwise, for the caller's pairwise sum (which also reports a
/// shape mismatch with the caller's context).
///
/// # Errors
/// [`crate::Error::GraphMismatch`] when the terms are recorded on different graphs; the error
/// of a poisoned term.
pub(crate) fn sum_terms<E: Real, D: Backend<E>>(
    terms: &[Var<E, D>],
    minus: Option<&Var<E, D>>,
) -> Result<Option<Var<E, D>>> {
    let Some(first) = terms.first() else {
        return Ok(None);
    };
    let shape = first.shape();
    if !use_fused::<E, D>()
        || terms.len() + usize::from(minus.is_some()) < 2
        || terms.iter().chain(minus).any(|t| t.shape() != shape)
    {
        return Ok(None);
    }
    let tape = shared_tape("sum_terms", &terms.iter().chain(minus).collect::<Vec<_>>())?;
    let mut total = vec![E::zero(); shape.0 * shape.1];
    for (k, term) in terms.iter().enumerate() {
        let values = host_values(term);
        if k == 0 {
            total.copy_from_slice(&values);
        } else {
            for (s, &v) in total.iter_mut().zip(values.iter()) {
                *s += v;
            }
        }
    }
    if let Some(subtrahend) = minus {
        for (s, &v) in total.iter_mut().zip(host_values(subtrahend).iter()) {
            *s -= v;
        }
    }
    let mut output = Var::from_vec(&first.device(), total, shape.0, shape.1)?;
    let Some(shared) = tape else {
        return Ok(Some(output));
    };
    let output_tensor = output.value.clone();
    let targets: Vec<_> = terms
        .iter()
        .filter(|t| t.tape.is_some())
        .map(|t| t.value.clone())
        .collect();
    let subtracted = minus.filter(|t| t.tape.is_some()).map(|t| t.value.clone());
    shared.borrow_mut().add_backward_op(move |grads| {
        let Some(upstream) = read_upstream(grads, &output_tensor)? else {
            return Ok(());
        };
        for target in &targets {
            if let Some(gradient) = D::host_buffer_mut(grads.get_or_alloc_mut(target)?) {
                for (g, &u) in gradient.iter_mut().zip(&upstream) {
                    *g += u;
                }
            }
        }
        if let Some(target) = &subtracted {
            if let Some(gradient) = D::host_buffer_mut(grads.get_or_alloc_mut(target)?) {
                for (g, &u) in gradient.iter_mut().zip(&upstream) {
                    *g -= u;
                }
            }
        }
        Ok(())
    });
    output.tape = Some(shared);
    Ok(Some(output))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ops::fused::set_fused_kernels;
    use crate::backend::{Cpu, Graph};

    #[test]
    fn a_subtracted_term_gets_the_negated_gradient() {
        let device = Cpu::default();
        let graph = Graph::<f64, Cpu>::new(&device);
        let a = graph.watch(&Var::from_vec(&device, vec![1.0, 2.0], 2, 1).unwrap());
        let b = graph.watch(&Var::from_vec(&device, vec![0.25, -4.0], 2, 1).unwrap());
        let q = graph.watch(&Var::from_vec(&device, vec![0.5, 3.0], 2, 1).unwrap());
        let total = sum_terms(&[a.clone(), b.clone()], Some(&q))
            .unwrap()
            .unwrap();
        // The same bits as the pairwise form: (a + b) - q.
        let pairwise = a.add(&b).unwrap().sub(&q).unwrap();
        assert_eq!(total.to_vec(), pairwise.to_vec());
        assert_eq!(total.to_vec(), vec![0.75, -5.0]);
        let weights = Var::from_vec(&device, vec![3.0, 5.0], 2, 1).unwrap();
        let mut grads = total.mul(&weights).unwrap().sum().backward().unwrap();
        assert_eq!(grads.of(&a).unwrap(), vec![3.0, 5.0]);
        assert_eq!(grads.of(&q).unwrap(), vec![-3.0, -5.0]);
        // One term and a subtrahend are two values: still one operation.
        let difference = sum_terms(std::slice::from_ref(&a), Some(&q))
            .unwrap()
            .unwrap();
        assert_eq!(difference.to_vec(), vec![0.5, -1.0]);
        // A subtrahend of another shape declines, for the caller's checked subtraction.
        let wide = Var::from_vec(&device, vec![0.0; 4], 2, 2).unwrap();
        assert!(sum_terms(&[a.clone(), b], Some(&wide)).unwrap().is_none());
    }

    #[test]
    fn one_operation_gives_the_pairwise_sum_and_gradients() {
        let device = Cpu::default();
        let graph = Graph::<f64, Cpu>::new(&device);
        let a = graph.watch(&Var::from_vec(&device, vec![1.0, 2.0], 2, 1).unwrap());
        let b = graph.watch(&Var::from_vec(&device, vec![0.25, -4.0], 2, 1).unwrap());
        let constant = Var::from_vec(&device, vec![10.0, 20.0], 2, 1).unwrap();
        // `a` twice: its gradient collects both uses.
        let terms = [a.clone(), b.clone(), constant, a.clone()];
        let total = sum_terms(&terms, None).unwrap().unwrap();
        assert_eq!(total.to_vec(), vec![12.25, 20.0]);
        let weights = Var::from_vec(&device, vec![3.0, 5.0], 2, 1).unwrap();
        let mut grads = total.mul(&weights).unwrap().sum().backward().unwrap();
        assert_eq!(grads.of(&a).unwrap(), vec![6.0, 10.0]);
        assert_eq!(grads.of(&b).unwrap(), vec![3.0, 5.0]);
    }

    #[test]
    fn mixed_shapes_single_terms_and_the_composed_path_are_left_to_the_caller() {
        let device = Cpu::default();
        let a = Var::<f64, Cpu>::zeros(&device, 2, 1);
        let b = Var::<f64, Cpu>::zeros(&device, 1, 1);
        assert!(sum_terms(&[a.clone(), b], None).unwrap().is_none());
        assert!(sum_terms(std::slice::from_ref(&a), None).unwrap().is_none());
        assert!(sum_terms::<f64, Cpu>(&[], None).unwrap().is_none());
        set_fused_kernels(false);
        assert!(sum_terms(&[a.clone(), a], None).unwrap().is_none());
        set_fused_kernels(true);
    }
}
