//! # flowppl-macros
//!
//! The home of flowppl's model DSL (`model!`, `sample!`, `observe!`), which turns a Rust
//! function into a model whose latent sites are declared up front. The crate is part of the
//! workspace from the start so that its place in the dependency graph is fixed; the macros land
//! with the DSL and export nothing yet.
