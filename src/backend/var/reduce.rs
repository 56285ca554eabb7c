//! Reductions: sums, means and log-sum-exp over rows, columns or everything.

use super::Var;
use crate::backend::device::Backend;
use crate::backend::real::Real;
use dfdx::prelude::{Axes2, Axis, LogSumExpTo, ReshapeTo, SumTo};

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// Sum of all entries, as `(1, 1)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
    /// let total = x.sum();
    /// assert_eq!(total.shape(), (1, 1));
    /// assert_eq!(total.item()?, 21.0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn sum(&self) -> Self {
        self.record(|t| t.sum::<(), Axes2<0, 1>>().reshape_like(&(1, 1)))
    }

    /// Mean of all entries, as `(1, 1)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0], [3.0, 6.0]])?);
    /// let m = x.mean();
    /// assert_eq!(m.item()?, 3.0);
    /// assert_eq!(m.backward()?.of(&x)?, vec![0.25; 4]); // 1 / n each
    /// # Ok(())
    /// # }
    /// ```
    pub fn mean(&self) -> Self {
        let n = (self.rows() * self.columns()) as f64;
        crate::backend::ops::scaled_sum::scaled_sum(self, 1.0 / n)
    }

    /// Sum across columns: `(rows, columns) -> (rows, 1)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
    /// let s = x.sum_columns();
    /// assert_eq!((s.shape(), s.to_vec()), ((2, 1), vec![6.0, 15.0]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn sum_columns(&self) -> Self {
        let rows = self.rows();
        self.record(|t| t.sum::<(usize,), Axis<1>>().reshape_like(&(rows, 1)))
    }

    /// Sum across rows: `(rows, columns) -> (1, columns)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
    /// let s = x.sum_rows();
    /// assert_eq!((s.shape(), s.to_vec()), ((1, 3), vec![5.0, 7.0, 9.0]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn sum_rows(&self) -> Self {
        let columns = self.columns();
        self.record(|t| t.sum::<(usize,), Axis<0>>().reshape_like(&(1, columns)))
    }

    /// Mean across columns: `(rows, columns) -> (rows, 1)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
    /// let m = x.mean_columns();
    /// assert_eq!((m.shape(), m.to_vec()), ((2, 1), vec![2.0, 5.0]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn mean_columns(&self) -> Self {
        let n = self.columns() as f64;
        self.sum_columns().mul_scalar(1.0 / n)
    }

    /// Mean across rows: `(rows, columns) -> (1, columns)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
    /// let m = x.mean_rows();
    /// assert_eq!((m.shape(), m.to_vec()), ((1, 3), vec![2.5, 3.5, 4.5]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn mean_rows(&self) -> Self {
        let n = self.rows() as f64;
        self.sum_rows().mul_scalar(1.0 / n)
    }

    /// `log(sum(exp(x)))` across columns, max-shifted for stability: `(rows, 1)`.
    ///
    /// A row that is entirely `-inf` gives NaN (dfdx 0.13 behaviour).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[0.0, 0.0], [1000.0, 1000.0]])?;
    /// let l = x.logsumexp_columns();
    /// assert_eq!(l.shape(), (2, 1));
    /// let ln2 = 2f64.ln();
    /// assert!((l.to_vec()[0] - ln2).abs() < 1e-12 && (l.to_vec()[1] - (1000.0 + ln2)).abs() < 1e-9);
    /// # Ok(())
    /// # }
    /// ```
    pub fn logsumexp_columns(&self) -> Self {
        let rows = self.rows();
        self.record(|t| t.logsumexp::<(usize,), Axis<1>>().reshape_like(&(rows, 1)))
    }

    /// `log(sum(exp(x)))` across rows: `(1, columns)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[0.0, 1.0], [0.0, 2.0]])?;
    /// let l = x.logsumexp_rows().to_vec();
    /// assert!((l[0] - 2f64.ln()).abs() < 1e-12);
    /// assert!((l[1] - (1f64.exp() + 2f64.exp()).ln()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn logsumexp_rows(&self) -> Self {
        let columns = self.columns();
        self.record(|t| {
            t.logsumexp::<(usize,), Axis<0>>()
                .reshape_like(&(1, columns))
        })
    }

    /// Log-softmax across columns (each row normalised): `x - logsumexp_columns(x)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]])?;
    /// let y = x.log_softmax_columns();
    /// assert_eq!(y.shape(), (2, 4));
    /// assert!(y.to_vec().iter().all(|&v| (v + 4f64.ln()).abs() < 1e-12)); // ln(1/4)
    /// # Ok(())
    /// # }
    /// ```
    pub fn log_softmax_columns(&self) -> Self {
        self.record(|t| t.log_softmax::<Axis<1>>())
    }

    /// Softmax across columns.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[0.0, 2f64.ln()], [5.0, 5.0]])?;
    /// let p = x.softmax_columns().to_vec();
    /// let want = [1.0 / 3.0, 2.0 / 3.0, 0.5, 0.5];
    /// assert!(p.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12));
    /// # Ok(())
    /// # }
    /// ```
    pub fn softmax_columns(&self) -> Self {
        self.record(|t| t.softmax::<Axis<1>>())
    }
}
