//! Every zoo model builds from its bundled data, runs, has a finite log joint, and takes SVI
//! steps with each autoguide; bundled references name parameters the model reports.

use flowppl::backend::rng::seeded;
use flowppl::handlers::trace;
use flowppl::prelude::*;
use flowppl_models::zoo;

#[test]
fn every_model_runs_and_has_a_finite_log_joint_at_the_initial_guide() {
    // Prior draws can be pathological (ARMA with |theta| > 1 explodes), so evaluate the model
    // where inference starts: draws of an AutoNormal guide set up at the prior median.
    let dev = Cpu::default();
    for entry in flowppl_models::zoo() {
        let model = entry
            .bundled()
            .unwrap_or_else(|e| panic!("{}: {e}", entry.name));
        let mut guide = AutoNormal::new();
        let mut store = ParamStore::new(&dev);
        guide
            .setup(&model, &mut store, &dev, 0)
            .unwrap_or_else(|e| panic!("{}: {e}", entry.name));
        let mut rng = seeded(0);
        let mut ctx = Ctx::<f32, Cpu>::new(&dev, &mut rng)
            .with_store(&mut store)
            .with_particles(3);
        let draw = guide.draw(&mut ctx).unwrap();
        let substituted = flowppl::handlers::substitute(&model, draw.values);
        let t = trace(&substituted, &mut ctx).unwrap_or_else(|e| panic!("{}: {e}", entry.name));
        let lj = t.log_joint().unwrap().to_vec();
        assert_eq!(lj.len(), 3, "{}", entry.name);
        assert!(
            lj.iter().all(|v| v.is_finite()),
            "{}: log joint {lj:?}",
            entry.name
        );
    }
}

#[test]
fn every_model_takes_svi_steps_and_reports_the_reference_parameters() {
    for entry in flowppl_models::zoo() {
        let model = entry.bundled().unwrap();
        let fit = Svi::new(model, AutoNormal::new())
            .particles(2)
            .steps(20)
            .seed(1)
            .run()
            .unwrap_or_else(|e| panic!("{}: {e}", entry.name));
        assert!(fit.final_elbo().is_finite(), "{}", entry.name);
        let summary = fit.summary(50, 0).unwrap();
        if let Some(reference) = entry.reference().unwrap() {
            for (name, _) in &reference.parameters {
                assert!(
                    summary.get(name).is_some(),
                    "{}: the summary lacks reference parameter `{name}`",
                    entry.name
                );
            }
        }
    }
}

#[test]
fn other_guides_run_on_a_zoo_model() {
    let entry = flowppl_models::find("sblrc_blr").unwrap();
    for guide in ["mvn", "lowrank", "delta"] {
        let model = entry.bundled().unwrap();
        let elbo = match guide {
            "mvn" => Svi::new(model, AutoMvn::new())
                .steps(20)
                .run()
                .unwrap()
                .final_elbo(),
            "lowrank" => Svi::new(model, AutoLowRank::new(2).unwrap())
                .steps(20)
                .run()
                .unwrap()
                .final_elbo(),
            _ => Svi::new(model, AutoDelta::new())
                .steps(20)
                .run()
                .unwrap()
                .final_elbo(),
        };
        assert!(elbo.is_finite(), "{guide}");
    }
}

#[test]
fn user_data_files_are_validated_with_the_field_named() {
    let dir = std::env::temp_dir().join(format!("flowppl-zoo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("schools.json");
    std::fs::write(&path, r#"{"J": 3, "y": [1, 2], "sigma": [1, 1, 1]}"#).unwrap();
    let entry = flowppl_models::find("eight_schools_noncentered").unwrap();
    let error = entry.with_data_file(&path).err().unwrap().to_string();
    assert!(
        error.contains("schools.json") && error.contains("`y`"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(flowppl_models::find("eight_school").is_err());
    let _ = zoo::synthetic::funnel(3);
}

#[test]
fn every_bundled_data_file_loads_and_a_stray_field_is_refused() {
    let dir = std::env::temp_dir().join(format!("flowppl-zoo-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for entry in flowppl_models::zoo() {
        let Some(text) = entry.data else { continue };
        let path = dir.join(format!("{}.json", entry.name));
        std::fs::write(&path, text).unwrap();
        if let Err(e) = entry.with_data_file(&path) {
            panic!("{}: {e}", entry.name);
        }
        let mut value: serde_json::Value = serde_json::from_str(text).unwrap();
        value["sigmaa"] = serde_json::json!(1.0);
        std::fs::write(&path, value.to_string()).unwrap();
        let error = entry.with_data_file(&path).err().map(|e| e.to_string());
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.contains("`sigmaa`") && e.contains(".json")),
            "{}: {error:?}",
            entry.name
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
