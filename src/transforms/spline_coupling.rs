//! Rational-quadratic spline coupling (Neural Spline Flows, Durkan et al. 2019,
//! arXiv:1906.04068).

use super::bijector::Bijector;
use super::spline::{rational_quadratic, spline_parameter_count};
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::{Error, Result};
use crate::flows::FlowLayer;
use crate::nn::mlp::BoundMlp;
use crate::nn::Mlp;
use crate::params::ParamStore;

/// Splits `x = (x_a, x_b)` after `dimension / 2` coordinates: `y_a = x_a` and each entry of
/// `x_b` goes through its own monotone rational-quadratic spline with `bins` bins on
/// `[-bound, bound]`, whose widths, heights and derivatives come from `net(x_a [, context])`;
/// identity outside the interval (linear tails), so any real input is valid. Both directions
/// are one network evaluation (the inverse solves a quadratic per element).
#[derive(Debug, Clone)]
pub struct SplineCoupling {
    name: String,
    dimension: usize,
    split: usize,
    bins: usize,
    bound: f64,
    net: Mlp,
}

impl SplineCoupling {
    /// A spline coupling layer with `bins` bins on `[-bound, bound]`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for `dimension < 2`, no bins or a non-positive bound.
    pub fn new(
        name: &str,
        dimension: usize,
        hidden: &[usize],
        context: usize,
        bins: usize,
        bound: f64,
    ) -> Result<Self> {
        if dimension < 2 || bins == 0 || bound.is_nan() || bound <= 0.0 {
            return Err(Error::InvalidConfig {
                what: format!("SplineCoupling `{name}`"),
                message: "needs at least 2 dimensions, 1 bin and a positive bound".into(),
            });
        }
        let split = dimension / 2;
        Ok(SplineCoupling {
            name: name.to_string(),
            dimension,
            split,
            bins,
            bound,
            net: Mlp::new(
                &format!("{name}.net"),
                split + context,
                hidden,
                (dimension - split) * spline_parameter_count(bins),
            ),
        })
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for SplineCoupling {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        let fresh = !store.contains(&format!("{}.weight", self.net.last().name_prefix()));
        self.net.initialize(store, rng)?;
        if fresh {
            self.net.last().scale_weights(store, 0.01)?;
        }
        Ok(())
    }
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        Ok(Box::new(BoundSplineCoupling {
            net: self.net.bind(store, graph)?,
            dimension: self.dimension,
            split: self.split,
            bins: self.bins,
            bound: self.bound,
        }))
    }
}

/// A [`SplineCoupling`] layer with its parameters for one step.
pub struct BoundSplineCoupling<E: Real, D: Backend<E>> {
    net: BoundMlp<E, D>,
    dimension: usize,
    split: usize,
    bins: usize,
    bound: f64,
}

impl<E: Real, D: Backend<E>> BoundSplineCoupling<E, D> {
    fn apply(
        &self,
        x: &Var<E, D>,
        context: Option<&Var<E, D>>,
        inverse: bool,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let n = x.rows();
        let moved_width = self.dimension - self.split;
        let kept = x.slice_columns(0, self.split)?;
        let input = match context {
            Some(c) => Var::concat_columns(&[&kept, &c.broadcast_to(n, c.columns())?])?,
            None => kept.clone(),
        };
        let raw = self
            .net
            .forward(&input)?
            .reshape(n * moved_width, spline_parameter_count(self.bins))?;
        let moved = x
            .slice_columns(self.split, self.dimension)?
            .reshape(n * moved_width, 1)?;
        let (out, log_det) = rational_quadratic(&moved, &raw, self.bins, self.bound, inverse)?;
        let out = out.reshape(n, moved_width)?;
        let log_det = log_det.reshape(n, moved_width)?.sum_columns();
        Ok((Var::concat_columns(&[&kept, &out])?, log_det))
    }
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundSplineCoupling<E, D> {
    fn name(&self) -> &'static str {
        "SplineCoupling"
    }
    fn forward(
        &self,
        x: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        self.apply(x, context, false)
    }
    fn inverse(
        &self,
        y: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        self.apply(y, context, true)
    }
}
