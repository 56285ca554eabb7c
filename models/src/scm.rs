//! Synthetic structural causal models with known equations, for testing causal flows: every
//! variable is `x_i = f_i(parents) + s_i(parents) u_i` with independent standard noise, so
//! observational, interventional and counterfactual truths (and the true density) are exact.

use flowppl::backend::rng::seeded;
use flowppl::causal::{CausalFlow, CausalFlowOptions, CausalGraph, DataTable};
use flowppl::error::Result;
use flowppl::flows::Base;
use flowppl::prelude::Cpu;

/// `(location, scale)` of variable `i` given the values of the variables before it.
type Mechanism = fn(usize, &[f64]) -> (f64, f64);

/// A synthetic SCM. Variables are listed in a causal order.
///
/// # Examples
/// ```
/// use flowppl_models::scm::linear_chain;
/// # fn main() -> flowppl::Result<()> {
/// let scm = linear_chain();
/// assert_eq!(scm.names, ["x1", "x2", "x3"]);
/// assert_eq!((scm.index(scm.treatment)?, scm.index(scm.outcome)?), (1, 2));
/// // Zero noise: x1 = 0, x2 = 0.8 x1 = 0, x3 = -1.2 x2 + 0.5.
/// assert_eq!(scm.evaluate(&[0.0; 3], &[]).values, vec![0.0, 0.0, 0.5]);
/// # Ok(())
/// # }
/// ```
pub struct Scm {
    /// A short name.
    pub name: &'static str,
    /// Variable names, in causal order.
    pub names: Vec<String>,
    /// The DAG, `"a->b, ..."`.
    pub graph: &'static str,
    /// The noise distribution.
    pub noise: Base,
    /// The treated variable of the tests.
    pub treatment: &'static str,
    /// The outcome of the tests.
    pub outcome: &'static str,
    mechanism: Mechanism,
}

impl Scm {
    /// `n` rows (and their noise), under hard interventions `(variable index, value)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::scm::linear_chain;
    /// let scm = linear_chain();
    /// let (rows, noise) = scm.sample(4, 0, &[(1, 2.0)]); // do(x2 = 2)
    /// assert_eq!((rows.values.len(), noise.len()), (12, 12));
    /// assert!(rows.column(1).iter().all(|&x2| x2 == 2.0));
    /// // x3 = -1.2 x2 + 0.5 + 0.5 u3 with the returned noise.
    /// for (r, x3) in rows.column(2).into_iter().enumerate() {
    ///     assert!((x3 - (-1.9 + 0.5 * noise[3 * r + 2])).abs() < 1e-12);
    /// }
    /// ```
    pub fn sample(
        &self,
        n: usize,
        seed: u64,
        interventions: &[(usize, f64)],
    ) -> (DataTable, Vec<f64>) {
        let d = self.names.len();
        let noise = self.noise.draw(&mut seeded(seed), n * d);
        (self.evaluate(&noise, interventions), noise)
    }

    /// Evaluates the equations at `noise` (`n * d`, row-major) under `interventions`. With the
    /// noise of factual rows this is their counterfactual: non-descendants of the intervened
    /// variables come out equal to their factual values.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::scm::linear_chain;
    /// let scm = linear_chain();
    /// let noise = [1.0, 0.0, 0.0];
    /// let factual = scm.evaluate(&noise, &[]).values; // x1 = 1, x2 = 0.8, x3 = -0.46
    /// assert!((factual[1] - 0.8).abs() < 1e-12 && (factual[2] + 0.46).abs() < 1e-12);
    /// // The counterfactual do(x2 = 0) keeps x1 and moves its descendant x3 only.
    /// assert_eq!(scm.evaluate(&noise, &[(1, 0.0)]).values, vec![1.0, 0.0, 0.5]);
    /// ```
    pub fn evaluate(&self, noise: &[f64], interventions: &[(usize, f64)]) -> DataTable {
        let d = self.names.len();
        let n = noise.len() / d;
        let mut values = vec![0.0; n * d];
        for r in 0..n {
            let row = &mut values[r * d..(r + 1) * d];
            for i in 0..d {
                row[i] = match interventions.iter().find(|(k, _)| *k == i) {
                    Some((_, value)) => *value,
                    None => {
                        let (location, scale) = (self.mechanism)(i, &row[..i]);
                        location + scale * noise[r * d + i]
                    }
                };
            }
        }
        DataTable::new(self.names.clone(), values).expect("whole rows")
    }

    /// The true `ln p(x)` of each row.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::scm::linear_chain;
    /// let scm = linear_chain();
    /// // At zero noise each factor is its noise density over its scale (1, 0.6, 0.5).
    /// let rows = scm.evaluate(&[0.0; 3], &[]);
    /// let expected = -1.5 * std::f64::consts::TAU.ln() - 0.3f64.ln();
    /// assert!((scm.log_density(&rows)[0] - expected).abs() < 1e-12);
    /// ```
    pub fn log_density(&self, rows: &DataTable) -> Vec<f64> {
        let d = self.names.len();
        rows.values
            .chunks(d)
            .map(|row| {
                (0..d)
                    .map(|i| {
                        let (location, scale) = (self.mechanism)(i, &row[..i]);
                        let u = (row[i] - location) / scale;
                        let base = match self.noise {
                            Base::StandardNormal => -0.5 * u * u - 0.5 * std::f64::consts::TAU.ln(),
                            Base::StandardLaplace => -u.abs() - std::f64::consts::LN_2,
                        };
                        base - scale.ln()
                    })
                    .sum()
            })
            .collect()
    }

    /// The index of `name`.
    ///
    /// # Errors
    /// An unknown name.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::scm::backdoor;
    /// # fn main() -> flowppl::Result<()> {
    /// let scm = backdoor();
    /// assert_eq!(scm.index("t")?, 4);
    /// assert!(scm.index("x").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn index(&self, name: &str) -> Result<usize> {
        self.names.iter().position(|n| n == name).ok_or_else(|| {
            flowppl::error::Error::InvalidConfig {
                what: format!("variable `{name}`"),
                message: format!("not in the SCM `{}`", self.name),
            }
        })
    }
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Linear-Gaussian chain `x1 -> x2 -> x3`.
///
/// # Examples
/// ```
/// use flowppl_models::scm::linear_chain;
/// let scm = linear_chain();
/// // Raising x1 by 1 moves x2 by 0.8 and x3 by -1.2 * 0.8.
/// let (low, high) = (scm.evaluate(&[0.0; 3], &[]), scm.evaluate(&[1.0, 0.0, 0.0], &[]));
/// assert!((high.values[1] - low.values[1] - 0.8).abs() < 1e-12);
/// assert!((high.values[2] - low.values[2] + 0.96).abs() < 1e-12);
/// ```
pub fn linear_chain() -> Scm {
    Scm {
        name: "linear chain",
        names: names(&["x1", "x2", "x3"]),
        graph: "x1->x2, x2->x3",
        noise: Base::StandardNormal,
        treatment: "x2",
        outcome: "x3",
        mechanism: |i, x| match i {
            0 => (0.0, 1.0),
            1 => (0.8 * x[0], 0.6),
            _ => (-1.2 * x[1] + 0.5, 0.5),
        },
    }
}

/// Non-linear triangle `x1 -> x2 -> x3`, `x1 -> x3`, Laplace noise.
///
/// # Examples
/// ```
/// use flowppl::flows::Base;
/// use flowppl_models::scm::nonlinear_triangle;
/// let scm = nonlinear_triangle();
/// assert_eq!(scm.noise, Base::StandardLaplace);
/// // do(x2 = 1) at zero noise: x3 = sin(x1) + 0.5 x2 - 0.2 x2^2 = 0.3.
/// let row = scm.evaluate(&[0.0; 3], &[(1, 1.0)]).values;
/// assert!((row[2] - 0.3).abs() < 1e-12);
/// ```
pub fn nonlinear_triangle() -> Scm {
    Scm {
        name: "non-linear triangle",
        names: names(&["x1", "x2", "x3"]),
        graph: "x1->x2, x1->x3, x2->x3",
        noise: Base::StandardLaplace,
        treatment: "x2",
        outcome: "x3",
        mechanism: |i, x| match i {
            0 => (0.0, 1.0),
            1 => ((1.5 * x[0]).tanh(), 0.7),
            _ => (x[0].sin() + 0.5 * x[1] - 0.2 * x[1] * x[1], 0.4),
        },
    }
}

/// Simpson's paradox: `z` drives both `t` and `y`; the effect of `t` on `y` is -1, but `y`
/// rises with `t` in the data (the naive regression slope is `-1 + 2 / 1.64 = +0.22`).
///
/// # Examples
/// ```
/// use flowppl_models::scm::simpson;
/// let scm = simpson();
/// // In the data y rises with t: the regression slope is -1 + 2 / 1.64 = 0.22 ...
/// let (rows, _) = scm.sample(20_000, 0, &[]);
/// let (t, y) = (rows.column(1), rows.column(2));
/// let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
/// let (mt, my) = (mean(&t), mean(&y));
/// let covariance: f64 = t.iter().zip(&y).map(|(a, b)| (a - mt) * (b - my)).sum();
/// let variance: f64 = t.iter().map(|a| (a - mt).powi(2)).sum();
/// assert!((covariance / variance - 0.22).abs() < 0.03);
/// // ... but do(t = 1) lowers y by 1 against do(t = 0).
/// let y_under = |t: f64| scm.evaluate(&[0.0; 3], &[(1, t)]).values[2];
/// assert_eq!(y_under(1.0) - y_under(0.0), -1.0);
/// ```
pub fn simpson() -> Scm {
    Scm {
        name: "Simpson",
        names: names(&["z", "t", "y"]),
        graph: "z->t, z->y, t->y",
        noise: Base::StandardNormal,
        treatment: "t",
        outcome: "y",
        mechanism: |i, x| match i {
            0 => (0.0, 1.0),
            1 => (x[0], 0.8),
            _ => (-x[1] + 2.0 * x[0], 0.5),
        },
    }
}

/// A harder Simpson graph: `t = 1.5 z + 0.5 u` (correlation 0.95 with `z`), `y = -t + 3 z +
/// 0.5 u`. Interventions put `(z, t)` far outside the observed band, where a learned
/// conditioner has to extrapolate: a known limit of flow-based causal models (and of any
/// model learned from observational data alone), kept to show it.
///
/// # Examples
/// ```
/// use flowppl_models::scm::simpson_strong;
/// let scm = simpson_strong();
/// // One unit of z: t = 1.5, y = -1.5 + 3 = 1.5 at zero noise otherwise.
/// assert_eq!(scm.evaluate(&[1.0, 0.0, 0.0], &[]).values, vec![1.0, 1.5, 1.5]);
/// // The causal effect of t on y is still -1.
/// let y = |t: f64| scm.evaluate(&[1.0, 0.0, 0.0], &[(1, t)]).values[2];
/// assert_eq!(y(1.0) - y(0.0), -1.0);
/// ```
pub fn simpson_strong() -> Scm {
    Scm {
        name: "Simpson, strong confounding",
        names: names(&["z", "t", "y"]),
        graph: "z->t, z->y, t->y",
        noise: Base::StandardNormal,
        treatment: "t",
        outcome: "y",
        mechanism: |i, x| match i {
            0 => (0.0, 1.0),
            1 => (1.5 * x[0], 0.5),
            _ => (-x[1] + 3.0 * x[0], 0.5),
        },
    }
}

/// A 9-node backdoor graph: confounders `z1, z2, z3`, treatment `t` (parents `z1, z2`),
/// mediator `m`, outcome `y` (parents `m, z2, z3`), and `w1` (child of `z1`), `w2` (child of
/// `t` and `z3`), `w3` (child of `y`).
///
/// # Examples
/// ```
/// use flowppl::causal::CausalGraph;
/// use flowppl_models::scm::backdoor;
/// # fn main() -> flowppl::Result<()> {
/// let scm = backdoor();
/// let graph = CausalGraph::parse(&scm.names, scm.graph)?;
/// let (t, y) = (scm.index("t")?, scm.index("y")?);
/// assert!(graph.is_descendant(y, t) && graph.is_descendant(scm.index("w3")?, t));
/// assert!(!graph.is_descendant(scm.index("z1")?, t)); // a confounder
/// # Ok(())
/// # }
/// ```
pub fn backdoor() -> Scm {
    Scm {
        name: "9-node backdoor",
        names: names(&["z1", "z2", "z3", "w1", "t", "w2", "m", "y", "w3"]),
        graph: "z1->w1, z1->t, z2->t, z2->y, z3->y, z3->w2, t->w2, t->m, m->y, y->w3",
        noise: Base::StandardNormal,
        treatment: "t",
        outcome: "y",
        mechanism: |i, x| match i {
            0..=2 => (0.0, 1.0),
            3 => (0.7 * x[0], 0.7),
            4 => (0.8 * x[0] - 0.6 * x[1] + 0.3 * x[0] * x[1], 0.6),
            5 => (0.5 * x[4] + (x[2]).tanh(), 0.5),
            6 => (1.2 * (0.8 * x[4]).tanh(), 0.4),
            7 => (1.5 * x[6] + 0.7 * x[1] - 0.5 * x[2], 0.5),
            _ => (0.6 * x[7], 0.6),
        },
    }
}

/// The SCMs of the acceptance tests (all above but [`simpson_strong`]).
///
/// # Examples
/// ```
/// let names: Vec<&str> = flowppl_models::scm::all().iter().map(|s| s.name).collect();
/// assert_eq!(names, ["linear chain", "non-linear triangle", "Simpson", "9-node backdoor"]);
/// ```
pub fn all() -> Vec<Scm> {
    vec![linear_chain(), nonlinear_triangle(), simpson(), backdoor()]
}

/// How well a causal flow fitted on 5000 observational rows of an SCM answers its queries, for
/// interventions on the treatment at its 25th and 75th percentiles (errors in units of each
/// variable's observational sd).
///
/// # Examples
/// ```
/// use flowppl::causal::CausalFlowOptions;
/// use flowppl_models::scm::{evaluate_causal_flow, linear_chain};
/// # fn main() -> flowppl::Result<()> {
/// let mut options = CausalFlowOptions { hidden: vec![8], ..Default::default() };
/// options.training.steps = 5; // a smoke run: the report's shape, not its accuracy
/// let report = evaluate_causal_flow(&linear_chain(), options, 200)?;
/// // x1 is no descendant of x2: do(x2) leaves its draws exactly as they were.
/// assert!(report.non_descendants_unmoved);
/// // The true ATE is -1.2 times the treatment's interquartile range (about 1.35).
/// assert!((report.ate.2 + 1.2 * 1.35).abs() < 0.15);
/// assert!(report.test_kl.is_finite() && report.seconds >= 0.0);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CausalReport {
    /// The largest error of a descendant's interventional mean.
    pub mean_error: f64,
    /// The largest error of a descendant's interventional sd.
    pub sd_error: f64,
    /// Whether every non-descendant kept exactly its observational draws.
    pub non_descendants_unmoved: bool,
    /// The largest counterfactual RMSE of any variable (1000 factual rows).
    pub counterfactual_rmse: f64,
    /// The fitted ATE (75th vs 25th percentile), its Monte Carlo standard error, and the truth.
    pub ate: (f64, f64, f64),
    /// The ATE error in outcome sds.
    pub ate_error: f64,
    /// `E_p[ln p - ln q]` on 5000 fresh rows.
    pub test_kl: f64,
    /// Seconds spent fitting.
    pub seconds: f64,
}

fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    let v = values.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, v.sqrt())
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Fits a causal flow to 5000 rows of `scm` (noise of the SCM as the base) and measures it
/// against the equations with `draws` draws per interventional arm.
///
/// # Errors
/// Fitting or query errors.
///
/// # Examples
/// ```
/// use flowppl::causal::CausalFlowOptions;
/// use flowppl_models::scm::{evaluate_causal_flow, simpson};
/// # fn main() -> flowppl::Result<()> {
/// let mut options = CausalFlowOptions { hidden: vec![8], ..Default::default() };
/// options.training.steps = 5;
/// let report = evaluate_causal_flow(&simpson(), options, 200)?;
/// // y = -t + 2 z + 0.5 u: the true ATE is minus the gap between t's quartiles (sd 1.28).
/// assert!((report.ate.2 + 1.349 * 1.64f64.sqrt()).abs() < 0.15);
/// assert!(report.non_descendants_unmoved && report.counterfactual_rmse.is_finite());
/// # Ok(())
/// # }
/// ```
pub fn evaluate_causal_flow(
    scm: &Scm,
    mut options: CausalFlowOptions,
    draws: usize,
) -> Result<CausalReport> {
    options.base = scm.noise;
    let (train, _) = scm.sample(5000, 1, &[]);
    let graph = CausalGraph::parse(&scm.names, scm.graph)?;
    let started = std::time::Instant::now();
    let (model, _) = CausalFlow::<f32, Cpu>::fit(&Cpu::default(), graph.clone(), &train, options)?;
    let seconds = started.elapsed().as_secs_f64();
    let d = scm.names.len();
    let sds: Vec<f64> = (0..d).map(|i| mean_sd(&train.column(i)).1).collect();
    let (t, y) = (scm.index(scm.treatment)?, scm.index(scm.outcome)?);
    let levels = [
        percentile(&train.column(t), 0.25),
        percentile(&train.column(t), 0.75),
    ];
    let mut report = CausalReport {
        mean_error: 0.0,
        sd_error: 0.0,
        non_descendants_unmoved: true,
        counterfactual_rmse: 0.0,
        ate: (0.0, 0.0, 0.0),
        ate_error: 0.0,
        test_kl: 0.0,
        seconds,
    };
    let treatment = scm.treatment.to_string();
    for (k, &level) in levels.iter().enumerate() {
        let (truth, _) = scm.sample(draws, 10 + k as u64, &[(t, level)]);
        let fitted = model.sample(draws, &[(treatment.clone(), level)], 20 + k as u64)?;
        let observational = model.sample(draws, &[], 20 + k as u64)?;
        for i in (0..d).filter(|&i| i != t) {
            if graph.is_descendant(i, t) {
                let (tm, ts) = mean_sd(&truth.column(i));
                let (fm, fs) = mean_sd(&fitted.column(i));
                report.mean_error = report.mean_error.max((fm - tm).abs() / sds[i]);
                report.sd_error = report.sd_error.max((fs - ts).abs() / sds[i]);
            } else {
                report.non_descendants_unmoved &= fitted
                    .column(i)
                    .iter()
                    .zip(observational.column(i))
                    .all(|(a, b)| (a - b).abs() <= 1e-9 * (1.0 + b.abs()));
            }
        }
    }
    let (factual, noise) = scm.sample(1000, 30, &[]);
    for &level in &levels {
        let truth = scm.evaluate(&noise, &[(t, level)]);
        let fitted = model.counterfactual(&factual, &[(treatment.clone(), level)])?;
        for (i, sd) in sds.iter().enumerate() {
            let squared: f64 = truth
                .column(i)
                .iter()
                .zip(fitted.column(i))
                .map(|(a, b)| (a - b).powi(2))
                .sum();
            let rmse = (squared / 1000.0).sqrt() / sd;
            report.counterfactual_rmse = report.counterfactual_rmse.max(rmse);
        }
    }
    let (ate, se) = model.ate(scm.treatment, levels[1], levels[0], scm.outcome, draws, 40)?;
    let (high, _) = scm.sample(draws, 50, &[(t, levels[1])]);
    let (low, _) = scm.sample(draws, 50, &[(t, levels[0])]);
    let true_ate = mean_sd(&high.column(y)).0 - mean_sd(&low.column(y)).0;
    report.ate = (ate, se, true_ate);
    report.ate_error = (ate - true_ate).abs() / sds[y];
    let (test, _) = scm.sample(5000, 60, &[]);
    let truth: f64 = scm.log_density(&test).iter().sum::<f64>() / 5000.0;
    report.test_kl = truth - model.mean_log_likelihood(&test)?;
    Ok(report)
}
