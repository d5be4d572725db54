//! Pack document → validated [`Ast`]: every problem collected, each with its path inside the
//! pack (the loader adds line and column).
//!
//! - [`context`]: what has been declared so far, and the checks every part shares;
//! - [`declarations`]: the header and everything a pack declares before its rules;
//! - [`conditions`]: `applies_when` of rules and counters;
//! - [`rules`]: rules, their alternatives, bases and obligations.
//!
//! Reads only the document ([`super::doc`]) and the model; writes only the AST.

mod conditions;
mod context;
mod declarations;
mod rules;

use super::ast::Ast;
use super::doc::PackDoc;
use super::limits::{self, Limits};
use crate::error::PackProblemKind;
use context::Validator;

/// The newest pack format this library reads and writes. Format 1 packs still load; the
/// fields format 2 adds (`any_of`, `not`, per-alternative `in_force` and options, calendars,
/// approval clocks, obligation deadlines, option readings, organisation issuers) need
/// `format = 2`.
pub const FORMAT_VERSION: u32 = 2;

/// The oldest pack format this library reads.
pub const MIN_FORMAT_VERSION: u32 = 1;

/// A problem before the loader gives it a line and column.
pub(crate) struct Found {
    pub kind: PackProblemKind,
    pub path: String,
    pub message: String,
    pub rule: Option<String>,
}

/// Validates a parsed document. Returns the AST, or every problem found.
pub(crate) fn validate(doc: &PackDoc, limits: &Limits) -> Result<Ast, Vec<Found>> {
    let over = limits::check(doc, limits);
    if !over.is_empty() {
        return Err(over);
    }
    let mut v = Validator::new(doc, limits.bases());
    if !(MIN_FORMAT_VERSION..=FORMAT_VERSION).contains(&doc.format) {
        v.problem(
            PackProblemKind::UnsupportedFormat,
            "format",
            format!(
                "pack format {} is not supported: this library reads formats {MIN_FORMAT_VERSION} to {FORMAT_VERSION}",
                doc.format
            ),
        );
        return Err(v.found);
    }
    // In dependency order: what a later step may name is declared by an earlier one.
    let effective = v.header();
    let options = v.options();
    v.calendars();
    let subdivisions = v.subdivisions();
    let taxonomy = v.taxonomy();
    let groups = v.groups();
    v.category_groups();
    let tags = v.tag_declarations();
    let purposes = v.purpose_declarations();
    let counters = v.counters();
    let rules = v.rules(&doc.rules);
    if !v.found.is_empty() {
        return Err(v.found);
    }
    Ok(Ast {
        format: doc.format,
        id: doc.id.clone(),
        version: doc.version.clone(),
        effective,
        options,
        groups,
        taxonomy,
        subdivisions,
        tags,
        purposes,
        counters,
        rules,
    })
}
