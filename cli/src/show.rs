//! `flowppl show FILE`: what a saved file holds (a fit, a causal flow or a VAE).

use flowppl::{Error, Result};
use serde_json::Value;

/// A one-screen description of the saved file `path`.
///
/// # Errors
/// [`Error::Io`]; [`Error::Parse`] naming the file for something that is not a flowppl file.
pub fn describe(path: &str) -> Result<String> {
    let parse = |message: String| Error::Parse {
        path: path.to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_string(),
        source,
    })?;
    let document: Value =
        serde_json::from_str(&text).map_err(|e| parse(format!("not valid JSON: {e}")))?;
    let field = |name: &str| document.get(name).cloned().unwrap_or(Value::Null);
    let text_of = |name: &str| match field(name) {
        Value::String(s) => s,
        Value::Null => "-".into(),
        other => other.to_string(),
    };
    let format = text_of("format");
    let version = text_of("version");
    let entries = document
        .get("params")
        .and_then(|p| p.get("entries"))
        .and_then(Value::as_array)
        .ok_or_else(|| parse("no parameters: not a flowppl model file".into()))?;
    let values: usize = entries
        .iter()
        .filter_map(|e| e.get("values").and_then(Value::as_array).map(Vec::len))
        .sum();
    validate(path, &format, &document)?;
    let mut lines = vec![format!("{path}: {format} version {version}")];
    if let Some(training) = document
        .get("training")
        .filter(|t| t.get("checkpoint").is_some())
    {
        lines.push(format!(
            "training state: {} of {} steps done; continue with the same command plus \
             `--resume {path}`",
            training["checkpoint"]["step"], training["total_steps"]
        ));
    }
    match format.as_str() {
        "flowppl-fit" => {
            lines.push(format!(
                "SVI fit of model `{}` (data {}), guide {}, {} steps x {} particles, seed {}, ELBO {}",
                text_of("model"),
                text_of("data"),
                text_of("guide"),
                text_of("steps"),
                text_of("particles"),
                text_of("seed"),
                text_of("elbo")
            ));
            if let Some(latents) = document.get("latents").and_then(Value::as_array) {
                let sites: Vec<String> = latents
                    .iter()
                    .map(|l| {
                        format!(
                            "{} ({} values, {})",
                            l["name"].as_str().unwrap_or("?"),
                            l["columns"],
                            l["support"].as_str().unwrap_or("?")
                        )
                    })
                    .collect();
                lines.push(format!("latent sites: {}", sites.join(", ")));
            }
            if document.get("training").is_some() {
                lines.push(format!(
                    "resumable: {} of {} steps done (optimizer state and random stream saved; \
                     continue with `flowppl fit {} --resume {path} --steps N`)",
                    text_of("completed_steps"),
                    text_of("steps"),
                    text_of("model")
                ));
            }
        }
        "flowppl-flow" => {
            let spec = field("spec");
            lines.push(format!(
                "flow on R^{}: {} layers of {}, hidden {}{}",
                spec["dimension"],
                spec["layers"],
                spec["kind"].as_str().unwrap_or("-"),
                spec["hidden"],
                spec["solver"]
                    .as_str()
                    .map(|s| format!(", solver {s}"))
                    .unwrap_or_default()
            ));
        }
        "flowppl-causal-flow" => {
            lines.push(format!(
                "causal flow over {} with graph {}",
                text_of("names"),
                text_of("graph")
            ));
            lines.push(format!(
                "transformer {}, noise {}, hidden {}",
                text_of("transformer"),
                text_of("base"),
                text_of("hidden")
            ));
        }
        "flowppl-vae" => {
            lines.push(format!(
                "VAE: {} inputs, {} latents, hidden {}, posterior {}, prior {}, likelihood {}",
                text_of("input"),
                text_of("latent"),
                text_of("hidden"),
                text_of("posterior"),
                text_of("prior"),
                text_of("likelihood")
            ));
        }
        other => return Err(parse(format!("unknown format `{other}`"))),
    }
    lines.push(format!("{} parameters, {values} values", entries.len()));
    Ok(lines.join("\n"))
}

/// Loads the file with the loader of its kind, so that `show` reports a corrupted, truncated or
/// inconsistent file instead of describing it.
fn validate(path: &str, format: &str, document: &Value) -> Result<()> {
    use flowppl::backend::Cpu;
    let device = Cpu::default();
    let file = std::path::Path::new(path);
    match format {
        "flowppl-causal-flow" => {
            flowppl::causal::CausalFlow::<f32, Cpu>::load(&device, file).map(|_| ())
        }
        "flowppl-vae" => flowppl::vae::load_vae::<f32, Cpu>(&device, file).map(|_| ()),
        "flowppl-flow" => flowppl::flows::load_flow::<f32, Cpu>(&device, file).map(|_| ()),
        "flowppl-fit" => {
            let snapshot: flowppl::params::ParamSnapshot =
                serde_json::from_value(document["params"].clone()).map_err(|e| Error::Parse {
                    path: path.to_string(),
                    message: format!("malformed parameters: {e}"),
                })?;
            let mut store = flowppl::params::ParamStore::<f32, Cpu>::new(&device);
            store.restore(&snapshot).map_err(|e| Error::Parse {
                path: path.to_string(),
                message: e.to_string(),
            })
        }
        other => Err(Error::Parse {
            path: path.to_string(),
            message: format!(
                "format `{other}` is not a flowppl file (expected flowppl-fit, flowppl-flow, \
                 flowppl-causal-flow or flowppl-vae)"
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_saved_files_and_names_bad_ones() {
        let dir = std::env::temp_dir().join(format!("flowppl-show-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("causal.json");
        let _ = std::fs::remove_file(&path);
        let rows: Vec<f64> = (0..40)
            .flat_map(|i| [(i as f64 * 0.3).sin(), (i as f64 * 0.7).cos()])
            .collect();
        let data = flowppl::causal::DataTable::new(vec!["a".into(), "b".into()], rows).unwrap();
        let graph = flowppl::causal::CausalGraph::parse(&data.names, "a->b").unwrap();
        let options = flowppl::causal::CausalFlowOptions {
            hidden: vec![2],
            training: flowppl::flows::training::DensityOptions {
                steps: 2,
                batch_size: 8,
                validation_fraction: 0.0,
                patience: None,
                ..Default::default()
            },
            ..Default::default()
        };
        let device = flowppl::backend::Cpu::default();
        let (flow, _) = flowppl::causal::CausalFlow::<f32, flowppl::backend::Cpu>::fit(
            &device, graph, &data, options,
        )
        .unwrap();
        flow.save(&path).unwrap();
        let text = describe(path.to_str().unwrap()).unwrap();
        assert!(
            text.contains("causal flow") && text.contains("a->b") && text.contains("values"),
            "{text}"
        );
        std::fs::write(&path, r#"{"format":"other","params":{"entries":[]}}"#).unwrap();
        let error = describe(path.to_str().unwrap()).unwrap_err().to_string();
        assert!(
            error.contains("causal.json") && error.contains("other"),
            "{error}"
        );
        std::fs::write(&path, "[1, 2").unwrap();
        assert!(describe(path.to_str().unwrap())
            .unwrap_err()
            .to_string()
            .contains("JSON"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
