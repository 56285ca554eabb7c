//! `flowppl causal fit`: a causal flow from CSV data and a graph, with checkpoints to the
//! `--save` file, `--resume` and Ctrl-C.

use crate::causal::{required, CausalOptions};
use crate::training_run::TrainingRun;
use flowppl::backend::Cpu;
use flowppl::causal::{CausalFlow, CausalFlowOptions, CausalGraph, DataTable, Transformer};
use flowppl::flows::Base;
use flowppl::params::Schedule;
use flowppl::{Error, Result};
use std::path::Path;
use std::time::Instant;

/// Runs `flowppl causal fit`.
pub fn fit(options: &CausalOptions) -> Result<()> {
    let data_path = required(&options.data, "--data FILE.csv", "fit")?;
    let data = DataTable::read_csv(Path::new(data_path))?;
    let graph = match (&options.graph, &options.graph_file, &options.order) {
        (Some(text), None, None) => CausalGraph::parse(&data.names, text)?,
        (None, Some(file), None) => {
            let text = std::fs::read_to_string(file).map_err(|source| Error::Io {
                path: file.clone(),
                source,
            })?;
            CausalGraph::parse(&data.names, &text)?
        }
        (None, None, Some(order)) => {
            let order: Vec<String> = order.split(',').map(|s| s.trim().to_string()).collect();
            CausalGraph::from_order(&data.names, &order)?
        }
        _ => {
            return Err(Error::InvalidConfig {
                what: "causal fit".into(),
                message: "give exactly one of `--graph \"a->b, ...\"`, `--graph-file FILE` or `--order a,b,...`".into(),
            })
        }
    };
    let mut settings = CausalFlowOptions::default();
    if let Some(t) = &options.transformer {
        settings.transformer = Transformer::parse(t)?;
    }
    settings.base = match options.noise.as_deref() {
        None | Some("normal") => Base::StandardNormal,
        Some("laplace") => Base::StandardLaplace,
        Some(other) => {
            return Err(Error::InvalidConfig {
                what: format!("--noise {other}"),
                message: "expected normal or laplace".into(),
            })
        }
    };
    if let Some(hidden) = &options.hidden {
        settings.hidden = hidden.clone();
    }
    if let Some(steps) = options.steps {
        settings.training.steps = steps;
        settings.training.schedule = Schedule::Cosine {
            total: steps as u64,
            final_fraction: 0.01,
        };
    }
    settings.training.seed = options.seed;
    let started = Instant::now();
    let mut model = CausalFlow::<f32, Cpu>::prepare(&Cpu::default(), graph, &data, settings)?;
    let run = TrainingRun {
        settings: settings_of(options),
        fingerprint: data_fingerprint(&data),
        total_steps: options.steps.unwrap_or(0),
    };
    let writer = model.file_writer();
    let mut control = run.control(
        options.resume.as_deref(),
        CausalFlow::<f32, Cpu>::read_training,
        options.save.as_deref(),
        options.checkpoint_every,
        move |params, path, record| writer.write(params, path, Some(record), true),
    )?;
    let report = model
        .train(&data, &mut control)
        .map_err(|e| crate::interrupt::explain(e, options.save.as_deref()))?;
    let seconds = started.elapsed().as_secs_f64();
    let loglik = model.mean_log_likelihood(&data)?;
    if let Some(path) = &options.save {
        // The path was checked at the start; since then only this run's checkpoints wrote it.
        let training = control.final_checkpoint().map(|c| run.record(c.clone()));
        model
            .file_writer()
            .write(&model.snapshot(), Path::new(path), training.as_ref(), true)?;
    }
    let validation = report.validation.last().map(|v| v.1);
    if options.json {
        println!(
            "{}",
            serde_json::json!({
                "rows": data.rows(), "variables": data.names, "graph": model.graph().to_text(),
                "steps": report.steps, "train_loglik": loglik,
                "validation_loglik_standardised": validation, "seconds": seconds,
                "saved": options.save,
            })
        );
    } else {
        println!(
            "fitted a causal flow on {} rows of {} ({}) in {} steps, {seconds:.1} s",
            data.rows(),
            data.names.join(", "),
            model.graph().to_text(),
            report.steps
        );
        println!("mean log-likelihood of the training rows: {loglik:.4} nats");
        if let Some(path) = &options.save {
            println!("saved to {path}");
        }
    }
    Ok(())
}

/// The settings a resumed `causal fit` must share with the run it continues (the cosine
/// schedule spans `--steps`, so those too).
fn settings_of(options: &CausalOptions) -> serde_json::Value {
    serde_json::json!({
        "graph": options.graph, "graph_file": options.graph_file, "order": options.order,
        "transformer": options.transformer, "noise": options.noise, "hidden": options.hidden,
        "steps": options.steps, "seed": options.seed,
    })
}

fn data_fingerprint(data: &DataTable) -> String {
    flowppl::persist::fingerprint(data.to_csv().as_bytes())
}
