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

#[test]
fn the_closed_form_kl_keeps_the_elbo_and_removes_the_kl_noise() {
    use flowppl::backend::rng::seeded;
    use flowppl::infer::analytic_kl::with_analytic_kl;
    use flowppl::infer::{elbo_terms, Guide};
    let device = Cpu::default();
    // With the prior alone the ELBO is exactly -KL(q || p): the closed form has no noise left,
    // the Monte Carlo estimate does. (With data the likelihood term's noise remains, and can be
    // correlated with the KL term's, so the variance need not drop there.)
    let prior_only = model_fn("prior", |ctx: &mut C| {
        ctx.sample("mu", Normal::new(0.0, PRIOR_SD)?, None)?;
        Ok(())
    });
    let mut guide = AutoNormal::<f32, Cpu>::new();
    let mut store = ParamStore::new(&device);
    guide.setup(&prior_only, &mut store, &device, 0).unwrap();
    let (m, log_s) = (1.0f64, 0.2f64);
    store.insert("auto_normal.loc", 1, 1, &[m]).unwrap();
    store
        .insert("auto_normal.log_scale", 1, 1, &[log_s])
        .unwrap();
    let mut rng = seeded(9);
    let mut ctx = Ctx::new(&device, &mut rng)
        .with_store(&mut store)
        .with_particles(4000);
    let terms = elbo_terms(&prior_only, &guide, &mut ctx).unwrap();
    let (closed, replaced) = with_analytic_kl(
        &guide,
        &mut ctx,
        &terms.model_trace,
        &terms.draw,
        &terms.log_weights,
    )
    .unwrap();
    assert_eq!(replaced, ["mu"]);
    let moments = |v: Vec<f64>| {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        (
            mean,
            v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0),
        )
    };
    let s = log_s.exp();
    let kl = (PRIOR_SD / s).ln() + (s * s + m * m) / (2.0 * PRIOR_SD * PRIOR_SD) - 0.5;
    let (plain_mean, plain_var) = moments(terms.log_weights.to_f64_vec());
    let (closed_mean, closed_var) = moments(closed.to_f64_vec());
    assert!((closed_mean + kl).abs() < 1e-5, "{closed_mean} vs {}", -kl);
    assert!(closed_var < 1e-10, "{closed_var}");
    assert!(plain_var > 0.1, "{plain_var}");
    assert!(
        (plain_mean + kl).abs() < 4.0 * (plain_var / 4000.0).sqrt(),
        "{plain_mean} vs {}",
        -kl
    );
    drop(ctx);

    // With data, a fit using it reaches the posterior and the evidence.
    let (_, _, log_evidence) = exact();
    let fit = svi(3000).particles(32).analytic_kl(true).run().unwrap();
    check_moments(&fit);
    assert!((fit.final_elbo() - log_evidence).abs() < 0.05);
    let refused = svi(10)
        .analytic_kl(true)
        .objective(Bound::Renyi { alpha: 0.0 })
        .run()
        .err()
        .unwrap();
    assert!(refused.to_string().contains("analytic KL"), "{refused}");
}
