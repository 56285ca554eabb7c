//! Supports of distributions, and the bijections from unconstrained space onto them.
//!
//! [`Constraint`] says which values are valid; [`biject_to`] gives the transform that maps
//! `R^n` onto the constrained set, with its log-Jacobian, which variational inference uses to
//! optimise in unconstrained space.


mod constraint;


pub use constraint::Constraint;
