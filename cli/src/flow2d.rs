//! `flowppl flow2d`: fit a flow to a 2-D energy (reverse KL) or to 2-D data (maximum likelihood).

use crate::args::Flow2dOptions;
use crate::training_run::{fingerprint_of, TrainingRun};
use flowppl::backend::Cpu;
use flowppl::flows::training::{
    energy_gap, fit_density_with, fit_energy, mean_log_likelihood, DensityOptions, EnergyOptions,
};
use flowppl::flows::{build_cnf, read_flow_training, write_flow_file, FlowKind, FlowSpec};
use flowppl::prelude::*;
use flowppl::transforms::{OdeSolver, TraceEstimator};
use flowppl_models::energies::{two_moons, Energy};
use flowppl_models::plot::{write_side_by_side, Grid};
use flowppl_models::zoo::logistic::parse_csv;
use std::path::Path;
use std::time::Instant;

fn read_points(path: &str) -> Result<Vec<f64>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_string(),
        source,
    })?;
    // Skip a header line if the first line is not numeric.
    let body = match text.lines().next() {
        Some(first) if first.split(',').any(|f| f.trim().parse::<f64>().is_err()) => {
            text.split_once('\n').map(|x| x.1).unwrap_or("")
        }
        _ => text.as_str(),
    };
    let rows = parse_csv(path, body)?;
    if let Some((i, _)) = rows.iter().enumerate().find(|(_, r)| r.len() != 2) {
        return Err(Error::Parse {
            path: path.to_string(),
            message: format!("data row {} does not have 2 columns", i + 1),
        });
    }
    Ok(rows.into_iter().flatten().collect())
}

/// The learned density on the grid: `exp(ln q)` where the flow can evaluate densities,
/// otherwise a histogram of 200 000 draws.
fn learned_density(
    flow: &flowppl::flows::Flow<f32, Cpu>,
    store: &ParamStore<f32, Cpu>,
    grid: &Grid,
    seed: u64,
) -> Result<Vec<f64>> {
    let bound = flow.bind(store, None)?;
    let centres = grid.centres();
    let points = Var::<f32, Cpu>::from_vec(
        store.device(),
        centres.iter().map(|&v| v as f32).collect(),
        centres.len() / 2,
        2,
    )?;
    match bound.log_prob(&points, None) {
        Ok(lp) => Ok(lp.to_f64_vec().into_iter().map(f64::exp).collect()),
        Err(_) => {
            let mut rng = flowppl::backend::rng::seeded(seed);
            let draws = bound
                .sample(200_000, &mut rng, store.device(), None)?
                .to_f64_vec();
            Ok(grid.histogram(&draws))
        }
    }
}

/// Runs `flowppl flow2d`.
pub fn run(options: &Flow2dOptions) -> Result<()> {
    if let Some(path) = &options.plot {
        if std::path::Path::new(path).exists() {
            return Err(Error::InvalidConfig {
                what: format!("--plot {path}"),
                message: "the file exists; choose another name or remove it first".into(),
            });
        }
    }
    if options.checkpoint_every.is_some() && options.save.is_none() {
        return Err(Error::InvalidConfig {
            what: "--checkpoint-every".into(),
            message: "writes to the `--save` file; give one".into(),
        });
    }
    let kind = FlowKind::parse(&options.flow)?;
    let device = Cpu::default();
    let spec = FlowSpec {
        kind: options.flow.clone(),
        dimension: 2,
        layers: options.layers,
        hidden: options.hidden.clone(),
        context: 0,
        solver: (kind == FlowKind::Cnf).then(|| options.solver.clone()),
        trace: (kind == FlowKind::Cnf).then(|| options.trace.clone()),
    };
    let flow = spec.build::<f32, Cpu>()?;
    if let Some(path) = &options.save {
        let replaceable = options.force || options.resume.as_ref() == Some(path);
        if std::path::Path::new(path).exists() && !replaceable {
            return Err(Error::InvalidConfig {
                what: format!("--save {path}"),
                message: "the file exists; choose another name, remove it, or pass --force \
                          (a --save file may also be the --resume file)"
                    .into(),
            });
        }
    }
    let mut store = ParamStore::new(&device);
    let started = Instant::now();
    let report = if options.target == "moons" || options.data.is_some() {
        let (train, test) =
            match (&options.data, &options.test) {
                (Some(train), Some(test)) => (read_points(train)?, read_points(test)?),
                (None, None) => two_moons()?,
                _ => return Err(Error::InvalidConfig {
                    what: "--data/--test".into(),
                    message:
                        "give both a training and a test file, or neither for the bundled two moons"
                            .into(),
                }),
            };
        let to_var = |v: Vec<f64>| {
            Var::<f32, Cpu>::from_vec(
                &device,
                v.iter().map(|&x| x as f32).collect(),
                v.len() / 2,
                2,
            )
        };
        let (train, test) = (to_var(train)?, to_var(test)?);
        let settings = DensityOptions {
            steps: options.steps,
            batch_size: options.batch.unwrap_or(512),
            learning_rate: options.learning_rate.unwrap_or(3e-3),
            seed: options.seed,
            schedule: flowppl::params::Schedule::Cosine {
                total: options.steps as u64,
                final_fraction: 0.01,
            },
            ..DensityOptions::default()
        };
        let run = TrainingRun {
            settings: settings_of(options),
            fingerprint: fingerprint_of(&train),
            total_steps: options.steps,
        };
        let recipe = spec.clone();
        let mut control = run.control(
            options.resume.as_deref(),
            read_flow_training,
            options.save.as_deref(),
            options.checkpoint_every,
            move |params, path, record| write_flow_file(&recipe, params, path, Some(record), true),
        )?;
        fit_density_with(&flow, &mut store, &train, &settings, &mut control)
            .map_err(|e| crate::interrupt::explain(e, options.save.as_deref()))?;
        if let Some(path) = &options.save {
            let training = control.final_checkpoint().map(|c| run.record(c.clone()));
            write_flow_file(
                &spec,
                &store.snapshot(),
                Path::new(path),
                training.as_ref(),
                true,
            )?;
        }
        let seconds = started.elapsed().as_secs_f64();
        let test_loglik = mean_log_likelihood(&flow, &store, &test)?;
        // A fixed-step solver's log-density is itself an approximation; the same parameters
        // under a tight adaptive solve show whether training exploited the discretisation.
        let fine_solver_loglik = if kind == FlowKind::Cnf {
            let fine = build_cnf::<f32, Cpu>(
                "flow",
                2,
                options.layers,
                &options.hidden,
                0,
                OdeSolver::parse("dopri5:1e-5")?,
                TraceEstimator::Exact,
            )?;
            Some(mean_log_likelihood(&fine, &store, &test)?)
        } else {
            None
        };
        if let Some(path) = &options.plot {
            let grid = Grid {
                size: 200,
                low: -3.0,
                high: 3.0,
            };
            let target = grid.histogram(&train.to_f64_vec());
            write_side_by_side(
                path,
                grid.size,
                &target,
                &learned_density(&flow, &store, &grid, options.seed)?,
            )?;
        }
        let mut report = serde_json::json!({"target": options.target, "flow": options.flow, "layers": options.layers, "steps": options.steps, "seconds": seconds, "test_loglik": test_loglik});
        if let Some(fine) = fine_solver_loglik {
            report["test_loglik_dopri5"] = fine.into();
            report["solver"] = options.solver.clone().into();
        }
        report
    } else {
        // The CLI also takes `moons` (handled above), so it names it in the error.
        let energy = Energy::parse(&options.target).map_err(|_| Error::InvalidConfig {
            what: format!("--target `{}`", options.target),
            message: "expected u1, u2, u3, u4 or moons".into(),
        })?;
        let settings = EnergyOptions {
            steps: options.steps,
            batch_size: options.batch.unwrap_or(256),
            learning_rate: options.learning_rate.unwrap_or(5e-3),
            annealing_steps: options.anneal,
            seed: options.seed,
            ..EnergyOptions::default()
        };
        if options.resume.is_some() || options.checkpoint_every.is_some() {
            return Err(Error::InvalidConfig {
                what: "--resume/--checkpoint-every".into(),
                message: "checkpoints are for density estimation (moons or --data); fitting an \
                          energy restarts"
                    .into(),
            });
        }
        fit_energy(&flow, &mut store, |z| energy.evaluate(z), &settings)?;
        if let Some(path) = &options.save {
            write_flow_file(&spec, &store.snapshot(), Path::new(path), None, true)?;
        }
        let seconds = started.elapsed().as_secs_f64();
        let gap = energy_gap(
            &flow,
            &store,
            |z| energy.evaluate(z),
            100_000,
            options.seed.wrapping_add(1),
        )?;
        if let Some(path) = &options.plot {
            let grid = Grid {
                size: 200,
                low: -4.0,
                high: 4.0,
            };
            let centres = grid.centres();
            let points = Var::<f32, Cpu>::from_vec(
                &device,
                centres.iter().map(|&v| v as f32).collect(),
                centres.len() / 2,
                2,
            )?;
            let target: Vec<f64> = energy
                .evaluate(&points)?
                .to_f64_vec()
                .into_iter()
                .map(|u| (-u).exp())
                .collect();
            write_side_by_side(
                path,
                grid.size,
                &target,
                &learned_density(&flow, &store, &grid, options.seed)?,
            )?;
        }
        serde_json::json!({"target": options.target, "flow": options.flow, "layers": options.layers, "steps": options.steps, "seconds": seconds, "kl": gap + energy.log_normaliser()})
    };
    if options.json {
        println!("{report}");
    } else {
        for (key, value) in report.as_object().into_iter().flatten() {
            println!("{key:<12} {value}");
        }
    }
    Ok(())
}

/// The settings a resumed `flow2d` must share with the run it continues.
fn settings_of(options: &Flow2dOptions) -> serde_json::Value {
    serde_json::json!({
        "target": options.target, "flow": options.flow, "layers": options.layers,
        "hidden": options.hidden, "steps": options.steps, "batch": options.batch,
        "lr": options.learning_rate, "seed": options.seed, "solver": options.solver,
        "trace": options.trace, "data": options.data,
    })
}
