//! Adam (Kingma & Ba 2015, arXiv:1412.6980), bias-corrected, updating parameters in place.

use super::adam_host::{host_adam_step, HostAdamStep, HostMoments};
use super::clipping::GradientClipping;
use super::optimizer::{finite_gradients, Optimizer};
use super::optimizer_state::{buffers_to_device, buffers_to_host, OptimizerState};
use super::schedule::Schedule;
use super::snapshot::SnapshotEntry;
use super::store::ParamStore;
use crate::backend::{real, Backend, Gradients, Matrix, Real};
use crate::error::{Error, Result};
use dfdx::shapes::HasShape;
use std::collections::HashMap;

/// Adam's running first and second moments of one parameter.
type Moments<E, D> = (Matrix<E, D>, Matrix<E, D>);

/// Adam with optional gradient clipping, L2 weight decay and a learning-rate schedule.
///
/// With `g` the (clipped) gradient at step `t` (1-based):
/// `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
/// `p -= lr_t * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`, `lr_t = lr * schedule(t - 1)`.
///
/// Pyro's `ClippedAdam(lr, clip_norm, lrd)` is [`Adam::clipped`].
#[derive(Debug, Clone)]
pub struct Adam<E: Real, D: Backend<E>> {
    learning_rate: f64,
    beta1: f64,
    beta2: f64,
    epsilon: f64,
    weight_decay: f64,
    clipping: GradientClipping,
    schedule: Schedule,
    steps: u64,
    /// First and second moments per parameter name (devices without host buffers).
    moments: HashMap<String, Moments<E, D>>,
    /// The same on the host, with host copies of the values (devices with host buffers).
    host: HashMap<String, HostMoments<E>>,
}

impl<E: Real, D: Backend<E>> Adam<E, D> {
    /// Adam with `lr`, `beta1 = 0.9`, `beta2 = 0.999`, `eps = 1e-8`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a non-positive or non-finite learning rate.
    pub fn new(lr: f64) -> Result<Self> {
        if !(lr > 0.0 && lr.is_finite()) {
            return Err(Error::InvalidConfig {
                what: "Adam learning rate".into(),
                message: format!("must be positive and finite, got {lr}"),
            });
        }
        Ok(Adam {
            learning_rate: lr,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            weight_decay: 0.0,
            clipping: GradientClipping::None,
            schedule: Schedule::Constant,
            steps: 0,
            moments: HashMap::new(),
            host: HashMap::new(),
        })
    }

    /// Pyro's `ClippedAdam`: each gradient entry clamped to `[-clip, clip]` and the learning
    /// rate multiplied by `lrd` every step.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for invalid values.
    pub fn clipped(lr: f64, clip: f64, lrd: f64) -> Result<Self> {
        Self::new(lr)?
            .with_clipping(GradientClipping::Value(clip))?
            .with_schedule(Schedule::Exponential { gamma: lrd })
    }

    /// Sets the moment decay rates.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless both are in `[0, 1)`.
    pub fn with_betas(mut self, beta1: f64, beta2: f64) -> Result<Self> {
        if !((0.0..1.0).contains(&beta1) && (0.0..1.0).contains(&beta2)) {
            return Err(Error::InvalidConfig {
                what: "Adam betas".into(),
                message: format!("both must be in [0, 1), got ({beta1}, {beta2})"),
            });
        }
        self.beta1 = beta1;
        self.beta2 = beta2;
        Ok(self)
    }

    /// Sets epsilon (default 1e-8).
    pub fn with_epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon.abs();
        self
    }

    /// Adds `decay * p` to every gradient (classic L2 regularisation).
    pub fn with_weight_decay(mut self, decay: f64) -> Self {
        self.weight_decay = decay;
        self
    }

    /// Sets gradient clipping.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an invalid threshold.
    pub fn with_clipping(mut self, clipping: GradientClipping) -> Result<Self> {
        clipping.validate()?;
        self.clipping = clipping;
        Ok(self)
    }

    /// Sets the learning-rate schedule.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for invalid schedule parameters.
    pub fn with_schedule(mut self, schedule: Schedule) -> Result<Self> {
        schedule.validate()?;
        self.schedule = schedule;
        Ok(self)
    }
}

impl<E: Real, D: Backend<E>> Optimizer<E, D> for Adam<E, D> {
    fn step(&mut self, store: &mut ParamStore<E, D>, grads: &mut Gradients<E, D>) -> Result<()> {
        if D::HOST_BUFFERS && crate::backend::fused_kernels_enabled() {
            // Moments restored into tensors move to the host first.
            for (name, (m, v)) in self.moments.drain() {
                let shape = *m.shape();
                self.host
                    .insert(name, HostMoments::new(m.as_vec(), v.as_vec(), shape));
            }
            let settings = HostAdamStep {
                learning_rate: self.learning_rate(),
                beta1: self.beta1,
                beta2: self.beta2,
                epsilon: self.epsilon,
                weight_decay: self.weight_decay,
                clipping: self.clipping,
                step: (self.steps + 1) as i32,
            };
            // The learning rate of step t is read before t is counted, as below.
            if host_adam_step(&settings, &mut self.host, store, grads)? {
                self.steps += 1;
                return Ok(());
            }
        }
        let gradients = self.clipping.apply(finite_gradients(store, grads)?);
        let lr = self.learning_rate();
        self.steps += 1;
        let t = self.steps as i32;
        let (b1, b2) = (self.beta1, self.beta2);
        let bias1 = 1.0 - b1.powi(t);
        let bias2 = 1.0 - b2.powi(t);
        let (eps, decay) = (self.epsilon, self.weight_decay);
        let moments = &mut self.moments;
        store.for_each_mut(|i, name, p| {
            let mut g = gradients[i].clone();
            if decay != 0.0 {
                g = g + p.clone() * real::<E>(decay);
            }
            let shape = *p.shape();
            let entry = moments
                .entry(name.to_string())
                .or_insert_with(|| (p.device().zeros_like(&shape), p.device().zeros_like(&shape)));
            if *entry.0.shape() != shape {
                // The parameter was replaced by one of another shape: start its moments afresh.
                *entry = (p.device().zeros_like(&shape), p.device().zeros_like(&shape));
            }
            let (m, v) = entry;
            m.axpy(b1, &g, 1.0 - b1);
            v.axpy(b2, &g.square(), 1.0 - b2);
            let m_hat = m.clone() * real::<E>(1.0 / bias1);
            let v_hat = v.clone() * real::<E>(1.0 / bias2);
            let update = m_hat / (v_hat.sqrt() + real::<E>(eps));
            p.axpy(1.0, &update, -lr);
            Ok(())
        })
    }

    fn learning_rate(&self) -> f64 {
        self.learning_rate * self.schedule.factor(self.steps)
    }

    fn steps_taken(&self) -> u64 {
        self.steps
    }

    fn state(&self) -> Result<OptimizerState> {
        let mut buffers = buffers_to_host(
            self.moments
                .iter()
                .flat_map(|(name, (m, v))| [(format!("{name}/m"), m), (format!("{name}/v"), v)]),
        );
        for (name, state) in &self.host {
            for (suffix, values) in [("m", &state.m), ("v", &state.v)] {
                buffers.push(SnapshotEntry {
                    name: format!("{name}/{suffix}"),
                    rows: state.shape.0,
                    columns: state.shape.1,
                    values: values.iter().map(|&v| Real::to_f64(v)).collect(),
                });
            }
        }
        buffers.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(OptimizerState {
            kind: "adam".into(),
            steps: self.steps,
            buffers,
        })
    }

    fn restore_state(&mut self, state: &OptimizerState, device: &D) -> Result<()> {
        let mut buffers = buffers_to_device(state, "adam", device)?;
        let mut moments = HashMap::new();
        let names: Vec<String> = buffers
            .keys()
            .filter_map(|k| k.strip_suffix("/m").map(str::to_string))
            .collect();
        for name in names {
            let (Some(m), Some(v)) = (
                buffers.remove(&format!("{name}/m")),
                buffers.remove(&format!("{name}/v")),
            ) else {
                return Err(Error::InvalidConfig {
                    what: format!("Adam state of parameter `{name}`"),
                    message: "needs both moments, `/m` and `/v`".into(),
                });
            };
            moments.insert(name, (m, v));
        }
        if let Some(extra) = buffers.keys().next() {
            return Err(Error::InvalidConfig {
                what: format!("Adam state buffer `{extra}`"),
                message: "not a first (`/m`) or second (`/v`) moment".into(),
            });
        }
        self.moments = moments;
        self.host.clear();
        self.steps = state.steps;
        Ok(())
    }
}
