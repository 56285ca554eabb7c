//! Posterior summaries in the constrained space.

use crate::error::Result;
use serde::Serialize;

/// Statistics of one scalar coordinate of the posterior.
///
/// # Examples
/// ```
/// use flowppl::infer::SummaryRow;
/// use flowppl::prelude::*;
/// # use flowppl::ppl::model_fn;
/// # fn main() -> flowppl::Result<()> {
/// // theta: two independent N(0, 1) coordinates.
/// let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
///     let plate = ctx.plate("p", 2, None)?;
///     ctx.sample("theta", Normal::new(0.0, 1.0)?, Some(&plate))?;
///     Ok(())
/// });
/// // An untrained point mass at (0.5, -0.5): exact statistics.
/// let init = InitStrategy::Values([("theta".to_string(), vec![0.5, -0.5])].into());
/// let fit = Svi::new(model, AutoDelta::new().with_init(init)).steps(0).run()?;
/// let rows: Vec<SummaryRow> = fit.summary(10, 0)?.rows;
/// assert_eq!(rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["theta[1]", "theta[2]"]);
/// assert_eq!((rows[1].mean, rows[1].sd, rows[1].q50), (-0.5, 0.0, -0.5));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryRow {
    /// Stan-style flattened name: `mu`, or `theta[1]`, `theta[2]`, ... (1-based).
    pub name: String,
    /// Posterior mean.
    pub mean: f64,
    /// Posterior standard deviation.
    pub sd: f64,
    /// 5% quantile.
    pub q05: f64,
    /// Median.
    pub q50: f64,
    /// 95% quantile.
    pub q95: f64,
}

/// A summary of a fitted posterior: one row per scalar coordinate of every latent (and
/// deterministic) site, from draws of the guide.
///
/// # Examples
/// ```
/// use flowppl::infer::Summary;
/// use flowppl::prelude::*;
/// # use flowppl::ppl::model_fn;
/// # fn main() -> flowppl::Result<()> {
/// // theta: two independent N(0, 1) coordinates.
/// let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
///     let plate = ctx.plate("p", 2, None)?;
///     ctx.sample("theta", Normal::new(0.0, 1.0)?, Some(&plate))?;
///     Ok(())
/// });
/// let fit = Svi::new(model, AutoNormal::new()).steps(10).run()?;
/// let summary: Summary = fit.summary(200, 0)?;
/// assert_eq!((summary.rows.len(), summary.draws), (2, 200));
/// assert!(summary.rows.iter().all(|r| r.q05 <= r.q50 && r.q50 <= r.q95 && r.sd > 0.0));
/// // It prints as a table.
/// assert!(summary.to_string().contains("theta[2]"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The rows, in site order.
    pub rows: Vec<SummaryRow>,
    /// The final ELBO (mean of the last 100 steps).
    pub elbo: f64,
    /// Number of guide draws the statistics come from.
    pub draws: usize,
}

impl Summary {
    /// The row called `name`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// // theta: two independent N(0, 1) coordinates.
    /// let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
    ///     let plate = ctx.plate("p", 2, None)?;
    ///     ctx.sample("theta", Normal::new(0.0, 1.0)?, Some(&plate))?;
    ///     Ok(())
    /// });
    /// let init = InitStrategy::Values([("theta".to_string(), vec![0.5, -0.5])].into());
    /// let fit = Svi::new(model, AutoDelta::new().with_init(init)).steps(0).run()?;
    /// let summary = fit.summary(10, 0)?;
    /// assert_eq!(summary.get("theta[2]").unwrap().mean, -0.5);
    /// assert!(summary.get("theta").is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, name: &str) -> Option<&SummaryRow> {
        self.rows.iter().find(|r| r.name == name)
    }
}

/// Flattened names of a site with `columns` entries.
pub(crate) fn flattened_names(site: &str, columns: usize) -> Vec<String> {
    if columns == 1 {
        vec![site.to_string()]
    } else {
        (1..=columns).map(|j| format!("{site}[{j}]")).collect()
    }
}

/// Mean, sd and quantiles of one coordinate's draws.
pub(crate) fn describe(name: String, mut draws: Vec<f64>) -> Result<SummaryRow> {
    let n = draws.len().max(1) as f64;
    let mean = draws.iter().sum::<f64>() / n;
    let sd = (draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    draws.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        // Linear interpolation between order statistics (type 7, as R and NumPy).
        let position = q * (draws.len() - 1) as f64;
        let (low, high) = (position.floor() as usize, position.ceil() as usize);
        draws[low] + (draws[high] - draws[low]) * (position - low as f64)
    };
    Ok(SummaryRow {
        name,
        mean,
        sd,
        q05: quantile(0.05),
        q50: quantile(0.5),
        q95: quantile(0.95),
    })
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let width = self
            .rows
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        writeln!(
            f,
            "{:<width$} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "", "mean", "sd", "5%", "50%", "95%"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<width$} {:>10.4} {:>10.4} {:>10.4} {:>10.4} {:>10.4}",
                r.name, r.mean, r.sd, r.q05, r.q50, r.q95
            )?;
        }
        write!(f, "ELBO {:.4} ({} draws)", self.elbo, self.draws)
    }
}
