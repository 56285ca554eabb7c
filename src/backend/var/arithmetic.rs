//! Broadcasting arithmetic: `+ - * /` between values, with scalars, and on `Result<Var>`.
//!
//! The checked methods (`add`, `sub`, `mul`, `div`) return `Result<Var>`. The operators return
//! `Var` and poison the result when shapes do not broadcast (see [`Var::check`]).

use super::{TapedMatrix, Var};
use crate::backend::device::Backend;
use crate::backend::real::{real, Real};
use crate::error::{Error, Result};
use dfdx::prelude::{Axes2, Axis, BroadcastTo, ReshapeTo};
use std::ops::{Add, Div, Mul, Neg, Sub};

/// The broadcast shape of two shapes, NumPy rules in two dimensions.
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

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// Broadcasts to `(rows, columns)`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shape cannot broadcast to the target.
    pub fn broadcast_to(&self, rows: usize, columns: usize) -> Result<Self> {
        let from = self.shape();
        let to = (rows, columns);
        if broadcast_shape("broadcast_to", from, to)? != to {
            return Err(Error::shape_mismatch("broadcast_to", from, to));
        }
        if from == to {
            return Ok(self.clone());
        }
        Ok(self.record(|t| broadcast_taped(t, from, to)))
    }

    fn binary(
        operation: &'static str,
        left: &Self,
        right: &Self,
        op: impl FnOnce(TapedMatrix<E, D>, TapedMatrix<E, D>) -> TapedMatrix<E, D>,
    ) -> Result<Self> {
        let (ls, rs) = (left.shape(), right.shape());
        let target = broadcast_shape(operation, ls, rs)?;
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
    pub fn add(&self, other: &Self) -> Result<Self> {
        Self::binary("add", self, other, |l, r| l + r)
    }

    /// `self - other` with broadcasting.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shapes do not broadcast.
    pub fn sub(&self, other: &Self) -> Result<Self> {
        Self::binary("sub", self, other, |l, r| l - r)
    }

    /// `self * other` elementwise with broadcasting.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shapes do not broadcast.
    pub fn mul(&self, other: &Self) -> Result<Self> {
        Self::binary("mul", self, other, |l, r| l * r)
    }

    /// `self / other` elementwise with broadcasting.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shapes do not broadcast.
    pub fn div(&self, other: &Self) -> Result<Self> {
        Self::binary("div", self, other, |l, r| l / r)
    }

    /// Elementwise maximum with broadcasting (the gradient goes to the larger operand).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shapes do not broadcast.
    pub fn maximum(&self, other: &Self) -> Result<Self> {
        Self::binary("maximum", self, other, |l, r| l.maximum(r))
    }

    /// Elementwise minimum with broadcasting (the gradient goes to the smaller operand).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shapes do not broadcast.
    pub fn minimum(&self, other: &Self) -> Result<Self> {
        Self::binary("minimum", self, other, |l, r| l.minimum(r))
    }

    /// `ln(e^self + e^other)` elementwise with broadcasting, computed as
    /// `max(a, b) + softplus(-|a - b|)` so it never overflows (Stan's `log_mix` building block).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shapes do not broadcast.
    pub fn log_add_exp(&self, other: &Self) -> Result<Self> {
        let larger = self.maximum(other)?;
        let gap = self.sub(other)?.abs();
        Var::add(&larger, &(-&gap).softplus())
    }

    /// `self + c`.
    pub fn add_scalar(&self, c: f64) -> Self {
        self.record(|t| t + real::<E>(c))
    }

    /// `self * c`.
    pub fn mul_scalar(&self, c: f64) -> Self {
        self.record(|t| t * real::<E>(c))
    }

    /// `c - self`.
    pub fn rsub_scalar(&self, c: f64) -> Self {
        self.record(|t| t.negate() + real::<E>(c))
    }

    /// `c / self`.
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
