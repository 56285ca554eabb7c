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
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// # use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::SplineCoupling;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let layer = SplineCoupling::new("nsf", 4, &[16], 0, 8, 3.0)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// let x = Var::from_rows(&dev, &[[0.5, -1.0, 2.0, 7.5]])?;
/// let (y, log_det) = bound.forward(&x, None)?;
/// assert_eq!(y.to_vec()[..2], x.to_vec()[..2]); // the first half passes through
/// assert_eq!(y.to_vec()[3], 7.5); // outside [-3, 3]: the identity
/// let (back, inverse_log_det) = bound.inverse(&y, None)?;
/// assert!(back.to_vec().iter().zip(x.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
/// assert!((log_det.to_vec()[0] + inverse_log_det.to_vec()[0]).abs() < 1e-9);
/// # Ok(())
/// # }
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::transforms::SplineCoupling;
    /// assert!(SplineCoupling::new("nsf", 2, &[8], 0, 8, 3.0).is_ok());
    /// assert!(SplineCoupling::new("nsf", 1, &[8], 0, 8, 3.0).is_err()); // nothing to condition on
    /// assert!(SplineCoupling::new("nsf", 2, &[8], 0, 0, 3.0).is_err()); // no bins
    /// assert!(SplineCoupling::new("nsf", 2, &[8], 0, 8, -1.0).is_err()); // negative bound
    /// ```
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
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::SplineCoupling;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// // With a context of width 2, shared by every row.
/// let layer = SplineCoupling::new("nsf", 2, &[8], 2, 4, 3.0)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// let context = Var::from_rows(&dev, &[[0.3, -0.6]])?;
/// let x = Var::from_rows(&dev, &[[0.5, -1.0], [1.0, 2.0]])?;
/// let (y, _) = bound.forward(&x, Some(&context))?;
/// let (back, _) = bound.inverse(&y, Some(&context))?;
/// assert!(back.to_vec().iter().zip(x.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
/// # Ok(())
/// # }
/// ```
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
