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
use super::kernel_graph::record_with_backward;
use crate::backend::{host_values, Backend, Real, SharedTape, Var};
use crate::dist::RowSumsTerm;
use crate::error::Result;
use std::rc::Rc;

/// One term of a sum: a value, or a log-density's row sums whose backward step the sum runs.
pub(crate) enum Term<E: Real, D: Backend<E>> {
    /// A value, recorded or constant.
    Value(Var<E, D>),
    /// Row sums evaluated on the host ([`RowSumsTerm`]), `(rows, 1)`.
    RowSums(RowSumsTerm<E, D>),
}

impl<E: Real, D: Backend<E>> Term<E, D> {
    fn shape(&self) -> (usize, usize) {
        match self {
            Term::Value(v) => v.shape(),
            Term::RowSums(t) => (t.rows(), 1),
        }
    }

    /// The term as a value of its own (row sums are recorded as one operation).
    ///
    /// # Errors
    /// Backend errors.
    pub(crate) fn into_var(self) -> Result<Var<E, D>> {
        match self {
            Term::Value(v) => Ok(v),
            Term::RowSums(t) => t.into_var(),
        }
    }
}

/// The tape a one-operation sum of `terms` (and `minus`) records on (`Some(None)`: none is
/// recorded), or `None` when the sum must be added pairwise instead: fused kernels off or no
/// host buffers on `D`, fewer than two values (`minus` counted), shapes that differ, a
/// poisoned value or values on different graphs (the pairwise sum names the site then).
pub(crate) fn one_operation_tape<E: Real, D: Backend<E>>(
    terms: &[Term<E, D>],
    minus: Option<&Var<E, D>>,
) -> Option<Option<SharedTape<E, D>>> {
    let shape = terms.first()?.shape();
    if !use_fused::<E, D>()
        || terms.len() + usize::from(minus.is_some()) < 2
        || terms.iter().any(|t| t.shape() != shape)
        || minus.is_some_and(|m| m.shape() != shape)
    {
        return None;
    }
    let mut tape: Option<SharedTape<E, D>> = None;
    let tapes = terms
        .iter()
        .map(|t| match t {
            Term::Value(v) => v.check().ok().map(|v| v.tape.as_ref()),
            Term::RowSums(r) => Some(r.tape()),
        })
        .chain(minus.map(|m| m.check().ok().map(|m| m.tape.as_ref())));
    for found in tapes {
        match (found?, &tape) {
            (Some(t), Some(existing)) if !Rc::ptr_eq(existing, t) => return None,
            (Some(t), None) => tape = Some(t.clone()),
            _ => {}
        }
    }
    Some(tape)
}

/// `t_1 + ... + t_k - m` (with `minus = Some(m)`, subtracted last) as one operation recorded on
/// `tape` (from [`one_operation_tape`], which must have accepted these terms). Row-sum terms'
/// backward steps run inside this operation's, with its upstream gradient.
///
/// # Errors
/// Backend errors.
pub(crate) fn sum_terms<E: Real, D: Backend<E>>(
    terms: Vec<Term<E, D>>,
    minus: Option<&Var<E, D>>,
    tape: Option<SharedTape<E, D>>,
) -> Result<Var<E, D>> {
    let (rows, columns) = match terms.first() {
        Some(term) => term.shape(),
        None => minus.map_or((1, 1), Var::shape),
    };
    let mut device = None;
    let mut total = vec![E::zero(); rows * columns];
    let mut targets = Vec::with_capacity(terms.len());
    let mut deferred = Vec::new();
    for (k, term) in terms.into_iter().enumerate() {
        let add = |total: &mut Vec<E>, values: &[E]| {
            if k == 0 {
                total.copy_from_slice(values);
            } else {
                for (s, &v) in total.iter_mut().zip(values) {
                    *s += v;
                }
            }
        };
        match term {
            Term::Value(v) => {
                add(&mut total, &host_values(&v));
                device.get_or_insert_with(|| v.device());
                if v.tape.is_some() {
                    targets.push(v.value.clone());
                }
            }
            Term::RowSums(r) => {
                add(&mut total, r.values());
                device.get_or_insert_with(|| r.device().clone());
                deferred.extend(r.into_backward());
            }
        }
    }
    if let Some(subtrahend) = minus {
        for (s, &v) in total.iter_mut().zip(host_values(subtrahend).iter()) {
            *s -= v;
        }
        device.get_or_insert_with(|| subtrahend.device());
    }
    let device = match device {
        Some(d) => d,
        None => D::open()?,
    };
    let output = Var::constant_with_mirror(&device, total, rows, columns)?;
    let subtracted = minus.filter(|t| t.tape.is_some()).map(|t| t.value.clone());
    Ok(record_with_backward(
        output,
        tape,
        move |grads, upstream| {
            for target in &targets {
                if let Some(gradient) = D::host_buffer_mut(grads.get_or_alloc_mut(target)?) {
                    for (g, &u) in gradient.iter_mut().zip(upstream) {
                        *g += u;
                    }
                }
            }
            if let Some(target) = &subtracted {
                if let Some(gradient) = D::host_buffer_mut(grads.get_or_alloc_mut(target)?) {
                    for (g, &u) in gradient.iter_mut().zip(upstream) {
                        *g -= u;
                    }
                }
            }
            for backward in deferred {
                backward(grads, upstream)?;
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
    use crate::dist::{Distribution, Normal};

    /// The sum in one operation, when it is accepted.
    fn one_operation(
        terms: Vec<Term<f64, Cpu>>,
        minus: Option<&Var<f64, Cpu>>,
    ) -> Option<Var<f64, Cpu>> {
        let tape = one_operation_tape(&terms, minus)?;
        Some(sum_terms(terms, minus, tape).unwrap())
    }

    fn values(vars: &[&Var<f64, Cpu>]) -> Vec<Term<f64, Cpu>> {
        vars.iter().map(|v| Term::Value((*v).clone())).collect()
    }

    #[test]
    fn a_subtracted_term_gets_the_negated_gradient() {
        let device = Cpu::default();
        let graph = Graph::<f64, Cpu>::new(&device);
        let a = graph.watch(&Var::from_vec(&device, vec![1.0, 2.0], 2, 1).unwrap());
        let b = graph.watch(&Var::from_vec(&device, vec![0.25, -4.0], 2, 1).unwrap());
        let q = graph.watch(&Var::from_vec(&device, vec![0.5, 3.0], 2, 1).unwrap());
        let total = one_operation(values(&[&a, &b]), Some(&q)).unwrap();
        // The same bits as the pairwise form: (a + b) - q.
        let pairwise = a.add(&b).unwrap().sub(&q).unwrap();
        assert_eq!(total.to_vec(), pairwise.to_vec());
        assert_eq!(total.to_vec(), vec![0.75, -5.0]);
        let weights = Var::from_vec(&device, vec![3.0, 5.0], 2, 1).unwrap();
        let mut grads = total.mul(&weights).unwrap().sum().backward().unwrap();
        assert_eq!(grads.of(&a).unwrap(), vec![3.0, 5.0]);
        assert_eq!(grads.of(&q).unwrap(), vec![-3.0, -5.0]);
        // One term and a subtrahend are two values: still one operation.
        let difference = one_operation(values(&[&a]), Some(&q)).unwrap();
        assert_eq!(difference.to_vec(), vec![0.5, -1.0]);
        // A subtrahend of another shape declines, for the caller's checked subtraction.
        let wide = Var::from_vec(&device, vec![0.0; 4], 2, 2).unwrap();
        assert!(one_operation(values(&[&a, &b]), Some(&wide)).is_none());
    }

    #[test]
    fn one_operation_gives_the_pairwise_sum_and_gradients() {
        let device = Cpu::default();
        let graph = Graph::<f64, Cpu>::new(&device);
        let a = graph.watch(&Var::from_vec(&device, vec![1.0, 2.0], 2, 1).unwrap());
        let b = graph.watch(&Var::from_vec(&device, vec![0.25, -4.0], 2, 1).unwrap());
        let constant = Var::from_vec(&device, vec![10.0, 20.0], 2, 1).unwrap();
        // `a` twice: its gradient collects both uses.
        let total = one_operation(values(&[&a, &b, &constant, &a]), None).unwrap();
        assert_eq!(total.to_vec(), vec![12.25, 20.0]);
        let weights = Var::from_vec(&device, vec![3.0, 5.0], 2, 1).unwrap();
        let mut grads = total.mul(&weights).unwrap().sum().backward().unwrap();
        assert_eq!(grads.of(&a).unwrap(), vec![6.0, 10.0]);
        assert_eq!(grads.of(&b).unwrap(), vec![3.0, 5.0]);
    }

    #[test]
    fn row_sum_terms_get_the_sums_gradient_as_their_own_operations_would() {
        // ln N(x; mu, 1) row sums as deferred terms, and as recorded values, in one sum with
        // a plain value and a subtrahend: the same values and gradients.
        let evaluate = |deferred: bool| {
            let device = Cpu::default();
            let graph = Graph::<f64, Cpu>::new(&device);
            let x = graph.watch(&Var::from_rows(&device, &[[0.5, -1.0], [2.0, 0.25]]).unwrap());
            let mu = graph.watch(&Var::from_rows(&device, &[[0.3, -0.7]]).unwrap());
            let other = graph.watch(&Var::from_vec(&device, vec![1.5, -2.0], 2, 1).unwrap());
            let q = graph.watch(&Var::from_vec(&device, vec![0.5, 3.0], 2, 1).unwrap());
            let normal = Normal::new(&mu, 1.0).unwrap();
            let first = normal.row_sums_term(&x).unwrap().unwrap();
            let second = Normal::new(0.0, 2.0)
                .unwrap()
                .row_sums_term(&mu.broadcast_to(2, 2).unwrap())
                .unwrap()
                .unwrap();
            let terms = if deferred {
                vec![
                    Term::RowSums(first),
                    Term::Value(other.clone()),
                    Term::RowSums(second),
                ]
            } else {
                vec![
                    Term::Value(first.into_var().unwrap()),
                    Term::Value(other.clone()),
                    Term::Value(second.into_var().unwrap()),
                ]
            };
            let total = one_operation(terms, Some(&q)).unwrap();
            let weights = Var::from_vec(&device, vec![3.0, 5.0], 2, 1).unwrap();
            let mut grads = total.mul(&weights).unwrap().sum().backward().unwrap();
            (
                total.to_vec(),
                grads.of(&x).unwrap(),
                grads.of(&mu).unwrap(),
                grads.of(&other).unwrap(),
                grads.of(&q).unwrap(),
            )
        };
        assert_eq!(evaluate(true), evaluate(false));
    }

    #[test]
    fn mixed_shapes_single_terms_and_the_composed_path_are_left_to_the_caller() {
        let device = Cpu::default();
        let a = Var::<f64, Cpu>::zeros(&device, 2, 1);
        let b = Var::<f64, Cpu>::zeros(&device, 1, 1);
        assert!(one_operation(values(&[&a, &b]), None).is_none());
        assert!(one_operation(values(&[&a]), None).is_none());
        assert!(one_operation(Vec::new(), None).is_none());
        // Values on two graphs are left to the pairwise sum, which reports the mismatch.
        let (first, second) = (Graph::new(&device), Graph::new(&device));
        let on_first = first.watch(&a);
        let on_second = second.watch(&a);
        assert!(one_operation(values(&[&on_first, &on_second]), None).is_none());
        set_fused_kernels(false);
        assert!(one_operation(values(&[&a, &a]), None).is_none());
        set_fused_kernels(true);
    }
}
