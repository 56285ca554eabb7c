//! `log(1 + x)` and `exp(x) - 1` without cancellation near zero.

use crate::backend::{Backend, Real, Var};

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// `ln(1 + x)`, accurate for tiny `x` (where `(1 + x).ln()` rounds to 0 in `f32`).
    /// Derivative `1 / (1 + x)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f32, Cpu>::from_vec(&dev, vec![1e-10, 1.0], 1, 2)?;
    /// let y = x.log1p().to_vec();
    /// assert!((y[0] / 1e-10 - 1.0).abs() < 1e-6);
    /// assert!((y[1] - 2f32.ln()).abs() < 1e-6);
    /// assert_eq!((&x + 1.0).ln().to_vec()[0], 0.0); // the naive form rounds to 0
    /// # Ok(())
    /// # }
    /// ```
    pub fn log1p(&self) -> Self {
        self.map_host(|x| (x.ln_1p(), 1.0 / (1.0 + x)))
    }

    /// `e^x - 1`, accurate for tiny `x`. Derivative `e^x`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![1e-12, 1.0], 1, 2)?);
    /// let y = x.expm1();
    /// assert_eq!(y.to_vec(), vec![1e-12f64.exp_m1(), 1f64.exp_m1()]);
    /// let mut grads = y.sum().backward()?;
    /// assert_eq!(grads.of(&x)?, vec![1e-12f64.exp(), 1f64.exp()]); // d/dx = e^x
    /// # Ok(())
    /// # }
    /// ```
    pub fn expm1(&self) -> Self {
        self.map_host(|x| (x.exp_m1(), x.exp()))
    }
}
