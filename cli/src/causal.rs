//! `flowppl causal`: fit a causal flow on CSV data and query it (sampling under `do`,
//! counterfactuals, ATE, log-densities).

use crate::args::{number, value};
use flowppl::backend::Cpu;
use flowppl::causal::{CausalFlow, DataTable};
use flowppl::{Error, Result};
use flowppl_models::plot::write_marginals;
use std::path::{Path, PathBuf};

/// Parsed `flowppl causal ...` options (each subcommand uses its own subset).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CausalOptions {
    /// `fit`, `sample`, `counterfactual`, `ate` or `logprob`.
    pub command: String,
    pub(crate) data: Option<String>,
    pub(crate) graph: Option<String>,
    pub(crate) graph_file: Option<String>,
    pub(crate) order: Option<String>,
    pub(crate) transformer: Option<String>,
    pub(crate) noise: Option<String>,
    pub(crate) hidden: Option<Vec<usize>>,
    pub(crate) steps: Option<usize>,
    pub(crate) seed: u64,
    pub(crate) save: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) draws: Option<usize>,
    pub(crate) interventions: Vec<(String, f64)>,
    pub(crate) out: Option<String>,
    pub(crate) rows: Option<String>,
    pub(crate) treatment: Option<String>,
    pub(crate) a: Option<f64>,
    pub(crate) b: Option<f64>,
    pub(crate) outcome: Option<String>,
    pub(crate) plot: Option<String>,
    pub(crate) json: bool,
    pub(crate) checkpoint_every: Option<usize>,
    pub(crate) resume: Option<String>,
    pub(crate) force: bool,
}

/// Parses `name=value`.
fn intervention(text: &str) -> std::result::Result<(String, f64), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`--do` expects `name=value`, got `{text}`"))?;
    let value: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("`--do {text}`: `{value}` is not a number"))?;
    if !value.is_finite() {
        return Err(format!("`--do {text}`: the value must be finite"));
    }
    Ok((name.trim().to_string(), value))
}

impl CausalOptions {
    /// Parses `<fit|sample|counterfactual|ate|logprob> [options]`.
    pub fn parse(arguments: &[String]) -> std::result::Result<Self, String> {
        let mut iter = arguments.iter();
        let command = match iter.next().map(String::as_str) {
            Some(c @ ("fit" | "sample" | "counterfactual" | "ate" | "logprob")) => c.to_string(),
            Some(other) => {
                return Err(format!(
                    "unknown `causal` command `{other}`; expected fit, sample, counterfactual, ate or logprob"
                ))
            }
            None => return Err("`causal` needs a command: fit, sample, counterfactual, ate or logprob".into()),
        };
        let mut options = CausalOptions {
            command,
            ..CausalOptions::default()
        };
        while let Some(flag) = iter.next() {
            let mut text = || value(flag, &mut iter).cloned();
            match flag.as_str() {
                "--data" => options.data = Some(text()?),
                "--graph" => options.graph = Some(text()?),
                "--graph-file" => options.graph_file = Some(text()?),
                "--order" => options.order = Some(text()?),
                "--transformer" => options.transformer = Some(text()?),
                "--noise" => options.noise = Some(text()?),
                "--hidden" => {
                    options.hidden = Some(
                        text()?
                            .split(',')
                            .map(|h| number::<usize>(flag, h, "comma-separated positive integers"))
                            .collect::<std::result::Result<_, _>>()?,
                    )
                }
                "--steps" => options.steps = Some(number(flag, &text()?, "a positive integer")?),
                "--seed" => options.seed = number(flag, &text()?, "a non-negative integer")?,
                "--save" => options.save = Some(text()?),
                "--resume" => options.resume = Some(text()?),
                "--force" => options.force = true,
                "--checkpoint-every" => {
                    options.checkpoint_every =
                        Some(number(flag, &text()?, "a positive number of steps")?)
                }
                "--model" => options.model = Some(text()?),
                "-n" => options.draws = Some(number(flag, &text()?, "a positive integer")?),
                "--do" => options.interventions.push(intervention(&text()?)?),
                "--out" => options.out = Some(text()?),
                "--rows" => options.rows = Some(text()?),
                "--treatment" => options.treatment = Some(text()?),
                "--a" => options.a = Some(number(flag, &text()?, "a number")?),
                "--b" => options.b = Some(number(flag, &text()?, "a number")?),
                "--outcome" => options.outcome = Some(text()?),
                "--plot" => options.plot = Some(text()?),
                "--json" => options.json = true,
                other => {
                    return Err(format!(
                        "unknown option `{other}` for `causal {}`",
                        options.command
                    ))
                }
            }
        }
        if options
            .hidden
            .as_ref()
            .is_some_and(|h| h.is_empty() || h.contains(&0))
            || options.steps == Some(0)
            || options.draws == Some(0)
        {
            return Err("`--hidden` sizes, `--steps` and `-n` must be at least 1".into());
        }
        Ok(options)
    }
}

/// The value of a required option, or an error naming it.
pub(crate) fn required<'a, T>(option: &'a Option<T>, flag: &str, command: &str) -> Result<&'a T> {
    option.as_ref().ok_or_else(|| Error::InvalidConfig {
        what: format!("causal {command}"),
        message: format!("needs `{flag}`"),
    })
}

/// Runs `flowppl causal ...`.
pub fn run(options: &CausalOptions) -> Result<()> {
    if options.checkpoint_every == Some(0)
        || (options.checkpoint_every.is_some() && options.save.is_none())
    {
        return Err(Error::InvalidConfig {
            what: "--checkpoint-every".into(),
            message: "needs at least 1 step and a `--save` file to write to".into(),
        });
    }
    let replaceable = |path: &String| options.force || options.resume.as_ref() == Some(path);
    for path in [&options.save, &options.out, &options.plot]
        .into_iter()
        .flatten()
    {
        if Path::new(path).exists() && !(options.save.as_ref() == Some(path) && replaceable(path)) {
            return Err(Error::InvalidConfig {
                what: path.clone(),
                message: "the file exists; choose another name, remove it, or pass --force (a --save file may also be the --resume file)".into(),
            });
        }
    }
    match options.command.as_str() {
        "fit" => crate::causal_fit::fit(options),
        "sample" => sample(options),
        "counterfactual" => counterfactual(options),
        "ate" => ate(options),
        _ => logprob(options),
    }
}

fn load(options: &CausalOptions) -> Result<CausalFlow<f32, Cpu>> {
    let path = required(&options.model, "--model FILE", &options.command)?;
    CausalFlow::load(&Cpu::default(), Path::new(path))
}

fn sample(options: &CausalOptions) -> Result<()> {
    let model = load(options)?;
    let n = options.draws.unwrap_or(1000);
    let samples = model.sample(n, &options.interventions, options.seed)?;
    let out = required(&options.out, "--out FILE.csv", "sample")?;
    samples.write_csv(&PathBuf::from(out))?;
    if let Some(plot) = &options.plot {
        let observational = model.sample(n, &[], options.seed)?;
        let columns = |t: &DataTable| (0..t.columns()).map(|j| t.column(j)).collect::<Vec<_>>();
        write_marginals(plot, &columns(&observational), &columns(&samples))?;
    }
    println!("wrote {n} rows to {out}");
    Ok(())
}

fn counterfactual(options: &CausalOptions) -> Result<()> {
    let model = load(options)?;
    let rows_path = required(&options.rows, "--rows FILE.csv", "counterfactual")?;
    if options.interventions.is_empty() {
        return Err(Error::InvalidConfig {
            what: "causal counterfactual".into(),
            message: "needs at least one `--do name=value`".into(),
        });
    }
    let factual = DataTable::read_csv(Path::new(rows_path))?;
    let result = model.counterfactual(&factual, &options.interventions)?;
    let out = required(&options.out, "--out FILE.csv", "counterfactual")?;
    result.write_csv(&PathBuf::from(out))?;
    println!("wrote {} counterfactual rows to {out}", result.rows());
    Ok(())
}

fn ate(options: &CausalOptions) -> Result<()> {
    let model = load(options)?;
    let treatment = required(&options.treatment, "--treatment NAME", "ate")?;
    let outcome = required(&options.outcome, "--outcome NAME", "ate")?;
    let a = *required(&options.a, "--a VALUE", "ate")?;
    let b = *required(&options.b, "--b VALUE", "ate")?;
    let n = options.draws.unwrap_or(20_000);
    let (ate, se) = model.ate(treatment, a, b, outcome, n, options.seed)?;
    if options.json {
        println!(
            "{}",
            serde_json::json!({"treatment": treatment, "a": a, "b": b, "outcome": outcome, "ate": ate, "ate_se": se, "draws": n})
        );
    } else {
        println!("E[{outcome} | do({treatment} = {a})] - E[{outcome} | do({treatment} = {b})] = {ate:.4} +- {se:.4} ({n} draws)");
    }
    Ok(())
}

fn logprob(options: &CausalOptions) -> Result<()> {
    let model = load(options)?;
    let rows_path = required(&options.rows, "--rows FILE.csv", "logprob")?;
    let rows = DataTable::read_csv(Path::new(rows_path))?;
    let table = DataTable::new(vec!["log_q".into()], model.log_prob(&rows)?)?;
    let out = required(&options.out, "--out FILE.csv", "logprob")?;
    table.write_csv(&PathBuf::from(out))?;
    println!("wrote {} log-densities to {out}", table.rows());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_commands_and_interventions() {
        let o = CausalOptions::parse(&strings(&[
            "sample", "--model", "m.json", "-n", "50", "--do", "x2=1.5", "--do", "x1 = -2",
            "--out", "s.csv",
        ]))
        .unwrap();
        assert_eq!(
            o.interventions,
            vec![("x2".to_string(), 1.5), ("x1".to_string(), -2.0)]
        );
        assert_eq!(o.draws, Some(50));
        for (bad, named) in [
            (vec!["fly"], "fly"),
            (vec!["sample", "--do", "x2"], "name=value"),
            (vec!["sample", "--do", "x2=abc"], "abc"),
            (vec!["fit", "--hidden", "0"], "--hidden"),
            (vec!["ate", "--bogus"], "--bogus"),
        ] {
            let error = CausalOptions::parse(&strings(&bad)).unwrap_err();
            assert!(error.contains(named), "{bad:?}: {error}");
        }
    }
}
