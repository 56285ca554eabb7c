//! The architecture of a [`Vae`](super::Vae): posterior, prior, likelihood and sizes, each
//! with the text form the CLI and saved files use.

use crate::error::{Error, Result};
use crate::flows::FlowKind;
use crate::nn::Activation;

/// The amortised posterior `q(z|x)`.
///
/// # Examples
/// ```
/// use flowppl::vae::Posterior;
/// # fn main() -> flowppl::Result<()> {
/// let posterior = Posterior::parse("iaf:2")?;
/// assert_eq!(posterior, Posterior::Iaf(2));
/// assert_eq!(posterior.layers(), 2);
/// assert_eq!(Posterior::Gaussian.to_text(), "gaussian");
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// use flowppl::flows::FlowKind;
/// use flowppl::vae::Prior;
/// # fn main() -> flowppl::Result<()> {
/// assert_eq!(Prior::parse("maf:3")?, Prior::Flow(FlowKind::Maf, 3));
/// assert_eq!(Prior::parse("normal")?.layers(), 0);
/// assert_eq!(Prior::Flow(FlowKind::Nsf, 2).to_text(), "nsf:2");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prior {
    /// `N(0, I)`.
    Normal,
    /// A flow of `K` layers of the given kind (MAF, RealNVP or NSF) on a standard normal,
    /// trained jointly.
    Flow(FlowKind, usize),
}

impl Posterior {
    /// `gaussian`, `planar:K`, `radial:K` or `iaf:K`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the text.
    ///
    /// # Examples
    /// ```
    /// use flowppl::vae::Posterior;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(Posterior::parse("gaussian")?, Posterior::Gaussian);
    /// assert_eq!(Posterior::parse("planar:4")?, Posterior::Planar(4));
    /// assert_eq!(Posterior::parse("radial:3")?, Posterior::Radial(3));
    /// assert!(Posterior::parse("iaf:0").is_err()); // K >= 1
    /// assert!(matches!(Posterior::parse("maf:2"), Err(flowppl::Error::InvalidConfig { .. })));
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::vae::Posterior;
    /// assert_eq!(Posterior::Gaussian.layers(), 0);
    /// assert_eq!(Posterior::Planar(3).layers(), 3);
    /// assert_eq!(Posterior::Radial(5).layers(), 5);
    /// ```
    pub fn layers(&self) -> usize {
        match *self {
            Posterior::Gaussian => 0,
            Posterior::Planar(k) | Posterior::Iaf(k) | Posterior::Radial(k) => k,
        }
    }
}

/// The flow kinds a prior may use, by name: a prior needs a density, so layers with an
/// inverse (planar, radial and Sylvester layers have none).
const PRIOR_FLOWS: [(&str, FlowKind); 4] = [
    ("maf", FlowKind::Maf),
    ("realnvp", FlowKind::RealNvp),
    ("nsf", FlowKind::Nsf),
    ("cnf", FlowKind::Cnf),
];

/// The name of a flow kind a prior may use, `None` for the others.
pub(crate) fn prior_flow_name(kind: FlowKind) -> Option<&'static str> {
    PRIOR_FLOWS
        .iter()
        .find(|(_, k)| *k == kind)
        .map(|(name, _)| *name)
}

impl Prior {
    /// The number of flow layers (0 for the standard normal).
    ///
    /// # Examples
    /// ```
    /// use flowppl::flows::FlowKind;
    /// use flowppl::vae::Prior;
    /// assert_eq!(Prior::Normal.layers(), 0);
    /// assert_eq!(Prior::Flow(FlowKind::RealNvp, 4).layers(), 4);
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::flows::FlowKind;
    /// use flowppl::vae::Prior;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(Prior::parse("normal")?, Prior::Normal);
    /// assert_eq!(Prior::parse("realnvp:2")?, Prior::Flow(FlowKind::RealNvp, 2));
    /// assert_eq!(Prior::parse("cnf:1")?, Prior::Flow(FlowKind::Cnf, 1));
    /// assert!(Prior::parse("maf:0").is_err()); // K >= 1
    /// assert!(Prior::parse("glow:2").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = || Error::InvalidConfig {
            what: format!("prior `{text}`"),
            message: "expected `normal`, `maf:K`, `realnvp:K`, `nsf:K` or `cnf:K` (K >= 1)".into(),
        };
        match text.split_once(':') {
            None if text == "normal" => Ok(Prior::Normal),
            Some((kind, k)) => {
                let k: usize = k.parse().map_err(|_| invalid())?;
                let Some(&(_, kind)) = PRIOR_FLOWS.iter().find(|(name, _)| *name == kind) else {
                    return Err(invalid());
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
///
/// # Examples
/// ```
/// use flowppl::vae::Likelihood;
/// # fn main() -> flowppl::Result<()> {
/// assert_eq!(Likelihood::parse("bernoulli")?, Likelihood::Bernoulli);
/// assert_eq!(Likelihood::parse("gaussian:0.1")?, Likelihood::Gaussian { sd: 0.1 });
/// assert_eq!(Likelihood::parse("gaussian")?, Likelihood::GaussianLearned);
/// # Ok(())
/// # }
/// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::vae::Likelihood;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(Likelihood::parse("gaussian:0.5")?, Likelihood::Gaussian { sd: 0.5 });
    /// assert!(Likelihood::parse("gaussian:0").is_err()); // sd > 0
    /// assert!(Likelihood::parse("gaussian:inf").is_err());
    /// assert!(matches!(Likelihood::parse("poisson"), Err(flowppl::Error::InvalidConfig { .. })));
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::vae::Likelihood;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(Likelihood::Gaussian { sd: 0.25 }.to_text(), "gaussian:0.25");
    /// for likelihood in [Likelihood::Bernoulli, Likelihood::GaussianLearned, Likelihood::Gaussian { sd: 2.0 }] {
    ///     assert_eq!(Likelihood::parse(&likelihood.to_text())?, likelihood);
    /// }
    /// # Ok(())
    /// # }
    /// ```
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
///
/// # Examples
/// ```
/// use flowppl::backend::Cpu;
/// use flowppl::vae::{Likelihood, Posterior, Prior, Vae, VaeConfig};
/// # fn main() -> flowppl::Result<()> {
/// let config = VaeConfig {
///     input: 10,
///     latent: 3,
///     hidden: vec![16],
///     likelihood: Likelihood::Gaussian { sd: 0.1 },
///     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
/// };
/// let vae = Vae::<f32, Cpu>::new(config.clone())?;
/// assert_eq!(vae.config(), &config);
/// assert!(Vae::<f32, Cpu>::new(VaeConfig { latent: 0, ..config }).is_err());
/// # Ok(())
/// # }
/// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::nn::Activation;
    /// use flowppl::vae::{Likelihood, Posterior, Prior, VaeConfig};
    /// let config = VaeConfig::t5(Posterior::Iaf(2), Prior::Normal);
    /// assert_eq!((config.input, config.latent, config.context), (64, 8, 32));
    /// assert_eq!(config.hidden, vec![256, 256]);
    /// assert_eq!(config.flow_hidden, vec![128, 128]);
    /// assert_eq!((config.likelihood, config.activation), (Likelihood::Bernoulli, Activation::Relu));
    /// assert_eq!(config.posterior, Posterior::Iaf(2));
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::vae::Posterior;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(Posterior::Planar(2).to_text(), "planar:2");
    /// for posterior in [Posterior::Gaussian, Posterior::Iaf(3), Posterior::Radial(1)] {
    ///     assert_eq!(Posterior::parse(&posterior.to_text())?, posterior);
    /// }
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::flows::FlowKind;
    /// use flowppl::vae::Prior;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(Prior::Normal.to_text(), "normal");
    /// assert_eq!(Prior::Flow(FlowKind::RealNvp, 2).to_text(), "realnvp:2");
    /// let prior = Prior::Flow(FlowKind::Maf, 4);
    /// assert_eq!(Prior::parse(&prior.to_text())?, prior);
    /// // A kind no prior may use (no density) does not write as another kind.
    /// assert!(Prior::parse(&Prior::Flow(FlowKind::Planar, 2).to_text()).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_text(&self) -> String {
        match self {
            Prior::Normal => "normal".into(),
            Prior::Flow(kind, k) => match prior_flow_name(*kind) {
                Some(name) => format!("{name}:{k}"),
                // Not a valid prior (`Vae::new` refuses it); written so that it fails to
                // parse rather than reloading as a different model.
                None => format!("unsupported-{kind:?}:{k}"),
            },
        }
    }
}
