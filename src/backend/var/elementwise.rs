//! Elementwise functions that dfdx provides directly.

use super::Var;
use crate::backend::device::Backend;
use crate::backend::real::{real, Real};
use dfdx::prelude::Tensor;

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// `e^x`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![0.0, 1.0], 1, 2)?);
    /// let y = x.exp();
    /// assert_eq!(y.to_vec(), vec![1.0, 1f64.exp()]);
    /// assert_eq!(y.sum().backward()?.of(&x)?, vec![1.0, 1f64.exp()]); // (e^x)' = e^x
    /// # Ok(())
    /// # }
    /// ```
    pub fn exp(&self) -> Self {
        self.record(|t| t.exp())
    }

    /// Natural logarithm; `-inf` at 0 and NaN below.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![1.0, 4.0], 1, 2)?);
    /// let y = x.ln();
    /// assert_eq!(y.to_vec(), vec![0.0, 4f64.ln()]);
    /// assert_eq!(y.sum().backward()?.of(&x)?, vec![1.0, 0.25]); // 1 / x
    /// let edge = Var::<f64, Cpu>::from_vec(&dev, vec![0.0, -1.0], 1, 2)?.ln().to_vec();
    /// assert!(edge[0] == f64::NEG_INFINITY && edge[1].is_nan());
    /// # Ok(())
    /// # }
    /// ```
    pub fn ln(&self) -> Self {
        self.record(|t| t.ln())
    }

    /// Square root (its gradient is infinite at 0).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![4.0, 9.0], 1, 2)?);
    /// let y = x.sqrt();
    /// assert_eq!(y.to_vec(), vec![2.0, 3.0]);
    /// let gradient = y.sum().backward()?.of(&x)?; // 1 / (2 sqrt(x))
    /// assert!((gradient[0] - 0.25).abs() < 1e-12 && (gradient[1] - 1.0 / 6.0).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn sqrt(&self) -> Self {
        self.record(|t| t.sqrt())
    }

    /// `x^2` (a single op; safe where `x * x` would need a copy).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![3.0, -2.0], 1, 2)?);
    /// let y = x.square();
    /// assert_eq!(y.to_vec(), vec![9.0, 4.0]);
    /// assert_eq!(y.sum().backward()?.of(&x)?, vec![6.0, -4.0]); // 2x
    /// # Ok(())
    /// # }
    /// ```
    pub fn square(&self) -> Self {
        self.record(|t| t.square())
    }

    /// `|x|` (gradient 0 at 0).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![-3.0, 0.0, 2.0], 1, 3)?);
    /// let y = x.abs();
    /// assert_eq!(y.to_vec(), vec![3.0, 0.0, 2.0]);
    /// assert_eq!(y.sum().backward()?.of(&x)?, vec![-1.0, 0.0, 1.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn abs(&self) -> Self {
        self.record(|t| t.abs())
    }

    /// `1 / x`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![2.0, -0.5], 1, 2)?);
    /// let y = x.recip();
    /// assert_eq!(y.to_vec(), vec![0.5, -2.0]);
    /// assert_eq!(y.sum().backward()?.of(&x)?, vec![-0.25, -4.0]); // -1 / x^2
    /// # Ok(())
    /// # }
    /// ```
    pub fn recip(&self) -> Self {
        self.record(|t| t.recip())
    }

    /// `x^p` for a real power.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![4.0, 9.0], 1, 2)?);
    /// let y = x.powf(1.5);
    /// assert!((y.to_vec()[0] - 8.0).abs() < 1e-12 && (y.to_vec()[1] - 27.0).abs() < 1e-12);
    /// let gradient = y.sum().backward()?.of(&x)?; // 1.5 x^0.5
    /// assert!((gradient[0] - 3.0).abs() < 1e-12 && (gradient[1] - 4.5).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn powf(&self, p: f64) -> Self {
        self.record(|t| t.powf(p))
    }

    /// `x^n` for an integer power.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![2.0, -3.0], 1, 2)?);
    /// let y = x.powi(3);
    /// assert_eq!(y.to_vec(), vec![8.0, -27.0]);
    /// assert_eq!(y.sum().backward()?.of(&x)?, vec![12.0, 27.0]); // 3 x^2
    /// # Ok(())
    /// # }
    /// ```
    pub fn powi(&self, n: i32) -> Self {
        self.record(|t| t.powi(n))
    }

    /// The logistic function `1 / (1 + e^-x)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![0.0, 2.0], 1, 2)?);
    /// let y = x.sigmoid().to_vec();
    /// assert_eq!(y[0], 0.5);
    /// assert!((y[1] - 1.0 / (1.0 + (-2f64).exp())).abs() < 1e-12);
    /// let gradient = x.sigmoid().sum().backward()?.of(&x)?; // s (1 - s)
    /// assert!((gradient[0] - 0.25).abs() < 1e-12 && (gradient[1] - y[1] * (1.0 - y[1])).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn sigmoid(&self) -> Self {
        self.record(|t| t.sigmoid())
    }

    /// Hyperbolic tangent.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![0.0, 0.5], 1, 2)?);
    /// let y = x.tanh();
    /// let t = 0.5f64.tanh();
    /// assert!((y.to_vec()[0]).abs() < 1e-15 && (y.to_vec()[1] - t).abs() < 1e-12);
    /// let gradient = y.sum().backward()?.of(&x)?; // 1 - tanh^2
    /// assert!((gradient[0] - 1.0).abs() < 1e-12 && (gradient[1] - (1.0 - t * t)).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn tanh(&self) -> Self {
        self.record(|t| t.tanh())
    }

    /// Sine.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![0.0, 1.0], 1, 2)?);
    /// let y = x.sin();
    /// assert_eq!(y.to_vec(), vec![0.0, 1f64.sin()]);
    /// assert_eq!(y.sum().backward()?.of(&x)?, vec![1.0, 1f64.cos()]); // cos x
    /// # Ok(())
    /// # }
    /// ```
    pub fn sin(&self) -> Self {
        self.record(|t| t.sin())
    }

    /// Cosine.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![0.0, 1.0], 1, 2)?);
    /// let y = x.cos();
    /// assert_eq!(y.to_vec(), vec![1.0, 1f64.cos()]);
    /// let gradient = y.sum().backward()?.of(&x)?; // -sin x
    /// assert!(gradient[0].abs() < 1e-15 && (gradient[1] + 1f64.sin()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn cos(&self) -> Self {
        self.record(|t| t.cos())
    }

    /// `max(x, 0)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![-2.0, 3.0], 1, 2)?);
    /// let y = x.relu();
    /// assert_eq!(y.to_vec(), vec![0.0, 3.0]);
    /// assert_eq!(y.sum().backward()?.of(&x)?, vec![0.0, 1.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn relu(&self) -> Self {
        self.record(|t| t.relu())
    }

    /// Clamps into `[low, high]` (zero gradient outside).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![-2.0, 0.5, 3.0], 1, 3)?);
    /// let y = x.clamp(0.0, 1.0);
    /// assert_eq!(y.to_vec(), vec![0.0, 0.5, 1.0]);
    /// assert_eq!(y.sum().backward()?.of(&x)?, vec![0.0, 1.0, 0.0]); // zero outside
    /// # Ok(())
    /// # }
    /// ```
    pub fn clamp(&self, low: f64, high: f64) -> Self {
        self.record(|t| t.clamp(low, high))
    }

    /// Clamps into `[low, high]` but passes the gradient through unchanged ("straight-through",
    /// Pyro's `clamp_preserve_gradients`): the value is `clamp(x)`, the derivative 1 everywhere,
    /// so a unit pushed past a bound can come back.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![-2.0, 0.5, 3.0], 1, 3)?);
    /// let y = x.clamp_straight_through(0.0, 1.0);
    /// assert_eq!(y.to_vec(), vec![0.0, 0.5, 1.0]);
    /// assert_eq!(y.sum().backward()?.of(&x)?, vec![1.0, 1.0, 1.0]); // passed through
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![1.0, 2.0], 1, 2)?);
    /// // f(x) = x^3 with f'(x) = 3 x^2, computed on the host.
    /// let y = x.map_host(|v| (v * v * v, 3.0 * v * v));
    /// assert_eq!(y.to_vec(), vec![1.0, 8.0]);
    /// assert_eq!(y.sum().backward()?.of(&x)?, vec![3.0, 12.0]);
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![1.0, 2.0, 3.0], 1, 3)?);
    /// let kept = x.keep_where(&[true, false, true], f64::NEG_INFINITY)?;
    /// assert_eq!(kept.to_vec(), vec![1.0, f64::NEG_INFINITY, 3.0]);
    /// let mut grads = x.keep_where(&[true, false, true], 0.0)?.sum().backward()?;
    /// assert_eq!(grads.of(&x)?, vec![1.0, 0.0, 1.0]);
    /// assert!(x.keep_where(&[true], 0.0).is_err()); // wrong mask length
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let a = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![1.0, 2.0], 1, 2)?);
    /// let b = graph.watch(&Var::from_vec(&dev, vec![10.0, 20.0], 1, 2)?);
    /// let chosen = Var::select_where(&[true, false], &a, &b)?;
    /// assert_eq!(chosen.to_vec(), vec![1.0, 20.0]);
    /// let mut grads = chosen.sum().backward()?;
    /// assert_eq!((grads.of(&a)?, grads.of(&b)?), (vec![1.0, 0.0], vec![0.0, 1.0]));
    /// assert!(Var::select_where(&[true], &a, &b).is_err());
    /// # Ok(())
    /// # }
    /// ```
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
