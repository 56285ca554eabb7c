//! Adam's update as one host loop per parameter, on devices whose buffers live in host memory.
//!
//! The tensor form of Adam costs about ten dfdx operations per parameter (each a pass over
//! memory with unvectorised kernels plus bookkeeping): about 1.3 ms per step for the
//! 90 000 parameters of the T4 MAF. On the CPU the same arithmetic runs as one loop per
//! parameter over host copies of the moments and of the values (kept between steps and
//! trusted only while the store's version of the parameter is the one this optimizer wrote),
//! and the new values are copied into the tensor in place. The formula and its order of
//! operations are those of [`Adam`](super::Adam); `tests/optimizers.rs` checks the two paths
//! against each other.

use super::clipping::GradientClipping;
use super::store::ParamStore;
use crate::backend::{real, Backend, Gradients, HostMirror, Real};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::Arc;

/// One parameter's host state: moments, values and the store version they match. The values
/// are shared with the store as the parameter's host mirror (updated in place when the step's
/// graph has let go of them).
#[derive(Clone)]
pub(crate) struct HostMoments<E> {
    pub(crate) m: Vec<E>,
    pub(crate) v: Vec<E>,
    pub(crate) shape: (usize, usize),
    values: Arc<HostMirror<E>>,
    version: u64,
}

impl<E> std::fmt::Debug for HostMoments<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostMoments")
            .field("shape", &self.shape)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl<E: Real> HostMoments<E> {
    /// Moments `m`, `v` of `shape` (taken over from a restored or tensor state); the values are
    /// read from the store at the next step.
    pub(crate) fn new(m: Vec<E>, v: Vec<E>, shape: (usize, usize)) -> Self {
        HostMoments {
            m,
            v,
            shape,
            values: HostMirror::new(Vec::new(), 0, 0),
            version: 0,
        }
    }
}

/// Adam's settings for one step.
pub(crate) struct HostAdamStep {
    pub(crate) learning_rate: f64,
    pub(crate) beta1: f64,
    pub(crate) beta2: f64,
    pub(crate) epsilon: f64,
    pub(crate) weight_decay: f64,
    pub(crate) clipping: GradientClipping,
    /// The 1-based step number.
    pub(crate) step: i32,
}

/// Applies one Adam step on the host, or returns `Ok(false)` (nothing done) on devices without
/// host buffers. Gradients are checked before any parameter changes.
///
/// # Errors
/// [`Error::NonFinite`] naming the first parameter with a non-finite gradient.
pub(crate) fn host_adam_step<E: Real, D: Backend<E>>(
    settings: &HostAdamStep,
    states: &mut HashMap<String, HostMoments<E>>,
    store: &mut ParamStore<E, D>,
    grads: &mut Gradients<E, D>,
) -> Result<bool> {
    let Some(mut gradients) = store.host_gradients(grads)? else {
        return Ok(false);
    };
    for (name, g) in store.names().zip(&gradients) {
        // A branch-free fold (not `any`, which stops early and so does not vectorise).
        let non_finite =
            crate::backend::simd::wide(|| g.iter().fold(false, |bad, x| bad | !x.is_finite()));
        if non_finite {
            return Err(Error::NonFinite {
                what: format!("the gradient of parameter `{name}` (no parameter was updated)"),
            });
        }
    }
    clip(settings.clipping, &mut gradients);
    let (b1, b2) = (real::<E>(settings.beta1), real::<E>(settings.beta2));
    // `1 - beta` rounded once from f64, as the tensor form's axpy does: the two paths then
    // round identically and give the same parameters bit for bit.
    let (one_minus_b1, one_minus_b2) = (
        real::<E>(1.0 - settings.beta1),
        real::<E>(1.0 - settings.beta2),
    );
    let inverse_bias1 = real::<E>(1.0 / (1.0 - settings.beta1.powi(settings.step)));
    let inverse_bias2 = real::<E>(1.0 / (1.0 - settings.beta2.powi(settings.step)));
    let (epsilon, decay, learning_rate) = (
        real::<E>(settings.epsilon),
        real::<E>(settings.weight_decay),
        real::<E>(settings.learning_rate),
    );
    store.for_each_versioned_mut(|i, name, parameter, previous, next| {
        let shape = *dfdx::shapes::HasShape::shape(parameter);
        let length = shape.0 * shape.1;
        let state = states
            .entry(name.to_string())
            .or_insert_with(|| HostMoments::new(Vec::new(), Vec::new(), shape));
        if state.shape != shape || state.m.len() != length {
            // New, or replaced by a parameter of another shape: start the moments afresh.
            *state = HostMoments::new(vec![E::zero(); length], vec![E::zero(); length], shape);
        }
        if state.version != previous || state.values.values.len() != length {
            state.values = HostMirror::new(crate::backend::host_copy(parameter), shape.0, shape.1);
        }
        let g = &mut gradients[i];
        if decay != E::zero() {
            for (gk, &p) in g.iter_mut().zip(&state.values.values) {
                *gk += p * decay;
            }
        }
        let values = HostMirror::values_mut(&mut state.values);
        // Zipped iterators (no indexing): the loop has no bounds checks and vectorises (eight
        // lanes where the processor has AVX2).
        crate::backend::simd::wide(|| {
            for (((m, v), p), &gk) in state
                .m
                .iter_mut()
                .zip(state.v.iter_mut())
                .zip(values.iter_mut())
                .zip(g.iter())
            {
                *m = *m * b1 + gk * one_minus_b1;
                *v = *v * b2 + (gk * gk) * one_minus_b2;
                let m_hat = *m * inverse_bias1;
                let v_hat = *v * inverse_bias2;
                *p -= learning_rate * (m_hat / (v_hat.sqrt() + epsilon));
            }
        });
        parameter.copy_from(values);
        state.version = next;
        Ok(Some(state.values.clone()))
    })?;
    Ok(true)
}

/// Gradient clipping on host gradients (as [`GradientClipping::apply`] on tensors).
fn clip<E: Real>(clipping: GradientClipping, gradients: &mut [Vec<E>]) {
    match clipping {
        GradientClipping::None => {}
        GradientClipping::Value(c) => {
            let (low, high) = (real::<E>(-c), real::<E>(c));
            for g in gradients.iter_mut().flatten() {
                *g = g.max(low).min(high);
            }
        }
        GradientClipping::GlobalNorm(max_norm) => {
            let norm = gradients
                .iter()
                .flatten()
                .map(|&g| Real::to_f64(g) * Real::to_f64(g))
                .sum::<f64>()
                .sqrt();
            if norm > max_norm {
                let factor = real::<E>(max_norm / norm);
                for g in gradients.iter_mut().flatten() {
                    *g *= factor;
                }
            }
        }
    }
}
