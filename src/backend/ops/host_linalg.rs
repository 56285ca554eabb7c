//! Small dense linear algebra in `f64` on the host, row-major `n x n` slices.

/// Cholesky factor `L` (lower, row-major) of a symmetric positive-definite matrix, or the index
/// of the first pivot that was not positive.
pub(crate) fn cholesky(a: &[f64], n: usize) -> Result<Vec<f64>, usize> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                let pivot = a[i * n + i] - dot;
                if pivot.is_nan() || pivot <= 0.0 {
                    return Err(i);
                }
                l[i * n + i] = pivot.sqrt();
            } else {
                l[i * n + j] = (a[i * n + j] - dot) / l[j * n + j];
            }
        }
    }
    Ok(l)
}

/// Solves `L y = b` for lower-triangular `L` by forward substitution.
pub(crate) fn forward_substitute(l: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut y = vec![0.0; n];
    for i in 0..n {
        let dot: f64 = (0..i).map(|k| l[i * n + k] * y[k]).sum();
        y[i] = (b[i] - dot) / l[i * n + i];
    }
    y
}

/// The inverse of a lower-triangular matrix (itself lower-triangular), row-major.
pub(crate) fn invert_lower(l: &[f64], n: usize) -> Vec<f64> {
    let mut inverse = vec![0.0; n * n];
    let mut unit = vec![0.0; n];
    for column in 0..n {
        unit.iter_mut().for_each(|u| *u = 0.0);
        unit[column] = 1.0;
        let solved = forward_substitute(l, &unit, n);
        for row in 0..n {
            inverse[row * n + column] = solved[row];
        }
    }
    inverse
}

/// Row-major transpose of an `n x n` matrix.
pub(crate) fn transpose(a: &[f64], n: usize) -> Vec<f64> {
    let mut t = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            t[j * n + i] = a[i * n + j];
        }
    }
    t
}

/// Solves `A x = b` for symmetric positive-definite `A` by Cholesky, or `None` when `A` is not
/// positive definite.
pub(crate) fn solve_spd(a: &[f64], b: &[f64]) -> Option<Vec<f64>> {
    let n = b.len();
    let l = cholesky(a, n).ok()?;
    let y = forward_substitute(&l, b, n);
    // Back substitution with L^T.
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[k * n + i] * x[k]).sum::<f64>()) / l[i * n + i];
    }
    Some(x)
}

/// The inverse of a symmetric positive-definite matrix, `(L^-1)^T L^-1`, or `None`.
pub(crate) fn invert_spd(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let inverse_factor = invert_lower(&cholesky(a, n).ok()?, n);
    Some(
        (0..n * n)
            .map(|k| {
                let (i, j) = (k / n, k % n);
                (0..n)
                    .map(|r| inverse_factor[r * n + i] * inverse_factor[r * n + j])
                    .sum()
            })
            .collect(),
    )
}
