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
