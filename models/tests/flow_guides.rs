//! A flow guide gets closer to the banana's curved posterior than the mean-field guide:
//! x1 ~ N(0, 10), x2 ~ N(0.03 (x1^2 - 100), 1) has sd(x2) = sqrt(0.03^2 * 2 * 10^4 + 1) = 4.36
//! and ln Z = 0. With 3 IAF layers and 8000 steps (seed 0) the ELBO is -0.21 against -0.69 for
//! AutoNormal, and sd(x2) 1.71 against 1.03: better, not yet the exact 4.36 (the heavy x2 tail
//! comes from the x1 tails), which is #5's target, not claimed here.

use flowppl::flows::FlowKind;
use flowppl::infer::AutoFlow;
use flowppl::params::Schedule;
use flowppl::prelude::*;

fn sd(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

#[test]
fn a_flow_guide_beats_mean_field_on_the_banana() {
    let exact = (0.03f64.powi(2) * 2.0 * 1e4 + 1.0).sqrt();
    let steps = 8000;
    let adam = || {
        Adam::new(0.01)
            .unwrap()
            .with_schedule(Schedule::exponential_to(0.1, steps))
            .unwrap()
    };
    let model = || flowppl_models::zoo::synthetic::banana(0.03);
    let flow = Svi::new(model(), AutoFlow::new(FlowKind::Iaf, 3, &[32, 32]))
        .optimizer(adam())
        .particles(16)
        .steps(steps as usize)
        .seed(0)
        .run()
        .unwrap();
    let mean_field = Svi::new(model(), AutoNormal::new())
        .optimizer(adam())
        .particles(16)
        .steps(steps as usize)
        .seed(0)
        .run()
        .unwrap();
    let sd_of = |samples: flowppl::handlers::Values<f32, Cpu>| sd(&samples["x2"].to_f64_vec());
    let flow_sd = sd_of(flow.posterior_samples(20_000, 1).unwrap());
    let mean_field_sd = sd_of(mean_field.posterior_samples(20_000, 1).unwrap());
    println!("sd(x2): exact {exact:.3}, flow {flow_sd:.3}, mean-field {mean_field_sd:.3}");
    println!(
        "ELBO: flow {:.3}, mean-field {:.3}",
        flow.final_elbo(),
        mean_field.final_elbo()
    );
    // Each ELBO is a mean of 100 steps x 16 particles; their noise is far below 0.3 nats.
    assert!(
        flow.final_elbo() > mean_field.final_elbo() + 0.3,
        "ELBO: flow vs mean-field"
    );
    assert!(
        (flow_sd - exact).abs() < (mean_field_sd - exact).abs() - 0.3,
        "flow sd {flow_sd}, mean-field {mean_field_sd}"
    );
}
