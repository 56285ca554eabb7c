//! Saved files: written without ever replacing what the user saved, read back with their
//! format and version checked first.

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;

/// Serialises `document` as JSON into a new file (see [`write_new_file`]).
///
/// # Errors
/// As [`write_new_file`]; [`Error::Parse`] if serialisation fails.
pub fn write_new_json<T: Serialize>(path: &Path, document: &T) -> Result<()> {
    write_json(path, document, false)
}

/// Serialises `document` as JSON into `path`: a new file, or replacing one when `replace`
/// (see [`write_new_file`] and [`replace_file`]).
///
/// # Errors
/// As those; [`Error::Parse`] if serialisation fails.
pub fn write_json<T: Serialize>(path: &Path, document: &T, replace: bool) -> Result<()> {
    let text = serde_json::to_string(document).map_err(|e| Error::Parse {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    if replace {
        replace_file(path, &text)
    } else {
        write_new_file(path, &text)
    }
}

/// Reads a JSON document whose `format` field must be `format` and `version` field `version`,
/// checked before the rest, so another kind of file or a newer version gets a clear error.
///
/// # Errors
/// [`Error::Io`]; [`Error::Parse`] naming the file for malformed JSON, another format or
/// version, or fields that do not fit `T`.
pub fn read_versioned_json<T: DeserializeOwned>(
    path: &Path,
    format: &str,
    version: u64,
) -> Result<T> {
    let shown = path.display().to_string();
    let parse = |message: String| Error::Parse {
        path: shown.clone(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: shown.clone(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| parse(format!("not valid JSON: {e}")))?;
    let found = (
        value.get("format").and_then(|f| f.as_str()),
        value.get("version").and_then(|v| v.as_u64()),
    );
    if found != (Some(format), Some(version)) {
        return Err(parse(format!(
            "format {:?} version {:?}, expected `{format}` version {version}",
            found.0, found.1
        )));
    }
    serde_json::from_value(value).map_err(|e| parse(format!("malformed `{format}` file: {e}")))
}

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

/// Writes `text` to `path`, replacing the file if it exists, through a temporary file beside it
/// renamed into place: a reader (or a crash) sees the old file or the new one, never a
/// truncated mix. For files a run owns (its checkpoints) or that the user asked to replace
/// (`--force`).
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn replace_file(path: &Path, text: &str) -> Result<()> {
    let shown = path.display().to_string();
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

/// Makes an error from reading `path` name the file: parse and I/O errors already do; any other
/// (a configuration or shape error found while rebuilding the saved thing) becomes
/// [`Error::Parse`] with the file's name and the error's message.
pub fn naming_file(path: &Path) -> impl Fn(Error) -> Error + '_ {
    move |error| match error {
        Error::Parse { .. } | Error::Io { .. } => error,
        other => Error::Parse {
            path: path.display().to_string(),
            message: other.to_string(),
        },
    }
}

/// Refuses a saved architecture that is far larger than the parameters saved with it, before
/// anything is built from it (a corrupted or hostile file must not make the loader allocate
/// gigabytes): every size and the number of flow layers must be at most the number of saved
/// values (layers: of saved tensors), and the largest size squared at most four times the
/// saved values plus 65 536 (a weight matrix between the two largest layers would need
/// about that many values).
///
/// # Errors
/// [`Error::Parse`] naming `path` and the size.
pub fn check_saved_sizes(
    path: &Path,
    sizes: &[(&str, usize)],
    layers: usize,
    params: &crate::params::ParamSnapshot,
) -> Result<()> {
    let values: usize = params.entries.iter().map(|e| e.values.len()).sum();
    let parse = |message: String| Error::Parse {
        path: path.display().to_string(),
        message,
    };
    if layers > params.entries.len() {
        return Err(parse(format!(
            "{layers} flow layers but only {} saved tensors",
            params.entries.len()
        )));
    }
    for &(what, size) in sizes {
        let square = size.checked_mul(size);
        let bound = values.saturating_mul(4).saturating_add(65_536);
        if size > values.max(1) || square.is_none_or(|s| s > bound) {
            return Err(parse(format!(
                "`{what}` = {size} does not fit the {values} saved parameter values"
            )));
        }
    }
    Ok(())
}

/// A 64-bit FNV-1a fingerprint of `bytes` as 16 hex digits: enough to notice that a resumed run
/// was handed other data (not a cryptographic hash).
pub fn fingerprint(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
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
        replace_file(&path, "second").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn fingerprints_tell_data_apart() {
        // FNV-1a of the empty input is the offset basis; of "a", 0xaf63dc4c8601ec8c.
        assert_eq!(fingerprint(b""), "cbf29ce484222325");
        assert_eq!(fingerprint(b"a"), "af63dc4c8601ec8c");
        assert_ne!(fingerprint(b"1,2\n"), fingerprint(b"1,3\n"));
    }
}
