//! Autoregressive rational-quadratic splines (Neural Spline Flows, Durkan et al. 2019,
//! arXiv:1906.04068), MAF-style.

use super::bijector::Bijector;
use super::spline::{rational_quadratic, spline_parameter_count};
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::{Error, Result};
use crate::flows::FlowLayer;
use crate::nn::mlp::BoundMlp;
use crate::nn::Made;
use crate::params::ParamStore;

/// Each coordinate goes through its own monotone rational-quadratic spline (`bins` bins on
/// `[-bound, bound]`, identity outside) whose parameters come from a MADE of the coordinates
/// before it: `z_i = s_i(x_i; x_<i)`. The density pass (data to noise) is one network
/// evaluation; sampling (the `forward` direction here, noise to data) takes `d` evaluations.
/// An optional context enters the MADE unmasked.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::SplineAutoregressive;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let layer = SplineAutoregressive::new("nsf", 2, &[8], 0, 4, 3.0)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// let x = Var::from_rows(&dev, &[[0.5, -1.0], [2.5, 4.0]])?;
/// let (z, log_det) = bound.inverse(&x, None)?; // density: one pass
/// let (back, forward_log_det) = bound.forward(&z, None)?; // sampling: d passes
/// assert!(back.to_vec().iter().zip(x.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
/// assert!(log_det.add(&forward_log_det)?.to_vec().iter().all(|v| v.abs() < 1e-9));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SplineAutoregressive {
    name: String,
    made: Made,
    bins: usize,
    bound: f64,
}

impl SplineAutoregressive {
    /// An autoregressive spline layer on `R^dimension`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for no bins, a non-positive bound or invalid MADE sizes.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::transforms::SplineAutoregressive;
    /// assert!(SplineAutoregressive::new("nsf", 3, &[8], 0, 8, 3.0).is_ok());
    /// assert!(SplineAutoregressive::new("nsf", 3, &[8], 0, 0, 3.0).is_err()); // no bins
    /// assert!(SplineAutoregressive::new("nsf", 3, &[8], 0, 8, 0.0).is_err()); // empty interval
    /// ```
    pub fn new(
        name: &str,
        dimension: usize,
        hidden: &[usize],
        context: usize,
        bins: usize,
        bound: f64,
    ) -> Result<Self> {
        if bins == 0 || bound.is_nan() || bound <= 0.0 {
            return Err(Error::InvalidConfig {
                what: format!("SplineAutoregressive `{name}`"),
                message: "needs at least 1 bin and a positive bound".into(),
            });
        }
        Ok(SplineAutoregressive {
            name: name.to_string(),
            made: Made::autoregressive(
                &format!("{name}.made"),
                dimension,
                hidden,
                spline_parameter_count(bins),
                context,
            )?,
            bins,
            bound,
        })
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for SplineAutoregressive {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        self.made.initialize(store, rng, 0.01)
    }
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        Ok(Box::new(BoundSplineAutoregressive {
            network: self.made.bind(store, graph)?,
            dimension: self.made.inputs(),
            bins: self.bins,
            bound: self.bound,
        }))
    }
}

/// A [`SplineAutoregressive`] layer with its parameters for one step.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::FlowLayer;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::SplineAutoregressive;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// // With a context of width 1, one value per row.
/// let layer = SplineAutoregressive::new("nsf", 2, &[8], 1, 4, 3.0)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// layer.initialize(&mut store, &mut seeded(0))?;
/// let bound = layer.bind(&store, None)?;
/// let context = Var::from_rows(&dev, &[[-1.0], [1.0]])?;
/// let z = Var::from_rows(&dev, &[[0.5, -1.0], [0.5, -1.0]])?;
/// let (x, _) = bound.forward(&z, Some(&context))?;
/// let (back, _) = bound.inverse(&x, Some(&context))?;
/// assert!(back.to_vec().iter().zip(z.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
/// # Ok(())
/// # }
/// ```
pub struct BoundSplineAutoregressive<E: Real, D: Backend<E>> {
    network: BoundMlp<E, D>,
    dimension: usize,
    bins: usize,
    bound: f64,
}

impl<E: Real, D: Backend<E>> BoundSplineAutoregressive<E, D> {
    /// Spline parameters of every coordinate from the conditioner at `input`:
    /// `(n * d, 3K - 1)`, coordinate-major within each row. The MADE lays out its outputs as
    /// `multiplier` blocks of `d`, so block `k` holds parameter `k` of every coordinate.
    fn parameters(&self, input: &Var<E, D>, context: Option<&Var<E, D>>) -> Result<Var<E, D>> {
        let (n, d) = (input.rows(), self.dimension);
        let per = spline_parameter_count(self.bins);
        let out = Made::apply(&self.network, input, context)?;
        // (n, per * d) with block-major columns -> (n * per, d) -> transpose per row block.
        // Gather columns into coordinate-major order: for coordinate i, parameters k*d + i.
        let order: Vec<usize> = (0..d)
            .flat_map(|i| (0..per).map(move |k| k * d + i))
            .collect();
        out.gather_columns(&order)?.reshape(n * d, per)
    }

    fn apply(
        &self,
        x: &Var<E, D>,
        context: Option<&Var<E, D>>,
        conditioner_input: &Var<E, D>,
        inverse: bool,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let (n, d) = x.shape();
        let raw = self.parameters(conditioner_input, context)?;
        let (out, log_det) =
            rational_quadratic(&x.reshape(n * d, 1)?, &raw, self.bins, self.bound, inverse)?;
        Ok((out.reshape(n, d)?, log_det.reshape(n, d)?.sum_columns()))
    }
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundSplineAutoregressive<E, D> {
    fn name(&self) -> &'static str {
        "SplineAutoregressive"
    }
    fn forward(
        &self,
        z: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        // Sampling: x_i = s_i^-1(z_i; x_<i), one coordinate per pass.
        let (n, d) = z.shape();
        let mut x = Var::zeros(&z.device(), n, d);
        let mut log_det = Var::zeros(&z.device(), n, 1);
        for i in 0..d {
            let (candidate, candidate_log_det) = self.apply(z, context, &x, true)?;
            let mut parts: Vec<Var<E, D>> = Vec::with_capacity(d);
            for j in 0..d {
                parts.push(if j <= i {
                    candidate.slice_columns(j, j + 1)?
                } else {
                    x.slice_columns(j, j + 1)?
                });
            }
            let refs: Vec<&Var<E, D>> = parts.iter().collect();
            x = Var::concat_columns(&refs)?;
            if i + 1 == d {
                // Every coordinate's parameters were computed from final inputs on this pass;
                // the inverse spline's log-derivative is ln |dx/dz|, the forward log-det.
                log_det = candidate_log_det;
            }
        }
        Ok((x, log_det))
    }
    fn inverse(
        &self,
        x: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        // Density: z_i = s_i(x_i; x_<i) for all i at once.
        self.apply(x, context, x, false)
    }
}
