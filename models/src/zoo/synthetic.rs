//! Synthetic posteriors with known geometry: Neal's funnel, the banana and a bimodal mixture.

use flowppl::prelude::*;

model! {
    /// Neal's funnel (Neal 2003): `v ~ Normal(0, 3)`, `x_i ~ Normal(0, exp(v / 2))`,
    /// `i = 1..dimension`. The scale of `x` changes by orders of magnitude along `v`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::synthetic::funnel;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let row = |v: &[f64]| Var::<f64, Cpu>::from_vec(&device, v.to_vec(), 1, v.len());
    /// let at = values([("v", row(&[2.0])?), ("x", row(&[0.0; 3])?)]);
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let t = trace(&substitute(funnel(3), at), &mut Ctx::new(&device, &mut rng))?;
    /// // At v = 2 each x_i has scale e: ln N(0; 0, e) = -1 - ln(2 pi) / 2.
    /// let x = t.get("x").unwrap().log_density()?.unwrap().item()?;
    /// assert!((x - 3.0 * (-1.0 - 0.5 * std::f64::consts::TAU.ln())).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn funnel(dimension: usize) {
        let v = sample!("v", Normal::new(0.0, 3.0));
        let coordinates = plate!("coordinate", dimension);
        sample!("x", Normal::new(0.0, (v * 0.5).exp()), plate = coordinates);
    }
}

model! {
    /// The banana (Haario et al. 1999, twisted Gaussian): `x1 ~ Normal(0, 10)`,
    /// `x2 ~ Normal(b (x1^2 - 100), 1)` with curvature `b` (0.03 is customary).
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::synthetic::banana;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let one = |v: f64| Var::<f64, Cpu>::scalar(&device, v);
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let model = substitute(banana(0.03), values([("x1", one(0.0)), ("x2", one(-3.0))]));
    /// let t = trace(&model, &mut Ctx::new(&device, &mut rng))?;
    /// // At x1 = 0 the mean of x2 is 0.03 (0 - 100) = -3.
    /// let x2 = t.get("x2").unwrap().log_density()?.unwrap().item()?;
    /// assert!((x2 + 0.5 * std::f64::consts::TAU.ln()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn banana(curvature: f64) {
        let x1 = sample!("x1", Normal::new(0.0, 10.0));
        sample!("x2", Normal::new((x1.square() - 100.0) * curvature, 1.0));
    }
}

model! {
    /// An equal mixture of two unit-covariance Gaussians in 2-D, centred at `(-offset, 0)` and
    /// `(offset, 0)`: normalised (`ln Z = 0`), with marginal sds `sqrt(1 + offset^2)` and 1.
    /// A mode-seeking Gaussian guide settles in one component.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::synthetic::bimodal;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let origin = Var::<f64, Cpu>::from_vec(&device, vec![0.0, 0.0], 1, 2)?;
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let model = substitute(bimodal(3.0), values([("z", origin)]));
    /// let t = trace(&model, &mut Ctx::new(&device, &mut rng))?;
    /// // Halfway between the modes: (N(0; -3, 1) + N(0; 3, 1)) / 2 * N(0; 0, 1).
    /// let density = t.log_joint()?.item()?;
    /// assert!((density - (-4.5 - std::f64::consts::TAU.ln())).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
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
