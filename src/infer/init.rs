//! Where the optimisation of a guide starts.

use super::layout::{prototype_trace, LatentLayout};
use crate::backend::rng::{open_uniforms, seeded};
use crate::backend::{real, Backend, Real, Var};
use crate::error::{Error, Result};
use crate::ppl::Model;
use std::collections::HashMap;

/// How the location of an autoguide is initialised (NumPyro's `init_to_*`).
///
/// # Examples
/// ```
/// use flowppl::infer::LatentLayout;
/// # use flowppl::ppl::model_fn;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
/// #     ctx.sample("s", Exponential::new(1.0)?, None)?;
/// #     Ok(())
/// # });
/// let dev = Cpu::default();
/// let layout = LatentLayout::of(&model, &dev, 0)?;
/// assert_eq!(InitStrategy::default(), InitStrategy::PriorMedian);
/// // Unconstrained zero, i.e. s = exp(0) = 1.
/// assert_eq!(layout.initial_point(&model, &dev, &InitStrategy::Feasible, 0)?, [0.0]);
/// // Given values are mapped to the unconstrained space; those outside the support are refused.
/// let given = |s: f64| InitStrategy::Values([("s".to_string(), vec![s])].into());
/// assert!((layout.initial_point(&model, &dev, &given(2.0), 0)?[0] - 2f64.ln()).abs() < 1e-12);
/// assert!(layout.initial_point(&model, &dev, &given(-1.0), 0).is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum InitStrategy {
    /// The median of 15 prior draws of each latent coordinate (the default).
    #[default]
    PriorMedian,
    /// The mean of each latent's distribution at a prior draw, or the prior median where the
    /// mean is not finite (e.g. a half-Cauchy).
    PriorMean,
    /// Unconstrained zero for every coordinate: always inside the support.
    Feasible,
    /// Unconstrained `Uniform(-radius, radius)` draws (NumPyro's `init_to_uniform`).
    Uniform(f64),
    /// The posterior mode found by damped Newton steps from the prior median, with the
    /// curvature there (the Laplace approximation); Gaussian guides also take their initial
    /// scale from it. Costs `2 d + 1` gradient evaluations per Newton step.
    Laplace,
    /// Given constrained values for some sites (row-major, one entry per column); the prior
    /// median for the rest.
    Values(HashMap<String, Vec<f64>>),
}

const MEDIAN_DRAWS: u64 = 15;

impl InitStrategy {
    /// The unconstrained starting point, `layout.dimension` numbers.
    pub(crate) fn unconstrained_point<E: Real, D: Backend<E>>(
        &self,
        layout: &LatentLayout<E, D>,
        model: &dyn Model<E, D>,
        device: &D,
        seed: u64,
    ) -> Result<Vec<f64>> {
        let mut constrained: HashMap<String, Vec<f64>> = HashMap::new();
        match self {
            InitStrategy::Feasible => return Ok(vec![0.0; layout.dimension]),
            InitStrategy::Uniform(radius) => {
                return Ok(open_uniforms(&mut seeded(seed), layout.dimension)
                    .into_iter()
                    .map(|u| radius * (2.0 * u - 1.0))
                    .collect())
            }
            InitStrategy::PriorMedian | InitStrategy::Values(_) | InitStrategy::Laplace => {}
            InitStrategy::PriorMean => {
                let prototype = prototype_trace(model, device, seed)?;
                for slot in &layout.slots {
                    let site = prototype.get(&slot.name);
                    if let Some(mean) = site
                        .and_then(|s| s.distribution.as_ref())
                        .and_then(|d| d.mean().ok())
                    {
                        let mean = mean.to_f64_vec();
                        if mean.len() == slot.columns && mean.iter().all(|m| m.is_finite()) {
                            constrained.insert(slot.name.clone(), mean);
                        }
                    }
                }
            }
        }
        if let InitStrategy::Values(given) = self {
            for (name, values) in given {
                let slot = layout
                    .slots
                    .iter()
                    .find(|s| &s.name == name)
                    .ok_or_else(|| Error::Site {
                        site: name.clone(),
                        source: Box::new(Error::InvalidConfig {
                            what: "initial values".into(),
                            message: "the model has no latent site of that name".into(),
                        }),
                    })?;
                if values.len() != slot.columns {
                    return Err(Error::Site {
                        site: name.clone(),
                        source: Box::new(Error::InvalidConfig {
                            what: "initial values".into(),
                            message: format!(
                                "{} values given for {} columns",
                                values.len(),
                                slot.columns
                            ),
                        }),
                    });
                }
                constrained.insert(name.clone(), values.clone());
            }
        }
        // Everything not set yet: the coordinate-wise median of prior draws.
        let missing: Vec<&str> = layout
            .slots
            .iter()
            .filter(|s| !constrained.contains_key(&s.name))
            .map(|s| s.name.as_str())
            .collect();
        if !missing.is_empty() {
            let mut draws: HashMap<&str, Vec<Vec<f64>>> = HashMap::new();
            for k in 0..MEDIAN_DRAWS {
                let prototype = prototype_trace(model, device, seed.wrapping_add(k))?;
                for name in &missing {
                    if let Some(v) = prototype.value(name) {
                        draws.entry(name).or_default().push(v.to_f64_vec());
                    }
                }
            }
            for (name, samples) in draws {
                let columns = samples[0].len();
                let median: Vec<f64> = (0..columns)
                    .map(|j| {
                        let mut column: Vec<f64> = samples.iter().map(|s| s[j]).collect();
                        column.sort_by(f64::total_cmp);
                        column[column.len() / 2]
                    })
                    .collect();
                constrained.insert(name.to_string(), median);
            }
        }
        let mut point = Vec::with_capacity(layout.dimension);
        for slot in &layout.slots {
            let values = &constrained[&slot.name];
            let value = Var::<E, D>::from_vec(
                device,
                values.iter().map(|&v| real(v)).collect(),
                1,
                slot.columns,
            )?;
            let (raw, _) = slot
                .bijector
                .inverse(&value, None)
                .map_err(|e| Error::Site {
                    site: slot.name.clone(),
                    source: Box::new(e),
                })?;
            let raw = raw.to_f64_vec();
            if raw.iter().any(|v| !v.is_finite()) {
                return Err(Error::Site {
                    site: slot.name.clone(),
                    source: Box::new(Error::InvalidConfig {
                        what: "initial values".into(),
                        message: format!(
                            "{values:?} lies outside the support `{}`",
                            slot.support.describe()
                        ),
                    }),
                });
            }
            point.extend(raw);
        }
        Ok(point)
    }
}
