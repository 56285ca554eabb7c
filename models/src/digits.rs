//! The binarised digits of task T5, bundled (see `data/digits/README.md` for source and
//! licence).

use flowppl::error::{Error, Result};

fn parse(name: &str, text: &str) -> Result<Vec<f64>> {
    let rows = crate::zoo::logistic::parse_csv(name, text)?;
    if let Some((i, _)) = rows.iter().enumerate().find(|(_, r)| r.len() != 64) {
        return Err(Error::Parse {
            path: name.to_string(),
            message: format!("row {} does not have 64 pixels", i + 1),
        });
    }
    Ok(rows.into_iter().flatten().collect())
}

/// `(train (1500 x 64), test (297 x 64))`, row-major, pixels in {0, 1}.
///
/// # Errors
/// Never for the bundled files (parse errors name the file).
///
/// # Examples
/// ```
/// # fn main() -> flowppl::Result<()> {
/// let (train, test) = flowppl_models::digits::digits()?;
/// assert_eq!((train.len(), test.len()), (1500 * 64, 297 * 64));
/// assert!(train.iter().chain(&test).all(|&p| p == 0.0 || p == 1.0));
/// # Ok(())
/// # }
/// ```
pub fn digits() -> Result<(Vec<f64>, Vec<f64>)> {
    Ok((
        parse(
            "digits_train.csv",
            include_str!("../data/digits/digits_train.csv"),
        )?,
        parse(
            "digits_test.csv",
            include_str!("../data/digits/digits_test.csv"),
        )?,
    ))
}
