//! Monotone rational-quadratic splines (Durkan et al. 2019, Neural Spline Flows,
//! arXiv:1906.04068), elementwise with per-element parameters.

use crate::backend::ops::searchsorted;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// Minimum bin width and height (as a fraction of the interval) and minimum derivative.
const MIN_BIN: f64 = 1e-3;
const MIN_DERIVATIVE: f64 = 1e-3;

/// Number of raw parameters per element for `bins` bins: widths, heights and the `bins - 1`
/// inner derivatives.
///
/// # Examples
///
/// ```
/// use flowppl::transforms::spline::spline_parameter_count;
/// // 8 widths, 8 heights and 7 inner derivatives.
/// assert_eq!(spline_parameter_count(8), 23);
/// assert_eq!(spline_parameter_count(1), 2);
/// ```
pub fn spline_parameter_count(bins: usize) -> usize {
    3 * bins - 1
}

/// Knots, bin sizes and knot derivatives of one batch of splines.
struct Knots<E: Real, D: Backend<E>> {
    x: Var<E, D>,
    widths: Var<E, D>,
    y: Var<E, D>,
    heights: Var<E, D>,
    derivatives: Var<E, D>,
}

/// Builds the knots on `[-bound, bound]` from raw parameters `(n, 3K - 1)`: softmax widths and
/// heights (floored at `MIN_BIN`), inner derivatives `MIN_DERIVATIVE + softplus(raw + c)` with
/// `c = ln(e^(1 - MIN_DERIVATIVE) - 1)` so that raw parameters of zero give the identity, and
/// derivative 1 at both ends so the linear tails join smoothly.
fn knots<E: Real, D: Backend<E>>(raw: &Var<E, D>, bins: usize, bound: f64) -> Result<Knots<E, D>> {
    let n = raw.rows();
    let sizes = |block: Var<E, D>| -> Result<(Var<E, D>, Var<E, D>)> {
        let fractions = block.softmax_columns() * (1.0 - MIN_BIN * bins as f64) + MIN_BIN;
        let sizes = fractions * (2.0 * bound);
        let edges =
            Var::concat_columns(&[&Var::zeros(&raw.device(), n, 1), &sizes.cumsum_columns()])?
                .add_scalar(-bound);
        Ok((edges, sizes))
    };
    let (x, widths) = sizes(raw.slice_columns(0, bins)?)?;
    let (y, heights) = sizes(raw.slice_columns(bins, 2 * bins)?)?;
    let ones = Var::full(&raw.device(), n, 1, 1.0);
    let inner = if bins > 1 {
        raw.slice_columns(2 * bins, 3 * bins - 1)?
            .add_scalar((1.0 - MIN_DERIVATIVE).exp_m1().ln())
            .softplus()
            .add_scalar(MIN_DERIVATIVE)
    } else {
        Var::zeros(&raw.device(), n, 0)
    };
    let derivatives = if bins > 1 {
        Var::concat_columns(&[&ones, &inner, &ones])?
    } else {
        Var::concat_columns(&[&ones, &ones])?
    };
    Ok(Knots {
        x,
        widths,
        y,
        heights,
        derivatives,
    })
}

/// Applies the spline to `values` (`(n, 1)`, one element per row with its own parameters
/// `raw` `(n, 3K - 1)`), forward (`inverse = false`) or inverse; returns the outputs and
/// `ln |dy/dx|` (forward) or `ln |dx/dy|` (inverse), `(n, 1)`. Outside `[-bound, bound]` the map
/// is the identity (linear tails), so every real input is valid.
///
/// # Errors
/// Shape errors.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::spline::{rational_quadratic, spline_parameter_count};
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let values = Var::<f64, Cpu>::from_rows(&dev, &[[-1.5], [0.2], [5.0]])?;
/// // One row of raw parameters per value: 4 bins on [-3, 3].
/// let per = spline_parameter_count(4);
/// let raw: Vec<f64> = (0..3 * per).map(|i| (i as f64 * 0.7).sin()).collect();
/// let raw = Var::from_vec(&dev, raw, 3, per)?;
/// let (y, log_det) = rational_quadratic(&values, &raw, 4, 3.0, false)?;
/// assert_eq!((y.to_vec()[2], log_det.to_vec()[2]), (5.0, 0.0)); // identity outside
/// let (back, inverse_log_det) = rational_quadratic(&y, &raw, 4, 3.0, true)?;
/// assert!(back.to_vec().iter().zip(values.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
/// assert!(log_det.add(&inverse_log_det)?.to_vec().iter().all(|v| v.abs() < 1e-9));
/// # Ok(())
/// # }
/// ```
pub fn rational_quadratic<E: Real, D: Backend<E>>(
    values: &Var<E, D>,
    raw: &Var<E, D>,
    bins: usize,
    bound: f64,
    inverse: bool,
) -> Result<(Var<E, D>, Var<E, D>)> {
    let k = knots(raw, bins, bound)?;
    let host = values.to_f64_vec();
    let inside: Vec<bool> = host.iter().map(|v| v.abs() < bound).collect();
    // Clamped inputs keep the (unused) spline branch finite outside the interval.
    let clamped = values.clamp(-bound + 1e-6, bound - 1e-6);
    let knots_for_search = if inverse { &k.y } else { &k.x };
    let bin = searchsorted(knots_for_search, &clamped)?;
    let next: Vec<usize> = bin.iter().map(|b| b + 1).collect();
    let x_k = k.x.pick_per_row(&bin)?;
    let y_k = k.y.pick_per_row(&bin)?;
    let w = k.widths.pick_per_row(&bin)?;
    let h = k.heights.pick_per_row(&bin)?;
    let d0 = k.derivatives.pick_per_row(&bin)?;
    let d1 = k.derivatives.pick_per_row(&next)?;
    let slope = h.div(&w)?;
    let curvature = d1.add(&d0)?.sub(&(&slope * 2.0))?;
    let (xi, output) = if inverse {
        // Solve a xi^2 + b xi + c = 0 for the bin position of y (the stable root).
        let dy = clamped.sub(&y_k)?;
        let a = h.mul(&slope.sub(&d0)?)?.add(&dy.mul(&curvature)?)?;
        let b = h.mul(&d0)?.sub(&dy.mul(&curvature)?)?;
        let c = -slope.mul(&dy)?;
        let discriminant = b.square().sub(&a.mul(&c)?.mul_scalar(4.0))?.relu();
        let xi = (c * 2.0).div(&(-&b).sub(&discriminant.sqrt())?)?;
        let x = xi.mul(&w)?.add(&x_k)?;
        (xi, x)
    } else {
        let xi = clamped.sub(&x_k)?.div(&w)?;
        let one_minus = xi.rsub_scalar(1.0);
        let numerator = h.mul(
            &slope
                .mul(&xi.square())?
                .add(&d0.mul(&xi)?.mul(&one_minus)?)?,
        )?;
        let denominator = slope.add(&curvature.mul(&xi)?.mul(&one_minus)?)?;
        (xi.clone(), y_k.add(&numerator.div(&denominator)?)?)
    };
    let one_minus = xi.rsub_scalar(1.0);
    let denominator = slope.add(&curvature.mul(&xi)?.mul(&one_minus)?)?;
    let derivative_numerator = slope.square().mul(
        &d1.mul(&xi.square())?
            .add(&slope.mul(&xi)?.mul(&one_minus)?.mul_scalar(2.0))?
            .add(&d0.mul(&one_minus.square())?)?,
    )?;
    let log_derivative = derivative_numerator.ln().sub(&denominator.square().ln())?;
    let log_det = if inverse {
        -log_derivative
    } else {
        log_derivative
    };
    let zero = Var::zeros(&values.device(), values.rows(), 1);
    Ok((
        Var::select_where(&inside, &output, values)?,
        Var::select_where(&inside, &log_det, &zero)?,
    ))
}
