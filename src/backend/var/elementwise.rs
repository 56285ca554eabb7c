//! Elementwise functions that dfdx provides directly.

use super::Var;
use crate::backend::device::Backend;
use crate::backend::real::{real, Real};
use dfdx::prelude::Tensor;

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// `e^x`.
    pub fn exp(&self) -> Self {
        self.record(|t| t.exp())
    }

    /// Natural logarithm; `-inf` at 0 and NaN below.
    pub fn ln(&self) -> Self {
        self.record(|t| t.ln())
    }

    /// Square root (its gradient is infinite at 0).
    pub fn sqrt(&self) -> Self {
        self.record(|t| t.sqrt())
    }

    /// `x^2` (a single op; safe where `x * x` would need a copy).
    pub fn square(&self) -> Self {
        self.record(|t| t.square())
    }

    /// `|x|` (gradient 0 at 0).
    pub fn abs(&self) -> Self {
        self.record(|t| t.abs())
    }

    /// `1 / x`.
    pub fn recip(&self) -> Self {
        self.record(|t| t.recip())
    }

    /// `x^p` for a real power.
    pub fn powf(&self, p: f64) -> Self {
        self.record(|t| t.powf(p))
    }

    /// `x^n` for an integer power.
    pub fn powi(&self, n: i32) -> Self {
        self.record(|t| t.powi(n))
    }

    /// The logistic function `1 / (1 + e^-x)`.
    pub fn sigmoid(&self) -> Self {
        self.record(|t| t.sigmoid())
    }

    /// Hyperbolic tangent.
    pub fn tanh(&self) -> Self {
        self.record(|t| t.tanh())
    }

    /// Sine.
    pub fn sin(&self) -> Self {
        self.record(|t| t.sin())
    }

    /// Cosine.
    pub fn cos(&self) -> Self {
        self.record(|t| t.cos())
    }

    /// `max(x, 0)`.
    pub fn relu(&self) -> Self {
        self.record(|t| t.relu())
    }

    /// Clamps into `[low, high]` (zero gradient outside).
    pub fn clamp(&self, low: f64, high: f64) -> Self {
        self.record(|t| t.clamp(low, high))
    }

    /// Clamps into `[low, high]` but passes the gradient through unchanged ("straight-through",
    /// Pyro's `clamp_preserve_gradients`): the value is `clamp(x)`, the derivative 1 everywhere,
    /// so a unit pushed past a bound can come back.
    pub fn clamp_straight_through(&self, low: f64, high: f64) -> Self {
        self + &(&self.clamp(low, high) - self).detach()
    }

    /// Elementwise function evaluated on the host, with its derivative: the value is `f(x)` and
    /// the gradient is `f'(x) * upstream`. Used for special functions that dfdx lacks (lgamma,
    /// digamma, log1p...).
    ///
    /// It records `(x - x0) * f'(x0) + f(x0)` with host-computed constants: the forward value is
    /// exactly `f(x0)` (the difference is exactly zero) and the derivative is `f'(x0)`, so first
    /// derivatives are exact on any device, at the cost of one host round trip. Non-finite inputs
    /// give NaN.
    pub fn map_host(&self, mut f: impl FnMut(f64) -> (f64, f64)) -> Self {
        let (rows, columns) = self.shape();
        let x0 = self.to_vec();
        let mut slope = Vec::with_capacity(x0.len());
        let mut value = Vec::with_capacity(x0.len());
        for &x in &x0 {
            let (v, derivative) = f(x.to_f64());
            // An infinite derivative (e.g. at a pole) would turn the exact zero into NaN.
            slope.push(real::<E>(if derivative.is_finite() {
                derivative
            } else {
                0.0
            }));
            value.push(real::<E>(v));
        }
        let dev = self.device();
        let slope: Tensor<(usize, usize), E, D> = dev.tensor_from_vec(slope, (rows, columns));
        let value: Tensor<(usize, usize), E, D> = dev.tensor_from_vec(value, (rows, columns));
        // A fresh copy of x0: subtracting `self.value` itself would pair one tensor id with
        // itself, which dfdx's backward rejects.
        let x0: Tensor<(usize, usize), E, D> = dev.tensor_from_vec(x0, (rows, columns));
        self.record(|t| (t - x0) * slope + value)
    }
}

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// Keeps the entries where `keep` is true and replaces the others by `fill` (row-major mask).
    /// The gradient flows only to kept entries. Used to give `-inf` log-densities outside a
    /// support without letting NaN from the formula leak through.
    ///
    /// # Errors
    /// [`Error::InvalidShape`](crate::Error::InvalidShape) when the mask length differs from the
    /// number of entries.
    pub fn keep_where(&self, keep: &[bool], fill: f64) -> crate::Result<Self> {
        use dfdx::prelude::{ChooseFrom, TryGt};
        let (rows, columns) = self.shape();
        if keep.len() != rows * columns {
            return Err(crate::Error::invalid_shape(
                "keep_where",
                format!(
                    "a mask of {} entries for a {rows}x{columns} value",
                    keep.len()
                ),
            ));
        }
        let dev = self.device();
        let flags: Vec<E> = keep
            .iter()
            .map(|&k| if k { E::one() } else { E::zero() })
            .collect();
        let flags: Tensor<(usize, usize), E, D> = dev.tensor_from_vec(flags, (rows, columns));
        let mask = flags.gt(real::<E>(0.5));
        let fill: Tensor<(usize, usize), E, D> =
            dev.tensor_from_vec(vec![real::<E>(fill); rows * columns], (rows, columns));
        Ok(self.record(|t| mask.choose(t, fill)))
    }
}

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// Entry-wise choice: `on_true` where `mask` (row-major) is true, else `on_false`; both of
    /// the same shape. Gradients flow only to the chosen entries, so NaN in the unchosen branch
    /// does not leak (compute that branch on clamped inputs anyway: NaN in its *backward* would).
    ///
    /// # Errors
    /// [`Error::InvalidShape`](crate::Error::InvalidShape) for mismatched shapes or mask length.
    pub fn select_where(mask: &[bool], on_true: &Self, on_false: &Self) -> crate::Result<Self> {
        use dfdx::prelude::{ChooseFrom, TryGt};
        let (rows, columns) = on_true.shape();
        if on_false.shape() != (rows, columns) || mask.len() != rows * columns {
            return Err(crate::Error::invalid_shape(
                "select_where",
                format!(
                    "branches {:?} and {:?} with a mask of {}",
                    on_true.shape(),
                    on_false.shape(),
                    mask.len()
                ),
            ));
        }
        let dev = on_true.device();
        let flags: Vec<E> = mask
            .iter()
            .map(|&k| if k { E::one() } else { E::zero() })
            .collect();
        let flags: Tensor<(usize, usize), E, D> = dev.tensor_from_vec(flags, (rows, columns));
        let choice = flags.gt(real::<E>(0.5));
        Self::record_pair("select_where", on_true, on_false, |t, f| {
            choice.choose(t, f)
        })
    }
}
