//! # flowppl-macros
//!
//! The model DSL of flowppl. Use it through the re-export `flowppl::model!`.
//!
//! ```text
//! model! {
//!     /// Non-centred eight schools.
//!     pub fn eight_schools(y: &[f64], sigma: &[f64]) {
//!         let mu = sample!("mu", Normal::new(0.0, 5.0));
//!         let tau = sample!("tau", HalfCauchy::new(5.0));
//!         let schools = plate!("school", y.len());
//!         let z = sample!("z", Normal::new(0.0, 1.0), plate = schools);
//!         let theta = mu + tau * z;
//!         observe!("y", Normal::new(theta, sigma), y, plate = schools);
//!     }
//! }
//! ```
//!
//! The macro is split like serde's derive: [`parse`] reads the function and its statements,
//! [`check`] finds the mistakes it can see (duplicate site names, `observe!` without data,
//! unknown keywords, unsupported argument types) and reports them at the user's span, and
//! [`expand`] writes the model type.

mod check;
mod expand;
mod parse;

use proc_macro::TokenStream;

/// Declares a model. See the crate documentation and the flowppl guide.
#[proc_macro]
pub fn model(input: TokenStream) -> TokenStream {
    let function = syn::parse_macro_input!(input as syn::ItemFn);
    match parse::ModelSpec::from_function(function).and_then(|spec| {
        check::check(&spec)?;
        Ok(expand::expand(spec))
    }) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}
