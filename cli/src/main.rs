//! The `flowppl` command-line tool.
//!
//! ```text
//! flowppl fit <model> [--data FILE.json] [--guide normal|mvn|lowrank|delta] [--steps N]
//!     [--particles S] [--lr X] [--seed N] [--json] [--save FILE] [--compare-reference]
//! flowppl models
//! flowppl demo [--steps N] [--particles S] [--lr X] [--seed N] [--json]
//! flowppl distributions
//! flowppl --version | --help
//! ```
//!
//! `demo` fits a mean-field Gaussian to the posterior of the bundled `normal_mean` model by
//! stochastic variational inference (reparameterised ELBO, Adam) and compares it with the exact
//! conjugate posterior. `fit` runs SVI on any model of the zoo (posteriordb's reference
//! posteriors and more), optionally on the user's own Stan-style JSON data.

mod args;
mod demo;
mod fit;
mod flow2d;
mod plot;

use std::process::ExitCode;

const USAGE: &str = "\
flowppl: probabilistic programming and flow-based variational inference

USAGE:
    flowppl fit <model> [--data FILE.json] [--guide normal|mvn|lowrank|delta] [--rank R]
                [--init median|mean|feasible|laplace] [--steps N] [--particles S] [--lr X] [--decay F] [--seed N] [--draws N]
                [--json] [--save FILE] [--compare-reference]
    flowppl flow2d <u1|u2|u3|u4|moons> [--flow planar|radial|iaf|maf|realnvp] [--layers K]
                [--hidden 64,64] [--steps N] [--batch B] [--lr X] [--anneal N] [--seed S]
                [--data TRAIN.csv --test TEST.csv] [--plot OUT.png] [--json]
    flowppl models
    flowppl demo [--steps N] [--particles S] [--lr X] [--seed N] [--json]
    flowppl distributions
    flowppl --version
    flowppl --help

COMMANDS:
    fit             fit a zoo model by SVI (Adam, learning rate decaying exponentially to
                    decay x lr); prints the posterior summary, or one JSON object with --json
    flow2d          fit a normalising flow to a 2-D energy of Rezende & Mohamed (reverse KL;
                    reports KL in nats) or to 2-D data (maximum likelihood; reports the
                    held-out mean log-likelihood)
    models          list the zoo
    demo            fit q(mu) = Normal(m, s) to the posterior of the bundled normal_mean
                    model by SVI and compare with the exact posterior
    distributions   list the available distributions
";

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match run(&arguments) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            eprintln!("run `flowppl --help` for usage");
            ExitCode::from(2)
        }
    }
}

fn run(arguments: &[String]) -> Result<(), String> {
    match arguments.first().map(String::as_str) {
        None | Some("--help") | Some("-h") | Some("help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some("--version") | Some("-V") => {
            println!("flowppl {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Some("demo") => {
            demo::run(&args::DemoOptions::parse(&arguments[1..])?).map_err(|e| e.to_string())
        }
        Some("fit") => {
            fit::run(&args::FitOptions::parse(&arguments[1..])?).map_err(|e| e.to_string())
        }
        Some("flow2d") => flow2d::run(&args::Flow2dOptions::parse(&arguments[1..])?).map_err(|e| e.to_string()),
        Some("models") => {
            args::reject_extra("models", &arguments[1..])?;
            for entry in flowppl_models::zoo() {
                let reference = if entry.reference.is_some() {
                    "reference"
                } else {
                    ""
                };
                println!("{:<28} {:<10} {}", entry.name, reference, entry.description);
            }
            Ok(())
        }
        Some("distributions") => {
            args::reject_extra("distributions", &arguments[1..])?;
            for line in demo::DISTRIBUTIONS {
                println!("{line}");
            }
            Ok(())
        }
        Some(other) => Err(format!(
            "unknown command `{other}`; expected `fit`, `flow2d`, `models`, `demo` or `distributions`"
        )),
    }
}
