//! Compile-time errors of `model!`, one misuse per file in `tests/ui/`, checked against their
//! expected messages (trybuild). Snapshots depend on the pinned stable toolchain; regenerate
//! with `TRYBUILD=overwrite cargo test --test dsl_ui` after a toolchain change.

#[test]
fn model_macro_misuses_are_compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
