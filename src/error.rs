//! The crate-wide error type.
//!
//! Every fallible function in flowppl returns [`Result<T>`]. Messages name the distribution,
//! parameter, site, transform or file involved, and suggest a fix where one is guessable.

/// Shorthand for `std::result::Result<T, flowppl::Error>`.
///
/// # Examples
/// ```
/// use flowppl::{Error, Result};
/// fn half(x: f64) -> Result<f64> {
///     if x.is_finite() {
///         Ok(x / 2.0)
///     } else {
///         Err(Error::NonFinite { what: "x".into() })
///     }
/// }
/// assert_eq!(half(3.0).unwrap(), 1.5);
/// assert_eq!(half(f64::NAN).unwrap_err().to_string(), "non-finite value in x");
/// ```
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in flowppl.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// let error = Normal::<f64, Cpu>::new(0.0, -1.0).unwrap_err();
/// assert!(matches!(error, Error::InvalidParameter { parameter: "scale", .. }));
/// assert_eq!(
///     error.to_string(),
///     "Normal: parameter `scale` = -1 is invalid: must be positive and finite"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A distribution or transform was given a parameter outside its domain.
    #[error("{owner}: parameter `{parameter}` = {value} is invalid: {requirement}")]
    InvalidParameter {
        /// The distribution or transform being built, e.g. `Normal`.
        owner: &'static str,
        /// The parameter name, e.g. `scale`.
        parameter: &'static str,
        /// The offending value, rendered for display.
        value: String,
        /// What the value must satisfy, e.g. `must be positive and finite`.
        requirement: &'static str,
    },
    /// Two operands had shapes that do not broadcast or do not match.
    #[error("{operation}: shapes {left:?} and {right:?} are incompatible{hint}")]
    ShapeMismatch {
        /// The operation that was attempted.
        operation: &'static str,
        /// Shape of the left operand.
        left: (usize, usize),
        /// Shape of the right operand.
        right: (usize, usize),
        /// Extra advice, starting with `; ` when present.
        hint: String,
    },
    /// A value had a shape the operation cannot accept.
    #[error("{operation}: {message}")]
    InvalidShape {
        /// The operation that was attempted.
        operation: &'static str,
        /// What was wrong.
        message: String,
    },
    /// A transform has no closed-form inverse in the requested direction.
    #[error("{transform} has no analytic inverse; {suggestion}")]
    NoAnalyticInverse {
        /// The transform's name.
        transform: &'static str,
        /// What to use instead.
        suggestion: &'static str,
    },
    /// `rsample` was called on a distribution without a reparameterised sampler.
    #[error("{distribution} has no reparameterised sampler (rsample); use sample() or a score-function estimator")]
    NotReparameterizable {
        /// The distribution's name.
        distribution: &'static str,
    },
    /// Values from two different autodiff graphs were combined in one operation.
    #[error("{operation}: operands belong to two different graphs; build every value of one step from the same Graph")]
    GraphMismatch {
        /// The operation that was attempted.
        operation: &'static str,
    },
    /// `backward` was called on a value that is not recorded on any graph.
    #[error("backward: the value is a constant (not recorded on a Graph), so it has no gradient")]
    NotRecorded,
    /// A named parameter was not found in a parameter store.
    #[error("parameter `{name}` is not in the store{hint}")]
    UnknownParameter {
        /// The requested name.
        name: String,
        /// Extra advice, starting with `; ` when present.
        hint: String,
    },
    /// A parameter was registered twice with different shapes, or restored with a wrong shape.
    #[error("parameter `{name}`: shape {found:?} does not match the expected {expected:?}")]
    ParameterShape {
        /// The parameter name.
        name: String,
        /// The shape already stored or expected.
        expected: (usize, usize),
        /// The shape that was given.
        found: (usize, usize),
    },
    /// A numerical routine failed, e.g. a matrix was not positive definite.
    #[error("{operation}: {message}")]
    Numerical {
        /// The routine that failed.
        operation: &'static str,
        /// What went wrong.
        message: String,
    },
    /// A non-finite loss or gradient appeared.
    #[error("non-finite value in {what}")]
    NonFinite {
        /// Which quantity (site, layer, parameter) was non-finite.
        what: String,
    },
    /// An invalid configuration value (optimizer, schedule, CLI option, ...).
    #[error("{what}: {message}")]
    InvalidConfig {
        /// The setting that was wrong.
        what: String,
        /// Why.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file or string could not be parsed.
    #[error("{path}: {message}")]
    Parse {
        /// The file (or `<input>`) involved.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// An error at a named site of a model, with the underlying cause.
    #[error("site `{site}`: {source}")]
    Site {
        /// The site's name.
        site: String,
        /// What went wrong there.
        #[source]
        source: Box<Error>,
    },
    /// A model or guide was used in a way its structure does not allow.
    #[error("{model}: {message}")]
    Model {
        /// The model (or guide) involved.
        model: String,
        /// What was wrong.
        message: String,
    },
    /// The tensor backend reported an error (for example, out of device memory).
    #[error("backend: {0}")]
    Backend(String),
    /// Training was interrupted (Ctrl-C) after `step` completed steps; the last checkpoint
    /// holds them.
    #[error("interrupted after step {step}")]
    Interrupted {
        /// Steps completed.
        step: usize,
    },
}

impl Error {
    /// A copy of this error (an I/O error is copied by kind and message). Used to hand the
    /// error stored in a poisoned [`Var`](crate::backend::Var) to each caller that checks it.
    ///
    /// # Examples
    /// ```
    /// use flowppl::Error;
    /// let original = Error::Io {
    ///     path: "data.csv".into(),
    ///     source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
    /// };
    /// let copy = original.duplicate();
    /// assert_eq!(copy.to_string(), original.to_string());
    /// let kind = std::io::ErrorKind::NotFound;
    /// assert!(matches!(copy, Error::Io { ref source, .. } if source.kind() == kind));
    /// ```
    pub fn duplicate(&self) -> Self {
        match self {
            Error::InvalidParameter {
                owner,
                parameter,
                value,
                requirement,
            } => Error::InvalidParameter {
                owner,
                parameter,
                value: value.clone(),
                requirement,
            },
            Error::ShapeMismatch {
                operation,
                left,
                right,
                hint,
            } => Error::ShapeMismatch {
                operation,
                left: *left,
                right: *right,
                hint: hint.clone(),
            },
            Error::InvalidShape { operation, message } => Error::InvalidShape {
                operation,
                message: message.clone(),
            },
            Error::NoAnalyticInverse {
                transform,
                suggestion,
            } => Error::NoAnalyticInverse {
                transform,
                suggestion,
            },
            Error::NotReparameterizable { distribution } => {
                Error::NotReparameterizable { distribution }
            }
            Error::GraphMismatch { operation } => Error::GraphMismatch { operation },
            Error::NotRecorded => Error::NotRecorded,
            Error::UnknownParameter { name, hint } => Error::UnknownParameter {
                name: name.clone(),
                hint: hint.clone(),
            },
            Error::ParameterShape {
                name,
                expected,
                found,
            } => Error::ParameterShape {
                name: name.clone(),
                expected: *expected,
                found: *found,
            },
            Error::Numerical { operation, message } => Error::Numerical {
                operation,
                message: message.clone(),
            },
            Error::NonFinite { what } => Error::NonFinite { what: what.clone() },
            Error::InvalidConfig { what, message } => Error::InvalidConfig {
                what: what.clone(),
                message: message.clone(),
            },
            Error::Io { path, source } => Error::Io {
                path: path.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            Error::Parse { path, message } => Error::Parse {
                path: path.clone(),
                message: message.clone(),
            },
            Error::Site { site, source } => Error::Site {
                site: site.clone(),
                source: Box::new(source.duplicate()),
            },
            Error::Model { model, message } => Error::Model {
                model: model.clone(),
                message: message.clone(),
            },
            Error::Backend(message) => Error::Backend(message.clone()),
            Error::Interrupted { step } => Error::Interrupted { step: *step },
        }
    }

    /// Builds an [`Error::InvalidParameter`], rendering `value` with `Display`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::Error;
    /// let error = Error::invalid_parameter("Gamma", "rate", 0.0, "must be positive");
    /// assert!(matches!(error, Error::InvalidParameter { owner: "Gamma", .. }));
    /// assert_eq!(error.to_string(), "Gamma: parameter `rate` = 0 is invalid: must be positive");
    /// ```
    pub fn invalid_parameter(
        owner: &'static str,
        parameter: &'static str,
        value: impl std::fmt::Display,
        requirement: &'static str,
    ) -> Self {
        Error::InvalidParameter {
            owner,
            parameter,
            value: value.to_string(),
            requirement,
        }
    }

    /// Builds an [`Error::ShapeMismatch`] without a hint.
    ///
    /// # Examples
    /// ```
    /// use flowppl::Error;
    /// let error = Error::shape_mismatch("add", (2, 3), (3, 2));
    /// assert!(matches!(error, Error::ShapeMismatch { ref hint, .. } if hint.is_empty()));
    /// assert_eq!(error.to_string(), "add: shapes (2, 3) and (3, 2) are incompatible");
    /// ```
    pub fn shape_mismatch(
        operation: &'static str,
        left: (usize, usize),
        right: (usize, usize),
    ) -> Self {
        Error::ShapeMismatch {
            operation,
            left,
            right,
            hint: String::new(),
        }
    }

    /// Builds an [`Error::InvalidShape`].
    ///
    /// # Examples
    /// ```
    /// use flowppl::Error;
    /// let error = Error::invalid_shape("reshape", format!("cannot reshape {}x{} into 4x2", 2, 3));
    /// assert!(matches!(error, Error::InvalidShape { operation: "reshape", .. }));
    /// assert_eq!(error.to_string(), "reshape: cannot reshape 2x3 into 4x2");
    /// ```
    pub fn invalid_shape(operation: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidShape {
            operation,
            message: message.into(),
        }
    }
}
