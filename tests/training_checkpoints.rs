//! Checkpoints of the minibatch training loops: density estimation (flows, causal flows) and
//! VAE training resume bit-for-bit, early-stopping state included, and stop cleanly when
//! interrupted.

use flowppl::backend::rng::seeded;
use flowppl::checkpoint::{LoopCheckpoint, TrainingControl};
use flowppl::flows::training::{fit_density_with, DensityOptions};
use flowppl::flows::{build_flow, FlowKind};
use flowppl::params::ParamSnapshot;
use flowppl::prelude::*;
use flowppl::vae::{train_with, Posterior, Prior, Vae, VaeConfig, VaeTrainingOptions};
use rand::Rng as _;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

type Captured = Rc<RefCell<Vec<LoopCheckpoint>>>;

fn capture() -> (Captured, impl FnMut(&LoopCheckpoint) -> flowppl::Result<()>) {
    let store = Rc::new(RefCell::new(Vec::new()));
    let sink = store.clone();
    (store, move |c: &LoopCheckpoint| {
        let text = serde_json::to_string(c).unwrap();
        sink.borrow_mut().push(serde_json::from_str(&text).unwrap());
        Ok(())
    })
}

fn density_data() -> Var<f32, Cpu> {
    let values: Vec<f32> = (0..600)
        .map(|i| ((i as f32) * 0.61).sin() * (1.0 + (i % 7) as f32 * 0.1))
        .collect();
    Var::from_vec(&Cpu::default(), values, 300, 2).unwrap()
}

fn density_run(control: &mut TrainingControl) -> flowppl::Result<(ParamSnapshot, Vec<f64>)> {
    let flow = build_flow::<f32, Cpu>("maf", FlowKind::MafBatchNorm, 2, 2, &[8], 0).unwrap();
    let mut store = ParamStore::new(&Cpu::default());
    let options = DensityOptions {
        steps: 60,
        batch_size: 32,
        learning_rate: 1e-2,
        validation_fraction: 0.2,
        validate_every: 10,
        patience: Some(50),
        ..DensityOptions::default()
    };
    let report = fit_density_with(&flow, &mut store, &density_data(), &options, control)?;
    Ok((store.snapshot(), report.losses))
}

#[test]
fn density_estimation_resumes_bit_for_bit() {
    let whole = density_run(&mut TrainingControl::new()).unwrap();
    let (checkpoints, sink) = capture();
    density_run(&mut TrainingControl::new().checkpoint_every(25, sink)).unwrap();
    let at_25 = checkpoints.borrow()[0].clone();
    assert_eq!(at_25.step, 25);
    assert!(at_25.best.is_some(), "two validations have happened");
    let resumed = density_run(&mut TrainingControl::new().resume_from(at_25)).unwrap();
    assert_eq!(resumed, whole);
}

#[test]
fn an_interrupted_loop_hands_out_a_final_checkpoint() {
    let (checkpoints, sink) = capture();
    let flag = Arc::new(AtomicBool::new(true));
    let result = density_run(
        &mut TrainingControl::new()
            .checkpoint_every(0, sink)
            .interrupt_on(flag),
    );
    assert!(matches!(
        result,
        Err(flowppl::Error::Interrupted { step: 1 })
    ));
    assert_eq!(checkpoints.borrow().len(), 1);
    let whole = density_run(&mut TrainingControl::new()).unwrap();
    let first = checkpoints.borrow()[0].clone();
    let resumed = density_run(&mut TrainingControl::new().resume_from(first)).unwrap();
    assert_eq!(resumed, whole);
}

fn vae_run(control: &mut TrainingControl) -> flowppl::Result<(ParamSnapshot, Vec<f64>)> {
    let mut rng = seeded(3);
    let pixels: Vec<f32> = (0..200 * 6)
        .map(|_| if rng.gen::<f64>() < 0.3 { 1.0 } else { 0.0 })
        .collect();
    let data = Var::from_vec(&Cpu::default(), pixels, 200, 6).unwrap();
    let config = VaeConfig {
        input: 6,
        latent: 2,
        hidden: vec![8],
        flow_hidden: vec![4],
        ..VaeConfig::t5(Posterior::parse("iaf:1")?, Prior::parse("maf:1")?)
    };
    let vae = Vae::<f32, Cpu>::new(config)?;
    let mut store = ParamStore::new(&Cpu::default());
    let options = VaeTrainingOptions {
        steps: 40,
        batch_size: 20,
        validation_fraction: 0.1,
        validate_every: 10,
        patience: Some(30),
        kl_warmup_steps: 20,
        ..VaeTrainingOptions::default()
    };
    let report = train_with(&vae, &mut store, &data, &options, |_, _| {}, control)?;
    Ok((store.snapshot(), report.elbo))
}

#[test]
fn vae_training_resumes_bit_for_bit() {
    let whole = vae_run(&mut TrainingControl::new()).unwrap();
    let (checkpoints, sink) = capture();
    vae_run(&mut TrainingControl::new().checkpoint_every(15, sink)).unwrap();
    let at_15 = checkpoints.borrow()[0].clone();
    let resumed = vae_run(&mut TrainingControl::new().resume_from(at_15)).unwrap();
    assert_eq!(resumed, whole);
}
