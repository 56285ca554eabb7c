//! Saving and loading a trained flow: one self-describing JSON file with the stack's recipe
//! ([`FlowSpec`]), its parameters and, for checkpointing runs, the training state.

use super::builder::{build_cnf, build_flow, FlowKind};
use super::flow::Flow;
use crate::backend::{Backend, Real};
use crate::checkpoint::TrainingRecord;
use crate::error::{Error, Result};
use crate::params::{ParamSnapshot, ParamStore};
use crate::persist::{check_saved_sizes, naming_file, read_versioned_json, write_json};
use crate::transforms::{OdeSolver, TraceEstimator};
use serde::{Deserialize, Serialize};
use std::path::Path;

const FORMAT: &str = "flowppl-flow";

/// The recipe of a flow built by [`build_flow`] or [`build_cnf`]: enough to rebuild it.
///
/// # Examples
/// ```
/// use flowppl::backend::Cpu;
/// use flowppl::flows::FlowSpec;
/// # fn main() -> flowppl::Result<()> {
/// let spec = FlowSpec {
///     kind: "realnvp".into(), dimension: 2, layers: 2, hidden: vec![4], context: 0,
///     solver: None, trace: None,
/// };
/// let flow = spec.build::<f64, Cpu>()?;
/// assert_eq!((flow.dimension(), flow.layers().len()), (2, 3)); // two couplings, one reversal
/// // The recipe is what the flow file stores, as JSON.
/// let json = serde_json::to_string(&spec).unwrap();
/// assert_eq!(serde_json::from_str::<FlowSpec>(&json).unwrap(), spec);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowSpec {
    /// The layer kind, as [`FlowKind::parse`] reads it.
    pub kind: String,
    /// The dimension.
    pub dimension: usize,
    /// Number of layers (blocks for `cnf`).
    pub layers: usize,
    /// Hidden sizes of the layers' networks.
    pub hidden: Vec<usize>,
    /// Context width (0 for none).
    pub context: usize,
    /// For `cnf`: the solver (`rk4:N` or `dopri5:TOL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solver: Option<String>,
    /// For `cnf`: the trace estimator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

impl FlowSpec {
    /// Builds the flow (parameter names start with `flow`).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an unknown kind or invalid sizes or settings.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::Cpu;
    /// use flowppl::flows::FlowSpec;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut spec = FlowSpec {
    ///     kind: "cnf".into(), dimension: 2, layers: 1, hidden: vec![4], context: 0,
    ///     solver: Some("rk4:3".into()), trace: None,
    /// };
    /// assert_eq!(spec.build::<f64, Cpu>()?.layers().len(), 1);
    /// spec.kind = "glow".into();
    /// assert!(spec.build::<f64, Cpu>().is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn build<E: Real, D: Backend<E>>(&self) -> Result<Flow<E, D>> {
        let kind = FlowKind::parse(&self.kind)?;
        if kind == FlowKind::Cnf {
            build_cnf(
                "flow",
                self.dimension,
                self.layers,
                &self.hidden,
                self.context,
                OdeSolver::parse(self.solver.as_deref().unwrap_or("rk4:10"))?,
                TraceEstimator::parse(self.trace.as_deref().unwrap_or("exact"))?,
            )
        } else {
            build_flow(
                "flow",
                kind,
                self.dimension,
                self.layers,
                &self.hidden,
                self.context,
            )
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedFlow {
    format: String,
    version: u32,
    spec: FlowSpec,
    params: ParamSnapshot,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    training: Option<TrainingRecord>,
}

/// Writes a flow file: the recipe, `params` and the training state when given; replaces an
/// existing file only when `replace`.
///
/// # Errors
/// [`Error::InvalidConfig`] for an existing file without `replace`; [`Error::Io`].
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::{load_flow, write_flow_file, FlowSpec};
/// use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// // `spec`: a two-layer RealNVP recipe on R^2 (see `FlowSpec`).
/// # let spec = FlowSpec {
/// #     kind: "realnvp".into(), dimension: 2, layers: 2, hidden: vec![4], context: 0,
/// #     solver: None, trace: None,
/// # };
/// # let dev = Cpu::default();
/// let flow = spec.build::<f64, Cpu>()?;
/// let mut store = ParamStore::new(&dev);
/// flow.initialize(&mut store, &mut seeded(0))?;
/// let path = std::env::temp_dir().join(format!("flowppl-doc-write-{}.json", std::process::id()));
/// write_flow_file(&spec, &store.snapshot(), &path, None, true)?;
/// // The file is not replaced unless asked.
/// assert!(write_flow_file(&spec, &store.snapshot(), &path, None, false).is_err());
/// let (_, loaded, loaded_store) = load_flow::<f64, Cpu>(&dev, &path)?;
/// let x = Var::from_rows(&dev, &[[0.3, -0.4]])?;
/// let before = flow.bind(&store, None)?.log_prob(&x, None)?.item()?;
/// assert_eq!(loaded.bind(&loaded_store, None)?.log_prob(&x, None)?.item()?, before);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn write_flow_file(
    spec: &FlowSpec,
    params: &ParamSnapshot,
    path: &Path,
    training: Option<&TrainingRecord>,
    replace: bool,
) -> Result<()> {
    let saved = SavedFlow {
        format: FORMAT.into(),
        version: 1,
        spec: spec.clone(),
        params: params.clone(),
        training: training.cloned(),
    };
    write_json(path, &saved, replace)
}

/// A flow read from a file: its recipe, the flow and its parameters.
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu};
/// use flowppl::flows::{load_flow, write_flow_file, FlowSpec, LoadedFlow};
/// use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// // `spec`: a two-layer RealNVP recipe on R^2 (see `FlowSpec`).
/// # let spec = FlowSpec {
/// #     kind: "realnvp".into(), dimension: 2, layers: 2, hidden: vec![4], context: 0,
/// #     solver: None, trace: None,
/// # };
/// # let dev = Cpu::default();
/// let mut store = ParamStore::new(&dev);
/// spec.build::<f64, Cpu>()?.initialize(&mut store, &mut seeded(0))?;
/// let path = std::env::temp_dir().join(format!("flowppl-doc-loaded-{}.json", std::process::id()));
/// write_flow_file(&spec, &store.snapshot(), &path, None, true)?;
/// let (loaded_spec, flow, loaded_store): LoadedFlow<f64, Cpu> = load_flow(&dev, &path)?;
/// assert_eq!(loaded_spec, spec);
/// assert_eq!(flow.dimension(), 2);
/// assert_eq!(loaded_store.snapshot(), store.snapshot());
/// # std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
pub type LoadedFlow<E, D> = (FlowSpec, Flow<E, D>, ParamStore<E, D>);

/// Reads a flow file: the recipe, the flow and its parameters on `device`. Every parameter
/// the flow needs must be in the file with its shape.
///
/// # Errors
/// [`Error::Io`]; [`Error::Parse`] naming the file for another format or version, a recipe
/// far larger than the saved parameters, or parameters that do not fit it.
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu};
/// use flowppl::flows::{load_flow, write_flow_file, FlowSpec};
/// use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// // `spec`: a two-layer RealNVP recipe on R^2 (see `FlowSpec`).
/// # let spec = FlowSpec {
/// #     kind: "realnvp".into(), dimension: 2, layers: 2, hidden: vec![4], context: 0,
/// #     solver: None, trace: None,
/// # };
/// # let dev = Cpu::default();
/// let mut store = ParamStore::new(&dev);
/// spec.build::<f64, Cpu>()?.initialize(&mut store, &mut seeded(0))?;
/// let path = std::env::temp_dir().join(format!("flowppl-doc-load-{}.json", std::process::id()));
/// write_flow_file(&spec, &store.snapshot(), &path, None, true)?;
/// let (loaded_spec, flow, loaded) = load_flow::<f64, Cpu>(&dev, &path)?;
/// assert_eq!((loaded_spec, flow.layers().len()), (spec.clone(), 3));
/// assert_eq!(loaded.values("flow.0.net.0.weight")?, store.values("flow.0.net.0.weight")?);
/// // A recipe that needs parameters the file lacks is refused.
/// let bigger = FlowSpec { layers: 3, ..spec };
/// write_flow_file(&bigger, &store.snapshot(), &path, None, true)?;
/// assert!(load_flow::<f64, Cpu>(&dev, &path).is_err());
/// # std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn load_flow<E: Real, D: Backend<E>>(device: &D, path: &Path) -> Result<LoadedFlow<E, D>> {
    let read = || -> Result<LoadedFlow<E, D>> {
        let saved: SavedFlow = read_versioned_json(path, FORMAT, 1)?;
        let spec = saved.spec;
        let mut sizes = vec![("dimension", spec.dimension), ("context", spec.context)];
        sizes.extend(spec.hidden.iter().map(|&h| ("hidden", h)));
        check_saved_sizes(path, &sizes, spec.layers, &saved.params)?;
        let flow = spec.build()?;
        let mut store = ParamStore::new(device);
        store.restore(&saved.params)?;
        store.freeze(true);
        flow.initialize(&mut store, &mut crate::backend::rng::seeded(0))
            .map_err(|e| Error::Parse {
                path: path.display().to_string(),
                message: format!("parameters do not fit the flow: {e}"),
            })?;
        store.freeze(false);
        Ok((spec, flow, store))
    };
    read().map_err(naming_file(path))
}

/// The training state saved in a flow file, if it has one.
///
/// # Errors
/// As [`load_flow`].
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu};
/// use flowppl::flows::{read_flow_training, write_flow_file, FlowSpec};
/// use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// // `spec`: a two-layer RealNVP recipe on R^2 (see `FlowSpec`).
/// # let spec = FlowSpec {
/// #     kind: "realnvp".into(), dimension: 2, layers: 2, hidden: vec![4], context: 0,
/// #     solver: None, trace: None,
/// # };
/// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
/// spec.build::<f64, Cpu>()?.initialize(&mut store, &mut seeded(0))?;
/// let path = std::env::temp_dir().join(format!("flowppl-doc-training-{}.json", std::process::id()));
/// write_flow_file(&spec, &store.snapshot(), &path, None, true)?;
/// assert!(read_flow_training(&path)?.is_none()); // saved without a training state
/// # std::fs::remove_file(&path).unwrap();
/// assert!(read_flow_training(&path).is_err()); // no such file
/// # Ok(())
/// # }
/// ```
pub fn read_flow_training(path: &Path) -> Result<Option<TrainingRecord>> {
    let saved: SavedFlow = read_versioned_json(path, FORMAT, 1)?;
    Ok(saved.training)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::rng::seeded;
    use crate::backend::{Cpu, Var};

    #[test]
    fn a_saved_flow_reloads_with_the_same_density_and_draws() {
        let dir = std::env::temp_dir().join(format!("flowppl-flow-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let device = Cpu::default();
        for (kind, solver) in [("nsf", None), ("maf-bn", None), ("cnf", Some("rk4:3"))] {
            let spec = FlowSpec {
                kind: kind.into(),
                dimension: 2,
                layers: 2,
                hidden: vec![4],
                context: 0,
                solver: solver.map(String::from),
                trace: None,
            };
            let flow = spec.build::<f32, Cpu>().unwrap();
            let mut store = ParamStore::new(&device);
            flow.initialize(&mut store, &mut seeded(1)).unwrap();
            let path = dir.join(format!("{kind}.json"));
            let _ = std::fs::remove_file(&path);
            write_flow_file(&spec, &store.snapshot(), &path, None, false).unwrap();
            let (loaded_spec, loaded, loaded_store) =
                load_flow::<f32, Cpu>(&device, &path).unwrap();
            assert_eq!(loaded_spec, spec);
            let x = Var::from_rows(&device, &[[0.3f32, -0.4], [1.2, 0.8]]).unwrap();
            let before = flow.bind(&store, None).unwrap().log_prob(&x, None).unwrap();
            let after = loaded
                .bind(&loaded_store, None)
                .unwrap()
                .log_prob(&x, None)
                .unwrap();
            assert_eq!(before.to_vec(), after.to_vec(), "{kind}");
            let draws = |f: &Flow<f32, Cpu>, s: &ParamStore<f32, Cpu>| {
                f.bind(s, None)
                    .unwrap()
                    .sample(5, &mut seeded(9), &device, None)
                    .unwrap()
                    .to_vec()
            };
            assert_eq!(
                draws(&flow, &store),
                draws(&loaded, &loaded_store),
                "{kind}"
            );
            // A recipe that needs parameters the file lacks is refused, naming the file.
            let mut bigger = spec.clone();
            bigger.layers = 3;
            write_flow_file(&bigger, &store.snapshot(), &path, None, true).unwrap();
            let error = load_flow::<f32, Cpu>(&device, &path)
                .err()
                .unwrap()
                .to_string();
            assert!(error.contains(&format!("{kind}.json")), "{error}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
