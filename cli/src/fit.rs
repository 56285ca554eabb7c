//! `flowppl fit`: SVI on a zoo model, with summaries, reference comparison and saving.

use crate::args::FitOptions;
use crate::fit_file;
use flowppl::flows::FlowKind;
use flowppl::infer::{
    AutoFlow, Bound, Diagnostics, Fit, Guide, NonFinitePolicy, Summary, SviCheckpoint,
};
use flowppl::params::Schedule;
use flowppl::ppl::Model;
use flowppl::prelude::*;
use flowppl_models::reference::Reference;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// One row of `--compare-reference`.
struct Comparison {
    name: String,
    z: f64,
    sd_ratio: f64,
}

/// Runs `flowppl fit`.
pub fn run(options: &FitOptions) -> Result<()> {
    let entry = flowppl_models::find(&options.model)?;
    let model = match &options.data {
        Some(path) => entry.with_data_file(Path::new(path))?,
        None => entry.bundled()?,
    };
    let data_text = match &options.data {
        Some(path) => std::fs::read(path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?,
        None => entry.data.unwrap_or("").as_bytes().to_vec(),
    };
    let fingerprint = flowppl::persist::fingerprint(&data_text);
    if let Some(path) = &options.save {
        let resuming_it = options.resume.as_deref() == Some(path.as_str());
        if !options.force && !resuming_it {
            refuse_to_overwrite(path)?;
        }
    }
    let resume = options
        .resume
        .as_deref()
        .map(|path| fit_file::load_for_resume(path, options, &fingerprint))
        .transpose()?;
    let latents = fit_file::latent_schema(model.as_ref(), options.seed)?;
    let run = Run {
        options,
        fingerprint: &fingerprint,
        latents: latents.clone(),
        resume,
        interrupt: crate::interrupt::flag()?,
    };
    let init = match options.init.as_str() {
        "mean" => InitStrategy::PriorMean,
        "feasible" => InitStrategy::Feasible,
        "laplace" => InitStrategy::Laplace,
        _ => InitStrategy::PriorMedian,
    };
    let outcome = match options.guide.as_str() {
        "normal" => fit_with(model, AutoNormal::new().with_init(init), run)?,
        "mvn" => fit_with(model, AutoMvn::new().with_init(init), run)?,
        "lowrank" => fit_with(model, AutoLowRank::new(options.rank)?.with_init(init), run)?,
        "delta" => fit_with(model, AutoDelta::new().with_init(init), run)?,
        flow => {
            let mut guide = AutoFlow::new(FlowKind::parse(flow)?, options.layers, &options.hidden)
                .with_init(init);
            if options.full_rank_base {
                guide = guide.with_full_rank_base();
            }
            fit_with(model, guide, run)?
        }
    };
    let Outcome {
        summary,
        seconds,
        diagnostics,
        skipped,
        checkpoint,
    } = outcome;
    let reference = if options.compare_reference {
        Some(entry.reference()?.ok_or_else(|| Error::InvalidConfig {
            what: "--compare-reference".into(),
            message: format!("model `{}` has no bundled reference posterior", entry.name),
        })?)
    } else {
        None
    };
    let comparison = reference
        .as_ref()
        .map(|r| compare(&summary, r))
        .transpose()?;
    if let (Some(path), Some(checkpoint)) = (&options.save, &checkpoint) {
        let document = fit_file::document(
            options,
            &fingerprint,
            &latents,
            checkpoint,
            Some(summary.elbo),
        )?;
        // The path was checked at the start; since then only this run's checkpoints wrote it.
        fit_file::write(path, &document, true)?;
    }
    if options.json {
        print_json(
            options,
            &summary,
            seconds,
            comparison.as_deref(),
            diagnostics.as_ref(),
            skipped,
        );
    } else {
        println!("{summary}");
        println!(
            "{} steps x {} particles, guide {}, objective {}{}, {:.2} s",
            options.steps,
            options.particles,
            options.guide,
            options.objective,
            if options.stl {
                " (sticking the landing)"
            } else {
                ""
            },
            seconds
        );
        if skipped > 0 {
            println!("{skipped} steps skipped for a non-finite loss or gradient");
        }
        match &diagnostics {
            Some(d) => println!(
                "PSIS k-hat {:.2} ({}); log-evidence {:.3} +- {:.3} ({} draws)",
                d.khat,
                d.reading.as_str(),
                d.log_evidence,
                d.log_evidence_se,
                d.draws
            ),
            None => println!("PSIS k-hat: not defined for a point-mass (delta) guide"),
        }
        if let Some(rows) = &comparison {
            println!();
            println!(
                "{:<16} {:>12} {:>12}",
                "vs reference", "z of mean", "sd ratio"
            );
            for row in rows {
                println!("{:<16} {:>12.3} {:>12.3}", row.name, row.z, row.sd_ratio);
            }
        }
        if let Some(path) = &options.save {
            println!("saved to {path}");
        }
    }
    Ok(())
}

/// What a fit produced.
struct Outcome {
    summary: Summary,
    seconds: f64,
    /// `None` for the delta guide (no density to weight by).
    diagnostics: Option<Diagnostics>,
    /// Steps skipped for a non-finite loss or gradient (`--on-non-finite skip`).
    skipped: usize,
    /// The training state at the end, for the saved file.
    checkpoint: Option<SviCheckpoint>,
}

/// What a run needs besides the model and guide.
struct Run<'a> {
    options: &'a FitOptions,
    fingerprint: &'a str,
    latents: serde_json::Value,
    resume: Option<SviCheckpoint>,
    interrupt: Arc<AtomicBool>,
}

fn fit_with<G: Guide<f32, Cpu>>(
    model: Box<dyn Model<f32, Cpu>>,
    guide: G,
    run: Run<'_>,
) -> Result<Outcome> {
    let options = run.options;
    let (objective, _) = Bound::parse(&options.objective)?;
    let particles = options.particles;
    let adam = Adam::new(options.learning_rate)?.with_schedule(Schedule::exponential_to(
        options.decay,
        options.steps as u64,
    ))?;
    let delta = guide.name() == "delta";
    let mut svi = Svi::new(model, guide)
        .optimizer(adam)
        .objective(objective)
        .sticking_the_landing(options.stl)
        .analytic_kl(options.analytic_kl)
        .on_non_finite(if options.skip_non_finite {
            NonFinitePolicy::Skip
        } else {
            NonFinitePolicy::Stop
        })
        .particles(particles)
        .steps(options.steps)
        .seed(options.seed)
        .allocation_cache(options.cache)
        .interrupt_on(run.interrupt.clone());
    if let Some(checkpoint) = run.resume {
        svi = svi.resume_from(checkpoint);
    }
    if let Some(path) = options.save.clone() {
        // Without --checkpoint-every, a checkpoint is written only when interrupted.
        let every = options.checkpoint_every.unwrap_or(usize::MAX);
        let (options_copy, fingerprint) = (options.clone(), run.fingerprint.to_string());
        let latents = run.latents.clone();
        svi = svi.checkpoint_every(every, move |checkpoint| {
            let document =
                fit_file::document(&options_copy, &fingerprint, &latents, checkpoint, None)?;
            fit_file::write(&path, &document, true)
        });
    }
    if !options.json && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(options.steps as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} [{elapsed_precise}] ELBO {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let mut running = None::<f64>;
        svi = svi.on_step(move |step, elbo| {
            let smoothed = match running {
                Some(r) if elbo.is_finite() => 0.98 * r + 0.02 * elbo,
                _ => elbo,
            };
            running = Some(smoothed);
            bar.set_position(step as u64 + 1);
            if step % 50 == 0 {
                bar.set_message(format!("{smoothed:.3}"));
            }
            if step + 1 == options_steps(&bar) {
                bar.finish_and_clear();
            }
        });
    }
    let fit: Fit<_, _, f32, Cpu> = svi
        .run()
        .map_err(|e| crate::interrupt::explain(e, options.save.as_deref()))?;
    let summary = fit.summary(options.draws, options.seed.wrapping_add(1))?;
    let diagnostics = if delta {
        None
    } else {
        Some(fit.diagnostics(options.draws, options.seed.wrapping_add(2))?)
    };
    Ok(Outcome {
        summary,
        seconds: fit.seconds(),
        diagnostics,
        skipped: fit.skipped_steps(),
        checkpoint: fit.checkpoint().cloned(),
    })
}

fn options_steps(bar: &ProgressBar) -> usize {
    bar.length().unwrap_or(0) as usize
}

fn compare(summary: &Summary, reference: &Reference) -> Result<Vec<Comparison>> {
    reference
        .parameters
        .iter()
        .map(|(name, stats)| {
            let row = summary.get(name).ok_or_else(|| Error::InvalidConfig {
                what: "--compare-reference".into(),
                message: format!("the fit has no parameter `{name}` of the reference"),
            })?;
            Ok(Comparison {
                name: name.clone(),
                z: (row.mean - stats.mean) / stats.sd,
                sd_ratio: row.sd / stats.sd,
            })
        })
        .collect()
}

fn print_json(
    options: &FitOptions,
    summary: &Summary,
    seconds: f64,
    comparison: Option<&[Comparison]>,
    diagnostics: Option<&Diagnostics>,
    skipped: usize,
) {
    let latents: serde_json::Map<String, serde_json::Value> = summary
        .rows
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                serde_json::json!({"mean": r.mean, "sd": r.sd, "q05": r.q05, "q50": r.q50, "q95": r.q95}),
            )
        })
        .collect();
    let mut report = serde_json::json!({
        "model": options.model,
        "guide": options.guide,
        "steps": options.steps,
        "particles": options.particles,
        "seconds": seconds,
        "elbo": summary.elbo,
        "objective": options.objective,
        "stl": options.stl,
        "skipped_steps": skipped,
        "latents": latents,
    });
    if let Some(d) = diagnostics {
        report["psis_khat"] = serde_json::json!(d.khat);
        report["khat_reading"] = serde_json::json!(d.reading.as_str());
        report["log_evidence"] = serde_json::json!(d.log_evidence);
        report["log_evidence_se"] = serde_json::json!(d.log_evidence_se);
    }
    if let Some(rows) = comparison {
        let table: serde_json::Map<String, serde_json::Value> = rows
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    serde_json::json!({"z": r.z, "sd_ratio": r.sd_ratio}),
                )
            })
            .collect();
        report["comparison"] = serde_json::Value::Object(table);
    }
    println!("{report}");
}

/// Errors if `path` exists: a saved fit is never silently replaced.
fn refuse_to_overwrite(path: &str) -> Result<()> {
    if Path::new(path).exists() {
        return Err(Error::InvalidConfig {
            what: format!("--save {path}"),
            message: "the file exists; choose another name, remove it, or pass --force to replace it (or --resume it to continue it)".into(),
        });
    }
    Ok(())
}
