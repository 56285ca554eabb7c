//! Checkpoint and resume: `n` steps, a checkpoint written through JSON, and the remaining
//! steps give bit-for-bit the parameters and ELBO history of the uninterrupted run, for Adam and
//! SGD with momentum, for a flow guide, and for a run stopped by its interrupt flag.

use flowppl::flows::FlowKind;
use flowppl::infer::{AutoFlow, AutoNormal, Guide, SviCheckpoint};
use flowppl::params::{ParamSnapshot, Sgd};
use flowppl::ppl::{model_fn, Ctx, Model};
use flowppl::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn model() -> impl Model<f32, Cpu> {
    model_fn("regression", |ctx: &mut Ctx<f32, Cpu>| {
        let slope = ctx.sample("slope", Normal::new(0.0, 2.0)?, None)?;
        let scale = ctx.sample("scale", HalfNormal::new(1.0)?, None)?;
        for (i, y) in [0.5, 1.4, 2.1, 3.2].into_iter().enumerate() {
            let mean = slope.mul_scalar(i as f64);
            let observed = Var::scalar(ctx.device(), y);
            ctx.observe(
                &format!("y{i}"),
                Normal::new(&mean, &scale)?,
                &observed,
                None,
            )?;
        }
        Ok(())
    })
}

/// Runs `steps` steps (optionally resuming), capturing the checkpoints it hands out.
fn run<G: Guide<f32, Cpu> + 'static>(
    guide: G,
    steps: usize,
    resume: Option<SviCheckpoint>,
    sgd: bool,
    interrupt_after: Option<usize>,
) -> (
    flowppl::Result<(ParamSnapshot, Vec<f64>)>,
    Vec<SviCheckpoint>,
) {
    let captured = Rc::new(RefCell::new(Vec::new()));
    let sink = captured.clone();
    let flag = Arc::new(AtomicBool::new(false));
    let setter = flag.clone();
    // ANCHOR: checkpoints
    let mut svi = Svi::new(model(), guide)
        .steps(steps)
        .particles(3)
        .seed(9)
        .checkpoint_every(40, move |c: &SviCheckpoint| {
            // Through JSON, as a checkpoint file would be.
            let text = serde_json::to_string(c).unwrap();
            sink.borrow_mut().push(serde_json::from_str(&text).unwrap());
            Ok(())
        })
        .interrupt_on(flag)
        .on_step(move |step, _| {
            if Some(step + 1) == interrupt_after {
                setter.store(true, Ordering::SeqCst);
            }
        });
    if sgd {
        svi = svi.optimizer(Sgd::new(0.002).unwrap().with_momentum(0.9, false).unwrap());
    }
    if let Some(checkpoint) = resume {
        svi = svi.resume_from(checkpoint);
    }
    // ANCHOR_END: checkpoints
    let result = svi
        .run()
        .map(|fit| (fit.params().snapshot(), fit.elbo_history().to_vec()));
    let checkpoints = captured.borrow().clone();
    (result, checkpoints)
}

#[test]
fn a_resumed_run_equals_the_uninterrupted_run_bit_for_bit() {
    for sgd in [false, true] {
        let (whole, _) = run(AutoNormal::new(), 200, None, sgd, None);
        let whole = whole.unwrap();
        let (_, checkpoints) = run(AutoNormal::new(), 120, None, sgd, None);
        let at_80 = checkpoints.iter().find(|c| c.step == 80).unwrap().clone();
        let (resumed, _) = run(AutoNormal::new(), 200, Some(at_80), sgd, None);
        let resumed = resumed.unwrap();
        assert_eq!(resumed.0, whole.0, "sgd = {sgd}: parameters");
        assert_eq!(resumed.1, whole.1, "sgd = {sgd}: ELBO history");
    }
}

#[test]
fn a_flow_guide_resumes_exactly() {
    let guide = || AutoFlow::new(FlowKind::Iaf, 2, &[8]);
    let (whole, _) = run(guide(), 120, None, false, None);
    let (_, checkpoints) = run(guide(), 40, None, false, None);
    let (resumed, _) = run(guide(), 120, Some(checkpoints[0].clone()), false, None);
    assert_eq!(resumed.unwrap().0, whole.unwrap().0);
}

#[test]
fn an_interrupted_run_checkpoints_and_resumes_exactly() {
    let (whole, _) = run(AutoNormal::new(), 150, None, false, None);
    let (stopped, checkpoints) = run(AutoNormal::new(), 150, None, false, Some(57));
    match stopped {
        Err(flowppl::Error::Interrupted { step }) => assert_eq!(step, 57),
        other => panic!("expected an interruption, got {:?}", other.map(|_| ())),
    }
    let last = checkpoints.last().unwrap().clone();
    assert_eq!(last.step, 57);
    let (resumed, _) = run(AutoNormal::new(), 150, Some(last), false, None);
    assert_eq!(resumed.unwrap(), whole.unwrap());
}

#[test]
fn a_checkpoint_of_another_optimizer_is_refused() {
    let (_, checkpoints) = run(AutoNormal::new(), 40, None, true, None);
    let (result, _) = run(
        AutoNormal::new(),
        80,
        Some(checkpoints[0].clone()),
        false,
        None,
    );
    let error = result.unwrap_err().to_string();
    assert!(error.contains("sgd") && error.contains("adam"), "{error}");
}
