//! Command-line options, parsed by hand with clear messages.

/// Options of `flowppl demo`.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOptions {
    /// Optimisation steps.
    pub steps: usize,
    /// Monte Carlo particles per ELBO estimate.
    pub particles: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Random seed.
    pub seed: u64,
    /// Print one JSON object instead of a table.
    pub json: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            steps: 2000,
            particles: 16,
            learning_rate: 0.05,
            seed: 0,
            json: false,
        }
    }
}

fn value<'a>(
    flag: &str,
    iter: &mut impl Iterator<Item = &'a String>,
) -> Result<&'a String, String> {
    iter.next().ok_or_else(|| format!("`{flag}` needs a value"))
}

fn number<T: std::str::FromStr>(flag: &str, text: &str, what: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("`{flag}` expects {what}, got `{text}`"))
}

impl DemoOptions {
    /// Parses `--steps N --particles S --lr X --seed N --json`.
    pub fn parse(arguments: &[String]) -> Result<Self, String> {
        let mut options = DemoOptions::default();
        let mut iter = arguments.iter();
        while let Some(flag) = iter.next() {
            match flag.as_str() {
                "--steps" => {
                    options.steps = number(flag, value(flag, &mut iter)?, "a positive integer")?
                }
                "--particles" => {
                    options.particles = number(flag, value(flag, &mut iter)?, "a positive integer")?
                }
                "--lr" => {
                    options.learning_rate =
                        number(flag, value(flag, &mut iter)?, "a positive number")?
                }
                "--seed" => {
                    options.seed = number(flag, value(flag, &mut iter)?, "a non-negative integer")?
                }
                "--json" => options.json = true,
                other => return Err(format!("unknown option `{other}` for `demo`")),
            }
        }
        if options.steps == 0 {
            return Err("`--steps` must be at least 1".into());
        }
        if options.particles == 0 {
            return Err("`--particles` must be at least 1".into());
        }
        if !(options.learning_rate > 0.0 && options.learning_rate.is_finite()) {
            return Err(format!(
                "`--lr` must be positive, got {}",
                options.learning_rate
            ));
        }
        Ok(options)
    }
}

/// Errors on any argument to a command that takes none.
pub fn reject_extra(command: &str, arguments: &[String]) -> Result<(), String> {
    match arguments.first() {
        Some(extra) => Err(format!("`{command}` takes no arguments, got `{extra}`")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_and_validates() {
        let o = DemoOptions::parse(&strings(&["--steps", "10", "--json", "--lr", "0.1"])).unwrap();
        assert_eq!((o.steps, o.json, o.learning_rate), (10, true, 0.1));
        let e = DemoOptions::parse(&strings(&["--steps", "ten"])).unwrap_err();
        assert!(e.contains("--steps") && e.contains("ten"));
        assert!(DemoOptions::parse(&strings(&["--lr", "-1"]))
            .unwrap_err()
            .contains("--lr"));
        assert!(DemoOptions::parse(&strings(&["--bogus"]))
            .unwrap_err()
            .contains("--bogus"));
        assert!(DemoOptions::parse(&strings(&["--seed"]))
            .unwrap_err()
            .contains("needs a value"));
    }
}
