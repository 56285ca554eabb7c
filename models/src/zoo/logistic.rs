//! Bayesian logistic regression on the benchmark data of task T1.

use flowppl::prelude::*;
use flowppl::{Error, Result};

model! {
    /// `w ~ Normal(0, 1)^D`, `y_n ~ Bernoulli(logits = x_n . w)`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::{substitute, trace, values};
    /// use flowppl::prelude::*;
    /// use flowppl_models::zoo::logistic::logistic_regression;
    /// # fn main() -> flowppl::Result<()> {
    /// let device = Cpu::default();
    /// let w = Var::<f64, Cpu>::from_vec(&device, vec![3f64.ln(), 0.0], 1, 2)?;
    /// let x = DataMatrix::from_rows(&[vec![1.0, 0.0], vec![0.0, 1.0]])?;
    /// # let mut rng = flowppl::backend::rng::seeded(0);
    /// let model = substitute(logistic_regression(&x, &[1.0, 0.0]), values([("w", w)]));
    /// let t = trace(&model, &mut Ctx::new(&device, &mut rng))?;
    /// // Logits ln 3 and 0: P(y_1 = 1) = 3/4, P(y_2 = 0) = 1/2.
    /// let y = t.get("y").unwrap().log_density()?.unwrap().item()?;
    /// assert!((y - (0.75f64.ln() + 0.5f64.ln())).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
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
///
/// # Examples
/// ```
/// use flowppl_models::zoo::logistic::parse_csv;
/// # fn main() -> flowppl::Result<()> {
/// assert_eq!(parse_csv("x.csv", "1, 2\n\n3,4.5\n")?, vec![vec![1.0, 2.0], vec![3.0, 4.5]]);
/// let error = parse_csv("x.csv", "1,2\n3,x\n").unwrap_err().to_string();
/// assert!(error.contains("x.csv") && error.contains("line 2"));
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// # fn main() -> flowppl::Result<()> {
/// let model = flowppl_models::zoo::logistic::bundled()?;
/// assert_eq!((model.x.rows(), model.x.columns(), model.y.len()), (5000, 20, 5000));
/// assert!(model.y.iter().all(|&y| y == 0.0 || y == 1.0));
/// # Ok(())
/// # }
/// ```
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
