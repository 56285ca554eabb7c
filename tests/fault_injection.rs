//! Fault injection: a NaN in the data, an exploding learning rate and a poisoned minibatch.
//! Training stops with an error naming the cause or skips the bad step, and the parameters are
//! never left non-finite (every checkpoint of the run is inspected).

use flowppl::flows::training::{fit_density, DensityOptions};
use flowppl::flows::{build_flow, FlowKind};
use flowppl::infer::{AutoNormal, NonFinitePolicy, SviCheckpoint};
use flowppl::params::ParamSnapshot;
use flowppl::ppl::{model_fn, Ctx, Model};
use flowppl::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;

fn regression(data: Vec<f64>) -> impl Model<f32, Cpu> {
    model_fn("regression", move |ctx: &mut Ctx<f32, Cpu>| {
        let slope = ctx.sample("slope", Normal::new(0.0, 2.0)?, None)?;
        let values: Vec<f32> = data.iter().map(|&v| v as f32).collect();
        let n = values.len();
        let y = Var::from_vec(ctx.device(), values, 1, n)?;
        let x = Var::from_vec(ctx.device(), (0..n).map(|i| i as f32).collect(), 1, n)?;
        ctx.observe("y", Normal::new(&x.mul(&slope)?, 0.5)?, y, None)?;
        Ok(())
    })
}

fn all_finite(snapshot: &ParamSnapshot) -> bool {
    snapshot
        .entries
        .iter()
        .all(|e| e.values.iter().all(|v| v.is_finite()))
}

/// Runs SVI and returns its result and every checkpoint (one per step).
fn run_svi(
    model: impl Model<f32, Cpu> + 'static,
    learning_rate: f64,
    policy: NonFinitePolicy,
) -> (flowppl::Result<ParamSnapshot>, Vec<SviCheckpoint>) {
    let captured = Rc::new(RefCell::new(Vec::new()));
    let sink = captured.clone();
    let result = Svi::new(model, AutoNormal::new())
        .optimizer(Adam::new(learning_rate).unwrap())
        .steps(60)
        .on_non_finite(policy)
        .checkpoint_every(1, move |c: &SviCheckpoint| {
            sink.borrow_mut().push(c.clone());
            Ok(())
        })
        .run()
        .map(|fit| fit.params().snapshot());
    let checkpoints = captured.borrow().clone();
    (result, checkpoints)
}

#[test]
fn a_nan_in_the_data_stops_training_naming_the_site() {
    let (result, checkpoints) = run_svi(
        regression(vec![0.1, f64::NAN, 2.0]),
        0.01,
        NonFinitePolicy::Stop,
    );
    let error = result.unwrap_err().to_string();
    assert!(error.contains("`y`"), "{error}");
    assert!(checkpoints.iter().all(|c| all_finite(&c.params)));
}

#[test]
fn an_exploding_learning_rate_never_leaves_non_finite_parameters() {
    for policy in [NonFinitePolicy::Stop, NonFinitePolicy::Skip] {
        let (result, checkpoints) = run_svi(regression(vec![0.1, 1.2, 2.0]), 1e30, policy);
        assert!(
            checkpoints.iter().all(|c| all_finite(&c.params)),
            "{policy:?}: a checkpoint holds a non-finite parameter"
        );
        if let Ok(params) = result {
            assert!(all_finite(&params), "{policy:?}");
        }
    }
}

#[test]
fn density_estimation_refuses_a_nan_row_and_keeps_its_parameters() {
    let device = Cpu::default();
    let mut rows: Vec<f32> = (0..200).map(|i| ((i as f32) * 0.37).sin()).collect();
    rows[77] = f32::NAN;
    let data = Var::from_vec(&device, rows, 100, 2).unwrap();
    let flow = build_flow::<f32, Cpu>("maf", FlowKind::Maf, 2, 2, &[8], 0).unwrap();
    let mut store = ParamStore::new(&device);
    let options = DensityOptions {
        steps: 20,
        batch_size: 100,
        ..DensityOptions::default()
    };
    let error = fit_density(&flow, &mut store, &data, &options)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("non-finite") || error.contains("NaN"),
        "{error}"
    );
    assert!(all_finite(&store.snapshot()));
}
