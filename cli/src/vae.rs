//! `flowppl vae`: train a VAE (flow posteriors, flow priors), evaluate it by the IWAE bound,
//! sample from it.

use crate::args::{number, value};
use crate::training_run::{fingerprint_of, TrainingRun};
use flowppl::backend::rng::seeded;
use flowppl::backend::Cpu;
use flowppl::prelude::Var;
use flowppl::vae::{
    iwae_bound, load_vae, read_binary_csv, read_idx, read_vae_training, train_with, write_vae_file,
    Likelihood, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions,
};
use flowppl::{Error, Result};
use flowppl_models::plot::write_image_grid;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant;

/// Parsed `flowppl vae ...` options.
#[derive(Debug, Clone, PartialEq)]
pub struct VaeOptions {
    /// `train`, `eval` or `sample`.
    pub command: String,
    data: String,
    posterior: String,
    prior: String,
    likelihood: String,
    activation: String,
    free_bits: f64,
    kl_warmup: usize,
    validation: f64,
    patience: Option<usize>,
    latent: usize,
    epochs: usize,
    seed: u64,
    save: Option<String>,
    model: Option<String>,
    iwae: usize,
    draws: usize,
    png: Option<String>,
    json: bool,
    checkpoint_every: Option<usize>,
    resume: Option<String>,
    force: bool,
}

impl VaeOptions {
    /// Parses `<train|eval|sample> [options]`.
    pub fn parse(arguments: &[String]) -> std::result::Result<Self, String> {
        let mut iter = arguments.iter();
        let command = match iter.next().map(String::as_str) {
            Some(c @ ("train" | "eval" | "sample")) => c.to_string(),
            other => {
                return Err(format!(
                    "`vae` needs a command: train, eval or sample (got {other:?})"
                ))
            }
        };
        let mut options = VaeOptions {
            command,
            data: "digits".into(),
            posterior: "gaussian".into(),
            prior: "normal".into(),
            likelihood: "bernoulli".into(),
            activation: "relu".into(),
            free_bits: 0.0,
            kl_warmup: 0,
            validation: 0.0,
            patience: None,
            latent: 8,
            epochs: 200,
            seed: 0,
            save: None,
            model: None,
            iwae: 1000,
            draws: 64,
            png: None,
            json: false,
            checkpoint_every: None,
            resume: None,
            force: false,
        };
        while let Some(flag) = iter.next() {
            let mut text = || value(flag, &mut iter).cloned();
            match flag.as_str() {
                "--data" => options.data = text()?,
                "--posterior" => options.posterior = text()?,
                "--prior" => options.prior = text()?,
                "--likelihood" => options.likelihood = text()?,
                "--activation" => options.activation = text()?,
                "--free-bits" => {
                    options.free_bits = number(flag, &text()?, "a non-negative number of nats")?
                }
                "--validation" => {
                    options.validation = number(flag, &text()?, "a fraction in [0, 1)")?
                }
                "--patience" => {
                    options.patience = Some(number(flag, &text()?, "a positive number of epochs")?)
                }
                "--kl-warmup" => {
                    options.kl_warmup = number(flag, &text()?, "a non-negative number of steps")?
                }
                "--latent" => options.latent = number(flag, &text()?, "a positive integer")?,
                "--epochs" => options.epochs = number(flag, &text()?, "a positive integer")?,
                "--seed" => options.seed = number(flag, &text()?, "a non-negative integer")?,
                "--save" => options.save = Some(text()?),
                "--resume" => options.resume = Some(text()?),
                "--force" => options.force = true,
                "--checkpoint-every" => {
                    options.checkpoint_every =
                        Some(number(flag, &text()?, "a positive number of steps")?)
                }
                "--model" => options.model = Some(text()?),
                "--iwae" => options.iwae = number(flag, &text()?, "a positive integer")?,
                "-n" => options.draws = number(flag, &text()?, "a positive integer")?,
                "--png" => options.png = Some(text()?),
                "--json" => options.json = true,
                other => {
                    return Err(format!(
                        "unknown option `{other}` for `vae {}`",
                        options.command
                    ))
                }
            }
        }
        if options.latent == 0 || options.epochs == 0 || options.iwae == 0 || options.draws == 0 {
            return Err("`--latent`, `--epochs`, `--iwae` and `-n` must be at least 1".into());
        }
        if options.checkpoint_every == Some(0) {
            return Err("`--checkpoint-every` must be at least 1".into());
        }
        if options.checkpoint_every.is_some() && options.save.is_none() {
            return Err("`--checkpoint-every` writes to the `--save` file; give one".into());
        }
        Posterior::parse(&options.posterior).map_err(|e| e.to_string())?;
        Prior::parse(&options.prior).map_err(|e| e.to_string())?;
        Likelihood::parse(&options.likelihood).map_err(|e| e.to_string())?;
        flowppl::nn::Activation::parse(&options.activation).map_err(|e| e.to_string())?;
        if !(0.0..1.0).contains(&options.validation) {
            return Err(format!(
                "`--validation` must be in [0, 1), got {}",
                options.validation
            ));
        }
        if !(options.free_bits >= 0.0 && options.free_bits.is_finite()) {
            return Err(format!(
                "`--free-bits` must be >= 0, got {}",
                options.free_bits
            ));
        }
        Ok(options)
    }
}

/// `(train, test)` rows: the bundled digits, or a user file (used for both).
fn load_data(options: &VaeOptions) -> Result<(Var<f32, Cpu>, Var<f32, Cpu>)> {
    let device = Cpu::default();
    let to_var = |rows: usize, columns: usize, v: &[f64]| {
        Var::from_vec(
            &device,
            v.iter().map(|&x| x as f32).collect(),
            rows,
            columns,
        )
    };
    if options.data == "digits" {
        let (train_rows, test_rows) = flowppl_models::digits::digits()?;
        Ok((
            to_var(train_rows.len() / 64, 64, &train_rows)?,
            to_var(test_rows.len() / 64, 64, &test_rows)?,
        ))
    } else {
        let path = Path::new(&options.data);
        let idx = options.data.ends_with(".idx") || options.data.ends_with("-ubyte");
        let (rows, columns, values) = if idx {
            read_idx(path)?
        } else {
            read_binary_csv(path)?
        };
        let data = to_var(rows, columns, &values)?;
        Ok((data.clone(), data))
    }
}

/// Runs `flowppl vae ...`.
pub fn run(options: &VaeOptions) -> Result<()> {
    let replaceable = |path: &String| options.force || options.resume.as_ref() == Some(path);
    for path in [&options.save, &options.png].into_iter().flatten() {
        if Path::new(path).exists() && !(options.save.as_ref() == Some(path) && replaceable(path)) {
            return Err(Error::InvalidConfig {
                what: path.clone(),
                message: "the file exists; choose another name, remove it, or pass --force (a --save file may also be the --resume file)".into(),
            });
        }
    }
    match options.command.as_str() {
        "train" => train_command(options),
        "eval" => eval_command(options),
        _ => sample_command(options),
    }
}

fn train_command(options: &VaeOptions) -> Result<()> {
    let (train_data, test_data) = load_data(options)?;
    let config = VaeConfig {
        input: train_data.columns(),
        latent: options.latent,
        likelihood: Likelihood::parse(&options.likelihood)?,
        activation: flowppl::nn::Activation::parse(&options.activation)?,
        ..VaeConfig::t5(
            Posterior::parse(&options.posterior)?,
            Prior::parse(&options.prior)?,
        )
    };
    let vae = Vae::<f32, Cpu>::new(config)?;
    let mut store = flowppl::params::ParamStore::new(&Cpu::default());
    let batch = 100usize;
    let training_rows = ((1.0 - options.validation) * train_data.rows() as f64).round() as usize;
    let epoch = training_rows.div_ceil(batch).max(1);
    let steps = options.epochs * epoch;
    let settings = VaeTrainingOptions {
        steps,
        batch_size: batch,
        seed: options.seed,
        free_bits: options.free_bits,
        kl_warmup_steps: options.kl_warmup,
        validation_fraction: options.validation,
        validate_every: epoch,
        patience: options.patience,
        ..VaeTrainingOptions::default()
    };
    let run = TrainingRun {
        settings: settings_of(options),
        fingerprint: fingerprint_of(&train_data),
        total_steps: steps,
    };
    let config = vae.config().clone();
    let mut control = run.control(
        options.resume.as_deref(),
        read_vae_training,
        options.save.as_deref(),
        options.checkpoint_every,
        move |params, path, record| write_vae_file(&config, params, path, Some(record), true),
    )?;
    let started = Instant::now();
    let bar = (!options.json && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(steps as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} [{elapsed_precise}] ELBO {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let mut running = None::<f64>;
    let report = train_with(
        &vae,
        &mut store,
        &train_data,
        &settings,
        |step, elbo| {
            let smoothed = running.map_or(elbo, |r| 0.98 * r + 0.02 * elbo);
            running = Some(smoothed);
            if let Some(bar) = &bar {
                bar.set_position(step as u64 + 1);
                if step % 25 == 0 {
                    bar.set_message(format!("{smoothed:.3}"));
                }
            }
        },
        &mut control,
    )
    .map_err(|e| crate::interrupt::explain(e, options.save.as_deref()))?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let seconds = started.elapsed().as_secs_f64();
    let bounds = iwae_bound(
        &vae,
        &store,
        &test_data,
        options.iwae,
        options.seed.wrapping_add(1),
    )?;
    let nll = -bounds.iter().sum::<f64>() / bounds.len() as f64;
    if let Some(path) = &options.save {
        // The path was checked at the start; since then only this run's checkpoints wrote it.
        let training = control.final_checkpoint().map(|c| run.record(c.clone()));
        write_vae_file(
            vae.config(),
            &store.snapshot(),
            Path::new(path),
            training.as_ref(),
            true,
        )?;
    }
    let tail = &report.elbo[report.elbo.len().saturating_sub(100)..];
    let elbo = tail.iter().sum::<f64>() / tail.len().max(1) as f64;
    if options.json {
        println!(
            "{}",
            serde_json::json!({"posterior": options.posterior, "prior": options.prior, "steps": report.steps,
                "train_elbo": elbo, "test_nll": nll, "iwae_samples": options.iwae, "seconds": seconds,
                "ms_per_step": 1e3 * seconds / report.steps.max(1) as f64, "saved": options.save,
                "validation_elbo": report.validation.last().map(|v| v.1)})
        );
    } else {
        println!(
            "trained {} / {} for {} steps ({seconds:.1} s): train ELBO {elbo:.3}, test NLL (IWAE K={}) {nll:.3} nats",
            options.posterior, options.prior, report.steps, options.iwae
        );
        if let Some(path) = &options.save {
            println!("saved to {path}");
        }
    }
    Ok(())
}

fn loaded(options: &VaeOptions) -> Result<(Vae<f32, Cpu>, flowppl::params::ParamStore<f32, Cpu>)> {
    let path = options.model.as_ref().ok_or_else(|| Error::InvalidConfig {
        what: format!("vae {}", options.command),
        message: "needs `--model FILE`".into(),
    })?;
    load_vae(&Cpu::default(), Path::new(path))
}

fn eval_command(options: &VaeOptions) -> Result<()> {
    let (vae, store) = loaded(options)?;
    let (_, test_data) = load_data(options)?;
    let bounds = iwae_bound(&vae, &store, &test_data, options.iwae, options.seed)?;
    let nll = -bounds.iter().sum::<f64>() / bounds.len() as f64;
    if options.json {
        println!(
            "{}",
            serde_json::json!({"test_nll": nll, "iwae_samples": options.iwae, "rows": bounds.len()})
        );
    } else {
        println!(
            "test NLL (IWAE K={}) {nll:.3} nats over {} rows",
            options.iwae,
            bounds.len()
        );
    }
    Ok(())
}

fn sample_command(options: &VaeOptions) -> Result<()> {
    let (vae, store) = loaded(options)?;
    let png = options.png.as_ref().ok_or_else(|| Error::InvalidConfig {
        what: "vae sample".into(),
        message: "needs `--png FILE`".into(),
    })?;
    let means = vae.sample_means(&store, options.draws, &mut seeded(options.seed))?;
    let side = (vae.config().input as f64).sqrt().round() as usize;
    if side * side != vae.config().input {
        return Err(Error::InvalidConfig {
            what: "vae sample --png".into(),
            message: format!("{} pixels are not a square image", vae.config().input),
        });
    }
    write_image_grid(png, &means.to_f64_vec(), side, 8)?;
    println!("wrote {} samples to {png}", options.draws);
    Ok(())
}

/// The settings a resumed `vae train` must share with the run it continues (the number of
/// epochs may grow: the learning rate is constant).
fn settings_of(options: &VaeOptions) -> serde_json::Value {
    serde_json::json!({
        "data": options.data, "posterior": options.posterior, "prior": options.prior,
        "likelihood": options.likelihood, "activation": options.activation,
        "latent": options.latent, "free_bits": options.free_bits,
        "kl_warmup": options.kl_warmup, "validation": options.validation,
        "patience": options.patience, "seed": options.seed,
    })
}
