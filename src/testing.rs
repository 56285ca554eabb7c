//! Checking gradients against finite differences.
//!
//! [`gradient_check`] compares the recorded gradient of a function of several matrix inputs
//! with central finite differences computed in `f64`, like `torch.autograd.gradcheck`.

use crate::backend::{Backend, Graph, Real, Var};
use crate::error::Result;

/// The device the test suite runs on.
pub use crate::backend::TestDevice;

/// The outcome of a [`gradient_check`].
///
/// # Examples
/// ```
/// use flowppl::testing::{gradient_check, GradientReport};
/// # fn main() -> flowppl::Result<()> {
/// let inputs = [(1, 2, vec![0.3, -0.7])];
/// let report: GradientReport = gradient_check(&inputs, 1e-6, |v| Ok(v[0].tanh()))?;
/// assert!(report.max_error < 1e-6, "{report:?}");
/// let (input, entry, analytic, numeric) = report.worst;
/// assert!(input == 0 && entry < 2 && (analytic - numeric).abs() < 1e-6);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct GradientReport {
    /// Largest `|analytic - numeric| / (1 + |numeric|)` over all entries.
    pub max_error: f64,
    /// `(input, entry, analytic, numeric)` of the worst entry.
    pub worst: (usize, usize, f64, f64),
}

/// Checks the gradient of `f` at `inputs` (each `(rows, columns, row-major data)`) in `f64` on
/// the [`TestDevice`].
///
/// The scalar that is differentiated is `sum(w * f(inputs))` with fixed pseudo-random weights
/// `w` in `[0.5, 1.5)`, so every output entry matters. Finite differences are central with step
/// `step`. The reported error is that of the weighted sum's gradient, so a wrong derivative of
/// one output entry shows scaled by its weight (with a single output the weight is 0.5: a
/// slope of 1 where 0 is right reads as 0.5).
///
/// # Errors
/// Whatever `f` returns.
///
/// # Examples
/// ```
/// use flowppl::testing::gradient_check;
/// # fn main() -> flowppl::Result<()> {
/// // d/da, d/db of exp(a * b), broadcasting a (1, 2) against b (2, 1).
/// let inputs = [(1, 2, vec![0.5, -1.0]), (2, 1, vec![0.2, 0.3])];
/// let report = gradient_check(&inputs, 1e-6, |v| Ok(v[0].mul(&v[1])?.exp()))?;
/// assert!(report.max_error < 1e-6);
/// // A deliberately wrong gradient is caught: straight-through clamping has slope 1, not 0.
/// let wrong = gradient_check(&[(1, 1, vec![2.0])], 1e-6, |v| {
///     Ok(v[0].clamp_straight_through(0.0, 1.0))
/// })?;
/// assert!(wrong.max_error > 0.1, "{wrong:?}");
/// # Ok(())
/// # }
/// ```
pub fn gradient_check<F>(
    inputs: &[(usize, usize, Vec<f64>)],
    step: f64,
    f: F,
) -> Result<GradientReport>
where
    F: Fn(&[Var<f64, TestDevice>]) -> Result<Var<f64, TestDevice>>,
{
    let device = <TestDevice as Backend<f64>>::open()?;
    gradient_check_on::<f64, TestDevice, F>(&device, inputs, step, f)
}

/// [`gradient_check`] on any device and element type.
///
/// # Errors
/// Whatever `f` returns.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// use flowppl::testing::gradient_check_on;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// // In f32 the step must be larger and the tolerance looser than in f64.
/// let report = gradient_check_on::<f32, Cpu, _>(&dev, &[(1, 3, vec![0.5, 1.0, 2.0])], 1e-2, |v| {
///     Ok(v[0].square().sum())
/// })?;
/// assert!(report.max_error < 1e-3, "{report:?}");
/// # Ok(())
/// # }
/// ```
pub fn gradient_check_on<E: Real, D: Backend<E>, F>(
    device: &D,
    inputs: &[(usize, usize, Vec<f64>)],
    step: f64,
    f: F,
) -> Result<GradientReport>
where
    F: Fn(&[Var<E, D>]) -> Result<Var<E, D>>,
{
    let make = |data: &[f64], rows: usize, columns: usize| {
        Var::from_vec(
            device,
            data.iter()
                .map(|&x| <E as Real>::from_f64_value(x))
                .collect(),
            rows,
            columns,
        )
    };
    let constants: Vec<Var<E, D>> = inputs
        .iter()
        .map(|(r, c, data)| make(data, *r, *c))
        .collect::<Result<_>>()?;
    let output_shape = f(&constants)?.shape();
    let count = output_shape.0 * output_shape.1;
    // Fixed weights in [0.5, 1.5) so no output entry is ignored.
    let weights: Vec<f64> = (0..count)
        .map(|i| 0.5 + ((i * 7919) % 1000) as f64 / 1000.0)
        .collect();
    let weight_var = make(&weights, output_shape.0, output_shape.1)?;
    let objective = |values: &[Var<E, D>]| -> Result<f64> {
        Ok(f(values)?.mul(&weight_var)?.sum().item()?.to_f64())
    };

    let graph = Graph::new(device);
    let watched: Vec<Var<E, D>> = constants.iter().map(|c| graph.watch(c)).collect();
    let loss = f(&watched)?.mul(&weight_var)?.sum();
    let mut grads = loss.backward()?;

    let mut report = GradientReport {
        max_error: 0.0,
        worst: (0, 0, 0.0, 0.0),
    };
    for (index, (rows, columns, data)) in inputs.iter().enumerate() {
        let analytic = grads.of(&watched[index])?;
        for entry in 0..data.len() {
            let mut shifted: Vec<Var<E, D>> = constants.clone();
            let mut plus = data.clone();
            plus[entry] += step;
            shifted[index] = make(&plus, *rows, *columns)?;
            let up = objective(&shifted)?;
            let mut minus = data.clone();
            minus[entry] -= step;
            shifted[index] = make(&minus, *rows, *columns)?;
            let down = objective(&shifted)?;
            let numeric = (up - down) / (2.0 * step);
            let a = analytic[entry].to_f64();
            let error = (a - numeric).abs() / (1.0 + numeric.abs());
            if error.is_nan() || error > report.max_error {
                report.max_error = error;
                report.worst = (index, entry, a, numeric);
            }
        }
    }
    Ok(report)
}

/// The test device, opened (the CPU, or GPU 0 with `--features cuda`).
///
/// # Panics
/// When the device cannot be opened: this is for tests only.
///
/// # Examples
/// ```
/// use flowppl::backend::Var;
/// use flowppl::testing::{test_device, TestDevice};
/// # fn main() -> flowppl::Result<()> {
/// let dev = test_device();
/// let v = Var::<f32, TestDevice>::from_vec(&dev, vec![1.0, 2.0], 1, 2)?;
/// assert_eq!(v.sum().item()?, 3.0);
/// # Ok(())
/// # }
/// ```
pub fn test_device() -> TestDevice {
    <TestDevice as Backend<f32>>::open().expect("the test device (CPU, or CUDA GPU 0) must open")
}

/// `ln |det A|` of a row-major `n x n` matrix by Gaussian elimination with partial pivoting
/// (for checking log-determinants of bijections against a numerical Jacobian).
///
/// # Examples
/// ```
/// use flowppl::testing::log_abs_det;
/// // det [[2, 1], [1, 3]] = 5.
/// assert!((log_abs_det(vec![2.0, 1.0, 1.0, 3.0], 2) - 5f64.ln()).abs() < 1e-12);
/// // A zero leading entry needs a row swap: det [[0, 2], [3, 1]] = -6.
/// assert!((log_abs_det(vec![0.0, 2.0, 3.0, 1.0], 2) - 6f64.ln()).abs() < 1e-12);
/// ```
pub fn log_abs_det(mut a: Vec<f64>, n: usize) -> f64 {
    let mut total = 0.0;
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))
            .unwrap_or(col);
        for k in 0..n {
            a.swap(col * n + k, pivot * n + k);
        }
        let p = a[col * n + col];
        total += p.abs().ln();
        for i in col + 1..n {
            let factor = a[i * n + col] / p;
            for k in col..n {
                a[i * n + k] -= factor * a[col * n + k];
            }
        }
    }
    total
}

/// The central finite-difference Jacobian `(m, n)` of `f: R^n -> R^m` at `x` with step `h`,
/// row-major.
///
/// # Examples
/// ```
/// use flowppl::testing::numerical_jacobian;
/// // f(x, y) = (x y, x + 3 y) has Jacobian [[y, x], [1, 3]].
/// let j = numerical_jacobian(&[1.0, 2.0], 1e-6, |v| vec![v[0] * v[1], v[0] + 3.0 * v[1]]);
/// let want = [2.0, 1.0, 1.0, 3.0];
/// assert!(j.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6));
/// ```
pub fn numerical_jacobian(x: &[f64], h: f64, f: impl Fn(&[f64]) -> Vec<f64>) -> Vec<f64> {
    let n = x.len();
    let mut columns = Vec::with_capacity(n);
    for j in 0..n {
        let (mut up, mut down) = (x.to_vec(), x.to_vec());
        up[j] += h;
        down[j] -= h;
        let (fu, fd) = (f(&up), f(&down));
        columns.push(
            fu.iter()
                .zip(&fd)
                .map(|(a, b)| (a - b) / (2.0 * h))
                .collect::<Vec<f64>>(),
        );
    }
    let m = columns.first().map(Vec::len).unwrap_or(0);
    (0..m * n).map(|k| columns[k % n][k / n]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn determinant_and_jacobian_helpers() {
        // [[2, 1], [1, 3]] has determinant 5.
        assert!((log_abs_det(vec![2.0, 1.0, 1.0, 3.0], 2) - 5f64.ln()).abs() < 1e-12);
        let j = numerical_jacobian(&[1.0, 2.0], 1e-6, |v| vec![v[0] * v[1], v[0] + 3.0 * v[1]]);
        let want = [2.0, 1.0, 1.0, 3.0];
        for (a, b) in j.iter().zip(want) {
            assert!((a - b).abs() < 1e-6);
        }
    }
}
