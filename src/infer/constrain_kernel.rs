//! A guide's unconstrained draw mapped onto its sites' supports as one recorded operation.
//!
//! Every autoguide draws one `(particles, D)` block `theta` with its density `ln q(theta)` and
//! then, per site, cuts out the site's columns, pushes them through `biject_to(support)` and
//! subtracts the log-Jacobian (see [`super::layout::LatentLayout::constrain`]):
//!
//! ```text
//! z_b = T_b(theta[:, o_b .. o_b + w_b])
//! ln q(z) = ln q(theta) - sum_b sum_j ln |T_b'(theta_ij)|
//! ```
//!
//! With dfdx operations that is a cut, a map, a column sum and an addition per site and a
//! subtraction, five or more operations for eight schools' three sites. When every site's
//! bijection is elementwise (identity, `exp` with a shift and sign, a scaled sigmoid; the
//! supports `real`, `positive`, `greater_than`, `less_than`, `interval`, `unit_interval`), the
//! whole map is one host loop and one backward step:
//!
//! ```text
//! dL/dtheta_ij += dL/dz_ij T'(theta_ij) - dL/d(ln q)_i (ln |T'|)'(theta_ij)
//! dL/d(ln q(theta))_i += dL/d(ln q)_i
//! ```
//!
//! The composed path stays for other supports, other devices and fused kernels off; the tests
//! compare the two (values, densities and gradients). Reference for the change of variables:
//! Kucukelbir et al. 2017, "Automatic differentiation variational inference", JMLR 18(14).

pub(crate) use super::elementwise_map::ElementwiseMap;
use crate::backend::ops::kernel_graph::{read_upstream, shared_tape};
use crate::backend::{host_values, Backend, Real, SharedTape, Var};
use crate::error::{Error, Result};
use dfdx::prelude::Tape;

/// The sites' blocks and the density of the draw.
pub(crate) type ConstrainedDraw<E, D> = (Vec<Var<E, D>>, Var<E, D>);

/// A draw mapped in host memory: the blocks, `ln q` minus the log-Jacobians, and (when asked
/// for) each entry's `dz/dx` and `d ln |dz/dx| / dx` for the backward step.
pub(crate) struct MappedColumns<E> {
    pub(crate) blocks: Vec<Vec<E>>,
    pub(crate) log_q: Vec<E>,
    slopes: Vec<E>,
    log_det_slopes: Vec<E>,
    widths: Vec<usize>,
    columns: usize,
}

/// Maps the `(rows, columns)` host draw `values` block by block and subtracts each row's
/// log-Jacobian (summed per slot, then slot by slot, as the composed path adds them) from
/// `log_q`; keeps the slopes when `recorded`.
pub(crate) fn map_columns<E: Real>(
    values: &[E],
    mut log_q: Vec<E>,
    maps: &[(ElementwiseMap, usize)],
    recorded: bool,
) -> MappedColumns<E> {
    let rows = log_q.len();
    let columns = maps.iter().map(|m| m.1).sum::<usize>();
    let count = rows * columns;
    let (mut slopes, mut log_det_slopes) = if recorded {
        (vec![E::zero(); count], vec![E::zero(); count])
    } else {
        (Vec::new(), Vec::new())
    };
    let mut blocks = Vec::with_capacity(maps.len());
    let mut log_det: Vec<Option<E>> = vec![None; rows];
    let mut offset = 0;
    for &(map, width) in maps {
        let mut block = Vec::with_capacity(rows * width);
        for (i, row_log_det) in log_det.iter_mut().enumerate() {
            let mut row_sum = E::zero();
            for j in offset..offset + width {
                let k = i * columns + j;
                let (z, slope, ladj, ladj_slope) = map.apply(values[k]);
                block.push(z);
                row_sum += ladj;
                if recorded {
                    slopes[k] = slope;
                    log_det_slopes[k] = ladj_slope;
                }
            }
            if map != ElementwiseMap::Identity {
                *row_log_det = Some(match *row_log_det {
                    None => row_sum,
                    Some(total) => total + row_sum,
                });
            }
        }
        blocks.push(block);
        offset += width;
    }
    for (q, det) in log_q.iter_mut().zip(&log_det) {
        if let Some(det) = det {
            *q -= *det;
        }
    }
    MappedColumns {
        blocks,
        log_q,
        slopes,
        log_det_slopes,
        widths: maps.iter().map(|m| m.1).collect(),
        columns,
    }
}

impl<E: Real> MappedColumns<E> {
    /// `dL/dtheta` from the blocks' upstream gradients and that of the density:
    /// `g_ij T'(theta_ij) - h_i (ln |T'|)'(theta_ij)`, row-major `(rows, columns)`.
    pub(crate) fn theta_gradient(&self, block_upstreams: &[Vec<E>], density: &[E]) -> Vec<E> {
        let rows = density.len();
        let mut gradient = vec![E::zero(); rows * self.columns];
        let mut offset = 0;
        for (upstream, &width) in block_upstreams.iter().zip(&self.widths) {
            for i in 0..rows {
                for j in 0..width {
                    let k = i * self.columns + offset + j;
                    gradient[k] = upstream[i * width + j] * self.slopes[k]
                        - density[i] * self.log_det_slopes[k];
                }
            }
            offset += width;
        }
        gradient
    }
}

/// Checks that `maps` cover `columns` columns with non-empty blocks.
pub(crate) fn check_widths(
    operation: &'static str,
    maps: &[(ElementwiseMap, usize)],
    columns: usize,
) -> Result<()> {
    if maps.iter().map(|(_, w)| w).sum::<usize>() != columns || maps.iter().any(|m| m.1 == 0) {
        return Err(Error::invalid_shape(
            operation,
            format!("site widths {maps:?} for a draw with {columns} columns"),
        ));
    }
    Ok(())
}

/// The outputs of a mapped draw as values (host mirrors kept), not yet on a graph.
pub(crate) fn mapped_values<E: Real, D: Backend<E>>(
    device: &D,
    blocks: Vec<Vec<E>>,
    log_q: Vec<E>,
    widths: &[usize],
) -> Result<ConstrainedDraw<E, D>> {
    let rows = log_q.len();
    let values = blocks
        .into_iter()
        .zip(widths)
        .map(|(block, &width)| Var::constant_with_mirror(device, block, rows, width))
        .collect::<Result<Vec<_>>>()?;
    Ok((values, Var::constant_with_mirror(device, log_q, rows, 1)?))
}

/// Puts a mapped draw's outputs on `shared` with one backward step: it reads the blocks' and
/// the density's upstream gradients and hands them to `backward`, which adds into the inputs'
/// gradients.
pub(crate) fn record_mapped<E: Real, D: Backend<E>>(
    shared: SharedTape<E, D>,
    (blocks, density): &mut ConstrainedDraw<E, D>,
    backward: impl FnOnce(
            &mut dfdx::prelude::Gradients<E, D>,
            &[Vec<E>],
            &[E],
        ) -> std::result::Result<(), D::Err>
        + 'static,
) {
    let block_tensors: Vec<_> = blocks.iter().map(|b| b.value.clone()).collect();
    let density_tensor = density.value.clone();
    shared.borrow_mut().add_backward_op(move |grads| {
        let Some(density_upstream) = read_upstream(grads, &density_tensor)? else {
            return Ok(());
        };
        let mut block_upstreams = Vec::with_capacity(block_tensors.len());
        for tensor in &block_tensors {
            match read_upstream(grads, tensor)? {
                Some(values) => block_upstreams.push(values),
                None => return Ok(()),
            }
        }
        backward(grads, &block_upstreams, &density_upstream)
    });
    for block in blocks.iter_mut() {
        block.tape = Some(shared.clone());
    }
    density.tape = Some(shared);
}

/// The blocks `T_b(theta[:, o_b .. o_b + w_b])` (each `(rows, w_b)`, with a host mirror) and
/// `ln q(theta) - sum ln |T'|` (`(rows, 1)`), for `maps` of widths summing to `theta`'s columns.
///
/// # Errors
/// [`Error::InvalidShape`] when the widths do not cover `theta` or `log_q` is not one column of
/// `theta`'s rows; the error of a poisoned input; [`Error::GraphMismatch`] for inputs on
/// different graphs.
pub(crate) fn constrain_columns<E: Real, D: Backend<E>>(
    theta: &Var<E, D>,
    log_q: &Var<E, D>,
    maps: &[(ElementwiseMap, usize)],
) -> Result<ConstrainedDraw<E, D>> {
    let (rows, columns) = theta.shape();
    check_widths("constrain_columns", maps, columns)?;
    if log_q.shape() != (rows, 1) {
        return Err(Error::invalid_shape(
            "constrain_columns",
            format!(
                "ln q of shape {:?} for a draw of {rows} rows",
                log_q.shape()
            ),
        ));
    }
    let tape = shared_tape("constrain_columns", &[theta, log_q])?;
    let mut mapped = map_columns(
        &host_values(theta),
        host_values(log_q).into_owned(),
        maps,
        tape.is_some(),
    );
    let blocks = std::mem::take(&mut mapped.blocks);
    let log_q_out = std::mem::take(&mut mapped.log_q);
    let mut draw = mapped_values(&theta.device(), blocks, log_q_out, &mapped.widths)?;
    let Some(shared) = tape else {
        return Ok(draw);
    };
    let theta_tensor = theta.is_recorded().then(|| theta.value.clone());
    let log_q_tensor = log_q.is_recorded().then(|| log_q.value.clone());
    record_mapped(
        shared,
        &mut draw,
        move |grads, block_upstreams, density_upstream| {
            if let Some(tensor) = &theta_tensor {
                let step = mapped.theta_gradient(block_upstreams, density_upstream);
                if let Some(gradient) = D::host_buffer_mut(grads.get_or_alloc_mut(tensor)?) {
                    for (g, s) in gradient.iter_mut().zip(step) {
                        *g += s;
                    }
                }
            }
            if let Some(tensor) = &log_q_tensor {
                if let Some(gradient) = D::host_buffer_mut(grads.get_or_alloc_mut(tensor)?) {
                    for (g, &u) in gradient.iter_mut().zip(density_upstream) {
                        *g += u;
                    }
                }
            }
            Ok(())
        },
    );
    Ok(draw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ops::fused::set_fused_kernels;
    use crate::backend::{Cpu, Graph};
    use crate::constraints::{biject_to, Constraint};
    use crate::transforms::Bijector;

    /// Supports with elementwise bijections, one per slot, with their widths.
    fn supports() -> Vec<(Constraint, usize)> {
        vec![
            (Constraint::Real, 2),
            (Constraint::Positive, 1),
            (Constraint::GreaterThan(-1.5), 2),
            (Constraint::LessThan(3.0), 1),
            (Constraint::UnitInterval, 2),
            (Constraint::Interval(-2.0, 5.0), 1),
            (Constraint::RealVector, 1),
        ]
    }

    /// Values of the blocks and the density, and the gradients in `theta` and `log_q` of a
    /// loss that weights every output differently; `fused` picks the path.
    #[allow(clippy::type_complexity)]
    fn evaluate(fused: bool) -> (Vec<Vec<f64>>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let device = Cpu::default();
        let graph = Graph::<f64, Cpu>::new(&device);
        let slots = supports();
        let columns: usize = slots.iter().map(|s| s.1).sum();
        let rows = 3;
        let theta_values: Vec<f64> = (0..rows * columns)
            .map(|k| ((k * 7 % 11) as f64 - 5.0) * 0.45)
            .collect();
        let theta = graph.watch(&Var::from_vec(&device, theta_values, rows, columns).unwrap());
        let log_q = graph.watch(&Var::from_vec(&device, vec![-1.0, 0.5, 2.0], rows, 1).unwrap());
        let (blocks, density) = if fused {
            let maps: Vec<_> = slots
                .iter()
                .map(|(support, w)| (ElementwiseMap::of(support).unwrap().0, *w))
                .collect();
            constrain_columns(&theta, &log_q, &maps).unwrap()
        } else {
            let mut offset = 0;
            let mut blocks = Vec::new();
            let mut density = log_q.clone();
            for (support, width) in &slots {
                let block = theta.slice_columns(offset, offset + width).unwrap();
                let bijector: Box<dyn Bijector<f64, Cpu>> = biject_to(support).unwrap();
                let (value, log_det) = bijector.forward(&block, None).unwrap();
                density = density.sub(&log_det).unwrap();
                blocks.push(value);
                offset += width;
            }
            (blocks, density)
        };
        let mut loss = density.square().sum();
        for (b, block) in blocks.iter().enumerate() {
            let weight = Var::full(&device, rows, block.columns(), 0.5 + b as f64);
            loss = loss.add(&block.mul(&weight).unwrap().sum()).unwrap();
        }
        let mut grads = loss.backward().unwrap();
        (
            blocks.iter().map(|b| b.to_f64_vec()).collect(),
            density.to_f64_vec(),
            grads.of(&theta).unwrap(),
            grads.of(&log_q).unwrap(),
        )
    }

    fn assert_close(a: &[f64], b: &[f64], what: &str) {
        assert_eq!(a.len(), b.len(), "{what}");
        for (x, y) in a.iter().zip(b) {
            assert!(
                (x - y).abs() <= 1e-10 * (1.0 + y.abs()),
                "{what}: {x} vs {y}"
            );
        }
    }

    #[test]
    fn one_operation_agrees_with_the_bijectors_in_values_densities_and_gradients() {
        let fused = evaluate(true);
        set_fused_kernels(false);
        let composed = evaluate(false);
        set_fused_kernels(true);
        for (b, (f, c)) in fused.0.iter().zip(&composed.0).enumerate() {
            assert_close(f, c, &format!("block {b}"));
        }
        assert_close(&fused.1, &composed.1, "density");
        assert_close(&fused.2, &composed.2, "d/dtheta");
        assert_close(&fused.3, &composed.3, "d/dlog_q");
        // The maps land in their supports.
        for ((support, _), block) in supports().iter().zip(&fused.0) {
            assert!(block.iter().all(|&z| support.check_value(z)), "{support:?}");
        }
    }

    #[test]
    fn constants_stay_constants_and_bad_shapes_are_errors() {
        let device = Cpu::default();
        let theta = Var::<f64, Cpu>::from_vec(&device, vec![0.0, 1.0], 1, 2).unwrap();
        let log_q = Var::from_vec(&device, vec![0.25], 1, 1).unwrap();
        let positive = ElementwiseMap::of(&Constraint::Positive).unwrap().0;
        let maps = [(ElementwiseMap::Identity, 1), (positive, 1)];
        let (blocks, density) = constrain_columns(&theta, &log_q, &maps).unwrap();
        assert!(!density.is_recorded() && blocks.iter().all(|b| !b.is_recorded()));
        assert_eq!(blocks[1].to_vec(), vec![1f64.exp()]);
        assert_eq!(density.to_vec(), vec![0.25 - 1.0]); // ln |d exp(x)/dx| = x = 1
        let short = constrain_columns(&theta, &log_q, &maps[..1]);
        assert!(matches!(short, Err(Error::InvalidShape { .. })));
        let wide_q = Var::from_vec(&device, vec![0.0, 0.0], 1, 2).unwrap();
        let wrong = constrain_columns(&theta, &wide_q, &maps);
        assert!(matches!(wrong, Err(Error::InvalidShape { .. })));
    }
}
