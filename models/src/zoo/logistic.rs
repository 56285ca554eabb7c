//! Bayesian logistic regression on the benchmark data of task T1.

use flowppl::prelude::*;
use flowppl::{Error, Result};

model! {
    /// `w ~ Normal(0, 1)^D`, `y_n ~ Bernoulli(logits = x_n . w)`.
    pub fn logistic_regression(x: &DataMatrix, y: &[f64]) {
        let features = plate!("feature", x.columns());
        let w = sample!("w", Normal::new(0.0, 1.0), plate = features);
        let data = plate!("data", y.columns());
        observe!("y", Bernoulli::new(x.dot(&w)?), y, plate = data);
    }
}

/// Parses headerless numeric CSV rows.
///
/// # Errors
/// [`Error::Parse`] naming the source and line.
pub fn parse_csv(source: &str, text: &str) -> Result<Vec<Vec<f64>>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            line.split(',')
                .map(|field| {
                    field.trim().parse::<f64>().map_err(|_| Error::Parse {
                        path: source.to_string(),
                        message: format!("line {}: `{}` is not a number", i + 1, field.trim()),
                    })
                })
                .collect()
        })
        .collect()
}

/// The T1 model on the bundled data (5000 x 20).
///
/// # Errors
/// Parse errors of the bundled files.
pub fn bundled() -> Result<LogisticRegression> {
    let x = parse_csv(
        "logreg_X.csv",
        include_str!("../../data/logreg/logreg_X.csv"),
    )?;
    let y: Vec<f64> = parse_csv(
        "logreg_y.csv",
        include_str!("../../data/logreg/logreg_y.csv"),
    )?
    .into_iter()
    .map(|row| row[0])
    .collect();
    Ok(logistic_regression(&DataMatrix::from_rows(&x)?, &y))
}
