//! Checking gradients against finite differences.
//!
//! [`gradient_check`] compares the recorded gradient of a function of several matrix inputs
//! with central finite differences computed in `f64`, like `torch.autograd.gradcheck`.

use crate::backend::{Backend, Graph, Real, Var};
use crate::error::Result;

/// The device the test suite runs on.
pub use crate::backend::TestDevice;

/// The outcome of a [`gradient_check`].
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
/// `w`, so every output entry matters. Finite differences are central with step `step`.
///
/// # Errors
/// Whatever `f` returns.
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
pub fn test_device() -> TestDevice {
    <TestDevice as Backend<f32>>::open().expect("the test device (CPU, or CUDA GPU 0) must open")
}

/// `ln |det A|` of a row-major `n x n` matrix by Gaussian elimination with partial pivoting
/// (for checking log-determinants of bijections against a numerical Jacobian).
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
