//! ActNorm (Kingma & Dhariwal 2018, Glow, arXiv:1807.03039).

use super::bijector::Bijector;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::Result;
use crate::flows::FlowLayer;
use crate::params::{Init, ParamStore};

/// A learnable elementwise affine map `x = z exp(log_scale) + loc` (sampling direction),
/// `log |det J| = sum log_scale`. Data-dependent initialisation
/// ([`FlowLayer::initialize_from_data`]) sets `loc` and `log_scale` to the mean and log standard
/// deviation of the data reaching the layer, so the density pass starts by standardising it.
#[derive(Debug, Clone)]
pub struct ActNorm {
    name: String,
    dimension: usize,
}

impl ActNorm {
    /// An ActNorm layer on `R^dimension` named `name`.
    pub fn new(name: &str, dimension: usize) -> Self {
        ActNorm {
            name: name.to_string(),
            dimension,
        }
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for ActNorm {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        store.get_or_init(
            &format!("{}.loc", self.name),
            1,
            self.dimension,
            &Init::Zeros,
            rng,
        )?;
        store.get_or_init(
            &format!("{}.log_scale", self.name),
            1,
            self.dimension,
            &Init::Zeros,
            rng,
        )
    }
    fn initialize_from_data(&self, store: &mut ParamStore<E, D>, x: &Var<E, D>) -> Result<()> {
        let n = x.rows() as f64;
        let values = x.to_f64_vec();
        let d = self.dimension;
        let mean: Vec<f64> = (0..d)
            .map(|j| (0..x.rows()).map(|i| values[i * d + j]).sum::<f64>() / n)
            .collect();
        let log_sd: Vec<f64> = (0..d)
            .map(|j| {
                let var = (0..x.rows())
                    .map(|i| (values[i * d + j] - mean[j]).powi(2))
                    .sum::<f64>()
                    / n;
                0.5 * var.max(1e-12).ln()
            })
            .collect();
        store.insert(&format!("{}.loc", self.name), 1, d, &mean)?;
        store.insert(&format!("{}.log_scale", self.name), 1, d, &log_sd)
    }
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        Ok(Box::new(BoundActNorm {
            loc: store.read(&format!("{}.loc", self.name), graph)?,
            log_scale: store.read(&format!("{}.log_scale", self.name), graph)?,
        }))
    }
}

/// An [`ActNorm`] layer with its parameters for one step.
pub struct BoundActNorm<E: Real, D: Backend<E>> {
    loc: Var<E, D>,
    log_scale: Var<E, D>,
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundActNorm<E, D> {
    fn name(&self) -> &'static str {
        "ActNorm"
    }
    fn forward(&self, z: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let x = z.mul(&self.log_scale.exp())?.add(&self.loc)?;
        let log_det = self.log_scale.sum().broadcast_to(z.rows(), 1)?;
        Ok((x, log_det))
    }
    fn inverse(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let z = x.sub(&self.loc)?.mul(&(-&self.log_scale).exp())?;
        let log_det = (-self.log_scale.sum()).broadcast_to(x.rows(), 1)?;
        Ok((z, log_det))
    }
}
