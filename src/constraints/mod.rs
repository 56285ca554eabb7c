//! Supports of distributions, and the bijections from unconstrained space onto them.
//!
//! [`Constraint`] says which values are valid; [`biject_to`] gives the transform that maps
//! `R^n` onto the constrained set, with its log-Jacobian, which variational inference uses to
//! optimise in unconstrained space.

mod biject_to;
mod constraint;

pub use biject_to::biject_to;
pub use constraint::Constraint;
