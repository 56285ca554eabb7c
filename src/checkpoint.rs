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
pub type LoopSink = Box<dyn FnMut(&LoopCheckpoint) -> Result<()>>;

/// Checkpointing of one training run; the default does nothing.
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
    pub fn new() -> Self {
        Self::default()
    }

    /// Continues from `checkpoint`; with the same data and settings, the run ends bit-for-bit
    /// where the uninterrupted run would.
    pub fn resume_from(mut self, checkpoint: LoopCheckpoint) -> Self {
        self.resume = Some(checkpoint);
        self
    }

    /// Hands a checkpoint to `sink` after every `every` steps (0: only when interrupted).
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
    pub fn interrupt_on(mut self, flag: Arc<AtomicBool>) -> Self {
        self.interrupt = Some(flag);
        self
    }

    /// The state at the end of the run (kept when a sink was given), to save with the result.
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
