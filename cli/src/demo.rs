//! `flowppl demo`: SVI on the conjugate normal-mean model against its exact posterior.

use crate::args::DemoOptions;
use flowppl::backend::rng::seeded;
use flowppl::params::{Init, Optimizer};
use flowppl::prelude::*;
use flowppl_models::normal_mean::NormalMean;
use std::time::Instant;

/// One line per distribution for `flowppl distributions`.
pub const DISTRIBUTIONS: &[&str] = &[
    "Normal(loc, scale)                 real            rsample",
    "LogNormal(loc, scale)              positive        rsample",
    "HalfNormal(scale)                  positive        rsample",
    "Cauchy(loc, scale)                 real            rsample",
    "HalfCauchy(scale)                  positive        rsample",
    "StudentT(df, loc, scale)           real            rsample (implicit in df)",
    "Laplace(loc, scale)                real            rsample",
    "Logistic(loc, scale)               real            rsample",
    "Exponential(rate)                  positive        rsample",
    "Gamma(concentration, rate)         positive        rsample (implicit)",
    "InverseGamma(concentration, scale) positive        rsample (implicit)",
    "Beta(alpha, beta)                  unit interval   rsample (implicit)",
    "Uniform(low, high)                 interval        rsample",
    "Bernoulli(logits)                  {0, 1}",
    "Binomial(total_count, logits)      {0..n}",
    "Poisson(log_rate)                  {0, 1, ...}",
    "Categorical(logits)                {0..K-1}",
    "Dirichlet(concentration)           simplex         rsample (implicit)",
    "MultivariateNormal(loc, scale_tril) real vectors   rsample",
];

/// Runs the demo and prints its report.
pub fn run(options: &DemoOptions) -> Result<()> {
    let model = NormalMean::default();
    model.validate()?;
    let device = Cpu::default();
    let mut rng = seeded(options.seed);
    let mut store = ParamStore::<f32, Cpu>::new(&device);
    store.get_or_init("loc", 1, 1, &Init::Zeros, &mut rng)?;
    store.get_or_init("log_scale", 1, 1, &Init::Zeros, &mut rng)?;
    let mut adam = Adam::new(options.learning_rate)?
        .with_schedule(Schedule::exponential_to(0.05, options.steps as u64))?;
    let started = Instant::now();
    let report_every = (options.steps / 10).max(1);
    let mut recent = Vec::new();
    for step in 0..options.steps {
        let graph = Graph::new(&device);
        let loc = store.var(&graph, "loc")?;
        let scale = store.var(&graph, "log_scale")?.exp();
        let guide = Normal::new(&loc, &scale)?.expand(options.particles, 1)?;
        let mu = guide.rsample(&mut rng)?;
        // ELBO = E_q[ln p(y, mu) - ln q(mu)]; we minimise its negative.
        let elbo = model
            .log_joint(&mu)?
            .sub(&guide.log_prob_unchecked(&mu)?)?
            .mean();
        let loss = -&elbo;
        let value = elbo.item()? as f64;
        if !value.is_finite() {
            return Err(Error::NonFinite {
                what: format!("the ELBO at step {step}"),
            });
        }
        let mut grads = loss.backward()?;
        adam.step(&mut store, &mut grads)?;
        if step + 100 >= options.steps {
            recent.push(value);
        }
        if !options.json && (step + 1) % report_every == 0 {
            println!("step {:>6}  elbo {:>10.4}", step + 1, value);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let fitted_mean = store.values("loc")?[0] as f64;
    let fitted_sd = (store.values("log_scale")?[0] as f64).exp();
    let (exact_mean, exact_sd) = model.exact_posterior();
    let elbo = recent.iter().sum::<f64>() / recent.len().max(1) as f64;
    let log_evidence = model.log_evidence();
    if options.json {
        let report = serde_json::json!({
            "model": "normal_mean",
            "guide": "normal",
            "steps": options.steps,
            "particles": options.particles,
            "seconds": seconds,
            "elbo": elbo,
            "log_evidence": log_evidence,
            "latents": { "mu": { "mean": fitted_mean, "sd": fitted_sd } },
            "exact": { "mu": { "mean": exact_mean, "sd": exact_sd } },
        });
        println!("{report}");
    } else {
        println!();
        println!(
            "normal_mean: mu ~ Normal(0, 10), y_i ~ Normal(mu, 1), n = {}",
            model.data.len()
        );
        println!("{:<10} {:>10} {:>10}", "", "mean", "sd");
        println!("{:<10} {:>10.4} {:>10.4}", "fitted", fitted_mean, fitted_sd);
        println!("{:<10} {:>10.4} {:>10.4}", "exact", exact_mean, exact_sd);
        println!(
            "ELBO (mean of last {} steps) {:.4}; exact log evidence {:.4}",
            recent.len(),
            elbo,
            log_evidence
        );
        println!(
            "{} steps x {} particles in {:.2} s",
            options.steps, options.particles, seconds
        );
    }
    Ok(())
}
