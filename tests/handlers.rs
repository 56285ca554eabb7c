//! One semantics test per effect handler, on a three-site chain `a -> b -> y`.

use flowppl::backend::rng::seeded;
use flowppl::constraints::Constraint;
use flowppl::handlers::{
    block, condition, intervene, mask, replay, scale, seed, substitute, trace, values,
};
use flowppl::ppl::{model_fn, Ctx, Model, SiteKind};
use flowppl::prelude::*;
use flowppl::testing::{test_device, TestDevice};

type V = Var<f64, TestDevice>;

/// a ~ N(0, 1); b ~ N(2a, 1); y ~ N(b, 0.5) observed at 1.
fn chain() -> impl Model<f64, TestDevice> {
    model_fn("chain", |ctx: &mut Ctx<'_, f64, TestDevice>| {
        let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
        let b = ctx.sample("b", Normal::new(&a * 2.0, 1.0)?, None)?;
        let y = V::scalar(ctx.device(), 1.0);
        ctx.observe("y", Normal::new(&b, 0.5)?, y, None)?;
        Ok(())
    })
}

fn normal_lp(x: f64, mean: f64, sd: f64) -> f64 {
    -0.5 * ((x - mean) / sd).powi(2) - sd.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
}

fn run<M: Model<f64, TestDevice>>(
    model: &M,
    particles: usize,
    rng_seed: u64,
) -> flowppl::ppl::Trace<f64, TestDevice> {
    let dev = test_device();
    let mut rng = seeded(rng_seed);
    let mut ctx = Ctx::new(&dev, &mut rng).with_particles(particles);
    trace(model, &mut ctx).unwrap()
}

fn value(t: &flowppl::ppl::Trace<f64, TestDevice>, name: &str) -> Vec<f64> {
    t.value(name).unwrap().to_vec()
}

#[test]
fn trace_records_sites_and_the_log_joint() {
    let t = run(&chain(), 1, 0);
    assert_eq!(t.names().collect::<Vec<_>>(), vec!["a", "b", "y"]);
    assert!(t.get("y").unwrap().observed && !t.get("a").unwrap().observed);
    let (a, b) = (value(&t, "a")[0], value(&t, "b")[0]);
    let want = normal_lp(a, 0.0, 1.0) + normal_lp(b, 2.0 * a, 1.0) + normal_lp(1.0, b, 0.5);
    assert!((t.log_joint().unwrap().item().unwrap() - want).abs() < 1e-10);
}

#[test]
fn replay_reuses_recorded_latents() {
    let first = run(&chain(), 4, 1);
    let again = run(&replay(chain(), first.clone()), 4, 99);
    assert_eq!(value(&first, "a"), value(&again, "a"));
    assert_eq!(value(&first, "b"), value(&again, "b"));
}

#[test]
fn condition_observes_the_given_value() {
    let dev = test_device();
    let conditioned = condition(chain(), values([("b", V::scalar(&dev, 3.0))]));
    let t = run(&conditioned, 1, 2);
    let b = t.get("b").unwrap();
    assert!(b.observed);
    assert_eq!(value(&t, "b"), vec![3.0]);
    let a = value(&t, "a")[0];
    let want = normal_lp(a, 0.0, 1.0) + normal_lp(3.0, 2.0 * a, 1.0) + normal_lp(1.0, 3.0, 0.5);
    assert!((t.log_joint().unwrap().item().unwrap() - want).abs() < 1e-10);
}

#[test]
fn intervene_gives_the_interventional_distribution() {
    let dev = test_device();
    let n = 20_000;
    // do(a = 1.5): b | do(a) ~ N(3, 1) exactly, and a's density is cut from the joint.
    let t = run(
        &intervene(chain(), values([("a", V::scalar(&dev, 1.5))])),
        n,
        3,
    );
    let b = value(&t, "b");
    let mean = b.iter().sum::<f64>() / n as f64;
    let var = b.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
    assert!(
        (mean - 3.0).abs() < 4.0 * (1.0 / n as f64).sqrt(),
        "E[b | do(a=1.5)] = {mean}"
    );
    assert!(
        (var - 1.0).abs() < 4.0 * (2.0 / n as f64).sqrt(),
        "Var[b | do(a=1.5)] = {var}"
    );
    assert!(t.get("a").unwrap().intervened);
    let lj = t.log_joint().unwrap().to_vec();
    let want = normal_lp(b[0], 3.0, 1.0) + normal_lp(1.0, b[0], 0.5);
    assert!(
        (lj[0] - want).abs() < 1e-10,
        "the intervened site's density is dropped"
    );

    // do(b = 0) leaves the ancestor a at its prior N(0, 1).
    let t = run(
        &intervene(chain(), values([("b", V::scalar(&dev, 0.0))])),
        n,
        4,
    );
    let a = value(&t, "a");
    let mean = a.iter().sum::<f64>() / n as f64;
    assert!(
        mean.abs() < 4.0 * (1.0 / n as f64).sqrt(),
        "E[a | do(b=0)] = {mean}"
    );
}

#[test]
fn block_hides_sites_from_outer_handlers() {
    let t = run(&block(chain(), |name| name == "a"), 1, 5);
    assert_eq!(t.names().collect::<Vec<_>>(), vec!["b", "y"]);
}

// ANCHOR: handler_test
#[test]
fn scale_multiplies_the_log_joint() {
    let plain = run(&seed(chain(), 7), 1, 0)
        .log_joint()
        .unwrap()
        .item()
        .unwrap();
    let scaled = run(&scale(seed(chain(), 7), 2.5).unwrap(), 1, 0)
        .log_joint()
        .unwrap()
        .item()
        .unwrap();
    assert!((scaled - 2.5 * plain).abs() < 1e-10);
    assert!(scale(chain(), -1.0).is_err());
}
// ANCHOR_END: handler_test

#[test]
fn mask_removes_a_sites_density() {
    let t = run(&mask(seed(chain(), 8), |name| name == "y"), 1, 0);
    let (a, b) = (value(&t, "a")[0], value(&t, "b")[0]);
    let want = normal_lp(a, 0.0, 1.0) + normal_lp(b, 2.0 * a, 1.0);
    assert!((t.log_joint().unwrap().item().unwrap() - want).abs() < 1e-10);
}

#[test]
fn seed_fixes_the_draws() {
    let first = run(&seed(chain(), 11), 3, 100);
    let second = run(&seed(chain(), 11), 3, 200);
    assert_eq!(value(&first, "a"), value(&second, "a"));
    let other = run(&seed(chain(), 12), 3, 100);
    assert_ne!(value(&first, "a"), value(&other, "a"));
}

#[test]
fn substitute_fixes_values_and_keeps_densities() {
    let dev = test_device();
    let t = run(
        &substitute(chain(), values([("a", V::scalar(&dev, 0.3))])),
        1,
        9,
    );
    assert_eq!(value(&t, "a"), vec![0.3]);
    assert!(!t.get("a").unwrap().observed && !t.get("a").unwrap().intervened);
    let b = value(&t, "b")[0];
    let want = normal_lp(0.3, 0.0, 1.0) + normal_lp(b, 0.6, 1.0) + normal_lp(1.0, b, 0.5);
    assert!((t.log_joint().unwrap().item().unwrap() - want).abs() < 1e-10);
}

#[test]
fn an_intervention_wins_over_a_substituted_value() {
    // A posterior predictive under `do` substitutes posterior draws for every latent but the
    // intervened one, whichever handler is outermost.
    let dev = test_device();
    let posterior = || values([("a", V::scalar(&dev, 0.3)), ("b", V::scalar(&dev, -1.0))]);
    let forced = || values([("a", V::scalar(&dev, 5.0))]);
    for t in [
        run(&substitute(intervene(chain(), forced()), posterior()), 1, 2),
        run(&intervene(substitute(chain(), posterior()), forced()), 1, 2),
    ] {
        assert_eq!(value(&t, "a"), vec![5.0]);
        assert!(t.get("a").unwrap().intervened);
        assert_eq!(value(&t, "b"), vec![-1.0]);
    }
}

#[test]
fn subsampled_plates_scale_the_likelihood() {
    let dev = test_device();
    let data: Vec<f64> = (0..10).map(|i| i as f64 * 0.1).collect();
    let model = model_fn("plate", |ctx: &mut Ctx<'_, f64, TestDevice>| {
        let all = V::from_vec(ctx.device(), data.clone(), 1, 10)?;
        let plate = ctx.plate("data", 10, Some(4))?;
        let batch = plate.select(&all)?;
        ctx.observe("y", Normal::new(0.0, 1.0)?, batch, Some(&plate))?;
        Ok(())
    });
    let mut rng = seeded(0);
    let mut ctx = Ctx::new(&dev, &mut rng);
    let t = trace(&model, &mut ctx).unwrap();
    let site = t.get("y").unwrap();
    let indices = site.plate.as_ref().unwrap().indices.clone();
    assert_eq!(indices.len(), 4);
    assert!((site.scale - 2.5).abs() < 1e-12);
    let want: f64 = indices
        .iter()
        .map(|&i| normal_lp(data[i], 0.0, 1.0))
        .sum::<f64>()
        * 2.5;
    assert!((t.log_joint().unwrap().item().unwrap() - want).abs() < 1e-10);
}

#[test]
fn params_are_created_constrained_and_recorded() {
    let dev = test_device();
    let mut store = ParamStore::<f64, TestDevice>::new(&dev);
    let mut rng = seeded(0);
    let model = model_fn("param", |ctx: &mut Ctx<'_, f64, TestDevice>| {
        let s = ctx.param("s", 1, 2, &Init::Constant(2.0), Constraint::Positive)?;
        ctx.deterministic("twice", &s * 2.0)?;
        Ok(())
    });
    let t = {
        let mut ctx = Ctx::new(&dev, &mut rng).with_store(&mut store);
        trace(&model, &mut ctx).unwrap()
    };
    assert_eq!(t.get("s").unwrap().kind, SiteKind::Param);
    assert!((value(&t, "twice")[0] - 4.0).abs() < 1e-12);
    // Stored unconstrained: ln 2.
    assert!((store.values("s").unwrap()[0] - 2f64.ln()).abs() < 1e-12);
    // A bad initial value is an error naming the site.
    let bad = model_fn("bad", |ctx: &mut Ctx<'_, f64, TestDevice>| {
        ctx.param("neg", 1, 1, &Init::Constant(-1.0), Constraint::Positive)?;
        Ok(())
    });
    let mut ctx = Ctx::new(&dev, &mut rng).with_store(&mut store);
    let error = trace(&bad, &mut ctx).unwrap_err().to_string();
    assert!(error.contains("neg"), "{error}");
}

#[test]
fn repeated_site_names_are_errors() {
    let model = model_fn("dup", |ctx: &mut Ctx<'_, f64, TestDevice>| {
        ctx.sample("x", Normal::new(0.0, 1.0)?, None)?;
        ctx.sample("x", Normal::new(0.0, 1.0)?, None)?;
        Ok(())
    });
    let dev = test_device();
    let mut rng = seeded(0);
    let mut ctx = Ctx::new(&dev, &mut rng);
    let error = trace(&model, &mut ctx).unwrap_err().to_string();
    assert!(error.contains("`x` appears twice"), "{error}");
}
