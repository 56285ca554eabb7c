//! Variational autoencoders with flow posteriors and flow priors.
//!
//! - [`Vae`] with [`VaeConfig`]: MLP encoder and decoder (ReLU), Bernoulli likelihood on binary
//!   data (or Gaussian), an amortised posterior `q(z|x)` that is Gaussian or ends in
//!   conditional planar, radial or IAF layers fed by an encoder context (Rezende & Mohamed 2015; Kingma et al. 2016), and a
//!   prior `p(z)` that is `N(0, I)` or a flow (MAF, RealNVP, NSF) trained jointly;
//! - [`train`]: the minibatch ELBO with Adam, optional KL warm-up, validation and early
//!   stopping; [`iwae_bound`]: the importance-weighted test bound (K = 1000 in chunks);
//! - [`read_binary_csv`] and [`read_idx`] (MNIST-style files): data loading; the digits of
//!   task T5 are bundled in `flowppl-models`.

mod config;
mod data;
mod model;
mod persist;
mod train;

pub use config::{Likelihood, Posterior, Prior, VaeConfig};
pub use data::{read_binary_csv, read_idx};
pub use model::Vae;
pub use persist::{load_vae, read_vae_training, save_vae, write_vae_file};
pub use train::{
    iwae_bound, mean_elbo, train, train_with, train_with_progress, VaeReport, VaeTrainingOptions,
};
