//! Broadcasting arithmetic: `+ - * /` between values, with scalars, and on `Result<Var>`.
//!
//! The checked methods (`add`, `sub`, `mul`, `div`) return `Result<Var>`. The operators return
//! `Var` and poison the result when shapes do not broadcast (see [`Var::check`]).

use super::{TapedMatrix, Var};
use crate::backend::device::Backend;
use crate::backend::ops::fused::{fused_elementwise, use_fused};
use crate::backend::real::{real, Real};
use crate::error::{Error, Result};
use dfdx::prelude::{Axes2, Axis, BroadcastTo, ReshapeTo};
use std::ops::{Add, Div, Mul, Neg, Sub};

/// The broadcast shape of two shapes, NumPy rules in two dimensions.
///
/// # Examples
/// ```
/// use flowppl::backend::arithmetic_shape;
/// use flowppl::Error;
/// assert_eq!(arithmetic_shape("add", (3, 1), (1, 4)).unwrap(), (3, 4));
/// assert_eq!(arithmetic_shape("add", (2, 5), (1, 1)).unwrap(), (2, 5));
/// assert!(matches!(
///     arithmetic_shape("add", (2, 3), (3, 2)),
///     Err(Error::ShapeMismatch { .. })
/// ));
/// ```
pub fn broadcast_shape(
    operation: &'static str,
    left: (usize, usize),
    right: (usize, usize),
) -> Result<(usize, usize)> {
    let dim = |a: usize, b: usize| match (a, b) {
        _ if a == b => Some(a),
        (1, b) => Some(b),
        (a, 1) => Some(a),
        _ => None,
    };
    match (dim(left.0, right.0), dim(left.1, right.1)) {
        (Some(r), Some(c)) => Ok((r, c)),
        _ => Err(Error::shape_mismatch(operation, left, right)),
    }
}

/// Broadcasts a recorded tensor from `from` to `to` (which must be a valid broadcast target).
pub(crate) fn broadcast_taped<E: Real, D: Backend<E>>(
    t: TapedMatrix<E, D>,
    from: (usize, usize),
    to: (usize, usize),
) -> TapedMatrix<E, D> {
    if from == to {
        return t;
    }
    match from {
        (1, 1) => t.reshape_like(&()).broadcast_like::<_, Axes2<0, 1>>(&to),
        (1, c) => t.reshape_like(&(c,)).broadcast_like::<_, Axis<0>>(&to),
        (r, _) => t.reshape_like(&(r,)).broadcast_like::<_, Axis<1>>(&to),
    }
}

/// The host kernel of an operation that has none (dfdx's composed form is always used).
type NoKernel<E> = fn(E, E) -> (E, [E; 2]);

/// `a + b`: partials `(1, 1)`.
fn add_kernel<E: Real>(a: E, b: E) -> (E, [E; 2]) {
    (a + b, [E::one(), E::one()])
}

/// `a - b`: partials `(1, -1)`.
fn sub_kernel<E: Real>(a: E, b: E) -> (E, [E; 2]) {
    (a - b, [E::one(), -E::one()])
}

/// `a b`: partials `(b, a)`.
fn mul_kernel<E: Real>(a: E, b: E) -> (E, [E; 2]) {
    (a * b, [b, a])
}

/// `a / b`: partials `(1 / b, -a / b^2)`.
fn div_kernel<E: Real>(a: E, b: E) -> (E, [E; 2]) {
    let quotient = a / b;
    (quotient, [b.recip(), -quotient / b])
}

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// Broadcasts to `(rows, columns)`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shape cannot broadcast to the target.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let row = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![1.0, 2.0], 1, 2)?);
    /// let tiled = row.broadcast_to(3, 2)?;
    /// assert_eq!(tiled.to_vec(), vec![1.0, 2.0, 1.0, 2.0, 1.0, 2.0]);
    /// assert_eq!(tiled.sum().backward()?.of(&row)?, vec![3.0, 3.0]); // summed over copies
    /// assert!(row.broadcast_to(3, 4).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn broadcast_to(&self, rows: usize, columns: usize) -> Result<Self> {
        let from = self.shape();
        let to = (rows, columns);
        if broadcast_shape("broadcast_to", from, to)? != to {
            return Err(Error::shape_mismatch("broadcast_to", from, to));
        }
        if from == to {
            return Ok(self.clone());
        }
        // dfdx broadcasts by a view (zero strides over one buffer); host kernels read and
        // write values and gradients in row-major order, so the result is copied out.
        Ok(self.record(|t| broadcast_taped(t, from, to).contiguous()))
    }

    /// `op(left, right)` with broadcasting. dfdx broadcasts by a recorded operation of its
    /// own, so a broadcast product costs two operations (and two backward closures); on host
    /// devices with fused kernels on, an operation that needs a broadcast and has a host
    /// `kernel` (value and the two partial derivatives) is instead one fused operation, which
    /// reads the broadcast operand in place and sums its gradient over the broadcast
    /// dimension.
    fn binary(
        operation: &'static str,
        left: &Self,
        right: &Self,
        kernel: Option<impl Fn(E, E) -> (E, [E; 2])>,
        op: impl FnOnce(TapedMatrix<E, D>, TapedMatrix<E, D>) -> TapedMatrix<E, D>,
    ) -> Result<Self> {
        let (ls, rs) = (left.shape(), right.shape());
        let target = broadcast_shape(operation, ls, rs)?;
        if let Some(kernel) = kernel {
            if (ls != target || rs != target) && use_fused::<E, D>() {
                return fused_elementwise(operation, [left.into(), right.into()], |[a, b]| {
                    kernel(a, b)
                });
            }
        }
        let left = if ls == target {
            left.clone()
        } else {
            left.broadcast_to(target.0, target.1)?
        };
        let right = if rs == target {
            right.clone()
        } else {
            right.broadcast_to(target.0, target.1)?
        };
        Self::record_pair(operation, &left, &right, |l, r| {
            op(l, r.retaped::<dfdx::prelude::OwnedTape<E, D>>())
        })
    }

    /// `self + other` with broadcasting.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shapes do not broadcast.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0], [3.0, 4.0]])?;
    /// let row = Var::from_rows(&dev, &[[10.0, 20.0]])?;
    /// assert_eq!(x.add(&row)?.to_vec(), vec![11.0, 22.0, 13.0, 24.0]);
    /// let column = Var::zeros(&dev, 3, 1);
    /// assert!(matches!(x.add(&column), Err(Error::ShapeMismatch { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn add(&self, other: &Self) -> Result<Self> {
        Self::binary("add", self, other, Some(add_kernel::<E>), |l, r| l + r)
    }

    /// `self - other` with broadcasting.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shapes do not broadcast.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0], [3.0, 4.0]])?;
    /// let column = Var::from_vec(&dev, vec![1.0, 3.0], 2, 1)?;
    /// assert_eq!(x.sub(&column)?.to_vec(), vec![0.0, 1.0, 0.0, 1.0]);
    /// assert!(x.sub(&Var::zeros(&dev, 1, 3)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn sub(&self, other: &Self) -> Result<Self> {
        Self::binary("sub", self, other, Some(sub_kernel::<E>), |l, r| l - r)
    }

    /// `self * other` elementwise with broadcasting.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shapes do not broadcast.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![2.0, 3.0], 1, 2)?);
    /// let y = graph.watch(&Var::from_vec(&dev, vec![5.0, 7.0], 1, 2)?);
    /// let product = x.mul(&y)?;
    /// assert_eq!(product.to_vec(), vec![10.0, 21.0]);
    /// let mut grads = product.sum().backward()?;
    /// assert_eq!(grads.of(&x)?, vec![5.0, 7.0]);
    /// assert_eq!(grads.of(&y)?, vec![2.0, 3.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn mul(&self, other: &Self) -> Result<Self> {
        Self::binary("mul", self, other, Some(mul_kernel::<E>), |l, r| l * r)
    }

    /// `self / other` elementwise with broadcasting.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shapes do not broadcast.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0], [3.0, 4.0]])?;
    /// let two = Var::scalar(&dev, 2.0);
    /// assert_eq!(x.div(&two)?.to_vec(), vec![0.5, 1.0, 1.5, 2.0]);
    /// assert!(x.div(&Var::full(&dev, 1, 3, 1.0)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn div(&self, other: &Self) -> Result<Self> {
        Self::binary("div", self, other, Some(div_kernel::<E>), |l, r| l / r)
    }

    /// Elementwise maximum with broadcasting (the gradient goes to the larger operand).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shapes do not broadcast.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let a = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![1.0, 5.0], 1, 2)?);
    /// let b = graph.watch(&Var::from_vec(&dev, vec![3.0, 2.0], 1, 2)?);
    /// let larger = a.maximum(&b)?;
    /// assert_eq!(larger.to_vec(), vec![3.0, 5.0]);
    /// let mut grads = larger.sum().backward()?;
    /// assert_eq!(grads.of(&a)?, vec![0.0, 1.0]);
    /// assert_eq!(grads.of(&b)?, vec![1.0, 0.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn maximum(&self, other: &Self) -> Result<Self> {
        Self::binary("maximum", self, other, None::<NoKernel<E>>, |l, r| {
            l.maximum(r)
        })
    }

    /// Elementwise minimum with broadcasting (the gradient goes to the smaller operand).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shapes do not broadcast.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let a = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![1.0, 5.0], 1, 2)?);
    /// let b = Var::from_vec(&dev, vec![3.0, 2.0], 1, 2)?;
    /// let smaller = a.minimum(&b)?;
    /// assert_eq!(smaller.to_vec(), vec![1.0, 2.0]);
    /// assert_eq!(smaller.sum().backward()?.of(&a)?, vec![1.0, 0.0]);
    /// assert!(a.minimum(&Var::zeros(&dev, 1, 3)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn minimum(&self, other: &Self) -> Result<Self> {
        Self::binary("minimum", self, other, None::<NoKernel<E>>, |l, r| {
            l.minimum(r)
        })
    }

    /// `ln(e^self + e^other)` elementwise with broadcasting, computed as
    /// `max(a, b) + softplus(-|a - b|)` so it never overflows (Stan's `log_mix` building block).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shapes do not broadcast.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let a = Var::<f64, Cpu>::from_vec(&dev, vec![0.0, 1000.0, 1.0], 1, 3)?;
    /// let b = Var::from_vec(&dev, vec![0.0, 1000.0, 2.0], 1, 3)?;
    /// let y = a.log_add_exp(&b)?.to_vec();
    /// let ln2 = 2f64.ln();
    /// assert!((y[0] - ln2).abs() < 1e-12);
    /// assert!((y[1] - (1000.0 + ln2)).abs() < 1e-9); // e^1000 would overflow
    /// assert!((y[2] - (1f64.exp() + 2f64.exp()).ln()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn log_add_exp(&self, other: &Self) -> Result<Self> {
        let larger = self.maximum(other)?;
        let gap = self.sub(other)?.abs();
        Var::add(&larger, &(-&gap).softplus())
    }

    /// `self + c`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_vec(&dev, vec![1.0, -2.0], 1, 2)?;
    /// assert_eq!(x.add_scalar(0.5).to_vec(), vec![1.5, -1.5]);
    /// assert_eq!((&x + 0.5).to_vec(), x.add_scalar(0.5).to_vec()); // the `+` operator
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_scalar(&self, c: f64) -> Self {
        self.record(|t| t + real::<E>(c))
    }

    /// `self * c`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![1.0, -2.0], 1, 2)?);
    /// let y = x.mul_scalar(3.0);
    /// assert_eq!(y.to_vec(), vec![3.0, -6.0]);
    /// assert_eq!(y.sum().backward()?.of(&x)?, vec![3.0, 3.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn mul_scalar(&self, c: f64) -> Self {
        self.record(|t| t * real::<E>(c))
    }

    /// `c - self`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_vec(&dev, vec![1.0, -2.0], 1, 2)?;
    /// assert_eq!(x.rsub_scalar(10.0).to_vec(), vec![9.0, 12.0]); // 10 - x
    /// assert_eq!((10.0 - &x).to_vec(), vec![9.0, 12.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn rsub_scalar(&self, c: f64) -> Self {
        self.record(|t| t.negate() + real::<E>(c))
    }

    /// `c / self`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_vec(&dev, vec![2.0, 4.0], 1, 2)?);
    /// let y = x.rdiv_scalar(8.0); // 8 / x
    /// assert_eq!(y.to_vec(), vec![4.0, 2.0]);
    /// assert_eq!(y.sum().backward()?.of(&x)?, vec![-2.0, -0.5]); // -8 / x^2
    /// # Ok(())
    /// # }
    /// ```
    pub fn rdiv_scalar(&self, c: f64) -> Self {
        self.record(|t| t.recip() * real::<E>(c))
    }
}

/// A checked binary method such as [`Var::add`].
type CheckedBinary<E, D> = fn(&Var<E, D>, &Var<E, D>) -> Result<Var<E, D>>;

/// Applies a checked binary method for an operator: on error the result is poisoned.
fn operator<E: Real, D: Backend<E>>(
    left: &Var<E, D>,
    right: &Var<E, D>,
    method: CheckedBinary<E, D>,
) -> Var<E, D> {
    if left.poison.is_some() {
        return left.clone();
    }
    if right.poison.is_some() {
        return right.clone();
    }
    method(left, right).unwrap_or_else(|error| left.poisoned(error))
}

macro_rules! binary_operator {
    ($trait:ident, $method:ident) => {
        impl<E: Real, D: Backend<E>> $trait<&Var<E, D>> for &Var<E, D> {
            type Output = Var<E, D>;
            fn $method(self, rhs: &Var<E, D>) -> Var<E, D> {
                operator(self, rhs, Var::$method)
            }
        }
        impl<E: Real, D: Backend<E>> $trait<Var<E, D>> for Var<E, D> {
            type Output = Var<E, D>;
            fn $method(self, rhs: Var<E, D>) -> Var<E, D> {
                operator(&self, &rhs, Var::$method)
            }
        }
        impl<E: Real, D: Backend<E>> $trait<&Var<E, D>> for Var<E, D> {
            type Output = Var<E, D>;
            fn $method(self, rhs: &Var<E, D>) -> Var<E, D> {
                operator(&self, rhs, Var::$method)
            }
        }
        impl<E: Real, D: Backend<E>> $trait<Var<E, D>> for &Var<E, D> {
            type Output = Var<E, D>;
            fn $method(self, rhs: Var<E, D>) -> Var<E, D> {
                operator(self, &rhs, Var::$method)
            }
        }
    };
}

binary_operator!(Add, add);
binary_operator!(Sub, sub);
binary_operator!(Mul, mul);
binary_operator!(Div, div);

macro_rules! scalar_operator {
    ($trait:ident, $method:ident, |$v:ident, $c:ident| $body:expr, |$c2:ident, $v2:ident| $reversed:expr) => {
        impl<E: Real, D: Backend<E>> $trait<f64> for &Var<E, D> {
            type Output = Var<E, D>;
            fn $method(self, $c: f64) -> Var<E, D> {
                let $v = self;
                $body
            }
        }
        impl<E: Real, D: Backend<E>> $trait<f64> for Var<E, D> {
            type Output = Var<E, D>;
            fn $method(self, $c: f64) -> Var<E, D> {
                let $v = &self;
                $body
            }
        }
        impl<E: Real, D: Backend<E>> $trait<&f64> for &Var<E, D> {
            type Output = Var<E, D>;
            fn $method(self, $c: &f64) -> Var<E, D> {
                let $v = self;
                let $c = *$c;
                $body
            }
        }
        impl<E: Real, D: Backend<E>> $trait<&Var<E, D>> for &f64 {
            type Output = Var<E, D>;
            fn $method(self, $v2: &Var<E, D>) -> Var<E, D> {
                let $c2 = *self;
                $reversed
            }
        }
        impl<E: Real, D: Backend<E>> $trait<&Var<E, D>> for f64 {
            type Output = Var<E, D>;
            fn $method(self, $v2: &Var<E, D>) -> Var<E, D> {
                let $c2 = self;
                $reversed
            }
        }
        impl<E: Real, D: Backend<E>> $trait<Var<E, D>> for f64 {
            type Output = Var<E, D>;
            fn $method(self, owned: Var<E, D>) -> Var<E, D> {
                let $c2 = self;
                let $v2 = &owned;
                $reversed
            }
        }
    };
}

scalar_operator!(Add, add, |v, c| v.add_scalar(c), |c, v| v.add_scalar(c));
scalar_operator!(Sub, sub, |v, c| v.add_scalar(-c), |c, v| v.rsub_scalar(c));
scalar_operator!(Mul, mul, |v, c| v.mul_scalar(c), |c, v| v.mul_scalar(c));
scalar_operator!(Div, div, |v, c| v.mul_scalar(1.0 / c), |c, v| v
    .rdiv_scalar(c));

impl<E: Real, D: Backend<E>> Neg for &Var<E, D> {
    type Output = Var<E, D>;
    fn neg(self) -> Var<E, D> {
        self.record(|t| t.negate())
    }
}

impl<E: Real, D: Backend<E>> Neg for Var<E, D> {
    type Output = Var<E, D>;
    fn neg(self) -> Var<E, D> {
        -&self
    }
}
