//! Every class of bad input gets a non-zero exit and a one-line error naming the file, the
//! row or column, the field or the site, never a panic: malformed JSON and CSV, wrong shapes,
//! missing and extra fields, NaN and infinite cells, data outside a distribution's support, and
//! corrupted, truncated or foreign model files.

use std::path::PathBuf;
use std::process::Command;

/// A scratch folder of this test's own: the tests run in parallel threads of one process and
/// write files of the same names (`extra.json`), so a folder per process is not enough.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flowppl-bad-input-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `flowppl` in `dir` and returns stderr after checking the failure is clean.
fn fails(dir: &PathBuf, arguments: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_flowppl"))
        .current_dir(dir)
        .args(arguments)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{arguments:?} succeeded");
    assert!(!stderr.contains("panicked"), "{arguments:?}: {stderr}");
    assert!(stderr.starts_with("error: "), "{arguments:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{arguments:?}: {stderr}");
    stderr
}

fn eight_schools(edit: impl Fn(&mut serde_json::Value)) -> String {
    let mut data = serde_json::json!({
        "J": 8,
        "y": [28, 8, -3, 7, -1, 1, 18, 12],
        "sigma": [15, 10, 16, 11, 9, 11, 10, 18]
    });
    edit(&mut data);
    data.to_string()
}

#[test]
fn stan_data_errors_name_the_file_and_the_field() {
    let dir = scratch("stan_data");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "broken.json",
            eight_schools(|_| {})[..30].to_string(),
            "invalid JSON",
        ),
        (
            "short.json",
            eight_schools(|d| d["y"] = serde_json::json!([1, 2])),
            "`y`",
        ),
        (
            "missing.json",
            eight_schools(|d| {
                d.as_object_mut().unwrap().remove("sigma");
            }),
            "`sigma`: missing",
        ),
        (
            "extra.json",
            eight_schools(|d| d["sigmas"] = serde_json::json!(1)),
            "`sigmas`",
        ),
        (
            "text.json",
            eight_schools(|d| d["y"][2] = serde_json::json!("x")),
            "`y`",
        ),
        (
            "huge.json",
            eight_schools(|_| {}).replace("28", "1e999"),
            "huge.json",
        ),
    ];
    for (name, text, expected) in cases {
        std::fs::write(dir.join(name), text).unwrap();
        let message = fails(
            &dir,
            &[
                "fit",
                "eight_schools_noncentered",
                "--data",
                name,
                "--steps",
                "5",
            ],
        );
        assert!(
            message.contains(name) && message.contains(expected),
            "{message}"
        );
    }
    // Outside the support: a negative standard deviation is caught at the site that uses it.
    std::fs::write(
        dir.join("negative.json"),
        eight_schools(|d| d["sigma"][0] = serde_json::json!(-1)),
    )
    .unwrap();
    let message = fails(
        &dir,
        &[
            "fit",
            "eight_schools_noncentered",
            "--data",
            "negative.json",
            "--steps",
            "5",
        ],
    );
    assert!(
        message.contains("site `y`") && message.contains("scale"),
        "{message}"
    );
}

#[test]
fn csv_errors_name_the_file_the_line_and_the_column() {
    let dir = scratch("csv");
    let cases = [
        ("ragged.csv", "x,y\n1,2\n3\n", "line 3"),
        ("nan.csv", "x,y\n1,2\nnan,3\n4,5\n", "column `x`"),
        ("inf.csv", "x,y\n1,2\n3,inf\n4,5\n", "column `y`"),
        ("word.csv", "x,y\n1,2\n3,abc\n4,5\n", "line 3"),
        ("empty.csv", "", "empty.csv"),
    ];
    for (name, text, expected) in cases {
        std::fs::write(dir.join(name), text).unwrap();
        let message = fails(
            &dir,
            &[
                "causal", "fit", "--data", name, "--order", "x,y", "--steps", "5",
            ],
        );
        assert!(
            message.contains(name) && message.contains(expected),
            "{message}"
        );
    }
    // Binary data for a Bernoulli VAE: a 2 or a NaN is outside the support [0, 1].
    for (name, text) in [
        ("two.csv", "0,1,1\n1,2,0\n"),
        ("nanbin.csv", "0,1,1\n1,NaN,0\n"),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
        let message = fails(&dir, &["vae", "train", "--data", name, "--epochs", "1"]);
        assert!(
            message.contains(name) && message.contains("column 2") && message.contains("[0, 1]"),
            "{message}"
        );
    }
}

#[test]
fn corrupted_truncated_and_foreign_model_files_are_refused() {
    let dir = scratch("model_files");
    let model = dir.join("model.json");
    let _ = std::fs::remove_file(&model);
    let rows: String = (0..60)
        .map(|i| format!("{},{}\n", (i as f64 * 0.3).sin(), (i as f64 * 0.7).cos()))
        .collect();
    std::fs::write(dir.join("train.csv"), format!("x,y\n{rows}")).unwrap();
    let fitted = Command::new(env!("CARGO_BIN_EXE_flowppl"))
        .current_dir(&dir)
        .args([
            "causal",
            "fit",
            "--data",
            "train.csv",
            "--order",
            "x,y",
            "--steps",
            "20",
        ])
        .args(["--hidden", "4", "--save", "model.json"])
        .output()
        .unwrap();
    assert!(
        fitted.status.success(),
        "{}",
        String::from_utf8_lossy(&fitted.stderr)
    );
    let text = std::fs::read_to_string(&model).unwrap();
    let mut extra: serde_json::Value = serde_json::from_str(&text).unwrap();
    extra["surprise"] = serde_json::json!(1);
    let mut wrong_shape: serde_json::Value = serde_json::from_str(&text).unwrap();
    wrong_shape["params"]["entries"][0]["rows"] = serde_json::json!(1000);
    let corrupted = text.replacen("\"values\":[", "\"values\":[NaN,", 1);
    // A file claiming a network far larger than its parameters is refused before anything is
    // allocated (the fuzzer found a VAE file that made the loader ask for 24 GB).
    let mut oversized: serde_json::Value = serde_json::from_str(&text).unwrap();
    oversized["hidden"] = serde_json::json!([3_000_000_000u64]);
    let cases = [
        (
            "truncated.json",
            text[..text.len() / 2].to_string(),
            "truncated.json",
        ),
        ("extra.json", extra.to_string(), "surprise"),
        ("shape.json", wrong_shape.to_string(), "shape.json"),
        ("corrupted.json", corrupted, "corrupted.json"),
        ("oversized.json", oversized.to_string(), "does not fit"),
        (
            "foreign.json",
            r#"{"format": "flowppl-vae", "version": 1}"#.to_string(),
            "flowppl-vae",
        ),
        (
            "newer.json",
            text.replacen("\"version\":1", "\"version\":7", 1),
            "version",
        ),
    ];
    for (name, contents, expected) in cases {
        std::fs::write(dir.join(name), contents).unwrap();
        let message = fails(
            &dir,
            &[
                "causal", "sample", "--model", name, "-n", "5", "--out", "out.csv",
            ],
        );
        assert!(
            message.contains(name) && message.contains(expected),
            "{message}"
        );
        let message = fails(&dir, &["vae", "eval", "--model", name]);
        assert!(message.contains(name), "{message}");
        let message = fails(&dir, &["show", name]);
        assert!(message.contains(name), "{message}");
    }
}
