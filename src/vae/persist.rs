//! Saving and loading a trained [`Vae`](super::Vae): one self-describing JSON file.

use super::config::{Likelihood, Posterior, Prior, VaeConfig};
use super::model::Vae;
use crate::backend::{Backend, Real};
use crate::checkpoint::TrainingRecord;
use crate::error::{Error, Result};
use crate::nn::Activation;
use crate::params::{ParamSnapshot, ParamStore};
use crate::persist::{check_saved_sizes, read_versioned_json, write_json};
use serde::{Deserialize, Serialize};
use std::path::Path;

const FORMAT: &str = "flowppl-vae";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedVae {
    format: String,
    version: u32,
    input: usize,
    latent: usize,
    hidden: Vec<usize>,
    context: usize,
    flow_hidden: Vec<usize>,
    posterior: String,
    prior: String,
    /// Absent in files from before Gaussian likelihoods existed: Bernoulli.
    #[serde(default = "bernoulli")]
    likelihood: String,
    /// Absent in files from before activations were configurable: ReLU.
    #[serde(default = "relu")]
    activation: String,
    params: ParamSnapshot,
    /// The training state, in files written by checkpointing runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    training: Option<TrainingRecord>,
}

fn bernoulli() -> String {
    "bernoulli".into()
}

fn relu() -> String {
    "relu".into()
}

/// Writes `vae` with its parameters to a new file (never replacing one).
///
/// # Errors
/// [`Error::InvalidConfig`] when the file exists; [`Error::Io`].
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::params::ParamStore;
/// use flowppl::vae::{load_vae, save_vae, Posterior, Prior, Vae, VaeConfig};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let mut store = ParamStore::new(&device);
/// # vae.initialize(&mut store, &mut seeded(0))?;
/// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
/// # let x = Var::from_vec(&device, pixels, 8, 4)?; // 8 binary rows of 4 pixels
/// let path = std::env::temp_dir().join(format!("flowppl-doc-vae-save-{}.json", std::process::id()));
/// save_vae(&vae, &store, &path)?;
/// assert!(save_vae(&vae, &store, &path).is_err()); // never replaces a file
/// let (loaded, loaded_store) = load_vae::<f64, _>(&device, &path)?;
/// let same = loaded.reconstruct(&loaded_store, &x)?.to_f64_vec();
/// assert_eq!(same, vae.reconstruct(&store, &x)?.to_f64_vec());
/// std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn save_vae<E: Real, D: Backend<E>>(
    vae: &Vae<E, D>,
    store: &ParamStore<E, D>,
    path: &Path,
) -> Result<()> {
    write_vae_file(vae.config(), &store.snapshot(), path, None, false)
}

/// Writes a VAE file from its configuration and parameters, with the training state when given
/// (a checkpoint that `flowppl vae train --resume` continues); replaces an existing file only
/// when `replace`.
///
/// # Errors
/// [`Error::InvalidConfig`] when the file exists and `replace` is false; [`Error::Io`].
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu};
/// use flowppl::params::ParamStore;
/// use flowppl::vae::{load_vae, write_vae_file, Posterior, Prior, Vae, VaeConfig};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Flow(flowppl::flows::FlowKind::Maf, 1))
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let mut store = ParamStore::new(&device);
/// # vae.initialize(&mut store, &mut seeded(0))?;
/// let path = std::env::temp_dir().join(format!("flowppl-doc-vae-write-{}.json", std::process::id()));
/// write_vae_file(vae.config(), &store.snapshot(), &path, None, false)?;
/// assert!(write_vae_file(vae.config(), &store.snapshot(), &path, None, false).is_err());
/// write_vae_file(vae.config(), &store.snapshot(), &path, None, true)?; // replacing
/// let (loaded, loaded_store) = load_vae::<f64, Cpu>(&device, &path)?;
/// assert_eq!(loaded.config(), vae.config());
/// assert_eq!(loaded_store.snapshot(), store.snapshot());
/// std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn write_vae_file(
    c: &VaeConfig,
    params: &ParamSnapshot,
    path: &Path,
    training: Option<&TrainingRecord>,
    replace: bool,
) -> Result<()> {
    let saved = SavedVae {
        format: FORMAT.into(),
        version: 1,
        input: c.input,
        latent: c.latent,
        hidden: c.hidden.clone(),
        context: c.context,
        flow_hidden: c.flow_hidden.clone(),
        posterior: c.posterior.to_text(),
        prior: c.prior.to_text(),
        likelihood: c.likelihood.to_text(),
        activation: match c.activation {
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
            Activation::Softplus => "softplus",
        }
        .into(),
        params: params.clone(),
        training: training.cloned(),
    };
    write_json(path, &saved, replace)
}

/// The training state saved in a VAE file, if it has one.
///
/// # Errors
/// As [`load_vae`].
///
/// # Examples
/// ```
/// use flowppl::checkpoint::{TrainingControl, TrainingRecord};
/// use flowppl::vae::{read_vae_training, save_vae, train_with, write_vae_file, VaeTrainingOptions};
/// # use flowppl::backend::{Cpu, Var};
/// # use flowppl::params::ParamStore;
/// # use flowppl::vae::{Posterior, Prior, Vae, VaeConfig};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let mut store = ParamStore::new(&device);
/// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
/// # let x = Var::from_vec(&device, pixels, 8, 4)?; // 8 binary rows of 4 pixels
/// # let options = VaeTrainingOptions { steps: 3, batch_size: 4, ..VaeTrainingOptions::default() };
/// let mut control = TrainingControl::new().checkpoint_every(0, |_| Ok(())); // keep the final state
/// train_with(&vae, &mut store, &x, &options, |_, _| {}, &mut control)?; // 3 steps
/// let path = std::env::temp_dir().join(format!("flowppl-doc-vae-training-{}.json", std::process::id()));
/// save_vae(&vae, &store, &path)?;
/// assert_eq!(read_vae_training(&path)?, None);
/// let record = TrainingRecord {
///     settings: serde_json::json!({ "steps": 3 }),
///     data_fingerprint: flowppl::persist::fingerprint(b"the pixels"),
///     total_steps: 3,
///     checkpoint: control.final_checkpoint().unwrap().clone(),
/// };
/// write_vae_file(vae.config(), &store.snapshot(), &path, Some(&record), true)?;
/// assert_eq!(read_vae_training(&path)?, Some(record));
/// # std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn read_vae_training(path: &Path) -> Result<Option<TrainingRecord>> {
    let saved: SavedVae = read_versioned_json(path, FORMAT, 1)?;
    Ok(saved.training)
}

/// Reads a file written by [`save_vae`]: the model and its parameters on `device`.
///
/// # Errors
/// [`Error::Io`]; [`Error::Parse`] naming the file for another format or version, or
/// parameters that do not fit the architecture.
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::params::ParamStore;
/// use flowppl::vae::{load_vae, save_vae, Posterior, Prior, Vae, VaeConfig};
/// # fn main() -> flowppl::Result<()> {
/// # let device = Cpu::default();
/// # let config = VaeConfig {
/// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
/// #     ..VaeConfig::t5(Posterior::Planar(1), Prior::Normal)
/// # };
/// # let vae = Vae::<f64, Cpu>::new(config)?;
/// # let mut store = ParamStore::new(&device);
/// # vae.initialize(&mut store, &mut seeded(0))?;
/// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
/// # let x = Var::from_vec(&device, pixels, 8, 4)?; // 8 binary rows of 4 pixels
/// let path = std::env::temp_dir().join(format!("flowppl-doc-vae-load-{}.json", std::process::id()));
/// save_vae(&vae, &store, &path)?;
/// let (loaded, loaded_store) = load_vae::<f64, _>(&device, &path)?;
/// assert_eq!(loaded.config().posterior, Posterior::Planar(1));
/// let mean = loaded.encode_mean(&loaded_store, &x)?.to_f64_vec();
/// assert_eq!(mean, vae.encode_mean(&store, &x)?.to_f64_vec());
/// std::fs::write(&path, r#"{"format": "flowppl-flow", "version": 1}"#).unwrap();
/// assert!(matches!(load_vae::<f64, Cpu>(&device, &path), Err(flowppl::Error::Parse { .. })));
/// std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn load_vae<E: Real, D: Backend<E>>(
    device: &D,
    path: &Path,
) -> Result<(Vae<E, D>, ParamStore<E, D>)> {
    read_vae_file(device, path).map_err(crate::persist::naming_file(path))
}

fn read_vae_file<E: Real, D: Backend<E>>(
    device: &D,
    path: &Path,
) -> Result<(Vae<E, D>, ParamStore<E, D>)> {
    let parse = |message: String| Error::Parse {
        path: path.display().to_string(),
        message,
    };
    let saved: SavedVae = read_versioned_json(path, FORMAT, 1)?;
    let config = VaeConfig {
        input: saved.input,
        latent: saved.latent,
        hidden: saved.hidden,
        context: saved.context,
        flow_hidden: saved.flow_hidden,
        posterior: Posterior::parse(&saved.posterior)?,
        prior: Prior::parse(&saved.prior)?,
        likelihood: Likelihood::parse(&saved.likelihood)?,
        activation: Activation::parse(&saved.activation)?,
    };
    let mut sizes = vec![
        ("input", config.input),
        ("latent", config.latent),
        ("context", config.context),
    ];
    sizes.extend(config.hidden.iter().map(|&h| ("hidden", h)));
    sizes.extend(config.flow_hidden.iter().map(|&h| ("flow_hidden", h)));
    let layers = config.posterior.layers() + config.prior.layers();
    check_saved_sizes(path, &sizes, layers, &saved.params)?;
    let vae = Vae::new(config)?;
    let mut store = ParamStore::new(device);
    store.restore(&saved.params)?;
    // Every parameter the architecture needs must be present with its shape: with the store
    // frozen, initialising checks that without creating anything.
    store.freeze(true);
    vae.initialize(&mut store, &mut crate::backend::rng::seeded(0))
        .map_err(|e| parse(format!("parameters do not fit the architecture: {e}")))?;
    store.freeze(false);
    Ok((vae, store))
}
