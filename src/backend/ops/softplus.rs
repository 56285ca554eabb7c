//! Softplus and log-sigmoid in overflow-free forms.

use super::fused::{fused_elementwise, use_fused};
use crate::backend::{real, Backend, Real, Var};
use dfdx::prelude::WithEmptyTape;

/// `(softplus(x), sigmoid(x))` in overflow-free forms, sharing one exponential.
pub(crate) fn softplus_and_sigmoid<F: num_traits::Float>(x: F) -> (F, F) {
    let one = F::one();
    let e = (-x.abs()).exp();
    let sigmoid = if x >= F::zero() {
        one / (one + e)
    } else {
        e / (one + e)
    };
    // `ln(1 + e)` rather than `ln_1p(e)`: as exact where it matters (e in (0, 1]; below the
    // rounding of the result the term vanishes either way) and several times faster.
    (x.max(F::zero()) + (one + e).ln(), sigmoid)
}

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// `softplus(x) = ln(1 + e^x)`, computed as `max(x, 0) + ln(1 + e^-|x|)` so that neither
    /// branch overflows. Derivative `sigmoid(x)`. One fused op on host-memory devices.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![0.0, 1000.0, -1000.0], 1, 3)?);
    /// let y = x.softplus();
    /// assert_eq!(y.to_vec(), vec![2f64.ln(), 1000.0, 0.0]); // no overflow
    /// let mut grads = y.sum().backward()?;
    /// assert_eq!(grads.of(&x)?, vec![0.5, 1.0, 0.0]); // sigmoid(x)
    /// # Ok(())
    /// # }
    /// ```
    pub fn softplus(&self) -> Self {
        if use_fused::<E, D>() {
            return fused_elementwise("softplus", [self.into()], |[x]| {
                let (value, slope) = softplus_and_sigmoid(x);
                (value, [slope])
            })
            .unwrap_or_else(|e| self.poisoned(e));
        }
        self.record(|t| {
            // `max(x, 0)` written as `(x + |x|) / 2`: dfdx gives relu and abs a zero slope at
            // 0, which would make softplus'(0) = 0 instead of 1/2; this form gets 1/2 there.
            // `with_empty_tape` forks the value onto fresh tapes that merge back at `+`.
            let fork = t.with_empty_tape();
            let second = t.with_empty_tape();
            (t + fork.abs()) * real::<E>(0.5) + (second.abs().negate().exp() + real::<E>(1.0)).ln()
        })
    }

    /// `ln sigmoid(x) = -softplus(-x)`: finite for every finite `x`, unlike `sigmoid(x).ln()`
    /// which is `-inf` below about -88 in `f32`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f32, Cpu>::from_vec(&dev, vec![0.0, -200.0], 1, 2)?;
    /// let y = x.log_sigmoid().to_vec();
    /// assert!((y[0] + 2f32.ln()).abs() < 1e-6);
    /// assert_eq!(y[1], -200.0);
    /// assert_eq!(x.sigmoid().ln().to_vec()[1], f32::NEG_INFINITY); // the naive form
    /// # Ok(())
    /// # }
    /// ```
    pub fn log_sigmoid(&self) -> Self {
        -(-self).softplus()
    }
}
