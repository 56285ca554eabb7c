//! # flowppl-models
//!
//! Ready-made models with their data and, where one exists, their exact posterior, so that
//! inference can be checked against the truth.
//!
//! - [`normal_mean`]: the mean of normal data with known noise under a normal prior
//!   (conjugate: the posterior is normal in closed form).

pub mod normal_mean;
