//! The model zoo: posteriordb's reference posteriors translated from Stan, plus benchmark
//! models. One file per model family.

pub mod eight_schools;
pub mod gaussian_process;
pub mod hmm;
pub mod logistic;
pub mod mixture;
pub mod regressions;
pub mod synthetic;
pub mod time_series;
