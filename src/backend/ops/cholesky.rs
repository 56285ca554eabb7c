//! Cholesky factorisation of a small symmetric positive-definite matrix.

use super::host_linalg::{cholesky, invert_lower, transpose};
use crate::backend::{real, Backend, Real, Var};
use crate::error::{Error, Result};

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// The lower Cholesky factor `L` of a symmetric positive-definite `A = L L^T`.
    ///
    /// The factorisation runs in `f64` on the host. It is recorded as its first-order
    /// expansion `L = L0 + L0 Phi(L0^-1 (A - A0) L0^-T)`, where `Phi` keeps the strictly lower
    /// triangle and halves the diagonal (Murray 2016, "Differentiation of the Cholesky
    /// decomposition", arXiv:1602.07527): the value is `L0` and the derivative is exact.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] for a non-square value; [`Error::Numerical`] when `A` is not
    /// positive definite (naming the failing pivot).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let a = Var::<f64, Cpu>::from_rows(&dev, &[[4.0, 2.0], [2.0, 5.0]])?;
    /// let l = a.cholesky()?;
    /// assert_eq!(l.to_vec(), vec![2.0, 0.0, 1.0, 2.0]);
    /// assert_eq!(l.matmul(&l.transpose())?.to_vec(), a.to_vec());
    /// let indefinite = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0], [2.0, 1.0]])?;
    /// assert!(matches!(indefinite.cholesky(), Err(Error::Numerical { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn cholesky(&self) -> Result<Self> {
        let (n, c) = self.shape();
        if n != c {
            return Err(Error::invalid_shape(
                "cholesky",
                format!("needs a square matrix, found {n}x{c}"),
            ));
        }
        let a0 = self.to_f64_vec();
        let l0 = cholesky(&a0, n).map_err(|pivot| Error::Numerical {
            operation: "cholesky",
            message: format!(
                "the matrix is not positive definite (pivot {pivot} is not positive); \
                 add jitter to the diagonal or check symmetry"
            ),
        })?;
        let linv = invert_lower(&l0, n);
        let dev = self.device();
        let to_e = |v: &[f64]| v.iter().map(|&x| real::<E>(x)).collect::<Vec<E>>();
        let l0_var = Var::from_vec(&dev, to_e(&l0), n, n)?;
        let linv_var = Var::from_vec(&dev, to_e(&linv), n, n)?;
        let linv_t = Var::from_vec(&dev, to_e(&transpose(&linv, n)), n, n)?;
        let a0_var = Var::from_vec(&dev, to_e(&a0), n, n)?;
        let mut phi_mask = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..i {
                phi_mask[i * n + j] = 1.0;
            }
            phi_mask[i * n + i] = 0.5;
        }
        let phi_mask = Var::from_vec(&dev, to_e(&phi_mask), n, n)?;
        let delta = self.sub(&a0_var)?;
        let inner = linv_var.matmul(&delta)?.matmul(&linv_t)?;
        let phi = inner.mul(&phi_mask)?;
        l0_var.matmul(&phi)?.add(&l0_var)
    }
}
