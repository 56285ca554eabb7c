//! Synthetic posteriors with known geometry: Neal's funnel, the banana and a bimodal mixture.

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

model! {
    /// An equal mixture of two unit-covariance Gaussians in 2-D, centred at `(-offset, 0)` and
    /// `(offset, 0)`: normalised (`ln Z = 0`), with marginal sds `sqrt(1 + offset^2)` and 1.
    /// A mode-seeking Gaussian guide settles in one component.
    pub fn bimodal(offset: f64) {
        let z = sample!("z", ImproperUniform::new(Constraint::Real, 1, 2));
        let first = z.slice_columns(0, 1)?;
        let second = z.slice_columns(1, 2)?;
        let shared = Normal::new(0.0, 1.0)?.log_prob_unchecked(&second)?;
        let left = Normal::new(-offset, 1.0)?.log_prob_unchecked(&first)?;
        let right = Normal::new(offset, 1.0)?.log_prob_unchecked(&first)?;
        let mixture = left.log_add_exp(&right)? + (shared - std::f64::consts::LN_2);
        factor!("mixture", mixture);
    }
}
