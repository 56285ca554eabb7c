//! A mutation fuzzer for every loader of a user-supplied file: saved VAEs, saved causal flows,
//! SVI checkpoints and VAE training checkpoints (each continued for a step, as `--resume`
//! does), CSV tables, binary CSV
//! and IDX image files, and Stan data for a zoo model. Each execution mutates an input from the
//! loader's corpus (bit flips, byte insertions and deletions, truncation, duplicated ranges,
//! hostile JSON tokens such as `NaN`, `1e999`, `-1`, `[]`, `null`), writes it to a file, and calls
//! the loader under `catch_unwind`: an error is the expected outcome, a panic is a bug and its
//! input is written to `fuzz/crashes/`. Inputs that produce an error message not seen before are
//! added to the corpus (`fuzz/corpus/<loader>/`, kept in the repository). Inputs that once
//! crashed a loader live in `fuzz/regressions/` and are replayed first (one, a VAE file whose
//! sizes made the loader allocate 24 GB for MADE masks, found this way, is now refused by
//! `persist::check_saved_sizes`).
//!
//! `cargo run --release -p flowppl-models --example fuzz_loaders -- --seconds 600 [--loader NAME]`
//! prints, per loader, the executions, the distinct error kinds and the panics.

use flowppl::backend::rng::seeded;
use flowppl::backend::{Cpu, Rng};
use flowppl::causal::{CausalFlow, CausalFlowOptions, CausalGraph, DataTable};
use flowppl::checkpoint::{TrainingControl, TrainingRecord};
use flowppl::flows::training::DensityOptions;
use flowppl::infer::SviCheckpoint;
use flowppl::params::ParamStore;
use flowppl::persist::read_versioned_json;
use flowppl::vae::{
    load_vae, read_binary_csv, read_idx, read_vae_training, save_vae, train_with, write_vae_file,
    Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions,
};
use rand::Rng as _;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type Loader = fn(&Path) -> flowppl::Result<()>;

const TOKENS: [&str; 14] = [
    "NaN",
    "1e999",
    "-1e999",
    "-1",
    "0",
    "[]",
    "{}",
    "null",
    "\"x\"",
    "18446744073709551616",
    "-0",
    "1e-320",
    ",",
    "\"",
];

fn main() -> flowppl::Result<()> {
    let arguments: Vec<String> = std::env::args().collect();
    let option = |flag: &str| {
        arguments
            .iter()
            .position(|a| a == flag)
            .and_then(|i| arguments.get(i + 1).cloned())
    };
    let seconds: u64 = option("--seconds")
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let only = option("--loader");
    let root = PathBuf::from(option("--dir").unwrap_or_else(|| "fuzz".into()));
    std::panic::set_hook(Box::new(|_| {}));
    let scratch = std::env::temp_dir().join(format!("flowppl-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|source| io(&scratch, source))?;
    let loaders: Vec<(&str, Loader, Vec<Vec<u8>>)> = vec![
        ("vae_model", load_vae_file, vec![seed_vae(&scratch)?]),
        (
            "causal_model",
            load_causal_file,
            vec![seed_causal(&scratch)?],
        ),
        (
            "svi_checkpoint",
            load_checkpoint_file,
            vec![seed_checkpoint()?],
        ),
        (
            "vae_checkpoint",
            load_vae_checkpoint,
            vec![seed_vae_checkpoint(&scratch)?],
        ),
        (
            "csv_table",
            load_csv_table,
            vec![b"x,y,z\n1,2,3\n4.5,-1e3,0\n".to_vec()],
        ),
        (
            "binary_csv",
            load_binary_csv,
            vec![b"0,1,1,0\n1,1,0,0\n".to_vec()],
        ),
        ("idx_images", load_idx, vec![seed_idx()]),
        ("stan_data", load_stan_data, vec![seed_stan_data()?]),
    ];
    let mut any_panic = false;
    for (k, (name, loader, seeds)) in loaders.into_iter().enumerate() {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let corpus_dir = root.join("corpus").join(name);
        let crash_dir = root.join("crashes");
        std::fs::create_dir_all(&corpus_dir).map_err(|source| io(&corpus_dir, source))?;
        let mut corpus = seeds;
        let mut saved: Vec<PathBuf> = std::fs::read_dir(&corpus_dir)
            .map_err(|source| io(&corpus_dir, source))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        saved.sort();
        for path in saved {
            corpus.push(std::fs::read(&path).map_err(|source| io(&path, source))?);
        }
        // Replay the inputs that once broke a loader (`fuzz/regressions/<loader>-*`) first.
        let regressions = root.join("regressions");
        if let Ok(entries) = std::fs::read_dir(&regressions) {
            for entry in entries.flatten() {
                let path = entry.path();
                let named = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{name}-")));
                if named && std::panic::catch_unwind(|| loader(&path)).is_err() {
                    any_panic = true;
                    println!("{name}: regression {} panics", path.display());
                }
            }
        }
        let mut rng = seeded(1000 + k as u64);
        let mut seen: HashSet<String> = HashSet::new();
        let (mut executions, mut panics) = (0u64, 0u64);
        let file = scratch.join(name);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(seconds) {
            let base = &corpus[rng.gen_range(0..corpus.len())];
            let input = mutate(base, &mut rng);
            std::fs::write(&file, &input).map_err(|source| io(&file, source))?;
            executions += 1;
            match std::panic::catch_unwind(|| loader(&file)) {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    let kind = error_kind(&error.to_string());
                    if seen.insert(kind) && corpus.len() < 64 {
                        let path = corpus_dir.join(format!("{:04}", corpus.len()));
                        std::fs::write(&path, &input).map_err(|source| io(&path, source))?;
                        corpus.push(input);
                    }
                }
                Err(_) => {
                    panics += 1;
                    any_panic = true;
                    std::fs::create_dir_all(&crash_dir).map_err(|source| io(&crash_dir, source))?;
                    let path = crash_dir.join(format!("{name}-{panics}"));
                    std::fs::write(&path, &input).map_err(|source| io(&path, source))?;
                }
            }
        }
        println!(
            "{name:<16} {executions:>10} executions in {seconds} s, {:>4} distinct errors, {panics} panics",
            seen.len()
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if any_panic {
        return Err(flowppl::Error::InvalidConfig {
            what: "fuzzing".into(),
            message: format!(
                "a loader panicked; inputs in {}",
                root.join("crashes").display()
            ),
        });
    }
    Ok(())
}

fn io(path: &Path, source: std::io::Error) -> flowppl::Error {
    flowppl::Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The error message with digits and quoted parts removed: a rough "kind" for novelty.
fn error_kind(message: &str) -> String {
    let mut kind = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '`' | '"' => quoted = !quoted,
            c if quoted || c.is_ascii_digit() => {}
            c => kind.push(c),
        }
    }
    kind.chars().take(80).collect()
}

fn mutate(base: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut data = base.to_vec();
    for _ in 0..rng.gen_range(1..=4) {
        let len = data.len();
        let at = if len == 0 { 0 } else { rng.gen_range(0..len) };
        match rng.gen_range(0..7) {
            0 if len > 0 => data[at] ^= 1 << rng.gen_range(0..8),
            1 => data.insert(at.min(len), rng.gen()),
            2 if len > 0 => {
                let end = (at + rng.gen_range(1..16)).min(len);
                data.drain(at..end);
            }
            3 => data.truncate(at),
            4 if len > 0 => {
                let end = (at + rng.gen_range(1..32)).min(len);
                let copy = data[at..end].to_vec();
                let to = rng.gen_range(0..=data.len());
                data.splice(to..to, copy);
            }
            5 => {
                // Replace a run of digits (a number) or insert, with a hostile token.
                let token = TOKENS[rng.gen_range(0..TOKENS.len())].as_bytes();
                let mut end = at;
                while end < data.len() && (data[end].is_ascii_digit() || data[end] == b'.') {
                    end += 1;
                }
                data.splice(at.min(len)..end.max(at.min(len)), token.iter().copied());
            }
            _ if len > 0 => data[at] = rng.gen_range(b' '..=b'~'),
            _ => data.push(b'0'),
        }
    }
    data
}

fn load_vae_file(path: &Path) -> flowppl::Result<()> {
    load_vae::<f32, Cpu>(&Cpu::default(), path).map(|_| ())
}

fn load_causal_file(path: &Path) -> flowppl::Result<()> {
    CausalFlow::<f32, Cpu>::load(&Cpu::default(), path).map(|_| ())
}

/// What `flowppl fit --resume` does with the training state: parse it, then continue the run
/// for one step from it (restoring the random stream, the parameters and Adam's moments).
fn load_checkpoint_file(path: &Path) -> flowppl::Result<()> {
    use flowppl::infer::AutoNormal;
    use flowppl::prelude::Svi;
    #[derive(serde::Deserialize)]
    struct Document {
        checkpoint: SviCheckpoint,
    }
    let document: Document = read_versioned_json(path, "flowppl-checkpoint-fuzz", 1)?;
    let step = document.checkpoint.step.min(1_000_000);
    Svi::new(one_site_model(), AutoNormal::new())
        .steps(step + 1)
        .resume_from(document.checkpoint)
        .run()
        .map(|_| ())
}

fn one_site_model() -> impl flowppl::ppl::Model<f32, Cpu> {
    use flowppl::dist::Normal;
    use flowppl::ppl::{model_fn, Ctx};
    model_fn("m", |ctx: &mut Ctx<f32, Cpu>| {
        ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
        Ok(())
    })
}

/// What `flowppl vae train --resume` does: load the model, read its training state, check it
/// against the data and settings, and train one more step from it.
fn load_vae_checkpoint(path: &Path) -> flowppl::Result<()> {
    let (vae, mut store) = load_vae::<f32, Cpu>(&Cpu::default(), path)?;
    let Some(record) = read_vae_training(path)? else {
        return Ok(());
    };
    record.check_resume("fuzz", &serde_json::json!({"seed": 0}), "fuzz")?;
    let step = record.checkpoint.step.min(1_000_000);
    let options = VaeTrainingOptions {
        steps: step + 1,
        batch_size: 5,
        ..VaeTrainingOptions::default()
    };
    let mut control = TrainingControl::new().resume_from(record.checkpoint);
    train_with(
        &vae,
        &mut store,
        &vae_data()?,
        &options,
        |_, _| {},
        &mut control,
    )
    .map(|_| ())
}

fn vae_data() -> flowppl::Result<flowppl::backend::Var<f32, Cpu>> {
    let values: Vec<f32> = (0..80).map(|i| ((i * 7) % 3 == 0) as u8 as f32).collect();
    flowppl::backend::Var::from_vec(&Cpu::default(), values, 20, 4)
}

fn load_csv_table(path: &Path) -> flowppl::Result<()> {
    DataTable::read_csv(path).map(|_| ())
}

fn load_binary_csv(path: &Path) -> flowppl::Result<()> {
    read_binary_csv(path).map(|_| ())
}

fn load_idx(path: &Path) -> flowppl::Result<()> {
    read_idx(path).map(|_| ())
}

fn load_stan_data(path: &Path) -> flowppl::Result<()> {
    flowppl_models::find("eight_schools_noncentered")?
        .with_data_file(path)
        .map(|_| ())
}

fn seed_vae(scratch: &Path) -> flowppl::Result<Vec<u8>> {
    let config = VaeConfig {
        input: 4,
        latent: 2,
        hidden: vec![3],
        flow_hidden: vec![3],
        ..VaeConfig::t5(Posterior::parse("iaf:1")?, Prior::parse("realnvp:1")?)
    };
    let vae = Vae::<f32, Cpu>::new(config)?;
    let mut store = ParamStore::new(&Cpu::default());
    vae.initialize(&mut store, &mut seeded(0))?;
    let path = scratch.join("seed-vae.json");
    save_vae(&vae, &store, &path)?;
    std::fs::read(&path).map_err(|source| io(&path, source))
}

fn seed_causal(scratch: &Path) -> flowppl::Result<Vec<u8>> {
    let rows: Vec<f64> = (0..40)
        .flat_map(|i| {
            let x = (i as f64 * 0.37).sin();
            [x, 2.0 * x + (i as f64 * 1.3).cos()]
        })
        .collect();
    let data = DataTable::new(vec!["x".into(), "y".into()], rows)?;
    let graph = CausalGraph::parse(&data.names, "x->y")?;
    let options = CausalFlowOptions {
        hidden: vec![4],
        training: DensityOptions {
            steps: 5,
            batch_size: 16,
            validation_fraction: 0.0,
            patience: None,
            ..DensityOptions::default()
        },
        ..CausalFlowOptions::default()
    };
    let (flow, _) = CausalFlow::<f32, Cpu>::fit(&Cpu::default(), graph, &data, options)?;
    let path = scratch.join("seed-causal.json");
    flow.save(&path)?;
    std::fs::read(&path).map_err(|source| io(&path, source))
}

fn seed_checkpoint() -> flowppl::Result<Vec<u8>> {
    use flowppl::infer::AutoNormal;
    use flowppl::prelude::Svi;
    let fit = Svi::new(one_site_model(), AutoNormal::new())
        .steps(3)
        .run()?;
    let checkpoint = fit
        .checkpoint()
        .cloned()
        .ok_or_else(|| flowppl::Error::InvalidConfig {
            what: "fuzz seed".into(),
            message: "no checkpoint".into(),
        })?;
    let document = serde_json::json!({
        "format": "flowppl-checkpoint-fuzz",
        "version": 1,
        "checkpoint": checkpoint,
    });
    Ok(serde_json::to_vec_pretty(&document).unwrap_or_default())
}

fn seed_vae_checkpoint(scratch: &Path) -> flowppl::Result<Vec<u8>> {
    let config = VaeConfig {
        input: 4,
        latent: 2,
        hidden: vec![3],
        flow_hidden: vec![3],
        ..VaeConfig::t5(Posterior::parse("planar:1")?, Prior::parse("maf:1")?)
    };
    let vae = Vae::<f32, Cpu>::new(config.clone())?;
    let mut store = ParamStore::new(&Cpu::default());
    let options = VaeTrainingOptions {
        steps: 3,
        batch_size: 5,
        ..VaeTrainingOptions::default()
    };
    let mut control = TrainingControl::new().checkpoint_every(0, |_| Ok(()));
    train_with(
        &vae,
        &mut store,
        &vae_data()?,
        &options,
        |_, _| {},
        &mut control,
    )?;
    let record = TrainingRecord {
        settings: serde_json::json!({"seed": 0}),
        data_fingerprint: "fuzz".into(),
        total_steps: 3,
        checkpoint: control.final_checkpoint().cloned().ok_or_else(|| {
            flowppl::Error::InvalidConfig {
                what: "fuzz seed".into(),
                message: "no final checkpoint".into(),
            }
        })?,
    };
    let path = scratch.join("seed-vae-checkpoint.json");
    write_vae_file(&config, &store.snapshot(), &path, Some(&record), true)?;
    std::fs::read(&path).map_err(|source| io(&path, source))
}

fn seed_idx() -> Vec<u8> {
    // Magic 0x00000803 (unsigned bytes, 3 dimensions), 2 images of 2x2.
    let mut bytes = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2];
    bytes.extend_from_slice(&[0, 255, 128, 3, 255, 0, 0, 200]);
    bytes
}

fn seed_stan_data() -> flowppl::Result<Vec<u8>> {
    let entry = flowppl_models::find("eight_schools_noncentered")?;
    Ok(entry.data.unwrap_or("{}").as_bytes().to_vec())
}
