//! Log-determinant of and solves with lower-triangular matrices.

use super::host_linalg::{forward_substitute, invert_lower, transpose};
use crate::backend::{real, Backend, Real, Var};
use crate::error::{Error, Result};

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// `ln |det L| = sum_i ln |L_ii|` of a triangular matrix, as `(1, 1)`.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] for a non-square value.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let l = Var::<f64, Cpu>::from_rows(&dev, &[[2.0, 0.0], [1.0, -3.0]])?;
    /// assert!((l.triangular_log_abs_det()?.item()? - 6f64.ln()).abs() < 1e-12);
    /// let not_square = Var::<f64, Cpu>::zeros(&dev, 2, 3);
    /// assert!(not_square.triangular_log_abs_det().is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn triangular_log_abs_det(&self) -> Result<Self> {
        Ok(self.diagonal()?.abs().ln().sum())
    }

    /// Solves `L y = b` for every row `b` of `rhs`: with `L` `(d, d)` lower-triangular (this
    /// value) and `rhs` `(n, d)`, returns `Y = rhs L^-T`, `(n, d)`.
    ///
    /// The solve runs on the host by forward substitution. It is recorded as its first-order
    /// expansion `Y = (B - Y0 L^T) L0^-T + Y0`, whose value is `Y0` and whose derivatives are
    /// those of `L^-1 b`: `dY/dB = L^-1`, `dy/dL = -L^-1 dL y`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for incompatible shapes; [`Error::Numerical`] for a zero on the
    /// diagonal.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let l = Var::<f64, Cpu>::from_rows(&dev, &[[2.0, 0.0], [1.0, 1.0]])?;
    /// let b = Var::<f64, Cpu>::from_rows(&dev, &[[4.0, 5.0], [2.0, 0.0]])?;
    /// // Row by row: 2 y0 = b0, y0 + y1 = b1.
    /// assert_eq!(l.solve_lower_triangular(&b)?.to_vec(), vec![2.0, 3.0, 1.0, -1.0]);
    /// let wrong = Var::<f64, Cpu>::zeros(&dev, 1, 3);
    /// assert!(matches!(l.solve_lower_triangular(&wrong), Err(Error::ShapeMismatch { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn solve_lower_triangular(&self, rhs: &Self) -> Result<Self> {
        let (d, c) = self.shape();
        let (n, k) = rhs.shape();
        if d != c || k != d {
            return Err(Error::ShapeMismatch {
                operation: "solve_lower_triangular",
                left: self.shape(),
                right: rhs.shape(),
                hint: "; L must be (d, d) and the right-hand side (n, d)".into(),
            });
        }
        let l: Vec<f64> = self.to_f64_vec();
        if (0..d).any(|i| l[i * d + i] == 0.0 || !l[i * d + i].is_finite()) {
            return Err(Error::Numerical {
                operation: "solve_lower_triangular",
                message: "L has a zero or non-finite diagonal entry".into(),
            });
        }
        let b = rhs.to_f64_vec();
        let mut y0 = Vec::with_capacity(n * d);
        for row in 0..n {
            y0.extend(forward_substitute(&l, &b[row * d..(row + 1) * d], d));
        }
        let inverse_transposed = transpose(&invert_lower(&l, d), d);
        let dev = self.device();
        let to_e = |v: &[f64]| v.iter().map(|&x| real::<E>(x)).collect::<Vec<E>>();
        let y0 = Var::from_vec(&dev, to_e(&y0), n, d)?;
        let inverse_transposed = Var::from_vec(&dev, to_e(&inverse_transposed), d, d)?;
        let correction = y0.matmul(&self.transpose())?;
        (rhs - correction).matmul(&inverse_transposed)?.add(&y0)
    }
}
