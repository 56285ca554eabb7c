//! Continuous normalising flows: a learned vector field integrated by an ODE solver, with the
//! log-density change from the trace of the field's Jacobian (exact or Hutchinson).
//!
//! - [`VectorField`]: the time- and context-conditioned MLP `g(z, t)` and its closed-form
//!   Jacobian-vector products;
//! - [`OdeSolver`]: fixed-step RK4 and adaptive Dormand-Prince 5(4), differentiated through
//!   their steps;
//! - [`TraceEstimator`]: exact trace or Hutchinson's estimator with Gaussian or Rademacher
//!   probes;
//! - [`Cnf`]: the flow layer, usable wherever the other layers are.

mod field;
mod layer;
mod solver;
mod trace;

pub use field::{BoundField, FieldValue, SmoothActivation, VectorField};
pub use layer::{BoundCnf, Cnf};
pub use solver::{Dynamics, OdeSolver, Solution, Stage};
pub use trace::{Probe, TraceEstimator};
