//! Stan-style JSON data (posteriordb's format), read with errors that name the file and field.

use flowppl::ppl::dsl::DataMatrix;
use flowppl::{Error, Result};
use serde_json::Value;

/// A parsed Stan data file.
///
/// # Examples
/// ```
/// use flowppl_models::stan_data::StanData;
/// # fn main() -> flowppl::Result<()> {
/// let data = StanData::parse("schools.json", r#"{"J": 2, "y": [28, 8], "sigma": [15, 10]}"#)?;
/// let j = data.count("J")?;
/// assert_eq!(data.vector_of_length("y", j)?, vec![28.0, 8.0]);
/// // `sigma` was never read: a user's file with it would be refused.
/// assert!(data.check_all_read("eight_schools", &[]).is_err());
/// # Ok(())
/// # }
/// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::stan_data::StanData;
    /// # fn main() -> flowppl::Result<()> {
    /// assert_eq!(StanData::parse("d.json", r#"{"N": 3}"#)?.count("N")?, 3);
    /// let error = StanData::parse("bad.json", "[1, 2]").unwrap_err().to_string();
    /// assert!(error.contains("bad.json"));
    /// assert!(StanData::parse("bad.json", "{").is_err());
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::stan_data::StanData;
    /// # fn main() -> flowppl::Result<()> {
    /// let path = std::env::temp_dir().join(format!("flowppl-doc-stan-{}.json", std::process::id()));
    /// std::fs::write(&path, r#"{"sigma1": 0.5}"#).unwrap();
    /// assert_eq!(StanData::read(&path)?.real("sigma1")?, 0.5);
    /// std::fs::remove_file(&path).unwrap();
    /// assert!(StanData::read(&path).is_err()); // gone
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::stan_data::StanData;
    /// # fn main() -> flowppl::Result<()> {
    /// let data = StanData::parse("d.json", r#"{"T": 2, "y": [1, 2], "K": 1}"#)?;
    /// assert_eq!(data.field_names(), ["T", "y", "K"]); // in file order
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::stan_data::StanData;
    /// # fn main() -> flowppl::Result<()> {
    /// let data = StanData::parse("d.json", r#"{"N": 2, "y": [1, 2], "sigmaa": 1}"#)?;
    /// data.vector_of_length("y", data.count("N")?)?;
    /// let error = data.check_all_read("model", &[]).unwrap_err().to_string();
    /// assert!(error.contains("`sigmaa`") && error.contains("d.json"));
    /// data.check_all_read("model", &["sigmaa".to_string()])?; // known to the model's own files
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::stan_data::StanData;
    /// # fn main() -> flowppl::Result<()> {
    /// let data = StanData::parse("d.json", r#"{"sigma1": 1.5, "name": "x"}"#)?;
    /// assert_eq!(data.real("sigma1")?, 1.5);
    /// assert!(data.real("name").is_err());
    /// assert!(data.real("sigma").unwrap_err().to_string().contains("missing"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn real(&self, name: &str) -> Result<f64> {
        self.number(name, self.field(name)?)
    }

    /// A non-negative integer.
    ///
    /// # Errors
    /// [`Error::Parse`] naming the field when it is missing or not a non-negative integer.
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::stan_data::StanData;
    /// # fn main() -> flowppl::Result<()> {
    /// let data = StanData::parse("d.json", r#"{"N": 7, "M": -1, "R": 2.5}"#)?;
    /// assert_eq!(data.count("N")?, 7);
    /// assert!(data.count("M").is_err() && data.count("R").is_err());
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::stan_data::StanData;
    /// # fn main() -> flowppl::Result<()> {
    /// let data = StanData::parse("d.json", r#"{"y": [1, 2.5], "e": [], "s": ["a"]}"#)?;
    /// assert_eq!(data.vector("y")?, vec![1.0, 2.5]);
    /// assert!(data.vector("e").is_err() && data.vector("s").is_err());
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::stan_data::StanData;
    /// # fn main() -> flowppl::Result<()> {
    /// let data = StanData::parse("d.json", r#"{"y": [1, 2]}"#)?;
    /// assert_eq!(data.vector_of_length("y", 2)?, vec![1.0, 2.0]);
    /// let error = data.vector_of_length("y", 3).unwrap_err().to_string();
    /// assert!(error.contains("`y`") && error.contains("expected 3"));
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use flowppl_models::stan_data::StanData;
    /// # fn main() -> flowppl::Result<()> {
    /// let data = StanData::parse("d.json", r#"{"X": [[1, 2, 3], [4, 5, 6]], "R": [[1, 2], [3]]}"#)?;
    /// let x = data.matrix("X")?;
    /// assert_eq!((x.rows(), x.columns()), (2, 3));
    /// assert!(data.matrix("R").is_err()); // ragged
    /// # Ok(())
    /// # }
    /// ```
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
