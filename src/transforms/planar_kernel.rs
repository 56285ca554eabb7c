//! The planar layer's forward pass as one fused host operation with a hand-written backward.
//!
//! Written with dfdx ops the forward pass `y = z + u_hat tanh(w . z + b)`,
//! `log_det = ln |1 + (1 - tanh^2) c|` (with `c = w . u_hat`) is a dozen operations on
//! `(n, d)` and `(n, 1)` blocks; a stack of 32 layers (task T3) records about 400 of them per
//! step. Here the whole layer is one loop over the rows, and its backward step, for upstream
//! gradients `g_y` (rows of `y`) and `g_l` (entries of the log-determinant), is
//!
//! ```text
//! a_i = w . z_i + b,  h_i = tanh a_i,  s_i = 1 - h_i^2,  psi_i = 1 + c s_i
//! dL/da_i  = s_i (g_y,i . u_hat - 2 c h_i g_l,i / psi_i)
//! dL/dz_i  = g_y,i + dL/da_i w          dL/du_hat = sum_i g_y,i h_i
//! dL/dw    = sum_i dL/da_i z_i          dL/db     = sum_i dL/da_i
//! dL/dc    = sum_i g_l,i s_i / psi_i
//! ```
//!
//! It runs on host-buffer devices while fused kernels are on; `planar.rs` keeps the composed
//! form for the others, and `tests/fused_kernels.rs` compares the two.

use crate::backend::ops::fused::use_fused;
use crate::backend::ops::kernel_graph::{accumulate_gradients, read_upstream, shared_tape};
use crate::backend::{Backend, HostMirror, Real, Var};
use crate::error::{Error, Result};
use dfdx::prelude::Tape;

/// Whether [`planar_forward`] will run for values on `D`.
pub(crate) fn planar_fused<E: Real, D: Backend<E>>() -> bool {
    use_fused::<E, D>()
}

/// `(y, log_det)` of a planar layer for rows `z` `(n, d)`, `u_hat` and `w` `(1, d)`, `b` and
/// `c = w . u_hat` `(1, 1)`, as one recorded operation (see the module docs).
///
/// # Errors
/// [`Error::GraphMismatch`] when the inputs are recorded on different graphs; the error of a
/// poisoned input.
pub(crate) fn planar_forward<E: Real, D: Backend<E>>(
    z: &Var<E, D>,
    u_hat: &Var<E, D>,
    w: &Var<E, D>,
    b: &Var<E, D>,
    c: &Var<E, D>,
) -> Result<(Var<E, D>, Var<E, D>)> {
    let inputs = [z, u_hat, w, b, c];
    let tape = shared_tape("Planar", &inputs)?;
    let (n, d) = z.shape();
    for (name, input, shape) in [
        ("u_hat", u_hat, (1, d)),
        ("w", w, (1, d)),
        ("b", b, (1, 1)),
        ("c", c, (1, 1)),
    ] {
        if input.shape() != shape {
            return Err(Error::invalid_shape(
                "Planar",
                format!(
                    "{name} must be {shape:?} for {d}-dimensional rows, found {:?}",
                    input.shape()
                ),
            ));
        }
    }
    let (zs, us, ws) = (z.to_vec(), u_hat.to_vec(), w.to_vec());
    let (bias, c_value) = (b.to_vec()[0], c.to_vec()[0]);
    // a_i = w . z_i + b, then tanh and ln over whole columns (vectorised kernels for f32).
    let a: Vec<E> = zs
        .chunks_exact(d)
        .map(|row| {
            row.iter()
                .zip(&ws)
                .fold(bias, |acc, (&zk, &wk)| acc + zk * wk)
        })
        .collect();
    let mut h = vec![E::zero(); n];
    E::tanh_slices(&a, &mut h);
    let mut y = zs.clone();
    for (row, &hi) in y.chunks_exact_mut(d).zip(&h) {
        for (yk, &uk) in row.iter_mut().zip(&us) {
            *yk += uk * hi;
        }
    }
    let psi: Vec<E> = h
        .iter()
        .map(|&hi| (E::one() + (E::one() - hi * hi) * c_value).abs())
        .collect();
    let mut log_det = vec![E::zero(); n];
    E::ln_slices(&psi, &mut log_det);
    let device = z.device();
    let y_mirror = HostMirror::new(y.clone(), n, d);
    let l_mirror = HostMirror::new(log_det.clone(), n, 1);
    let mut y_var = Var::from_vec(&device, y, n, d)?;
    let mut l_var = Var::from_vec(&device, log_det, n, 1)?;
    y_var.host = Some(y_mirror);
    l_var.host = Some(l_mirror);
    let Some(shared) = tape else {
        return Ok((y_var, l_var));
    };
    let (y_tensor, l_tensor) = (y_var.value.clone(), l_var.value.clone());
    let targets: Vec<_> = inputs
        .iter()
        .map(|v| v.tape.as_ref().map(|_| v.value.clone()))
        .collect();
    shared.borrow_mut().add_backward_op(move |grads| {
        let (Some(gy), Some(gl)) = (
            read_upstream(grads, &y_tensor)?,
            read_upstream(grads, &l_tensor)?,
        ) else {
            return Ok(());
        };
        let two = E::one() + E::one();
        let mut dz = vec![E::zero(); n * d];
        let (mut du, mut dw) = (vec![E::zero(); d], vec![E::zero(); d]);
        let (mut db, mut dc) = (E::zero(), E::zero());
        for i in 0..n {
            let (hi, gli) = (h[i], gl[i]);
            let si = E::one() - hi * hi;
            let psi = E::one() + c_value * si;
            let gyi = &gy[i * d..(i + 1) * d];
            let g_dot_u = gyi
                .iter()
                .zip(&us)
                .fold(E::zero(), |acc, (&g, &u)| acc + g * u);
            let da = si * (g_dot_u - two * c_value * hi * gli / psi);
            dc += gli * si / psi;
            db += da;
            let zi = &zs[i * d..(i + 1) * d];
            for k in 0..d {
                dz[i * d + k] = gyi[k] + da * ws[k];
                du[k] += gyi[k] * hi;
                dw[k] += da * zi[k];
            }
        }
        accumulate_gradients(grads, &targets, &[dz, du, dw, vec![db], vec![dc]])
    });
    for v in [&mut y_var, &mut l_var] {
        v.tape = Some(shared.clone());
    }
    Ok((y_var, l_var))
}

/// `(u_hat, c)` of a planar layer from its parameters `u`, `w` `(1, d)` as one recorded
/// operation: with `a = w . u`, `m = softplus(a) - 1`, `beta = (m - a) / |w|^2`,
/// `u_hat = u + beta w` and `c = w . u_hat = m`. Backward, for upstream `g_u_hat`, `g_c`:
///
/// ```text
/// G_beta = g_u_hat . w,  G_a = G_beta (sigmoid(a) - 1) / |w|^2 + g_c sigmoid(a),
/// G_n = -G_beta beta / |w|^2
/// dL/du = g_u_hat + G_a w,  dL/dw = beta g_u_hat + G_a u + 2 G_n w
/// ```
///
/// # Errors
/// [`Error::InvalidShape`] unless both are `(1, d)`; [`Error::GraphMismatch`]; the error of a
/// poisoned input.
pub(crate) fn planar_parameters<E: Real, D: Backend<E>>(
    u: &Var<E, D>,
    w: &Var<E, D>,
) -> Result<(Var<E, D>, Var<E, D>)> {
    let d = w.columns();
    if u.shape() != (1, d) || w.rows() != 1 {
        return Err(Error::invalid_shape(
            "Planar",
            format!(
                "u {:?} and w {:?} must both be (1, d)",
                u.shape(),
                w.shape()
            ),
        ));
    }
    let tape = shared_tape("Planar", &[u, w])?;
    let (us, ws) = (u.to_vec(), w.to_vec());
    let dot = |x: &[E], y: &[E]| x.iter().zip(y).fold(E::zero(), |acc, (&p, &q)| acc + p * q);
    let a = dot(&ws, &us);
    let norm = dot(&ws, &ws);
    let (softplus, sigmoid) = crate::backend::ops::softplus_and_sigmoid(a);
    let m = softplus - E::one();
    let beta = (m - a) / norm;
    let u_hat: Vec<E> = us
        .iter()
        .zip(&ws)
        .map(|(&uk, &wk)| uk + beta * wk)
        .collect();
    let device = w.device();
    let mut u_hat_var = Var::from_vec(&device, u_hat, 1, d)?;
    let mut c_var = Var::from_vec(&device, vec![m], 1, 1)?;
    let Some(shared) = tape else {
        return Ok((u_hat_var, c_var));
    };
    let (u_hat_tensor, c_tensor) = (u_hat_var.value.clone(), c_var.value.clone());
    let targets = [
        u.tape.as_ref().map(|_| u.value.clone()),
        w.tape.as_ref().map(|_| w.value.clone()),
    ];
    shared.borrow_mut().add_backward_op(move |grads| {
        let (Some(g_u_hat), Some(g_c)) = (
            read_upstream(grads, &u_hat_tensor)?,
            read_upstream(grads, &c_tensor)?,
        ) else {
            return Ok(());
        };
        let g_beta = dot(&g_u_hat, &ws);
        let g_a = g_beta * (sigmoid - E::one()) / norm + g_c[0] * sigmoid;
        let g_norm = -g_beta * beta / norm;
        let two = E::one() + E::one();
        let du: Vec<E> = (0..d).map(|k| g_u_hat[k] + g_a * ws[k]).collect();
        let dw: Vec<E> = (0..d)
            .map(|k| beta * g_u_hat[k] + g_a * us[k] + two * g_norm * ws[k])
            .collect();
        accumulate_gradients(grads, &targets, &[du, dw])
    });
    for v in [&mut u_hat_var, &mut c_var] {
        v.tape = Some(shared.clone());
    }
    Ok((u_hat_var, c_var))
}
