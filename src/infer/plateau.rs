//! [`Plateau`]: when to stop SVI early.

/// Early stopping on an ELBO plateau: every `window` steps the mean objective of the last
/// `window` steps is compared with the best such mean so far; after `patience` windows in a row
/// that improve it by less than `tolerance` nats, training stops. The parameters are those of
/// the last step (nothing is restored or changed).
///
/// # Examples
/// ```
/// use flowppl::infer::Plateau;
/// use flowppl::prelude::*;
/// # use flowppl::ppl::model_fn;
/// # fn main() -> flowppl::Result<()> {
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f32, Cpu>| {
/// #     let mu = ctx.sample("mu", Normal::new(0.0, 1.0)?, None)?;
/// #     ctx.observe("y", Normal::new(&mu, 1.0)?, Var::scalar(ctx.device(), 2.0), None)?;
/// #     Ok(())
/// # });
/// // `model`: mu ~ N(0, 1); y ~ N(mu, 1) observed at 2 (so mu | y ~ N(1, 1/2)).
/// assert_eq!(Plateau::default(), Plateau { window: 100, tolerance: 0.01, patience: 3 });
/// // No window can improve by 1e9 nats: stop after the second window of 5 steps.
/// let plateau = Plateau { window: 5, tolerance: 1e9, patience: 1 };
/// let fit = Svi::new(model, AutoNormal::new()).stop_on_plateau(plateau).steps(100).run()?;
/// assert_eq!(fit.stopped_early_at(), Some(10));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plateau {
    /// Steps per window.
    pub window: usize,
    /// The smallest improvement of a window's mean that counts, in nats.
    pub tolerance: f64,
    /// Windows without improvement before stopping.
    pub patience: usize,
}

impl Default for Plateau {
    fn default() -> Self {
        Plateau {
            window: 100,
            tolerance: 0.01,
            patience: 3,
        }
    }
}
