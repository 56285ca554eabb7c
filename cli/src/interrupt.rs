//! Ctrl-C for training commands: a flag the training loops poll (they then write a final
//! checkpoint and stop), and the one-line message that says how to resume.

use flowppl::{Error, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A flag that Ctrl-C sets.
///
/// # Errors
/// [`Error::InvalidConfig`] if the handler cannot be installed.
pub fn flag() -> Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    let setter = flag.clone();
    ctrlc::set_handler(move || setter.store(true, Ordering::SeqCst)).map_err(|e| {
        Error::InvalidConfig {
            what: "the Ctrl-C handler".into(),
            message: e.to_string(),
        }
    })?;
    Ok(flag)
}

/// Turns [`Error::Interrupted`] into a message naming the checkpoint file (if any) and how to
/// continue; other errors pass through.
pub fn explain(error: Error, save: Option<&str>) -> Error {
    match (error, save) {
        (Error::Interrupted { step }, Some(path)) => Error::InvalidConfig {
            what: format!("interrupted after step {step}"),
            message: format!(
                "checkpoint written to {path}; continue with the same command plus \
                 `--resume {path}`"
            ),
        },
        (Error::Interrupted { step }, None) => Error::InvalidConfig {
            what: format!("interrupted after step {step}"),
            message: "nothing was kept (give --save FILE to checkpoint)".into(),
        },
        (other, _) => other,
    }
}
