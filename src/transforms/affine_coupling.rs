//! Affine coupling (RealNVP, Dinh et al. 2017, arXiv:1605.08803) and its additive special case
//! (NICE, Dinh et al. 2015, arXiv:1410.8516).

use super::bijector::Bijector;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::{Error, Result};
use crate::flows::FlowLayer;
use crate::nn::mlp::BoundMlp;
use crate::nn::Mlp;
use crate::params::ParamStore;

/// Splits `x = (x_a, x_b)` after `split` coordinates: `y_a = x_a`,
/// `y_b = x_b exp(s) + t` with `(t, s_raw) = net(x_a [, context])` and the bounded scale
/// `s = 2 tanh(s_raw / 2)` (so outputs stay finite for any input). `log |det J| = sum s`. Both
/// directions are one network evaluation. Put a [`Reverse`](super::Reverse) between layers so
/// every coordinate gets transformed.
///
/// [`AffineCoupling::additive`] is NICE's volume-preserving coupling: `y_b = x_b + t`,
/// `log |det J| = 0` (the net outputs only `t`).
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::AffineCoupling;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let layer = AffineCoupling::new("coupling", 4, &[16], 0)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// let x = Var::from_rows(&dev, &[[0.5, -1.0, 2.0, 0.1]])?;
/// let (y, log_det) = bound.forward(&x, None)?;
/// assert_eq!(y.to_vec()[..2], x.to_vec()[..2]); // the first half passes through
/// let (back, inverse_log_det) = bound.inverse(&y, None)?;
/// assert!(back.to_vec().iter().zip(x.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
/// assert!((log_det.to_vec()[0] + inverse_log_det.to_vec()[0]).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct AffineCoupling {
    name: String,
    dimension: usize,
    split: usize,
    additive: bool,
    net: Mlp,
}

impl AffineCoupling {
    /// A coupling layer on `R^dimension` conditioning on the first `dimension / 2` coordinates.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for `dimension < 2`.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::AffineCoupling;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// assert!(AffineCoupling::new("c", 1, &[8], 0).is_err()); // nothing to condition on
    /// let layer = AffineCoupling::new("c", 3, &[8], 0)?; // keeps 1 coordinate, moves 2
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// let x = Var::from_rows(&dev, &[[0.5, -1.0, 2.0]])?;
    /// let (y, _) = layer.bind(&store, None)?.forward(&x, None)?;
    /// assert_eq!(y.to_vec()[0], 0.5);
    /// assert_ne!(y.to_vec()[1..], x.to_vec()[1..]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(name: &str, dimension: usize, hidden: &[usize], context: usize) -> Result<Self> {
        Self::build(name, dimension, hidden, context, false)
    }

    /// The additive (NICE) coupling: a shift only, volume preserving.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for `dimension < 2`.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::flows::FlowLayer;
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::AffineCoupling;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let layer = AffineCoupling::additive("nice", 2, &[8], 0)?;
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// layer.initialize(&mut store, &mut seeded(0))?;
    /// let bound = layer.bind(&store, None)?;
    /// let x = Var::from_rows(&dev, &[[0.5, -1.0], [2.0, 3.0]])?;
    /// let (y, log_det) = bound.forward(&x, None)?;
    /// assert_eq!(log_det.to_vec(), vec![0.0, 0.0]); // volume preserving
    /// let (back, _) = bound.inverse(&y, None)?;
    /// assert!(back.to_vec().iter().zip(x.to_vec()).all(|(a, b)| (a - b).abs() < 1e-12));
    /// # Ok(())
    /// # }
    /// ```
    pub fn additive(
        name: &str,
        dimension: usize,
        hidden: &[usize],
        context: usize,
    ) -> Result<Self> {
        Self::build(name, dimension, hidden, context, true)
    }

    fn build(
        name: &str,
        dimension: usize,
        hidden: &[usize],
        context: usize,
        additive: bool,
    ) -> Result<Self> {
        if dimension < 2 {
            return Err(Error::InvalidConfig {
                what: format!("AffineCoupling `{name}`"),
                message: "needs at least 2 dimensions".into(),
            });
        }
        let split = dimension / 2;
        let outputs = if additive { 1 } else { 2 } * (dimension - split);
        Ok(AffineCoupling {
            name: name.to_string(),
            dimension,
            split,
            additive,
            net: Mlp::new(&format!("{name}.net"), split + context, hidden, outputs),
        })
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for AffineCoupling {
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
        Ok(Box::new(BoundAffineCoupling {
            net: self.net.bind(store, graph)?,
            dimension: self.dimension,
            split: self.split,
            additive: self.additive,
        }))
    }
}

/// An [`AffineCoupling`] layer with its parameters for one step.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::AffineCoupling;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// // With a context of width 1, shared by both rows.
/// let layer = AffineCoupling::new("c", 2, &[8], 1)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// let context = Var::from_rows(&dev, &[[0.7]])?;
/// let x = Var::from_rows(&dev, &[[0.5, -1.0], [2.0, 3.0]])?;
/// let (y, _) = bound.forward(&x, Some(&context))?;
/// let (back, _) = bound.inverse(&y, Some(&context))?;
/// assert!(back.to_vec().iter().zip(x.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
/// # Ok(())
/// # }
/// ```
pub struct BoundAffineCoupling<E: Real, D: Backend<E>> {
    net: BoundMlp<E, D>,
    dimension: usize,
    split: usize,
    additive: bool,
}

impl<E: Real, D: Backend<E>> BoundAffineCoupling<E, D> {
    /// The shift and, unless additive, the log-scale for the moved coordinates.
    #[allow(clippy::type_complexity)]
    fn shift_and_scale(
        &self,
        kept: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Option<Var<E, D>>)> {
        let input = match context {
            Some(c) => Var::concat_columns(&[kept, &c.broadcast_to(kept.rows(), c.columns())?])?,
            None => kept.clone(),
        };
        let out = self.net.forward(&input)?;
        if self.additive {
            return Ok((out, None));
        }
        let width = self.dimension - self.split;
        let shift = out.slice_columns(0, width)?;
        let scale = (out.slice_columns(width, 2 * width)? * 0.5).tanh() * 2.0;
        Ok((shift, Some(scale)))
    }
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundAffineCoupling<E, D> {
    fn name(&self) -> &'static str {
        "AffineCoupling"
    }
    fn forward(
        &self,
        x: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let kept = x.slice_columns(0, self.split)?;
        let (t, s) = self.shift_and_scale(&kept, context)?;
        let moved = x.slice_columns(self.split, self.dimension)?;
        let (moved, log_det) = match s {
            Some(s) => (moved.mul(&s.exp())?.add(&t)?, s.sum_columns()),
            None => (moved.add(&t)?, Var::zeros(&x.device(), x.rows(), 1)),
        };
        Ok((Var::concat_columns(&[&kept, &moved])?, log_det))
    }
    fn inverse(
        &self,
        y: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let kept = y.slice_columns(0, self.split)?;
        let (t, s) = self.shift_and_scale(&kept, context)?;
        let moved = y.slice_columns(self.split, self.dimension)?.sub(&t)?;
        let (moved, log_det) = match s {
            Some(s) => (moved.mul(&(-&s).exp())?, -s.sum_columns()),
            None => (moved, Var::zeros(&y.device(), y.rows(), 1)),
        };
        Ok((Var::concat_columns(&[&kept, &moved])?, log_det))
    }
}
