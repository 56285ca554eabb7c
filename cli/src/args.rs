//! Command-line options, parsed by hand with clear messages.

/// Options of `flowppl demo`.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOptions {
    /// Optimisation steps.
    pub steps: usize,
    /// Monte Carlo particles per ELBO estimate.
    pub particles: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Random seed.
    pub seed: u64,
    /// Print one JSON object instead of a table.
    pub json: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            steps: 2000,
            particles: 16,
            learning_rate: 0.05,
            seed: 0,
            json: false,
        }
    }
}

pub(crate) fn value<'a>(
    flag: &str,
    iter: &mut impl Iterator<Item = &'a String>,
) -> Result<&'a String, String> {
    iter.next().ok_or_else(|| format!("`{flag}` needs a value"))
}

pub(crate) fn number<T: std::str::FromStr>(
    flag: &str,
    text: &str,
    what: &str,
) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("`{flag}` expects {what}, got `{text}`"))
}

impl DemoOptions {
    /// Parses `--steps N --particles S --lr X --seed N --json`.
    pub fn parse(arguments: &[String]) -> Result<Self, String> {
        let mut options = DemoOptions::default();
        let mut iter = arguments.iter();
        while let Some(flag) = iter.next() {
            match flag.as_str() {
                "--steps" => {
                    options.steps = number(flag, value(flag, &mut iter)?, "a positive integer")?
                }
                "--particles" => {
                    options.particles = number(flag, value(flag, &mut iter)?, "a positive integer")?
                }
                "--lr" => {
                    options.learning_rate =
                        number(flag, value(flag, &mut iter)?, "a positive number")?
                }
                "--seed" => {
                    options.seed = number(flag, value(flag, &mut iter)?, "a non-negative integer")?
                }
                "--json" => options.json = true,
                other => return Err(format!("unknown option `{other}` for `demo`")),
            }
        }
        if options.steps == 0 {
            return Err("`--steps` must be at least 1".into());
        }
        if options.particles == 0 {
            return Err("`--particles` must be at least 1".into());
        }
        if !(options.learning_rate > 0.0 && options.learning_rate.is_finite()) {
            return Err(format!(
                "`--lr` must be positive, got {}",
                options.learning_rate
            ));
        }
        Ok(options)
    }
}

/// Options of `flowppl fit`.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// The zoo model.
    pub model: String,
    /// A Stan-style JSON data file replacing the bundled data.
    pub data: Option<String>,
    /// `normal`, `mvn`, `lowrank` or `delta`.
    pub guide: String,
    /// Rank of the low-rank guide.
    pub rank: usize,
    /// Optimisation steps.
    pub steps: usize,
    /// Particles per ELBO estimate.
    pub particles: usize,
    /// Initial Adam learning rate.
    pub learning_rate: f64,
    /// Learning-rate multiplier reached at the last step (exponential decay).
    pub decay: f64,
    /// Random seed.
    pub seed: u64,
    /// Guide draws for the summary.
    pub draws: usize,
    /// Print one JSON object.
    pub json: bool,
    /// Save the fit here.
    pub save: Option<String>,
    /// Compare with the bundled reference posterior.
    pub compare_reference: bool,
    /// Initialisation: `median`, `mean`, `feasible` or `laplace`.
    pub init: String,
    /// Reuse tensor buffers across steps (`--cache`).
    pub cache: bool,
    /// Layers of a flow guide.
    pub layers: usize,
    /// Hidden sizes of a flow guide's networks.
    pub hidden: Vec<usize>,
    /// `elbo`, `iwae:K` or `renyi:ALPHA`.
    pub objective: String,
    /// Sticking-the-landing gradients.
    pub stl: bool,
    /// Closed-form KL terms where guide and prior allow (`--analytic-kl`).
    pub analytic_kl: bool,
    /// A full-rank Gaussian base for flow guides (`--full-rank-base`).
    pub full_rank_base: bool,
    /// Skip steps with a non-finite loss or gradient instead of stopping
    /// (`--on-non-finite skip|stop`).
    pub skip_non_finite: bool,
    /// Write a checkpoint to the `--save` file every this many steps.
    pub checkpoint_every: Option<usize>,
    /// Continue the run saved in this file up to `--steps` in all.
    pub resume: Option<String>,
    /// Replace an existing `--save` file.
    pub force: bool,
}

/// The guides `fit` accepts.
pub const GUIDES: [&str; 12] = [
    "normal",
    "mvn",
    "lowrank",
    "delta",
    "iaf",
    "planar",
    "radial",
    "sylvester",
    "nsf",
    "realnvp",
    "maf",
    "cnf",
];

impl FitOptions {
    /// Parses `<model> [--data F] [--guide G] [--rank R] [--layers K] [--hidden 32,32]
    /// [--objective elbo|iwae:K|renyi:A] [--stl] [--analytic-kl] [--full-rank-base] [--on-non-finite skip|stop] [--init I] [--steps N] [--particles S] [--lr X]
    /// [--decay F] [--seed N] [--draws N] [--json] [--save F] [--compare-reference]
    /// [--checkpoint-every N] [--resume F] [--force]`.
    pub fn parse(arguments: &[String]) -> Result<Self, String> {
        let mut iter = arguments.iter();
        let model = match iter.next() {
            Some(m) if !m.starts_with("--") => m.clone(),
            _ => return Err("`fit` needs a model name; `flowppl models` lists them".into()),
        };
        let mut options = FitOptions {
            model,
            data: None,
            guide: "normal".into(),
            rank: 2,
            steps: 5000,
            particles: 8,
            learning_rate: 0.01,
            decay: 0.1,
            seed: 0,
            draws: 10_000,
            json: false,
            save: None,
            compare_reference: false,
            init: "median".into(),
            cache: false,
            layers: 3,
            hidden: vec![32, 32],
            objective: "elbo".into(),
            stl: false,
            analytic_kl: false,
            full_rank_base: false,
            skip_non_finite: false,
            checkpoint_every: None,
            resume: None,
            force: false,
        };
        let mut particles_given = false;
        while let Some(flag) = iter.next() {
            match flag.as_str() {
                "--data" => options.data = Some(value(flag, &mut iter)?.clone()),
                "--guide" => options.guide = value(flag, &mut iter)?.clone(),
                "--rank" => {
                    options.rank = number(flag, value(flag, &mut iter)?, "a positive integer")?
                }
                "--steps" => {
                    options.steps = number(flag, value(flag, &mut iter)?, "a positive integer")?
                }
                "--particles" => {
                    options.particles =
                        number(flag, value(flag, &mut iter)?, "a positive integer")?;
                    particles_given = true;
                }
                "--lr" => {
                    options.learning_rate =
                        number(flag, value(flag, &mut iter)?, "a positive number")?
                }
                "--decay" => {
                    options.decay = number(flag, value(flag, &mut iter)?, "a number in (0, 1]")?
                }
                "--seed" => {
                    options.seed = number(flag, value(flag, &mut iter)?, "a non-negative integer")?
                }
                "--draws" => {
                    options.draws =
                        number(flag, value(flag, &mut iter)?, "an integer of at least 20")?
                }
                "--save" => options.save = Some(value(flag, &mut iter)?.clone()),
                "--resume" => options.resume = Some(value(flag, &mut iter)?.clone()),
                "--force" => options.force = true,
                "--checkpoint-every" => {
                    options.checkpoint_every =
                        Some(number(flag, value(flag, &mut iter)?, "a positive integer")?)
                }
                "--init" => options.init = value(flag, &mut iter)?.clone(),
                "--json" => options.json = true,
                "--cache" => options.cache = true,
                "--compare-reference" => options.compare_reference = true,
                "--stl" => options.stl = true,
                "--analytic-kl" => options.analytic_kl = true,
                "--full-rank-base" => options.full_rank_base = true,
                "--on-non-finite" => {
                    options.skip_non_finite = match value(flag, &mut iter)?.as_str() {
                        "skip" => true,
                        "stop" => false,
                        other => {
                            return Err(format!(
                                "`--on-non-finite` expects skip or stop, got `{other}`"
                            ))
                        }
                    }
                }
                "--objective" => options.objective = value(flag, &mut iter)?.clone(),
                "--layers" => {
                    options.layers = number(flag, value(flag, &mut iter)?, "a positive integer")?
                }
                "--hidden" => {
                    options.hidden = value(flag, &mut iter)?
                        .split(',')
                        .map(|h| number::<usize>(flag, h, "comma-separated positive integers"))
                        .collect::<Result<_, _>>()?
                }
                other => return Err(format!("unknown option `{other}` for `fit`")),
            }
        }
        if options.steps == 0
            || options.particles == 0
            || options.rank == 0
            || options.layers == 0
            || options.hidden.contains(&0)
            || options.draws < 20
        {
            return Err(
                "`--steps`, `--particles`, `--rank`, `--layers` and every `--hidden` size must be \
                 at least 1, `--draws` at least 20"
                    .into(),
            );
        }
        if options.checkpoint_every == Some(0) {
            return Err("`--checkpoint-every` must be at least 1".into());
        }
        if options.checkpoint_every.is_some() && options.save.is_none() {
            return Err("`--checkpoint-every` writes to the `--save` file; give one".into());
        }
        if !(options.learning_rate > 0.0 && options.learning_rate.is_finite()) {
            return Err(format!(
                "`--lr` must be positive, got {}",
                options.learning_rate
            ));
        }
        if !(options.decay > 0.0 && options.decay <= 1.0) {
            return Err(format!(
                "`--decay` must be in (0, 1], got {}",
                options.decay
            ));
        }
        if !["median", "mean", "feasible", "laplace"].contains(&options.init.as_str()) {
            return Err(format!(
                "unknown init `{}`; expected median, mean, feasible or laplace",
                options.init
            ));
        }
        // `iwae:K` sets the particles to K.
        match flowppl::infer::Bound::parse(&options.objective) {
            Err(e) => return Err(format!("`--objective`: {e}")),
            Ok((_, Some(k))) if particles_given && k != options.particles => {
                return Err(format!(
                    "`--objective {}` uses {k} particles but `--particles` says {}; give one",
                    options.objective, options.particles
                ))
            }
            Ok((_, Some(k))) => options.particles = k,
            Ok((_, None)) => {}
        }
        if options.full_rank_base && GUIDES[..4].contains(&options.guide.as_str()) {
            return Err(format!(
                "`--full-rank-base` is for flow guides, not `{}` (use `--guide mvn` for a full-rank Gaussian)",
                options.guide
            ));
        }
        if !GUIDES.contains(&options.guide.as_str()) {
            return Err(format!(
                "unknown guide `{}`; expected one of {}",
                options.guide,
                GUIDES.join(", ")
            ));
        }
        Ok(options)
    }
}

/// Options of `flowppl flow2d`.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow2dOptions {
    /// `u1`..`u4` or `moons`.
    pub target: String,
    /// `planar`, `radial`, `sylvester`, `iaf`, `maf`, `maf-bn`, `realnvp`, `nsf` or `cnf`.
    pub flow: String,
    /// The CNF's ODE solver (`rk4:STEPS` or `dopri5:TOL`).
    pub solver: String,
    /// The CNF's trace estimator (`exact`, `hutchinson` or `hutchinson-gaussian`).
    pub trace: String,
    /// Number of layers.
    pub layers: usize,
    /// Hidden sizes of the layers' networks.
    pub hidden: Vec<usize>,
    /// Optimisation steps.
    pub steps: usize,
    /// Draws (energies) or rows (data) per step.
    pub batch: Option<usize>,
    /// Adam's learning rate.
    pub learning_rate: Option<f64>,
    /// Annealing steps for energies (0: none).
    pub anneal: usize,
    /// Random seed.
    pub seed: u64,
    /// Training CSV (2 columns).
    pub data: Option<String>,
    /// Test CSV (2 columns).
    pub test: Option<String>,
    /// Print one JSON object.
    pub json: bool,
    /// Write the target and the fitted density side by side to this PNG.
    pub plot: Option<String>,
    /// Save the trained flow (and, for density estimation, its training state) to this file.
    pub save: Option<String>,
    /// Write a checkpoint to the `--save` file every this many steps.
    pub checkpoint_every: Option<usize>,
    /// Continue the density-estimation run saved in this file.
    pub resume: Option<String>,
    /// Replace an existing `--save` file.
    pub force: bool,
}

impl Flow2dOptions {
    /// Parses `<target> --flow F [--layers K] [--hidden 64,64] [--steps N] [--batch B] [--lr X]
    /// [--anneal N] [--seed S] [--solver rk4:10] [--trace exact] [--data TRAIN.csv --test
    /// TEST.csv] [--plot OUT.png] [--save F [--checkpoint-every N]] [--resume F] [--force]
    /// [--json]`.
    pub fn parse(arguments: &[String]) -> Result<Self, String> {
        let mut iter = arguments.iter();
        let target = match iter.next() {
            Some(t) if !t.starts_with("--") => t.to_ascii_lowercase(),
            _ => return Err("`flow2d` needs a target: u1, u2, u3, u4 or moons".into()),
        };
        let mut options = Flow2dOptions {
            target,
            flow: "planar".into(),
            solver: "rk4:10".into(),
            trace: "exact".into(),
            layers: 32,
            hidden: vec![64, 64],
            steps: 5000,
            batch: None,
            learning_rate: None,
            anneal: 0,
            seed: 0,
            data: None,
            test: None,
            json: false,
            plot: None,
            save: None,
            checkpoint_every: None,
            resume: None,
            force: false,
        };
        while let Some(flag) = iter.next() {
            match flag.as_str() {
                "--flow" => options.flow = value(flag, &mut iter)?.clone(),
                "--solver" => options.solver = value(flag, &mut iter)?.clone(),
                "--trace" => options.trace = value(flag, &mut iter)?.clone(),
                "--layers" => {
                    options.layers = number(flag, value(flag, &mut iter)?, "a positive integer")?
                }
                "--hidden" => {
                    options.hidden = value(flag, &mut iter)?
                        .split(',')
                        .map(|h| number(flag, h, "comma-separated positive integers"))
                        .collect::<Result<_, _>>()?
                }
                "--steps" => {
                    options.steps = number(flag, value(flag, &mut iter)?, "a positive integer")?
                }
                "--batch" => {
                    options.batch =
                        Some(number(flag, value(flag, &mut iter)?, "a positive integer")?)
                }
                "--lr" => {
                    options.learning_rate =
                        Some(number(flag, value(flag, &mut iter)?, "a positive number")?)
                }
                "--anneal" => {
                    options.anneal =
                        number(flag, value(flag, &mut iter)?, "a non-negative integer")?
                }
                "--seed" => {
                    options.seed = number(flag, value(flag, &mut iter)?, "a non-negative integer")?
                }
                "--data" => options.data = Some(value(flag, &mut iter)?.clone()),
                "--test" => options.test = Some(value(flag, &mut iter)?.clone()),
                "--plot" => options.plot = Some(value(flag, &mut iter)?.clone()),
                "--save" => options.save = Some(value(flag, &mut iter)?.clone()),
                "--resume" => options.resume = Some(value(flag, &mut iter)?.clone()),
                "--force" => options.force = true,
                "--checkpoint-every" => {
                    options.checkpoint_every =
                        Some(number(flag, value(flag, &mut iter)?, "a positive integer")?)
                }
                "--json" => options.json = true,
                other => return Err(format!("unknown option `{other}` for `flow2d`")),
            }
        }
        if options.layers == 0
            || options.steps == 0
            || options.hidden.is_empty()
            || options.hidden.contains(&0)
            || options.batch == Some(0)
            || options.checkpoint_every == Some(0)
        {
            return Err(
                "`--layers`, `--steps`, `--batch` and every `--hidden` size must be at least 1"
                    .into(),
            );
        }
        Ok(options)
    }
}

/// Errors on any argument to a command that takes none.
pub fn reject_extra(command: &str, arguments: &[String]) -> Result<(), String> {
    match arguments.first() {
        Some(extra) => Err(format!("`{command}` takes no arguments, got `{extra}`")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fit_takes_flow_guides_objectives_and_stl() {
        let o = FitOptions::parse(&strings(&[
            "banana",
            "--guide",
            "nsf",
            "--layers",
            "4",
            "--hidden",
            "64,64",
            "--objective",
            "iwae:16",
            "--stl",
        ]))
        .unwrap();
        assert_eq!(
            (
                o.guide.as_str(),
                o.layers,
                o.hidden.clone(),
                o.particles,
                o.stl
            ),
            ("nsf", 4, vec![64, 64], 16, true)
        );
        let o = FitOptions::parse(&strings(&["banana", "--objective", "renyi:0.5"])).unwrap();
        assert_eq!((o.objective.as_str(), o.particles), ("renyi:0.5", 8));
        for (bad, named) in [
            (vec!["banana", "--guide", "flowy"], "flowy"),
            (vec!["banana", "--objective", "kl"], "kl"),
            (
                vec!["banana", "--objective", "iwae:4", "--particles", "8"],
                "iwae:4",
            ),
            (vec!["banana", "--hidden", "64,0"], "--hidden"),
            (vec!["banana", "--draws", "5"], "--draws"),
            (vec!["banana", "--full-rank-base"], "--full-rank-base"),
            (vec!["banana", "--on-non-finite", "ignore"], "ignore"),
        ] {
            let error = FitOptions::parse(&strings(&bad)).unwrap_err();
            assert!(error.contains(named), "{bad:?}: {error}");
        }
    }

    #[test]
    fn parses_and_validates() {
        let o = DemoOptions::parse(&strings(&["--steps", "10", "--json", "--lr", "0.1"])).unwrap();
        assert_eq!((o.steps, o.json, o.learning_rate), (10, true, 0.1));
        let e = DemoOptions::parse(&strings(&["--steps", "ten"])).unwrap_err();
        assert!(e.contains("--steps") && e.contains("ten"));
        assert!(DemoOptions::parse(&strings(&["--lr", "-1"]))
            .unwrap_err()
            .contains("--lr"));
        assert!(DemoOptions::parse(&strings(&["--bogus"]))
            .unwrap_err()
            .contains("--bogus"));
        assert!(DemoOptions::parse(&strings(&["--seed"]))
            .unwrap_err()
            .contains("needs a value"));
    }
}
