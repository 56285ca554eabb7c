//! Optimizers against hand computations.

use flowppl::prelude::*;
use flowppl::testing::{test_device, TestDevice};

type Store = ParamStore<f64, TestDevice>;

/// Loss `sum(c * p)`: its gradient is exactly `c`, whatever `p` is.
fn linear_step(
    store: &mut Store,
    opt: &mut impl Optimizer<f64, TestDevice>,
    c: &[f64],
) -> Result<()> {
    let graph = Graph::new(store.device());
    let p = store.var(&graph, "p")?;
    let coefficients = Var::from_vec(store.device(), c.to_vec(), 1, c.len())?;
    let loss = (&p * &coefficients).sum();
    let mut grads = loss.backward()?;
    opt.step(store, &mut grads)
}

fn store_with(values: &[f64]) -> Store {
    let mut store = Store::new(&test_device());
    store.insert("p", 1, values.len(), values).unwrap();
    store
}

#[test]
fn adam_matches_a_hand_computation_for_two_steps() {
    let mut store = store_with(&[1.0, -2.0]);
    let mut adam = Adam::new(0.1).unwrap();
    let (b1, b2, eps, lr) = (0.9f64, 0.999f64, 1e-8, 0.1);
    let grads_per_step = [[0.5, -3.0], [0.25, 1.0]];
    let mut p = [1.0, -2.0];
    let (mut m, mut v) = ([0.0; 2], [0.0; 2]);
    for (t, g) in grads_per_step.iter().enumerate() {
        linear_step(&mut store, &mut adam, g).unwrap();
        let t = t as i32 + 1;
        for i in 0..2 {
            m[i] = b1 * m[i] + (1.0 - b1) * g[i];
            v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
            let m_hat = m[i] / (1.0 - b1.powi(t));
            let v_hat = v[i] / (1.0 - b2.powi(t));
            p[i] -= lr * m_hat / (v_hat.sqrt() + eps);
        }
        let got = store.values("p").unwrap();
        for i in 0..2 {
            assert!((got[i] - p[i]).abs() < 1e-12, "step {t}: {got:?} vs {p:?}");
        }
    }
    // First step of Adam moves each coordinate by almost exactly lr against the gradient sign.
    assert_eq!(adam.steps_taken(), 2);
}

#[test]
fn sgd_momentum_and_nesterov_match_hand_computation() {
    for nesterov in [false, true] {
        let mut store = store_with(&[0.0]);
        let mut sgd = Sgd::new(0.5).unwrap().with_momentum(0.9, nesterov).unwrap();
        let (mut p, mut b) = (0.0f64, 0.0f64);
        for g in [1.0, 2.0, -1.0] {
            linear_step(&mut store, &mut sgd, &[g]).unwrap();
            b = 0.9 * b + g;
            p -= 0.5 * if nesterov { g + 0.9 * b } else { b };
            assert!((store.values("p").unwrap()[0] - p).abs() < 1e-12);
        }
    }
}

#[test]
fn schedules_change_the_step_size() {
    let mut store = store_with(&[0.0]);
    let mut sgd = Sgd::new(1.0)
        .unwrap()
        .with_schedule(Schedule::Step {
            every: 1,
            gamma: 0.5,
        })
        .unwrap();
    for _ in 0..3 {
        linear_step(&mut store, &mut sgd, &[1.0]).unwrap();
    }
    // 1 + 0.5 + 0.25
    assert!((store.values("p").unwrap()[0] + 1.75).abs() < 1e-12);
    assert!((sgd.learning_rate() - 0.125).abs() < 1e-12);
}

#[test]
fn global_norm_clipping_rescales_all_gradients() {
    let mut store = store_with(&[0.0, 0.0]);
    let mut sgd = Sgd::new(1.0)
        .unwrap()
        .with_clipping(GradientClipping::GlobalNorm(1.0))
        .unwrap();
    linear_step(&mut store, &mut sgd, &[3.0, 4.0]).unwrap();
    let p = store.values("p").unwrap();
    assert!(
        (p[0] + 0.6).abs() < 1e-12 && (p[1] + 0.8).abs() < 1e-12,
        "{p:?}"
    );
}

#[test]
fn clipped_adam_clamps_each_entry() {
    let mut store = store_with(&[0.0, 0.0]);
    let mut adam = Adam::clipped(0.1, 0.5, 0.99).unwrap();
    linear_step(&mut store, &mut adam, &[100.0, -0.25]).unwrap();
    // After clamping the gradients are (0.5, -0.25); Adam's first step is lr * sign.
    let p = store.values("p").unwrap();
    assert!(
        (p[0] + 0.1).abs() < 1e-6 && (p[1] - 0.1).abs() < 1e-6,
        "{p:?}"
    );
    assert!((adam.learning_rate() - 0.099).abs() < 1e-12);
}

#[test]
fn non_finite_gradients_update_nothing_and_name_the_parameter() {
    let mut store = store_with(&[1.0]);
    store.insert("q", 1, 1, &[0.0]).unwrap();
    let mut adam = Adam::new(0.1).unwrap();
    let graph = Graph::new(store.device());
    let p = store.var(&graph, "p").unwrap();
    let q = store.var(&graph, "q").unwrap();
    // d/dq of sqrt(q) at 0 is infinite.
    let loss = (&p + &q.sqrt()).sum();
    let mut grads = loss.backward().unwrap();
    let error = adam.step(&mut store, &mut grads).unwrap_err().to_string();
    assert!(error.contains("`q`"), "{error}");
    assert_eq!(store.values("p").unwrap(), vec![1.0]);
    assert_eq!(adam.steps_taken(), 0);
}

#[test]
fn invalid_settings_are_errors() {
    assert!(Adam::<f32, TestDevice>::new(-1.0).is_err());
    assert!(Adam::<f32, TestDevice>::new(0.1)
        .unwrap()
        .with_betas(1.0, 0.9)
        .is_err());
    assert!(Sgd::<f32, TestDevice>::new(f64::NAN).is_err());
    assert!(Sgd::<f32, TestDevice>::new(0.1)
        .unwrap()
        .with_clipping(GradientClipping::Value(0.0))
        .is_err());
}

/// Adam's host loop (CPU) and its tensor form (every device) give bit-identical parameters and
/// saved state, also across a save/restore, with weight decay and clipping. The loss
/// `sum(p^2 c)` makes the gradient depend on the parameters.
#[test]
fn adam_host_loop_matches_the_tensor_form() {
    use flowppl::backend::set_fused_kernels;
    use flowppl::params::GradientClipping;
    let run = |host: bool| -> (Vec<f64>, Vec<f64>) {
        set_fused_kernels(host);
        let mut store = store_with(&[1.0, -2.0, 0.5, 3.0]);
        let make = || {
            Adam::new(0.05)
                .unwrap()
                .with_weight_decay(0.01)
                .unwrap()
                .with_clipping(GradientClipping::GlobalNorm(4.0))
                .unwrap()
        };
        let mut adam = make();
        let quadratic_step = |store: &mut Store, adam: &mut Adam<f64, TestDevice>| {
            let graph = Graph::new(store.device());
            let p = store.var(&graph, "p").unwrap();
            let c = Var::from_vec(store.device(), vec![1.0, 0.5, 2.0, -0.25], 1, 4).unwrap();
            let loss = (&(&p * &p) * &c).sum();
            let mut grads = loss.backward().unwrap();
            adam.step(store, &mut grads).unwrap();
        };
        for _ in 0..5 {
            quadratic_step(&mut store, &mut adam);
        }
        // Save and restore into a fresh optimizer, then go on.
        let state = adam.state().unwrap();
        let mut resumed = make();
        resumed.restore_state(&state, store.device()).unwrap();
        for _ in 0..5 {
            quadratic_step(&mut store, &mut resumed);
        }
        let buffers = resumed
            .state()
            .unwrap()
            .buffers
            .iter()
            .flat_map(|b| b.values.clone())
            .collect();
        set_fused_kernels(true);
        (store.values("p").unwrap(), buffers)
    };
    let (host_values, host_buffers) = run(true);
    let (tensor_values, tensor_buffers) = run(false);
    // The same roundings in the same order: equal bit for bit (a training run is chaotic
    // enough that one differently rounded constant changes where it ends).
    assert_eq!(host_values, tensor_values);
    assert_eq!(host_buffers, tensor_buffers);
}
