//! A health check for flows that users can call: per layer, how well the inverse undoes the
//! forward pass and whether the two log-determinants agree, on points the user chooses.

use super::flow::BoundFlow;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// The check of one layer.
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::{build_flow, health_check, FlowKind};
/// use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let flow = build_flow::<f64, Cpu>("nvp", FlowKind::RealNvp, 2, 2, &[8], 0)?;
/// let mut store = ParamStore::new(&dev);
/// flow.initialize(&mut store, &mut seeded(0))?;
/// let points = Var::from_rows(&dev, &[[0.5, -1.0], [2.0, 0.3]])?;
/// let report = health_check(&flow.bind(&store, None)?, &points, None)?;
/// let first = &report[0];
/// assert_eq!(first.layer, "nvp.0");
/// assert!(first.finite && first.round_trip_error.unwrap() < 1e-9);
/// assert!(first.log_det_mismatch.unwrap() < 1e-9);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LayerHealth {
    /// The layer's name.
    pub layer: String,
    /// Largest `|f^-1(f(x)) - x|` over the points (`None` when the layer has no inverse).
    pub round_trip_error: Option<f64>,
    /// Largest `|ln|det J_f(x)| + ln|det J_{f^-1}(f(x))||` (`None` without an inverse).
    pub log_det_mismatch: Option<f64>,
    /// Whether every output and log-determinant was finite.
    pub finite: bool,
}

/// Pushes `points` (base-space points, `(n, d)`) through the flow layer by layer and checks
/// each layer's inverse and log-determinant on the points it actually receives. Floating
/// point keeps `f32` round trips around `1e-5` relative; much larger errors point at a layer
/// that is (nearly) not invertible where the data lies.
///
/// # Errors
/// Errors of a layer other than a missing inverse.
///
/// # Examples
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::flows::{build_flow, health_check, FlowKind};
/// use flowppl::params::ParamStore;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let flow = build_flow::<f64, Cpu>("maf", FlowKind::Maf, 2, 2, &[8], 0)?;
/// let mut store = ParamStore::new(&dev);
/// flow.initialize(&mut store, &mut seeded(0))?;
/// let points = Var::from_rows(&dev, &[[0.5, -1.0], [2.0, 0.3]])?;
/// let report = health_check(&flow.bind(&store, None)?, &points, None)?;
/// assert_eq!(report.len(), 3); // maf.0, maf.1.reverse, maf.1
/// assert!(report.iter().all(|h| h.finite && h.round_trip_error.unwrap() < 1e-9));
/// # Ok(())
/// # }
/// ```
pub fn health_check<E: Real, D: Backend<E>>(
    flow: &BoundFlow<E, D>,
    points: &Var<E, D>,
    context: Option<&Var<E, D>>,
) -> Result<Vec<LayerHealth>> {
    let mut x = points.detach();
    let mut report = Vec::new();
    for (name, layer) in flow.layers() {
        let (y, log_det) = layer.forward(&x, context)?;
        let finite = y
            .to_f64_vec()
            .iter()
            .chain(log_det.to_f64_vec().iter())
            .all(|v| v.is_finite());
        let (round_trip_error, log_det_mismatch) = if layer.has_inverse() {
            let (back, inverse_log_det) = layer.inverse(&y, context)?;
            let round = back
                .to_f64_vec()
                .iter()
                .zip(x.to_f64_vec())
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            let mismatch = log_det
                .to_f64_vec()
                .iter()
                .zip(inverse_log_det.to_f64_vec())
                .map(|(a, b)| (a + b).abs())
                .fold(0.0, f64::max);
            (Some(round), Some(mismatch))
        } else {
            (None, None)
        };
        report.push(LayerHealth {
            layer: name.to_string(),
            round_trip_error,
            log_det_mismatch,
            finite,
        });
        x = y.detach();
    }
    Ok(report)
}
