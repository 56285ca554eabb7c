//! `flowppl fit` checkpoints: killed with SIGINT mid-run, the saved checkpoint resumes to the
//! very parameters, ELBO history and summary of an uninterrupted run; mismatched settings, other
//! files and existing files are refused with a one-line error.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn flowppl() -> Command {
    Command::new(env!("CARGO_BIN_EXE_flowppl"))
}

fn directory(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flowppl-resume-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fit(arguments: &[&str]) -> Output {
    flowppl()
        .args([
            "fit",
            "eight_schools_noncentered",
            "--decay",
            "1",
            "--draws",
            "200",
        ])
        .args(arguments)
        .output()
        .unwrap()
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_run_killed_by_a_signal_resumes_to_the_uninterrupted_result() {
    let dir = directory("signal");
    let checkpoint = dir.join("run.json");
    let path = checkpoint.to_str().unwrap();
    let child = flowppl()
        .args([
            "fit",
            "eight_schools_noncentered",
            "--decay",
            "1",
            "--draws",
            "200",
        ])
        .args([
            "--steps",
            "100000000",
            "--checkpoint-every",
            "25",
            "--save",
            path,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !checkpoint.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no checkpoint appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("interrupted after step") && message.contains("--resume"),
        "{message}"
    );
    assert!(!message.contains("panicked"), "{message}");
    let saved = read(&checkpoint);
    let sites: Vec<&str> = saved["latents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["name"].as_str())
        .collect();
    assert!(sites.contains(&"tau") && sites.contains(&"mu"), "{sites:?}");
    let done = saved["completed_steps"].as_u64().unwrap();
    assert!(done >= 25);
    let total = (done + 60).to_string();
    let resumed = dir.join("resumed.json");
    let fresh = dir.join("fresh.json");
    let a = fit(&[
        "--steps",
        &total,
        "--resume",
        path,
        "--save",
        resumed.to_str().unwrap(),
        "--json",
    ]);
    assert!(a.status.success(), "{}", stderr(&a));
    let b = fit(&[
        "--steps",
        &total,
        "--save",
        fresh.to_str().unwrap(),
        "--json",
    ]);
    assert!(b.status.success(), "{}", stderr(&b));
    let (resumed, fresh) = (read(&resumed), read(&fresh));
    assert_eq!(resumed["params"], fresh["params"], "parameters");
    assert_eq!(
        resumed["training"], fresh["training"],
        "optimizer, random stream, history"
    );
    let summary = |o: &Output| {
        let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
        v.as_object_mut().unwrap().remove("seconds");
        v
    };
    assert_eq!(summary(&a), summary(&b), "printed summaries");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_saved_fit_continues_in_place_and_refuses_other_settings() {
    let dir = directory("settings");
    let file = dir.join("fit.json");
    let path = file.to_str().unwrap();
    assert!(fit(&["--steps", "100", "--save", path]).status.success());
    let again = fit(&["--steps", "100", "--save", path]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    let other = fit(&[
        "--steps",
        "200",
        "--particles",
        "4",
        "--resume",
        path,
        "--save",
        path,
    ]);
    assert!(stderr(&other).contains("particles"), "{}", stderr(&other));
    let onward = fit(&["--steps", "200", "--resume", path, "--save", path]);
    assert!(onward.status.success(), "{}", stderr(&onward));
    assert_eq!(read(&file)["completed_steps"], 200);
    let forced = fit(&["--steps", "50", "--save", path, "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(read(&file)["completed_steps"], 50);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn other_files_are_refused_naming_the_file() {
    let dir = directory("other");
    let cases = [
        (
            "vae.json",
            r#"{"format": "flowppl-vae", "version": 1, "params": {"entries": []}}"#,
            "flowppl-vae",
        ),
        (
            "newer.json",
            r#"{"format": "flowppl-fit", "version": 99}"#,
            "version",
        ),
        ("broken.json", r#"{"format": "flowppl-fit", "vers"#, "JSON"),
    ];
    for (name, text, expected) in cases {
        let file = dir.join(name);
        std::fs::write(&file, text).unwrap();
        let output = fit(&["--steps", "10", "--resume", file.to_str().unwrap()]);
        let message = stderr(&output);
        assert!(!output.status.success());
        assert!(
            message.contains(name) && message.contains(expected),
            "{message}"
        );
        assert!(!message.contains("panicked"), "{message}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn run_in(dir: &Path, arguments: &[&str]) -> Output {
    let output = flowppl().current_dir(dir).args(arguments).output().unwrap();
    assert!(
        output.status.success(),
        "{arguments:?}: {}",
        stderr(&output)
    );
    output
}

#[test]
fn vae_training_resumes_to_the_uninterrupted_result() {
    let dir = directory("vae");
    let base = ["vae", "train", "--iwae", "5", "--json", "--latent", "2"];
    run_in(
        &dir,
        &[&base[..], &["--epochs", "3", "--save", "whole.json"]].concat(),
    );
    run_in(
        &dir,
        &[
            &base[..],
            &[
                "--epochs",
                "1",
                "--checkpoint-every",
                "7",
                "--save",
                "part.json",
            ],
        ]
        .concat(),
    );
    run_in(
        &dir,
        &[
            &base[..],
            &[
                "--epochs",
                "3",
                "--resume",
                "part.json",
                "--save",
                "part.json",
            ],
        ]
        .concat(),
    );
    let (whole, part) = (read(&dir.join("whole.json")), read(&dir.join("part.json")));
    assert_eq!(whole["params"], part["params"]);
    assert_eq!(whole["training"], part["training"]);
    let other = flowppl()
        .current_dir(&dir)
        .args(base)
        .args([
            "--epochs",
            "3",
            "--seed",
            "4",
            "--resume",
            "part.json",
            "--save",
            "x.json",
        ])
        .output()
        .unwrap();
    assert!(stderr(&other).contains("`seed`"), "{}", stderr(&other));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn causal_fit_files_resume_only_with_their_settings_and_data() {
    // Mid-run resumes of the causal loop are checked bit for bit in the library's
    // `training_checkpoints` tests; here, the command's plumbing.
    let dir = directory("causal");
    let rows: String = (0..200)
        .map(|i| {
            let x = (i as f64 * 0.3).sin();
            format!("{x},{}\n", 2.0 * x + (i as f64 * 1.7).cos())
        })
        .collect();
    std::fs::write(dir.join("data.csv"), format!("x,y\n{rows}")).unwrap();
    let base = [
        "causal", "fit", "--data", "data.csv", "--order", "x,y", "--hidden", "8",
    ];
    run_in(
        &dir,
        &[
            &base[..],
            &[
                "--steps",
                "60",
                "--checkpoint-every",
                "20",
                "--save",
                "fit.json",
            ],
        ]
        .concat(),
    );
    let saved = read(&dir.join("fit.json"));
    assert_eq!(saved["training"]["checkpoint"]["step"], 60);
    // Resuming a finished run in place changes nothing and keeps the file a loadable model.
    run_in(
        &dir,
        &[
            &base[..],
            &[
                "--steps", "60", "--resume", "fit.json", "--save", "fit.json",
            ],
        ]
        .concat(),
    );
    assert_eq!(read(&dir.join("fit.json"))["params"], saved["params"]);
    run_in(
        &dir,
        &[
            "causal",
            "sample",
            "--model",
            "fit.json",
            "-n",
            "5",
            "--out",
            "draws.csv",
        ],
    );
    let other_steps = flowppl()
        .current_dir(&dir)
        .args(base)
        .args([
            "--steps",
            "90",
            "--resume",
            "fit.json",
            "--save",
            "more.json",
        ])
        .output()
        .unwrap();
    assert!(
        stderr(&other_steps).contains("`steps`"),
        "{}",
        stderr(&other_steps)
    );
    std::fs::write(dir.join("data.csv"), format!("x,y\n{rows}0.5,0.5\n")).unwrap();
    let other_data = flowppl()
        .current_dir(&dir)
        .args(base)
        .args([
            "--steps",
            "60",
            "--resume",
            "fit.json",
            "--save",
            "more.json",
        ])
        .output()
        .unwrap();
    assert!(
        stderr(&other_data).contains("fingerprint"),
        "{}",
        stderr(&other_data)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn density_estimation_killed_mid_run_resumes_to_the_uninterrupted_flow() {
    let dir = directory("flow2d");
    let args = [
        "flow2d", "moons", "--flow", "nsf", "--layers", "2", "--hidden", "8", "--steps", "1500",
        "--batch", "64", "--json",
    ];
    let child = flowppl()
        .current_dir(&dir)
        .args(args)
        .args(["--checkpoint-every", "50", "--save", "part.json"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let checkpoint = dir.join("part.json");
    let started = Instant::now();
    while !checkpoint.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no checkpoint appeared"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let done = read(&checkpoint)["training"]["checkpoint"]["step"]
        .as_u64()
        .unwrap();
    if output.status.success() {
        // The run finished before the signal arrived; nothing to resume.
        assert_eq!(done, 1500);
    } else {
        assert!(
            stderr(&output).contains("interrupted after step"),
            "{}",
            stderr(&output)
        );
        assert!(done < 1500);
    }
    run_in(
        &dir,
        &[&args[..], &["--resume", "part.json", "--save", "part.json"]].concat(),
    );
    run_in(&dir, &[&args[..], &["--save", "whole.json"]].concat());
    let (part, whole) = (read(&checkpoint), read(&dir.join("whole.json")));
    assert_eq!(part["params"], whole["params"]);
    assert_eq!(part["training"], whole["training"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
