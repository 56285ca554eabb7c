//! Reading data for VAEs: numeric matrices from headerless CSV, and MNIST-style IDX image
//! files.

use crate::error::{Error, Result};
use std::path::Path;

/// Reads a headerless CSV of numbers into `(rows, columns, row-major values)`; every value must
/// lie in `[0, 1]` (binary or grey-level pixels).
///
/// # Errors
/// [`Error::Io`] naming the file; [`Error::Parse`] naming file, line and column for a ragged
/// row, a non-number or a value outside `[0, 1]`.
///
/// # Examples
/// ```
/// use flowppl::vae::read_binary_csv;
/// # fn main() -> flowppl::Result<()> {
/// let path = std::env::temp_dir().join(format!("flowppl-doc-binary-csv-{}.csv", std::process::id()));
/// std::fs::write(&path, "1,0,1\n0,0.5,1\n").unwrap();
/// assert_eq!(read_binary_csv(&path)?, (2, 3, vec![1.0, 0.0, 1.0, 0.0, 0.5, 1.0]));
/// std::fs::write(&path, "1,0,1\n0,2,1\n").unwrap();
/// let error = read_binary_csv(&path).unwrap_err().to_string();
/// assert!(error.contains("line 2: column 2: 2 is outside [0, 1]"));
/// std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn read_binary_csv(path: &Path) -> Result<(usize, usize, Vec<f64>)> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: shown.clone(),
        source,
    })?;
    let error = |line: usize, message: String| Error::Parse {
        path: shown.clone(),
        message: format!("line {line}: {message}"),
    };
    let mut columns = None;
    let mut values = Vec::new();
    let mut rows = 0;
    for (index, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        match columns {
            None => columns = Some(cells.len()),
            Some(c) if c != cells.len() => {
                return Err(error(
                    index + 1,
                    format!("{} cells, earlier rows have {c}", cells.len()),
                ))
            }
            _ => {}
        }
        for (j, cell) in cells.iter().enumerate() {
            let value: f64 = cell.parse().map_err(|_| {
                error(
                    index + 1,
                    format!("column {}: `{cell}` is not a number", j + 1),
                )
            })?;
            if !(0.0..=1.0).contains(&value) {
                return Err(error(
                    index + 1,
                    format!("column {}: {value} is outside [0, 1]", j + 1),
                ));
            }
            values.push(value);
        }
        rows += 1;
    }
    let columns = columns.ok_or_else(|| error(1, "no data rows".into()))?;
    Ok((rows, columns, values))
}

/// Reads an IDX file of unsigned bytes (the MNIST format: magic `0x00 0x00 0x08 ndims`, then
/// `ndims` big-endian `u32` sizes, then the bytes) as `(items, values per item, values / 255)`.
/// Gzipped files must be decompressed first.
///
/// # Errors
/// [`Error::Io`]; [`Error::Parse`] naming the file for a wrong magic number, another element
/// type, or a size that disagrees with the file's length (truncated files).
///
/// # Examples
/// ```
/// use flowppl::vae::read_idx;
/// # fn main() -> flowppl::Result<()> {
/// let path = std::env::temp_dir().join(format!("flowppl-doc-idx-{}.idx", std::process::id()));
/// // magic (unsigned bytes, 3 dimensions), sizes 2 x 1 x 2, then 4 pixels
/// let mut bytes = vec![0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
/// bytes.extend([0, 255, 51, 102]);
/// std::fs::write(&path, &bytes).unwrap();
/// assert_eq!(read_idx(&path)?, (2, 2, vec![0.0, 1.0, 0.2, 0.4]));
/// std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap(); // truncated
/// assert!(matches!(read_idx(&path), Err(flowppl::Error::Parse { .. })));
/// std::fs::remove_file(&path).unwrap();
/// # Ok(())
/// # }
/// ```
pub fn read_idx(path: &Path) -> Result<(usize, usize, Vec<f64>)> {
    let shown = path.display().to_string();
    let error = |message: String| Error::Parse {
        path: shown.clone(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: shown.clone(),
        source,
    })?;
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(error("not an IDX file (bad magic number; gzipped?)".into()));
    }
    if bytes[2] != 0x08 {
        return Err(error(format!(
            "element type 0x{:02x}; only unsigned bytes (0x08) are supported",
            bytes[2]
        )));
    }
    let dimensions = bytes[3] as usize;
    let header = 4 + 4 * dimensions;
    if dimensions == 0 || bytes.len() < header {
        return Err(error("truncated header".into()));
    }
    let sizes: Vec<usize> = (0..dimensions)
        .map(|k| {
            let b = &bytes[4 + 4 * k..8 + 4 * k];
            u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
        })
        .collect();
    let items = sizes[0];
    let per_item: usize = sizes[1..].iter().product();
    let expected = items
        .checked_mul(per_item)
        .ok_or_else(|| error("sizes overflow".into()))?;
    if bytes.len() - header != expected {
        return Err(error(format!(
            "{} data bytes for sizes {sizes:?} ({expected} expected): truncated or corrupt",
            bytes.len() - header
        )));
    }
    let values = bytes[header..]
        .iter()
        .map(|&b| f64::from(b) / 255.0)
        .collect();
    Ok((items, per_item, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idx_files_are_read_and_bad_ones_named() {
        let dir = std::env::temp_dir().join(format!("flowppl-idx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("images.idx");
        let mut bytes = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2];
        bytes.extend([0, 255, 51, 102, 255, 0, 0, 255]);
        std::fs::write(&path, &bytes).unwrap();
        let (items, width, values) = read_idx(&path).unwrap();
        assert_eq!((items, width), (2, 4));
        assert_eq!(values[..3], [0.0, 1.0, 0.2]);
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let message = read_idx(&path).unwrap_err().to_string();
        assert!(
            message.contains("images.idx") && message.contains("truncated"),
            "{message}"
        );
        std::fs::write(&path, [0x1f, 0x8b, 8, 0]).unwrap();
        assert!(read_idx(&path).unwrap_err().to_string().contains("magic"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_files_name_the_line_and_column() {
        let dir = std::env::temp_dir().join(format!("flowppl-vae-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (text, expected) in [
            ("0,1\n1,0,1\n", "line 2: 3 cells, earlier rows have 2"),
            ("0,1\n1,x\n", "line 2: column 2: `x` is not a number"),
            ("0,2\n", "line 1: column 2: 2 is outside [0, 1]"),
            ("\n", "no data rows"),
        ] {
            let path = dir.join("bad.csv");
            std::fs::write(&path, text).unwrap();
            let message = read_binary_csv(&path).unwrap_err().to_string();
            assert!(
                message.contains(expected) && message.contains("bad.csv"),
                "{message}"
            );
        }
        let path = dir.join("good.csv");
        std::fs::write(&path, "0,1,1\n1,0,0.5\n").unwrap();
        assert_eq!(
            read_binary_csv(&path).unwrap(),
            (2, 3, vec![0.0, 1.0, 1.0, 1.0, 0.0, 0.5])
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
