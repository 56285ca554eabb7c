//! Property tests: for random valid parameters, `log_prob` is finite inside the support and
//! `-inf` outside it; invalid parameters are errors, never panics.

use flowppl::prelude::*;
use flowppl::testing::{test_device, TestDevice};
use proptest::prelude::*;

type V = Var<f64, TestDevice>;

fn lp(d: &dyn Distribution<f64, TestDevice>, x: f64) -> f64 {
    d.log_prob(&V::scalar(&test_device(), x))
        .unwrap()
        .item()
        .unwrap()
}

fn finite_inside(
    d: &dyn Distribution<f64, TestDevice>,
    x: f64,
) -> std::result::Result<(), TestCaseError> {
    let v = lp(d, x);
    prop_assert!(v.is_finite(), "{} log_prob({x}) = {v}", d.name());
    Ok(())
}

fn minus_inf_outside(
    d: &dyn Distribution<f64, TestDevice>,
    x: f64,
) -> std::result::Result<(), TestCaseError> {
    let v = lp(d, x);
    prop_assert!(
        v == f64::NEG_INFINITY,
        "{} log_prob({x}) = {v}, expected -inf",
        d.name()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn real_supported(loc in -50.0..50.0f64, scale in 0.01..50.0f64, df in 0.1..100.0f64, x in -1e3..1e3f64) {
        finite_inside(&Normal::new(loc, scale).unwrap(), x.clamp(loc - 30.0 * scale, loc + 30.0 * scale))?;
        finite_inside(&Cauchy::new(loc, scale).unwrap(), x)?;
        finite_inside(&StudentT::new(df, loc, scale).unwrap(), x)?;
        finite_inside(&Laplace::new(loc, scale).unwrap(), x)?;
        finite_inside(&Logistic::new(loc, scale).unwrap(), x)?;
    }

    #[test]
    fn positive_supported(a in 0.05..50.0f64, b in 0.05..50.0f64, x in 1e-3..1e3f64, outside in -1e3..0.0f64) {
        let table: Vec<Box<dyn Distribution<f64, TestDevice>>> = vec![
            Box::new(LogNormal::new(a.ln(), b.min(5.0)).unwrap()),
            Box::new(HalfNormal::new(b).unwrap()),
            Box::new(HalfCauchy::new(b).unwrap()),
            Box::new(Exponential::new(a).unwrap()),
            Box::new(Gamma::new(a, b).unwrap()),
            Box::new(InverseGamma::new(a, b).unwrap()),
        ];
        for d in &table {
            finite_inside(d.as_ref(), x)?;
            minus_inf_outside(d.as_ref(), outside)?;
        }
    }

    #[test]
    fn bounded_supported(a in 0.05..50.0f64, b in 0.05..50.0f64, u in 0.001..0.999f64, outside in 1.001..100.0f64) {
        let beta = Beta::new(a, b).unwrap();
        finite_inside(&beta, u)?;
        minus_inf_outside(&beta, outside)?;
        minus_inf_outside(&beta, -outside)?;
        let uniform = Uniform::new(-a, b).unwrap();
        finite_inside(&uniform, -a + (a + b) * u)?;
        minus_inf_outside(&uniform, b + outside)?;
    }

    #[test]
    fn discrete_supported(logit in -20.0..20.0f64, n in 0u32..50, k in 0u32..50, frac in 0.01..0.99f64) {
        let binomial = Binomial::new(n as f64, logit).unwrap();
        if k <= n {
            finite_inside(&binomial, k as f64)?;
        } else {
            minus_inf_outside(&binomial, k as f64)?;
        }
        minus_inf_outside(&binomial, k as f64 + frac)?;
        let poisson = Poisson::new(logit.clamp(-10.0, 10.0)).unwrap();
        finite_inside(&poisson, k as f64)?;
        minus_inf_outside(&poisson, -(k as f64) - 1.0)?;
        let bernoulli = Bernoulli::new(logit).unwrap();
        finite_inside(&bernoulli, (k % 2) as f64)?;
        minus_inf_outside(&bernoulli, frac)?;
    }

    #[test]
    fn invalid_parameters_never_panic(scale in -10.0..0.0f64, nan_loc in prop::bool::ANY) {
        let loc = if nan_loc { f64::NAN } else { 0.0 };
        prop_assert!(Normal::<f64, TestDevice>::new(loc, scale).is_err());
        prop_assert!(Gamma::<f64, TestDevice>::new(scale, 1.0).is_err());
        prop_assert!(Beta::<f64, TestDevice>::new(1.0, scale).is_err());
        prop_assert!(StudentT::<f64, TestDevice>::new(scale, loc, 1.0).is_err());
        prop_assert!(Poisson::<f64, TestDevice>::from_rate(scale).is_err());
    }
}
