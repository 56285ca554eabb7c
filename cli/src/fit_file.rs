//! The saved SVI fit, `flowppl-fit` version 2: the model, its latent-site schema and the data
//! fingerprint, every setting
//! that shapes the run, the parameters, and the training state (optimizer moments, random
//! stream, history) that `--resume` continues from. Written atomically.

use crate::args::FitOptions;
use flowppl::backend::Cpu;
use flowppl::infer::{LatentLayout, SviCheckpoint};
use flowppl::persist::{read_versioned_json, replace_file, write_new_file};
use flowppl::ppl::Model;
use flowppl::{Error, Result};
use serde_json::{json, Value};
use std::path::Path;

/// The format name.
pub const FORMAT: &str = "flowppl-fit";
/// The format version this build writes and resumes.
pub const VERSION: u64 = 2;

/// The settings a resumed run must share with the run it continues.
fn settings(options: &FitOptions) -> Value {
    json!({
        "guide": options.guide,
        "rank": options.rank,
        "layers": options.layers,
        "hidden": options.hidden,
        "full_rank_base": options.full_rank_base,
        "init": options.init,
        "particles": options.particles,
        "learning_rate": options.learning_rate,
        "decay": options.decay,
        "seed": options.seed,
        "objective": options.objective,
        "stl": options.stl,
        "analytic_kl": options.analytic_kl,
        "on_non_finite": if options.skip_non_finite { "skip" } else { "stop" },
    })
}

/// The model's latent sites as the file records them: name, number of values, support.
///
/// # Errors
/// Errors of the model's trace.
pub fn latent_schema(model: &dyn Model<f32, Cpu>, seed: u64) -> Result<Value> {
    let layout = LatentLayout::of(model, &Cpu::default(), seed)?;
    Ok(Value::Array(
        layout
            .slots
            .iter()
            .map(|slot| {
                json!({
                    "name": slot.name,
                    "columns": slot.columns,
                    "support": format!("{:?}", slot.support),
                })
            })
            .collect(),
    ))
}

/// The document for `checkpoint` (after `checkpoint.step` of `options.steps` steps), with the
/// model's latent-site schema `latents`.
///
/// # Errors
/// [`Error::Parse`] if the checkpoint cannot be serialised.
pub fn document(
    options: &FitOptions,
    data_fingerprint: &str,
    latents: &Value,
    checkpoint: &SviCheckpoint,
    elbo: Option<f64>,
) -> Result<Value> {
    let mut training = serde_json::to_value(checkpoint).map_err(|e| Error::Parse {
        path: "<fit checkpoint>".into(),
        message: e.to_string(),
    })?;
    let params = training
        .as_object_mut()
        .and_then(|t| t.remove("params"))
        .unwrap_or(Value::Null);
    Ok(json!({
        "format": FORMAT,
        "version": VERSION,
        "kind": "svi",
        "model": options.model,
        "data": options.data,
        "data_fingerprint": data_fingerprint,
        "steps": options.steps,
        "completed_steps": checkpoint.step,
        "particles": options.particles,
        "seed": options.seed,
        "guide": options.guide,
        "latents": latents,
        "settings": settings(options),
        "elbo": elbo,
        "params": params,
        "training": training,
    }))
}

/// Writes `document` to `path`: a new file, or replacing one when `replace` (this run's own
/// checkpoint, `--force`, or the file being resumed).
///
/// # Errors
/// [`Error::InvalidConfig`] for an existing file without `replace`; [`Error::Io`].
pub fn write(path: &str, document: &Value, replace: bool) -> Result<()> {
    let text = serde_json::to_string_pretty(document).map_err(|e| Error::Parse {
        path: path.to_string(),
        message: e.to_string(),
    })?;
    if replace {
        replace_file(Path::new(path), &text)
    } else {
        write_new_file(Path::new(path), &text)
    }
}

/// Reads the checkpoint in `path` for `options`, refusing a file of another kind, model, data
/// or settings, and a learning-rate decay spread over a different number of steps.
///
/// # Errors
/// [`Error::Io`]; [`Error::Parse`] naming the file; [`Error::InvalidConfig`] naming the first
/// setting that differs.
pub fn load_for_resume(
    path: &str,
    options: &FitOptions,
    data_fingerprint: &str,
) -> Result<SviCheckpoint> {
    let mut saved: Value = read_versioned_json(Path::new(path), FORMAT, VERSION)?;
    let mismatch = |what: &str, saved: &Value, now: &Value| Error::InvalidConfig {
        what: format!("--resume {path}"),
        message: format!(
            "the saved run has {what} {saved}, this command {now}; resume with the same \
             settings (or start a new run)"
        ),
    };
    let model = json!(options.model);
    if saved["model"] != model {
        return Err(mismatch("model", &saved["model"], &model));
    }
    let fingerprint = json!(data_fingerprint);
    if saved["data_fingerprint"] != fingerprint {
        return Err(mismatch(
            "data fingerprint",
            &saved["data_fingerprint"],
            &fingerprint,
        ));
    }
    let now = settings(options);
    for (key, value) in now.as_object().into_iter().flatten() {
        if saved["settings"][key] != *value {
            return Err(mismatch(
                &format!("`{key}`"),
                &saved["settings"][key],
                value,
            ));
        }
    }
    if options.decay != 1.0 && saved["steps"] != json!(options.steps) {
        return Err(mismatch(
            "`--steps` (the learning rate decays over them; with --decay 1 any total works)",
            &saved["steps"],
            &json!(options.steps),
        ));
    }
    let params = saved["params"].take();
    let mut training = saved["training"].take();
    let Some(object) = training.as_object_mut() else {
        return Err(Error::Parse {
            path: path.to_string(),
            message: "no training state".into(),
        });
    };
    object.insert("params".into(), params);
    serde_json::from_value(training).map_err(|e| Error::Parse {
        path: path.to_string(),
        message: format!("malformed training state: {e}"),
    })
}
