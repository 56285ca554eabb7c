//! Reading numeric matrices (one row per line, comma-separated, no header) for VAEs.

use crate::error::{Error, Result};
use std::path::Path;

/// Reads a headerless CSV of numbers into `(rows, columns, row-major values)`; every value must
/// lie in `[0, 1]` (binary or grey-level pixels).
///
/// # Errors
/// [`Error::Io`] naming the file; [`Error::Parse`] naming file, line and column for a ragged
/// row, a non-number or a value outside `[0, 1]`.
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

#[cfg(test)]
mod tests {
    use super::*;

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
