//! The architecture of a [`Vae`](super::Vae): posterior, prior, likelihood and sizes, each
//! with the text form the CLI and saved files use.

use crate::error::{Error, Result};
use crate::flows::FlowKind;
use crate::nn::Activation;

/// The amortised posterior `q(z|x)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posterior {
    /// `N(mu(x), diag sigma(x)^2)`.
    Gaussian,
    /// The Gaussian followed by `K` planar layers whose parameters depend on the encoder's
    /// context vector per data point (Rezende & Mohamed 2015, section 4).
    Planar(usize),
    /// The Gaussian followed by `K` IAF steps conditioned on the context (Kingma et al. 2016),
    /// reversed in between.
    Iaf(usize),
    /// The Gaussian followed by `K` radial layers whose parameters depend on the context.
    Radial(usize),
}

/// The prior `p(z)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prior {
    /// `N(0, I)`.
    Normal,
    /// A flow of `K` layers of the given kind (MAF, RealNVP or NSF) on a standard normal,
    /// trained jointly.
    Flow(FlowKind, usize),
}

impl Posterior {
    /// `gaussian`, `planar:K` or `iaf:K`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the text.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = || Error::InvalidConfig {
            what: format!("posterior `{text}`"),
            message: "expected `gaussian`, `planar:K`, `radial:K` or `iaf:K` (K >= 1)".into(),
        };
        match text.split_once(':') {
            None if text == "gaussian" => Ok(Posterior::Gaussian),
            Some((kind, k)) => {
                let k: usize = k.parse().map_err(|_| invalid())?;
                match (kind, k) {
                    (_, 0) => Err(invalid()),
                    ("planar", k) => Ok(Posterior::Planar(k)),
                    ("radial", k) => Ok(Posterior::Radial(k)),
                    ("iaf", k) => Ok(Posterior::Iaf(k)),
                    _ => Err(invalid()),
                }
            }
            _ => Err(invalid()),
        }
    }
}

impl Posterior {
    /// The number of flow layers (0 for the Gaussian).
    pub fn layers(&self) -> usize {
        match *self {
            Posterior::Gaussian => 0,
            Posterior::Planar(k) | Posterior::Iaf(k) | Posterior::Radial(k) => k,
        }
    }
}

impl Prior {
    /// The number of flow layers (0 for the standard normal).
    pub fn layers(&self) -> usize {
        match *self {
            Prior::Normal => 0,
            Prior::Flow(_, k) => k,
        }
    }

    /// `normal`, `maf:K`, `realnvp:K`, `nsf:K` or `cnf:K` (K continuous-flow blocks).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the text.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = || Error::InvalidConfig {
            what: format!("prior `{text}`"),
            message: "expected `normal`, `maf:K`, `realnvp:K`, `nsf:K` or `cnf:K` (K >= 1)".into(),
        };
        match text.split_once(':') {
            None if text == "normal" => Ok(Prior::Normal),
            Some((kind, k)) => {
                let k: usize = k.parse().map_err(|_| invalid())?;
                let kind = match kind {
                    "maf" => FlowKind::Maf,
                    "realnvp" => FlowKind::RealNvp,
                    "nsf" => FlowKind::Nsf,
                    "cnf" => FlowKind::Cnf,
                    _ => return Err(invalid()),
                };
                if k == 0 {
                    return Err(invalid());
                }
                Ok(Prior::Flow(kind, k))
            }
            _ => Err(invalid()),
        }
    }
}

/// The observation model `p(x|z)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Likelihood {
    /// `Bernoulli(sigmoid(dec(z)))` per pixel, for binary data.
    Bernoulli,
    /// `Normal(dec(z), sd)` per coordinate with a fixed `sd`.
    Gaussian {
        /// The observation noise.
        sd: f64,
    },
    /// `Normal(mu(z), exp(s(z)))` per coordinate, the decoder giving both halves (`s` clamped
    /// to `[-7, 7]`).
    GaussianLearned,
}

impl Likelihood {
    /// `bernoulli`, `gaussian:SD` or `gaussian` (learned variance).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the text.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = || Error::InvalidConfig {
            what: format!("likelihood `{text}`"),
            message: "expected `bernoulli`, `gaussian` (learned variance) or `gaussian:SD`".into(),
        };
        match text.split_once(':') {
            None if text == "bernoulli" => Ok(Likelihood::Bernoulli),
            None if text == "gaussian" => Ok(Likelihood::GaussianLearned),
            Some(("gaussian", sd)) => match sd.parse::<f64>() {
                Ok(sd) if sd > 0.0 && sd.is_finite() => Ok(Likelihood::Gaussian { sd }),
                _ => Err(invalid()),
            },
            _ => Err(invalid()),
        }
    }

    /// The text [`Likelihood::parse`] reads.
    pub fn to_text(&self) -> String {
        match self {
            Likelihood::Bernoulli => "bernoulli".into(),
            Likelihood::Gaussian { sd } => format!("gaussian:{sd}"),
            Likelihood::GaussianLearned => "gaussian".into(),
        }
    }

    /// Decoder outputs per data coordinate.
    pub(crate) fn outputs(&self) -> usize {
        match self {
            Likelihood::GaussianLearned => 2,
            _ => 1,
        }
    }
}

/// The architecture of a [`Vae`](super::Vae).
#[derive(Debug, Clone, PartialEq)]
pub struct VaeConfig {
    /// Data dimension.
    pub input: usize,
    /// Latent dimension.
    pub latent: usize,
    /// Hidden sizes of the encoder (the decoder mirrors them).
    pub hidden: Vec<usize>,
    /// Width of the context vector the encoder passes to a flow posterior.
    pub context: usize,
    /// Hidden sizes of the flows' networks (IAF MADEs, prior flows).
    pub flow_hidden: Vec<usize>,
    /// The posterior.
    pub posterior: Posterior,
    /// The prior.
    pub prior: Prior,
    /// The observation model.
    pub likelihood: Likelihood,
    /// The nonlinearity of the encoder and decoder.
    pub activation: Activation,
}

impl VaeConfig {
    /// Task T5's architecture: 64 -> 256 -> 256 -> (8 + 8 + 32) encoder, mirrored decoder,
    /// 8 latents, flows with hidden [128, 128].
    pub fn t5(posterior: Posterior, prior: Prior) -> Self {
        VaeConfig {
            input: 64,
            latent: 8,
            hidden: vec![256, 256],
            context: 32,
            flow_hidden: vec![128, 128],
            posterior,
            prior,
            likelihood: Likelihood::Bernoulli,
            activation: Activation::Relu,
        }
    }
}

impl Posterior {
    /// The text [`Posterior::parse`] reads.
    pub fn to_text(&self) -> String {
        match self {
            Posterior::Gaussian => "gaussian".into(),
            Posterior::Planar(k) => format!("planar:{k}"),
            Posterior::Iaf(k) => format!("iaf:{k}"),
            Posterior::Radial(k) => format!("radial:{k}"),
        }
    }
}

impl Prior {
    /// The text [`Prior::parse`] reads.
    pub fn to_text(&self) -> String {
        match self {
            Prior::Normal => "normal".into(),
            Prior::Flow(kind, k) => {
                let name = match kind {
                    FlowKind::RealNvp => "realnvp",
                    FlowKind::Nsf => "nsf",
                    FlowKind::Cnf => "cnf",
                    _ => "maf",
                };
                format!("{name}:{k}")
            }
        }
    }
}
