//! `lgamma` and `digamma` on values, differentiable.

use super::special::{digamma, ln_gamma, trigamma};
use crate::backend::{Backend, Real, Var};

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// `ln |Gamma(x)|` elementwise; its derivative is the digamma function.
    ///
    /// Evaluated in `f64` on the host (Lanczos), so it is accurate for `f32` and `f64` alike.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![5.0], 1, 1)?);
    /// let y = x.lgamma();
    /// assert!((y.item()? - 24f64.ln()).abs() < 1e-12); // Gamma(5) = 4!
    /// let mut grads = y.backward()?;
    /// // digamma(5) = 1 + 1/2 + 1/3 + 1/4 - Euler's gamma
    /// let psi5 = 25.0 / 12.0 - 0.577_215_664_901_532_9;
    /// assert!((grads.of(&x)?[0] - psi5).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn lgamma(&self) -> Self {
        self.map_host(|x| (ln_gamma(x), digamma(x)))
    }

    /// The digamma function `psi(x)` elementwise; its derivative is the trigamma function.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![1.0], 1, 1)?);
    /// let y = x.digamma();
    /// assert!((y.item()? + 0.577_215_664_901_532_9).abs() < 1e-12); // -Euler's gamma
    /// let mut grads = y.backward()?;
    /// let pi = std::f64::consts::PI;
    /// assert!((grads.of(&x)?[0] - pi * pi / 6.0).abs() < 1e-12); // trigamma(1)
    /// # Ok(())
    /// # }
    /// ```
    pub fn digamma(&self) -> Self {
        self.map_host(|x| (digamma(x), trigamma(x)))
    }
}
