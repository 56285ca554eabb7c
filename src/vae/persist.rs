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
pub fn read_vae_training(path: &Path) -> Result<Option<TrainingRecord>> {
    let saved: SavedVae = read_versioned_json(path, FORMAT, 1)?;
    Ok(saved.training)
}

/// Reads a file written by [`save_vae`]: the model and its parameters on `device`.
///
/// # Errors
/// [`Error::Io`]; [`Error::Parse`] naming the file for another format or version, or
/// parameters that do not fit the architecture.
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
