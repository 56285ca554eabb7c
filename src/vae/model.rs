//! [`Vae`]: an encoder, a decoder, an amortised posterior `q(z|x)` that may end in a
//! conditional flow, and a prior `p(z)` that may be a flow.

use super::config::{prior_flow_name, Likelihood, Posterior, Prior, VaeConfig};
use crate::backend::rng::standard_normals;
use crate::backend::{real, Backend, Graph, Real, Rng, Var};
use crate::error::{Error, Result};
use crate::flows::{build_flow, Fixed, Flow};
use crate::nn::mlp::BoundMlp;
use crate::nn::{LinearInit, Mlp};
use crate::params::ParamStore;
use crate::transforms::{AffineAutoregressive, ConditionalPlanar, ConditionalRadial, Reverse};
use std::f64::consts::TAU;

/// A variational autoencoder: `p(x, z) = p(z) prod_j p(x_j | dec(z))` (Bernoulli or Gaussian),
/// `q(z|x)` from the encoder (Kingma & Welling 2014), optionally pushed through a conditional
/// flow, and `p(z)` optionally a flow.
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::params::ParamStore;
/// use flowppl::vae::{Posterior, Prior, Vae, VaeConfig};
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
/// // a 4-pixel VAE with 2 latents: draw z ~ q(z|x), weigh it, decode the prior
/// let (log_likelihood, kl_term) = vae.log_weight_terms(&store, None, &x, &mut seeded(1))?;
/// assert_eq!((log_likelihood.shape(), kl_term.shape()), ((8, 1), (8, 1)));
/// assert!(log_likelihood.to_f64_vec().iter().all(|&l| l < 0.0)); // ln of a probability
/// let means = vae.sample_means(&store, 5, &mut seeded(2))?;
/// assert!(means.to_f64_vec().iter().all(|&p| p > 0.0 && p < 1.0));
/// # Ok(())
/// # }
/// ```
pub struct Vae<E: Real, D: Backend<E>> {
    config: VaeConfig,
    encoder: Mlp,
    decoder: Mlp,
    posterior: Option<Flow<E, D>>,
    prior: Option<Flow<E, D>>,
}

impl<E: Real, D: Backend<E>> Vae<E, D> {
    /// The networks for `config`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for zero sizes, or a flow prior whose layers have no inverse
    /// (planar, radial, Sylvester: a prior needs a density).
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu};
    /// use flowppl::params::ParamStore;
    /// use flowppl::vae::{Posterior, Prior, Vae, VaeConfig};
    /// # fn main() -> flowppl::Result<()> {
    /// let config = VaeConfig {
    ///     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
    ///     ..VaeConfig::t5(Posterior::Planar(2), Prior::Normal)
    /// };
    /// let vae = Vae::<f64, Cpu>::new(config.clone())?;
    /// let mut store = ParamStore::new(&Cpu::default());
    /// vae.initialize(&mut store, &mut seeded(0))?;
    /// // the encoder outputs a mean and a log-sd per latent, plus the flow's context
    /// assert_eq!(store.shape("vae.encoder.1.weight")?, (8, 2 * 2 + 4));
    /// assert!(Vae::<f64, Cpu>::new(VaeConfig { hidden: vec![0], ..config.clone() }).is_err());
    /// let planar_prior = Prior::Flow(flowppl::flows::FlowKind::Planar, 2);
    /// assert!(Vae::<f64, Cpu>::new(VaeConfig { prior: planar_prior, ..config }).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(config: VaeConfig) -> Result<Self> {
        if config.input == 0 || config.latent == 0 || config.hidden.contains(&0) {
            return Err(Error::InvalidConfig {
                what: "VAE".into(),
                message: "input, latent and hidden sizes must be positive".into(),
            });
        }
        let (l, c) = (config.latent, config.context);
        let flow_context = if config.posterior == Posterior::Gaussian {
            0
        } else {
            c
        };
        // Glorot weights and zero biases for the wide encoder and decoder (see `LinearInit`).
        let encoder = Mlp::new(
            "vae.encoder",
            config.input,
            &config.hidden,
            2 * l + flow_context,
        )
        .with_init(LinearInit::Glorot)
        .with_activation(config.activation);
        let mut mirrored = config.hidden.clone();
        mirrored.reverse();
        let decoder = Mlp::new(
            "vae.decoder",
            l,
            &mirrored,
            config.input * config.likelihood.outputs(),
        )
        .with_init(LinearInit::Glorot)
        .with_activation(config.activation);
        let posterior = match config.posterior {
            Posterior::Gaussian => None,
            Posterior::Planar(k) => {
                let mut flow = Flow::new(l);
                for i in 0..k {
                    flow = flow.layer(ConditionalPlanar::new(&format!("vae.q.{i}"), l, c)?);
                }
                Some(flow)
            }
            Posterior::Radial(k) => {
                let mut flow = Flow::new(l);
                for i in 0..k {
                    flow = flow.layer(ConditionalRadial::new(&format!("vae.q.{i}"), l, c)?);
                }
                Some(flow)
            }
            Posterior::Iaf(k) => {
                let mut flow = Flow::new(l);
                for i in 0..k {
                    if i > 0 {
                        flow = flow.layer(Fixed::new(&format!("vae.q.{i}.reverse"), Reverse));
                    }
                    flow = flow.layer(
                        AffineAutoregressive::iaf_affine(
                            &format!("vae.q.{i}"),
                            l,
                            &config.flow_hidden,
                            c,
                        )?
                        .with_init(LinearInit::Glorot),
                    );
                }
                Some(flow)
            }
        };
        let prior = match config.prior {
            Prior::Normal => None,
            Prior::Flow(kind, _) if prior_flow_name(kind).is_none() => {
                return Err(Error::InvalidConfig {
                    what: format!("VAE prior `{kind:?}`"),
                    message: "a flow prior needs a density; use maf, realnvp, nsf or cnf".into(),
                })
            }
            Prior::Flow(kind, k) => {
                Some(build_flow("vae.prior", kind, l, k, &config.flow_hidden, 0)?)
            }
        };
        Ok(Vae {
            config,
            encoder,
            decoder,
            posterior,
            prior,
        })
    }

    /// The configuration.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::Cpu;
    /// use flowppl::vae::{Posterior, Prior, Vae, VaeConfig};
    /// # fn main() -> flowppl::Result<()> {
    /// let vae = Vae::<f32, Cpu>::new(VaeConfig::t5(Posterior::Gaussian, Prior::Normal))?;
    /// assert_eq!(vae.config().latent, 8);
    /// assert_eq!(vae.config().posterior, Posterior::Gaussian);
    /// # Ok(())
    /// # }
    /// ```
    pub fn config(&self) -> &VaeConfig {
        &self.config
    }

    /// Creates every parameter (kept if present).
    ///
    /// # Errors
    /// Shape conflicts.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu};
    /// use flowppl::params::ParamStore;
    /// use flowppl::vae::{Posterior, Prior, Vae, VaeConfig};
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let config = VaeConfig {
    /// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
    /// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
    /// # };
    /// # let vae = Vae::<f64, Cpu>::new(config)?;
    /// # let mut store = ParamStore::new(&device);
    /// vae.initialize(&mut store, &mut seeded(0))?;
    /// // encoder 4 -> 8 -> 2 + 2, decoder 2 -> 8 -> 4: weights and biases
    /// assert_eq!(store.num_values(), (4 * 8 + 8 + 8 * 4 + 4) + (2 * 8 + 8 + 8 * 4 + 4));
    /// let before = store.snapshot();
    /// vae.initialize(&mut store, &mut seeded(1))?; // existing parameters are kept
    /// assert_eq!(store.snapshot(), before);
    /// # Ok(())
    /// # }
    /// ```
    pub fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        self.encoder.initialize(store, rng)?;
        self.decoder.initialize(store, rng)?;
        // The posterior flow starts random (as in Pyro and NumPyro): on the digits of task T5
        // this reached a test NLL of 16.53 against 16.55 from a near-identity start.
        if let Some(flow) = &self.posterior {
            flow.initialize(store, rng)?;
        }
        if let Some(flow) = &self.prior {
            flow.initialize_near_identity(store, rng)?;
        }
        Ok(())
    }

    /// For each row of `x`, one draw `z ~ q(z|x)` and the log importance weight
    /// `ln p(x|z) + ln p(z) - ln q(z|x)` split as `(ln p(x|z), ln p(z) - ln q(z|x))`, both
    /// `(n, 1)`. With a graph the result is differentiable in every parameter.
    ///
    /// # Errors
    /// Shape errors (data of the wrong width).
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Graph, Var};
    /// use flowppl::params::ParamStore;
    /// use flowppl::vae::{Posterior, Prior, Vae, VaeConfig};
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
    /// let graph = Graph::new(&device);
    /// let (log_likelihood, kl_term) = vae.log_weight_terms(&store, Some(&graph), &x, &mut seeded(1))?;
    /// assert_eq!(log_likelihood.shape(), (8, 1));
    /// let elbo = log_likelihood.add(&kl_term)?.sum();
    /// let mut grads = elbo.backward()?;
    /// assert!(store.gradient(&mut grads, "vae.encoder.0.weight")?.iter().any(|g| *g != 0.0));
    /// let wrong_width = Var::zeros(&device, 2, 3);
    /// assert!(vae.log_weight_terms(&store, None, &wrong_width, &mut seeded(1)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn log_weight_terms(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
        x: &Var<E, D>,
        rng: &mut Rng,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        if x.columns() != self.config.input {
            return Err(Error::invalid_shape(
                "Vae",
                format!(
                    "data have {} columns, the VAE takes {}",
                    x.columns(),
                    self.config.input
                ),
            ));
        }
        let (n, l) = (x.rows(), self.config.latent);
        let encoded = self.encoder.bind(store, graph)?.forward(x)?;
        let loc = encoded.slice_columns(0, l)?;
        let log_std = encoded.slice_columns(l, 2 * l)?;
        let noise: Vec<E> = standard_normals(rng, n * l).into_iter().map(real).collect();
        let eps = Var::from_vec(&x.device(), noise, n, l)?;
        let z0 = eps.mul(&log_std.exp())?.add(&loc)?;
        let log_q0 = (eps.square().sum_columns() * -0.5)
            .sub(&log_std.sum_columns())?
            .add_scalar(-0.5 * l as f64 * TAU.ln());
        let (z, log_q) = match &self.posterior {
            None => (z0, log_q0),
            Some(flow) => {
                let context = encoded.slice_columns(2 * l, encoded.columns())?;
                let (z, log_det) = flow.bind(store, graph)?.forward(&z0, Some(&context))?;
                (z, log_q0.sub(&log_det)?)
            }
        };
        let log_prior = match &self.prior {
            None => (z.square().sum_columns() * -0.5).add_scalar(-0.5 * l as f64 * TAU.ln()),
            Some(flow) => flow.bind(store, graph)?.log_prob(&z, None)?,
        };
        let decoded = self.decoder.bind(store, graph)?.forward(&z)?;
        Ok((self.log_likelihood(&decoded, x)?, log_prior.sub(&log_q)?))
    }

    /// `ln p(x | z)` per row from the decoder's output.
    fn log_likelihood(&self, decoded: &Var<E, D>, x: &Var<E, D>) -> Result<Var<E, D>> {
        let width = self.config.input;
        let gaussian = |mean: &Var<E, D>, log_sd: &Var<E, D>| -> Result<Var<E, D>> {
            Ok((x.sub(mean)?.mul(&(-log_sd).exp())?.square() * -0.5)
                .sub(log_sd)?
                .add_scalar(-0.5 * TAU.ln())
                .sum_columns())
        };
        match self.config.likelihood {
            Likelihood::Bernoulli => bernoulli_log_likelihood(decoded, x),
            Likelihood::Gaussian { sd } => {
                let log_sd = Var::full(&x.device(), 1, width, sd.ln());
                gaussian(decoded, &log_sd)
            }
            Likelihood::GaussianLearned => gaussian(
                &decoded.slice_columns(0, width)?,
                &decoded.slice_columns(width, 2 * width)?.clamp(-7.0, 7.0),
            ),
        }
    }

    /// The mean of `p(x | z)` for latent rows `z`: `sigmoid(dec(z))` (Bernoulli) or the
    /// decoder's mean.
    ///
    /// # Errors
    /// Shape errors.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::params::ParamStore;
    /// use flowppl::vae::{Posterior, Prior, Vae, VaeConfig};
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let config = VaeConfig {
    /// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
    /// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
    /// # };
    /// # let vae = Vae::<f64, Cpu>::new(config)?;
    /// # let mut store = ParamStore::new(&device);
    /// # vae.initialize(&mut store, &mut seeded(0))?;
    /// store.insert("vae.decoder.1.weight", 8, 4, &[0.0; 32])?; // the decoder now outputs 0
    /// let z = Var::from_rows(&device, &[[0.3, -1.0], [2.0, 0.5]])?;
    /// let means = vae.decode(&store, &z)?;
    /// assert_eq!(means.shape(), (2, 4));
    /// assert_eq!(means.to_f64_vec(), vec![0.5; 8]); // sigmoid(0), the Bernoulli mean
    /// # Ok(())
    /// # }
    /// ```
    pub fn decode(&self, store: &ParamStore<E, D>, z: &Var<E, D>) -> Result<Var<E, D>> {
        let decoded = self.decoder.bind(store, None)?.forward(z)?;
        match self.config.likelihood {
            Likelihood::Bernoulli => Ok(decoded.sigmoid()),
            Likelihood::Gaussian { .. } => Ok(decoded),
            Likelihood::GaussianLearned => decoded.slice_columns(0, self.config.input),
        }
    }

    /// The encoder's posterior mean `mu(x)` of each row (before any posterior flow).
    ///
    /// # Errors
    /// Shape errors.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::params::ParamStore;
    /// use flowppl::vae::{Posterior, Prior, Vae, VaeConfig};
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
    /// let mean = vae.encode_mean(&store, &x)?;
    /// assert_eq!(mean.shape(), (8, 2));
    /// // the first `latent` columns of the encoder's output
    /// let encoded = vae.encoder(&store)?.forward(&x)?.slice_columns(0, 2)?;
    /// assert_eq!(mean.to_f64_vec(), encoded.to_f64_vec());
    /// # Ok(())
    /// # }
    /// ```
    pub fn encode_mean(&self, store: &ParamStore<E, D>, x: &Var<E, D>) -> Result<Var<E, D>> {
        self.encoder
            .bind(store, None)?
            .forward(x)?
            .slice_columns(0, self.config.latent)
    }

    /// Reconstructions: the decoded mean at `mu(x)` for each row.
    ///
    /// # Errors
    /// Shape errors.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::params::ParamStore;
    /// use flowppl::vae::{Posterior, Prior, Vae, VaeConfig};
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
    /// let reconstructed = vae.reconstruct(&store, &x)?;
    /// assert_eq!(reconstructed.shape(), x.shape());
    /// let by_hand = vae.decode(&store, &vae.encode_mean(&store, &x)?)?;
    /// assert_eq!(reconstructed.to_f64_vec(), by_hand.to_f64_vec());
    /// # Ok(())
    /// # }
    /// ```
    pub fn reconstruct(&self, store: &ParamStore<E, D>, x: &Var<E, D>) -> Result<Var<E, D>> {
        self.decode(store, &self.encode_mean(store, x)?)
    }

    /// Latent interpolation: `steps` decoded means along the straight line between the
    /// encoder means of `a` and `b` (each one row), endpoints included.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for fewer than 2 steps or inputs that are not one row each.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::params::ParamStore;
    /// use flowppl::vae::{Posterior, Prior, Vae, VaeConfig};
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
    /// let (a, b) = (x.gather_rows(&[0])?, x.gather_rows(&[1])?);
    /// let path = vae.interpolate(&store, &a, &b, 5)?.to_f64_vec();
    /// assert_eq!(path.len(), 5 * 4);
    /// // the endpoints are the reconstructions of a and b
    /// let close = |p: &[f64], q: Vec<f64>| p.iter().zip(q).all(|(p, q)| (p - q).abs() < 1e-12);
    /// assert!(close(&path[..4], vae.reconstruct(&store, &a)?.to_f64_vec()));
    /// assert!(close(&path[16..], vae.reconstruct(&store, &b)?.to_f64_vec()));
    /// assert!(vae.interpolate(&store, &a, &b, 1).is_err()); // at least 2 steps
    /// # Ok(())
    /// # }
    /// ```
    pub fn interpolate(
        &self,
        store: &ParamStore<E, D>,
        a: &Var<E, D>,
        b: &Var<E, D>,
        steps: usize,
    ) -> Result<Var<E, D>> {
        if steps < 2 || a.rows() != 1 || b.rows() != 1 {
            return Err(Error::InvalidConfig {
                what: "VAE interpolation".into(),
                message: "needs two single rows and at least 2 steps".into(),
            });
        }
        let (za, zb) = (
            self.encode_mean(store, a)?.to_f64_vec(),
            self.encode_mean(store, b)?.to_f64_vec(),
        );
        let path: Vec<E> = (0..steps)
            .flat_map(|k| {
                let t = k as f64 / (steps - 1) as f64;
                za.iter()
                    .zip(&zb)
                    .map(move |(p, q)| real((1.0 - t) * p + t * q))
                    .collect::<Vec<_>>()
            })
            .collect();
        let z = Var::from_vec(store.device(), path, steps, self.config.latent)?;
        self.decode(store, &z)
    }

    /// `n` draws from the prior, decoded to the likelihood's means (Bernoulli probabilities, or
    /// the Gaussian decoder's mean).
    ///
    /// # Errors
    /// Backend errors.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu};
    /// use flowppl::params::ParamStore;
    /// use flowppl::vae::{Posterior, Prior, Vae, VaeConfig};
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let config = VaeConfig {
    /// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
    /// #     ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
    /// # };
    /// # let vae = Vae::<f64, Cpu>::new(config)?;
    /// # let mut store = ParamStore::new(&device);
    /// # vae.initialize(&mut store, &mut seeded(0))?;
    /// let means = vae.sample_means(&store, 6, &mut seeded(3))?;
    /// assert_eq!(means.shape(), (6, 4));
    /// assert!(means.to_f64_vec().iter().all(|&p| p > 0.0 && p < 1.0)); // Bernoulli means
    /// let again = vae.sample_means(&store, 6, &mut seeded(3))?;
    /// assert_eq!(means.to_f64_vec(), again.to_f64_vec()); // same seed, same draws
    /// # Ok(())
    /// # }
    /// ```
    pub fn sample_means(
        &self,
        store: &ParamStore<E, D>,
        n: usize,
        rng: &mut Rng,
    ) -> Result<Var<E, D>> {
        let l = self.config.latent;
        let z = match &self.prior {
            None => Var::from_vec(
                store.device(),
                standard_normals(rng, n * l).into_iter().map(real).collect(),
                n,
                l,
            )?,
            Some(flow) => flow
                .bind(store, None)?
                .sample(n, rng, store.device(), None)?,
        };
        self.decode(store, &z)
    }

    /// The encoder network alone (for latent interpolation and inspection).
    ///
    /// # Errors
    /// Missing parameters.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::params::ParamStore;
    /// use flowppl::vae::{Posterior, Prior, Vae, VaeConfig};
    /// # fn main() -> flowppl::Result<()> {
    /// # let device = Cpu::default();
    /// # let config = VaeConfig {
    /// #     input: 4, latent: 2, hidden: vec![8], context: 4, flow_hidden: vec![4],
    /// #     ..VaeConfig::t5(Posterior::Iaf(1), Prior::Normal)
    /// # };
    /// # let vae = Vae::<f64, Cpu>::new(config)?;
    /// # let mut store = ParamStore::new(&device);
    /// # vae.initialize(&mut store, &mut seeded(0))?;
    /// # let pixels: Vec<f64> = (0..32).map(|i| if i * 7 % 5 < 2 { 1.0 } else { 0.0 }).collect();
    /// # let x = Var::from_vec(&device, pixels, 8, 4)?; // 8 binary rows of 4 pixels
    /// // with a flow posterior: a mean and a log-sd per latent, then the context
    /// let encoded = vae.encoder(&store)?.forward(&x)?;
    /// assert_eq!(encoded.shape(), (8, 2 + 2 + 4));
    /// let empty = ParamStore::<f64, Cpu>::new(&device);
    /// assert!(vae.encoder(&empty).is_err()); // missing parameters
    /// # Ok(())
    /// # }
    /// ```
    pub fn encoder(&self, store: &ParamStore<E, D>) -> Result<BoundMlp<E, D>> {
        self.encoder.bind(store, None)
    }
}

/// `sum_j x_j logit_j - softplus(logit_j)` per row: the Bernoulli log-likelihood from logits.
fn bernoulli_log_likelihood<E: Real, D: Backend<E>>(
    logits: &Var<E, D>,
    x: &Var<E, D>,
) -> Result<Var<E, D>> {
    Ok(x.mul(logits)?.sub(&logits.softplus())?.sum_columns())
}
