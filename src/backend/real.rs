//! The floating-point element types flowppl computes in.

use dfdx::dtypes::Dtype;

/// A floating-point element type: `f32` (the default, fast) or `f64` (for reference tests).
///
/// Host-side special functions are evaluated in `f64` whatever `E` is; [`Real::from_f64_value`] and
/// [`Real::to_f64`] move values across.
///
/// # Examples
/// ```
/// use flowppl::backend::Real;
/// fn half<E: Real>(x: E) -> f64 {
///     x.to_f64() / 2.0
/// }
/// assert_eq!(half(3.0f32), 1.5);
/// assert_eq!(<f32 as Real>::NAME, "f32");
/// assert_eq!(<f32 as Real>::from_f64_value(0.1), 0.1f32);
/// ```
pub trait Real:
    Dtype + num_traits::Float + std::fmt::Display + std::fmt::Debug + Default + Send + Sync + 'static
{
    /// Short name used in messages and file headers (`"f32"` or `"f64"`).
    const NAME: &'static str;
    /// Converts from `f64`, rounding to nearest (named apart from `FromPrimitive::from_f64`,
    /// which returns an `Option`).
    fn from_f64_value(value: f64) -> Self;
    /// Widens to `f64`.
    fn to_f64(self) -> f64;
}

impl Real for f32 {
    const NAME: &'static str = "f32";
    fn from_f64_value(value: f64) -> Self {
        value as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Real for f64 {
    const NAME: &'static str = "f64";
    fn from_f64_value(value: f64) -> Self {
        value
    }
    fn to_f64(self) -> f64 {
        self
    }
}

/// Converts an `f64` constant to `E`; shorthand used throughout the crate.
///
/// # Examples
/// ```
/// use flowppl::backend::real;
/// let x: f32 = real(0.1);
/// assert_eq!(x, 0.1f32);
/// assert_eq!(real::<f64>(2.5), 2.5);
/// ```
#[inline]
pub fn real<E: Real>(value: f64) -> E {
    <E as Real>::from_f64_value(value)
}
