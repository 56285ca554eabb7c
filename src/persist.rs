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
///
/// # Examples
/// ```
/// use flowppl::persist::write_new_json;
/// # fn main() -> flowppl::Result<()> {
/// let path = std::env::temp_dir().join(format!("flowppl-doc-persist-new-json-{}.json", std::process::id()));
/// write_new_json(&path, &serde_json::json!({ "a": [1, 2] }))?;
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), r#"{"a":[1,2]}"#);
/// let again = write_new_json(&path, &serde_json::json!({}));
/// assert!(matches!(again, Err(flowppl::Error::InvalidConfig { .. }))); // exists
/// std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn write_new_json<T: Serialize>(path: &Path, document: &T) -> Result<()> {
    write_json(path, document, false)
}

/// Serialises `document` as JSON into `path`: a new file, or replacing one when `replace`
/// (see [`write_new_file`] and [`replace_file`]).
///
/// # Errors
/// As those; [`Error::Parse`] if serialisation fails.
///
/// # Examples
/// ```
/// use flowppl::persist::write_json;
/// # fn main() -> flowppl::Result<()> {
/// let path = std::env::temp_dir().join(format!("flowppl-doc-persist-json-{}.json", std::process::id()));
/// write_json(&path, &vec![1, 2, 3], false)?;
/// assert!(write_json(&path, &vec![4], false).is_err()); // not replacing
/// write_json(&path, &vec![4], true)?;
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "[4]");
/// std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// use flowppl::persist::read_versioned_json;
/// # fn main() -> flowppl::Result<()> {
/// let path = std::env::temp_dir().join(format!("flowppl-doc-persist-versioned-{}.json", std::process::id()));
/// std::fs::write(&path, r#"{"format": "demo", "version": 1, "x": 3}"#).unwrap();
/// let document: serde_json::Value = read_versioned_json(&path, "demo", 1)?;
/// assert_eq!(document["x"], 3);
/// let newer = read_versioned_json::<serde_json::Value>(&path, "demo", 2).unwrap_err();
/// assert!(newer.to_string().contains("expected `demo` version 2"));
/// std::fs::remove_file(&path).unwrap();
/// assert!(matches!(read_versioned_json::<serde_json::Value>(&path, "demo", 1), Err(flowppl::Error::Io { .. })));
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// use flowppl::persist::write_new_file;
/// # fn main() -> flowppl::Result<()> {
/// let path = std::env::temp_dir().join(format!("flowppl-doc-persist-new-file-{}.txt", std::process::id()));
/// write_new_file(&path, "first")?;
/// let error = write_new_file(&path, "second").unwrap_err();
/// assert!(error.to_string().contains("exists"));
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "first"); // kept
/// std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
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
    let temporary = write_temporary(path, text)?;
    // A hard link is created only if `path` does not exist, atomically, so a file that
    // appeared since the check above is never replaced. Where links are not supported, fall
    // back to checking again and renaming.
    let published = match std::fs::hard_link(&temporary, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists || path.exists() => {
            Err(Error::InvalidConfig {
                what: shown,
                message: "the file appeared while this one was being written; it was left as \
                          it is"
                    .into(),
            })
        }
        Err(_) => std::fs::rename(&temporary, path).map_err(|source| Error::Io {
            path: shown,
            source,
        }),
    };
    let _ = std::fs::remove_file(&temporary);
    published
}

/// Writes `text` to `path`, replacing the file if it exists, through a temporary file beside it
/// renamed into place: a reader (or a crash) sees the old file or the new one, never a
/// truncated mix. For files a run owns (its checkpoints) or that the user asked to replace
/// (`--force`).
///
/// # Errors
/// [`Error::Io`] naming the file.
///
/// # Examples
/// ```
/// use flowppl::persist::replace_file;
/// # fn main() -> flowppl::Result<()> {
/// let path = std::env::temp_dir().join(format!("flowppl-doc-persist-replace-{}.txt", std::process::id()));
/// replace_file(&path, "first")?; // creates it
/// replace_file(&path, "second")?; // replaces it
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
/// // the temporary file beside it was renamed into place: nothing else is left
/// let prefix = format!(".{}.partial", path.file_name().unwrap().to_string_lossy());
/// let leftovers = std::fs::read_dir(std::env::temp_dir()).unwrap().filter(|entry| {
///     entry.as_ref().unwrap().file_name().to_string_lossy().starts_with(&prefix)
/// });
/// assert_eq!(leftovers.count(), 0);
/// std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn replace_file(path: &Path, text: &str) -> Result<()> {
    let shown = path.display().to_string();
    let temporary = write_temporary(path, text)?;
    std::fs::rename(&temporary, path).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        Error::Io {
            path: shown,
            source,
        }
    })
}

/// Writes `text` to a temporary file beside `path` and returns its name: one of its own per
/// call, from the whole file name (so `a.json` and `a.csv` differ), the process and a counter
/// (so two writes in one process differ), hidden with a leading dot.
///
/// # Errors
/// [`Error::Io`] naming `path`.
fn write_temporary(path: &Path, text: &str) -> Result<std::path::PathBuf> {
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let count = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file_name = path.file_name().map_or_else(
        || "output".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    let temporary = path.with_file_name(format!(
        ".{file_name}.partial-{}-{count}",
        std::process::id()
    ));
    std::fs::write(&temporary, text).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(temporary)
}

/// Makes an error from reading `path` name the file: parse and I/O errors already do; any other
/// (a configuration or shape error found while rebuilding the saved thing) becomes
/// [`Error::Parse`] with the file's name and the error's message.
///
/// # Examples
/// ```
/// use flowppl::persist::naming_file;
/// use std::path::Path;
/// let name = naming_file(Path::new("model.json"));
/// let shape = flowppl::Error::InvalidConfig { what: "layer".into(), message: "too wide".into() };
/// assert!(matches!(name(shape), flowppl::Error::Parse { path, .. } if path == "model.json"));
/// let io = flowppl::Error::Io { path: "other.json".into(), source: std::io::ErrorKind::NotFound.into() };
/// assert!(matches!(name(io), flowppl::Error::Io { path, .. } if path == "other.json")); // kept
/// ```
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
///
/// # Examples
/// ```
/// use flowppl::params::{ParamSnapshot, SnapshotEntry};
/// use flowppl::persist::check_saved_sizes;
/// use std::path::Path;
/// # fn main() -> flowppl::Result<()> {
/// let entry = SnapshotEntry { name: "w".into(), rows: 2, columns: 5, values: vec![0.0; 10] };
/// let params = ParamSnapshot { entries: vec![entry] };
/// let path = Path::new("saved.json");
/// check_saved_sizes(path, &[("hidden", 8)], 1, &params)?;
/// assert!(check_saved_sizes(path, &[("hidden", 1 << 40)], 1, &params).is_err()); // too large
/// assert!(check_saved_sizes(path, &[("hidden", 8)], 2, &params).is_err()); // 2 layers, 1 tensor
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// use flowppl::persist::fingerprint;
/// // FNV-1a: the empty input gives the offset basis
/// assert_eq!(fingerprint(b""), "cbf29ce484222325");
/// assert_eq!(fingerprint(b"a"), "af63dc4c8601ec8c");
/// assert_ne!(fingerprint(b"1,2\n"), fingerprint(b"1,3\n"));
/// ```
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
    fn racing_writers_never_replace_each_other() {
        let dir = std::env::temp_dir().join(format!("flowppl-race-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.json");
        let _ = std::fs::remove_file(&path);
        // Eight threads write the same new file, and two more write `a.csv` beside it (whose
        // temporary name used to be the same as `a.json`'s).
        let results: Vec<(String, bool)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..10)
                .map(|k| {
                    let target = if k < 8 {
                        path.clone()
                    } else {
                        dir.join("a.csv")
                    };
                    scope.spawn(move || {
                        let text = format!("writer {k}");
                        let ok = write_new_file(&target, &text).is_ok();
                        (text, ok)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let json_winners: Vec<&String> =
            results[..8].iter().filter(|r| r.1).map(|r| &r.0).collect();
        assert_eq!(json_winners.len(), 1, "exactly one writer creates the file");
        assert_eq!(&std::fs::read_to_string(&path).unwrap(), json_winners[0]);
        assert_eq!(results[8..].iter().filter(|r| r.1).count(), 1);
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 2, "no temporary left: {left:?}");
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
