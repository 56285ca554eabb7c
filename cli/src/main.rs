//! The `flowppl` command-line tool.
//!
//! ```text
//! flowppl demo [--steps N] [--particles S] [--lr X] [--seed N] [--json]
//! flowppl distributions
//! flowppl --version | --help
//! ```
//!
//! `demo` fits a mean-field Gaussian to the posterior of the bundled `normal_mean` model by
//! stochastic variational inference (reparameterised ELBO, Adam) and compares it with the exact
//! conjugate posterior. It is the end-to-end job of the foundation; `flowppl fit <model>` on
//! the full model zoo arrives with the model DSL.

mod args;
mod demo;

use std::process::ExitCode;

const USAGE: &str = "\
flowppl: probabilistic programming and flow-based variational inference

USAGE:
    flowppl demo [--steps N] [--particles S] [--lr X] [--seed N] [--json]
    flowppl distributions
    flowppl --version
    flowppl --help

COMMANDS:
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
        Some("distributions") => {
            args::reject_extra("distributions", &arguments[1..])?;
            for line in demo::DISTRIBUTIONS {
                println!("{line}");
            }
            Ok(())
        }
        Some(other) => Err(format!(
            "unknown command `{other}`; expected `demo` or `distributions`"
        )),
    }
}
