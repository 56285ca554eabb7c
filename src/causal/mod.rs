//! Causal inference with normalising flows: a structural causal model over named variables,
//! learned from observational data given its DAG (or only a causal order), answering
//! interventional (`do`), counterfactual and average-treatment-effect queries.
//!
//! - [`CausalGraph`]: the DAG, parsed from `"a->b, a->c"`, or complete over an order (CAREFL);
//! - [`CausalTransformer`]: one masked autoregressive layer whose conditioner sees exactly each
//!   variable's parents (affine or spline transformer);
//! - [`CausalFlow`]: fitting, sampling under interventions, counterfactuals, ATE, saving;
//! - [`DataTable`]: named columns from CSV files with a header.
//!
//! For `do` on ordinary probabilistic programs, see the
//! [`intervene`](crate::handlers::intervene) handler.

mod file;
mod graph;
mod model;
mod table;
mod transformer;

pub use crate::persist::write_new_file;
pub use file::CausalFileWriter;
pub use graph::CausalGraph;
pub use model::{CausalFlow, CausalFlowOptions};
pub use table::DataTable;
pub use transformer::{BoundCausalTransformer, CausalTransformer, Transformer};
