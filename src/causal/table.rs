//! Named numeric columns read from and written to CSV files with a header line.

use crate::error::{Error, Result};
use std::path::Path;

/// Rows of named numeric variables, row-major.
///
/// # Examples
/// ```
/// use flowppl::causal::DataTable;
/// # fn main() -> flowppl::Result<()> {
/// let table = DataTable::parse_csv("data.csv", "x,y\n1,2\n3,4\n5,6\n")?;
/// assert_eq!((table.rows(), table.columns()), (3, 2));
/// assert_eq!(table.column(1), vec![2.0, 4.0, 6.0]);
/// assert_eq!(table.values[2..4], [3.0, 4.0]); // row-major
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DataTable {
    /// Column names (the header).
    pub names: Vec<String>,
    /// `rows * names.len()` values, row-major.
    pub values: Vec<f64>,
}

impl DataTable {
    /// A table from names and row-major values.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the values do not fill whole rows.
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::DataTable;
    /// # fn main() -> flowppl::Result<()> {
    /// let names = vec!["x".to_string(), "y".to_string()];
    /// let table = DataTable::new(names.clone(), vec![1.0, 2.0, 3.0, 4.0])?;
    /// assert_eq!(table.rows(), 2);
    /// assert!(DataTable::new(names, vec![1.0, 2.0, 3.0]).is_err()); // not whole rows
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(names: Vec<String>, values: Vec<f64>) -> Result<Self> {
        if names.is_empty() || !values.len().is_multiple_of(names.len()) {
            return Err(Error::InvalidConfig {
                what: "data table".into(),
                message: format!(
                    "{} values do not fill rows of {} columns",
                    values.len(),
                    names.len()
                ),
            });
        }
        Ok(DataTable { names, values })
    }

    /// Number of rows.
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::DataTable;
    /// # fn main() -> flowppl::Result<()> {
    /// let table = DataTable::new(vec!["a".into(), "b".into(), "c".into()], vec![0.0; 12])?;
    /// assert_eq!(table.rows(), 4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn rows(&self) -> usize {
        self.values.len() / self.names.len().max(1)
    }

    /// Number of columns.
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::DataTable;
    /// # fn main() -> flowppl::Result<()> {
    /// let table = DataTable::new(vec!["a".into(), "b".into(), "c".into()], vec![0.0; 12])?;
    /// assert_eq!(table.columns(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn columns(&self) -> usize {
        self.names.len()
    }

    /// Column `j`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::DataTable;
    /// # fn main() -> flowppl::Result<()> {
    /// let table = DataTable::new(vec!["a".into(), "b".into()], vec![1.0, 10.0, 2.0, 20.0, 3.0, 30.0])?;
    /// assert_eq!(table.column(0), vec![1.0, 2.0, 3.0]);
    /// assert_eq!(table.column(1), vec![10.0, 20.0, 30.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn column(&self, j: usize) -> Vec<f64> {
        self.values
            .iter()
            .skip(j)
            .step_by(self.columns())
            .copied()
            .collect()
    }

    /// Reads a CSV file whose first line names the columns.
    ///
    /// # Errors
    /// [`Error::Io`] naming the file; [`Error::Parse`] naming file, line and column for a
    /// missing header, a short or long row, a non-numeric or non-finite cell.
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::DataTable;
    /// # fn main() -> flowppl::Result<()> {
    /// let path = std::env::temp_dir().join(format!("flowppl-doc-read-csv-{}.csv", std::process::id()));
    /// std::fs::write(&path, "dose,response\n0.5,1.25\n1.0,2.5\n").unwrap();
    /// let table = DataTable::read_csv(&path)?;
    /// assert_eq!(table.names, ["dose", "response"]);
    /// assert_eq!(table.column(1), vec![1.25, 2.5]);
    /// std::fs::remove_file(&path).unwrap();
    /// assert!(DataTable::read_csv(&path).is_err()); // no such file
    /// # Ok(())
    /// # }
    /// ```
    pub fn read_csv(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse_csv(&path.display().to_string(), &text)
    }

    /// Parses CSV text (see [`DataTable::read_csv`]); `source` names it in errors.
    ///
    /// # Errors
    /// As [`DataTable::read_csv`].
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::DataTable;
    /// # fn main() -> flowppl::Result<()> {
    /// let table = DataTable::parse_csv("t.csv", "a, b\n1,2\n\n3.5,-4\n")?; // blank lines skipped
    /// assert_eq!(table.values, vec![1.0, 2.0, 3.5, -4.0]);
    /// let error = DataTable::parse_csv("t.csv", "a,b\n1,2\n3,x\n").unwrap_err();
    /// assert!(error.to_string().contains("t.csv: line 3: column `b`: `x` is not a number"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse_csv(source: &str, text: &str) -> Result<Self> {
        let parse_error = |line: usize, message: String| Error::Parse {
            path: source.to_string(),
            message: format!("line {line}: {message}"),
        };
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (_, header) = lines
            .next()
            .ok_or_else(|| parse_error(1, "empty file; expected a header line".into()))?;
        let names: Vec<String> = header
            .split(',')
            .map(|n| n.trim().trim_matches('"').to_string())
            .collect();
        if let Some(bad) = names
            .iter()
            .find(|n| n.is_empty() || n.parse::<f64>().is_ok())
        {
            return Err(parse_error(
                1,
                format!("the header must name every column, found `{bad}`"),
            ));
        }
        let mut values = Vec::new();
        for (index, line) in lines {
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if cells.len() != names.len() {
                return Err(parse_error(
                    index + 1,
                    format!("{} cells, the header has {}", cells.len(), names.len()),
                ));
            }
            for (cell, name) in cells.iter().zip(&names) {
                let value: f64 = cell.parse().map_err(|_| {
                    parse_error(
                        index + 1,
                        format!("column `{name}`: `{cell}` is not a number"),
                    )
                })?;
                if !value.is_finite() {
                    return Err(parse_error(
                        index + 1,
                        format!("column `{name}`: `{cell}` is not finite"),
                    ));
                }
                values.push(value);
            }
        }
        if values.is_empty() {
            return Err(parse_error(2, "no data rows".into()));
        }
        Ok(DataTable { names, values })
    }

    /// The CSV text: a header, then one line per row.
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::DataTable;
    /// # fn main() -> flowppl::Result<()> {
    /// let table = DataTable::new(vec!["x".into(), "y".into()], vec![1.0, -2.5, 3.0, 4.0])?;
    /// assert_eq!(table.to_csv(), "x,y\n1,-2.5\n3,4\n");
    /// assert_eq!(DataTable::parse_csv("copy", &table.to_csv())?, table);
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_csv(&self) -> String {
        let mut text = self.names.join(",");
        text.push('\n');
        for row in self.values.chunks(self.columns()) {
            let cells: Vec<String> = row.iter().map(|v| format!("{v}")).collect();
            text.push_str(&cells.join(","));
            text.push('\n');
        }
        text
    }

    /// Writes the table to a new file; an existing file is never replaced.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when `path` exists; [`Error::Io`] naming the file.
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::DataTable;
    /// # fn main() -> flowppl::Result<()> {
    /// let path = std::env::temp_dir().join(format!("flowppl-doc-write-csv-{}.csv", std::process::id()));
    /// let table = DataTable::new(vec!["x".into(), "y".into()], vec![1.0, 2.0])?;
    /// table.write_csv(&path)?;
    /// assert_eq!(DataTable::read_csv(&path)?, table);
    /// assert!(table.write_csv(&path).is_err()); // an existing file is never replaced
    /// std::fs::remove_file(&path).unwrap();
    /// # Ok(())
    /// # }
    /// ```
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        crate::persist::write_new_file(path, &self.to_csv())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_named_columns_and_round_trips() {
        let table = DataTable::parse_csv("t.csv", "a, b\n1,2\n\n3.5,-4\n").unwrap();
        assert_eq!(table.names, ["a", "b"]);
        assert_eq!(table.column(1), [2.0, -4.0]);
        assert_eq!(
            DataTable::parse_csv("t.csv", &table.to_csv()).unwrap(),
            table
        );
    }

    #[test]
    fn bad_cells_name_file_line_and_column() {
        for (text, expected) in [
            (
                "a,b\n1,2\n3,x\n",
                "t.csv: line 3: column `b`: `x` is not a number",
            ),
            ("a,b\n1,NaN\n", "line 2: column `b`: `NaN` is not finite"),
            ("a,b\n1,2,3\n", "line 2: 3 cells, the header has 2"),
            ("1,2\n3,4\n", "line 1: the header must name every column"),
            ("a,b\n", "no data rows"),
            ("", "empty file"),
        ] {
            let error = DataTable::parse_csv("t.csv", text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}
