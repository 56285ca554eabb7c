//! Rare-event probabilities by importance sampling with a flow fitted to the failure region,
//! against the exact `Phi(-beta)` of the linear limit state and crude Monte Carlo.

use flowppl::backend::Cpu;
use flowppl::flows::{
    build_flow, crude_monte_carlo, crude_samples_needed, flow_importance_sampling, Base, FlowKind,
    RareEventOptions,
};
use flowppl::params::ParamStore;
use flowppl_models::reliability::LimitState;

fn proposal(dimension: usize) -> flowppl::flows::Flow<f32, Cpu> {
    build_flow::<f32, Cpu>("q", FlowKind::Nsf, dimension, 4, &[32, 32], 0)
        .unwrap()
        .with_base(Base::StandardLaplace)
}

#[test]
fn the_flow_sampler_finds_a_one_in_a_million_failure_with_far_fewer_evaluations() {
    let state = LimitState::parse("linear").unwrap();
    let exact = state.exact_probability().unwrap();
    let flow = proposal(state.dimension());
    let mut store = ParamStore::new(&Cpu::default());
    let estimate = flow_importance_sampling(
        &flow,
        &mut store,
        |x| state.evaluate(x),
        &RareEventOptions::default(),
    )
    .unwrap();
    println!("{estimate:?}");
    assert!(estimate.relative_error() <= 0.1, "{estimate:?}");
    assert!(
        (estimate.probability - exact).abs() <= 2.0 * estimate.standard_error,
        "p = {} +- {} vs exact {exact}",
        estimate.probability,
        estimate.standard_error
    );
    let crude = crude_samples_needed(exact, 0.1);
    assert!(
        (estimate.evaluations as f64) * 100.0 <= crude,
        "{} evaluations against crude Monte Carlo's {crude}",
        estimate.evaluations
    );
    assert_eq!(estimate.levels.last(), Some(&0.0));
}

#[test]
fn crude_monte_carlo_matches_a_moderate_probability() {
    // beta = 2: p = Phi(-2) = 0.02275; 200 000 draws give a standard error of 3.3e-4.
    let state = LimitState::parse("linear:2:3").unwrap();
    let exact = state.exact_probability().unwrap();
    let crude = crude_monte_carlo(|x| state.evaluate(x), 3, 200_000, 1);
    assert!(
        (crude.probability - exact).abs() < 4.0 * crude.standard_error,
        "{crude:?} vs {exact}"
    );
}

#[test]
fn the_four_branch_system_is_covered() {
    let state = LimitState::parse("four-branch").unwrap();
    let flow = proposal(2);
    let mut store = ParamStore::new(&Cpu::default());
    let estimate = flow_importance_sampling(
        &flow,
        &mut store,
        |x| state.evaluate(x),
        &RareEventOptions::default(),
    )
    .unwrap();
    let reference = state.reference_probability().unwrap();
    // The literature value is itself a Monte Carlo figure (about 1 % relative error).
    let tolerance = 3.0 * (estimate.standard_error.powi(2) + (0.01 * reference).powi(2)).sqrt();
    assert!(
        (estimate.probability - reference).abs() < tolerance,
        "{estimate:?} vs {reference}"
    );
}

#[test]
fn bad_options_are_refused() {
    let flow = proposal(2);
    let mut store = ParamStore::new(&Cpu::default());
    let options = RareEventOptions {
        elite_fraction: 1.5,
        ..RareEventOptions::default()
    };
    let Err(error) = flow_importance_sampling(&flow, &mut store, |x| x[0], &options) else {
        panic!("an elite fraction of 1.5 must be refused");
    };
    assert!(error.to_string().contains("elite"), "{error}");
}
