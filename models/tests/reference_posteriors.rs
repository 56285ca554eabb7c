//! AutoMvn against posteriordb reference posteriors (the acceptance of the inference issue):
//! on kidscore_interaction and sblrc-blr every mean within 0.1 reference sd and every sd ratio
//! in [0.9, 1.1]. Both use the Laplace start; the learning rates are those recorded in the
//! closing note (a step of Adam moves about `lr` per coordinate, so the very concentrated
//! sblrc posterior, sd 0.001, needs 1e-4).

use flowppl::params::Schedule;
use flowppl::prelude::*;

fn check(model_name: &str, learning_rate: f64, steps: u64) {
    let entry = flowppl_models::find(model_name).unwrap();
    let adam = Adam::new(learning_rate)
        .unwrap()
        .with_schedule(Schedule::exponential_to(0.1, steps))
        .unwrap();
    let fit = Svi::new(
        entry.bundled().unwrap(),
        AutoMvn::new().with_init(InitStrategy::Laplace),
    )
    .optimizer(adam)
    .particles(8)
    .steps(steps as usize)
    .seed(0)
    .run()
    .unwrap();
    let summary = fit.summary(20_000, 1).unwrap();
    for (name, reference) in entry.reference().unwrap().unwrap().parameters {
        let row = summary.get(&name).unwrap();
        let z = (row.mean - reference.mean) / reference.sd;
        let ratio = row.sd / reference.sd;
        println!("{model_name} {name}: z {z:.3}, sd ratio {ratio:.3}");
        assert!(
            z.abs() <= 0.1,
            "{model_name} {name}: mean {} vs reference {} (z = {z})",
            row.mean,
            reference.mean
        );
        assert!(
            (0.9..=1.1).contains(&ratio),
            "{model_name} {name}: sd ratio {ratio}"
        );
    }
}

#[test]
fn kidscore_interaction_full_rank() {
    check("kidscore_interaction", 0.01, 5000);
}

#[test]
fn sblrc_full_rank() {
    check("sblrc_blr", 1e-4, 5000);
}
