//! JSON Schemas (draft 2020-12) of every format crossborder reads and writes, generated from
//! the same types serde uses, so that an editor can validate and complete a pack, a transfer,
//! an evidence file or a scenario file as it is written. Feature `schema`; the command line's
//! `crossborder schema KIND` prints them.
//!
//! A schema checks shape — fields, types, the form of names and codes — not meaning: a pack
//! that fits its schema can still name a group it does not declare, which only loading it
//! reports.
//!
//! ```
//! use crossborder::schema::{self, Kind};
//!
//! let pack = schema::generate(Kind::Pack);
//! assert_eq!(pack["$schema"], "https://json-schema.org/draft/2020-12/schema");
//! assert_eq!(pack["title"], "PolicyPack");
//! assert!(pack["required"].as_array().unwrap().iter().any(|f| f == "id"));
//! assert_eq!("scenario".parse::<Kind>(), Ok(Kind::Scenario));
//! ```

use schemars::{JsonSchema, generate::SchemaSettings};

use crate::evidence::{EvidenceRecord, EvidenceSet};
use crate::report::DecisionReport;
use crate::scenario::{FileReport, ScenarioFile};
use crate::{PolicyPack, TransferBuilder};

/// A format with a schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A policy pack (TOML or JSON).
    Pack,
    /// A transfer, as `crossborder eval` and `TransferBuilder::from_json_str` read it.
    Transfer,
    /// An evidence document: `consents`, `approvals`, `certifications`, `ledger`.
    Evidence,
    /// One line of an evidence file in JSON lines.
    EvidenceRecord,
    /// A scenario file.
    Scenario,
    /// A decision report, as `crossborder eval --output json` writes it.
    Decision,
    /// A scenario file's report, as `crossborder test --output json` writes it.
    TestReport,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 7] = [
        Kind::Pack,
        Kind::Transfer,
        Kind::Evidence,
        Kind::EvidenceRecord,
        Kind::Scenario,
        Kind::Decision,
        Kind::TestReport,
    ];

    /// Its name (`evidence-record`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pack => "pack",
            Kind::Transfer => "transfer",
            Kind::Evidence => "evidence",
            Kind::EvidenceRecord => "evidence-record",
            Kind::Scenario => "scenario",
            Kind::Decision => "decision",
            Kind::TestReport => "test-report",
        }
    }

    /// What the format is, in a line.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Pack => "a policy pack (TOML or JSON)",
            Kind::Transfer => "one act, as `crossborder eval` reads it",
            Kind::Evidence => "an evidence document: consents, approvals, certifications, ledger",
            Kind::EvidenceRecord => "one line of an evidence file in JSON lines",
            Kind::Scenario => "a scenario file",
            Kind::Decision => "a decision report, as `crossborder eval --output json` writes it",
            Kind::TestReport => {
                "a scenario file's report, as `crossborder test --output json` lists it"
            }
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown schema `{s}`: expected one of {}", names.join(", "))
            })
    }
}

/// The schema of `kind`, as a JSON value.
#[must_use]
pub fn generate(kind: Kind) -> serde_json::Value {
    fn of<T: JsonSchema>() -> serde_json::Value {
        SchemaSettings::draft2020_12()
            .into_generator()
            .into_root_schema_for::<T>()
            .to_value()
    }
    let mut schema = match kind {
        Kind::Pack => of::<PolicyPack>(),
        Kind::Transfer => of::<TransferBuilder>(),
        Kind::Evidence => of::<EvidenceSet>(),
        Kind::EvidenceRecord => of::<EvidenceRecord>(),
        Kind::Scenario => of::<ScenarioFile>(),
        Kind::Decision => of::<DecisionReport>(),
        Kind::TestReport => of::<FileReport>(),
    };
    tidy_descriptions(&mut schema);
    schema
}

/// Descriptions come from the rustdoc of the types: keep the prose an editor shows, drop the
/// code examples and turn intra-doc links into plain names.
fn tidy_descriptions(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == "description"
                    && let serde_json::Value::String(text) = child
                {
                    *text = prose(text);
                } else {
                    tidy_descriptions(child);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(tidy_descriptions),
        _ => {}
    }
}

/// `text` without fenced code blocks, with `[`x`](path)` written `x`.
fn prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            out.push_str(line);
            out.push('\n');
        }
    }
    let mut plain = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.find("](") {
        let (head, tail) = rest.split_at(i);
        match (head.rfind('['), tail.find(')')) {
            (Some(open), Some(close)) => {
                plain.push_str(&head[..open]);
                plain.push_str(&head[open + 1..]);
                rest = &tail[close + 1..];
            }
            _ => {
                plain.push_str(head);
                plain.push_str("](");
                rest = &tail[2..];
            }
        }
    }
    plain.push_str(rest);
    let plain = plain.replace("[`", "`").replace("`]", "`");
    plain.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_keep_prose_only() {
        assert_eq!(
            prose("A [`Consent`](crate::Consent) held.\n\n```\nlet x = 1;\n```\nMore [`Scope`]."),
            "A `Consent` held.\n\nMore `Scope`."
        );
        for kind in Kind::ALL {
            let text = generate(kind).to_string();
            assert!(!text.contains("```"), "{kind}");
            assert!(!text.contains("](crate::"), "{kind}");
        }
    }
}
