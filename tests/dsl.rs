//! The `model!` DSL end to end: declarations, data arguments, arithmetic that reuses values,
//! plates, deterministic sites, parameters, and the same program under handlers and SVI.

use flowppl::backend::rng::seeded;
use flowppl::handlers::{condition, intervene, trace, values};
use flowppl::ppl::dsl::DeclaredKind;
use flowppl::prelude::*;

model! {
    /// Non-centred eight schools.
    pub fn eight_schools(y: &[f64], sigma: &[f64]) {
        let mu = sample!("mu", Normal::new(0.0, 5.0));
        let tau = sample!("tau", HalfCauchy::new(5.0));
        let schools = plate!("school", y.len());
        let z = sample!("z", Normal::new(0.0, 1.0), plate = schools);
        let theta = mu + tau * z;
        deterministic!("theta", theta);
        observe!("y", Normal::new(theta, sigma), y, plate = schools);
    }
}

model! {
    /// Linear regression with a learnable noise scale and a subsampled likelihood.
    fn regression(x: &DataMatrix, y: &[f32], batch: usize) {
        let noise = param!("noise", init = Init::Constant(1.0), constraint = Constraint::Positive);
        let features = plate!("features", x.columns());
        let w = sample!("w", Normal::new(0.0, 1.0), plate = features);
        let data = plate!("data", y.len(), subsample = batch);
        let mean = data.select(&x.dot(&w)?)?;
        observe!("y", Normal::new(mean, noise), data.select(&y)?, plate = data);
    }
}

const Y: [f64; 8] = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
const SIGMA: [f64; 8] = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];

#[test]
fn the_macro_declares_sites_in_order() {
    let names: Vec<(&str, DeclaredKind)> = EightSchools::SITES
        .iter()
        .map(|s| (s.name, s.kind))
        .collect();
    assert_eq!(
        names,
        vec![
            ("mu", DeclaredKind::Latent),
            ("tau", DeclaredKind::Latent),
            ("z", DeclaredKind::Latent),
            ("theta", DeclaredKind::Deterministic),
            ("y", DeclaredKind::Observed),
        ]
    );
    let model = eight_schools(&Y, &SIGMA);
    assert_eq!(Model::<f32, Cpu>::name(&model), "eight_schools");
}

#[test]
fn a_run_has_the_declared_shapes_and_log_joint() {
    let model = eight_schools(&Y, &SIGMA);
    let dev = Cpu::default();
    let mut rng = seeded(0);
    let mut ctx = Ctx::<f64, Cpu>::new(&dev, &mut rng).with_particles(5);
    let t = trace(&model, &mut ctx).unwrap();
    assert_eq!(t.value("mu").unwrap().shape(), (5, 1));
    assert_eq!(t.value("z").unwrap().shape(), (5, 8));
    assert_eq!(t.value("theta").unwrap().shape(), (5, 8));
    let lj = t.log_joint().unwrap().to_vec();
    assert_eq!(lj.len(), 5);
    // Recompute particle 0 by hand.
    let (mu, tau) = (
        t.value("mu").unwrap().to_vec()[0],
        t.value("tau").unwrap().to_vec()[0],
    );
    let z = &t.value("z").unwrap().to_vec()[0..8];
    let normal = |x: f64, m: f64, s: f64| {
        -0.5 * ((x - m) / s).powi(2) - s.ln() - 0.5 * std::f64::consts::TAU.ln()
    };
    let mut want = normal(mu, 0.0, 5.0) + (2.0 / std::f64::consts::PI / 5.0).ln()
        - (1.0 + (tau / 5.0).powi(2)).ln();
    for j in 0..8 {
        want += normal(z[j], 0.0, 1.0) + normal(Y[j], mu + tau * z[j], SIGMA[j]);
    }
    assert!((lj[0] - want).abs() < 1e-9, "{} vs {want}", lj[0]);
}

#[test]
fn handlers_apply_to_macro_models() {
    let dev = Cpu::default();
    let model = eight_schools(&Y, &SIGMA);
    let mut rng = seeded(1);
    let mut ctx = Ctx::<f64, Cpu>::new(&dev, &mut rng).with_particles(3);
    let fixed = intervene(
        &model,
        values([
            ("mu", Var::scalar(&dev, 4.0)),
            ("tau", Var::scalar(&dev, 0.0)),
        ]),
    );
    let t = trace(&fixed, &mut ctx).unwrap();
    // With tau = 0, theta = mu everywhere.
    assert!(t.value("theta").unwrap().to_vec().iter().all(|&v| v == 4.0));
    let observed = condition(&model, values([("mu", Var::scalar(&dev, 1.0))]));
    let t = trace(&observed, &mut ctx).unwrap();
    assert!(t.get("mu").unwrap().observed);
}

#[test]
fn params_data_matrices_and_subsampling_work_in_the_dsl() {
    let rows: Vec<Vec<f64>> = (0..20).map(|i| vec![1.0, i as f64 / 10.0]).collect();
    let x = DataMatrix::from_rows(&rows).unwrap();
    let y: Vec<f32> = (0..20).map(|i| 0.5 + 2.0 * i as f32 / 10.0).collect();
    let model = regression(&x, &y, 5);
    let dev = Cpu::default();
    let mut store = ParamStore::<f32, Cpu>::new(&dev);
    let mut rng = seeded(2);
    let mut ctx = Ctx::new(&dev, &mut rng)
        .with_store(&mut store)
        .with_particles(4);
    let t = trace(&model, &mut ctx).unwrap();
    assert_eq!(t.value("w").unwrap().shape(), (4, 2));
    let y_site = t.get("y").unwrap();
    assert_eq!(y_site.value.as_ref().unwrap().shape(), (1, 5));
    assert!((y_site.scale - 4.0).abs() < 1e-12);
    assert!((t.value("noise").unwrap().item().unwrap() - 1.0).abs() < 1e-6);
    drop(ctx);
    assert!(store.contains("noise"));
}

#[test]
fn errors_name_the_site() {
    model! {
        fn bad_scale(s: f64) {
            sample!("x", Normal::new(0.0, s));
        }
    }
    let dev = Cpu::default();
    let mut rng = seeded(0);
    let mut ctx = Ctx::<f32, Cpu>::new(&dev, &mut rng);
    let error = trace(&bad_scale(-1.0), &mut ctx).unwrap_err().to_string();
    assert!(
        error.contains("site `x`") && error.contains("scale"),
        "{error}"
    );
}

#[test]
fn svi_fits_a_macro_model() {
    let fit = Svi::new(eight_schools(&Y, &SIGMA), AutoNormal::new())
        .particles(4)
        .steps(300)
        .seed(0)
        .run()
        .unwrap();
    let summary = fit.summary(500, 0).unwrap();
    for name in ["mu", "tau", "z[1]", "z[8]", "theta[1]", "theta[8]"] {
        assert!(
            summary.get(name).is_some(),
            "summary lacks {name}:\n{summary}"
        );
    }
    assert!(summary.get("tau").unwrap().q05 > 0.0);
}
