//! One typed builder for the common flow stacks.

use super::flow::Flow;
use super::layer::Fixed;
use crate::backend::{Backend, Real};
use crate::error::{Error, Result};
use crate::transforms::{
    AffineAutoregressive, AffineCoupling, BatchNorm, Cnf, OdeSolver, Planar, Radial, Reverse,
    SplineCoupling, Sylvester, TraceEstimator,
};

/// The layer type of a stack.
///
/// # Examples
/// ```
/// use flowppl::flows::{build_flow, FlowKind};
/// # fn main() -> flowppl::Result<()> {
/// for name in ["planar", "radial", "sylvester", "iaf", "maf", "maf-bn", "realnvp", "nsf", "cnf"] {
///     let kind = FlowKind::parse(name)?;
///     // Every kind builds a 2-layer stack on R^2.
///     let flow = build_flow::<f64, flowppl::backend::Cpu>("f", kind, 2, 2, &[4], 0)?;
///     assert_eq!(flow.dimension(), 2);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowKind {
    /// Planar layers.
    Planar,
    /// Radial layers.
    Radial,
    /// IAF layers, reversed in between.
    Iaf,
    /// MAF layers, reversed in between.
    Maf,
    /// MAF layers with a [`BatchNorm`] layer and a reversal in between (the MAF paper's stack,
    /// Papamakarios et al. 2017).
    MafBatchNorm,
    /// Affine coupling layers (RealNVP), reversed in between.
    RealNvp,
    /// Rational-quadratic spline coupling layers (8 bins on [-5, 5]), reversed in between.
    Nsf,
    /// Householder Sylvester layers (as many reflections as dimensions).
    Sylvester,
    /// Continuous normalising flow blocks ([`Cnf`]: RK4 with 10 steps, exact trace), each its
    /// own vector field.
    Cnf,
}

impl FlowKind {
    /// By name: `planar`, `radial`, `sylvester`, `iaf`, `maf`, `maf-bn`, `realnvp`, `nsf`,
    /// `cnf`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] listing the names.
    ///
    /// # Examples
    /// ```
    /// use flowppl::flows::FlowKind;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(FlowKind::parse("maf-bn")?, FlowKind::MafBatchNorm);
    /// assert_eq!(FlowKind::parse("realnvp")?, FlowKind::RealNvp);
    /// assert!(FlowKind::parse("glow").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "planar" => FlowKind::Planar,
            "radial" => FlowKind::Radial,
            "iaf" => FlowKind::Iaf,
            "maf" => FlowKind::Maf,
            "maf-bn" => FlowKind::MafBatchNorm,
            "realnvp" => FlowKind::RealNvp,
            "nsf" => FlowKind::Nsf,
            "sylvester" => FlowKind::Sylvester,
            "cnf" => FlowKind::Cnf,
            other => {
                return Err(Error::InvalidConfig {
                    what: format!("flow `{other}`"),
                    message:
                        "expected planar, radial, sylvester, iaf, maf, maf-bn, realnvp, nsf or cnf"
                            .into(),
                })
            }
        })
    }
}

/// Builds `layers` layers of `kind` on `R^dimension` (networks with `hidden` units, an optional
/// context of width `context`), with a [`Reverse`] between autoregressive or coupling layers.
/// Parameter names start with `prefix`.
///
/// # Errors
/// [`Error::InvalidConfig`] for zero layers or invalid sizes.
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::{build_flow, FlowKind};
/// use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let flow = build_flow::<f64, Cpu>("nvp", FlowKind::RealNvp, 2, 2, &[8], 0)?;
/// // A reversal sits between the coupling layers.
/// let names: Vec<&str> = flow.layers().iter().map(|l| l.name()).collect();
/// assert_eq!(names, ["nvp.0", "nvp.1.reverse", "nvp.1"]);
/// let mut store = ParamStore::new(&dev);
/// flow.initialize(&mut store, &mut seeded(0))?;
/// let lp = flow.bind(&store, None)?.log_prob(&Var::from_rows(&dev, &[[0.5, -1.0]])?, None)?;
/// assert!(lp.item()?.is_finite());
/// assert!(build_flow::<f64, Cpu>("nvp", FlowKind::RealNvp, 2, 0, &[8], 0).is_err());
/// # Ok(())
/// # }
/// ```
pub fn build_flow<E: Real, D: Backend<E>>(
    prefix: &str,
    kind: FlowKind,
    dimension: usize,
    layers: usize,
    hidden: &[usize],
    context: usize,
) -> Result<Flow<E, D>> {
    if layers == 0 || dimension == 0 {
        return Err(Error::InvalidConfig {
            what: "build_flow".into(),
            message: "needs at least one layer and one dimension".into(),
        });
    }
    let mut flow = Flow::new(dimension);
    for k in 0..layers {
        let name = format!("{prefix}.{k}");
        let permuted = k > 0
            && matches!(
                kind,
                FlowKind::Iaf
                    | FlowKind::Maf
                    | FlowKind::MafBatchNorm
                    | FlowKind::RealNvp
                    | FlowKind::Nsf
            );
        if permuted {
            flow = flow.layer(Fixed::new(&format!("{name}.reverse"), Reverse));
        }
        if k > 0 && kind == FlowKind::MafBatchNorm {
            flow = flow.layer(BatchNorm::new(&format!("{name}.batch_norm"), dimension));
        }
        flow = match kind {
            FlowKind::Planar => flow.layer(Planar::new(&name, dimension)),
            FlowKind::Radial => flow.layer(Radial::new(&name, dimension)),
            // Near the identity, so a flow guide starts as its Gaussian base.
            FlowKind::Iaf => flow.layer(
                AffineAutoregressive::iaf(&name, dimension, hidden, context)?
                    .with_output_scale(0.01),
            ),
            FlowKind::Maf | FlowKind::MafBatchNorm => flow.layer(AffineAutoregressive::maf(
                &name, dimension, hidden, context,
            )?),
            FlowKind::RealNvp => {
                flow.layer(AffineCoupling::new(&name, dimension, hidden, context)?)
            }
            FlowKind::Nsf => flow.layer(SplineCoupling::new(
                &name, dimension, hidden, context, 8, 5.0,
            )?),
            FlowKind::Sylvester => flow.layer(Sylvester::new(&name, dimension, dimension)?),
            FlowKind::Cnf => flow.layer(Cnf::new(&name, dimension, hidden, context)?),
        };
    }
    Ok(flow)
}

/// Builds `blocks` continuous-flow blocks on `R^dimension` (each a [`Cnf`] with its own field of
/// hidden widths `hidden`), integrated by `solver` with traces from `trace`: the CNF stack of
/// [`build_flow`] with its settings spelled out.
///
/// # Errors
/// [`Error::InvalidConfig`] for zero blocks, invalid sizes or solver settings.
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::build_cnf;
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::{OdeSolver, TraceEstimator};
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let solver = OdeSolver::Rk4 { steps: 4 };
/// let flow = build_cnf::<f64, Cpu>("cnf", 2, 1, &[4], 0, solver, TraceEstimator::Exact)?;
/// let mut store = ParamStore::new(&dev);
/// flow.initialize(&mut store, &mut seeded(0))?;
/// let bound = flow.bind(&store, None)?;
/// let z = Var::from_rows(&dev, &[[0.3, -0.7]])?;
/// let (x, _) = bound.forward(&z, None)?;
/// let (back, _) = bound.inverse(&x, None)?;
/// assert!(back.to_f64_vec().iter().zip(z.to_f64_vec()).all(|(a, b)| (a - b).abs() < 1e-4));
/// assert!(build_cnf::<f64, Cpu>("cnf", 2, 0, &[4], 0, solver, TraceEstimator::Exact).is_err());
/// # Ok(())
/// # }
/// ```
pub fn build_cnf<E: Real, D: Backend<E>>(
    prefix: &str,
    dimension: usize,
    blocks: usize,
    hidden: &[usize],
    context: usize,
    solver: OdeSolver,
    trace: TraceEstimator,
) -> Result<Flow<E, D>> {
    if blocks == 0 {
        return Err(Error::InvalidConfig {
            what: "build_cnf".into(),
            message: "needs at least one block".into(),
        });
    }
    solver.validate()?;
    let mut flow = Flow::new(dimension);
    for k in 0..blocks {
        flow = flow.layer(
            Cnf::new(&format!("{prefix}.{k}"), dimension, hidden, context)?
                .with_solver(solver)
                .with_trace(trace)
                .with_probe_seed(k as u64),
        );
    }
    Ok(flow)
}
