//! `crossborder fmt`: canonical layout for TOML packs and scenario files, keeping every
//! comment and the order of everything.
//!
//! The canonical form: no indentation before keys; `key = value` with one space either side;
//! one space before a trailing `# comment`; at most one blank line anywhere (before a header,
//! between key/values; none right after a header, none at the start); comment lines kept where
//! they are, unindented; single-line arrays as `[a, b]`; arrays that span lines keep their
//! line breaks, with continuation lines indented two spaces per level and a trailing comma;
//! inline tables as `{ a = 1, b = 2 }`; no trailing white space; one newline at the end.
//! Values themselves (strings, numbers, dates) are left as written, and so is the order of
//! everything.

use std::path::PathBuf;

use clap::Args;
use toml_edit::{Array, DocumentMut, Item, KeyMut, Table, Value};

use crate::input;
use crate::report::{Diagnostic, Failure, print_diagnostics};
use crate::{Exit, Outcome};

#[derive(Args, Debug)]
pub(crate) struct FmtArgs {
    /// TOML files to format in place; `-` formats stdin to stdout.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// Change nothing: list the files that are not formatted and exit with 1 if any.
    #[arg(long)]
    check: bool,
}

pub(crate) fn run(args: &FmtArgs) -> Outcome {
    let mut unformatted = 0;
    let mut invalid = Vec::new();
    for path in &args.files {
        let text = input::read(path)?;
        let formatted = match format(&text.text) {
            Ok(f) => f,
            Err(mut d) => {
                d.file = Some(text.name.clone());
                d.source = Some(text.text.clone());
                invalid.push(*d);
                continue;
            }
        };
        if path.as_os_str() == "-" {
            crate::out!("{formatted}");
            continue;
        }
        if formatted == *text.text {
            continue;
        }
        if args.check {
            unformatted += 1;
            let line = first_difference(&text.text, &formatted);
            crate::outln!("not formatted: {}:{line}", text.name);
        } else {
            std::fs::write(path, &formatted).map_err(|e| Failure::write(&text.name, &e))?;
            crate::outln!("formatted: {}", text.name);
        }
    }
    if !invalid.is_empty() {
        print_diagnostics(&invalid, false, Exit::Invalid);
        return Ok(Exit::Invalid);
    }
    Ok(if unformatted > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    })
}

/// The first line (1-based) where `a` and `b` differ.
fn first_difference(a: &str, b: &str) -> usize {
    a.lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .map_or_else(|| a.lines().count().min(b.lines().count()) + 1, |i| i + 1)
}

/// `text` in canonical form; a diagnostic for text that is not TOML.
pub(crate) fn format(text: &str) -> Result<String, Box<Diagnostic>> {
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        let mut d = Box::new(Diagnostic::new(format!(
            "not TOML: {}",
            e.message().trim_end()
        )));
        if let Some(span) = e.span() {
            let before = text.get(..span.start).unwrap_or(text);
            d.line = Some(before.matches('\n').count() + 1);
            d.column = Some(before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1);
        }
        d
    })?;
    table(doc.as_table_mut());
    let trailing = comments(&raw(Some(doc.trailing())), "", false);
    doc.set_trailing(trailing);
    let mut out = doc.to_string();
    let start = out.len() - out.trim_start_matches('\n').len();
    out.drain(..start);
    let end = out.trim_end().len();
    out.truncate(end);
    out.push('\n');
    // Formatting changes layout only: a different document would be a bug here.
    let same = match (text.parse::<toml::Table>(), out.parse::<toml::Table>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        return Err(Box::new(Diagnostic::new(
            "formatting would change the document's meaning; the file is left as it is (please report this)",
        )));
    }
    Ok(out)
}

/// The comment lines of a decor string, each on its own line, indented by `indent`, with at
/// most one blank line kept between them (and before them when `blank_before`). Returns text
/// that ends with a newline when it holds anything.
fn comments(raw: &str, indent: &str, blank_before: bool) -> String {
    let mut out = String::new();
    let mut blank = false;
    let mut any = false;
    // The last piece is what precedes the item on its own line (indentation): dropped.
    let mut lines: Vec<&str> = raw.split('\n').collect();
    lines.pop();
    for l in lines {
        let t = l.trim();
        if t.is_empty() {
            blank = true;
            continue;
        }
        if blank && (any || blank_before) {
            out.push('\n');
        }
        blank = false;
        any = true;
        out.push_str(indent);
        out.push_str(t.trim_end());
        out.push('\n');
    }
    if blank && (any || blank_before) {
        out.push('\n');
    }
    out
}

/// A trailing comment (` # …`) kept from a suffix, or nothing.
fn trailing_comment(raw: Option<&str>) -> String {
    match raw.map(str::trim).filter(|s| s.starts_with('#')) {
        Some(c) => format!(" {c}"),
        None => String::new(),
    }
}

/// Formats a table's key/values and sub-tables.
fn table(t: &mut Table) {
    let header_prefix = raw(t.decor().prefix());
    let header_suffix = trailing_comment(t.decor().suffix().and_then(|s| s.as_str()));
    t.decor_mut().set_prefix(comments(&header_prefix, "", true));
    t.decor_mut().set_suffix(header_suffix);
    let mut first = true;
    for (key, item) in t.iter_mut() {
        entry(key, item, &mut first);
    }
}

/// Formats one entry of a table: a key/value line, a dotted table, or a sub-table.
fn entry(mut key: KeyMut<'_>, item: &mut Item, first: &mut bool) {
    match item {
        Item::Value(v) => {
            key_decor(&mut key, *first);
            value(v, 0);
            *first = false;
        }
        Item::Table(sub) if sub.is_dotted() => {
            key.dotted_decor_mut().set_prefix("");
            key.dotted_decor_mut().set_suffix("");
            let prefix = raw(key.leaf_decor().prefix());
            key.leaf_decor_mut()
                .set_prefix(comments(&prefix, "", !*first));
            for (k, i) in sub.iter_mut() {
                entry(k, i, first);
            }
        }
        Item::Table(sub) => table(sub),
        Item::ArrayOfTables(a) => {
            for t in a.iter_mut() {
                table(t);
            }
        }
        Item::None => {}
    }
}

/// The text of a decor part (empty when absent).
fn raw(part: Option<&toml_edit::RawString>) -> String {
    part.and_then(toml_edit::RawString::as_str)
        .unwrap_or("")
        .to_owned()
}

fn key_decor(key: &mut KeyMut<'_>, first: bool) {
    let prefix = raw(key.leaf_decor().prefix());
    key.leaf_decor_mut()
        .set_prefix(comments(&prefix, "", !first));
    key.leaf_decor_mut().set_suffix(" ");
}

/// Formats a value on a line indented `depth` levels (for multi-line arrays).
fn value(v: &mut Value, depth: usize) {
    let suffix = trailing_comment(v.decor().suffix().and_then(|s| s.as_str()));
    v.decor_mut().set_prefix(" ");
    v.decor_mut().set_suffix(suffix);
    match v {
        Value::Array(a) => array(a, depth),
        Value::InlineTable(t) => {
            let has_comment = t.iter().any(|(k, _)| {
                t.key(k)
                    .and_then(|k| k.leaf_decor().prefix())
                    .and_then(|p| p.as_str())
                    .is_some_and(|p| p.contains('#'))
            });
            if !has_comment {
                t.fmt();
            }
            for (_, v) in t.iter_mut() {
                inline_value(v, depth);
            }
        }
        _ => {}
    }
}

/// A value inside an inline table or array: its own decor is set by the container.
fn inline_value(v: &mut Value, depth: usize) {
    match v {
        Value::Array(a) => array(a, depth),
        Value::InlineTable(t) => {
            t.fmt();
            for (_, v) in t.iter_mut() {
                inline_value(v, depth);
            }
        }
        _ => {}
    }
}

/// `[a, b]` on one line, or, when it already spans lines, its line breaks kept with
/// continuation lines indented and a trailing comma.
fn array(a: &mut Array, depth: usize) {
    let multi_line = a.iter().any(|v| {
        v.decor()
            .prefix()
            .and_then(|p| p.as_str())
            .is_some_and(|p| p.contains('\n'))
    }) || a.trailing().as_str().is_some_and(|t| t.contains('\n'));
    let indent = "  ".repeat(depth + 1);
    let close_indent = "  ".repeat(depth);
    let n = a.len();
    for (i, v) in a.iter_mut().enumerate() {
        let prefix = raw(v.decor().prefix());
        let new_prefix = if multi_line && (prefix.contains('\n') || i == 0) {
            format!("\n{}{indent}", comments(&prefix, &indent, false))
        } else if i == 0 {
            String::new()
        } else {
            " ".to_owned()
        };
        v.decor_mut().set_prefix(new_prefix);
        v.decor_mut().set_suffix("");
        inline_value(v, depth + 1);
    }
    if multi_line && n > 0 {
        let trailing = raw(Some(a.trailing()));
        a.set_trailing_comma(true);
        a.set_trailing(format!(
            "\n{}{close_indent}",
            comments(&trailing, &indent, false)
        ));
    } else {
        a.set_trailing_comma(false);
        a.set_trailing("");
    }
    a.decor_mut().set_prefix(" ");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_canonical_and_comments_stay() {
        let messy = "# head\n\n\nid   =  \"x\"   # why\n  title = 'T'\n\n\n[a]\n\nb = [ 1,2 ,3 ]\nc={x=1,y=[2]}\n# about d\n[[d]]\ne = [\n  \"A\", \"B\",\n   # more\n  \"C\"\n]\n\n\n";
        let want = "# head\n\nid = \"x\" # why\ntitle = 'T'\n\n[a]\nb = [1, 2, 3]\nc = { x = 1, y = [2] }\n# about d\n[[d]]\ne = [\n  \"A\", \"B\",\n  # more\n  \"C\",\n]\n";
        let got = format(messy).unwrap();
        assert_eq!(got, want);
        assert_eq!(format(&got).unwrap(), got, "idempotent");
    }

    #[test]
    fn not_toml_is_located() {
        let d = format("a = 1\nb = \n").unwrap_err();
        assert_eq!(d.line, Some(2));
        assert!(d.message.starts_with("not TOML"), "{}", d.message);
    }

    #[test]
    fn first_difference_names_a_line() {
        assert_eq!(first_difference("a\nb\n", "a\nc\n"), 2);
        assert_eq!(first_difference("a\n", "a\nb\n"), 2);
    }
}
