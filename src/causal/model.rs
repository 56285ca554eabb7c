//! [`CausalFlow`]: a causal normalising flow fitted on observational data, answering
//! interventional, counterfactual and average-treatment-effect queries.

use super::file::{CausalFileWriter, SavedCausalFlow, FORMAT};
use super::graph::CausalGraph;
use super::table::DataTable;
use super::transformer::{BoundCausalTransformer, CausalTransformer, Transformer};
use crate::backend::rng::seeded;
use crate::backend::{real, Backend, Real, Var};
use crate::checkpoint::{TrainingControl, TrainingRecord};
use crate::error::{Error, Result};
use crate::flows::training::{
    fit_density_with, mean_log_likelihood, DensityOptions, TrainingReport,
};
use crate::flows::{Base, Flow};
use crate::params::{ParamSnapshot, ParamStore, Schedule};
use crate::persist::read_versioned_json;
use std::path::Path;

/// How to fit a [`CausalFlow`].
///
/// # Examples
/// ```
/// use flowppl::causal::{CausalFlowOptions, Transformer};
/// use flowppl::flows::training::DensityOptions;
/// let defaults = CausalFlowOptions::default();
/// assert_eq!(defaults.transformer, Transformer::Affine);
/// assert_eq!(defaults.hidden, vec![64, 64]);
/// assert_eq!(defaults.training.steps, 3000);
/// let tiny = CausalFlowOptions {
///     transformer: Transformer::Spline { bins: 4 },
///     hidden: vec![4],
///     training: DensityOptions { steps: 5, ..defaults.training.clone() },
///     ..defaults
/// };
/// assert_eq!((tiny.training.steps, tiny.training.batch_size), (5, 256));
/// ```
#[derive(Debug, Clone)]
pub struct CausalFlowOptions {
    /// The per-variable transformer.
    pub transformer: Transformer,
    /// The noise distribution.
    pub base: Base,
    /// Hidden sizes of the masked conditioner (each hidden unit serves one variable).
    pub hidden: Vec<usize>,
    /// Optimisation settings: steps, batch size, learning rate (cosine-decayed), validation
    /// split and early stopping, seed.
    pub training: DensityOptions,
}

impl Default for CausalFlowOptions {
    fn default() -> Self {
        CausalFlowOptions {
            transformer: Transformer::Affine,
            base: Base::StandardNormal,
            hidden: vec![64, 64],
            training: DensityOptions {
                steps: 3000,
                batch_size: 256,
                learning_rate: 3e-3,
                validation_fraction: 0.1,
                validate_every: 100,
                patience: Some(20),
                seed: 0,
                schedule: Schedule::Cosine {
                    total: 3000,
                    final_fraction: 0.01,
                },
            },
        }
    }
}

/// A structural causal model `x_i = f_i(u_i; pa(x_i))` learned as one masked autoregressive
/// flow: each variable's conditioner sees exactly its parents, so the noise `u = T(x)` is
/// identified from observational data given the graph (Javaloy et al. 2023), and
///
/// - `do(x_k = a)`: draw `u`, decode in causal order with `x_k` set to `a` (descendants
///   follow, non-descendants are untouched);
/// - counterfactual of a row: abduct `u = T(x)`, set `x_k = a`, decode with the row's own `u`;
/// - ATE: `E[y | do(t = a)] - E[y | do(t = b)]` with common noise for both arms.
///
/// Data are standardised per variable inside; every query speaks original units.
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
/// // data: x, then y = 2 x + noise; five training steps keep the example fast
/// let (model, report) = CausalFlow::<f32, _>::fit(&Cpu::default(), graph, &data, options)?;
/// assert_eq!(report.steps, 5);
/// let under_do = model.sample(100, &[("x".to_string(), 1.5)], 0)?;
/// assert!(under_do.column(0).iter().all(|&x| x == 1.5));
/// assert!(model.mean_log_likelihood(&data)?.is_finite());
/// # Ok(())
/// # }
/// ```
pub struct CausalFlow<E: Real, D: Backend<E>> {
    graph: CausalGraph,
    layer: CausalTransformer,
    options: CausalFlowOptions,
    mean: Vec<f64>,
    sd: Vec<f64>,
    store: ParamStore<E, D>,
}

impl<E: Real, D: Backend<E>> CausalFlow<E, D> {
    /// Fits the model for `graph` on `data` (its columns are found by name, in any order) by
    /// maximum likelihood; returns the model and the training report.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a variable missing from the data, a constant column or
    /// fewer than 10 rows; training errors.
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
    /// let device = Cpu::default();
    /// let (model, report) = CausalFlow::<f32, _>::fit(&device, graph.clone(), &data, options.clone())?;
    /// assert_eq!(report.losses.len(), 5);
    /// assert_eq!(model.graph(), &graph);
    /// let few = DataTable::new(names, data.values[..10].to_vec())?; // 5 rows
    /// assert!(CausalFlow::<f32, _>::fit(&device, graph, &few, options).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn fit(
        device: &D,
        graph: CausalGraph,
        data: &DataTable,
        options: CausalFlowOptions,
    ) -> Result<(Self, TrainingReport)> {
        Self::fit_with(device, graph, data, options, &mut TrainingControl::new())
    }

    /// [`CausalFlow::fit`] with checkpoints (see [`TrainingControl`]): resumable, and
    /// interruptible with a final checkpoint.
    ///
    /// # Errors
    /// As [`CausalFlow::fit`]; [`Error::Interrupted`].
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::Cpu;
    /// use flowppl::causal::{CausalFlow, CausalFlowOptions, CausalGraph, DataTable};
    /// use flowppl::checkpoint::TrainingControl;
    /// use std::{cell::Cell, rc::Rc};
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
    /// let seen = Rc::new(Cell::new(0));
    /// let counter = seen.clone();
    /// let mut control = TrainingControl::new().checkpoint_every(2, move |_| {
    ///     counter.set(counter.get() + 1);
    ///     Ok(())
    /// });
    /// CausalFlow::<f32, _>::fit_with(&Cpu::default(), graph, &data, options, &mut control)?;
    /// assert_eq!(seen.get(), 2); // after steps 2 and 4
    /// assert_eq!(control.final_checkpoint().unwrap().step, 5);
    /// # Ok(())
    /// # }
    /// ```
    pub fn fit_with(
        device: &D,
        graph: CausalGraph,
        data: &DataTable,
        options: CausalFlowOptions,
        control: &mut TrainingControl,
    ) -> Result<(Self, TrainingReport)> {
        let mut model = Self::prepare(device, graph, data, options)?;
        let report = model.train(data, control)?;
        Ok((model, report))
    }

    /// The untrained model for `graph` on `data`: the variables' standardisation from the data
    /// and freshly initialisable parameters. [`CausalFlow::train`] fits it; in between,
    /// [`CausalFlow::file_writer`] can be handed to a checkpoint sink.
    ///
    /// # Errors
    /// As [`CausalFlow::fit`], before training.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::Cpu;
    /// use flowppl::causal::{CausalFlow, CausalFlowOptions, CausalGraph, DataTable};
    /// use flowppl::checkpoint::TrainingControl;
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
    /// let device = Cpu::default();
    /// let mut model = CausalFlow::<f32, _>::prepare(&device, graph.clone(), &data, options.clone())?;
    /// assert!(model.snapshot().entries.is_empty()); // not trained yet
    /// model.train(&data, &mut TrainingControl::new())?;
    /// assert!(!model.snapshot().entries.is_empty());
    /// let x_constant: Vec<f64> = data.values.iter().enumerate().map(|(i, &v)| if i % 2 == 0 { 1.0 } else { v }).collect();
    /// let constant = DataTable::new(names, x_constant)?;
    /// assert!(CausalFlow::<f32, _>::prepare(&device, graph, &constant, options).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn prepare(
        device: &D,
        graph: CausalGraph,
        data: &DataTable,
        options: CausalFlowOptions,
    ) -> Result<Self> {
        if data.rows() < 10 {
            return Err(Error::InvalidConfig {
                what: "causal flow data".into(),
                message: format!("needs at least 10 rows, got {}", data.rows()),
            });
        }
        let columns = column_indices(&graph, data)?;
        let (mut mean, mut sd) = (Vec::new(), Vec::new());
        for (name, &j) in graph.names().iter().zip(&columns) {
            let values = data.column(j);
            let m = values.iter().sum::<f64>() / values.len() as f64;
            let s =
                (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / values.len() as f64).sqrt();
            if s.is_nan() || s <= 1e-12 {
                return Err(Error::InvalidConfig {
                    what: format!("variable `{name}`"),
                    message: "is constant in the data; a causal flow needs variation".into(),
                });
            }
            mean.push(m);
            sd.push(s);
        }
        let layer = CausalTransformer::new("causal", &graph, options.transformer, &options.hidden)?;
        Ok(CausalFlow {
            graph,
            layer,
            options,
            mean,
            sd,
            store: ParamStore::new(device),
        })
    }

    /// Fits the parameters to `data` (the data the model was prepared with).
    ///
    /// # Errors
    /// Training errors; [`Error::Interrupted`].
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::Cpu;
    /// use flowppl::causal::{CausalFlow, CausalFlowOptions, CausalGraph, DataTable};
    /// use flowppl::checkpoint::TrainingControl;
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
    /// let mut model = CausalFlow::<f32, _>::prepare(&Cpu::default(), graph, &data, options)?;
    /// let report = model.train(&data, &mut TrainingControl::new())?;
    /// assert_eq!(report.losses.len(), 5);
    /// assert!(report.losses.iter().all(|l| l.is_finite()));
    /// assert!(model.snapshot().get("causal.skip.weight").is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn train(
        &mut self,
        data: &DataTable,
        control: &mut TrainingControl,
    ) -> Result<TrainingReport> {
        let columns = column_indices(&self.graph, data)?;
        let standardised = self.standardise(data, &columns)?;
        let flow = self.flow();
        fit_density_with(
            &flow,
            &mut self.store,
            &standardised,
            &self.options.training,
            control,
        )
    }

    /// The flow over standardised variables (for training and density evaluation).
    fn flow(&self) -> Flow<E, D> {
        Flow::new(self.graph.names().len())
            .layer(self.layer.clone())
            .with_base(self.options.base)
    }

    fn bound(&self) -> Result<BoundCausalTransformer<E, D>> {
        self.layer.bind_causal(&self.store, None)
    }

    /// `data`'s columns for the graph's variables, standardised, as one value.
    fn standardise(&self, data: &DataTable, columns: &[usize]) -> Result<Var<E, D>> {
        let d = self.graph.names().len();
        let values: Vec<E> = (0..data.rows())
            .flat_map(|r| {
                columns.iter().enumerate().map(move |(i, &j)| {
                    real((data.values[r * data.columns() + j] - self.mean[i]) / self.sd[i])
                })
            })
            .collect();
        Var::from_vec(self.store.device(), values, data.rows(), d)
    }

    /// A standardised value back in original units, as a table; the columns of `exact`
    /// (`(variable, original-unit values per row)`: interventions and kept factual values) are
    /// written exactly rather than through the float round trip.
    fn to_table(&self, x: &Var<E, D>, exact: &[(usize, Vec<f64>)]) -> Result<DataTable> {
        let d = self.graph.names().len();
        let mut values: Vec<f64> = x
            .to_f64_vec()
            .chunks(d)
            .flat_map(|row| {
                row.iter()
                    .enumerate()
                    .map(|(i, v)| v * self.sd[i] + self.mean[i])
                    .collect::<Vec<_>>()
            })
            .collect();
        for (i, column) in exact {
            for (r, v) in column.iter().enumerate() {
                values[r * d + i] = *v;
            }
        }
        DataTable::new(self.graph.names().to_vec(), values)
    }

    /// The graph.
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
    /// assert_eq!(model.graph().to_text(), "x->y");
    /// assert_eq!(model.graph().names(), ["x", "y"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn graph(&self) -> &CausalGraph {
        &self.graph
    }

    /// `ln p(x)` of each row of `rows` (original units; columns found by name).
    ///
    /// # Errors
    /// A missing column.
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
    /// let lp = model.log_prob(&data)?;
    /// assert_eq!(lp.len(), data.rows());
    /// let mean = lp.iter().sum::<f64>() / lp.len() as f64;
    /// assert!((mean - model.mean_log_likelihood(&data)?).abs() < 1e-4);
    /// let only_x = DataTable::new(vec!["x".into()], data.column(0))?;
    /// assert!(model.log_prob(&only_x).is_err()); // y is missing
    /// # Ok(())
    /// # }
    /// ```
    pub fn log_prob(&self, rows: &DataTable) -> Result<Vec<f64>> {
        let (x, log_sd) = self.standardised_rows(rows)?;
        let lp = self.flow().bind(&self.store, None)?.log_prob(&x, None)?;
        Ok(lp.to_f64_vec().into_iter().map(|v| v - log_sd).collect())
    }

    /// Mean `ln p(x)` of `rows` (held-out data: minus a KL up to the data's entropy).
    ///
    /// # Errors
    /// A missing column.
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
    /// // the columns are found by name: swapping them changes nothing
    /// let swapped_values: Vec<f64> = data.values.chunks(2).flat_map(|r| [r[1], r[0]]).collect();
    /// let swapped = DataTable::new(vec!["y".into(), "x".into()], swapped_values)?;
    /// let mean = model.mean_log_likelihood(&data)?;
    /// assert!(mean.is_finite());
    /// assert!((mean - model.mean_log_likelihood(&swapped)?).abs() < 1e-9);
    /// # Ok(())
    /// # }
    /// ```
    pub fn mean_log_likelihood(&self, rows: &DataTable) -> Result<f64> {
        let (x, log_sd) = self.standardised_rows(rows)?;
        Ok(mean_log_likelihood(&self.flow(), &self.store, &x)? - log_sd)
    }

    /// `rows` standardised, and `sum ln sd`: the log-Jacobian back to original units.
    fn standardised_rows(&self, rows: &DataTable) -> Result<(Var<E, D>, f64)> {
        let columns = column_indices(&self.graph, rows)?;
        let x = self.standardise(rows, &columns)?;
        Ok((x, self.sd.iter().map(|s| s.ln()).sum()))
    }

    /// `(variable, standardised value for every row)` of each intervention.
    fn fixed(
        &self,
        interventions: &[(String, f64)],
        rows: usize,
    ) -> Result<Vec<(usize, Vec<f64>)>> {
        interventions
            .iter()
            .map(|(name, value)| {
                let i = self.graph.index(name)?;
                if !value.is_finite() {
                    return Err(Error::InvalidConfig {
                        what: format!("intervention do({name} = {value})"),
                        message: "the value must be finite".into(),
                    });
                }
                Ok((i, vec![(value - self.mean[i]) / self.sd[i]; rows]))
            })
            .collect()
    }

    /// `n` draws of every variable, under the hard interventions `do(name = value)` (none: the
    /// observational distribution).
    ///
    /// # Errors
    /// An unknown variable or a non-finite value.
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
    /// let observed = model.sample(50, &[], 7)?;
    /// let under_do = model.sample(50, &[("y".to_string(), 0.5)], 7)?;
    /// assert_eq!(under_do.rows(), 50);
    /// assert!(under_do.column(1).iter().all(|&y| y == 0.5));
    /// assert_eq!(under_do.column(0), observed.column(0)); // x does not descend from y
    /// assert!(model.sample(5, &[("z".to_string(), 0.0)], 7).is_err()); // unknown variable
    /// # Ok(())
    /// # }
    /// ```
    pub fn sample(
        &self,
        n: usize,
        interventions: &[(String, f64)],
        seed: u64,
    ) -> Result<DataTable> {
        let d = self.graph.names().len();
        let noise: Vec<E> = self
            .options
            .base
            .draw(&mut seeded(seed), n * d)
            .into_iter()
            .map(real)
            .collect();
        let u = Var::from_vec(self.store.device(), noise, n, d)?;
        let fixed = self.fixed(interventions, n)?;
        let exact = self.exact_interventions(interventions, n)?;
        self.to_table(&self.bound()?.decode(&u, &fixed)?, &exact)
    }

    /// The counterfactual of each factual row under `do(name = value)`: abduct its noise, set
    /// the intervened variables, and recompute their descendants with the row's own noise;
    /// every other variable keeps its factual value. One output row per input row, in order.
    ///
    /// # Errors
    /// A missing column, an unknown variable or a non-finite value.
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
    /// let factual = DataTable::new(names, data.values[..2].to_vec())?; // one row (x0, y0)
    /// let (x0, y0) = (factual.values[0], factual.values[1]);
    /// let moved = model.counterfactual(&factual, &[("x".to_string(), x0 + 1.0)])?;
    /// assert_eq!(moved.values[0], x0 + 1.0);
    /// // setting x to its factual value gives back the factual y (abduction, then prediction)
    /// let same = model.counterfactual(&factual, &[("x".to_string(), x0)])?;
    /// assert!((same.values[1] - y0).abs() < 1e-3);
    /// let kept = model.counterfactual(&factual, &[("y".to_string(), 0.0)])?;
    /// assert_eq!(kept.values, vec![x0, 0.0]); // x does not descend from y
    /// # Ok(())
    /// # }
    /// ```
    pub fn counterfactual(
        &self,
        factual: &DataTable,
        interventions: &[(String, f64)],
    ) -> Result<DataTable> {
        let columns = column_indices(&self.graph, factual)?;
        let x = self.standardise(factual, &columns)?;
        let bound = self.bound()?;
        let (u, _) = bound.encode(&x)?;
        let n = factual.rows();
        let mut fixed = self.fixed(interventions, n)?;
        let d = self.graph.names().len();
        let values = x.to_f64_vec();
        for i in 0..d {
            let moved = fixed.iter().any(|(k, _)| self.graph.is_descendant(i, *k));
            if !moved {
                fixed.push((i, (0..n).map(|r| values[r * d + i]).collect()));
            }
        }
        let mut exact = self.exact_interventions(interventions, n)?;
        // Kept variables: the factual values themselves.
        for (i, _) in fixed.iter().skip(interventions.len()) {
            exact.push((*i, factual.column(columns[*i])));
        }
        self.to_table(&bound.decode(&u, &fixed)?, &exact)
    }

    /// `(variable, the intervention's value for every row)`, in original units.
    fn exact_interventions(
        &self,
        interventions: &[(String, f64)],
        rows: usize,
    ) -> Result<Vec<(usize, Vec<f64>)>> {
        interventions
            .iter()
            .map(|(name, value)| Ok((self.graph.index(name)?, vec![*value; rows])))
            .collect()
    }

    /// The average treatment effect `E[y | do(t = a)] - E[y | do(t = b)]` from `n` draws with
    /// common noise, and its Monte Carlo standard error `sd(y_a - y_b) / sqrt(n)`.
    ///
    /// # Errors
    /// Unknown variables, non-finite values or fewer than 2 draws.
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
    /// // equal arms with common noise: no effect, no Monte Carlo error
    /// assert_eq!(model.ate("x", 1.0, 1.0, "y", 100, 0)?, (0.0, 0.0));
    /// let (effect, standard_error) = model.ate("x", 1.0, -1.0, "y", 100, 0)?;
    /// assert!(effect.is_finite() && standard_error >= 0.0);
    /// assert!(model.ate("x", 1.0, 0.0, "y", 1, 0).is_err()); // fewer than 2 draws
    /// # Ok(())
    /// # }
    /// ```
    pub fn ate(
        &self,
        treatment: &str,
        a: f64,
        b: f64,
        outcome: &str,
        n: usize,
        seed: u64,
    ) -> Result<(f64, f64)> {
        if n < 2 {
            return Err(Error::InvalidConfig {
                what: "ATE".into(),
                message: "needs at least 2 draws".into(),
            });
        }
        let y = self.graph.index(outcome)?;
        let treated = self.sample(n, &[(treatment.to_string(), a)], seed)?;
        let control = self.sample(n, &[(treatment.to_string(), b)], seed)?;
        let differences: Vec<f64> = treated
            .column(y)
            .iter()
            .zip(control.column(y))
            .map(|(t, c)| t - c)
            .collect();
        let mean = differences.iter().sum::<f64>() / n as f64;
        let variance = differences.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        Ok((mean, (variance / n as f64).sqrt()))
    }

    /// Saves the model as versioned JSON to a new file (never replacing one).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the file exists; [`Error::Io`].
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
    /// let path = std::env::temp_dir().join(format!("flowppl-doc-causal-save-{}.json", std::process::id()));
    /// model.save(&path)?;
    /// assert!(model.save(&path).is_err()); // an existing file is never replaced
    /// let loaded = CausalFlow::<f32, _>::load(&Cpu::default(), &path)?;
    /// assert_eq!(loaded.log_prob(&data)?, model.log_prob(&data)?);
    /// std::fs::remove_file(&path).unwrap();
    /// # Ok(())
    /// # }
    /// ```
    pub fn save(&self, path: &Path) -> Result<()> {
        self.file_writer()
            .write(&self.store.snapshot(), path, None, false)
    }

    /// A host copy of the parameters.
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
    /// let snapshot = model.snapshot();
    /// let skip = snapshot.get("causal.skip.weight").unwrap();
    /// // 2 variables in, a shift and a log-scale per variable out
    /// assert_eq!((skip.rows, skip.columns), (2, 4));
    /// # Ok(())
    /// # }
    /// ```
    pub fn snapshot(&self) -> ParamSnapshot {
        self.store.snapshot()
    }

    /// Writes the model's files (with any parameters and training state): for checkpoint
    /// sinks, which see only the parameters.
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
    /// let path = std::env::temp_dir().join(format!("flowppl-doc-causal-writer-{}.json", std::process::id()));
    /// let writer = model.file_writer();
    /// writer.write(&model.snapshot(), &path, None, false)?;
    /// assert!(writer.write(&model.snapshot(), &path, None, false).is_err()); // exists
    /// writer.write(&model.snapshot(), &path, None, true)?; // replaced
    /// let loaded = CausalFlow::<f32, _>::load(&Cpu::default(), &path)?;
    /// assert_eq!(loaded.snapshot(), model.snapshot());
    /// std::fs::remove_file(&path).unwrap();
    /// # Ok(())
    /// # }
    /// ```
    pub fn file_writer(&self) -> CausalFileWriter {
        CausalFileWriter {
            names: self.graph.names().to_vec(),
            graph: self.graph.to_text(),
            transformer: self.options.transformer.to_text(),
            base: self.options.base.name().into(),
            hidden: self.options.hidden.clone(),
            mean: self.mean.clone(),
            sd: self.sd.clone(),
        }
    }

    /// The training state saved in a model file, if it has one.
    ///
    /// # Errors
    /// As [`CausalFlow::load`].
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::Cpu;
    /// use flowppl::causal::{CausalFlow, CausalFlowOptions, CausalGraph, DataTable};
    /// use flowppl::checkpoint::{TrainingControl, TrainingRecord};
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
    /// # let mut control = TrainingControl::new().checkpoint_every(0, |_| Ok(()));
    /// # let (model, _) = CausalFlow::<f32, _>::fit_with(&Cpu::default(), graph, &data, options, &mut control)?;
    /// let path = std::env::temp_dir().join(format!("flowppl-doc-causal-training-{}.json", std::process::id()));
    /// model.save(&path)?;
    /// assert_eq!(CausalFlow::<f32, Cpu>::read_training(&path)?, None);
    /// let record = TrainingRecord {
    ///     settings: serde_json::json!({ "steps": 5 }),
    ///     data_fingerprint: flowppl::persist::fingerprint(data.to_csv().as_bytes()),
    ///     total_steps: 5,
    ///     checkpoint: control.final_checkpoint().unwrap().clone(),
    /// };
    /// model.file_writer().write(&model.snapshot(), &path, Some(&record), true)?;
    /// assert_eq!(CausalFlow::<f32, Cpu>::read_training(&path)?, Some(record));
    /// std::fs::remove_file(&path).unwrap();
    /// # Ok(())
    /// # }
    /// ```
    pub fn read_training(path: &Path) -> Result<Option<TrainingRecord>> {
        let saved: SavedCausalFlow = read_versioned_json(path, FORMAT, 1)?;
        Ok(saved.training)
    }

    /// Loads a model written by [`CausalFlow::save`].
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::Parse`] naming the file for another format, version or a
    /// malformed or inconsistent document.
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
    /// let path = std::env::temp_dir().join(format!("flowppl-doc-causal-load-{}.json", std::process::id()));
    /// let device = Cpu::default();
    /// model.save(&path)?;
    /// let loaded = CausalFlow::<f32, _>::load(&device, &path)?;
    /// assert_eq!(loaded.snapshot(), model.snapshot());
    /// std::fs::write(&path, r#"{"format": "something-else", "version": 1}"#).unwrap();
    /// assert!(matches!(CausalFlow::<f32, _>::load(&device, &path), Err(flowppl::Error::Parse { .. })));
    /// std::fs::remove_file(&path).unwrap();
    /// # Ok(())
    /// # }
    /// ```
    pub fn load(device: &D, path: &Path) -> Result<Self> {
        Self::read_file(device, path).map_err(crate::persist::naming_file(path))
    }

    fn read_file(device: &D, path: &Path) -> Result<Self> {
        let parse = |message: String| Error::Parse {
            path: path.display().to_string(),
            message,
        };
        let saved: SavedCausalFlow = read_versioned_json(path, FORMAT, 1)?;
        let d = saved.names.len();
        if saved.mean.len() != d
            || saved.sd.len() != d
            || saved.sd.iter().any(|s| s.is_nan() || *s <= 0.0)
        {
            return Err(parse("standardisation does not match the variables".into()));
        }
        let graph = CausalGraph::parse(&saved.names, &saved.graph)?;
        let base = match saved.base.as_str() {
            "normal" => Base::StandardNormal,
            "laplace" => Base::StandardLaplace,
            other => return Err(parse(format!("unknown base `{other}`"))),
        };
        let options = CausalFlowOptions {
            transformer: Transformer::parse(&saved.transformer)?,
            base,
            hidden: saved.hidden,
            ..CausalFlowOptions::default()
        };
        let mut sizes = vec![("variables", d)];
        sizes.extend(options.hidden.iter().map(|&h| ("hidden", h)));
        if let Transformer::Spline { bins } = options.transformer {
            sizes.push(("spline bins", bins));
        }
        crate::persist::check_saved_sizes(path, &sizes, 0, &saved.params)?;
        let layer = CausalTransformer::new("causal", &graph, options.transformer, &options.hidden)?;
        let mut store = ParamStore::new(device);
        store.restore(&saved.params)?;
        let model = CausalFlow {
            graph,
            layer,
            options,
            mean: saved.mean,
            sd: saved.sd,
            store,
        };
        // Every parameter the layer needs must be there with its shape.
        model
            .bound()
            .map_err(|e| parse(format!("parameters do not fit the model: {e}")))?;
        Ok(model)
    }
}

/// For each of `graph`'s variables, its column in `data`.
fn column_indices(graph: &CausalGraph, data: &DataTable) -> Result<Vec<usize>> {
    graph
        .names()
        .iter()
        .map(|name| {
            data.names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| Error::InvalidConfig {
                    what: format!("variable `{name}`"),
                    message: format!(
                        "has no column in the data (columns: {})",
                        data.names.join(", ")
                    ),
                })
        })
        .collect()
}
