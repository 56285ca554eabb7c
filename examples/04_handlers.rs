//! # 04: effect handlers
//!
//! Run one model under `trace`, `condition` and `intervene` (`do`), and see how the log joint
//! and the values change.
//!
//! Run with `cargo run --example 04_handlers`.

use flowppl::backend::rng::seeded;
use flowppl::handlers::{condition, intervene, trace, values};
use flowppl::prelude::*;

// ANCHOR: model
model! {
    /// Rain makes the grass wet; so does the sprinkler.
    fn garden() {
        let rain = sample!("rain", Normal::new(0.0, 1.0));
        let sprinkler = sample!("sprinkler", Normal::new(-rain, 1.0));
        sample!("wetness", Normal::new(rain + sprinkler * 0.5, 0.3));
    }
}
// ANCHOR_END: model

fn mean(v: &Var<f64, Cpu>) -> f64 {
    let values = v.to_vec();
    values.iter().sum::<f64>() / values.len() as f64
}

fn main() -> Result<()> {
    let dev = Cpu::default();
    let mut rng = seeded(0);
    let mut ctx = Ctx::<f64, Cpu>::new(&dev, &mut rng).with_particles(20_000);

    // ANCHOR: handlers
    let prior = trace(&garden(), &mut ctx)?;
    println!("E[wetness] = {:.3}", mean(prior.value("wetness").unwrap()));

    // do(sprinkler = 2): rain keeps its prior, wetness follows the intervention.
    let forced = intervene(garden(), values([("sprinkler", Var::scalar(&dev, 2.0))]));
    let t = trace(&forced, &mut ctx)?;
    println!(
        "E[wetness | do(sprinkler = 2)] = {:.3} (exact 1.0)",
        mean(t.value("wetness").unwrap())
    );
    println!(
        "E[rain | do(sprinkler = 2)] = {:.3} (exact 0.0)",
        mean(t.value("rain").unwrap())
    );

    // condition(sprinkler = 2) makes the site observed: its density enters the log joint.
    let observed = condition(garden(), values([("sprinkler", Var::scalar(&dev, 2.0))]));
    let t = trace(&observed, &mut ctx)?;
    println!(
        "sprinkler observed: {}",
        t.get("sprinkler").unwrap().observed
    );
    // ANCHOR_END: handlers
    Ok(())
}
