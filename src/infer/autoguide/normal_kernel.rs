//! The mean-field normal guide's reparameterised draw as one fused host operation with a
//! hand-written backward.
//!
//! For `loc` and `log_scale` `(1, d)` and standard normal noise `eps` `(S, d)`:
//!
//! ```text
//! theta[s, j] = loc[j] + exp(log_scale[j]) eps[s, j]                          (S, d)
//! ln q[s]     = sum_j ( -eps[s, j]^2 / 2 - log_scale[j] ) - d ln(2 pi) / 2     (S, 1)
//! ```
//!
//! and, for upstream gradients `g` of `theta` and `h` of `ln q`,
//!
//! ```text
//! d loc[j]       = sum_s g[s, j]
//! d log_scale[j] = sum_s g[s, j] exp(log_scale[j]) eps[s, j] - sum_s h[s]
//! ```
//!
//! Composed, the same draw is nine recorded operations (exponential, product, sum, square,
//! row sums, scalings and differences), each with its own pass, allocation and backward step;
//! on eight schools they were a quarter of a step. This runs on host-memory devices while fused
//! kernels are on, and only for the plain gradient (sticking the landing stops the parameters'
//! path through `ln q`, which `normal.rs` keeps composed); the two paths are tested against
//! each other below.
//!
//! Reference: Kucukelbir et al. 2017, "Automatic differentiation variational inference",
//! arXiv:1603.00788.

use crate::backend::host_values;
use crate::backend::ops::kernel_graph::{accumulate_gradients, read_upstream, shared_tape};
use crate::backend::{Backend, Real, Var};
use crate::error::{Error, Result};
use dfdx::prelude::Tape;
use std::f64::consts::TAU;

/// `(theta, ln q)` of the mean-field draw, as described in the module documentation.
///
/// # Errors
/// [`Error::InvalidShape`] unless `loc` and `log_scale` are `(1, d)` and `eps` is `(S, d)`;
/// [`Error::InvalidConfig`] when `eps` is on a graph; [`Error::GraphMismatch`] for operands on
/// different graphs; backend errors.
pub(crate) fn normal_draw<E: Real, D: Backend<E>>(
    loc: &Var<E, D>,
    log_scale: &Var<E, D>,
    eps: &Var<E, D>,
) -> Result<(Var<E, D>, Var<E, D>)> {
    let (particles, d) = eps.shape();
    if loc.shape() != (1, d) || log_scale.shape() != (1, d) {
        return Err(Error::invalid_shape(
            "AutoNormal draw",
            format!(
                "loc {:?} and log_scale {:?} must be (1, {d}) for noise {:?}",
                loc.shape(),
                log_scale.shape(),
                eps.shape()
            ),
        ));
    }
    if eps.tape.is_some() {
        return Err(Error::InvalidConfig {
            what: "AutoNormal draw".into(),
            message: "the noise must be a constant draw, not a value on the graph".into(),
        });
    }
    let tape = shared_tape("AutoNormal draw", &[loc, log_scale, eps])?;
    let (m, ls, noise) = (
        loc.to_vec(),
        log_scale.to_vec(),
        host_values(eps).into_owned(),
    );
    let scale: Vec<E> = ls.iter().map(|&v| v.exp()).collect();
    let constant =
        E::from_f64_value(-0.5 * d as f64 * TAU.ln()) - ls.iter().fold(E::zero(), |a, &v| a + v);
    let half = E::from_f64_value(0.5);
    let mut theta = Vec::with_capacity(particles * d);
    let mut log_q = Vec::with_capacity(particles);
    for row in noise.chunks_exact(d) {
        let mut squares = E::zero();
        for ((&e, &mj), &sj) in row.iter().zip(&m).zip(&scale) {
            theta.push(mj + sj * e);
            squares += e * e;
        }
        log_q.push(constant - half * squares);
    }
    let device = eps.device();
    let mut theta_var = Var::constant_with_mirror(&device, theta, particles, d)?;
    let mut log_q_var = Var::constant_with_mirror(&device, log_q, particles, 1)?;
    let Some(shared) = tape else {
        return Ok((theta_var, log_q_var));
    };
    let (theta_tensor, log_q_tensor) = (theta_var.value.clone(), log_q_var.value.clone());
    let targets = [loc, log_scale].map(|v| v.tape.as_ref().map(|_| v.value.clone()));
    shared.borrow_mut().add_backward_op(move |grads| {
        let (Some(g), Some(h)) = (
            read_upstream(grads, &theta_tensor)?,
            read_upstream(grads, &log_q_tensor)?,
        ) else {
            return Ok(());
        };
        let mut d_loc = vec![E::zero(); d];
        let mut d_log_scale = vec![E::zero(); d];
        let h_total = h.iter().fold(E::zero(), |a, &v| a + v);
        for (g_row, e_row) in g.chunks_exact(d).zip(noise.chunks_exact(d)) {
            for j in 0..d {
                d_loc[j] += g_row[j];
                d_log_scale[j] += g_row[j] * scale[j] * e_row[j];
            }
        }
        for v in &mut d_log_scale {
            *v -= h_total;
        }
        accumulate_gradients(grads, &targets, &[d_loc, d_log_scale])
    });
    theta_var.tape = Some(shared.clone());
    log_q_var.tape = Some(shared.clone());
    Ok((theta_var, log_q_var))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{set_fused_kernels, Graph, TestDevice};

    /// Values and gradients of `sum(w * theta) + sum(v * ln q)` for fixed weights, fused and
    /// composed (the formula `normal.rs` records without fused kernels).
    fn evaluate(fused: bool) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let device = TestDevice::default();
        let graph = Graph::new(&device);
        let loc = graph.watch(&Var::from_rows(&device, &[[0.3, -1.2, 2.0]]).unwrap());
        let log_scale = graph.watch(&Var::from_rows(&device, &[[-0.5, 0.1, 1.3]]).unwrap());
        let eps = Var::from_rows(&device, &[[0.7, -0.2, 1.5], [-1.1, 0.4, 0.05]]).unwrap();
        let (theta, log_q) = if fused {
            normal_draw(&loc, &log_scale, &eps).unwrap()
        } else {
            set_fused_kernels(false);
            let theta = eps.mul(&log_scale.exp()).unwrap().add(&loc).unwrap();
            let log_q = (eps.square().sum_columns() * -0.5)
                .sub(&log_scale.sum())
                .unwrap()
                .add_scalar(-1.5 * TAU.ln());
            set_fused_kernels(true);
            (theta, log_q)
        };
        let w = Var::from_rows(&device, &[[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]]).unwrap();
        let v = Var::from_rows(&device, &[[0.6], [-1.4]]).unwrap();
        let objective = theta
            .mul(&w)
            .unwrap()
            .sum()
            .add(&log_q.mul(&v).unwrap().sum());
        let mut grads = objective.unwrap().backward().unwrap();
        (
            theta.to_vec(),
            log_q.to_vec(),
            grads.of(&loc).unwrap(),
            grads.of(&log_scale).unwrap(),
        )
    }

    #[test]
    fn the_fused_draw_matches_the_composed_formula() {
        let (fused, composed) = (evaluate(true), evaluate(false));
        let pairs = [
            (&fused.0, &composed.0, "theta"),
            (&fused.1, &composed.1, "ln q"),
            (&fused.2, &composed.2, "d loc"),
            (&fused.3, &composed.3, "d log_scale"),
        ];
        for (a, b, what) in pairs {
            assert_eq!(a.len(), b.len(), "{what}");
            for (x, y) in a.iter().zip(b.iter()) {
                assert!((x - y).abs() < 1e-12, "{what}: fused {x} composed {y}");
            }
        }
    }

    #[test]
    fn shapes_are_checked() {
        let device = TestDevice::default();
        let row = Var::<f64, TestDevice>::from_rows(&device, &[[0.0, 0.0]]).unwrap();
        let noise = Var::from_rows(&device, &[[0.0, 0.0, 0.0]]).unwrap();
        assert!(normal_draw(&row, &row, &noise).is_err());
    }
}
