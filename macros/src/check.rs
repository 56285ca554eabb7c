//! The mistakes the macro can see, reported at the user's span.

use crate::parse::{ModelSpec, Primitive};
use std::collections::HashMap;

/// Where a site name was used: its span and the branch arms around it.
type Occurrence<'a> = (proc_macro2::Span, &'a [(usize, usize)]);

/// Whether two calls sit in different arms of one `if` or `match`, so they never both run.
fn exclusive(a: &[(usize, usize)], b: &[(usize, usize)]) -> bool {
    a.iter().any(|(node, arm)| {
        b.iter()
            .any(|(other, other_arm)| node == other && arm != other_arm)
    })
}

/// Checks arities, keywords and duplicate site names. All errors are collected and reported
/// together.
pub fn check(spec: &ModelSpec) -> syn::Result<()> {
    let mut errors: Vec<syn::Error> = Vec::new();
    // Every earlier call per name, with its span and branch position.
    let mut seen: HashMap<String, Vec<Occurrence>> = HashMap::new();
    let mut plates: HashMap<String, Vec<Occurrence>> = HashMap::new();
    for call in &spec.calls {
        let primitive = call.primitive;
        let given = call.positional.len();
        if primitive == Primitive::Observe && given == 2 {
            errors.push(syn::Error::new(
                call.span,
                "observe! without data: an observed site needs its data, `observe!(name, distribution, data)`; \
                 for a latent variable use `sample!`",
            ));
        } else if primitive == Primitive::Sample && given == 3 {
            errors.push(syn::Error::new(
                call.span,
                "sample! takes (name, distribution[, plate = p]); to observe data use `observe!(name, distribution, data)`",
            ));
        } else if given != primitive.arity() {
            errors.push(syn::Error::new(
                call.span,
                format!(
                    "{}! takes {} positional argument(s): {}",
                    primitive.keyword(),
                    primitive.arity(),
                    primitive.signature()
                ),
            ));
        }
        for (key, _) in &call.keywords {
            if !primitive.keywords().contains(&key.to_string().as_str()) {
                let allowed = if primitive.keywords().is_empty() {
                    "it takes no keywords".to_string()
                } else {
                    format!("expected one of: {}", primitive.keywords().join(", "))
                };
                errors.push(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown keyword `{key}` for {}!; {allowed}",
                        primitive.keyword()
                    ),
                ));
            }
        }
        if let Some(name) = call.literal_name() {
            let registry = if primitive == Primitive::Plate {
                &mut plates
            } else {
                &mut seen
            };
            let earlier = registry.entry(name.value()).or_default();
            if let Some((first, _)) = earlier
                .iter()
                .find(|(_, branches)| !exclusive(branches, &call.branches))
            {
                let mut error = syn::Error::new(
                    name.span(),
                    format!("duplicate site name \"{}\"", name.value()),
                );
                error.combine(syn::Error::new(*first, "first used here"));
                errors.push(error);
            }
            earlier.push((name.span(), &call.branches));
        }
    }
    let mut iter = errors.into_iter();
    match iter.next() {
        None => Ok(()),
        Some(mut first) => {
            for e in iter {
                first.combine(e);
            }
            Err(first)
        }
    }
}
