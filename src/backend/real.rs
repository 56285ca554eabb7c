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

    /// Writes `softplus(x[k]) = ln(1 + e^x[k])` and `sigmoid(x[k]) = 1 / (1 + e^-x[k])` into
    /// `softplus[k]` and `sigmoid[k]` over the common length of the slices.
    ///
    /// The default evaluates the overflow-free scalar forms with the standard library's
    /// `exp` and `ln`; `f32` overrides it with branch-free polynomials that the compiler
    /// vectorises (within 4 ulps; see the `softplus_slices` kernel's documentation). The
    /// fused Bernoulli log-density uses it.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::Real;
    /// let x = [-2.0f32, 0.0, 3.0];
    /// let (mut softplus, mut sigmoid) = ([0.0f32; 3], [0.0f32; 3]);
    /// f32::softplus_sigmoid_slices(&x, &mut softplus, &mut sigmoid);
    /// assert!((softplus[1] - 2f32.ln()).abs() < 1e-6);
    /// assert!((sigmoid[2] - 1.0 / (1.0 + (-3f32).exp())).abs() < 1e-6);
    /// assert!((softplus[0] - (1.0 + (-2f32).exp()).ln()).abs() < 1e-6);
    /// ```
    fn softplus_sigmoid_slices(x: &[Self], softplus: &mut [Self], sigmoid: &mut [Self]) {
        crate::backend::ops::softplus_slices::softplus_sigmoid_scalar(x, softplus, sigmoid);
    }

    /// Writes `tanh(x[k])` into `out[k]` over the common length of the slices: the standard
    /// library's `tanh` by default; for `f32` a vectorised polynomial within 4 ulps (the
    /// `tanh_ln_slices` kernel). The planar layer uses it.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::Real;
    /// let mut out = [0.0f32; 3];
    /// f32::tanh_slices(&[-0.3, 0.0, 4.0], &mut out);
    /// assert!((out[0] - (-0.3f32).tanh()).abs() < 1e-7 && out[1] == 0.0);
    /// assert!((out[2] - 4f32.tanh()).abs() < 1e-7);
    /// ```
    fn tanh_slices(x: &[Self], out: &mut [Self]) {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = v.tanh();
        }
    }

    /// Writes `ln(x[k])` into `out[k]` over the common length of the slices: the standard
    /// library's `ln` by default; for `f32` a vectorised polynomial within 4 ulps on positive
    /// normal inputs and libm's value on the others (zero, negative, subnormal, infinite,
    /// NaN).
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::Real;
    /// let mut out = [0.0f32; 3];
    /// f32::ln_slices(&[std::f32::consts::E, 1.0, 0.0], &mut out);
    /// assert!((out[0] - 1.0).abs() < 1e-6 && out[1] == 0.0);
    /// assert_eq!(out[2], f32::NEG_INFINITY);
    /// ```
    fn ln_slices(x: &[Self], out: &mut [Self]) {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = v.ln();
        }
    }
}

impl Real for f32 {
    const NAME: &'static str = "f32";
    fn from_f64_value(value: f64) -> Self {
        value as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn softplus_sigmoid_slices(x: &[Self], softplus: &mut [Self], sigmoid: &mut [Self]) {
        crate::backend::ops::softplus_slices::softplus_sigmoid_f32(x, softplus, sigmoid);
    }
    fn tanh_slices(x: &[Self], out: &mut [Self]) {
        crate::backend::ops::tanh_ln_slices::tanh_f32(x, out);
    }
    fn ln_slices(x: &[Self], out: &mut [Self]) {
        crate::backend::ops::tanh_ln_slices::ln_f32(x, out);
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
