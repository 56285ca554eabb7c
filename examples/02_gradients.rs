//! # 02: gradients and optimisation
//!
//! Record a computation on a `Graph`, read gradients, and fit the parameters of a Gamma
//! distribution to data by maximum likelihood with Adam, in unconstrained space.
//!
//! Run with `cargo run --release --example 02_gradients`.

use flowppl::backend::rng::seeded;
use flowppl::constraints::{biject_to, Constraint};
use flowppl::prelude::*;

fn main() -> Result<()> {
    let dev = Cpu::default();

    // ANCHOR: gradient
    let graph = Graph::new(&dev);
    let x = graph.watch(&Var::<f64, Cpu>::scalar(&dev, 3.0));
    // x is used three times; no special care needed.
    let y = &(&x * &x) * &x;
    let mut grads = y.backward()?;
    println!("d(x^3)/dx at 3 = {}", grads.of(&x)?[0]);
    // ANCHOR_END: gradient

    // ANCHOR: fit
    // Data: 500 draws from Gamma(3, 2).
    let mut rng = seeded(7);
    let data = Gamma::<f32, Cpu>::new(3.0, 2.0)?
        .expand(500, 1)?
        .sample(&mut rng)?;

    // Both parameters are positive: optimise their logarithms and map them with biject_to.
    let to_positive = biject_to::<f32, Cpu>(&Constraint::Positive)?;
    let mut store = ParamStore::<f32, Cpu>::new(&dev);
    store.get_or_init("log_concentration", 1, 1, &Init::Zeros, &mut rng)?;
    store.get_or_init("log_rate", 1, 1, &Init::Zeros, &mut rng)?;
    let mut adam = Adam::new(0.05)?;
    for _ in 0..1500 {
        let graph = Graph::new(&dev);
        let (concentration, _) =
            to_positive.forward(&store.var(&graph, "log_concentration")?, None)?;
        let (rate, _) = to_positive.forward(&store.var(&graph, "log_rate")?, None)?;
        let negative_log_likelihood = -Gamma::new(&concentration, &rate)?.log_prob(&data)?.mean();
        let mut grads = negative_log_likelihood.backward()?;
        adam.step(&mut store, &mut grads)?;
    }
    let concentration = store.values("log_concentration")?[0].exp();
    let rate = store.values("log_rate")?[0].exp();
    println!(
        "maximum-likelihood Gamma: concentration {concentration:.3}, rate {rate:.3} (true 3, 2)"
    );
    // ANCHOR_END: fit
    Ok(())
}
