//! Reductions: sums, means and log-sum-exp over rows, columns or everything.

use super::Var;
use crate::backend::device::Backend;
use crate::backend::real::Real;
use dfdx::prelude::{Axes2, Axis, LogSumExpTo, ReshapeTo, SumTo};

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// Sum of all entries, as `(1, 1)`.
    pub fn sum(&self) -> Self {
        self.record(|t| t.sum::<(), Axes2<0, 1>>().reshape_like(&(1, 1)))
    }

    /// Mean of all entries, as `(1, 1)`.
    pub fn mean(&self) -> Self {
        let n = (self.rows() * self.columns()) as f64;
        self.sum().mul_scalar(1.0 / n)
    }

    /// Sum across columns: `(rows, columns) -> (rows, 1)`.
    pub fn sum_columns(&self) -> Self {
        let rows = self.rows();
        self.record(|t| t.sum::<(usize,), Axis<1>>().reshape_like(&(rows, 1)))
    }

    /// Sum across rows: `(rows, columns) -> (1, columns)`.
    pub fn sum_rows(&self) -> Self {
        let columns = self.columns();
        self.record(|t| t.sum::<(usize,), Axis<0>>().reshape_like(&(1, columns)))
    }

    /// Mean across columns: `(rows, columns) -> (rows, 1)`.
    pub fn mean_columns(&self) -> Self {
        let n = self.columns() as f64;
        self.sum_columns().mul_scalar(1.0 / n)
    }

    /// Mean across rows: `(rows, columns) -> (1, columns)`.
    pub fn mean_rows(&self) -> Self {
        let n = self.rows() as f64;
        self.sum_rows().mul_scalar(1.0 / n)
    }

    /// `log(sum(exp(x)))` across columns, max-shifted for stability: `(rows, 1)`.
    ///
    /// A row that is entirely `-inf` gives NaN (dfdx 0.13 behaviour).
    pub fn logsumexp_columns(&self) -> Self {
        let rows = self.rows();
        self.record(|t| t.logsumexp::<(usize,), Axis<1>>().reshape_like(&(rows, 1)))
    }

    /// `log(sum(exp(x)))` across rows: `(1, columns)`.
    pub fn logsumexp_rows(&self) -> Self {
        let columns = self.columns();
        self.record(|t| {
            t.logsumexp::<(usize,), Axis<0>>()
                .reshape_like(&(1, columns))
        })
    }

    /// Log-softmax across columns (each row normalised): `x - logsumexp_columns(x)`.
    pub fn log_softmax_columns(&self) -> Self {
        self.record(|t| t.log_softmax::<Axis<1>>())
    }

    /// Softmax across columns.
    pub fn softmax_columns(&self) -> Self {
        self.record(|t| t.softmax::<Axis<1>>())
    }
}
