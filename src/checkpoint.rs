//! Checkpoints of the minibatch training loops (flow density estimation, causal flows, VAEs):
//! [`LoopCheckpoint`] holds everything a loop needs to continue exactly where it stopped, and
//! [`TrainingControl`] says where to resume from, how often to hand out checkpoints, and which
//! flag interrupts the loop (set it from a Ctrl-C handler). SVI has its own
//! [`SviCheckpoint`](crate::infer::SviCheckpoint).

use crate::backend::rng::RngState;
use crate::backend::{Backend, Real, Rng};
use crate::error::{Error, Result};
use crate::minibatch::Minibatches;
use crate::params::{Optimizer, OptimizerState, ParamSnapshot, ParamStore};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The best validation score so far and the parameters that reached it (early stopping).
///
/// # Examples
/// ```
/// use flowppl::checkpoint::{LoopCheckpoint, TrainingControl};
/// use std::{cell::RefCell, rc::Rc};
/// # use flowppl::backend::{Cpu, Var};
/// # use flowppl::params::ParamStore;
/// # use flowppl::vae::{train_with, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
/// # let x = Var::from_vec(&device, pixels, 8, 4)?;
/// # let options = VaeTrainingOptions { steps: 4, batch_size: 4, validation_fraction: 0.25, validate_every: 2, ..VaeTrainingOptions::default() };
/// # // A tiny VAE training loop: `run(control)` trains from scratch, returning the report and parameters.
/// # let run = |control: &mut TrainingControl| {
/// #     let mut store = ParamStore::new(&device);
/// #     let report = train_with(&vae, &mut store, &x, &options, |_, _| {}, control)?;
/// #     flowppl::Result::Ok((report, store.snapshot()))
/// # };
/// let kept: Rc<RefCell<Vec<LoopCheckpoint>>> = Rc::default();
/// let sink = kept.clone();
/// let (report, _) = run(&mut TrainingControl::new().checkpoint_every(4, move |c| {
///     sink.borrow_mut().push(c.clone());
///     Ok(())
/// }))?;
/// let best = kept.borrow()[0].best.clone().unwrap(); // validated at steps 2 and 4
/// let top = report.validation.iter().cloned().fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
/// assert_eq!((best.step, best.score), top);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BestSoFar {
    /// The score.
    pub score: f64,
    /// The parameters at that validation.
    pub params: ParamSnapshot,
    /// Validations since, without improvement.
    pub since: usize,
    /// The step of that validation.
    pub step: usize,
}

/// The state of a minibatch training loop after `step` completed steps.
///
/// # Examples
/// ```
/// use flowppl::checkpoint::{LoopCheckpoint, TrainingControl};
/// use std::{cell::RefCell, rc::Rc};
/// # use flowppl::backend::{Cpu, Var};
/// # use flowppl::params::ParamStore;
/// # use flowppl::vae::{train_with, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
/// # let x = Var::from_vec(&device, pixels, 8, 4)?;
/// # let options = VaeTrainingOptions { steps: 4, batch_size: 4, ..VaeTrainingOptions::default() };
/// # // A tiny VAE training loop: `run(control)` trains from scratch, returning the report and parameters.
/// # let run = |control: &mut TrainingControl| {
/// #     let mut store = ParamStore::new(&device);
/// #     let report = train_with(&vae, &mut store, &x, &options, |_, _| {}, control)?;
/// #     flowppl::Result::Ok((report, store.snapshot()))
/// # };
/// let kept: Rc<RefCell<Vec<LoopCheckpoint>>> = Rc::default();
/// let sink = kept.clone();
/// let (report, _) = run(&mut TrainingControl::new().checkpoint_every(2, move |c| {
///     sink.borrow_mut().push(c.clone());
///     Ok(())
/// }))?;
/// let first = kept.borrow()[0].clone();
/// assert_eq!(first.step, 2);
/// assert_eq!(first.losses, report.elbo[..2]); // the ELBO of the steps so far
/// let text = serde_json::to_string(&first).unwrap(); // checkpoints are serialisable
/// assert_eq!(serde_json::from_str::<LoopCheckpoint>(&text).unwrap(), first);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoopCheckpoint {
    /// Steps completed.
    pub step: usize,
    /// Every parameter.
    pub params: ParamSnapshot,
    /// The optimizer's step count and buffers.
    pub optimizer: OptimizerState,
    /// Where the random stream is.
    pub rng: RngState,
    /// The shuffled rows and the position in the current pass.
    pub batches: Minibatches,
    /// The loss (or ELBO) of every step so far.
    pub losses: Vec<f64>,
    /// `(step, validation score)` so far.
    pub validation: Vec<(usize, f64)>,
    /// Early stopping's best validation, if any.
    pub best: Option<BestSoFar>,
}

/// A checkpoint as saved inside a model file: the loop's state plus what a resume must agree
/// with (the command's settings and a fingerprint of the training data).
///
/// # Examples
/// ```
/// use flowppl::checkpoint::{TrainingControl, TrainingRecord};
/// use flowppl::persist::fingerprint;
/// # use flowppl::backend::{Cpu, Var};
/// # use flowppl::params::ParamStore;
/// # use flowppl::vae::{train_with, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
/// # let x = Var::from_vec(&device, pixels, 8, 4)?;
/// # let options = VaeTrainingOptions { steps: 4, batch_size: 4, ..VaeTrainingOptions::default() };
/// # // A tiny VAE training loop: `run(control)` trains from scratch, returning the report and parameters.
/// # let run = |control: &mut TrainingControl| {
/// #     let mut store = ParamStore::new(&device);
/// #     let report = train_with(&vae, &mut store, &x, &options, |_, _| {}, control)?;
/// #     flowppl::Result::Ok((report, store.snapshot()))
/// # };
/// # let mut control = TrainingControl::new().checkpoint_every(0, |_| Ok(()));
/// # run(&mut control)?;
/// let record = TrainingRecord {
///     settings: serde_json::json!({ "steps": 4, "batch": 4 }),
///     data_fingerprint: fingerprint(b"1,0,1,0\n"),
///     total_steps: 4,
///     checkpoint: control.final_checkpoint().unwrap().clone(),
/// };
/// assert_eq!(record.checkpoint.step, 4);
/// record.check_resume("run.json", &serde_json::json!({ "steps": 4, "batch": 4 }), &fingerprint(b"1,0,1,0\n"))?;
/// assert!(record.check_resume("run.json", &record.settings, &fingerprint(b"other data")).is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingRecord {
    /// The settings that shaped the run, compared key by key on resume.
    pub settings: serde_json::Value,
    /// [`fingerprint`](crate::persist::fingerprint) of the training data.
    pub data_fingerprint: String,
    /// Steps the run was asked for.
    pub total_steps: usize,
    /// The loop's state.
    pub checkpoint: LoopCheckpoint,
}

impl TrainingRecord {
    /// Checks that a run with `settings` on data with `fingerprint` may resume this record.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming `path` and the first setting that differs.
    ///
    /// # Examples
    /// ```
    /// use flowppl::checkpoint::{TrainingControl, TrainingRecord};
    /// use flowppl::persist::fingerprint;
    /// # use flowppl::backend::{Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # use flowppl::vae::{train_with, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let config = VaeConfig {
    /// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
    /// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
    /// # };
    /// # let vae = Vae::<f64, Cpu>::new(config)?;
    /// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
    /// # let x = Var::from_vec(&device, pixels, 8, 4)?;
    /// # let options = VaeTrainingOptions { steps: 4, batch_size: 4, ..VaeTrainingOptions::default() };
    /// # // A tiny VAE training loop: `run(control)` trains from scratch, returning the report and parameters.
    /// # let run = |control: &mut TrainingControl| {
    /// #     let mut store = ParamStore::new(&device);
    /// #     let report = train_with(&vae, &mut store, &x, &options, |_, _| {}, control)?;
    /// #     flowppl::Result::Ok((report, store.snapshot()))
    /// # };
    /// # let mut control = TrainingControl::new().checkpoint_every(0, |_| Ok(()));
    /// # run(&mut control)?;
    /// let record = TrainingRecord {
    ///     settings: serde_json::json!({ "steps": 4, "batch": 4 }),
    ///     data_fingerprint: fingerprint(b"1,0,1,0\n"),
    ///     total_steps: 4,
    ///     checkpoint: control.final_checkpoint().unwrap().clone(),
    /// };
    /// let data = fingerprint(b"1,0,1,0\n");
    /// record.check_resume("run.json", &serde_json::json!({ "batch": 4, "steps": 4 }), &data)?;
    /// let error = record
    ///     .check_resume("run.json", &serde_json::json!({ "steps": 8, "batch": 4 }), &data)
    ///     .unwrap_err();
    /// assert!(error.to_string().contains("`steps` 4, this command 8"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn check_resume(
        &self,
        path: &str,
        settings: &serde_json::Value,
        fingerprint: &str,
    ) -> Result<()> {
        let differ = |what: String, saved: String, now: String| Error::InvalidConfig {
            what: format!("--resume {path}"),
            message: format!(
                "the saved run has {what} {saved}, this command {now}; resume with the same \
                 settings and data (or start a new run)"
            ),
        };
        if self.data_fingerprint != fingerprint {
            return Err(differ(
                "data fingerprint".into(),
                self.data_fingerprint.clone(),
                fingerprint.into(),
            ));
        }
        let empty = serde_json::Map::new();
        let saved = self.settings.as_object().unwrap_or(&empty);
        let now = settings.as_object().unwrap_or(&empty);
        for key in saved.keys().chain(now.keys()) {
            let (a, b) = (
                saved.get(key).cloned().unwrap_or_default(),
                now.get(key).cloned().unwrap_or_default(),
            );
            if a != b {
                return Err(differ(format!("`{key}`"), a.to_string(), b.to_string()));
            }
        }
        Ok(())
    }
}

/// Receives checkpoints (to write them to a file, say).
///
/// # Examples
/// ```
/// use flowppl::checkpoint::{LoopSink, TrainingControl};
/// use std::{cell::Cell, rc::Rc};
/// # use flowppl::backend::{Cpu, Var};
/// # use flowppl::params::ParamStore;
/// # use flowppl::vae::{train_with, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
/// # let x = Var::from_vec(&device, pixels, 8, 4)?;
/// # let options = VaeTrainingOptions { steps: 4, batch_size: 4, ..VaeTrainingOptions::default() };
/// # // A tiny VAE training loop: `run(control)` trains from scratch, returning the report and parameters.
/// # let run = |control: &mut TrainingControl| {
/// #     let mut store = ParamStore::new(&device);
/// #     let report = train_with(&vae, &mut store, &x, &options, |_, _| {}, control)?;
/// #     flowppl::Result::Ok((report, store.snapshot()))
/// # };
/// let count = Rc::new(Cell::new(0));
/// let counter = count.clone();
/// let sink: LoopSink = Box::new(move |_| {
///     counter.set(counter.get() + 1);
///     Ok(())
/// });
/// run(&mut TrainingControl::new().checkpoint_every(1, sink))?;
/// assert_eq!(count.get(), 4); // one checkpoint per step
/// # Ok(())
/// # }
/// ```
pub type LoopSink = Box<dyn FnMut(&LoopCheckpoint) -> Result<()>>;

/// Checkpointing of one training run; the default does nothing.
///
/// # Examples
/// ```
/// use flowppl::checkpoint::{LoopCheckpoint, TrainingControl};
/// use std::{cell::RefCell, rc::Rc};
/// # use flowppl::backend::{Cpu, Var};
/// # use flowppl::params::ParamStore;
/// # use flowppl::vae::{train_with, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
/// # let x = Var::from_vec(&device, pixels, 8, 4)?;
/// # let options = VaeTrainingOptions { steps: 6, batch_size: 4, ..VaeTrainingOptions::default() };
/// # // A tiny VAE training loop: `run(control)` trains from scratch, returning the report and parameters.
/// # let run = |control: &mut TrainingControl| {
/// #     let mut store = ParamStore::new(&device);
/// #     let report = train_with(&vae, &mut store, &x, &options, |_, _| {}, control)?;
/// #     flowppl::Result::Ok((report, store.snapshot()))
/// # };
/// let whole = run(&mut TrainingControl::new())?;
/// let kept: Rc<RefCell<Vec<LoopCheckpoint>>> = Rc::default();
/// let sink = kept.clone();
/// run(&mut TrainingControl::new().checkpoint_every(3, move |c| {
///     sink.borrow_mut().push(c.clone());
///     Ok(())
/// }))?;
/// let at_3 = kept.borrow()[0].clone();
/// let resumed = run(&mut TrainingControl::new().resume_from(at_3))?;
/// assert_eq!(resumed.1, whole.1); // the same parameters, bit for bit
/// assert_eq!(resumed.0.elbo, whole.0.elbo);
/// # Ok(())
/// # }
/// ```
#[derive(Default)]
pub struct TrainingControl {
    resume: Option<LoopCheckpoint>,
    every: usize,
    sink: Option<LoopSink>,
    interrupt: Option<Arc<AtomicBool>>,
    last: Option<LoopCheckpoint>,
}

impl TrainingControl {
    /// No resuming, no checkpoints.
    ///
    /// # Examples
    /// ```
    /// use flowppl::checkpoint::TrainingControl;
    /// # use flowppl::backend::{Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # use flowppl::vae::{train_with, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let config = VaeConfig {
    /// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
    /// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
    /// # };
    /// # let vae = Vae::<f64, Cpu>::new(config)?;
    /// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
    /// # let x = Var::from_vec(&device, pixels, 8, 4)?;
    /// # let options = VaeTrainingOptions { steps: 4, batch_size: 4, ..VaeTrainingOptions::default() };
    /// # // A tiny VAE training loop: `run(control)` trains from scratch, returning the report and parameters.
    /// # let run = |control: &mut TrainingControl| {
    /// #     let mut store = ParamStore::new(&device);
    /// #     let report = train_with(&vae, &mut store, &x, &options, |_, _| {}, control)?;
    /// #     flowppl::Result::Ok((report, store.snapshot()))
    /// # };
    /// let mut control = TrainingControl::new();
    /// let (report, _) = run(&mut control)?;
    /// assert_eq!(report.steps, 4);
    /// assert!(control.final_checkpoint().is_none()); // no sink, nothing kept
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Continues from `checkpoint`; with the same data and settings, the run ends bit-for-bit
    /// where the uninterrupted run would.
    ///
    /// # Examples
    /// ```
    /// use flowppl::checkpoint::TrainingControl;
    /// # use flowppl::backend::{Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # use flowppl::vae::{train_with, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let config = VaeConfig {
    /// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
    /// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
    /// # };
    /// # let vae = Vae::<f64, Cpu>::new(config)?;
    /// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
    /// # let x = Var::from_vec(&device, pixels, 8, 4)?;
    /// # let options = VaeTrainingOptions { steps: 4, batch_size: 4, ..VaeTrainingOptions::default() };
    /// # // A tiny VAE training loop: `run(control)` trains from scratch, returning the report and parameters.
    /// # let run = |control: &mut TrainingControl| {
    /// #     let mut store = ParamStore::new(&device);
    /// #     let report = train_with(&vae, &mut store, &x, &options, |_, _| {}, control)?;
    /// #     flowppl::Result::Ok((report, store.snapshot()))
    /// # };
    /// let mut first = TrainingControl::new().checkpoint_every(0, |_| Ok(()));
    /// let whole = run(&mut first)?;
    /// let end = first.final_checkpoint().unwrap().clone();
    /// // resuming from the final state: no steps left, the same parameters
    /// let resumed = run(&mut TrainingControl::new().resume_from(end))?;
    /// assert_eq!(resumed.1, whole.1);
    /// assert_eq!(resumed.0.steps, 4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn resume_from(mut self, checkpoint: LoopCheckpoint) -> Self {
        self.resume = Some(checkpoint);
        self
    }

    /// Hands a checkpoint to `sink` after every `every` steps (0: only when interrupted).
    ///
    /// # Examples
    /// ```
    /// use flowppl::checkpoint::TrainingControl;
    /// use std::{cell::RefCell, rc::Rc};
    /// # use flowppl::backend::{Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # use flowppl::vae::{train_with, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let config = VaeConfig {
    /// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
    /// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
    /// # };
    /// # let vae = Vae::<f64, Cpu>::new(config)?;
    /// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
    /// # let x = Var::from_vec(&device, pixels, 8, 4)?;
    /// # let options = VaeTrainingOptions { steps: 5, batch_size: 4, ..VaeTrainingOptions::default() };
    /// # // A tiny VAE training loop: `run(control)` trains from scratch, returning the report and parameters.
    /// # let run = |control: &mut TrainingControl| {
    /// #     let mut store = ParamStore::new(&device);
    /// #     let report = train_with(&vae, &mut store, &x, &options, |_, _| {}, control)?;
    /// #     flowppl::Result::Ok((report, store.snapshot()))
    /// # };
    /// let steps = Rc::new(RefCell::new(Vec::new()));
    /// let sink = steps.clone();
    /// run(&mut TrainingControl::new().checkpoint_every(2, move |c| {
    ///     sink.borrow_mut().push(c.step);
    ///     Ok(())
    /// }))?;
    /// assert_eq!(*steps.borrow(), vec![2, 4]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn checkpoint_every(
        mut self,
        every: usize,
        sink: impl FnMut(&LoopCheckpoint) -> Result<()> + 'static,
    ) -> Self {
        self.every = every;
        self.sink = Some(Box::new(sink));
        self
    }

    /// Stops after the step during which `flag` was set, handing a final checkpoint to the sink,
    /// with [`Error::Interrupted`].
    ///
    /// # Examples
    /// ```
    /// use flowppl::checkpoint::TrainingControl;
    /// use std::sync::{atomic::AtomicBool, Arc};
    /// use std::{cell::RefCell, rc::Rc};
    /// # use flowppl::backend::{Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # use flowppl::vae::{train_with, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let config = VaeConfig {
    /// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
    /// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
    /// # };
    /// # let vae = Vae::<f64, Cpu>::new(config)?;
    /// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
    /// # let x = Var::from_vec(&device, pixels, 8, 4)?;
    /// # let options = VaeTrainingOptions { steps: 5, batch_size: 4, ..VaeTrainingOptions::default() };
    /// # // A tiny VAE training loop: `run(control)` trains from scratch, returning the report and parameters.
    /// # let run = |control: &mut TrainingControl| {
    /// #     let mut store = ParamStore::new(&device);
    /// #     let report = train_with(&vae, &mut store, &x, &options, |_, _| {}, control)?;
    /// #     flowppl::Result::Ok((report, store.snapshot()))
    /// # };
    /// let steps = Rc::new(RefCell::new(Vec::new()));
    /// let sink = steps.clone();
    /// let flag = Arc::new(AtomicBool::new(true)); // set, say, by a Ctrl-C handler
    /// let mut control = TrainingControl::new()
    ///     .checkpoint_every(0, move |c| { sink.borrow_mut().push(c.step); Ok(()) })
    ///     .interrupt_on(flag);
    /// assert!(matches!(run(&mut control), Err(flowppl::Error::Interrupted { step: 1 })));
    /// assert_eq!(*steps.borrow(), vec![1]); // a final checkpoint to resume from
    /// # Ok(())
    /// # }
    /// ```
    pub fn interrupt_on(mut self, flag: Arc<AtomicBool>) -> Self {
        self.interrupt = Some(flag);
        self
    }

    /// The state at the end of the run (kept when a sink was given), to save with the result.
    ///
    /// # Examples
    /// ```
    /// use flowppl::checkpoint::TrainingControl;
    /// # use flowppl::backend::{Cpu, Var};
    /// # use flowppl::params::ParamStore;
    /// # use flowppl::vae::{train_with, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let config = VaeConfig {
    /// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
    /// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
    /// # };
    /// # let vae = Vae::<f64, Cpu>::new(config)?;
    /// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
    /// # let x = Var::from_vec(&device, pixels, 8, 4)?;
    /// # let options = VaeTrainingOptions { steps: 4, batch_size: 4, ..VaeTrainingOptions::default() };
    /// # // A tiny VAE training loop: `run(control)` trains from scratch, returning the report and parameters.
    /// # let run = |control: &mut TrainingControl| {
    /// #     let mut store = ParamStore::new(&device);
    /// #     let report = train_with(&vae, &mut store, &x, &options, |_, _| {}, control)?;
    /// #     flowppl::Result::Ok((report, store.snapshot()))
    /// # };
    /// let mut control = TrainingControl::new().checkpoint_every(0, |_| Ok(()));
    /// let (_, params) = run(&mut control)?;
    /// let last = control.final_checkpoint().unwrap();
    /// assert_eq!(last.step, 4);
    /// assert_eq!(last.params, params);
    /// assert!(TrainingControl::new().final_checkpoint().is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn final_checkpoint(&self) -> Option<&LoopCheckpoint> {
        self.last.as_ref()
    }

    /// Called when a loop ends normally: keeps its final state if checkpoints are wanted.
    pub(crate) fn finish(&mut self, make: impl FnOnce() -> Result<LoopCheckpoint>) -> Result<()> {
        if self.sink.is_some() {
            self.last = Some(make()?);
        }
        Ok(())
    }

    /// The checkpoint to resume from, taken (a loop calls this once, after its setup).
    pub(crate) fn take_resume(&mut self) -> Option<LoopCheckpoint> {
        self.resume.take()
    }

    /// Called after each completed step: hands out a checkpoint when one is due or the run
    /// was interrupted, then stops an interrupted run.
    pub(crate) fn after_step(
        &mut self,
        completed: usize,
        make: impl FnOnce() -> Result<LoopCheckpoint>,
    ) -> Result<()> {
        let interrupted = self
            .interrupt
            .as_ref()
            .is_some_and(|f| f.load(Ordering::SeqCst));
        let due = self.every > 0 && completed.is_multiple_of(self.every);
        if let Some(sink) = self.sink.as_mut() {
            if due || interrupted {
                sink(&make()?)?;
            }
        }
        if interrupted {
            return Err(Error::Interrupted { step: completed });
        }
        Ok(())
    }
}

/// What a restored checkpoint hands back to its loop: `(step, losses, validation, best)`.
pub(crate) type Progress = (usize, Vec<f64>, Vec<(usize, f64)>, Option<BestSoFar>);

/// A loop's live state, for building checkpoints and restoring them.
pub(crate) struct LoopState<'a, E: Real, D: Backend<E>> {
    pub store: &'a mut ParamStore<E, D>,
    pub optimizer: &'a mut dyn Optimizer<E, D>,
    pub rng: &'a mut Rng,
    pub batches: &'a mut Minibatches,
}

impl<E: Real, D: Backend<E>> LoopState<'_, E, D> {
    /// Puts `checkpoint` in place (for data of `data_rows` rows); returns
    /// `(step, losses, validation, best)`.
    pub(crate) fn restore(
        &mut self,
        checkpoint: LoopCheckpoint,
        data_rows: usize,
    ) -> Result<Progress> {
        checkpoint.batches.check(data_rows)?;
        self.store.restore(&checkpoint.params)?;
        let device = self.store.device().clone();
        self.optimizer
            .restore_state(&checkpoint.optimizer, &device)?;
        *self.rng = checkpoint.rng.restore()?;
        *self.batches = checkpoint.batches;
        Ok((
            checkpoint.step,
            checkpoint.losses,
            checkpoint.validation,
            checkpoint.best,
        ))
    }

    /// The checkpoint after `step` steps.
    pub(crate) fn checkpoint(
        &self,
        step: usize,
        losses: &[f64],
        validation: &[(usize, f64)],
        best: &Option<BestSoFar>,
    ) -> Result<LoopCheckpoint> {
        Ok(LoopCheckpoint {
            step,
            params: self.store.snapshot(),
            optimizer: self.optimizer.state()?,
            rng: RngState::of(self.rng),
            batches: self.batches.clone(),
            losses: losses.to_vec(),
            validation: validation.to_vec(),
            best: best.clone(),
        })
    }
}

/// Early stopping: records a validation `score` after `step` steps. An improvement becomes the
/// best (with a copy of the parameters); otherwise, once `patience` validations have passed
/// without one, the best parameters are restored and `true` says "stop". A non-finite score
/// before any finite one is ignored.
///
/// # Errors
/// Errors restoring the parameters.
pub(crate) fn record_validation<E: Real, D: Backend<E>>(
    best: &mut Option<BestSoFar>,
    score: f64,
    step: usize,
    store: &mut ParamStore<E, D>,
    patience: Option<usize>,
) -> Result<bool> {
    let improves = |b: &BestSoFar| score.partial_cmp(&b.score) == Some(std::cmp::Ordering::Greater);
    match best {
        Some(b) if !improves(b) => {
            b.since += 1;
            if patience.is_some_and(|p| b.since >= p) {
                store.restore(&b.params)?;
                return Ok(true);
            }
        }
        None if !score.is_finite() => {}
        _ => {
            *best = Some(BestSoFar {
                score,
                params: store.snapshot(),
                since: 0,
                step,
            })
        }
    }
    Ok(false)
}
