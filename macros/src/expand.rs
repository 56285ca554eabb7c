//! Writing the model type: a struct holding the data, a constructor function, and the `Model`
//! implementation whose `run` is the rewritten body.

use crate::parse::{parse_call, primitive_of, ArgKind, Call, ModelSpec, Primitive};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::visit_mut::VisitMut;
use syn::{BinOp, Expr, ExprMacro};

/// `eight_schools` -> `EightSchools`.
fn camel_case(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// Rewrites the body: primitives become calls on the context, and arithmetic borrows its
/// operands so values are never moved (`mu + tau * z` leaves all three usable).
struct Rewriter;

impl Rewriter {
    fn primitive(&mut self, call: Call) -> Expr {
        let span = call.span;
        let mut positional = call.positional.clone();
        for expr in positional.iter_mut() {
            self.visit_expr_mut(expr);
        }
        let keyword = |name: &str| {
            call.keyword(name).cloned().map(|mut e| {
                self_rewrite(&mut e);
                e
            })
        };
        let plate = match keyword("plate") {
            Some(p) => quote!(::core::option::Option::Some(&(#p))),
            None => quote!(::core::option::Option::None),
        };
        let name = &positional[0];
        let tokens = match call.primitive {
            Primitive::Sample => {
                let dist = borrow_call_arguments(positional[1].clone());
                quote_spanned! {span=>
                    __ctx.sample(&(#name), ::flowppl::ppl::dsl::distribution_at(&(#name), #dist)?, #plate)?
                }
            }
            Primitive::Observe => {
                let dist = borrow_call_arguments(positional[1].clone());
                let data = &positional[2];
                quote_spanned! {span=>
                    __ctx.observe(&(#name), ::flowppl::ppl::dsl::distribution_at(&(#name), #dist)?, &(#data), #plate)?
                }
            }
            Primitive::Deterministic => {
                let value = &positional[1];
                quote_spanned! {span=>
                    __ctx.deterministic(&(#name), ::core::clone::Clone::clone(&(#value)))?
                }
            }
            Primitive::Factor => {
                let value = &positional[1];
                quote_spanned! {span=>
                    __ctx.factor(&(#name), ::core::clone::Clone::clone(&(#value)))?
                }
            }
            Primitive::Plate => {
                let size = &positional[1];
                let subsample = match keyword("subsample") {
                    Some(b) => quote!(::core::option::Option::Some(#b)),
                    None => quote!(::core::option::Option::None),
                };
                quote_spanned! {span=> __ctx.plate(&(#name), #size, #subsample)? }
            }
            Primitive::Param => {
                let (rows, columns) = match keyword("shape") {
                    Some(shape) => (quote!((#shape).0), quote!((#shape).1)),
                    None => (quote!(1usize), quote!(1usize)),
                };
                let init = keyword("init")
                    .map(|e| quote!(#e))
                    .unwrap_or(quote!(::flowppl::params::Init::Zeros));
                let constraint = keyword("constraint")
                    .map(|e| quote!(#e))
                    .unwrap_or(quote!(::flowppl::constraints::Constraint::Real));
                quote_spanned! {span=> __ctx.param(&(#name), #rows, #columns, &(#init), #constraint)? }
            }
        };
        syn::parse2(tokens).expect("generated primitive code parses")
    }
}

fn self_rewrite(expr: &mut Expr) {
    Rewriter.visit_expr_mut(expr);
}

/// Whether `expr` is a plain local variable (`mu`, not `Constraint::Real` or `2.0`).
fn is_variable(expr: &Expr) -> bool {
    match expr {
        Expr::Path(p) => {
            p.qself.is_none()
                && p.path.get_ident().is_some_and(|i| {
                    i.to_string()
                        .starts_with(|c: char| c.is_lowercase() || c == '_')
                })
        }
        _ => false,
    }
}

/// `Normal::new(mu, 1.0)` -> `Normal::new(&(mu), 1.0)`: variables passed as distribution
/// parameters are borrowed, so they stay usable after the statement.
fn borrow_call_arguments(expr: Expr) -> Expr {
    match expr {
        Expr::Call(mut call) => {
            for arg in call.args.iter_mut() {
                if is_variable(arg) {
                    let inner = arg.clone();
                    *arg = syn::parse_quote!(&(#inner));
                }
            }
            Expr::Call(call)
        }
        Expr::Path(path) => syn::parse_quote!(&(#path)),
        other => other,
    }
}

impl VisitMut for Rewriter {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Macro(mac) = expr {
            if let Some(primitive) = primitive_of(mac) {
                if let Ok(call) = parse_call(primitive, mac) {
                    *expr = self.primitive(call);
                }
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, expr);
        match expr {
            Expr::Binary(binary)
                if matches!(
                    binary.op,
                    BinOp::Add(_) | BinOp::Sub(_) | BinOp::Mul(_) | BinOp::Div(_)
                ) =>
            {
                let (left, right, op) = (&binary.left, &binary.right, &binary.op);
                *expr = syn::parse_quote!((&(#left) #op &(#right)));
            }
            Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Neg(_)) => {
                let inner = &unary.expr;
                *expr = syn::parse_quote!((-&(#inner)));
            }
            _ => {}
        }
    }

    fn visit_stmt_mut(&mut self, stmt: &mut syn::Stmt) {
        if let syn::Stmt::Macro(m) = stmt {
            let mut expr = Expr::Macro(ExprMacro {
                attrs: m.attrs.clone(),
                mac: m.mac.clone(),
            });
            if matches!(&expr, Expr::Macro(mac) if primitive_of(mac).is_some()) {
                self.visit_expr_mut(&mut expr);
                *stmt = syn::Stmt::Expr(expr, Some(Default::default()));
                return;
            }
        }
        syn::visit_mut::visit_stmt_mut(self, stmt);
    }
}

/// The generated code.
pub fn expand(spec: ModelSpec) -> TokenStream {
    let function = &spec.function;
    let vis = &function.vis;
    let name = &function.sig.ident;
    let name_string = name.to_string();
    let type_name = format_ident!("{}", camel_case(&name_string), span = name.span());
    let docs: Vec<_> = function
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .collect();
    let inputs = &function.sig.inputs;

    let fields = spec.args.iter().map(|arg| {
        let ident = &arg.ident;
        let ty = match arg.kind {
            ArgKind::Vector => {
                let syn::Type::Reference(r) = &arg.ty else {
                    unreachable!("classified as a slice")
                };
                let syn::Type::Slice(s) = &*r.elem else {
                    unreachable!("classified as a slice")
                };
                let element = &s.elem;
                quote!(::std::vec::Vec<#element>)
            }
            ArgKind::Matrix => quote!(::flowppl::ppl::dsl::DataMatrix),
            ArgKind::Scalar => {
                let ty = &arg.ty;
                quote!(#ty)
            }
        };
        let doc = format!("The model's data argument `{ident}`.");
        quote!(#[doc = #doc] pub #ident: #ty)
    });
    let initialisers = spec.args.iter().map(|arg| {
        let ident = &arg.ident;
        match arg.kind {
            ArgKind::Vector => quote!(#ident: #ident.to_vec()),
            ArgKind::Matrix => quote!(#ident: ::core::clone::Clone::clone(#ident)),
            ArgKind::Scalar => quote!(#ident),
        }
    });
    let bindings = spec.args.iter().map(|arg| {
        let ident = &arg.ident;
        match arg.kind {
            ArgKind::Vector => {
                quote!(let #ident = ::flowppl::ppl::dsl::cached_vector(__ctx, &self.#ident)?;)
            }
            ArgKind::Matrix => {
                quote!(let #ident = ::flowppl::ppl::dsl::cached_matrix(__ctx, &self.#ident)?;)
            }
            ArgKind::Scalar => quote!(let #ident = self.#ident;),
        }
    });
    let declarations = spec
        .calls
        .iter()
        .filter(|c| c.primitive != Primitive::Plate)
        .filter_map(|call| {
            let site = call.literal_name()?;
            let kind = match call.primitive {
                Primitive::Sample => quote!(Latent),
                Primitive::Observe => quote!(Observed),
                Primitive::Param => quote!(Param),
                Primitive::Deterministic => quote!(Deterministic),
                Primitive::Factor => quote!(Factor),
                Primitive::Plate => return None,
            };
            Some(quote!(::flowppl::ppl::dsl::SiteDeclaration {
                name: #site,
                kind: ::flowppl::ppl::dsl::DeclaredKind::#kind,
            }))
        });

    let mut body = (*function.block).clone();
    Rewriter.visit_block_mut(&mut body);
    let statements = &body.stmts;

    quote! {
        #(#docs)*
        #[derive(Debug, Clone, PartialEq)]
        #vis struct #type_name {
            #(#fields,)*
        }

        #(#docs)*
        #[allow(clippy::ptr_arg)]
        #vis fn #name(#inputs) -> #type_name {
            #type_name { #(#initialisers,)* }
        }

        impl #type_name {
            /// The sites written in the model's source, in order.
            pub const SITES: &'static [::flowppl::ppl::dsl::SiteDeclaration] = &[#(#declarations),*];
        }

        impl<__E: ::flowppl::backend::Real, __D: ::flowppl::backend::Backend<__E>> ::flowppl::ppl::Model<__E, __D> for #type_name {
            fn name(&self) -> &str {
                #name_string
            }

            fn declared_sites(&self) -> &'static [::flowppl::ppl::dsl::SiteDeclaration] {
                Self::SITES
            }

            #[allow(unused_variables, unused_parens, clippy::all)]
            fn run(&self, __ctx: &mut ::flowppl::ppl::Ctx<'_, __E, __D>) -> ::flowppl::Result<()> {
                #(#bindings)*
                #(#statements)*
                ::core::result::Result::Ok(())
            }
        }
    }
}
