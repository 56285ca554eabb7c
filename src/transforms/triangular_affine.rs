//! A learnable affine map with a lower-triangular matrix: the full-rank Gaussian as a flow.

use super::bijector::Bijector;
use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::Result;
use crate::flows::FlowLayer;
use crate::params::{Init, ParamStore};

/// `x = shift + L z` with `L` lower-triangular and `diag(L) = exp(log_diagonal)`, so
/// `log |det J| = sum log_diagonal`. On a standard normal base the flow is `N(shift, L L^T)`
/// and `L` is the Cholesky factor of its covariance, which makes the matrix identifiable (an
/// LU or dense linear layer fits `L L^T` only up to an orthogonal factor). Starts at the
/// identity. The inverse is one triangular solve.
#[derive(Debug, Clone)]
pub struct TriangularAffine {
    name: String,
    dimension: usize,
}

impl TriangularAffine {
    /// A layer on `R^dimension` named `name`.
    pub fn new(name: &str, dimension: usize) -> Self {
        TriangularAffine {
            name: name.to_string(),
            dimension,
        }
    }

    /// The fitted `(shift, L)`: `d` values and the `d x d` factor, row-major.
    ///
    /// # Errors
    /// Missing parameters.
    pub fn shift_and_factor<E: Real, D: Backend<E>>(
        &self,
        store: &ParamStore<E, D>,
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        let host = |part: &str| -> Result<Vec<f64>> {
            Ok(store
                .values(&format!("{}.{part}", self.name))?
                .into_iter()
                .map(|v| v.to_f64())
                .collect())
        };
        let (shift, lower, log_diagonal) = (host("shift")?, host("lower")?, host("log_diagonal")?);
        let d = self.dimension;
        let factor = (0..d * d)
            .map(|k| {
                let (i, j) = (k / d, k % d);
                match i.cmp(&j) {
                    std::cmp::Ordering::Greater => lower[k],
                    std::cmp::Ordering::Equal => log_diagonal[i].exp(),
                    std::cmp::Ordering::Less => 0.0,
                }
            })
            .collect();
        Ok((shift, factor))
    }
}

impl<E: Real, D: Backend<E>> FlowLayer<E, D> for TriangularAffine {
    fn name(&self) -> &str {
        &self.name
    }
    fn initialize(&self, store: &mut ParamStore<E, D>, rng: &mut Rng) -> Result<()> {
        let d = self.dimension;
        store.get_or_init(&format!("{}.shift", self.name), 1, d, &Init::Zeros, rng)?;
        store.get_or_init(&format!("{}.lower", self.name), d, d, &Init::Zeros, rng)?;
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
        let eye = Var::identity(store.device(), self.dimension);
        let log_diagonal = store.read(&format!("{}.log_diagonal", self.name), graph)?;
        let factor = store
            .read(&format!("{}.lower", self.name), graph)?
            .lower_triangle(-1)
            .add(&eye.mul(&log_diagonal.exp())?)?;
        Ok(Box::new(BoundTriangularAffine {
            shift: store.read(&format!("{}.shift", self.name), graph)?,
            factor,
            log_diagonal,
        }))
    }
}

/// A [`TriangularAffine`] layer with its parameters for one step.
pub struct BoundTriangularAffine<E: Real, D: Backend<E>> {
    shift: Var<E, D>,
    factor: Var<E, D>,
    log_diagonal: Var<E, D>,
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for BoundTriangularAffine<E, D> {
    fn name(&self) -> &'static str {
        "TriangularAffine"
    }
    fn forward(&self, z: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        // Rows: x = z L^T + shift.
        let x = z.matmul(&self.factor.transpose())?.add(&self.shift)?;
        Ok((x, self.log_diagonal.sum().broadcast_to(z.rows(), 1)?))
    }
    fn inverse(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let z = self.factor.solve_lower_triangular(&x.sub(&self.shift)?)?;
        Ok((z, (-self.log_diagonal.sum()).broadcast_to(x.rows(), 1)?))
    }
}
