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
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
/// store.insert("p", 1, 1, &[0.0])?;
/// let mut adam = Adam::<f64, Cpu>::new(0.1)?;
/// let graph = Graph::new(store.device());
/// let p = store.var(&graph, "p")?;
/// let mut grads = (&p - 1.0).square().sum().backward()?;
/// adam.step(&mut store, &mut grads)?;
/// // Adam's first step moves each entry by lr against the sign of its gradient.
/// assert!((store.values("p")?[0] - 0.1).abs() < 1e-6);
/// # Ok(())
/// # }
/// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let adam = Adam::<f64, Cpu>::new(0.05)?;
    /// assert_eq!(adam.learning_rate(), 0.05);
    /// assert!(matches!(Adam::<f64, Cpu>::new(0.0), Err(Error::InvalidConfig { .. })));
    /// assert!(Adam::<f64, Cpu>::new(f64::NAN).is_err());
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn step(
    /// #     opt: &mut impl Optimizer<f64, Cpu>,
    /// #     store: &mut ParamStore<f64, Cpu>,
    /// # ) -> flowppl::Result<()> {
    /// #     let graph = Graph::new(store.device());
    /// #     let p = store.var(&graph, "p")?;
    /// #     let mut grads = (&p - 1.0).square().sum().backward()?;
    /// #     opt.step(store, &mut grads)
    /// # }
    /// # fn main() -> flowppl::Result<()> {
    /// # let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// // `step` takes one optimizer step on the loss (p - 1)^2, whose gradient is 2 (p - 1).
    /// store.insert("p", 1, 1, &[0.0])?;
    /// let mut adam = Adam::<f64, Cpu>::clipped(0.1, 1.0, 0.9)?;
    /// step(&mut adam, &mut store)?;
    /// assert!((adam.learning_rate() - 0.09).abs() < 1e-12); // decayed by `lrd` once
    /// assert!(Adam::<f64, Cpu>::clipped(0.1, 0.0, 0.9).is_err()); // the clip must be positive
    /// assert!(Adam::<f64, Cpu>::clipped(0.1, 1.0, 1.5).is_err()); // `lrd` must be in (0, 1]
    /// # Ok(())
    /// # }
    /// ```
    pub fn clipped(lr: f64, clip: f64, lrd: f64) -> Result<Self> {
        Self::new(lr)?
            .with_clipping(GradientClipping::Value(clip))?
            .with_schedule(Schedule::Exponential { gamma: lrd })
    }

    /// Sets the moment decay rates.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless both are in `[0, 1)`.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn step(
    /// #     opt: &mut impl Optimizer<f64, Cpu>,
    /// #     store: &mut ParamStore<f64, Cpu>,
    /// # ) -> flowppl::Result<()> {
    /// #     let graph = Graph::new(store.device());
    /// #     let p = store.var(&graph, "p")?;
    /// #     let mut grads = (&p - 1.0).square().sum().backward()?;
    /// #     opt.step(store, &mut grads)
    /// # }
    /// # fn main() -> flowppl::Result<()> {
    /// # let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// // `step` takes one optimizer step on the loss (p - 1)^2, whose gradient is 2 (p - 1).
    /// store.insert("p", 1, 1, &[0.0])?;
    /// let mut adam = Adam::<f64, Cpu>::new(0.1)?.with_betas(0.5, 0.9)?;
    /// step(&mut adam, &mut store)?; // gradient -2
    /// let state = adam.state()?; // buffers `p/m`, `p/v`
    /// assert!((state.buffers[0].values[0] + 1.0).abs() < 1e-12); // m = (1 - beta1) g
    /// assert!((state.buffers[1].values[0] - 0.4).abs() < 1e-12); // v = (1 - beta2) g^2
    /// assert!(Adam::<f64, Cpu>::new(0.1)?.with_betas(1.0, 0.9).is_err());
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless positive and finite.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn step(
    /// #     opt: &mut impl Optimizer<f64, Cpu>,
    /// #     store: &mut ParamStore<f64, Cpu>,
    /// # ) -> flowppl::Result<()> {
    /// #     let graph = Graph::new(store.device());
    /// #     let p = store.var(&graph, "p")?;
    /// #     let mut grads = (&p - 1.0).square().sum().backward()?;
    /// #     opt.step(store, &mut grads)
    /// # }
    /// # fn main() -> flowppl::Result<()> {
    /// # let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// // `step` takes one optimizer step on the loss (p - 1)^2, whose gradient is 2 (p - 1).
    /// store.insert("p", 1, 1, &[0.0])?;
    /// let mut adam = Adam::<f64, Cpu>::new(0.1)?.with_epsilon(2.0)?;
    /// assert!(Adam::<f64, Cpu>::new(0.1)?.with_epsilon(-1.0).is_err());
    /// step(&mut adam, &mut store)?; // gradient -2: the update is -2 / (2 + eps) = -0.5
    /// assert!((store.values("p")?[0] - 0.05).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_epsilon(mut self, epsilon: f64) -> Result<Self> {
        if !(epsilon.is_finite() && epsilon > 0.0) {
            return Err(Error::InvalidConfig {
                what: "Adam epsilon".into(),
                message: format!("must be positive and finite, got {epsilon}"),
            });
        }
        self.epsilon = epsilon;
        Ok(self)
    }

    /// Adds `decay * p` to every gradient (classic L2 regularisation).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless non-negative and finite.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn step(
    /// #     opt: &mut impl Optimizer<f64, Cpu>,
    /// #     store: &mut ParamStore<f64, Cpu>,
    /// # ) -> flowppl::Result<()> {
    /// #     let graph = Graph::new(store.device());
    /// #     let p = store.var(&graph, "p")?;
    /// #     let mut grads = (&p - 1.0).square().sum().backward()?;
    /// #     opt.step(store, &mut grads)
    /// # }
    /// # fn main() -> flowppl::Result<()> {
    /// # let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// // `step` takes one optimizer step on the loss (p - 1)^2, whose gradient is 2 (p - 1).
    /// store.insert("p", 1, 1, &[1.0])?; // at the minimum: the loss gradient is 0
    /// let mut adam = Adam::<f64, Cpu>::new(0.1)?.with_weight_decay(0.5)?;
    /// assert!(Adam::<f64, Cpu>::new(0.1)?.with_weight_decay(f64::NAN).is_err());
    /// step(&mut adam, &mut store)?; // the decay term 0.5 p pulls p towards 0
    /// assert!((store.values("p")?[0] - 0.9).abs() < 1e-6);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_weight_decay(mut self, decay: f64) -> Result<Self> {
        if !(decay.is_finite() && decay >= 0.0) {
            return Err(Error::InvalidConfig {
                what: "Adam weight decay".into(),
                message: format!("must be non-negative and finite, got {decay}"),
            });
        }
        self.weight_decay = decay;
        Ok(self)
    }

    /// Sets gradient clipping.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an invalid threshold.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn step(
    /// #     opt: &mut impl Optimizer<f64, Cpu>,
    /// #     store: &mut ParamStore<f64, Cpu>,
    /// # ) -> flowppl::Result<()> {
    /// #     let graph = Graph::new(store.device());
    /// #     let p = store.var(&graph, "p")?;
    /// #     let mut grads = (&p - 1.0).square().sum().backward()?;
    /// #     opt.step(store, &mut grads)
    /// # }
    /// # fn main() -> flowppl::Result<()> {
    /// # let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// // `step` takes one optimizer step on the loss (p - 1)^2, whose gradient is 2 (p - 1).
    /// store.insert("p", 1, 1, &[0.0])?;
    /// let mut adam = Adam::<f64, Cpu>::new(0.1)?.with_clipping(GradientClipping::Value(0.5))?;
    /// step(&mut adam, &mut store)?; // gradient -2, clipped to -0.5
    /// let m = adam.state()?.buffers[0].values[0]; // `p/m` = (1 - beta1) g
    /// assert!((m + 0.05).abs() < 1e-12);
    /// let zero_norm = GradientClipping::GlobalNorm(0.0);
    /// assert!(Adam::<f64, Cpu>::new(0.1)?.with_clipping(zero_norm).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_clipping(mut self, clipping: GradientClipping) -> Result<Self> {
        clipping.validate()?;
        self.clipping = clipping;
        Ok(self)
    }

    /// Sets the learning-rate schedule.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for invalid schedule parameters.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn step(
    /// #     opt: &mut impl Optimizer<f64, Cpu>,
    /// #     store: &mut ParamStore<f64, Cpu>,
    /// # ) -> flowppl::Result<()> {
    /// #     let graph = Graph::new(store.device());
    /// #     let p = store.var(&graph, "p")?;
    /// #     let mut grads = (&p - 1.0).square().sum().backward()?;
    /// #     opt.step(store, &mut grads)
    /// # }
    /// # fn main() -> flowppl::Result<()> {
    /// # let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// // `step` takes one optimizer step on the loss (p - 1)^2, whose gradient is 2 (p - 1).
    /// store.insert("p", 1, 1, &[0.0])?;
    /// let halving = Schedule::Step { every: 1, gamma: 0.5 };
    /// let mut adam = Adam::<f64, Cpu>::new(0.1)?.with_schedule(halving)?;
    /// assert_eq!(adam.learning_rate(), 0.1);
    /// step(&mut adam, &mut store)?;
    /// assert_eq!(adam.learning_rate(), 0.05);
    /// let growing = Schedule::Exponential { gamma: 2.0 };
    /// assert!(Adam::<f64, Cpu>::new(0.1)?.with_schedule(growing).is_err());
    /// # Ok(())
    /// # }
    /// ```
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
