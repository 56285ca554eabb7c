//! `flowppl bench`: a short run of task T6 prints one JSON line per guide in the peers'
//! format, with the suite's quality figures; bad task names and step counts are usage errors.

use std::process::Command;

fn flowppl(arguments: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_flowppl"))
        .args(arguments)
        .output()
        .unwrap()
}

#[test]
fn a_short_t6_run_reports_both_guides_with_their_figures() {
    let output = flowppl(&["bench", "T6", "--seeds", "0,1", "--steps", "80", "--json"]);
    assert!(output.status.success(), "{:?}", output);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let tasks: Vec<&str> = lines.iter().map(|l| l["task"].as_str().unwrap()).collect();
    assert_eq!(tasks, ["T6-AutoNormal", "T6-AutoIAFNormal"]);
    for line in &lines {
        assert_eq!(line["framework"], "flowppl");
        assert_eq!(line["repeats"], 2);
        assert_eq!(line["runs"].as_array().unwrap().len(), 2);
        let ms = line["ms_per_step"].as_f64().unwrap();
        assert!(ms > 0.0 && ms.is_finite(), "{ms}");
        // 80 steps from tau = 1: not converged, but a finite ELBO and positive sds.
        assert!(line["elbo_1000"].as_f64().unwrap().is_finite());
        assert!(line["tau_sd"].as_f64().unwrap() > 0.0);
        if cfg!(target_os = "linux") {
            assert!(line["peak_rss_mb"].as_f64().unwrap() > 0.0);
        }
    }
}

#[test]
fn bad_tasks_and_step_counts_are_usage_errors() {
    for arguments in [
        &["bench"][..],
        &["bench", "T9"],
        &["bench", "T1", "--steps", "50"],
        &["bench", "T1", "--seeds", "a"],
    ] {
        let output = flowppl(arguments);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error: "), "{arguments:?}: {stderr}");
    }
}
