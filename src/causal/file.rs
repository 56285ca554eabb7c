//! The saved causal flow: one JSON file with the graph, the transformer settings, the
//! standardisation, the parameters and (for checkpoints) the training state.

use crate::checkpoint::TrainingRecord;
use crate::error::Result;
use crate::params::ParamSnapshot;
use crate::persist::write_json;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The format name of a saved causal flow.
pub(super) const FORMAT: &str = "flowppl-causal-flow";

/// What a causal flow file holds (JSON).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SavedCausalFlow {
    pub format: String,
    pub version: u32,
    pub names: Vec<String>,
    pub graph: String,
    pub transformer: String,
    pub base: String,
    pub hidden: Vec<usize>,
    pub mean: Vec<f64>,
    pub sd: Vec<f64>,
    pub params: ParamSnapshot,
    /// The training state, in files written by checkpointing runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingRecord>,
}

/// Writes files of one causal flow (see
/// [`CausalFlow::file_writer`](super::CausalFlow::file_writer)).
///
/// # Examples
/// ```
/// use flowppl::backend::Cpu;
/// use flowppl::causal::{CausalFlow, CausalFlowOptions, CausalGraph, DataTable};
/// # use flowppl::flows::training::DensityOptions;
/// # fn main() -> flowppl::Result<()> {
/// # let names: Vec<String> = vec!["x".into(), "y".into()];
/// # let values: Vec<f64> = (0..40)
/// #     .flat_map(|r| {
/// #         let x = (r as f64 * 0.7).sin();
/// #         [x, 2.0 * x + 0.3 * (r as f64 * 1.3).cos()]
/// #     })
/// #     .collect();
/// # let data = DataTable::new(names.clone(), values)?;
/// # let training = DensityOptions { steps: 5, batch_size: 16, ..DensityOptions::default() };
/// # let options = CausalFlowOptions { hidden: vec![4], training, ..CausalFlowOptions::default() };
/// # let graph = CausalGraph::parse(&names, "x->y")?;
/// # let (model, _) = CausalFlow::<f32, _>::fit(&Cpu::default(), graph, &data, options)?;
/// let path = std::env::temp_dir().join(format!("flowppl-doc-causal-file-writer-{}.json", std::process::id()));
/// let writer = model.file_writer();
/// writer.write(&model.snapshot(), &path, None, false)?;
/// let loaded = CausalFlow::<f32, _>::load(&Cpu::default(), &path)?;
/// assert_eq!(loaded.graph(), model.graph());
/// std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CausalFileWriter {
    pub(super) names: Vec<String>,
    pub(super) graph: String,
    pub(super) transformer: String,
    pub(super) base: String,
    pub(super) hidden: Vec<usize>,
    pub(super) mean: Vec<f64>,
    pub(super) sd: Vec<f64>,
}

impl CausalFileWriter {
    /// Writes the model with `params` (and the training state when given) to `path`: a new
    /// file, or replacing one when `replace`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidConfig`] for an existing file without `replace`;
    /// [`crate::Error::Io`].
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::Cpu;
    /// use flowppl::causal::{CausalFlow, CausalFlowOptions, CausalGraph, DataTable};
    /// # use flowppl::flows::training::DensityOptions;
    /// # fn main() -> flowppl::Result<()> {
    /// # let names: Vec<String> = vec!["x".into(), "y".into()];
    /// # let values: Vec<f64> = (0..40)
    /// #     .flat_map(|r| {
    /// #         let x = (r as f64 * 0.7).sin();
    /// #         [x, 2.0 * x + 0.3 * (r as f64 * 1.3).cos()]
    /// #     })
    /// #     .collect();
    /// # let data = DataTable::new(names.clone(), values)?;
    /// # let training = DensityOptions { steps: 5, batch_size: 16, ..DensityOptions::default() };
    /// # let options = CausalFlowOptions { hidden: vec![4], training, ..CausalFlowOptions::default() };
    /// # let graph = CausalGraph::parse(&names, "x->y")?;
    /// # let (model, _) = CausalFlow::<f32, _>::fit(&Cpu::default(), graph, &data, options)?;
    /// let path = std::env::temp_dir().join(format!("flowppl-doc-causal-write-{}.json", std::process::id()));
    /// let writer = model.file_writer();
    /// writer.write(&model.snapshot(), &path, None, false)?;
    /// let text = std::fs::read_to_string(&path).unwrap();
    /// assert!(text.contains(r#""format":"flowppl-causal-flow""#));
    /// assert!(writer.write(&model.snapshot(), &path, None, false).is_err()); // the file exists
    /// writer.write(&model.snapshot(), &path, None, true)?; // unless replacing
    /// std::fs::remove_file(&path).unwrap();
    /// # Ok(())
    /// # }
    /// ```
    pub fn write(
        &self,
        params: &ParamSnapshot,
        path: &Path,
        training: Option<&TrainingRecord>,
        replace: bool,
    ) -> Result<()> {
        let saved = SavedCausalFlow {
            format: FORMAT.into(),
            version: 1,
            names: self.names.clone(),
            graph: self.graph.clone(),
            transformer: self.transformer.clone(),
            base: self.base.clone(),
            hidden: self.hidden.clone(),
            mean: self.mean.clone(),
            sd: self.sd.clone(),
            params: params.clone(),
            training: training.cloned(),
        };
        write_json(path, &saved, replace)
    }
}
