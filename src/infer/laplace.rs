//! The Laplace approximation: the posterior mode in unconstrained space and the curvature
//! there, found by damped Newton steps on autodiff gradients.
//!
//! Gaussian guides started from it begin at (or very near) their optimum on near-Gaussian
//! posteriors, which is what makes badly conditioned regressions tractable for first-order
//! optimisers (Laplace 1774; see Bishop 2006, PRML 4.4).

use super::layout::LatentLayout;
use crate::backend::ops::host_cholesky;
use crate::backend::ops::host_linalg::solve_spd;
use crate::backend::rng::seeded;
use crate::backend::{real, Backend, Graph, Real, Var};
use crate::error::{Error, Result};
use crate::handlers::{substitute, trace};
use crate::ppl::{Ctx, Model};

/// The mode and the negative Hessian of the unconstrained log density there (row-major).
///
/// # Examples
/// ```
/// use flowppl::infer::laplace::{laplace_approximation, Laplace};
/// use flowppl::infer::LatentLayout;
/// # use flowppl::ppl::model_fn;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // `model`: a ~ N(0, 1), b ~ N(a, 1): a Gaussian with precision [[2, -1], [-1, 1]] and mode 0.
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
/// #     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
/// #     ctx.sample("b", Normal::new(&a, 1.0)?, None)?;
/// #     Ok(())
/// # });
/// let dev = Cpu::default();
/// let layout = LatentLayout::of(&model, &dev, 0)?;
/// let laplace: Laplace = laplace_approximation(&model, &layout, &dev, &[0.3, -0.2])?;
/// assert!(laplace.mode.iter().all(|m| m.abs() < 1e-6));
/// let want = [2.0, -1.0, -1.0, 1.0];
/// assert!(laplace.precision.iter().zip(want).all(|(p, w)| (p - w).abs() < 1e-4));
/// # Ok(())
/// # }
/// ```
pub struct Laplace {
    /// The unconstrained mode.
    pub mode: Vec<f64>,
    /// `-d^2/dtheta^2 ln p(theta | x)` at the mode, symmetric positive definite.
    pub precision: Vec<f64>,
}

/// `ln p(x, T(theta)) + ln |det J_T(theta)|` and its gradient, at one unconstrained point.
fn log_density_and_gradient<E: Real, D: Backend<E>>(
    model: &dyn Model<E, D>,
    layout: &LatentLayout<E, D>,
    device: &D,
    theta: &[f64],
) -> Result<(f64, Vec<f64>)> {
    let graph = Graph::new(device);
    let point = graph.watch(&Var::from_vec(
        device,
        theta.iter().map(|&v| real(v)).collect(),
        1,
        theta.len(),
    )?);
    let (values, log_det) = layout.constrain(&point)?;
    let mut rng = seeded(0);
    let mut ctx = Ctx::new(device, &mut rng).with_graph(&graph);
    let model_trace = trace(&substitute(model, values), &mut ctx)?;
    let total = model_trace.log_joint()?.add(&log_det)?.sum();
    let value = total.item()?.to_f64();
    let mut grads = total.backward()?;
    let gradient = grads.of(&point)?.into_iter().map(Real::to_f64).collect();
    Ok((value, gradient))
}

/// Central finite differences of the gradient: the Hessian, symmetrised.
fn hessian<E: Real, D: Backend<E>>(
    model: &dyn Model<E, D>,
    layout: &LatentLayout<E, D>,
    device: &D,
    theta: &[f64],
) -> Result<Vec<f64>> {
    let d = theta.len();
    let mut h = vec![0.0; d * d];
    for j in 0..d {
        // A step relative to the coordinate, floored so that tiny coordinates still move.
        let step = 1e-3 * theta[j].abs().max(1e-2);
        let mut up = theta.to_vec();
        up[j] += step;
        let mut down = theta.to_vec();
        down[j] -= step;
        let (_, gu) = log_density_and_gradient(model, layout, device, &up)?;
        let (_, gd) = log_density_and_gradient(model, layout, device, &down)?;
        for i in 0..d {
            h[i * d + j] = (gu[i] - gd[i]) / (2.0 * step);
        }
    }
    for i in 0..d {
        for j in 0..i {
            let mean = 0.5 * (h[i * d + j] + h[j * d + i]);
            h[i * d + j] = mean;
            h[j * d + i] = mean;
        }
    }
    Ok(h)
}

/// Damped Newton ascent from `start` to the mode of the unconstrained log density.
///
/// # Errors
/// [`Error::Numerical`] when the density is not finite at the start or the curvature at the
/// end is not positive definite.
///
/// # Examples
/// ```
/// use flowppl::infer::laplace::laplace_approximation;
/// use flowppl::infer::LatentLayout;
/// use flowppl::ppl::model_fn;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // mu ~ N(0, 2^2), y = 3 ~ N(mu, 1): mu | y ~ N(2.4, 1 / 1.25).
/// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
///     let mu = ctx.sample("mu", Normal::new(0.0, 2.0)?, None)?;
///     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 3.0), None)?;
///     Ok(())
/// });
/// let dev = Cpu::default();
/// let layout = LatentLayout::of(&model, &dev, 0)?;
/// let start = layout.initial_point(&model, &dev, &InitStrategy::Feasible, 0)?;
/// let laplace = laplace_approximation(&model, &layout, &dev, &start)?;
/// assert!((laplace.mode[0] - 2.4).abs() < 1e-6 && (laplace.precision[0] - 1.25).abs() < 1e-4);
/// # Ok(())
/// # }
/// ```
pub fn laplace_approximation<E: Real, D: Backend<E>>(
    model: &dyn Model<E, D>,
    layout: &LatentLayout<E, D>,
    device: &D,
    start: &[f64],
) -> Result<Laplace> {
    let d = start.len();
    let mut theta = start.to_vec();
    let (mut value, mut gradient) = log_density_and_gradient(model, layout, device, &theta)?;
    if !value.is_finite() {
        return Err(Error::Numerical {
            operation: "Laplace initialisation",
            message: "the log density is not finite at the starting point".into(),
        });
    }
    let mut damping = 1e-6;
    for _ in 0..100 {
        let h = hessian(model, layout, device, &theta)?;
        let precision_diagonal_scale = (0..d)
            .map(|i| (-h[i * d + i]).abs())
            .fold(0.0f64, f64::max)
            .max(1e-12);
        // Levenberg damping: (-H + lambda I) s = g, raising lambda until it factorises and the
        // step goes uphill.
        let mut moved = false;
        for _ in 0..40 {
            let mut system: Vec<f64> = h.iter().map(|v| -v).collect();
            for i in 0..d {
                system[i * d + i] += damping * precision_diagonal_scale;
            }
            if let Some(step) = solve_spd(&system, &gradient) {
                let candidate: Vec<f64> = theta.iter().zip(&step).map(|(t, s)| t + s).collect();
                if let Ok((new_value, new_gradient)) =
                    log_density_and_gradient(model, layout, device, &candidate)
                {
                    if new_value.is_finite() && new_value >= value {
                        let gain = new_value - value;
                        theta = candidate;
                        value = new_value;
                        gradient = new_gradient;
                        damping = (damping * 0.1).max(1e-9);
                        moved = gain > 1e-10 * (1.0 + value.abs());
                        break;
                    }
                }
            }
            damping *= 10.0;
        }
        if !moved {
            break;
        }
    }
    let h = hessian(model, layout, device, &theta)?;
    let precision: Vec<f64> = h.iter().map(|v| -v).collect();
    if host_cholesky(&precision, d).is_err() {
        return Err(Error::Numerical {
            operation: "Laplace initialisation",
            message: "the curvature at the mode is not positive definite".into(),
        });
    }
    Ok(Laplace {
        mode: theta,
        precision,
    })
}
