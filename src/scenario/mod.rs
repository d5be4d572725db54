//! Scenario files: named acts with the evidence held and the decision the law expects, run
//! against packs — how the built-in packs are tested, and how you test your own.
//!
//! A scenario file is TOML (the format of `packs/*.scenarios.toml`, described in
//! `docs/TESTING.md`): the packs to enable, option settings, and `[[scenarios]]`, each with a
//! `transfer`, the `evidence` held and what to `expect` (the effect, the deciding rules and
//! optionally each rule's verdict, the alternative that satisfied it, the missing sets,
//! obligations, assumed facts and near misses). [`Runner`] runs files and returns a
//! [`FileReport`] per file; [`Coverage`] says which rules the scenarios exercised. The
//! command line's `crossborder test` is this module with a printer.
//!
//! ```
//! use crossborder::scenario::{Runner, ScenarioFile};
//!
//! let file = ScenarioFile::from_toml_str(r#"
//! packs = ["cn-pledge-2015"]
//!
//! [[scenarios]]
//! name = "sensitive-data-abroad-without-consent"
//! [scenarios.transfer]
//! operation = "transfer"
//! destination = "US"
//! at = "2026-03-01T00:00:00Z"
//! exporter = { id = "acme-cn" }
//! [scenarios.transfer.data]
//! categories = ["personal.sensitive.health"]
//! collected_in = "CN"
//! individuals = { one = { id = "u-1" } }
//! [scenarios.expect]
//! effect = "deny"
//! deciding = ["cn-pledge-2015/pledge-sensitive-abroad"]
//! "#)?;
//! let report = Runner::new().run(&file, "pledge", None);
//! assert!(report.passed(), "{report:?}");
//! assert_eq!(report.scenarios[0].applicable, ["cn-pledge-2015/pledge-sensitive-abroad"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod check;
mod report;
mod run;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use report::{
    Coverage, Failure, FileReport, PackUse, RuleCoverage, ScenarioOutcome, ScenarioReport,
};
pub use run::Runner;

use crate::decision::Verdict;
use crate::error::{Location, ScenarioError, ScenarioErrorKind};
use crate::evidence::EvidenceSet;
use crate::{Effect, TransferBuilder};

/// An option setting: `{ pack = "cn-pipl", option = "…", value = true }`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OptionSetting {
    /// The pack that declares the option.
    pub pack: String,
    /// The option's name.
    pub option: String,
    /// Its value.
    pub value: bool,
}

/// A scenario file: the packs, the options, and the scenarios.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// The packs to enable, by id: each is a pack given to the [`Runner`], else a file
    /// `<id>.toml` (or `.json`) beside the scenario file, else the built-in pack of that id.
    /// Absent: the one pack named like the file (`acme.scenarios.toml` → `acme`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packs: Option<Vec<String>>,
    /// Option settings for every scenario that states none of its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionSetting>,
    /// The scenarios, run in order.
    pub scenarios: Vec<Scenario>,
}

/// One scenario: an act, the evidence held, and the decision expected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A name unique in the file.
    pub name: String,
    /// What the scenario shows, for the reader (and the law it comes from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Option settings for this scenario, replacing the file's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionSetting>>,
    /// The act.
    pub transfer: TransferBuilder,
    /// The evidence held when it is decided.
    #[serde(default, skip_serializing_if = "EvidenceSet::is_empty")]
    pub evidence: EvidenceSet,
    /// Whether the evidence must name only what the packs declare (the default). Set it to
    /// `false` to hold evidence from outside the packs' vocabulary — an approval by another
    /// regime's authority — which then never counts, and shows as a near miss.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub check_evidence: bool,
    /// The decision expected.
    pub expect: Expect,
}

/// What a scenario expects. Rules are named `pack/rule`; every field but `effect` and
/// `deciding` is optional, and checked only when given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Allow or deny.
    pub effect: Effect,
    /// The rules that decide: for a deny, each prohibition that applies and each unmet rule;
    /// for an allow, every applicable rule.
    pub deciding: Vec<String>,
    /// Whether no rule of any enabled pack applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_rule_applies: Option<bool>,
    /// The verdict of every applicable rule (exactly these rules apply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdicts: Option<BTreeMap<String, Verdict>>,
    /// For satisfied rules, the alternative that satisfied each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<BTreeMap<String, String>>,
    /// For unmet rules, per alternative, the bases that are missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<BTreeMap<String, BTreeMap<String, Vec<String>>>>,
    /// For satisfied rules, the obligations that come with the alternative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obligations: Option<BTreeMap<String, Vec<String>>>,
    /// For satisfied rules, per tracked obligation, where it stands (`pending`, `fulfilled`,
    /// `overdue`, `breached`) and, optionally, its last day: `{ "cn-pipl/general-2026" = {
    /// file-standard-contract = "overdue 2025-03-14" } }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obligation_status: Option<BTreeMap<String, BTreeMap<String, String>>>,
    /// Per rule, the facts it applied on only because the transfer did not state them
    /// (exactly these rules assumed facts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumed: Option<BTreeMap<String, Vec<String>>>,
    /// Per unmet rule, the evidence held that does not count, as `id: reason` (`c-1:
    /// withdrawn`), one entry per reason (exactly these rules have near misses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_misses: Option<BTreeMap<String, Vec<String>>>,
}

fn yes() -> bool {
    true
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_true(b: &bool) -> bool {
    *b
}

impl ScenarioFile {
    /// Reads a scenario file from TOML.
    ///
    /// # Errors
    ///
    /// [`ScenarioErrorKind::Syntax`] for TOML that is not a scenario file,
    /// [`ScenarioErrorKind::Duplicate`] for two scenarios of one name; located (line, column
    /// and the path of the value, `scenarios[3].transfer.destination`), with the closest name
    /// for an unknown field.
    pub fn from_toml_str(text: &str) -> Result<Self, ScenarioError> {
        let syntax = |message: &str, path: String, span: Option<std::ops::Range<usize>>| {
            ScenarioError::new(
                ScenarioErrorKind::Syntax,
                crate::model::hint_unknown_name(message),
            )
            .at(Location {
                file: None,
                line_col: span.map(|s| crate::pack::line_col(text, s.start)),
                path,
            })
        };
        let de = toml::Deserializer::parse(text)
            .map_err(|e| syntax(e.message(), String::new(), e.span()))?;
        let file: ScenarioFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            let inner = e.into_inner();
            syntax(inner.message(), path, inner.span())
        })?;
        let mut names = BTreeSet::new();
        for (i, s) in file.scenarios.iter().enumerate() {
            if !names.insert(s.name.as_str()) {
                let path = format!("scenarios[{i}].name");
                let line_col = toml::de::DeTable::parse(text)
                    .ok()
                    .and_then(|t| crate::pack::locate_toml(t.get_ref(), &path))
                    .map(|off| crate::pack::line_col(text, off));
                return Err(ScenarioError::new(
                    ScenarioErrorKind::Duplicate,
                    format!(
                        "a second scenario named `{}`: names must be unique in a file",
                        s.name
                    ),
                )
                .at(Location {
                    file: None,
                    line_col,
                    path,
                }));
            }
        }
        Ok(file)
    }

    /// Reads the scenario file at `path`; errors name the file.
    ///
    /// # Errors
    ///
    /// [`ScenarioErrorKind::Io`] when it cannot be read (or is not UTF-8), else as
    /// [`from_toml_str`](Self::from_toml_str).
    pub fn load_path(path: impl AsRef<std::path::Path>) -> Result<Self, ScenarioError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ScenarioError::new(ScenarioErrorKind::Io, format!("cannot read the file: {e}")).at(
                Location {
                    file: Some(name.as_str().into()),
                    ..Location::default()
                },
            )
        })?;
        Self::from_toml_str(&text).map_err(|e| e.in_file(&name))
    }

    /// The packs the file enables: `packs`, or the id its file name gives
    /// (`acme.scenarios.toml` → `acme`).
    #[must_use]
    pub fn pack_ids(&self, file_name: &str) -> Vec<String> {
        match &self.packs {
            Some(p) => p.clone(),
            None => {
                let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
                let stem = base
                    .strip_suffix(".scenarios.toml")
                    .or_else(|| base.strip_suffix(".toml"))
                    .unwrap_or(base);
                vec![stem.to_owned()]
            }
        }
    }
}
