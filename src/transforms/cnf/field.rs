//! The vector field `g(z, t)` of a continuous normalising flow, with the Jacobian-vector
//! products its log-density change needs, in closed form.

use crate::backend::{Backend, Graph, Real, Rng, Var};
use crate::error::{Error, Result};
use crate::params::{Init, ParamStore};

/// The smooth nonlinearity between the field's layers. A continuous flow needs `g` to be
/// differentiable in `z` (the trace of its Jacobian is part of the density), so ReLU is not
/// offered.
///
/// # Examples
///
/// ```
/// use flowppl::transforms::cnf::SmoothActivation;
/// assert_eq!(SmoothActivation::default(), SmoothActivation::Tanh);
/// assert_eq!(SmoothActivation::parse("softplus").ok(), Some(SmoothActivation::Softplus));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmoothActivation {
    /// `tanh(x)`, with `tanh' = 1 - tanh^2` (FFJORD's toy-data choice).
    #[default]
    Tanh,
    /// `ln(1 + e^x)`, with `softplus' = sigmoid`.
    Softplus,
}

impl SmoothActivation {
    /// `tanh` or `softplus`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the text.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::transforms::cnf::SmoothActivation;
    /// assert_eq!(SmoothActivation::parse("tanh").ok(), Some(SmoothActivation::Tanh));
    /// assert!(SmoothActivation::parse("relu").is_err()); // not differentiable at 0
    /// ```
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "tanh" => Ok(SmoothActivation::Tanh),
            "softplus" => Ok(SmoothActivation::Softplus),
            other => Err(Error::InvalidConfig {
                what: format!("CNF activation `{other}`"),
                message: "expected tanh or softplus (the field must be smooth)".into(),
            }),
        }
    }

    /// `(s(h), s'(h))`.
    fn apply<E: Real, D: Backend<E>>(self, h: &Var<E, D>) -> (Var<E, D>, Var<E, D>) {
        match self {
            SmoothActivation::Tanh => {
                let a = h.tanh();
                let slope = a.square().rsub_scalar(1.0);
                (a, slope)
            }
            SmoothActivation::Softplus => (h.softplus(), h.sigmoid()),
        }
    }
}

/// A time- and context-conditioned MLP `g(z, t; c): R^d -> R^d` built from FFJORD's
/// "concat-squash" layers (Grathwohl et al. 2019, arXiv:1810.01367):
///
/// `layer_k(a) = (a W_k + b_k) * sigmoid(t u_k + c V_k + r_k) + t s_k`,
///
/// with a smooth activation between layers and none after the last. Time and context enter
/// through the gate and the shift only, so the Jacobian in `z` is
/// `J = W_L^T diag(gate_{L}) ... diag(s'(h_1)) diag(gate_1) W_1^T` and a Jacobian-vector product
/// `J v` is one pass of `v` through the same layers without biases, shifts or activations, each
/// scaled by its gate and activation slope: for `g = W_2 s(W_1 z + b_1) + b_2` this is the
/// closed form `e^T J e = ((e^T W_2) * s'(h)) . (W_1 e)` (no second-order autodiff needed).
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// # use flowppl::params::ParamStore;
/// use flowppl::testing::numerical_jacobian;
/// use flowppl::transforms::cnf::VectorField;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let field = VectorField::new("g", 2, &[8], 0)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// field.initialize(&mut store, &mut seeded(0))?;
/// let g = field.bind(&store, None)?;
/// let at = |z: &[f64]| g.evaluate(&Var::from_vec(&dev, z.to_vec(), 1, 2).unwrap(), 0.3, None, &[]).unwrap().0.to_vec();
/// // The closed-form J v matches finite differences (J is row-major, (2, 2)).
/// let v = Var::from_rows(&dev, &[[1.0, -2.0]])?;
/// let (_, jv) = g.evaluate(&Var::from_rows(&dev, &[[0.5, -0.4]])?, 0.3, None, &[v])?;
/// let j = numerical_jacobian(&[0.5, -0.4], 1e-6, at);
/// let expected = [j[0] - 2.0 * j[1], j[2] - 2.0 * j[3]];
/// assert!(jv[0].to_vec().iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-7));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct VectorField {
    name: String,
    sizes: Vec<usize>,
    context: usize,
    activation: SmoothActivation,
}

impl VectorField {
    /// A field on `R^dimension` with `hidden` units per hidden layer and an optional context of
    /// width `context` (0 for none); parameters are named `name.k.*`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a zero dimension or a zero-width hidden layer.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu};
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::cnf::VectorField;
    /// # fn main() -> flowppl::Result<()> {
    /// assert!(VectorField::new("g", 0, &[8], 0).is_err());
    /// assert!(VectorField::new("g", 2, &[8, 0], 0).is_err());
    /// // Two concat-squash layers, 5 parameters each, plus a context gate per layer.
    /// let field = VectorField::new("g", 2, &[8], 3)?;
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// field.initialize(&mut store, &mut seeded(0))?;
    /// assert_eq!(store.len(), 12);
    /// assert_eq!(store.shape("g.0.gate_context")?, (3, 8));
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(name: &str, dimension: usize, hidden: &[usize], context: usize) -> Result<Self> {
        if dimension == 0 || hidden.contains(&0) {
            return Err(Error::InvalidConfig {
                what: format!("CNF field `{name}`"),
                message: format!(
                    "dimension ({dimension}) and hidden widths ({hidden:?}) must be positive"
                ),
            });
        }
        let mut sizes = vec![dimension];
        sizes.extend_from_slice(hidden);
        sizes.push(dimension);
        Ok(VectorField {
            name: name.to_string(),
            sizes,
            context,
            activation: SmoothActivation::Tanh,
        })
    }

    /// The same field with another activation.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::cnf::{SmoothActivation, VectorField};
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let tanh = VectorField::new("g", 2, &[8], 0)?;
    /// let softplus = tanh.clone().with_activation(SmoothActivation::Softplus);
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// tanh.initialize(&mut store, &mut seeded(0))?; // same parameter names: shared
    /// let z = Var::from_rows(&dev, &[[0.5, -0.4]])?;
    /// let a = tanh.bind(&store, None)?.evaluate(&z, 0.0, None, &[])?.0;
    /// let b = softplus.bind(&store, None)?.evaluate(&z, 0.0, None, &[])?.0;
    /// assert_ne!(a.to_vec(), b.to_vec());
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_activation(mut self, activation: SmoothActivation) -> Self {
        self.activation = activation;
        self
    }

    /// The context width (0 for none).
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::transforms::cnf::VectorField;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(VectorField::new("g", 2, &[8], 3)?.context_width(), 3);
    /// assert_eq!(VectorField::new("g", 2, &[8], 0)?.context_width(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn context_width(&self) -> usize {
        self.context
    }

    fn parameter(&self, layer: usize, part: &str) -> String {
        format!("{}.{layer}.{part}", self.name)
    }

    /// Creates the parameters: weights and biases as PyTorch's linear default
    /// (`U(-1/sqrt(fan_in), 1/sqrt(fan_in))`), gates and shifts the same way with fan-in 1 (time)
    /// or the context width.
    ///
    /// # Errors
    /// Shape conflicts with existing parameters.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu};
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::cnf::VectorField;
    /// # fn main() -> flowppl::Result<()> {
    /// let field = VectorField::new("g", 2, &[8], 0)?;
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// field.initialize(&mut store, &mut seeded(0))?;
    /// assert_eq!(store.shape("g.0.weight")?, (2, 8));
    /// assert_eq!(store.shape("g.1.weight")?, (8, 2));
    /// // Fan-in uniform biases: |b| <= 1 / sqrt(2) in the first layer.
    /// assert!(store.values("g.0.bias")?.iter().all(|b| b.abs() <= 0.5f64.sqrt()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn initialize<E: Real, D: Backend<E>>(
        &self,
        store: &mut ParamStore<E, D>,
        rng: &mut Rng,
    ) -> Result<()> {
        for (k, pair) in self.sizes.windows(2).enumerate() {
            let (inputs, outputs) = (pair[0], pair[1]);
            let bound = 1.0 / (inputs as f64).sqrt();
            let uniform = |b: f64| Init::Uniform { low: -b, high: b };
            store.get_or_init(
                &self.parameter(k, "weight"),
                inputs,
                outputs,
                &Init::FanInUniform,
                rng,
            )?;
            store.get_or_init(&self.parameter(k, "bias"), 1, outputs, &uniform(bound), rng)?;
            store.get_or_init(
                &self.parameter(k, "gate_time"),
                1,
                outputs,
                &uniform(1.0),
                rng,
            )?;
            store.get_or_init(
                &self.parameter(k, "gate_bias"),
                1,
                outputs,
                &uniform(1.0),
                rng,
            )?;
            store.get_or_init(
                &self.parameter(k, "shift_time"),
                1,
                outputs,
                &uniform(1.0),
                rng,
            )?;
            if self.context > 0 {
                let bound = 1.0 / (self.context as f64).sqrt();
                store.get_or_init(
                    &self.parameter(k, "gate_context"),
                    self.context,
                    outputs,
                    &uniform(bound),
                    rng,
                )?;
            }
        }
        Ok(())
    }

    /// Creates the parameters with the last layer's weight, bias and shift at zero, so that
    /// `g = 0` and the flow starts at the identity (gradients still reach the last layer).
    ///
    /// # Errors
    /// Shape conflicts with existing parameters.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::cnf::VectorField;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let field = VectorField::new("g", 2, &[8], 0)?;
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// field.initialize_near_identity(&mut store, &mut seeded(0))?;
    /// let z = Var::from_rows(&dev, &[[1.0, -2.0], [0.3, 0.4]])?;
    /// let (g, _) = field.bind(&store, None)?.evaluate(&z, 0.5, None, &[])?;
    /// assert_eq!(g.to_vec(), vec![0.0; 4]); // a zero field: the flow starts at the identity
    /// # Ok(())
    /// # }
    /// ```
    pub fn initialize_near_identity<E: Real, D: Backend<E>>(
        &self,
        store: &mut ParamStore<E, D>,
        rng: &mut Rng,
    ) -> Result<()> {
        let last = self.sizes.len() - 2;
        let (inputs, outputs) = (self.sizes[last], self.sizes[last + 1]);
        for (part, rows) in [("weight", inputs), ("bias", 1), ("shift_time", 1)] {
            let name = self.parameter(last, part);
            if !store.contains(&name) {
                store.insert(&name, rows, outputs, &vec![0.0; rows * outputs])?;
            }
        }
        self.initialize(store, rng)
    }

    /// The field with this step's parameters.
    ///
    /// # Errors
    /// Missing parameters.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::cnf::VectorField;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let field = VectorField::new("g", 2, &[8], 0)?;
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// assert!(field.bind(&store, None).is_err()); // no parameters yet
    /// field.initialize(&mut store, &mut seeded(0))?;
    /// let g = field.bind(&store, None)?;
    /// let (value, _) = g.evaluate(&Var::zeros(&dev, 3, 2), 0.0, None, &[])?;
    /// assert_eq!(value.shape(), (3, 2));
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind<E: Real, D: Backend<E>>(
        &self,
        store: &ParamStore<E, D>,
        graph: Option<&Graph<E, D>>,
    ) -> Result<BoundField<E, D>> {
        let layers = (0..self.sizes.len() - 1)
            .map(|k| {
                let read = |part: &str| store.read(&self.parameter(k, part), graph);
                Ok(BoundSquash {
                    weight: read("weight")?,
                    bias: read("bias")?,
                    gate_time: read("gate_time")?,
                    gate_bias: read("gate_bias")?,
                    shift_time: read("shift_time")?,
                    gate_context: if self.context > 0 {
                        Some(read("gate_context")?)
                    } else {
                        None
                    },
                })
            })
            .collect::<Result<_>>()?;
        Ok(BoundField {
            layers,
            activation: self.activation,
            dimension: self.sizes[0],
            context: self.context,
        })
    }
}

struct BoundSquash<E: Real, D: Backend<E>> {
    weight: Var<E, D>,
    bias: Var<E, D>,
    gate_time: Var<E, D>,
    gate_bias: Var<E, D>,
    shift_time: Var<E, D>,
    gate_context: Option<Var<E, D>>,
}

impl<E: Real, D: Backend<E>> BoundSquash<E, D> {
    /// `sigmoid(t u + c V + r)`: `(1, out)` without context, `(n, out)` with it.
    fn gate(&self, t: f64, context: Option<&Var<E, D>>) -> Result<Var<E, D>> {
        let mut gate = self.gate_time.mul_scalar(t).add(&self.gate_bias)?;
        if let (Some(weights), Some(context)) = (&self.gate_context, context) {
            gate = gate.add(&context.matmul(weights)?)?;
        }
        Ok(gate.sigmoid())
    }
}

/// `(g(z, t), [J v for each direction v])`.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::cnf::{FieldValue, VectorField};
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// # let field = VectorField::new("g", 3, &[8], 0)?;
/// # let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// # field.initialize(&mut store, &mut seeded(0))?;
/// let g = field.bind(&store, None)?;
/// let directions = [Var::from_rows(&dev, &[[1.0, 0.0, 0.0]])?, Var::from_rows(&dev, &[[0.0, 1.0, 0.0]])?];
/// let (value, products): FieldValue<f64, Cpu> = g.evaluate(&Var::zeros(&dev, 4, 3), 0.0, None, &directions)?;
/// assert_eq!(value.shape(), (4, 3));
/// assert_eq!(products.len(), 2); // one J v per direction
/// assert_eq!(products[1].shape(), (4, 3));
/// # Ok(())
/// # }
/// ```
pub type FieldValue<E, D> = (Var<E, D>, Vec<Var<E, D>>);

/// A [`VectorField`] bound to one step's parameters.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{rng::seeded, Cpu, Var};
/// use flowppl::params::ParamStore;
/// use flowppl::transforms::cnf::VectorField;
/// # fn main() -> flowppl::Result<()> {
/// # let dev = Cpu::default();
/// let field = VectorField::new("g", 2, &[8], 1)?;
/// let mut store = ParamStore::<f64, Cpu>::new(&dev);
/// field.initialize(&mut store, &mut seeded(0))?;
/// let g = field.bind(&store, None)?;
/// let z = Var::from_rows(&dev, &[[0.5, -0.4]])?;
/// assert!(g.evaluate(&z, 0.0, None, &[]).is_err()); // the context is required
/// let at = |c: f64| -> flowppl::Result<Vec<f64>> {
///     Ok(g.evaluate(&z, 0.0, Some(&Var::from_rows(&dev, &[[c]])?), &[])?.0.to_vec())
/// };
/// assert_ne!(at(-1.0)?, at(1.0)?); // the context changes the gates
/// # Ok(())
/// # }
/// ```
pub struct BoundField<E: Real, D: Backend<E>> {
    layers: Vec<BoundSquash<E, D>>,
    activation: SmoothActivation,
    dimension: usize,
    context: usize,
}

impl<E: Real, D: Backend<E>> BoundField<E, D> {
    /// The dimension of `z`.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu};
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::cnf::VectorField;
    /// # fn main() -> flowppl::Result<()> {
    /// let field = VectorField::new("g", 3, &[8, 8], 0)?;
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// field.initialize(&mut store, &mut seeded(0))?;
    /// assert_eq!(field.bind(&store, None)?.dimension(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// `g(z, t)` `(n, d)` and, for each direction `v` (`(n, d)`, or `(1, d)` shared by every
    /// row), the Jacobian-vector product `J_g(z, t) v` `(n, d)`.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] for a wrong width of `z`, a direction or the context.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{rng::seeded, Cpu, Var};
    /// use flowppl::params::ParamStore;
    /// use flowppl::transforms::cnf::VectorField;
    /// # fn main() -> flowppl::Result<()> {
    /// # let dev = Cpu::default();
    /// let field = VectorField::new("g", 2, &[8], 0)?;
    /// let mut store = ParamStore::<f64, Cpu>::new(&dev);
    /// field.initialize(&mut store, &mut seeded(0))?;
    /// let g = field.bind(&store, None)?;
    /// let z = Var::from_rows(&dev, &[[0.5, -0.4], [1.0, 2.0]])?;
    /// // J v is linear in v: J (e_1 + e_2) = J e_1 + J e_2.
    /// let (e1, e2, sum) = (Var::from_rows(&dev, &[[1.0, 0.0]])?, Var::from_rows(&dev, &[[0.0, 1.0]])?, Var::full(&dev, 1, 2, 1.0));
    /// let (_, jv) = g.evaluate(&z, 0.7, None, &[e1, e2, sum])?;
    /// let separate = jv[0].add(&jv[1])?.to_vec();
    /// assert!(separate.iter().zip(jv[2].to_vec()).all(|(a, b)| (a - b).abs() < 1e-12));
    /// assert!(g.evaluate(&Var::zeros(&dev, 1, 3), 0.0, None, &[]).is_err()); // wrong width
    /// # Ok(())
    /// # }
    /// ```
    pub fn evaluate(
        &self,
        z: &Var<E, D>,
        t: f64,
        context: Option<&Var<E, D>>,
        directions: &[Var<E, D>],
    ) -> Result<FieldValue<E, D>> {
        self.check(z, context, directions)?;
        let context = if self.context > 0 { context } else { None };
        let mut a = z.clone();
        let mut tangents: Vec<Var<E, D>> = directions.to_vec();
        let last = self.layers.len() - 1;
        for (k, layer) in self.layers.iter().enumerate() {
            let gate = layer.gate(t, context)?;
            let pre = a
                .matmul(&layer.weight)?
                .add(&layer.bias)?
                .mul(&gate)?
                .add(&layer.shift_time.mul_scalar(t))?;
            let tangent_pre = tangents
                .iter()
                .map(|v| v.matmul(&layer.weight)?.mul(&gate))
                .collect::<Result<Vec<_>>>()?;
            if k == last {
                a = pre;
                tangents = tangent_pre;
            } else {
                let (activated, slope) = self.activation.apply(&pre);
                a = activated;
                tangents = tangent_pre
                    .iter()
                    .map(|v| v.mul(&slope))
                    .collect::<Result<_>>()?;
            }
        }
        Ok((a, tangents))
    }

    fn check(
        &self,
        z: &Var<E, D>,
        context: Option<&Var<E, D>>,
        directions: &[Var<E, D>],
    ) -> Result<()> {
        let bad = |message: String| Err(Error::invalid_shape("CNF vector field", message));
        if z.columns() != self.dimension {
            return bad(format!(
                "points have {} columns, the field is {}-dimensional",
                z.columns(),
                self.dimension
            ));
        }
        if let Some(v) = directions.iter().find(|v| v.columns() != self.dimension) {
            return bad(format!("a direction has {} columns", v.columns()));
        }
        if self.context > 0 {
            match context {
                Some(c) if c.columns() == self.context => {}
                Some(c) => {
                    return bad(format!(
                        "context has {} columns, the field expects {}",
                        c.columns(),
                        self.context
                    ))
                }
                None => return bad(format!("needs a context of width {}", self.context)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::rng::seeded;
    use crate::backend::Cpu;
    use crate::testing::numerical_jacobian;

    fn field(context: usize, activation: SmoothActivation) -> (VectorField, ParamStore<f64, Cpu>) {
        let field = VectorField::new("g", 3, &[7, 5], context)
            .unwrap()
            .with_activation(activation);
        let mut store = ParamStore::new(&Cpu::default());
        field.initialize(&mut store, &mut seeded(2)).unwrap();
        (field, store)
    }

    #[test]
    fn jacobian_vector_products_match_finite_differences() {
        let dev = Cpu::default();
        for activation in [SmoothActivation::Tanh, SmoothActivation::Softplus] {
            for context_width in [0, 2] {
                let (field, store) = field(context_width, activation);
                let bound = field.bind(&store, None).unwrap();
                let context = (context_width > 0)
                    .then(|| Var::from_vec(&dev, vec![0.7, -0.4], 1, 2).unwrap());
                let z = vec![0.3, -1.2, 0.8];
                let t = 0.37;
                let g = |x: &[f64]| {
                    let x = Var::from_vec(&dev, x.to_vec(), 1, 3).unwrap();
                    bound
                        .evaluate(&x, t, context.as_ref(), &[])
                        .unwrap()
                        .0
                        .to_vec()
                };
                // jacobian[i * d + j] = d g_i / d z_j.
                let jacobian = numerical_jacobian(&z, 1e-6, g);
                let v = vec![0.5, -1.5, 2.0];
                let (_, products) = bound
                    .evaluate(
                        &Var::from_vec(&dev, z.clone(), 1, 3).unwrap(),
                        t,
                        context.as_ref(),
                        &[Var::from_vec(&dev, v.clone(), 1, 3).unwrap()],
                    )
                    .unwrap();
                let product = products[0].to_vec();
                for i in 0..3 {
                    let expected: f64 = (0..3).map(|j| jacobian[i * 3 + j] * v[j]).sum();
                    assert!(
                        (product[i] - expected).abs() < 1e-7,
                        "{activation:?}, context {context_width}: (J v)_{i} = {} vs {expected}",
                        product[i]
                    );
                }
            }
        }
    }

    #[test]
    fn the_identity_start_is_a_zero_field() {
        let dev = Cpu::default();
        let field = VectorField::new("g", 2, &[4], 0).unwrap();
        let mut store = ParamStore::<f64, Cpu>::new(&dev);
        field
            .initialize_near_identity(&mut store, &mut seeded(0))
            .unwrap();
        let bound = field.bind(&store, None).unwrap();
        let z = Var::from_rows(&dev, &[[1.0, -2.0], [0.3, 0.4]]).unwrap();
        let (g, _) = bound.evaluate(&z, 0.5, None, &[]).unwrap();
        assert!(g.to_vec().iter().all(|v| *v == 0.0));
    }

    #[test]
    fn wrong_widths_are_named() {
        let (field, store) = field(2, SmoothActivation::Tanh);
        let bound = field.bind(&store, None).unwrap();
        let dev = Cpu::default();
        let z = Var::from_rows(&dev, &[[1.0, 2.0, 3.0]]).unwrap();
        let error = bound.evaluate(&z, 0.0, None, &[]).unwrap_err();
        assert!(error.to_string().contains("context"), "{error}");
        assert!(SmoothActivation::parse("relu").is_err());
    }
}
