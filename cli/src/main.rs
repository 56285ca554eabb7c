//! The `flowppl` command-line tool.
//!
//! ```text
//! flowppl fit <model> [--data FILE.json] [--guide normal|mvn|lowrank|delta|iaf|nsf|...]
//!     [--objective elbo|iwae:K|renyi:A] [--stl] [--steps N] [--particles S] [--lr X] [--seed N]
//!     [--json] [--save FILE] [--compare-reference]
//! flowppl flow2d <target> --flow F ...
//! flowppl causal fit|sample|counterfactual|ate|logprob ...
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
mod bench;
mod causal;
mod causal_fit;
mod demo;
mod fit;
mod fit_file;
mod flow2d;
mod interrupt;
mod matrix_threads;
mod memory;
mod show;
mod training_run;
mod vae;

use std::process::ExitCode;

/// mimalloc instead of the system allocator: a training step allocates and frees many small
/// buffers (every recorded operation's value and gradient), and on eight schools glibc's
/// malloc and free were about a third of the instructions of a step (callgrind); mimalloc cuts
/// a step's instructions by a fifth. A program of your own can opt in the same way.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// ANCHOR: usage
const USAGE: &str = "\
flowppl: probabilistic programming and flow-based variational inference

USAGE:
    flowppl fit <model> [--data FILE.json] [--rank R]
                [--guide normal|mvn|lowrank|delta|iaf|planar|radial|sylvester|nsf|realnvp|maf|cnf]
                [--layers K] [--hidden 32,32] [--full-rank-base] [--objective elbo|iwae:K|renyi:ALPHA]
                [--stl] [--analytic-kl] [--on-non-finite skip|stop]
                [--init median|mean|feasible|laplace] [--steps N] [--particles S] [--lr X] [--decay F] [--seed N] [--draws N]
                [--json] [--save FILE [--checkpoint-every N]] [--resume FILE] [--force]
                [--compare-reference]
    flowppl flow2d <u1|u2|u3|u4|moons> [--flow planar|radial|sylvester|iaf|maf|maf-bn|realnvp|nsf|cnf] [--layers K]
                [--hidden 64,64] [--steps N] [--batch B] [--lr X] [--anneal N] [--seed S]
                [--solver rk4:10|dopri5:1e-5] [--trace exact|hutchinson|hutchinson-gaussian]
                [--data TRAIN.csv --test TEST.csv] [--plot OUT.png] [--json]
                [--save FLOW.json [--checkpoint-every N]] [--resume FLOW.json] [--force]
    flowppl causal fit --data TRAIN.csv (--graph \"a->b, a->c\" | --graph-file F | --order a,b,c)
                [--transformer affine|spline|spline:K] [--noise normal|laplace] [--hidden 64,64]
                [--steps N] [--seed S] [--save MODEL.json [--checkpoint-every N]]
                [--resume MODEL.json] [--force] [--json]
    flowppl causal sample --model MODEL.json [-n N] [--do x=1.0]... --out OUT.csv [--plot OUT.png]
    flowppl causal counterfactual --model MODEL.json --rows FACTUAL.csv --do x=1.0 --out OUT.csv
    flowppl causal ate --model MODEL.json --treatment t --a 1.0 --b 0.0 --outcome y [-n N] [--json]
    flowppl causal logprob --model MODEL.json --rows ROWS.csv --out LOGQ.csv
    flowppl vae train [--data digits|FILE.csv|FILE.idx] [--posterior gaussian|planar:K|radial:K|iaf:K]
                [--prior normal|maf:K|realnvp:K|nsf:K] [--likelihood bernoulli|gaussian|gaussian:SD]
                [--activation relu|tanh|softplus] [--latent D] [--epochs N] [--kl-warmup STEPS]
                [--free-bits NATS] [--seed S]
                [--validation FRACTION [--patience EPOCHS]]
                [--iwae K] [--save MODEL.json [--checkpoint-every N]] [--resume MODEL.json]
                [--force] [--json]
    flowppl vae eval --model MODEL.json [--data digits|FILE.csv] [--iwae K] [--json]
    flowppl vae sample --model MODEL.json [-n 64] --png GRID.png
    flowppl bench <T1..T6|all>... [--seeds 0,1,2] [--steps N] [--json]
    flowppl show FILE
    flowppl models
    flowppl demo [--steps N] [--particles S] [--lr X] [--seed N] [--json]
    flowppl distributions
    flowppl --version
    flowppl --help

COMMANDS:
    fit             fit a zoo model by SVI (Adam, learning rate decaying exponentially to
                    decay x lr); prints the posterior summary with the PSIS k-hat and a
                    log-evidence estimate, or one JSON object with --json
    flow2d          fit a normalising flow to a 2-D energy of Rezende & Mohamed (reverse KL;
                    reports KL in nats) or to 2-D data (maximum likelihood; reports the
                    held-out mean log-likelihood)
    causal          fit a causal normalising flow to CSV data given its DAG (or an order), then
                    sample under do(), compute counterfactuals of given rows, the ATE with its
                    standard error, or log-densities; --plot draws observational (grey) vs
                    interventional (blue) marginals
    vae             train a variational autoencoder (Bernoulli likelihood) with a Gaussian,
                    planar or IAF posterior and a normal or flow prior; report the test NLL
                    from the importance-weighted bound; sample a PNG grid from a saved model
    bench           run the peer task suite T1-T6 (shared/bench/TASKS.md) as it specifies:
                    ms per step after 50 warm-up steps, the task's quality figure, peak
                    memory; bench/compare.sh runs NumPyro and Pyro beside it
    show            describe a saved file (fit, flow, causal flow or VAE) after loading it:
                    kind, version, architecture, parameter count, training state

Training commands (fit, flow2d on data, causal fit, vae train) write checkpoints to their
--save file every --checkpoint-every steps and on Ctrl-C; --resume FILE continues a run
exactly (same settings and data, checked) and --force replaces an existing --save file.
    models          list the zoo
    demo            fit q(mu) = Normal(m, s) to the posterior of the bundled normal_mean
                    model by SVI and compare with the exact posterior
    distributions   list the available distributions

Environment: FLOWPPL_THREADS=N splits the dense layers' matrix products over N threads
(default: every core).
";
// ANCHOR_END: usage

/// Why a command failed: its arguments (the usage hint helps) or what it met while running.
enum Failure {
    Usage(String),
    Runtime(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Usage(message)
    }
}

impl Failure {
    fn runtime(error: flowppl::Error) -> Self {
        Failure::Runtime(error.to_string())
    }
}

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error ({info}); please report it");
    }));
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    memory::keep_freed_memory();
    // One compute thread unless RAYON_NUM_THREADS says otherwise: faster for model-sized
    // matrix products (see flowppl::backend::set_compute_threads).
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        let _ = flowppl::backend::set_compute_threads(1);
    }
    // Dense layers split their matrix products over every core unless FLOWPPL_THREADS says
    // otherwise (see flowppl::backend::set_matrix_threads).
    if let Err(message) = matrix_threads::configure() {
        eprintln!("error: {message}");
        return ExitCode::from(2);
    }
    match std::panic::catch_unwind(|| run(&arguments)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(Failure::Usage(message))) => {
            eprintln!("error: {message} (see `flowppl --help`)");
            ExitCode::from(2)
        }
        Ok(Err(Failure::Runtime(message))) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
        Err(_) => ExitCode::from(101),
    }
}

fn run(arguments: &[String]) -> Result<(), Failure> {
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
            demo::run(&args::DemoOptions::parse(&arguments[1..])?).map_err(Failure::runtime)
        }
        Some("fit") => {
            fit::run(&args::FitOptions::parse(&arguments[1..])?).map_err(Failure::runtime)
        }
        Some("bench") => {
            bench::run(&bench::BenchOptions::parse(&arguments[1..])?).map_err(Failure::runtime)
        }
        Some("show") => match arguments.get(1) {
            Some(path) => {
                println!("{}", show::describe(path).map_err(Failure::runtime)?);
                Ok(())
            }
            None => Err(Failure::Usage(
                "`show` needs a saved file: `flowppl show FILE`".into(),
            )),
        },
        Some("vae") => {
            vae::run(&vae::VaeOptions::parse(&arguments[1..])?).map_err(Failure::runtime)
        }
        Some("causal") => {
            causal::run(&causal::CausalOptions::parse(&arguments[1..])?).map_err(Failure::runtime)
        }
        Some("flow2d") => {
            flow2d::run(&args::Flow2dOptions::parse(&arguments[1..])?).map_err(Failure::runtime)
        }
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
        Some(other) => Err(Failure::Usage(format!(
            "unknown command `{other}`; expected `fit`, `flow2d`, `causal`, `vae`, `bench`, `show`, \
             `models`, `demo` or `distributions`"
        ))),
    }
}
