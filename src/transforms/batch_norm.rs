//! Batch-normalisation flow layer (Dinh et al. 2017, RealNVP, arXiv:1605.08803, section 3.6;
//! used between MAF layers by Papamakarios et al. 2017, arXiv:1705.07057).

use super::bijector::Bijector;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::{Error, Result};
use crate::flows::FlowLayer;
use crate::params::{Init, ParamStore};
use std::cell::RefCell;
use std::rc::Rc;

/// Batch statistics waiting to be folded into the running moments.
type PendingMoments = Rc<RefCell<Option<(Vec<f64>, Vec<f64>)>>>;

/// Density direction (data `x` to noise `y`):
/// `y = (x - m) / sqrt(v + eps) * exp(log_gamma) + beta`, with
/// `log |det J| = sum_j (log_gamma_j - ln(v_j + eps) / 2)`.
///
/// While training (bound on a graph) the inverse uses the minibatch mean `m` and (biased)
/// variance `v`, gradients flowing through them, and records them; [`FlowLayer::update_state`]
/// then folds them into running moments `m <- (1 - momentum) m + momentum m_batch` (same for
/// `v`). Bound without a graph, and always in the sampling direction, the layer uses the running
/// moments, so it is an exact per-row bijection there. The running moments are stored as
/// `{name}.running_mean` and `{name}.running_var` in the parameter store (read as constants; an
/// optimizer's weight decay would touch them, but each update overwrites them from their own
/// previous value).
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::BatchNorm;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let layer = BatchNorm::new("bn", 2);
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// // Running moments from the data: means (2, 12), variances (1, 4).
/// let data = Var::from_rows(&dev, &[[1.0, 10.0], [3.0, 14.0]])?;
/// layer.initialize_from_data(&mut store, &data)?;
/// let (y, log_det) = layer.bind(&store, None)?.inverse(&data, None)?;
/// assert!(y.to_vec().iter().zip([-1.0, -1.0, 1.0, 1.0]).all(|(a, b)| (a - b).abs() < 1e-4));
/// let expected = -0.5 * ((1.0f64 + 1e-5).ln() + (4.0f64 + 1e-5).ln());
/// assert!((log_det.to_vec()[0] - expected).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct BatchNorm {
    name: String,
    dimension: usize,
    momentum: f64,
    epsilon: f64,
    pending: PendingMoments,
}

impl BatchNorm {
    /// A batch-norm layer on `R^dimension` with momentum 0.1 and epsilon 1e-5 (PyTorch's and
    /// Pyro's defaults).
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Graph, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::BatchNorm;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let layer = BatchNorm::new("bn", 2);
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// // A training pass (bound on a graph) records the batch means (2, 12) ...
    /// let graph = Graph::new(&dev);
    /// let x = Var::from_rows(&dev, &[[1.0, 10.0], [3.0, 14.0]])?;
    /// layer.bind(&store, Some(&graph))?.inverse(&x, None)?;
    /// // ... which the update folds in with momentum 0.1, from running means of 0.
    /// layer.update_state(&mut store)?;
    /// let mean = store.values("bn.running_mean")?;
    /// assert!((mean[0] - 0.2).abs() < 1e-12 && (mean[1] - 1.2).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(name: &str, dimension: usize) -> Self {
        BatchNorm {
            name: name.to_string(),
            dimension,
            momentum: 0.1,
            epsilon: 1e-5,
            pending: Rc::new(RefCell::new(None)),
        }
    }

    /// Sets the running-moment momentum, in `(0, 1]`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] outside `(0, 1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Graph, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::BatchNorm;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// assert!(BatchNorm::new("bn", 2).with_momentum(0.0).is_err());
    /// let layer = BatchNorm::new("bn", 2).with_momentum(1.0)?;
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// let x = Var::from_rows(&dev, &[[1.0, 10.0], [3.0, 14.0]])?;
    /// layer.bind(&store, Some(&Graph::new(&dev)))?.inverse(&x, None)?;
    /// layer.update_state(&mut store)?;
    /// // Momentum 1 replaces the running moments by the batch's.
    /// assert_eq!(store.values("bn.running_var")?, vec![1.0, 4.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_momentum(mut self, momentum: f64) -> Result<Self> {
        if !(momentum > 0.0 && momentum <= 1.0) {
            return Err(Error::InvalidConfig {
                what: format!("BatchNorm `{}` momentum", self.name),
                message: format!("must lie in (0, 1], got {momentum}"),
            });
        }
        self.momentum = momentum;
        Ok(self)
    }

    fn key(&self, what: &str) -> String {
        format!("{}.{what}", self.name)
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for BatchNorm {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        let d = self.dimension;
        store.get_or_init(&self.key("log_gamma"), 1, d, &Init::Zeros, rng)?;
        store.get_or_init(&self.key("beta"), 1, d, &Init::Zeros, rng)?;
        store.get_or_init(&self.key("running_mean"), 1, d, &Init::Zeros, rng)?;
        store.get_or_init(&self.key("running_var"), 1, d, &Init::Constant(1.0), rng)
    }
    fn initialize_from_data(&self, store: &mut ParamStore<E, D>, x: &Var<E, D>) -> Result<()> {
        let (mean, var) = column_moments(x);
        store.insert(&self.key("running_mean"), 1, self.dimension, &mean)?;
        store.insert(&self.key("running_var"), 1, self.dimension, &var)
    }
    fn update_state(&self, store: &mut ParamStore<E, D>) -> Result<()> {
        let Some((mean, var)) = self.pending.borrow_mut().take() else {
            return Ok(());
        };
        let m = self.momentum;
        let blend = |old: Vec<E>, new: &[f64]| -> Vec<f64> {
            old.iter()
                .zip(new)
                .map(|(o, n)| (1.0 - m) * Real::to_f64(*o) + m * n)
                .collect()
        };
        let running_mean = blend(store.values(&self.key("running_mean"))?, &mean);
        let running_var = blend(store.values(&self.key("running_var"))?, &var);
        store.insert(&self.key("running_mean"), 1, self.dimension, &running_mean)?;
        store.insert(&self.key("running_var"), 1, self.dimension, &running_var)
    }
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        Ok(Box::new(BoundBatchNorm {
            log_gamma: store.read(&self.key("log_gamma"), graph)?,
            beta: store.read(&self.key("beta"), graph)?,
            running_mean: store.value(&self.key("running_mean"))?,
            running_var: store.value(&self.key("running_var"))?,
            epsilon: self.epsilon,
            pending: graph.map(|_| Rc::clone(&self.pending)),
        }))
    }
}

/// Per-column mean and biased variance of `x`, on the host.
fn column_moments<E: Real, D: Backend<E>>(x: &Var<E, D>) -> (Vec<f64>, Vec<f64>) {
    let (n, d) = (x.rows(), x.columns());
    let values = x.to_f64_vec();
    let mean: Vec<f64> = (0..d)
        .map(|j| (0..n).map(|i| values[i * d + j]).sum::<f64>() / n as f64)
        .collect();
    let var = (0..d)
        .map(|j| {
            (0..n)
                .map(|i| (values[i * d + j] - mean[j]).powi(2))
                .sum::<f64>()
                / n as f64
        })
        .collect();
    (mean, var)
}

/// A [`BatchNorm`] layer with its parameters for one step. `pending` is set when bound for
/// training: the inverse then uses and records batch statistics.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::BatchNorm;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// let layer = BatchNorm::new("bn", 2);
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// store.insert("bn.log_gamma", 1, 2, &[0.5, -0.25])?;
/// // Bound without a graph it uses the running moments: an exact bijection per row.
/// let bound = layer.bind(&store, None)?;
/// let y = Var::from_rows(&dev, &[[0.3, -2.0]])?;
/// let (x, log_det) = bound.forward(&y, None)?;
/// let (back, inverse_log_det) = bound.inverse(&x, None)?;
/// assert!(back.to_vec().iter().zip(y.to_vec()).all(|(a, b)| (a - b).abs() < 1e-12));
/// assert!((log_det.to_vec()[0] + inverse_log_det.to_vec()[0]).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub struct BoundBatchNorm<E: Real, D: Backend<E>> {
    log_gamma: Var<E, D>,
    beta: Var<E, D>,
    running_mean: Var<E, D>,
    running_var: Var<E, D>,
    epsilon: f64,
    pending: Option<PendingMoments>,
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundBatchNorm<E, D> {
    fn name(&self) -> &'static str {
        "BatchNorm"
    }
    fn forward(&self, y: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let log_sd = self.running_var.add_scalar(self.epsilon).ln() * 0.5;
        let x = y
            .sub(&self.beta)?
            .mul(&log_sd.sub(&self.log_gamma)?.exp())?
            .add(&self.running_mean)?;
        let log_det = log_sd.sub(&self.log_gamma)?.sum();
        Ok((x, log_det.broadcast_to(y.rows(), 1)?))
    }
    fn inverse(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let (mean, var) = match &self.pending {
            Some(pending) if x.rows() > 1 => {
                let mean = x.mean_rows();
                let var = x.sub(&mean)?.square().mean_rows();
                *pending.borrow_mut() = Some(column_moments(x));
                (mean, var)
            }
            _ => (self.running_mean.clone(), self.running_var.clone()),
        };
        let log_sd = var.add_scalar(self.epsilon).ln() * 0.5;
        let y = x
            .sub(&mean)?
            .mul(&self.log_gamma.sub(&log_sd)?.exp())?
            .add(&self.beta)?;
        let log_det = self.log_gamma.sub(&log_sd)?.sum();
        Ok((y, log_det.broadcast_to(x.rows(), 1)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::rng::seeded;
    use crate::backend::TestDevice;

    #[test]
    fn training_uses_batch_moments_and_updates_the_running_ones() {
        let device = TestDevice::default();
        let layer = BatchNorm::new("bn", 2).with_momentum(0.5).unwrap();
        let mut store = ParamStore::<f64, TestDevice>::new(&device);
        FlowLayer::<f64, TestDevice>::initialize(&layer, &mut store, &mut seeded(0)).unwrap();
        let x = Var::from_vec(&device, vec![1.0, 10.0, 3.0, 14.0], 2, 2).unwrap();
        let graph = Graph::new(&device);
        let bound = layer.bind(&store, Some(&graph)).unwrap();
        let (y, log_det) = bound.inverse(&x, None).unwrap();
        // Batch mean (2, 12), variance (1, 4): standardised rows are -1 and +1.
        let y = y.to_f64_vec();
        for (got, want) in y.iter().zip([-1.0, -1.0, 1.0, 1.0]) {
            assert!((got - want).abs() < 1e-4, "{got} vs {want}");
        }
        let expected_log_det = -0.5 * ((1.0f64 + 1e-5).ln() + (4.0f64 + 1e-5).ln());
        assert!((log_det.to_f64_vec()[0] - expected_log_det).abs() < 1e-9);
        FlowLayer::<f64, TestDevice>::update_state(&layer, &mut store).unwrap();
        // Running moments start at (0, 1): halfway to the batch's.
        let mean = store.values("bn.running_mean").unwrap();
        let var = store.values("bn.running_var").unwrap();
        assert_eq!(mean, vec![1.0, 6.0]);
        assert_eq!(var, vec![1.0, 2.5]);
        // Without a graph the running moments are used, and nothing is recorded.
        let evaluation = layer.bind(&store, None).unwrap();
        let (y, _) = evaluation.inverse(&x, None).unwrap();
        assert!((y.to_f64_vec()[1] - (10.0 - 6.0) / (2.5f64 + 1e-5).sqrt()).abs() < 1e-9);
        FlowLayer::<f64, TestDevice>::update_state(&layer, &mut store).unwrap();
        assert_eq!(store.values("bn.running_mean").unwrap(), vec![1.0, 6.0]);
    }

    #[test]
    fn momentum_outside_the_unit_interval_is_refused() {
        let error = BatchNorm::new("bn", 2).with_momentum(0.0).unwrap_err();
        assert!(error.to_string().contains("bn"), "{error}");
    }
}
