//! Probability distributions, one per file.
//!
//! Every distribution implements [`Distribution`]: batched `log_prob` differentiable in the
//! value and the parameters, `sample`, reparameterised `rsample` where one exists, `mean`,
//! `variance` and `support`. Scalar-event parameters are [`Param`]s: plain numbers or values
//! that broadcast. Constructors validate their parameters and return `Result`;
//! `log_prob_unchecked` is the unchecked hot path.
//!
//! | distribution | parameters | support | `rsample` |
//! |---|---|---|---|
//! | [`Normal`] | loc, scale | real | yes |
//! | [`LogNormal`] | loc, scale | positive | yes |
//! | [`HalfNormal`] | scale | positive | yes |
//! | [`Cauchy`] | loc, scale | real | yes |
//! | [`HalfCauchy`] | scale | positive | yes |
//! | [`StudentT`] | df, loc, scale | real | yes (implicit in df) |
//! | [`Laplace`] | loc, scale | real | yes |
//! | [`Logistic`] | loc, scale | real | yes |
//! | [`Exponential`] | rate | positive | yes |
//! | [`Gamma`] | concentration, rate | positive | yes (implicit) |
//! | [`InverseGamma`] | concentration, scale | positive | yes (implicit) |
//! | [`Beta`] | alpha, beta | unit interval | yes (implicit) |
//! | [`Uniform`] | low, high | interval | yes |
//! | [`Bernoulli`] | logits | {0, 1} | no |
//! | [`Binomial`] | total_count, logits | {0..n} | no |
//! | [`Poisson`] | log_rate | {0, 1, ...} | no |
//! | [`Categorical`] | logits (rows, K) | {0..K-1} | no |
//! | [`Dirichlet`] | concentration (rows, K) | simplex | yes (implicit) |
//! | [`MultivariateNormal`] | loc, scale_tril | real vectors | yes |
//!
//! [`ImproperUniform`] is the flat density on a support (Stan parameters without a prior).
//!
//! "Implicit" samplers use implicit reparameterisation gradients (Figurnov et al. 2018).

pub mod distribution;
mod gamma_sampler;
mod param;

mod bernoulli;
mod bernoulli_row_sums;
mod beta;
mod binomial;
mod categorical;
mod cauchy;
mod dirichlet;
mod exponential;
mod gamma;
mod half_cauchy;
mod half_normal;
mod improper_uniform;
mod independent;
mod inverse_gamma;
mod laplace;
mod log_normal;
mod logistic;
mod multivariate_normal;
mod normal;
mod poisson;
mod row_sums_term;
mod student_t;
mod uniform;

pub use bernoulli::Bernoulli;
pub use beta::Beta;
pub use binomial::Binomial;
pub use categorical::Categorical;
pub use cauchy::Cauchy;
pub use dirichlet::Dirichlet;
pub(crate) use distribution::row_sums;
pub use distribution::Distribution;
pub use exponential::Exponential;
pub use gamma::Gamma;
pub use half_cauchy::HalfCauchy;
pub use half_normal::HalfNormal;
pub use improper_uniform::ImproperUniform;
pub use independent::{Independent, ToEvent};
pub use inverse_gamma::InverseGamma;
pub use laplace::Laplace;
pub use log_normal::LogNormal;
pub use logistic::Logistic;
pub use multivariate_normal::MultivariateNormal;
pub use normal::Normal;
pub use param::Param;
pub use poisson::Poisson;
pub use row_sums_term::RowSumsTerm;
pub use student_t::StudentT;
pub use uniform::Uniform;
