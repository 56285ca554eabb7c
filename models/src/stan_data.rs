//! Stan-style JSON data (posteriordb's format), read with errors that name the file and field.

use flowppl::ppl::dsl::DataMatrix;
use flowppl::{Error, Result};
use serde_json::Value;

/// A parsed Stan data file.
#[derive(Debug, Clone)]
pub struct StanData {
    source: String,
    values: serde_json::Map<String, Value>,
    /// The fields a model has read, to find the ones it ignored (a misspelt name).
    read: std::cell::RefCell<std::collections::BTreeSet<String>>,
}

impl StanData {
    /// Parses JSON text; `source` names it in errors (a path or `<bundled name>`).
    ///
    /// # Errors
    /// [`Error::Parse`] for invalid JSON or a top level that is not an object.
    pub fn parse(source: &str, text: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(text).map_err(|e| Error::Parse {
            path: source.to_string(),
            message: format!("invalid JSON: {e}"),
        })?;
        match value {
            Value::Object(values) => Ok(StanData {
                source: source.to_string(),
                values,
                read: Default::default(),
            }),
            _ => Err(Error::Parse {
                path: source.to_string(),
                message: "Stan data must be a JSON object of named fields".into(),
            }),
        }
    }

    /// Reads and parses a file.
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be read; [`Error::Parse`] as [`StanData::parse`].
    pub fn read(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&path.display().to_string(), &text)
    }

    fn error(&self, field: &str, message: impl Into<String>) -> Error {
        Error::Parse {
            path: self.source.clone(),
            message: format!("field `{field}`: {}", message.into()),
        }
    }

    /// The names of the fields.
    pub fn field_names(&self) -> Vec<String> {
        self.values.keys().cloned().collect()
    }

    /// Errors when a field was never read by the model built from this data and is not in
    /// `known` (fields the model's own data files carry without using, such as posteriordb's
    /// prediction inputs): a user's file with a misspelt or stray field is refused rather than
    /// silently ignored.
    ///
    /// # Errors
    /// [`Error::Parse`] naming the file, the unused fields and the ones the model reads.
    pub fn check_all_read(&self, model: &str, known: &[String]) -> Result<()> {
        let read = self.read.borrow();
        let unused: Vec<&str> = self
            .values
            .keys()
            .map(String::as_str)
            .filter(|k| !read.contains(*k) && !known.iter().any(|n| n == k))
            .collect();
        if unused.is_empty() {
            return Ok(());
        }
        Err(Error::Parse {
            path: self.source.clone(),
            message: format!(
                "field(s) {} not used by model `{model}` (it reads {}); remove or rename them",
                unused
                    .iter()
                    .map(|u| format!("`{u}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                read.iter()
                    .map(|u| format!("`{u}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }

    fn field(&self, name: &str) -> Result<&Value> {
        self.read.borrow_mut().insert(name.to_string());
        self.values
            .get(name)
            .ok_or_else(|| self.error(name, "missing (the model needs it)"))
    }

    fn number(&self, name: &str, value: &Value) -> Result<f64> {
        match value.as_f64() {
            Some(v) if v.is_finite() => Ok(v),
            _ => Err(self.error(name, format!("expected a finite number, found {value}"))),
        }
    }

    /// A real number.
    ///
    /// # Errors
    /// [`Error::Parse`] naming the field when it is missing or not a number.
    pub fn real(&self, name: &str) -> Result<f64> {
        self.number(name, self.field(name)?)
    }

    /// A non-negative integer.
    ///
    /// # Errors
    /// [`Error::Parse`] naming the field when it is missing or not a non-negative integer.
    pub fn count(&self, name: &str) -> Result<usize> {
        let value = self.field(name)?;
        value.as_u64().map(|v| v as usize).ok_or_else(|| {
            self.error(
                name,
                format!("expected a non-negative integer, found {value}"),
            )
        })
    }

    /// An array of numbers.
    ///
    /// # Errors
    /// [`Error::Parse`] naming the field when it is missing, empty or not numeric.
    pub fn vector(&self, name: &str) -> Result<Vec<f64>> {
        let value = self.field(name)?;
        let items = value
            .as_array()
            .ok_or_else(|| self.error(name, "expected an array of numbers"))?;
        if items.is_empty() {
            return Err(self.error(name, "the array is empty"));
        }
        items.iter().map(|v| self.number(name, v)).collect()
    }

    /// An array of numbers of a required length.
    ///
    /// # Errors
    /// As [`StanData::vector`], and when the length differs.
    pub fn vector_of_length(&self, name: &str, length: usize) -> Result<Vec<f64>> {
        let v = self.vector(name)?;
        if v.len() != length {
            return Err(self.error(
                name,
                format!("expected {length} entries, found {}", v.len()),
            ));
        }
        Ok(v)
    }

    /// A matrix given as an array of equal-length rows.
    ///
    /// # Errors
    /// [`Error::Parse`] naming the field for ragged or non-numeric rows.
    pub fn matrix(&self, name: &str) -> Result<DataMatrix> {
        let value = self.field(name)?;
        let rows = value
            .as_array()
            .ok_or_else(|| self.error(name, "expected an array of rows"))?;
        let parsed: Vec<Vec<f64>> = rows
            .iter()
            .map(|row| {
                row.as_array()
                    .ok_or_else(|| self.error(name, "every row must be an array"))?
                    .iter()
                    .map(|v| self.number(name, v))
                    .collect()
            })
            .collect::<Result<_>>()?;
        DataMatrix::from_rows(&parsed).map_err(|e| self.error(name, e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_file_and_field() {
        let data =
            StanData::parse("d.json", r#"{"N": 3, "y": [1, 2], "x": [[1, 2], [3]]}"#).unwrap();
        let e = data.vector_of_length("y", 3).unwrap_err().to_string();
        assert!(
            e.contains("d.json") && e.contains("`y`") && e.contains("3"),
            "{e}"
        );
        let e = data.real("sigma").unwrap_err().to_string();
        assert!(e.contains("`sigma`") && e.contains("missing"), "{e}");
        assert!(data.matrix("x").is_err());
        assert_eq!(data.count("N").unwrap(), 3);
        let e = StanData::parse("bad.json", "[1, 2]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.json"), "{e}");
    }
}
