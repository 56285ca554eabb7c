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
use crate::infer::constrain_kernel::{
    check_widths, map_columns, mapped_values, record_mapped, ConstrainedDraw, ElementwiseMap,
};
use dfdx::prelude::Tape;
use std::f64::consts::TAU;

/// `(theta, ln q)` of the mean-field draw, as described in the module documentation.
///
/// # Errors
/// [`Error::InvalidShape`] unless `loc` and `log_scale` are `(1, d)` and `eps` is `(S, d)`;
/// [`Error::InvalidConfig`] when `eps` is on a graph; [`Error::GraphMismatch`] for operands on
/// different graphs; backend errors.
/// `theta`, `ln q` and `exp(log_scale)` of the draw, on the host.
fn draw_host<E: Real>(loc: &[E], log_scale: &[E], noise: &[E]) -> (Vec<E>, Vec<E>, Vec<E>) {
    let d = loc.len();
    let particles = noise.len() / d.max(1);
    let scale: Vec<E> = log_scale.iter().map(|&v| v.exp()).collect();
    let constant = E::from_f64_value(-0.5 * d as f64 * TAU.ln())
        - log_scale.iter().fold(E::zero(), |a, &v| a + v);
    let half = E::from_f64_value(0.5);
    let mut theta = Vec::with_capacity(particles * d);
    let mut log_q = Vec::with_capacity(particles);
    for row in noise.chunks_exact(d) {
        let mut squares = E::zero();
        for ((&e, &mj), &sj) in row.iter().zip(loc).zip(&scale) {
            theta.push(mj + sj * e);
            squares += e * e;
        }
        log_q.push(constant - half * squares);
    }
    (theta, log_q, scale)
}

/// `(d loc, d log_scale)` from the upstream gradients `g` of `theta` and `h` of `ln q`.
fn parameter_gradients<E: Real>(g: &[E], h: &[E], noise: &[E], scale: &[E]) -> [Vec<E>; 2] {
    let d = scale.len();
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
    [d_loc, d_log_scale]
}

/// Checks the shapes of a draw and that the noise is a constant.
fn check_draw<E: Real, D: Backend<E>>(
    loc: &Var<E, D>,
    log_scale: &Var<E, D>,
    eps: &Var<E, D>,
) -> Result<()> {
    let d = eps.columns();
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
    Ok(())
}

pub(crate) fn normal_draw<E: Real, D: Backend<E>>(
    loc: &Var<E, D>,
    log_scale: &Var<E, D>,
    eps: &Var<E, D>,
) -> Result<(Var<E, D>, Var<E, D>)> {
    check_draw(loc, log_scale, eps)?;
    let (particles, d) = eps.shape();
    let tape = shared_tape("AutoNormal draw", &[loc, log_scale, eps])?;
    let noise = host_values(eps).into_owned();
    let (theta, log_q, scale) = draw_host(&host_values(loc), &host_values(log_scale), &noise);
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
        accumulate_gradients(
            grads,
            &targets,
            &parameter_gradients(&g, &h, &noise, &scale),
        )
    });
    theta_var.tape = Some(shared.clone());
    log_q_var.tape = Some(shared.clone());
    Ok((theta_var, log_q_var))
}

/// [`normal_draw`] followed by the layout's elementwise maps onto the sites' supports
/// ([`crate::infer::constrain_kernel`]) as *one* recorded operation: the sites' blocks and
/// `ln q(z) = ln q(theta) - sum ln |T'(theta)|`. The backward step first forms `dL/dtheta`
/// from the blocks' and the density's upstream gradients, then the parameters' gradients as
/// [`normal_draw`] does.
///
/// # Errors
/// Those of [`normal_draw`]; [`Error::InvalidShape`] when the maps' widths do not cover the
/// draw.
pub(crate) fn normal_draw_constrained<E: Real, D: Backend<E>>(
    loc: &Var<E, D>,
    log_scale: &Var<E, D>,
    eps: &Var<E, D>,
    maps: &[(ElementwiseMap, usize)],
) -> Result<ConstrainedDraw<E, D>> {
    check_draw(loc, log_scale, eps)?;
    check_widths("AutoNormal draw", maps, eps.columns())?;
    let tape = shared_tape("AutoNormal draw", &[loc, log_scale, eps])?;
    let noise = host_values(eps).into_owned();
    let (theta, log_q, scale) = draw_host(&host_values(loc), &host_values(log_scale), &noise);
    let mut mapped = map_columns(&theta, log_q, maps, tape.is_some());
    let blocks = std::mem::take(&mut mapped.blocks);
    let log_q = std::mem::take(&mut mapped.log_q);
    let widths: Vec<usize> = maps.iter().map(|m| m.1).collect();
    let mut draw = mapped_values(&eps.device(), blocks, log_q, &widths)?;
    let Some(shared) = tape else {
        return Ok(draw);
    };
    let targets = [loc, log_scale].map(|v| v.tape.as_ref().map(|_| v.value.clone()));
    record_mapped(shared, &mut draw, move |grads, block_upstreams, h| {
        let g = mapped.theta_gradient(block_upstreams, h);
        accumulate_gradients(grads, &targets, &parameter_gradients(&g, h, &noise, &scale))
    });
    Ok(draw)
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

    /// Blocks, density and parameter gradients of the draw mapped onto (real, positive,
    /// interval) sites: one operation, or the draw and the map as two.
    #[allow(clippy::type_complexity)]
    fn evaluate_constrained(one_operation: bool) -> (Vec<Vec<f64>>, Vec<f64>, Vec<f64>, Vec<f64>) {
        use crate::constraints::Constraint;
        use crate::infer::constrain_kernel::constrain_columns;
        let device = TestDevice::default();
        let graph = Graph::new(&device);
        let loc = graph.watch(&Var::from_rows(&device, &[[0.3, -1.2, 2.0, 0.4]]).unwrap());
        let log_scale = graph.watch(&Var::from_rows(&device, &[[-0.5, 0.1, 1.3, -2.0]]).unwrap());
        let eps =
            Var::from_rows(&device, &[[0.7, -0.2, 1.5, 0.3], [-1.1, 0.4, 0.05, -0.8]]).unwrap();
        let maps: Vec<(ElementwiseMap, usize)> = [
            (Constraint::Real, 1),
            (Constraint::Positive, 2),
            (Constraint::Interval(-1.0, 4.0), 1),
        ]
        .iter()
        .map(|(support, w)| (ElementwiseMap::of(support).unwrap().0, *w))
        .collect();
        let (blocks, log_q) = if one_operation {
            normal_draw_constrained(&loc, &log_scale, &eps, &maps).unwrap()
        } else {
            let (theta, log_q) = normal_draw(&loc, &log_scale, &eps).unwrap();
            constrain_columns(&theta, &log_q, &maps).unwrap()
        };
        let v = Var::from_rows(&device, &[[0.6], [-1.4]]).unwrap();
        let mut objective = log_q.mul(&v).unwrap().sum();
        for (b, block) in blocks.iter().enumerate() {
            let w = Var::full(&device, 2, block.columns(), 1.5 - b as f64);
            objective = objective.add(&block.mul(&w).unwrap().sum()).unwrap();
        }
        let mut grads = objective.backward().unwrap();
        (
            blocks.iter().map(|b| b.to_vec()).collect(),
            log_q.to_vec(),
            grads.of(&loc).unwrap(),
            grads.of(&log_scale).unwrap(),
        )
    }

    #[test]
    fn the_draw_mapped_in_one_operation_matches_the_draw_then_the_map() {
        let (one, two) = (evaluate_constrained(true), evaluate_constrained(false));
        let mut pairs: Vec<(&Vec<f64>, &Vec<f64>, String)> = one
            .0
            .iter()
            .zip(&two.0)
            .enumerate()
            .map(|(b, (x, y))| (x, y, format!("block {b}")))
            .collect();
        pairs.push((&one.1, &two.1, "ln q".into()));
        pairs.push((&one.2, &two.2, "d loc".into()));
        pairs.push((&one.3, &two.3, "d log_scale".into()));
        for (a, b, what) in pairs {
            assert_eq!(a.len(), b.len(), "{what}");
            for (x, y) in a.iter().zip(b.iter()) {
                assert!((x - y).abs() < 1e-12, "{what}: one op {x} two ops {y}");
            }
        }
    }

    #[test]
    fn shapes_are_checked() {
        let device = TestDevice::default();
        let row = Var::<f64, TestDevice>::from_rows(&device, &[[0.0, 0.0]]).unwrap();
        let noise = Var::from_rows(&device, &[[0.0, 0.0, 0.0]]).unwrap();
        assert!(normal_draw(&row, &row, &noise).is_err());
        let short = [(ElementwiseMap::Identity, 1)];
        assert!(normal_draw_constrained(&row, &row, &row, &short).is_err());
    }
}
