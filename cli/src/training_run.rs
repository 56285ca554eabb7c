//! Checkpointing shared by the minibatch training commands (`flow2d` on data, `causal fit`,
//! `vae train`): resume from the training state saved in a model file, write checkpoints to
//! the `--save` file, and stop with a final checkpoint on Ctrl-C.

use flowppl::backend::{Cpu, Var};
use flowppl::checkpoint::{LoopCheckpoint, TrainingControl, TrainingRecord};
use flowppl::params::ParamSnapshot;
use flowppl::{Error, Result};
use serde_json::Value;
use std::path::Path;

/// What a training command saves beside its model, and checks on `--resume`.
#[derive(Debug, Clone)]
pub struct TrainingRun {
    /// The settings that shape the run.
    pub settings: Value,
    /// The fingerprint of the training data.
    pub fingerprint: String,
    /// Steps the run was asked for.
    pub total_steps: usize,
}

/// The fingerprint of `f32` training data, from its bytes.
pub fn fingerprint_of(data: &Var<f32, Cpu>) -> String {
    let bytes: Vec<u8> = data.to_vec().iter().flat_map(|v| v.to_le_bytes()).collect();
    flowppl::persist::fingerprint(&bytes)
}

impl TrainingRun {
    /// The record saved with `checkpoint`.
    pub fn record(&self, checkpoint: LoopCheckpoint) -> TrainingRecord {
        TrainingRecord {
            settings: self.settings.clone(),
            data_fingerprint: self.fingerprint.clone(),
            total_steps: self.total_steps,
            checkpoint,
        }
    }

    /// The control of the run: resumed from `resume` (the training state `read` finds in it,
    /// checked against these settings and data), checkpointing into `save` every `every` steps
    /// (and on Ctrl-C) with `write(params, path, record)`.
    ///
    /// # Errors
    /// A `--resume` file without training state, or one whose settings or data differ; errors of
    /// `read`; the Ctrl-C handler.
    pub fn control(
        &self,
        resume: Option<&str>,
        read: impl Fn(&Path) -> Result<Option<TrainingRecord>>,
        save: Option<&str>,
        every: Option<usize>,
        write: impl Fn(&ParamSnapshot, &Path, &TrainingRecord) -> Result<()> + 'static,
    ) -> Result<TrainingControl> {
        let mut control = TrainingControl::new().interrupt_on(crate::interrupt::flag()?);
        if let Some(path) = resume {
            let saved = read(Path::new(path))?.ok_or_else(|| Error::InvalidConfig {
                what: format!("--resume {path}"),
                message: "the file holds a trained model but no training state (save with \
                          --save, optionally --checkpoint-every)"
                    .into(),
            })?;
            saved.check_resume(path, &self.settings, &self.fingerprint)?;
            control = control.resume_from(saved.checkpoint);
        }
        if let Some(path) = save {
            let (run, path) = (self.clone(), path.to_string());
            control = control.checkpoint_every(every.unwrap_or(0), move |c| {
                write(&c.params, Path::new(&path), &run.record(c.clone()))
            });
        }
        Ok(control)
    }
}
