//! Synthetic posteriors with known geometry: Neal's funnel and the banana.

use flowppl::prelude::*;

model! {
    /// Neal's funnel (Neal 2003): `v ~ Normal(0, 3)`, `x_i ~ Normal(0, exp(v / 2))`,
    /// `i = 1..dimension`. The scale of `x` changes by orders of magnitude along `v`.
    pub fn funnel(dimension: usize) {
        let v = sample!("v", Normal::new(0.0, 3.0));
        let coordinates = plate!("coordinate", dimension);
        sample!("x", Normal::new(0.0, (v * 0.5).exp()), plate = coordinates);
    }
}

model! {
    /// The banana (Haario et al. 1999, twisted Gaussian): `x1 ~ Normal(0, 10)`,
    /// `x2 ~ Normal(b (x1^2 - 100), 1)` with curvature `b` (0.03 is customary).
    pub fn banana(curvature: f64) {
        let x1 = sample!("x1", Normal::new(0.0, 10.0));
        sample!("x2", Normal::new((x1.square() - 100.0) * curvature, 1.0));
    }
}
