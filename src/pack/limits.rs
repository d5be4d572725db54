//! Limits on what a pack may contain, so an untrusted pack cannot exhaust memory or time, and
//! the size check that runs before validation.

use super::doc::PackDoc;
use super::validate::Found;
use crate::error::PackProblemKind;

/// Limits a [`PackLoader`](crate::PackLoader) enforces while loading a pack. A pack that
/// exceeds one is refused with a [`PackProblemKind::Limit`](crate::PackProblemKind::Limit)
/// problem naming the limit and where it was exceeded — never a panic, a stack overflow or an
/// out-of-memory.
///
/// Nesting needs no limit of its own: the format's structure is fixed, and both parsers refuse
/// documents nested deeper than their recursion limits (128 levels for JSON) with an error.
///
/// # Example
///
/// ```
/// use crossborder::pack::Limits;
/// use crossborder::{PackLoader, PackProblemKind};
///
/// let strict = Limits::default().max_rules(1);
/// let text = r#"
/// format = 1
/// id = "two-rules"
/// title = "T"
/// kind = "law"
/// issuer = "CN"
/// version = "1"
/// [[rules]]
/// id = "a"
/// summary = "s"
/// cite = "c"
/// prohibit = true
/// [[rules]]
/// id = "b"
/// summary = "s"
/// cite = "c"
/// prohibit = true
/// "#;
/// let err = PackLoader::new().limits(strict).load_toml(text).unwrap_err();
/// assert_eq!(err.problems()[0].kind(), PackProblemKind::Limit);
/// assert_eq!(err.problems()[0].message(), "the pack has 2 rules, more than the limit of 1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    max_bytes: usize,
    max_rules: usize,
    max_alternatives: usize,
    max_bases: usize,
    max_string_len: usize,
    max_list_len: usize,
    max_groups: usize,
    max_counters: usize,
}

/// The most bases one alternative can hold, whatever the limits say: the engine records which
/// bases failed in a 32-bit mask.
pub(crate) const HARD_MAX_BASES: usize = 32;

/// The most alternatives one rule can hold, whatever the limits say: the engine records which
/// alternative satisfied a rule in 16 bits.
pub(crate) const HARD_MAX_ALTERNATIVES: usize = u16::MAX as usize;

impl Default for Limits {
    /// 8 MiB of text, 10,000 rules, 16 alternatives per rule, 16 bases per alternative,
    /// strings of 4,096 bytes, lists of 1,024 items, 256 groups, 64 counters.
    fn default() -> Self {
        Limits {
            max_bytes: 8 << 20,
            max_rules: 10_000,
            max_alternatives: 16,
            max_bases: 16,
            max_string_len: 4096,
            max_list_len: 1024,
            max_groups: 256,
            max_counters: 64,
        }
    }
}

macro_rules! setters {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        #[must_use]
        pub fn $name(mut self, value: usize) -> Self {
            self.$name = value;
            self
        }
    )*};
}

impl Limits {
    setters!(
        /// The most bytes of pack text.
        max_bytes,
        /// The most rules.
        max_rules,
        /// The most alternatives in one `require` (never more than 65,535).
        max_alternatives,
        /// The most bases in one alternative (never more than 32).
        max_bases,
        /// The longest string, in bytes.
        max_string_len,
        /// The longest list (the rules excepted: see `max_rules`).
        max_list_len,
        /// The most jurisdiction groups plus category groups.
        max_groups,
        /// The most counters.
        max_counters,
    );

    pub(crate) fn bytes(&self) -> usize {
        self.max_bytes
    }
    pub(crate) fn rules(&self) -> usize {
        self.max_rules
    }
    pub(crate) fn alternatives(&self) -> usize {
        self.max_alternatives.min(HARD_MAX_ALTERNATIVES)
    }
    pub(crate) fn bases(&self) -> usize {
        self.max_bases.min(HARD_MAX_BASES)
    }
    pub(crate) fn string_len(&self) -> usize {
        self.max_string_len
    }
    pub(crate) fn list_len(&self) -> usize {
        self.max_list_len
    }
    pub(crate) fn groups(&self) -> usize {
        self.max_groups
    }
    pub(crate) fn counters(&self) -> usize {
        self.max_counters
    }
}

/// Checks the sizes of a parsed document against the limits, before anything is validated:
/// the counts of rules, alternatives, groups and counters, then every string and every list.
/// (The bases of an alternative are counted on the validated alternative, by the validator.)
pub(crate) fn check(doc: &PackDoc, limits: &Limits) -> Vec<Found> {
    let mut out = Vec::new();
    let mut count = |path: String, what: &str, n: usize, max: usize| {
        if n > max {
            out.push(Found {
                kind: PackProblemKind::Limit,
                path,
                message: format!("the pack has {n} {what}, more than the limit of {max}"),
                rule: None,
            });
        }
    };
    count("rules".into(), "rules", doc.rules.len(), limits.rules());
    count(
        "groups".into(),
        "groups",
        doc.groups.len() + doc.category_groups.len(),
        limits.groups(),
    );
    count(
        "counters".into(),
        "counters",
        doc.counters.len(),
        limits.counters(),
    );
    for (ri, r) in doc.rules.iter().enumerate() {
        if r.require.len() > limits.alternatives() {
            out.push(Found {
                kind: PackProblemKind::Limit,
                path: format!("rules[{ri}].require"),
                message: format!(
                    "rule `{}` has {} alternatives, more than the limit of {}",
                    r.id,
                    r.require.len(),
                    limits.alternatives()
                ),
                rule: Some(r.id.clone()),
            });
        }
    }
    if out.is_empty()
        && let Ok(v) = serde_json::to_value(doc)
    {
        walk(&v, &mut String::new(), limits, &mut out);
    }
    out
}

/// Every string (and key) and every list of a document, against the length limits.
fn walk(v: &serde_json::Value, path: &mut String, limits: &Limits, out: &mut Vec<Found>) {
    let limit = |path: &str, message: String| Found {
        kind: PackProblemKind::Limit,
        path: path.to_owned(),
        message,
        rule: None,
    };
    match v {
        serde_json::Value::String(s) if s.len() > limits.string_len() => out.push(limit(
            path,
            format!(
                "a string of {} bytes is longer than the limit of {}",
                s.len(),
                limits.string_len()
            ),
        )),
        serde_json::Value::Array(items) => {
            if items.len() > limits.list_len() && path != "rules" {
                out.push(limit(
                    path,
                    format!(
                        "a list of {} items is longer than the limit of {}",
                        items.len(),
                        limits.list_len()
                    ),
                ));
            }
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, path, limits, out);
                path.truncate(len);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, item) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                if k.len() > limits.string_len() {
                    out.push(limit(
                        path,
                        format!(
                            "a key of {} bytes is longer than the limit of {}",
                            k.len(),
                            limits.string_len()
                        ),
                    ));
                }
                walk(item, path, limits, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}
