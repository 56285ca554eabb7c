//! # 01: distributions
//!
//! Build distributions, evaluate batched log-densities, draw samples, and see what happens with
//! bad parameters and values outside the support.
//!
//! Run with `cargo run --example 01_distributions`.

use flowppl::backend::rng::seeded;
use flowppl::prelude::*;

fn main() -> Result<()> {
    let dev = Cpu::default();
    let mut rng = seeded(42);

    // ANCHOR: scalar
    // Parameters can be plain numbers...
    let prior = Normal::<f32, Cpu>::new(0.0, 5.0)?;
    let x = Var::scalar(&dev, 1.0);
    println!("ln N(1 | 0, 5) = {:.4}", prior.log_prob(&x)?.item()?);
    // ANCHOR_END: scalar

    // ANCHOR: batch
    // ...or values that broadcast: one location per column, a shared scale.
    let locations = Var::from_rows(&dev, &[[0.0f32, 1.0, 2.0]])?;
    let batch = Normal::new(&locations, 0.5)?;
    let values = Var::from_rows(&dev, &[[0.1f32, 0.9, 2.5], [-0.2, 1.4, 1.9]])?;
    // (1, 3) parameters against (2, 3) values: six log-densities.
    let lp = batch.log_prob(&values)?;
    println!("batched log-densities {:?}: {:?}", lp.shape(), lp.to_vec());
    // to_event() treats each row as one event and sums across columns.
    let per_row = batch.to_event()?.log_prob(&values)?;
    println!("per-row log-densities: {:?}", per_row.to_vec());
    // ANCHOR_END: batch

    // ANCHOR: sampling
    let gamma = Gamma::<f32, Cpu>::new(2.0, 0.5)?.expand(1, 5)?;
    let draws = gamma.sample(&mut rng)?;
    println!("five Gamma(2, 0.5) draws: {:?}", draws.to_vec());
    println!(
        "mean {:?}, variance {:?}",
        gamma.mean()?.to_vec(),
        gamma.variance()?.to_vec()
    );
    // ANCHOR_END: sampling

    // ANCHOR: errors
    match Normal::<f32, Cpu>::new(0.0, -1.0) {
        Ok(_) => unreachable!("a negative scale is rejected"),
        Err(error) => println!("error: {error}"),
    }
    let outside = Exponential::<f32, Cpu>::new(1.0)?.log_prob(&Var::scalar(&dev, -1.0))?;
    println!("ln Exponential(-1 | 1) = {}", outside.item()?);
    // ANCHOR_END: errors
    Ok(())
}
