//! The CLI's choice of threads for the dense layers' matrix products: `FLOWPPL_THREADS` when
//! set, otherwise every core the process may use.

/// The environment variable that sets the thread count.
pub const VARIABLE: &str = "FLOWPPL_THREADS";

/// Sets [`flowppl::backend::set_matrix_threads`] from [`VARIABLE`] or the core count.
///
/// # Errors
/// A message naming the variable when it is not a positive whole number.
pub fn configure() -> Result<(), String> {
    let threads = match std::env::var(VARIABLE) {
        Ok(text) => parse(&text)?,
        Err(std::env::VarError::NotPresent) => {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(format!("{VARIABLE} is not valid text"))
        }
    };
    flowppl::backend::set_matrix_threads(threads).map_err(|e| e.to_string())
}

/// A thread count from the variable's text.
fn parse(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "{VARIABLE}={text:?} is not a thread count (a whole number, at least 1)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parse_and_bad_values_name_the_variable() {
        assert_eq!(parse("2"), Ok(2));
        assert_eq!(parse(" 16\n"), Ok(16));
        for bad in ["0", "-1", "two", ""] {
            let message = parse(bad).unwrap_err();
            assert!(message.contains("FLOWPPL_THREADS"), "{message}");
        }
    }
}
