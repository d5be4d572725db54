//! What running scenario files found: a report per file and per scenario, and the rule
//! coverage of a whole run.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ScenarioError;
use crate::report::DecisionReport;

/// One expectation a scenario did not meet: what was checked, what the file expects, and what
/// the decision says (both as JSON values, so lists and maps read unambiguously).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Failure {
    /// What was checked: `effect`, `deciding`, `verdicts`, `missing of cn-pipl/legal-basis`…
    pub what: String,
    /// What the scenario expects.
    pub expected: String,
    /// What the decision says.
    pub got: String,
}

impl Failure {
    pub(super) fn new(what: impl Into<String>, expected: String, got: String) -> Self {
        Failure {
            what: what.into(),
            expected,
            got,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.what, self.expected, self.got
        )
    }
}

/// How a scenario ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ScenarioOutcome {
    /// Every expectation was met.
    Passed,
    /// Some expectations were not met.
    Failed {
        /// Each one not met.
        failures: Vec<Failure>,
    },
    /// The scenario could not be evaluated (its engine did not build, its transfer or evidence
    /// names something the packs do not declare); nothing was decided.
    Error {
        /// Why.
        message: String,
    },
}

/// The result of one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct ScenarioReport {
    /// The scenario's name.
    pub name: String,
    /// Its summary, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// How it ended.
    pub outcome: ScenarioOutcome,
    /// The rules that applied (`pack/rule`), in decision order.
    pub applicable: Vec<String>,
    /// The rules that decided.
    pub deciding: Vec<String>,
    /// The decision, explained with the scenario's evidence (absent when nothing was decided).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionReport>,
}

impl ScenarioReport {
    /// Whether every expectation was met.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.outcome == ScenarioOutcome::Passed
    }
}

/// A pack a file's scenarios ran against, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct PackUse {
    /// Its id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// `given` (handed to the runner), `built-in`, or the path of the file beside the scenario
    /// file.
    pub source: String,
    /// Its rules' ids, in pack order.
    pub rules: Vec<String>,
}

/// The result of one scenario file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct FileReport {
    /// The file, as named to the runner.
    pub file: String,
    /// The packs its scenarios ran against.
    pub packs: Vec<PackUse>,
    /// Why no scenario ran, when none did (unreadable file, bad syntax, unknown pack).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_error")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub error: Option<ScenarioError>,
    /// Each scenario's result, in file order.
    pub scenarios: Vec<ScenarioReport>,
}

impl FileReport {
    /// Whether the file ran and every scenario passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.scenarios.iter().all(ScenarioReport::passed)
    }

    /// The number of scenarios that passed.
    #[must_use]
    pub fn passed_count(&self) -> usize {
        self.scenarios.iter().filter(|s| s.passed()).count()
    }

    /// The number that failed or could not be evaluated (a file that did not run counts as
    /// one).
    #[must_use]
    pub fn failed_count(&self) -> usize {
        self.scenarios.len() - self.passed_count() + usize::from(self.error.is_some())
    }
}

/// Reports serialise a file error as its message (with its location).
mod opt_error {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::error::{ScenarioError, ScenarioErrorKind};

    pub(super) fn serialize<S: Serializer>(
        e: &Option<ScenarioError>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match e {
            Some(e) => s.serialize_str(&e.to_string()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<ScenarioError>, D::Error> {
        Ok(Option::<String>::deserialize(d)?
            .map(|m| ScenarioError::new(ScenarioErrorKind::Syntax, m)))
    }
}

/// How often scenarios exercised one rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct RuleCoverage {
    /// Scenarios in which the rule applied.
    pub applicable: usize,
    /// Scenarios in which it decided.
    pub deciding: usize,
}

/// Which rules of the packs in use the scenarios exercised: a rule is covered when it applied
/// in at least one scenario that was evaluated.
///
/// ```
/// use crossborder::scenario::{Coverage, Runner, ScenarioFile};
///
/// let file = ScenarioFile::from_toml_str(r#"
/// packs = ["cn-pledge-2015"]
/// [[scenarios]]
/// name = "contact-data-stays"
/// [scenarios.transfer]
/// operation = "store"
/// destination = "CN"
/// at = "2026-03-01T00:00:00Z"
/// exporter = { id = "acme-cn" }
/// data = { categories = ["personal.contact"], collected_in = "CN", individuals = { one = { id = "u-1" } } }
/// [scenarios.expect]
/// effect = "allow"
/// deciding = []
/// "#)?;
/// let mut coverage = Coverage::new();
/// coverage.add(&Runner::new().run(&file, "pledge", None));
/// assert_eq!(coverage.covered(), 0);
/// assert!(coverage.total() > 0);
/// assert_eq!(coverage.percent(), 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Coverage {
    /// Per pack, per rule (in pack order of first use), how often it was exercised.
    pub packs: BTreeMap<String, Vec<(String, RuleCoverage)>>,
}

impl Coverage {
    /// Nothing covered yet.
    #[must_use]
    pub fn new() -> Self {
        Coverage::default()
    }

    /// Counts a file's scenarios, and the rules of its packs.
    pub fn add(&mut self, file: &FileReport) {
        for p in &file.packs {
            let rules = self.packs.entry(p.id.clone()).or_default();
            for r in &p.rules {
                if !rules.iter().any(|(id, _)| id == r) {
                    rules.push((r.clone(), RuleCoverage::default()));
                }
            }
        }
        for s in &file.scenarios {
            for (key, deciding) in s.applicable.iter().map(|k| (k, s.deciding.contains(k))) {
                let Some((pack, rule)) = key.split_once('/') else {
                    continue;
                };
                let rules = self.packs.entry(pack.to_owned()).or_default();
                let at = match rules.iter().position(|(id, _)| id == rule) {
                    Some(i) => i,
                    None => {
                        rules.push((rule.to_owned(), RuleCoverage::default()));
                        rules.len() - 1
                    }
                };
                if let Some((_, c)) = rules.get_mut(at) {
                    c.applicable += 1;
                    c.deciding += usize::from(deciding);
                }
            }
        }
    }

    /// Keeps only the packs for which `keep` holds (by id): to measure the packs under test
    /// and not the built-in packs they run beside.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.packs.retain(|id, _| keep(id));
    }

    /// The number of rules known.
    #[must_use]
    pub fn total(&self) -> usize {
        self.packs.values().map(Vec::len).sum()
    }

    /// The number of rules exercised.
    #[must_use]
    pub fn covered(&self) -> usize {
        self.packs
            .values()
            .flatten()
            .filter(|(_, c)| c.applicable > 0)
            .count()
    }

    /// The share of rules exercised, in percent (100 when there are no rules).
    #[must_use]
    pub fn percent(&self) -> f64 {
        match self.total() {
            0 => 100.0,
            // Rule counts are far below 2^52: the conversions are exact.
            #[allow(clippy::cast_precision_loss)]
            n => self.covered() as f64 * 100.0 / n as f64,
        }
    }

    /// The rules no scenario exercised, as `pack/rule`.
    pub fn uncovered(&self) -> impl Iterator<Item = String> + '_ {
        self.packs.iter().flat_map(|(p, rules)| {
            rules
                .iter()
                .filter(|(_, c)| c.applicable == 0)
                .map(move |(r, _)| format!("{p}/{r}"))
        })
    }
}
