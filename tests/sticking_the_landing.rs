//! The sticking-the-landing estimator (Roeder et al. 2017): when the guide equals the posterior,
//! `ln p(x, z) - ln q(z)` is constant in `z`, so the STL gradient is exactly zero for every draw,
//! while the ordinary reparameterised gradient keeps a zero-mean score term with non-zero
//! variance. Checked for every guide that supports it, at its exact optimum on a Gaussian target
//! `z ~ N((1, -2), diag(2, 0.5)^2)` (f64, so "zero" means rounding error).

use flowppl::backend::rng::seeded;
use flowppl::flows::FlowKind;
use flowppl::infer::{elbo_terms, AutoFlow, Guide, Objective, TraceElbo};
use flowppl::ppl::{model_fn, Ctx};
use flowppl::prelude::*;
use flowppl::testing::{test_device, TestDevice};

type C<'a> = Ctx<'a, f64, TestDevice>;

fn target() -> impl flowppl::ppl::Model<f64, TestDevice> {
    model_fn("gaussian", |ctx: &mut C| {
        ctx.sample("a", Normal::new(1.0, 2.0)?, None)?;
        ctx.sample("b", Normal::new(-2.0, 0.5)?, None)?;
        Ok(())
    })
}

/// The largest absolute gradient entry over the guide's parameters, for one 8-particle step.
fn largest_gradient(
    guide: &dyn Guide<f64, TestDevice>,
    store: &mut ParamStore<f64, TestDevice>,
    stop: bool,
) -> f64 {
    let dev = test_device();
    let model = target();
    let mut rng = seeded(5);
    let graph = Graph::new(&dev);
    let loss = {
        let mut ctx = Ctx::new(&dev, &mut rng)
            .with_graph(&graph)
            .with_store(store)
            .with_particles(8)
            .with_stopped_guide_parameters(stop);
        let terms = elbo_terms(&model, guide, &mut ctx).unwrap();
        TraceElbo.loss(&terms.log_weights).unwrap()
    };
    let mut grads = loss.backward().unwrap();
    let names: Vec<String> = store.names().map(String::from).collect();
    names
        .iter()
        .flat_map(|n| store.gradient(&mut grads, n).unwrap())
        .fold(0.0, |m, g: f64| m.max(g.abs()))
}

#[test]
fn at_the_posterior_the_stl_gradient_vanishes_and_the_plain_one_does_not() {
    let dev = test_device();
    let optimum = |store: &mut ParamStore<f64, TestDevice>, prefix: &str| {
        store
            .insert(&format!("{prefix}.loc"), 1, 2, &[1.0, -2.0])
            .unwrap();
    };
    // Mean-field normal.
    let mut normal = AutoNormal::<f64, TestDevice>::new();
    let mut store = ParamStore::new(&dev);
    normal.setup(&target(), &mut store, &dev, 0).unwrap();
    optimum(&mut store, "auto_normal");
    store
        .insert("auto_normal.log_scale", 1, 2, &[2f64.ln(), 0.5f64.ln()])
        .unwrap();
    let g = largest_gradient(&normal, &mut store, true);
    assert!(g < 1e-12, "{g}");
    assert!(largest_gradient(&normal, &mut store, false) > 0.1);
    // Full-rank normal: scale_tril_raw holds ln of the diagonal.
    let mut mvn = AutoMvn::<f64, TestDevice>::new();
    let mut store = ParamStore::new(&dev);
    mvn.setup(&target(), &mut store, &dev, 0).unwrap();
    optimum(&mut store, "auto_mvn");
    store
        .insert(
            "auto_mvn.scale_tril_raw",
            2,
            2,
            &[2f64.ln(), 0.0, 0.0, 0.5f64.ln()],
        )
        .unwrap();
    assert!(largest_gradient(&mvn, &mut store, true) < 1e-12);
    assert!(largest_gradient(&mvn, &mut store, false) > 0.1);
    // A flow guide whose base is the posterior and whose IAF layers are the identity (zero
    // output weights: shift 0 and a constant gate, which the base absorbs).
    let mut flow = AutoFlow::<f64, TestDevice>::new(FlowKind::Iaf, 2, &[8]);
    let mut store = ParamStore::new(&dev);
    flow.setup(&target(), &mut store, &dev, 0).unwrap();
    let names: Vec<(String, (usize, usize))> = store
        .names()
        .filter(|n| n.contains("flow"))
        .map(|n| (n.to_string(), store.shape(n).unwrap()))
        .collect();
    for (name, (rows, columns)) in names {
        store
            .insert(&name, rows, columns, &vec![0.0; rows * columns])
            .unwrap();
    }
    // With zero weights each layer maps z to sigmoid(2) z, and the reversal between the two
    // layers swaps the coordinates: the base undoes both.
    let gate2 = (1.0 / (1.0 + (-2.0f64).exp())).powi(2);
    store
        .insert("auto_flow.loc", 1, 2, &[-2.0 / gate2, 1.0 / gate2])
        .unwrap();
    store
        .insert(
            "auto_flow.log_scale",
            1,
            2,
            &[(0.5 / gate2).ln(), (2.0 / gate2).ln()],
        )
        .unwrap();
    assert!(largest_gradient(&flow, &mut store, true) < 1e-9);
    assert!(largest_gradient(&flow, &mut store, false) > 0.1);

    // The same with a full-rank base: its Cholesky factor holds the (swapped) scales.
    let mut flow = AutoFlow::<f64, TestDevice>::new(FlowKind::Iaf, 2, &[8]).with_full_rank_base();
    let mut store = ParamStore::new(&dev);
    flow.setup(&target(), &mut store, &dev, 0).unwrap();
    let names: Vec<(String, (usize, usize))> = store
        .names()
        .filter(|n| n.contains("flow."))
        .map(|n| (n.to_string(), store.shape(n).unwrap()))
        .collect();
    for (name, (rows, columns)) in names {
        store
            .insert(&name, rows, columns, &vec![0.0; rows * columns])
            .unwrap();
    }
    store
        .insert("auto_flow.loc", 1, 2, &[-2.0 / gate2, 1.0 / gate2])
        .unwrap();
    store
        .insert(
            "auto_flow.scale_tril_raw",
            2,
            2,
            &[(0.5 / gate2).ln(), 0.0, 0.0, (2.0 / gate2).ln()],
        )
        .unwrap();
    assert!(largest_gradient(&flow, &mut store, true) < 1e-9);
    assert!(largest_gradient(&flow, &mut store, false) > 0.1);
}
