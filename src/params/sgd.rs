//! Stochastic gradient descent with (Nesterov) momentum.

use super::clipping::GradientClipping;
use super::optimizer::{finite_gradients, Optimizer};
use super::optimizer_state::{buffers_to_device, buffers_to_host, OptimizerState};
use super::schedule::Schedule;
use super::store::ParamStore;
use crate::backend::{real, Backend, Gradients, Matrix, Real};
use crate::error::{Error, Result};
use dfdx::shapes::HasShape;
use std::collections::HashMap;

/// SGD with momentum `mu` (PyTorch's convention): `b = mu b + g`, `p -= lr_t b`; with Nesterov
/// momentum `p -= lr_t (g + mu b)` (Sutskever et al. 2013).
#[derive(Debug, Clone)]
pub struct Sgd<E: Real, D: Backend<E>> {
    learning_rate: f64,
    momentum: f64,
    nesterov: bool,
    clipping: GradientClipping,
    schedule: Schedule,
    steps: u64,
    buffers: HashMap<String, Matrix<E, D>>,
}

impl<E: Real, D: Backend<E>> Sgd<E, D> {
    /// Plain SGD with learning rate `lr`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a non-positive or non-finite learning rate.
    pub fn new(lr: f64) -> Result<Self> {
        if !(lr > 0.0 && lr.is_finite()) {
            return Err(Error::InvalidConfig {
                what: "SGD learning rate".into(),
                message: format!("must be positive and finite, got {lr}"),
            });
        }
        Ok(Sgd {
            learning_rate: lr,
            momentum: 0.0,
            nesterov: false,
            clipping: GradientClipping::None,
            schedule: Schedule::Constant,
            steps: 0,
            buffers: HashMap::new(),
        })
    }

    /// Sets the momentum `mu` and whether it is Nesterov's.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] unless `mu` is in `[0, 1)`.
    pub fn with_momentum(mut self, momentum: f64, nesterov: bool) -> Result<Self> {
        if !(0.0..1.0).contains(&momentum) {
            return Err(Error::InvalidConfig {
                what: "SGD momentum".into(),
                message: format!("must be in [0, 1), got {momentum}"),
            });
        }
        self.momentum = momentum;
        self.nesterov = nesterov;
        Ok(self)
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

impl<E: Real, D: Backend<E>> Optimizer<E, D> for Sgd<E, D> {
    fn step(&mut self, store: &mut ParamStore<E, D>, grads: &mut Gradients<E, D>) -> Result<()> {
        let gradients = self.clipping.apply(finite_gradients(store, grads)?);
        let lr = self.learning_rate();
        self.steps += 1;
        let (mu, nesterov) = (self.momentum, self.nesterov);
        let buffers = &mut self.buffers;
        store.for_each_mut(|i, name, p| {
            let g = &gradients[i];
            let direction = if mu == 0.0 {
                g.clone()
            } else {
                let shape = *p.shape();
                let buffer = buffers
                    .entry(name.to_string())
                    .or_insert_with(|| p.device().zeros_like(&shape));
                if *buffer.shape() != shape {
                    *buffer = p.device().zeros_like(&shape);
                }
                buffer.axpy(mu, g, 1.0);
                if nesterov {
                    g.clone() + buffer.clone() * real::<E>(mu)
                } else {
                    buffer.clone()
                }
            };
            p.axpy(1.0, &direction, -lr);
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
        Ok(OptimizerState {
            kind: "sgd".into(),
            steps: self.steps,
            buffers: buffers_to_host(self.buffers.iter().map(|(n, b)| (n.clone(), b))),
        })
    }

    fn restore_state(&mut self, state: &OptimizerState, device: &D) -> Result<()> {
        self.buffers = buffers_to_device(state, "sgd", device)?;
        self.steps = state.steps;
        Ok(())
    }
}
