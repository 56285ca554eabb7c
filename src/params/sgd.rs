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
/// let mut sgd = Sgd::<f64, Cpu>::new(0.1)?.with_momentum(0.9, true)?;
/// step(&mut sgd, &mut store)?; // g = -2, b = g, p -= 0.1 (g + 0.9 b)
/// assert!((store.values("p")?[0] - 0.38).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let sgd = Sgd::<f64, Cpu>::new(0.01)?;
    /// assert_eq!((sgd.learning_rate(), sgd.steps_taken()), (0.01, 0));
    /// assert!(matches!(Sgd::<f64, Cpu>::new(-1.0), Err(Error::InvalidConfig { .. })));
    /// # Ok(())
    /// # }
    /// ```
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
    /// let mut sgd = Sgd::<f64, Cpu>::new(0.1)?.with_momentum(0.9, false)?;
    /// step(&mut sgd, &mut store)?; // g = -2: b = -2, p = 0.2
    /// step(&mut sgd, &mut store)?; // g = -1.6: b = 0.9 (-2) - 1.6 = -3.4, p = 0.2 + 0.34
    /// assert!((store.values("p")?[0] - 0.54).abs() < 1e-12);
    /// assert!(Sgd::<f64, Cpu>::new(0.1)?.with_momentum(1.0, false).is_err());
    /// # Ok(())
    /// # }
    /// ```
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
    /// let mut sgd = Sgd::<f64, Cpu>::new(0.1)?.with_clipping(GradientClipping::Value(0.5))?;
    /// step(&mut sgd, &mut store)?; // gradient -2, clipped to -0.5
    /// assert!((store.values("p")?[0] - 0.05).abs() < 1e-12);
    /// assert!(Sgd::<f64, Cpu>::new(0.1)?.with_clipping(GradientClipping::Value(-1.0)).is_err());
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
    /// let mut sgd = Sgd::<f64, Cpu>::new(0.1)?.with_schedule(halving)?;
    /// step(&mut sgd, &mut store)?; // lr 0.1, g = -2: p = 0.2
    /// step(&mut sgd, &mut store)?; // lr 0.05, g = -1.6: p = 0.28
    /// assert!((store.values("p")?[0] - 0.28).abs() < 1e-12);
    /// let empty = Schedule::Cosine { total: 0, final_fraction: 0.0 };
    /// assert!(Sgd::<f64, Cpu>::new(0.1)?.with_schedule(empty).is_err());
    /// # Ok(())
    /// # }
    /// ```
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
