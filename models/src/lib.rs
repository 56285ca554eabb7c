#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]
//! # flowppl-models
//!
//! Ready-made models with their data and, where one exists, a reference answer, so that
//! inference can be checked against the truth:
//!
//! - the 13 posteriors of posteriordb bundled in `data/` (Stan models translated to the
//!   `model!` DSL, with their reference posterior summaries; BSD-3, see `data/README.md`);
//! - Bayesian logistic regression on the data of benchmark task T1;
//! - Neal's funnel, the banana and a bimodal 2-D mixture;
//! - [`normal_mean`]: a conjugate model with a closed-form posterior;
//! - [`boltzmann`]: chains of particles whose Boltzmann distributions have exact free energies;
//! - [`reliability`]: limit-state functions with known failure probabilities;
//! - [`tasks`]: the peer benchmark suite T1-T6, run as it specifies.
//!
//! [`zoo()`] lists them; [`find`] looks one up by name.

pub mod boltzmann;
pub mod digits;
pub mod energies;
pub mod line_chart;
pub mod normal_mean;
pub mod plot;
pub mod reference;
pub mod reliability;
pub mod scm;
pub mod stan_data;
pub mod tasks;
pub mod zoo;

use flowppl::backend::Cpu;
use flowppl::ppl::Model;
use flowppl::{Error, Result};
use reference::Reference;
use stan_data::StanData;

/// Builds a model from Stan data.
///
/// # Examples
/// ```
/// use flowppl::ppl::Model;
/// use flowppl_models::{stan_data::StanData, zoo::eight_schools, Builder};
/// # fn main() -> flowppl::Result<()> {
/// let build: Builder = eight_schools::centered;
/// let data = StanData::parse("d.json", r#"{"J": 1, "y": [2], "sigma": [1]}"#)?;
/// assert_eq!(build(&data)?.name(), "eight_schools_centered");
/// assert!(build(&StanData::parse("d.json", "{}")?).is_err()); // no `J`
/// # Ok(())
/// # }
/// ```
pub type Builder = fn(&StanData) -> Result<Box<dyn Model<f32, Cpu>>>;

/// One model of the zoo.
///
/// # Examples
/// ```
/// use flowppl::ppl::Model;
/// # fn main() -> flowppl::Result<()> {
/// let schools = flowppl_models::find("eight_schools_noncentered")?;
/// assert!(schools.data.is_some() && schools.reference.is_some());
/// assert_eq!(schools.bundled()?.name(), "eight_schools_noncentered");
/// let banana = flowppl_models::find("banana")?;
/// assert!(banana.data.is_none() && banana.reference()?.is_none());
/// # Ok(())
/// # }
/// ```
pub struct ZooEntry {
    /// The name used on the command line.
    pub name: &'static str,
    /// One line on what it is.
    pub description: &'static str,
    /// Bundled Stan data (JSON), if the model takes data.
    pub data: Option<&'static str>,
    /// Bundled reference posterior summary (posteriordb `reference.json`).
    pub reference: Option<&'static str>,
    /// Builds the model from Stan data (the bundled data or the user's `--data`).
    pub build: Builder,
}

impl ZooEntry {
    /// The model on its bundled data.
    ///
    /// # Errors
    /// Errors of the bundled data.
    ///
    /// # Examples
    /// ```
    /// use flowppl::handlers::trace;
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let model = flowppl_models::find("eight_schools_centered")?.bundled()?;
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// let t = trace(&model, &mut Ctx::new(&Cpu::default(), &mut rng))?;
    /// // The bundled data: eight schools, the first with y = 28.
    /// let y = t.value("y").unwrap().to_vec();
    /// assert_eq!((y.len(), y[0]), (8, 28.0));
    /// # Ok(())
    /// # }
    /// ```
    pub fn bundled(&self) -> Result<Box<dyn Model<f32, Cpu>>> {
        let text = self.data.unwrap_or("{}");
        (self.build)(&StanData::parse(&format!("<bundled {}>", self.name), text)?)
    }

    /// The model on a user's Stan data file; a field the model does not read is an error.
    ///
    /// # Errors
    /// I/O and parse errors naming the file and field.
    ///
    /// # Examples
    /// ```
    /// # fn main() -> flowppl::Result<()> {
    /// let entry = flowppl_models::find("eight_schools_noncentered")?;
    /// let path = std::env::temp_dir().join(format!("flowppl-doc-zoo-{}.json", std::process::id()));
    /// std::fs::write(&path, r#"{"J": 2, "y": [28, 8], "sigma": [15, 10]}"#).unwrap();
    /// assert!(entry.with_data_file(&path).is_ok());
    /// // A misspelt field is refused rather than ignored.
    /// std::fs::write(&path, r#"{"J": 2, "y": [28, 8], "sigma": [15, 10], "sigmaa": 1}"#).unwrap();
    /// assert!(entry.with_data_file(&path).err().unwrap().to_string().contains("`sigmaa`"));
    /// std::fs::remove_file(&path).unwrap();
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_data_file(&self, path: &std::path::Path) -> Result<Box<dyn Model<f32, Cpu>>> {
        let data = StanData::read(path)?;
        let model = (self.build)(&data)?;
        let known = match self.data {
            Some(text) => StanData::parse(self.name, text)?.field_names(),
            None => Vec::new(),
        };
        data.check_all_read(self.name, &known)?;
        Ok(model)
    }

    /// The reference posterior summary, if bundled.
    ///
    /// # Errors
    /// Parse errors of the bundled file.
    ///
    /// # Examples
    /// ```
    /// # fn main() -> flowppl::Result<()> {
    /// let entry = flowppl_models::find("eight_schools_noncentered")?;
    /// let reference = entry.reference()?.expect("posteriordb ships one");
    /// assert!((reference.by_name()["tau"].mean - 3.60).abs() < 0.01);
    /// assert!(flowppl_models::find("funnel")?.reference()?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn reference(&self) -> Result<Option<Reference>> {
        self.reference
            .map(|text| Reference::parse(&format!("<bundled {} reference>", self.name), text))
            .transpose()
    }
}

macro_rules! posteriordb {
    ($folder:literal) => {
        (
            Some(include_str!(concat!("../data/", $folder, "/data.json"))),
            Some(include_str!(concat!(
                "../data/",
                $folder,
                "/reference.json"
            ))),
        )
    };
}

fn entry(
    name: &'static str,
    description: &'static str,
    files: (Option<&'static str>, Option<&'static str>),
    build: Builder,
) -> ZooEntry {
    ZooEntry {
        name,
        description,
        data: files.0,
        reference: files.1,
        build,
    }
}

/// Every model of the zoo.
///
/// # Examples
/// ```
/// let all = flowppl_models::zoo();
/// assert_eq!(all.len(), 18);
/// let names: std::collections::BTreeSet<&str> = all.iter().map(|e| e.name).collect();
/// assert_eq!(names.len(), all.len()); // no two share a name
/// // The 13 posteriordb models come with their data and a reference posterior.
/// assert_eq!(all.iter().filter(|e| e.data.is_some() && e.reference.is_some()).count(), 13);
/// ```
pub fn zoo() -> Vec<ZooEntry> {
    use zoo::*;
    vec![
        entry(
            "eight_schools_noncentered",
            "hierarchical, non-centred (posteriordb)",
            posteriordb!("eight_schools-eight_schools_noncentered"),
            eight_schools::noncentered,
        ),
        entry(
            "eight_schools_centered",
            "hierarchical, centred: the funnel (posteriordb)",
            posteriordb!("eight_schools-eight_schools_centered"),
            eight_schools::centered,
        ),
        entry(
            "kidscore_interaction",
            "linear regression, near-collinear (posteriordb kidiq)",
            posteriordb!("kidiq-kidscore_interaction"),
            regressions::kidscore_interaction,
        ),
        entry(
            "kilpisjarvi",
            "linear regression on uncentred years (posteriordb)",
            posteriordb!("kilpisjarvi_mod-kilpisjarvi"),
            regressions::kilpisjarvi_model,
        ),
        entry(
            "sblrc_blr",
            "Bayesian linear regression, correlated (posteriordb sblrc-blr)",
            posteriordb!("sblrc-blr"),
            regressions::sblrc,
        ),
        entry(
            "nes2000",
            "linear regression, nine predictors, flat priors (posteriordb)",
            posteriordb!("nes2000-nes"),
            regressions::nes,
        ),
        entry(
            "low_dim_gauss_mix",
            "two-component Gaussian mixture (posteriordb)",
            posteriordb!("low_dim_gauss_mix-low_dim_gauss_mix"),
            mixture::build,
        ),
        entry(
            "arK",
            "AR(5) time series (posteriordb)",
            posteriordb!("arK-arK"),
            time_series::ar_model,
        ),
        entry(
            "arma11",
            "ARMA(1,1) time series (posteriordb)",
            posteriordb!("arma-arma11"),
            time_series::arma_model,
        ),
        entry(
            "garch11",
            "GARCH(1,1) volatility (posteriordb)",
            posteriordb!("garch-garch11"),
            time_series::garch_model,
        ),
        entry(
            "gp_regr",
            "Gaussian-process regression (posteriordb)",
            posteriordb!("gp_pois_regr-gp_regr"),
            gaussian_process::regression,
        ),
        entry(
            "gp_pois_regr",
            "latent Gaussian process, Poisson likelihood (posteriordb)",
            posteriordb!("gp_pois_regr-gp_pois_regr"),
            gaussian_process::poisson,
        ),
        entry(
            "hmm_example",
            "two-state hidden Markov model, forward algorithm (posteriordb)",
            posteriordb!("hmm_example-hmm_example"),
            hmm::build,
        ),
        entry(
            "logistic_regression",
            "Bayesian logistic regression, 5000 x 20 (task T1)",
            (None, None),
            |_| Ok(Box::new(zoo::logistic::bundled()?)),
        ),
        entry(
            "funnel",
            "Neal's funnel in 10 dimensions",
            (None, None),
            |_| Ok(Box::new(zoo::synthetic::funnel(9))),
        ),
        entry(
            "banana",
            "twisted Gaussian, curvature 0.03",
            (None, None),
            |_| Ok(Box::new(zoo::synthetic::banana(0.03))),
        ),
        entry(
            "bimodal",
            "two unit Gaussians at (-3, 0) and (3, 0), equal weights",
            (None, None),
            |_| Ok(Box::new(zoo::synthetic::bimodal(3.0))),
        ),
        entry(
            "normal_mean",
            "normal mean with known noise (conjugate, exact posterior)",
            (None, None),
            |_| Ok(Box::new(normal_mean::NormalMean::default().model())),
        ),
    ]
}

/// The zoo model called `name`.
///
/// # Errors
/// [`Error::InvalidConfig`] listing the known names.
///
/// # Examples
/// ```
/// # fn main() -> flowppl::Result<()> {
/// assert_eq!(flowppl_models::find("arK")?.name, "arK");
/// let error = flowppl_models::find("eight_school").err().unwrap().to_string();
/// assert!(error.contains("eight_schools_centered")); // it lists the known names
/// # Ok(())
/// # }
/// ```
pub fn find(name: &str) -> Result<ZooEntry> {
    let mut all = zoo();
    match all.iter().position(|e| e.name == name) {
        Some(i) => Ok(all.swap_remove(i)),
        None => Err(Error::InvalidConfig {
            what: format!("model `{name}`"),
            message: format!(
                "not in the zoo; known models: {}",
                zoo().iter().map(|e| e.name).collect::<Vec<_>>().join(", ")
            ),
        }),
    }
}
