//! An invertible linear map in LU form (Kingma & Dhariwal 2018, Glow, arXiv:1807.03039).

use super::bijector::Bijector;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::Result;
use crate::flows::FlowLayer;
use crate::params::{Init, ParamStore};

/// `x = z W^T` with `W = L U`: `L` unit lower-triangular, `U` upper-triangular with diagonal
/// `exp(log_diagonal)`, so `W` is always invertible and `log |det J| = sum log_diagonal`.
/// The inverse solves the two triangular systems. Starts at the identity.
#[derive(Debug, Clone)]
pub struct LuLinear {
    name: String,
    dimension: usize,
}

impl LuLinear {
    /// An LU-linear layer on `R^dimension` named `name`.
    pub fn new(name: &str, dimension: usize) -> Self {
        LuLinear {
            name: name.to_string(),
            dimension,
        }
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for LuLinear {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        let d = self.dimension;
        store.get_or_init(&format!("{}.lower", self.name), d, d, &Init::Zeros, rng)?;
        store.get_or_init(&format!("{}.upper", self.name), d, d, &Init::Zeros, rng)?;
        store.get_or_init(
            &format!("{}.log_diagonal", self.name),
            1,
            d,
            &Init::Zeros,
            rng,
        )
    }
    fn bind(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<Box<dyn Bijector<E, D>>> {
        let d = self.dimension;
        let eye = Var::identity(store.device(), d);
        let lower = store
            .read(&format!("{}.lower", self.name), graph)?
            .lower_triangle(-1)
            .add(&eye)?;
        let log_diagonal = store.read(&format!("{}.log_diagonal", self.name), graph)?;
        let diagonal = eye.mul(&log_diagonal.exp())?;
        let upper = store
            .read(&format!("{}.upper", self.name), graph)?
            .upper_triangle(1)
            .add(&diagonal)?;
        Ok(Box::new(BoundLuLinear {
            lower,
            upper,
            log_diagonal,
        }))
    }
}

/// An [`LuLinear`] layer with its parameters for one step.
pub struct BoundLuLinear<E: Real, D: Backend<E>> {
    lower: Var<E, D>,
    upper: Var<E, D>,
    log_diagonal: Var<E, D>,
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundLuLinear<E, D> {
    fn name(&self) -> &'static str {
        "LuLinear"
    }
    fn forward(&self, z: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        // Rows: x = z (L U)^T = z U^T L^T.
        let x = z
            .matmul(&self.upper.transpose())?
            .matmul(&self.lower.transpose())?;
        Ok((x, self.log_diagonal.sum().broadcast_to(z.rows(), 1)?))
    }
    fn inverse(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        // Solve L a = x, then U z = a; an upper system is a lower one with the order reversed.
        let a = self.lower.solve_lower_triangular(x)?;
        let d = x.columns();
        let reversed: Vec<usize> = (0..d).rev().collect();
        let flipped = self
            .upper
            .gather_rows(&reversed)?
            .gather_columns(&reversed)?;
        let z = flipped
            .solve_lower_triangular(&a.gather_columns(&reversed)?)?
            .gather_columns(&reversed)?;
        Ok((z, (-self.log_diagonal.sum()).broadcast_to(x.rows(), 1)?))
    }
}
