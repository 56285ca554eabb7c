//! VAEs on the bundled digits: training improves the ELBO, the IWAE bound sits above it, every
//! posterior/prior variant trains, and a saved model reloads to the same answers. The full
//! task T5 comparison is `cargo run --release -p flowppl-models --example vae_digits`.

use flowppl::prelude::*;
use flowppl::vae::{
    iwae_bound, load_vae, mean_elbo, save_vae, train, Posterior, Prior, Vae, VaeConfig,
    VaeTrainingOptions,
};

fn data() -> (Var<f32, Cpu>, Var<f32, Cpu>) {
    let device = Cpu::default();
    let (train_rows, test_rows) = flowppl_models::digits::digits().unwrap();
    let to_var = |v: &[f64]| {
        Var::from_vec(
            &device,
            v.iter().map(|&x| x as f32).collect(),
            v.len() / 64,
            64,
        )
        .unwrap()
    };
    (to_var(&train_rows), to_var(&test_rows[..20 * 64]))
}

fn options(steps: usize) -> VaeTrainingOptions {
    VaeTrainingOptions {
        steps,
        ..VaeTrainingOptions::default()
    }
}

#[test]
fn training_improves_the_elbo_and_the_iwae_bound_sits_above_it() {
    let (train_data, test_data) = data();
    let vae = Vae::<f32, Cpu>::new(VaeConfig::t5(Posterior::Iaf(2), Prior::Normal)).unwrap();
    let mut store = ParamStore::new(&Cpu::default());
    let report = train(&vae, &mut store, &train_data, &options(300)).unwrap();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (first, last) = (mean(&report.elbo[..10]), mean(&report.elbo[250..]));
    // A random decoder starts near 64 ln 2 = 44 nats per image.
    assert!(last > first + 10.0, "ELBO {first} -> {last}");
    // Jensen: E[IWAE_K] >= ELBO. With 1000 draws per row for both, on 20 rows, the Monte
    // Carlo error of the ELBO (about 2 / sqrt(20 000) = 0.014 nats) is below the gap.
    let repeated = test_data
        .gather_rows(&(0..20).flat_map(|r| [r; 1000]).collect::<Vec<_>>())
        .unwrap();
    let elbo = mean_elbo(&vae, &store, &repeated, 3).unwrap();
    let bounds = iwae_bound(&vae, &store, &test_data, 1000, 4).unwrap();
    assert!(
        mean(&bounds) > elbo + 0.02,
        "IWAE {} vs ELBO {elbo}",
        mean(&bounds)
    );

    // Save, reload, same bounds with the same seed; an existing file is never replaced.
    let dir = std::env::temp_dir().join(format!("flowppl-vae-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("vae.json");
    let _ = std::fs::remove_file(&path);
    save_vae(&vae, &store, &path).unwrap();
    assert!(save_vae(&vae, &store, &path)
        .unwrap_err()
        .to_string()
        .contains("exists"));
    let (loaded, loaded_store) = load_vae::<f32, Cpu>(&Cpu::default(), &path).unwrap();
    assert_eq!(loaded.config(), vae.config());
    assert_eq!(
        iwae_bound(&loaded, &loaded_store, &test_data, 10, 5).unwrap(),
        iwae_bound(&vae, &store, &test_data, 10, 5).unwrap()
    );
    let corrupt = dir.join("corrupt.json");
    std::fs::write(&corrupt, "{\"format\": \"flowppl-vae\"").unwrap();
    let error = load_vae::<f32, Cpu>(&Cpu::default(), &corrupt)
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("corrupt.json"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_posterior_and_prior_trains() {
    let (train_data, test_data) = data();
    for (posterior, prior) in [
        ("gaussian", "normal"),
        ("planar:2", "normal"),
        ("radial:2", "normal"),
        ("iaf:1", "maf:1"),
        ("gaussian", "realnvp:1"),
        ("gaussian", "nsf:1"),
    ] {
        let config = VaeConfig {
            hidden: vec![64],
            flow_hidden: vec![16],
            ..VaeConfig::t5(
                Posterior::parse(posterior).unwrap(),
                Prior::parse(prior).unwrap(),
            )
        };
        let vae = Vae::<f32, Cpu>::new(config).unwrap();
        let mut store = ParamStore::new(&Cpu::default());
        let report = train(&vae, &mut store, &train_data, &options(20)).unwrap();
        assert!(
            report.elbo.iter().all(|e| e.is_finite()),
            "{posterior}/{prior}"
        );
        let bounds = iwae_bound(&vae, &store, &test_data, 5, 0).unwrap();
        assert!(bounds.iter().all(|b| b.is_finite()), "{posterior}/{prior}");
    }
    for activation in [
        flowppl::nn::Activation::Tanh,
        flowppl::nn::Activation::Softplus,
    ] {
        let config = VaeConfig {
            hidden: vec![64],
            activation,
            ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
        };
        let vae = Vae::<f32, Cpu>::new(config).unwrap();
        let mut store = ParamStore::new(&Cpu::default());
        let report = train(&vae, &mut store, &train_data, &options(20)).unwrap();
        assert!(report.elbo.iter().all(|e| e.is_finite()), "{activation:?}");
    }
    for bad in ["planar:0", "iaf", "flow:2"] {
        let error = Posterior::parse(bad).unwrap_err().to_string();
        assert!(error.contains(bad), "{error}");
    }
    assert!(Prior::parse("maf:x")
        .unwrap_err()
        .to_string()
        .contains("maf:x"));
    let vae = Vae::<f32, Cpu>::new(VaeConfig::t5(Posterior::Gaussian, Prior::Normal)).unwrap();
    let mut store = ParamStore::new(&Cpu::default());
    let narrow = Var::<f32, Cpu>::zeros(&Cpu::default(), 4, 10);
    let error = train(&vae, &mut store, &narrow, &options(1))
        .unwrap_err()
        .to_string();
    assert!(error.contains("10 columns"), "{error}");
}

#[test]
fn warm_up_free_bits_gaussian_likelihoods_reconstructions_and_interpolation() {
    use flowppl::vae::Likelihood;
    let (train_data, test_data) = data();
    let small = |likelihood: Likelihood| VaeConfig {
        hidden: vec![64],
        likelihood,
        ..VaeConfig::t5(Posterior::Gaussian, Prior::Normal)
    };
    let first_elbo = |likelihood: Likelihood, warmup: usize, free_bits: f64| {
        let vae = Vae::<f32, Cpu>::new(small(likelihood)).unwrap();
        let mut store = ParamStore::new(&Cpu::default());
        let settings = VaeTrainingOptions {
            kl_warmup_steps: warmup,
            free_bits,
            ..options(1)
        };
        train(&vae, &mut store, &train_data, &settings)
            .unwrap()
            .elbo[0]
    };
    // Same seed, same draws: warm-up scales the (negative) KL term by 1/1000, free bits of
    // 1000 nats replace it by -1000.
    let plain = first_elbo(Likelihood::Bernoulli, 0, 0.0);
    assert!(first_elbo(Likelihood::Bernoulli, 1000, 0.0) > plain);
    assert!(first_elbo(Likelihood::Bernoulli, 0, 1000.0) < plain - 900.0);

    for likelihood in [
        Likelihood::Bernoulli,
        Likelihood::Gaussian { sd: 0.5 },
        Likelihood::GaussianLearned,
    ] {
        let vae = Vae::<f32, Cpu>::new(small(likelihood)).unwrap();
        let mut store = ParamStore::new(&Cpu::default());
        let report = train(&vae, &mut store, &train_data, &options(30)).unwrap();
        assert!(report.elbo.iter().all(|e| e.is_finite()), "{likelihood:?}");
        let reconstructed = vae.reconstruct(&store, &test_data).unwrap();
        assert_eq!(reconstructed.shape(), (20, 64));
        let (a, b) = (
            test_data.slice_rows(0, 1).unwrap(),
            test_data.slice_rows(1, 2).unwrap(),
        );
        let path = vae.interpolate(&store, &a, &b, 5).unwrap().to_vec();
        let ends = reconstructed.to_vec();
        for j in 0..64 {
            assert!((path[j] - ends[j]).abs() < 1e-5, "{likelihood:?}: start");
            assert!(
                (path[4 * 64 + j] - ends[64 + j]).abs() < 1e-5,
                "{likelihood:?}: end"
            );
        }
    }
    for bad in ["poisson", "gaussian:0", "gaussian:x"] {
        let error = Likelihood::parse(bad).unwrap_err().to_string();
        assert!(error.contains(bad), "{error}");
    }
}
