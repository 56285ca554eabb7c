//! Fused elementwise kernels: a whole elementwise formula of several broadcast operands as
//! *one* recorded operation, evaluated in host memory with hand-written partial derivatives.
//!
//! A dfdx op costs about 0.25 us of bookkeeping on tiny tensors and one pass over memory with
//! unvectorised kernels on large ones (`notes/dfdx-speed.md`), so a log-density written as
//! seven ops costs seven times what the arithmetic needs. A fused kernel computes the value and
//! the partial derivatives `d out / d operand_m` in one host loop, and its backward step (added
//! with dfdx's `Tape::add_backward_op`) multiplies them by the upstream gradient, summing over
//! broadcast dimensions. Operands without a graph (data, constants) get no gradient at all.
//!
//! The host loop needs the device's buffers in host memory, so fused kernels run only on
//! devices where [`Backend::host_buffer_mut`] gives a slice (the CPU) and while
//! [`fused_kernels_enabled`] is true. Every caller keeps its composed-op formula, used on other
//! devices (CUDA) and when fused kernels are switched off; the tests compare the two paths'
//! values and gradients.

use super::kernel_graph::{record_with_backward, shared_tape};
use crate::backend::var::SharedTape;
use crate::backend::{arithmetic_shape, host_values, real, Backend, Real, Var};
use crate::dist::RowSumsTerm;
use crate::error::Result;
use std::cell::Cell;

thread_local! {
    static ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// Switches fused kernels on or off for the current thread (on by default). Off, every
/// operation is recorded as composed dfdx ops, as on devices without host buffers; use it to
/// cross-check a result or to measure what fusion buys. Host Adam follows the same switch.
///
/// ```
/// use flowppl::backend::{fused_kernels_enabled, set_fused_kernels};
/// use flowppl::prelude::*;
/// let dev = Cpu::default();
/// let x = Var::<f64, Cpu>::from_vec(&dev, vec![0.3, -1.2], 1, 2).unwrap();
/// let fused = Normal::new(0.5, 2.0).unwrap().log_prob(&x).unwrap().to_vec();
/// set_fused_kernels(false);
/// let composed = Normal::new(0.5, 2.0).unwrap().log_prob(&x).unwrap().to_vec();
/// set_fused_kernels(true);
/// assert!(fused_kernels_enabled());
/// for (a, b) in fused.iter().zip(&composed) {
///     assert!((a - b).abs() < 1e-12);
/// }
/// ```
pub fn set_fused_kernels(enabled: bool) {
    ENABLED.with(|flag| flag.set(enabled));
}

/// Whether fused kernels are switched on for the current thread (see [`set_fused_kernels`]).
///
/// # Examples
/// ```
/// use flowppl::backend::{fused_kernels_enabled, set_fused_kernels};
/// assert!(fused_kernels_enabled()); // on by default
/// set_fused_kernels(false);
/// assert!(!fused_kernels_enabled());
/// set_fused_kernels(true);
/// assert!(fused_kernels_enabled());
/// ```
pub fn fused_kernels_enabled() -> bool {
    ENABLED.with(Cell::get)
}

/// Whether fused kernels will run for values on device `D` (host buffers, and switched on).
pub(crate) fn use_fused<E: Real, D: Backend<E>>() -> bool {
    D::HOST_BUFFERS && fused_kernels_enabled()
}

/// One operand of a fused kernel: a value (broadcast against the others) or a plain number.
#[derive(Clone, Copy)]
pub(crate) enum Operand<'a, E: Real, D: Backend<E>> {
    /// A value of any broadcastable shape; differentiated when it is on a graph.
    Value(&'a Var<E, D>),
    /// A number shared by every entry (never differentiated).
    Number(f64),
}

impl<'a, E: Real, D: Backend<E>> From<&'a Var<E, D>> for Operand<'a, E, D> {
    fn from(value: &'a Var<E, D>) -> Self {
        Operand::Value(value)
    }
}

impl<'a, E: Real, D: Backend<E>> From<&'a crate::dist::Param<E, D>> for Operand<'a, E, D> {
    fn from(param: &'a crate::dist::Param<E, D>) -> Self {
        match param {
            crate::dist::Param::Scalar(c) => Operand::Number(*c),
            crate::dist::Param::Tensor(v) => Operand::Value(v),
        }
    }
}

/// An operand on the host (its mirror or a copy, see [`host_values`]) with the strides that
/// broadcast it to the output.
#[inline(always)]
fn broadcast_index(i: usize, j: usize, (rows, columns): (usize, usize)) -> usize {
    let r = if rows == 1 { 0 } else { i };
    let c = if columns == 1 { 0 } else { j };
    r * columns + c
}

/// The tape the operands share (`None` when none is recorded), after checking each for poison.
/// Written out rather than through [`shared_tape`] so that no list of the operands is built:
/// a fused kernel on a few entries costs little more than its bookkeeping.
fn common_tape<E: Real, D: Backend<E>, const N: usize>(
    operation: &'static str,
    operands: &[Operand<'_, E, D>; N],
) -> Result<Option<SharedTape<E, D>>> {
    let mut tape: Option<SharedTape<E, D>> = None;
    for operand in operands {
        if let Operand::Value(v) = operand {
            if let Some(found) = shared_tape(operation, &[*v])? {
                match &tape {
                    Some(existing) if !std::rc::Rc::ptr_eq(existing, &found) => {
                        return Err(crate::error::Error::GraphMismatch { operation })
                    }
                    _ => tape = Some(found),
                }
            }
        }
    }
    Ok(tape)
}

pub(crate) fn fused_elementwise<E: Real, D: Backend<E>, const N: usize>(
    operation: &'static str,
    operands: [Operand<'_, E, D>; N],
    kernel: impl Fn([E; N]) -> (E, [E; N]),
) -> Result<Var<E, D>> {
    fused(operation, operands, kernel, false)
}

pub(crate) fn fused_row_sums<E: Real, D: Backend<E>, const N: usize>(
    operation: &'static str,
    operands: [Operand<'_, E, D>; N],
    kernel: impl Fn([E; N]) -> (E, [E; N]),
) -> Result<Var<E, D>> {
    fused(operation, operands, kernel, true)
}

/// The backward step of a fused kernel, given the upstream gradient of its output.
pub(crate) type FusedBackward<E, D> = Box<
    dyn FnOnce(
        &mut dfdx::prelude::Gradients<E, D>,
        &[E],
    ) -> std::result::Result<(), <D as dfdx::tensor::HasErr>::Err>,
>;

/// A fused kernel evaluated on the host but not yet recorded: its output values, their shape,
/// the operands' tape and device, and the backward step as a function of the upstream
/// gradient (which adds into the operands' gradients).
struct Evaluated<E: Real, D: Backend<E>, B> {
    tape: Option<SharedTape<E, D>>,
    device: D,
    shape: (usize, usize),
    output: Vec<E>,
    backward: B,
}

fn fused<E: Real, D: Backend<E>, const N: usize>(
    operation: &'static str,
    operands: [Operand<'_, E, D>; N],
    kernel: impl Fn([E; N]) -> (E, [E; N]),
    row_sums: bool,
) -> Result<Var<E, D>> {
    let evaluated = evaluate(operation, operands, kernel, row_sums)?;
    let (rows, columns) = evaluated.shape;
    // The output's host mirror saves the next host read (a validation, another fused kernel)
    // a walk over the device buffer.
    let value = Var::constant_with_mirror(&evaluated.device, evaluated.output, rows, columns)?;
    Ok(record_with_backward(
        value,
        evaluated.tape,
        evaluated.backward,
    ))
}

/// A fused row-sum kernel as a [`RowSumsTerm`]: its `(rows, 1)` values and its backward step,
/// left to the caller to record (a log joint sums several such terms in one operation).
///
/// # Errors
/// As [`fused_row_sums`].
pub(crate) fn fused_row_sums_term<E: Real, D: Backend<E>, const N: usize>(
    operation: &'static str,
    operands: [Operand<'_, E, D>; N],
    kernel: impl Fn([E; N]) -> (E, [E; N]),
) -> Result<RowSumsTerm<E, D>> {
    let evaluated = evaluate(operation, operands, kernel, true)?;
    let backward = evaluated
        .tape
        .is_some()
        .then(|| Box::new(evaluated.backward) as FusedBackward<E, D>);
    Ok(RowSumsTerm::new(
        evaluated.output,
        evaluated.tape,
        evaluated.device,
        backward,
    ))
}

// The backward step is returned unboxed (dfdx boxes it once when it is recorded), which
// spells out its closure type in the signature.
#[allow(clippy::type_complexity)]
fn evaluate<E: Real, D: Backend<E>, const N: usize>(
    operation: &'static str,
    operands: [Operand<'_, E, D>; N],
    kernel: impl Fn([E; N]) -> (E, [E; N]),
    row_sums: bool,
) -> Result<
    Evaluated<
        E,
        D,
        impl FnOnce(&mut dfdx::prelude::Gradients<E, D>, &[E]) -> std::result::Result<(), D::Err>
            + 'static,
    >,
> {
    let tape = common_tape(operation, &operands)?;
    let mut shape = (1, 1);
    let mut device = None;
    for operand in &operands {
        if let Operand::Value(v) = operand {
            shape = arithmetic_shape(operation, shape, v.shape())?;
            device.get_or_insert_with(|| v.device());
        }
    }
    let device = match device {
        Some(d) => d,
        None => D::open()?,
    };
    let (rows, columns) = shape;
    // Each operand as host entries with the strides that broadcast it: entry (i, j) reads
    // `values[i * row_stride + j * column_stride]`. Host mirrors are borrowed, not copied, and
    // numbers are read from `numbers`, so no operand allocates unless it must be copied.
    let numbers: [E; N] = std::array::from_fn(|m| match operands[m] {
        Operand::Number(x) => real::<E>(x),
        Operand::Value(_) => E::zero(),
    });
    let borrowed: [Option<std::borrow::Cow<'_, [E]>>; N] =
        std::array::from_fn(|m| match operands[m] {
            Operand::Value(v) => Some(host_values(v)),
            Operand::Number(_) => None,
        });
    let slices: [&[E]; N] = std::array::from_fn(|m| match &borrowed[m] {
        Some(values) => &values[..],
        None => std::slice::from_ref(&numbers[m]),
    });
    let strides: [(usize, usize); N] = std::array::from_fn(|m| match operands[m] {
        Operand::Value(v) => {
            let (r, c) = v.shape();
            (if r == 1 { 0 } else { c }, usize::from(c != 1))
        }
        Operand::Number(_) => (0, 0),
    });
    // Partials are kept only for operands on a graph.
    let wanted: [bool; N] =
        std::array::from_fn(|m| matches!(operands[m], Operand::Value(v) if v.tape.is_some()));
    let count = rows * columns;
    let output_columns = if row_sums { 1 } else { columns };
    // Row sums are added in column order from zero, entry by entry.
    let mut output = vec![E::zero(); rows * output_columns];
    let mut partials: [Vec<E>; N] = std::array::from_fn(|m| {
        if wanted[m] {
            vec![E::zero(); count]
        } else {
            Vec::new()
        }
    });
    let full: [bool; N] = std::array::from_fn(|m| slices[m].len() == count);
    crate::backend::simd::wide(|| {
        if !row_sums && (0..N).all(|m| full[m] || slices[m].len() == 1) {
            // No broadcasting beyond single numbers: entry k of every full operand is entry k.
            for k in 0..count {
                let arguments: [E; N] =
                    std::array::from_fn(|m| if full[m] { slices[m][k] } else { slices[m][0] });
                let (value, derivatives) = kernel(arguments);
                output[k] = value;
                for m in 0..N {
                    if wanted[m] {
                        partials[m][k] = derivatives[m];
                    }
                }
            }
        } else {
            for i in 0..rows {
                for j in 0..columns {
                    let arguments: [E; N] =
                        std::array::from_fn(|m| slices[m][i * strides[m].0 + j * strides[m].1]);
                    let (value, derivatives) = kernel(arguments);
                    let k = i * columns + j;
                    if row_sums {
                        output[i] += value;
                    } else {
                        output[k] = value;
                    }
                    for m in 0..N {
                        if wanted[m] {
                            partials[m][k] = derivatives[m];
                        }
                    }
                }
            }
        }
    });
    drop(borrowed);
    // The upstream entry that multiplies output entry k's partials.
    let upstream_index = move |k: usize| if row_sums { k / columns.max(1) } else { k };
    let mut partials = partials.into_iter();
    let targets: [Option<_>; N] = std::array::from_fn(|m| {
        let partial = partials.next().unwrap_or_default();
        match operands[m] {
            Operand::Value(v) if wanted[m] => Some((v.value.clone(), v.shape(), partial)),
            _ => None,
        }
    });
    let backward = move |grads: &mut dfdx::prelude::Gradients<E, D>, upstream: &[E]| {
        for (tensor, operand_shape, partial) in targets.iter().flatten() {
            let Some(gradient) = D::host_buffer_mut(grads.get_or_alloc_mut(tensor)?) else {
                continue;
            };
            crate::backend::simd::wide(|| {
                if *operand_shape == (rows, columns) && !row_sums {
                    for ((g, p), u) in gradient.iter_mut().zip(partial).zip(upstream) {
                        *g += *p * *u;
                    }
                    return;
                }
                for i in 0..rows {
                    for j in 0..columns {
                        let k = i * columns + j;
                        let target = broadcast_index(i, j, *operand_shape);
                        gradient[target] += partial[k] * upstream[upstream_index(k)];
                    }
                }
            });
        }
        Ok(())
    };
    Ok(Evaluated {
        tape,
        device,
        shape: (rows, output_columns),
        output,
        backward,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{Cpu, Graph};
    use crate::error::Error;

    fn var(rows: usize, columns: usize, values: &[f64]) -> Var<f64, Cpu> {
        Var::from_vec(&Cpu::default(), values.to_vec(), rows, columns).unwrap()
    }

    #[test]
    fn broadcast_gradients_sum_over_the_repeated_entries() {
        // out = a * b + c with a (2, 1), b (1, 3), c a number.
        let graph = Graph::new(&Cpu::default());
        let a = graph.watch(&var(2, 1, &[1.0, 2.0]));
        let b = graph.watch(&var(1, 3, &[3.0, 4.0, 5.0]));
        let out = fused_elementwise(
            "test",
            [(&a).into(), (&b).into(), Operand::Number(0.5)],
            |[a, b, c]| (a * b + c, [b, a, 1.0]),
        )
        .unwrap();
        assert_eq!(out.shape(), (2, 3));
        assert_eq!(out.to_vec(), vec![3.5, 4.5, 5.5, 6.5, 8.5, 10.5]);
        let mut grads = out.sum().backward().unwrap();
        // d sum / d a_i = sum_j b_j = 12; d sum / d b_j = sum_i a_i = 3.
        assert_eq!(grads.of(&a).unwrap(), vec![12.0, 12.0]);
        assert_eq!(grads.of(&b).unwrap(), vec![3.0, 3.0, 3.0]);
    }

    #[test]
    fn the_same_value_twice_gets_both_partials() {
        let graph = Graph::new(&Cpu::default());
        let x = graph.watch(&var(1, 2, &[3.0, -1.0]));
        let out = fused_elementwise("square", [(&x).into(), (&x).into()], |[a, b]| {
            (a * b, [b, a])
        })
        .unwrap();
        let mut grads = out.sum().backward().unwrap();
        assert_eq!(grads.of(&x).unwrap(), vec![6.0, -2.0]);
    }

    #[test]
    fn constants_stay_off_the_graph_and_shapes_are_checked() {
        let a = var(2, 2, &[1.0, 2.0, 3.0, 4.0]);
        let out = fused_elementwise("double", [(&a).into()], |[x]| (2.0 * x, [2.0])).unwrap();
        assert!(out.backward().is_err());
        let b = var(3, 1, &[1.0, 2.0, 3.0]);
        let mismatch = fused_elementwise("pair", [(&a).into(), (&b).into()], |[x, y]| {
            (x + y, [1.0, 1.0])
        });
        assert!(matches!(mismatch, Err(Error::ShapeMismatch { .. })));
    }

    #[test]
    fn the_switch_is_per_thread() {
        assert!(fused_kernels_enabled());
        set_fused_kernels(false);
        assert!(!use_fused::<f32, Cpu>());
        std::thread::spawn(|| assert!(fused_kernels_enabled()))
            .join()
            .unwrap();
        set_fused_kernels(true);
        assert!(use_fused::<f32, Cpu>());
    }
}
