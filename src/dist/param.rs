//! [`Param`]: a distribution parameter, either a plain number or a value.

use crate::backend::arithmetic_shape;
use crate::backend::{Backend, Real, Var};
use crate::error::{Error, Result};

/// A distribution parameter: a plain number (cheap: enters formulas as a scalar operation) or a
/// [`Var`] (broadcast against the value; differentiable when recorded on a graph).
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let scalar = Param::<f64, Cpu>::from(1.0);
/// let tensor = Param::from(Var::<f64, Cpu>::zeros(&dev, 2, 3));
/// assert!(matches!(scalar, Param::Scalar(c) if c == 1.0));
/// // Either kind is accepted by distributions; shapes broadcast.
/// let d = Normal::new(tensor, scalar)?;
/// assert_eq!(d.sample_shape(), (2, 3));
/// # Ok(())
/// # }
/// ```
pub enum Param<E: Real, D: Backend<E>> {
    /// A number shared by every entry.
    Scalar(f64),
    /// A value of any broadcastable shape.
    Tensor(Var<E, D>),
}

impl<E: Real, D: Backend<E>> Clone for Param<E, D> {
    fn clone(&self) -> Self {
        match self {
            Param::Scalar(c) => Param::Scalar(*c),
            Param::Tensor(v) => Param::Tensor(v.clone()),
        }
    }
}

impl<E: Real, D: Backend<E>> std::fmt::Debug for Param<E, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Param::Scalar(c) => write!(f, "{c}"),
            Param::Tensor(v) => write!(f, "{v:?}"),
        }
    }
}

impl<E: Real, D: Backend<E>> From<f64> for Param<E, D> {
    fn from(c: f64) -> Self {
        Param::Scalar(c)
    }
}

impl<E: Real, D: Backend<E>> From<f32> for Param<E, D> {
    fn from(c: f32) -> Self {
        Param::Scalar(c as f64)
    }
}

impl<E: Real, D: Backend<E>> From<&f64> for Param<E, D> {
    fn from(c: &f64) -> Self {
        Param::Scalar(*c)
    }
}

impl<E: Real, D: Backend<E>> From<&f32> for Param<E, D> {
    fn from(c: &f32) -> Self {
        Param::Scalar(*c as f64)
    }
}

impl<E: Real, D: Backend<E>> From<&i32> for Param<E, D> {
    fn from(c: &i32) -> Self {
        Param::Scalar(*c as f64)
    }
}

impl<E: Real, D: Backend<E>> From<&usize> for Param<E, D> {
    fn from(c: &usize) -> Self {
        Param::Scalar(*c as f64)
    }
}

impl<E: Real, D: Backend<E>> From<&Param<E, D>> for Param<E, D> {
    fn from(p: &Param<E, D>) -> Self {
        p.clone()
    }
}

impl<E: Real, D: Backend<E>> From<Var<E, D>> for Param<E, D> {
    fn from(v: Var<E, D>) -> Self {
        Param::Tensor(v)
    }
}

impl<E: Real, D: Backend<E>> From<&Var<E, D>> for Param<E, D> {
    fn from(v: &Var<E, D>) -> Self {
        Param::Tensor(v.clone())
    }
}

impl<E: Real, D: Backend<E>> Param<E, D> {
    /// `(1, 1)` for a scalar, else the value's shape.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// assert_eq!(Param::<f64, Cpu>::Scalar(2.0).shape(), (1, 1));
    /// assert_eq!(Param::from(Var::<f64, Cpu>::zeros(&dev, 2, 3)).shape(), (2, 3));
    /// # Ok(())
    /// # }
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        match self {
            Param::Scalar(_) => (1, 1),
            Param::Tensor(v) => v.shape(),
        }
    }

    /// The entries on the host.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let p = Param::from(Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0]])?);
    /// assert_eq!(p.host_values(), vec![1.0, 2.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn host_values(&self) -> Vec<f64> {
        match self {
            Param::Scalar(c) => vec![*c],
            Param::Tensor(v) => v.to_f64_vec(),
        }
    }

    /// The device of a tensor parameter.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// assert!(Param::<f64, Cpu>::Scalar(1.0).device().is_none());
    /// assert!(Param::from(Var::<f64, Cpu>::zeros(&dev, 1, 1)).device().is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn device(&self) -> Option<D> {
        match self {
            Param::Scalar(_) => None,
            Param::Tensor(v) => Some(v.device()),
        }
    }

    /// Checks every entry with `valid`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `owner`, `name` and the first bad value; the error of
    /// a poisoned value.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let p = Param::<f64, Cpu>::Scalar(-1.0);
    /// assert!(p.validate("Demo", "loc", f64::is_finite, "must be finite").is_ok());
    /// let err = p.validate("Demo", "scale", |s| s > 0.0, "must be positive");
    /// assert!(matches!(err, Err(Error::InvalidParameter { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn validate(
        &self,
        owner: &'static str,
        name: &'static str,
        valid: impl Fn(f64) -> bool,
        requirement: &'static str,
    ) -> Result<()> {
        let bad = match self {
            Param::Scalar(c) => Some(*c).filter(|&x| !valid(x)),
            Param::Tensor(v) => {
                v.check()?;
                // Read a host mirror in place: this runs on every step for data-sized logits.
                match &v.host {
                    Some(mirror) => mirror
                        .values
                        .iter()
                        .map(|&x| Real::to_f64(x))
                        .find(|&x| !valid(x)),
                    None => v.to_f64_vec().into_iter().find(|&x| !valid(x)),
                }
            }
        };
        match bad {
            Some(bad) => Err(Error::invalid_parameter(owner, name, bad, requirement)),
            None => Ok(()),
        }
    }

    /// Applies a function to the parameter: `scalar` on a number, `var` on a value.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let s = Param::<f64, Cpu>::Scalar(4.0).map(f64::sqrt, Var::sqrt);
    /// assert_eq!(s.host_values(), vec![2.0]);
    /// let t = Param::from(Var::<f64, Cpu>::full(&dev, 1, 2, 9.0)).map(f64::sqrt, Var::sqrt);
    /// assert_eq!(t.host_values(), vec![3.0, 3.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn map(&self, scalar: impl Fn(f64) -> f64, var: impl Fn(&Var<E, D>) -> Var<E, D>) -> Self {
        match self {
            Param::Scalar(c) => Param::Scalar(scalar(*c)),
            Param::Tensor(v) => Param::Tensor(var(v)),
        }
    }

    /// The parameter as a value of `shape` on `device` (broadcast as needed).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when it does not broadcast to `shape`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let v = Param::<f64, Cpu>::Scalar(1.5).to_var(&dev, (2, 2))?;
    /// assert_eq!(v.to_f64_vec(), vec![1.5; 4]);
    /// let row = Param::from(Var::<f64, Cpu>::zeros(&dev, 1, 3));
    /// assert!(row.to_var(&dev, (2, 2)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_var(&self, device: &D, shape: (usize, usize)) -> Result<Var<E, D>> {
        match self {
            Param::Scalar(c) => Ok(Var::full(device, shape.0, shape.1, *c)),
            Param::Tensor(v) => v.broadcast_to(shape.0, shape.1),
        }
    }
}

/// The common broadcast shape of several parameters.
///
/// # Errors
/// [`Error::ShapeMismatch`] naming `owner` when they do not broadcast.
pub(crate) fn broadcast_params<E: Real, D: Backend<E>>(
    owner: &'static str,
    params: &[&Param<E, D>],
) -> Result<(usize, usize)> {
    let mut shape = (1, 1);
    for p in params {
        shape = arithmetic_shape(owner, shape, p.shape())?;
    }
    Ok(shape)
}

/// The device of the first tensor parameter, or the backend's shared device.
pub(crate) fn device_of<E: Real, D: Backend<E>>(params: &[&Param<E, D>]) -> Result<D> {
    match params.iter().find_map(|p| p.device()) {
        Some(d) => Ok(d),
        None => D::open(),
    }
}

/// Arithmetic between values and parameters; a scalar parameter costs one scalar operation.
pub(crate) trait ParamArithmetic<E: Real, D: Backend<E>> {
    fn add_p(&self, p: &Param<E, D>) -> Result<Var<E, D>>;
    fn sub_p(&self, p: &Param<E, D>) -> Result<Var<E, D>>;
    fn mul_p(&self, p: &Param<E, D>) -> Result<Var<E, D>>;
    fn div_p(&self, p: &Param<E, D>) -> Result<Var<E, D>>;
}

impl<E: Real, D: Backend<E>> ParamArithmetic<E, D> for Var<E, D> {
    fn add_p(&self, p: &Param<E, D>) -> Result<Var<E, D>> {
        match p {
            Param::Scalar(c) => Ok(self.add_scalar(*c)),
            Param::Tensor(v) => self.add(v),
        }
    }
    fn sub_p(&self, p: &Param<E, D>) -> Result<Var<E, D>> {
        match p {
            Param::Scalar(c) => Ok(self.add_scalar(-c)),
            Param::Tensor(v) => self.sub(v),
        }
    }
    fn mul_p(&self, p: &Param<E, D>) -> Result<Var<E, D>> {
        match p {
            Param::Scalar(c) => Ok(self.mul_scalar(*c)),
            Param::Tensor(v) => self.mul(v),
        }
    }
    fn div_p(&self, p: &Param<E, D>) -> Result<Var<E, D>> {
        match p {
            Param::Scalar(c) => Ok(self.mul_scalar(1.0 / c)),
            Param::Tensor(v) => self.div(v),
        }
    }
}

/// Combines two parameters: `scalar` when both are numbers, else `var` on values (a number is
/// turned into a `(1, 1)` value on the other's device).
pub(crate) fn combine<E: Real, D: Backend<E>>(
    a: &Param<E, D>,
    b: &Param<E, D>,
    scalar: impl Fn(f64, f64) -> f64,
    var: impl Fn(&Var<E, D>, &Var<E, D>) -> Result<Var<E, D>>,
) -> Result<Param<E, D>> {
    match (a, b) {
        (Param::Scalar(x), Param::Scalar(y)) => Ok(Param::Scalar(scalar(*x, *y))),
        (Param::Tensor(x), Param::Scalar(y)) => {
            var(x, &Var::scalar(&x.device(), *y)).map(Param::Tensor)
        }
        (Param::Scalar(x), Param::Tensor(y)) => {
            var(&Var::scalar(&y.device(), *x), y).map(Param::Tensor)
        }
        (Param::Tensor(x), Param::Tensor(y)) => var(x, y).map(Param::Tensor),
    }
}
