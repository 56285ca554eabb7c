//! Objectives, early stopping and diagnostics on a conjugate model with a known posterior and
//! evidence: `mu ~ N(0, 3^2)`, `y_i ~ N(mu, 1.5^2)` for ten observations. The mean-field normal
//! family contains the posterior, so every bound can reach `ln p(y)`; tolerances are those of
//! `inference_closed_form.rs` (2% on moments, 0.05 nats on bounds).

use flowppl::infer::{Bound, Fit, KhatReading, Plateau};
use flowppl::params::Schedule;
use flowppl::ppl::{model_fn, Ctx, Model};
use flowppl::prelude::*;

type C<'a> = Ctx<'a, f32, Cpu>;

const DATA: [f64; 10] = [2.91, 1.83, 3.42, 2.05, 2.77, 4.01, 1.38, 2.64, 3.15, 2.22];
const PRIOR_SD: f64 = 3.0;
const NOISE: f64 = 1.5;

fn model() -> impl Model<f32, Cpu> {
    model_fn("normal_mean", |ctx: &mut C| {
        let mu = ctx.sample("mu", Normal::new(0.0, PRIOR_SD)?, None)?;
        let y = Var::from_vec(
            ctx.device(),
            DATA.iter().map(|&v| v as f32).collect(),
            1,
            DATA.len(),
        )?;
        ctx.observe("y", Normal::new(&mu, NOISE)?, y, None)?;
        Ok(())
    })
}

/// `(posterior mean, posterior sd, ln p(y))`.
fn exact() -> (f64, f64, f64) {
    let n = DATA.len() as f64;
    let (s2, t2) = (NOISE * NOISE, PRIOR_SD * PRIOR_SD);
    let precision = 1.0 / t2 + n / s2;
    let sum = DATA.iter().sum::<f64>();
    let sum_sq = DATA.iter().map(|y| y * y).sum::<f64>();
    let log_evidence = -0.5
        * (n * std::f64::consts::TAU.ln() + n * s2.ln() + (1.0 + n * t2 / s2).ln() + sum_sq / s2
            - t2 * sum * sum / (s2 * (s2 + n * t2)));
    (sum / s2 / precision, precision.sqrt().recip(), log_evidence)
}

fn svi(steps: usize) -> Svi<impl Model<f32, Cpu>, AutoNormal<f32, Cpu>> {
    Svi::new(model(), AutoNormal::new())
        .optimizer(
            Adam::new(0.05)
                .unwrap()
                .with_schedule(Schedule::exponential_to(0.02, steps as u64))
                .unwrap(),
        )
        .steps(steps)
        .seed(1)
}

fn check_moments<M: Model<f32, Cpu>>(fit: &Fit<M, AutoNormal<f32, Cpu>, f32, Cpu>) {
    let (mean, sd, _) = exact();
    let mu = fit.summary(20_000, 2).unwrap();
    let mu = mu.get("mu").unwrap();
    assert!((mu.mean - mean).abs() < 0.02 * mean, "mean {}", mu.mean);
    assert!((mu.sd - sd).abs() < 0.02 * sd, "sd {}", mu.sd);
}

#[test]
fn iwae_and_renyi_bounds_reach_the_evidence() {
    let (_, _, log_evidence) = exact();
    for alpha in [0.0, 0.5, 2.0] {
        let fit = svi(3000)
            .objective(Bound::Renyi { alpha })
            .particles(16)
            .run()
            .unwrap();
        // The bound is tight (equal to ln p(y)) at the posterior, but with K = 16 it is nearly
        // flat in q around it (IWAE trades guide accuracy for tightness; Rainforth et al.
        // 2018), so only the bound is checked, not the guide's moments.
        assert!(
            (fit.final_elbo() - log_evidence).abs() < 0.05,
            "alpha {alpha}: bound {} vs ln p(y) {log_evidence}",
            fit.final_elbo()
        );
    }
}

#[test]
fn an_exact_guide_reads_good_and_estimates_the_evidence() {
    let (_, _, log_evidence) = exact();
    let fit = svi(3000).particles(32).run().unwrap();
    check_moments(&fit);
    let check = fit.diagnostics(10_000, 3).unwrap();
    assert_eq!(check.reading, KhatReading::Good, "{check:?}");
    assert!(
        (check.log_evidence - log_evidence).abs() < 4.0 * check.log_evidence_se + 0.01,
        "{check:?} vs {log_evidence}"
    );
    assert!(check.elbo <= check.log_evidence + 1e-9);
    // Diagnostics never touch the fitted parameters.
    let before = fit.params().snapshot();
    fit.diagnostics(100, 4).unwrap();
    assert_eq!(fit.params().snapshot(), before);
}

#[test]
fn a_plateau_stops_training_early_near_the_optimum() {
    let (_, _, log_evidence) = exact();
    let fit = svi(20_000)
        .particles(8)
        .stop_on_plateau(Plateau::default())
        .run()
        .unwrap();
    let stopped = fit
        .stopped_early_at()
        .expect("the plateau rule should stop this fit");
    assert!(stopped < 20_000 && stopped.is_multiple_of(100), "{stopped}");
    assert_eq!(fit.elbo_history().len(), stopped);
    // A plateau of the ELBO means the ELBO is near its optimum (here ln p(y)); the guide's
    // scale can still be a few percent off, the ELBO being flat in it there.
    assert!(
        (fit.final_elbo() - log_evidence).abs() < 0.05,
        "{} vs {log_evidence}",
        fit.final_elbo()
    );
    let negative = svi(10)
        .objective(Bound::Renyi { alpha: -1.0 })
        .run()
        .err()
        .unwrap();
    assert!(negative.to_string().contains("alpha"), "{negative}");
    let error = svi(10)
        .stop_on_plateau(Plateau {
            window: 0,
            ..Plateau::default()
        })
        .run()
        .err()
        .unwrap();
    assert!(error.to_string().contains("plateau"), "{error}");
}
