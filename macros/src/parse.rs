//! Reading the model function: its arguments and the primitive statements in its body.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, ExprMacro, Ident, ItemFn, LitStr, Token, Type};

/// How a model argument is stored and presented to the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// `&[f64]` or `&[f32]`: stored as a `Vec`, a `(1, n)` value in the body.
    Vector,
    /// `&DataMatrix`: stored as a `DataMatrix`, an `(n, p)` value in the body.
    Matrix,
    /// A number or flag, copied.
    Scalar,
}

/// One argument of the model function.
pub struct Arg {
    pub ident: Ident,
    pub ty: Type,
    pub kind: ArgKind,
}

/// The primitives of the DSL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Primitive {
    Sample,
    Observe,
    Param,
    Deterministic,
    Factor,
    Plate,
}

impl Primitive {
    pub fn from_ident(ident: &Ident) -> Option<Self> {
        Some(match ident.to_string().as_str() {
            "sample" => Primitive::Sample,
            "observe" => Primitive::Observe,
            "param" => Primitive::Param,
            "deterministic" => Primitive::Deterministic,
            "factor" => Primitive::Factor,
            "plate" => Primitive::Plate,
            _ => return None,
        })
    }

    pub fn keyword(&self) -> &'static str {
        match self {
            Primitive::Sample => "sample",
            Primitive::Observe => "observe",
            Primitive::Param => "param",
            Primitive::Deterministic => "deterministic",
            Primitive::Factor => "factor",
            Primitive::Plate => "plate",
        }
    }

    /// The keyword arguments it accepts.
    pub fn keywords(&self) -> &'static [&'static str] {
        match self {
            Primitive::Sample | Primitive::Observe => &["plate"],
            Primitive::Param => &["shape", "init", "constraint"],
            Primitive::Deterministic | Primitive::Factor => &[],
            Primitive::Plate => &["subsample"],
        }
    }

    /// Its positional arguments, for messages.
    pub fn signature(&self) -> &'static str {
        match self {
            Primitive::Sample => "sample!(name, distribution[, plate = p])",
            Primitive::Observe => "observe!(name, distribution, data[, plate = p])",
            Primitive::Param => "param!(name[, shape = (rows, columns)][, init = Init::..][, constraint = Constraint::..])",
            Primitive::Deterministic => "deterministic!(name, value)",
            Primitive::Factor => "factor!(name, log_weight)",
            Primitive::Plate => "plate!(name, size[, subsample = batch])",
        }
    }

    /// Number of positional arguments.
    pub fn arity(&self) -> usize {
        match self {
            Primitive::Sample | Primitive::Deterministic | Primitive::Factor | Primitive::Plate => {
                2
            }
            Primitive::Observe => 3,
            Primitive::Param => 1,
        }
    }
}

/// One primitive statement found in the body.
pub struct Call {
    pub primitive: Primitive,
    /// The `if`/`match` arms enclosing the call, as `(branch node, arm)`: two calls in
    /// different arms of one branch never run together.
    pub branches: Vec<(usize, usize)>,
    pub span: Span,
    pub positional: Vec<Expr>,
    pub keywords: Vec<(Ident, Expr)>,
}

impl Call {
    /// The site name when it is a string literal.
    pub fn literal_name(&self) -> Option<LitStr> {
        match self.positional.first() {
            Some(Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            })) => Some(s.clone()),
            _ => None,
        }
    }

    pub fn keyword(&self, name: &str) -> Option<&Expr> {
        self.keywords
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, e)| e)
    }
}

/// Parses the arguments of a primitive macro: positional expressions, then `key = value`.
pub fn parse_call(primitive: Primitive, mac: &ExprMacro) -> syn::Result<Call> {
    let args = mac
        .mac
        .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)?;
    let mut positional = Vec::new();
    let mut keywords = Vec::new();
    for arg in args {
        match arg {
            Expr::Assign(assign) => {
                let key = match &*assign.left {
                    Expr::Path(p) if p.path.get_ident().is_some() => p.path.get_ident().cloned(),
                    _ => None,
                };
                match key {
                    Some(k) => keywords.push((k, *assign.right)),
                    None => {
                        return Err(syn::Error::new(
                            assign.left.span(),
                            "expected a keyword such as `plate`",
                        ))
                    }
                }
            }
            other => {
                if !keywords.is_empty() {
                    return Err(syn::Error::new(
                        other.span(),
                        "positional arguments must come before keyword arguments",
                    ));
                }
                positional.push(other);
            }
        }
    }
    Ok(Call {
        primitive,
        branches: Vec::new(),
        span: mac.mac.path.span(),
        positional,
        keywords,
    })
}

/// Whether `mac` is one of the DSL's primitives.
pub fn primitive_of(mac: &ExprMacro) -> Option<Primitive> {
    mac.mac.path.get_ident().and_then(Primitive::from_ident)
}

/// The model function, read.
pub struct ModelSpec {
    pub function: ItemFn,
    pub args: Vec<Arg>,
    pub calls: Vec<Call>,
}

fn classify(ty: &Type) -> Option<ArgKind> {
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Slice(s) => match &*s.elem {
                Type::Path(p) if p.path.is_ident("f64") || p.path.is_ident("f32") => {
                    Some(ArgKind::Vector)
                }
                _ => None,
            },
            Type::Path(p)
                if p.path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "DataMatrix") =>
            {
                Some(ArgKind::Matrix)
            }
            _ => None,
        },
        Type::Path(p) => {
            let scalars = ["f64", "f32", "usize", "u64", "u32", "i64", "i32", "bool"];
            scalars
                .iter()
                .any(|s| p.path.is_ident(s))
                .then_some(ArgKind::Scalar)
        }
        _ => None,
    }
}

/// Collects every primitive call of the body, in source order.
struct Collector {
    calls: Vec<Call>,
    error: Option<syn::Error>,
    branches: Vec<(usize, usize)>,
    next_branch: usize,
}

impl Collector {
    fn in_arm(&mut self, node: usize, arm: usize, visit: impl FnOnce(&mut Self)) {
        self.branches.push((node, arm));
        visit(self);
        self.branches.pop();
    }
}

impl VisitMut for Collector {
    fn visit_expr_macro_mut(&mut self, mac: &mut ExprMacro) {
        if let Some(primitive) = primitive_of(mac) {
            match parse_call(primitive, mac) {
                Ok(mut call) => {
                    call.branches = self.branches.clone();
                    // Primitives nest (a `plate!` inside a `sample!`): visit the arguments too.
                    for expr in call
                        .positional
                        .iter()
                        .chain(call.keywords.iter().map(|(_, e)| e))
                    {
                        let mut expr = expr.clone();
                        self.visit_expr_mut(&mut expr);
                    }
                    self.calls.push(call);
                }
                Err(e) => {
                    self.error.get_or_insert(e);
                }
            }
        }
    }

    fn visit_expr_if_mut(&mut self, node: &mut syn::ExprIf) {
        self.visit_expr_mut(&mut node.cond);
        let id = self.next_branch;
        self.next_branch += 1;
        self.in_arm(id, 0, |c| c.visit_block_mut(&mut node.then_branch));
        if let Some((_, otherwise)) = node.else_branch.as_mut() {
            self.in_arm(id, 1, |c| c.visit_expr_mut(otherwise));
        }
    }

    fn visit_expr_match_mut(&mut self, node: &mut syn::ExprMatch) {
        self.visit_expr_mut(&mut node.expr);
        let id = self.next_branch;
        self.next_branch += 1;
        for (arm, branch) in node.arms.iter_mut().enumerate() {
            self.in_arm(id, arm, |c| c.visit_arm_mut(branch));
        }
    }

    fn visit_stmt_mut(&mut self, stmt: &mut syn::Stmt) {
        if let syn::Stmt::Macro(m) = stmt {
            let mut expr = ExprMacro {
                attrs: m.attrs.clone(),
                mac: m.mac.clone(),
            };
            self.visit_expr_macro_mut(&mut expr);
            return;
        }
        syn::visit_mut::visit_stmt_mut(self, stmt);
    }
}

impl ModelSpec {
    /// Reads the function.
    pub fn from_function(function: ItemFn) -> syn::Result<Self> {
        let signature = &function.sig;
        if !signature.generics.params.is_empty() {
            return Err(syn::Error::new(
                signature.generics.span(),
                "model functions cannot be generic",
            ));
        }
        if let syn::ReturnType::Type(_, ty) = &signature.output {
            return Err(syn::Error::new(
                ty.span(),
                "a model function returns nothing; its sites are its result",
            ));
        }
        let mut args = Vec::new();
        for input in &signature.inputs {
            let syn::FnArg::Typed(typed) = input else {
                return Err(syn::Error::new(
                    input.span(),
                    "a model function takes no `self`",
                ));
            };
            let syn::Pat::Ident(pat) = &*typed.pat else {
                return Err(syn::Error::new(
                    typed.pat.span(),
                    "model arguments must be plain names",
                ));
            };
            let kind = classify(&typed.ty).ok_or_else(|| {
                syn::Error::new(
                    typed.ty.span(),
                    "unsupported model argument type; use &[f64], &[f32], &DataMatrix, or a number (f64, f32, usize, i64, ...)",
                )
            })?;
            args.push(Arg {
                ident: pat.ident.clone(),
                ty: (*typed.ty).clone(),
                kind,
            });
        }
        let mut collector = Collector {
            calls: Vec::new(),
            error: None,
            branches: Vec::new(),
            next_branch: 0,
        };
        let mut body = function.block.clone();
        collector.visit_block_mut(&mut body);
        if let Some(error) = collector.error {
            return Err(error);
        }
        Ok(ModelSpec {
            function,
            args,
            calls: collector.calls,
        })
    }
}
