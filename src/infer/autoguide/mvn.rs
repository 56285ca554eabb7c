//! Full-rank Gaussian autoguide.

use super::{covariance_factor, insert_if_missing, standard_noise, stopped, AutoBase};
use crate::backend::{Backend, Real, Var};
use crate::error::Result;
use crate::infer::guide::{Guide, GuideDraw};
use crate::infer::init::InitStrategy;
use crate::params::ParamStore;
use crate::ppl::{Ctx, Model};
use std::f64::consts::TAU;

/// Full-rank Gaussian in unconstrained space: `theta = loc + L eps` with `L` lower-triangular,
/// its diagonal kept positive as `exp` of the raw diagonal.
///
/// `ln q(theta) = -|eps|^2 / 2 - sum_i ln L_ii - d ln(2 pi) / 2`. Parameters:
/// `auto_mvn.loc` `(1, d)` and `auto_mvn.scale_tril_raw` `(d, d)` (initial `L = 0.1 I`).
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # use flowppl::ppl::model_fn;
/// # use flowppl::backend::rng::seeded;
/// # fn main() -> flowppl::Result<()> {
/// // `model`: theta: two independent N(0, 1) coordinates.
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
/// #     let plate = ctx.plate("p", 2, None)?;
/// #     ctx.sample("theta", Normal::new(0.0, 1.0)?, Some(&plate))?;
/// #     Ok(())
/// # });
/// # let (dev, mut rng, mut store) = (Cpu::default(), seeded(0), ParamStore::new(&Cpu::default()));
/// let ln_n = |x: f64, m: f64, s: f64| -0.5 * ((x - m) / s).powi(2) - s.ln() - 0.5 * std::f64::consts::TAU.ln();
/// let init = InitStrategy::Values([("theta".to_string(), vec![0.5, -0.5])].into());
/// let mut guide = AutoMvn::new().with_init(init);
/// guide.setup(&model, &mut store, &dev, 0)?;
/// let draw = guide.draw(&mut Ctx::new(&dev, &mut rng).with_store(&mut store).with_particles(3))?;
/// // With L = 0.1 I, ln q is a sum of ln N(theta_i; loc_i, 0.1).
/// let (theta, log_q) = (draw.values["theta"].to_vec(), draw.log_q.to_vec());
/// for (row, l) in theta.chunks(2).zip(&log_q) {
///     assert!((l - ln_n(row[0], 0.5, 0.1) - ln_n(row[1], -0.5, 0.1)).abs() < 1e-9);
/// }
/// # Ok(())
/// # }
/// ```
pub struct AutoMvn<E: Real, D: Backend<E>> {
    base: AutoBase<E, D>,
    initial_scale: f64,
}

impl<E: Real, D: Backend<E>> Default for AutoMvn<E, D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Real, D: Backend<E>> AutoMvn<E, D> {
    /// A full-rank Gaussian guide starting at the prior median with `L = 0.1 I`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// // theta: two independent N(0, 1) coordinates.
    /// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    ///     let plate = ctx.plate("p", 2, None)?;
    ///     ctx.sample("theta", Normal::new(0.0, 1.0)?, Some(&plate))?;
    ///     Ok(())
    /// });
    /// # let (dev, mut store) = (Cpu::default(), ParamStore::new(&Cpu::default()));
    /// let mut guide = AutoMvn::new();
    /// guide.setup(&model, &mut store, &dev, 0)?;
    /// // L = 0.1 I, its diagonal stored as logarithms.
    /// let raw = store.values("auto_mvn.scale_tril_raw")?;
    /// let l = 0.1f64.ln();
    /// assert!(raw.iter().zip([l, 0.0, 0.0, l]).all(|(r, w)| (r - w).abs() < 1e-12));
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> Self {
        AutoMvn {
            base: AutoBase::new("auto_mvn"),
            initial_scale: 0.1,
        }
    }

    /// Sets the initialisation strategy of the location.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// use flowppl::ppl::model_fn;
    /// # fn main() -> flowppl::Result<()> {
    /// // theta: two independent N(0, 1) coordinates.
    /// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    ///     let plate = ctx.plate("p", 2, None)?;
    ///     ctx.sample("theta", Normal::new(0.0, 1.0)?, Some(&plate))?;
    ///     Ok(())
    /// });
    /// # let (dev, mut store) = (Cpu::default(), ParamStore::new(&Cpu::default()));
    /// let mut guide = AutoMvn::new().with_init(InitStrategy::Feasible);
    /// guide.setup(&model, &mut store, &dev, 0)?;
    /// assert_eq!(store.values("auto_mvn.loc")?, [0.0, 0.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_init(mut self, init: InitStrategy) -> Self {
        self.base.init = init;
        self
    }

    /// The Cholesky factor `L` from the raw parameter.
    pub(crate) fn scale_tril(raw: &Var<E, D>) -> Result<Var<E, D>> {
        let d = raw.rows();
        let eye = Var::identity(&raw.device(), d);
        // exp of the diagonal (exp(0) = 1 off the diagonal is masked away by the identity).
        let diagonal = raw.mul(&eye)?.exp().mul(&eye)?;
        raw.lower_triangle(-1).add(&diagonal)
    }
}

impl<E: Real, D: Backend<E>> Guide<E, D> for AutoMvn<E, D> {
    fn name(&self) -> &str {
        "mvn"
    }

    fn setup(
        &mut self,
        model: &dyn Model<E, D>,
        store: &mut ParamStore<E, D>,
        device: &D,
        seed: u64,
    ) -> Result<()> {
        let point = self.base.setup(model, device, seed)?;
        let d = point.len();
        let log_scale = self.initial_scale.ln();
        insert_if_missing(store, &self.base.name("loc"), 1, d, || point)?;
        // With a Laplace start, L = chol(P^-1); otherwise a scaled identity.
        let laplace_factor = self
            .base
            .precision
            .as_ref()
            .and_then(|p| covariance_factor(p, d));
        insert_if_missing(
            store,
            &self.base.name("scale_tril_raw"),
            d,
            d,
            || match laplace_factor {
                Some(mut l) => {
                    for i in 0..d {
                        l[i * d + i] = l[i * d + i].ln();
                    }
                    l
                }
                None => {
                    let mut raw = vec![0.0; d * d];
                    for i in 0..d {
                        raw[i * d + i] = log_scale;
                    }
                    raw
                }
            },
        )
    }

    fn draw(&self, ctx: &mut Ctx<'_, E, D>) -> Result<GuideDraw<E, D>> {
        let d = self.base.layout()?.dimension;
        let loc = self.base.parameter(ctx, "loc")?;
        let raw = self.base.parameter(ctx, "scale_tril_raw")?;
        let scale_tril = Self::scale_tril(&raw)?;
        let eps = standard_noise(ctx, d)?;
        let theta = eps.matmul(&scale_tril.transpose())?.add(&loc)?;
        let (eps, raw) = if ctx.stops_guide_parameters() {
            // eps = L^-1 (theta - loc) with constant L and loc (sticking the landing).
            let scale_tril = stopped(ctx, &scale_tril);
            let centred = theta.sub(&stopped(ctx, &loc))?;
            let standardised = scale_tril.solve_lower_triangular(&centred)?;
            (standardised, stopped(ctx, &raw))
        } else {
            (eps, raw)
        };
        // ln det L = sum of the raw diagonal.
        let log_det = raw.diagonal()?.sum();
        let log_q = (eps.square().sum_columns() * -0.5)
            .sub(&log_det)?
            .add_scalar(-0.5 * d as f64 * TAU.ln());
        self.base.finish(&theta, log_q)
    }

    fn supports_sticking_the_landing(&self) -> bool {
        true
    }
}
