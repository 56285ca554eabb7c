//! Writing files without ever replacing what the user saved.

use crate::error::{Error, Result};
use std::path::Path;

/// Writes `text` to `path`, which must not exist yet: written to a temporary file beside it and
/// renamed into place, so a crash never leaves a half-written file under the final name.
///
/// # Errors
/// [`Error::InvalidConfig`] when `path` exists; [`Error::Io`] naming the file.
pub fn write_new_file(path: &Path, text: &str) -> Result<()> {
    let shown = path.display().to_string();
    if path.exists() {
        return Err(Error::InvalidConfig {
            what: shown,
            message: "the file exists; choose another name or remove it first (flowppl never \
                      overwrites a file)"
                .into(),
        });
    }
    let temporary = path.with_extension(format!("partial-{}", std::process::id()));
    let io = |source| Error::Io {
        path: shown.clone(),
        source,
    };
    std::fs::write(&temporary, text).map_err(io)?;
    std::fs::rename(&temporary, path).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        io(source)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_file_is_never_replaced() {
        let dir = std::env::temp_dir().join(format!("flowppl-persist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kept.txt");
        let _ = std::fs::remove_file(&path);
        write_new_file(&path, "first").unwrap();
        let error = write_new_file(&path, "second").unwrap_err().to_string();
        assert!(
            error.contains("kept.txt") && error.contains("exists"),
            "{error}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
