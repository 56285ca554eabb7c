//! Low-rank-plus-diagonal Gaussian autoguide.

use super::{insert_if_missing, standard_noise, stopped, AutoBase};
use crate::backend::{Backend, Real, Var};
use crate::dist::{Distribution, MultivariateNormal};
use crate::error::{Error, Result};
use crate::infer::guide::{Guide, GuideDraw};
use crate::infer::init::InitStrategy;
use crate::params::ParamStore;
use crate::ppl::{Ctx, Model};

/// Gaussian with covariance `W W^T + diag(sigma^2)`, `W` of shape `(d, rank)`:
/// `theta = loc + W z + sigma * eps` with `z ~ N(0, I_rank)`, `eps ~ N(0, I_d)` (Pyro's
/// `AutoLowRankMultivariateNormal`). `ln q` is the multivariate normal density of that
/// covariance (factorised by Cholesky, `O(d^3)`: meant for moderate `d`).
///
/// Parameters: `auto_low_rank.loc`, `auto_low_rank.factor` `(d, rank)` and
/// `auto_low_rank.log_diagonal`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// use flowppl::ppl::model_fn;
/// # use flowppl::backend::rng::seeded;
/// # fn main() -> flowppl::Result<()> {
/// // theta: two independent N(0, 1) coordinates.
/// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
///     let plate = ctx.plate("p", 2, None)?;
///     ctx.sample("theta", Normal::new(0.0, 1.0)?, Some(&plate))?;
///     Ok(())
/// });
/// # let (dev, mut rng, mut store) = (Cpu::default(), seeded(0), ParamStore::new(&Cpu::default()));
/// let mut guide = AutoLowRank::new(1)?;
/// guide.setup(&model, &mut store, &dev, 0)?;
/// // Covariance W W^T + diag(sigma^2) with W of shape (d, rank) = (2, 1).
/// assert_eq!(store.shape("auto_low_rank.factor")?, (2, 1));
/// assert_eq!(store.shape("auto_low_rank.log_diagonal")?, (1, 2));
/// let draw = guide.draw(&mut Ctx::new(&dev, &mut rng).with_store(&mut store).with_particles(3))?;
/// assert_eq!((draw.values["theta"].shape(), draw.log_q.shape()), ((3, 2), (3, 1)));
/// # Ok(())
/// # }
/// ```
pub struct AutoLowRank<E: Real, D: Backend<E>> {
    base: AutoBase<E, D>,
    rank: usize,
    initial_scale: f64,
}

impl<E: Real, D: Backend<E>> AutoLowRank<E, D> {
    /// A low-rank guide of the given rank (at least 1).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for rank 0.
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
    /// assert!(AutoLowRank::<f64, Cpu>::new(0).is_err());
    /// let mut guide = AutoLowRank::new(2)?;
    /// guide.setup(&model, &mut store, &dev, 0)?;
    /// assert_eq!(store.shape("auto_low_rank.factor")?, (2, 2));
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(rank: usize) -> Result<Self> {
        if rank == 0 {
            return Err(Error::InvalidConfig {
                what: "AutoLowRank".into(),
                message: "the rank must be at least 1".into(),
            });
        }
        Ok(AutoLowRank {
            base: AutoBase::new("auto_low_rank"),
            rank,
            initial_scale: 0.1,
        })
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
    /// let init = InitStrategy::Values([("theta".to_string(), vec![0.5, -0.5])].into());
    /// let mut guide = AutoLowRank::new(1)?.with_init(init);
    /// guide.setup(&model, &mut store, &dev, 0)?;
    /// assert_eq!(store.values("auto_low_rank.loc")?, [0.5, -0.5]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_init(mut self, init: InitStrategy) -> Self {
        self.base.init = init;
        self
    }
}

impl<E: Real, D: Backend<E>> Guide<E, D> for AutoLowRank<E, D> {
    fn name(&self) -> &str {
        "lowrank"
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
        let rank = self.rank;
        let log_scale = self.initial_scale.ln();
        insert_if_missing(store, &self.base.name("loc"), 1, d, || point)?;
        // A small deterministic factor: zero would make every column's gradient vanish together.
        insert_if_missing(store, &self.base.name("factor"), d, rank, || {
            (0..d * rank)
                .map(|i| 0.01 * (((i * 7919) % 13) as f64 / 13.0 - 0.5))
                .collect()
        })?;
        insert_if_missing(store, &self.base.name("log_diagonal"), 1, d, || {
            vec![log_scale; d]
        })
    }

    fn draw(&self, ctx: &mut Ctx<'_, E, D>) -> Result<GuideDraw<E, D>> {
        let d = self.base.layout()?.dimension;
        let loc = self.base.parameter(ctx, "loc")?;
        let factor = self.base.parameter(ctx, "factor")?;
        let log_diagonal = self.base.parameter(ctx, "log_diagonal")?;
        let sigma = log_diagonal.exp();
        let z = standard_noise(ctx, self.rank)?;
        let eps = standard_noise(ctx, d)?;
        let theta = z
            .matmul(&factor.transpose())?
            .add(&eps.mul(&sigma)?)?
            .add(&loc)?;
        let variance = sigma.square();
        let covariance = factor
            .matmul(&factor.transpose())?
            .add(&Var::identity(ctx.device(), d).mul(&variance)?)?;
        // With stopped parameters (sticking the landing) q is scored as a constant density.
        let q =
            MultivariateNormal::from_covariance(stopped(ctx, &loc), &stopped(ctx, &covariance))?;
        let log_q = q.log_prob_unchecked(&theta)?;
        self.base.finish(&theta, log_q)
    }

    fn supports_sticking_the_landing(&self) -> bool {
        true
    }
}
