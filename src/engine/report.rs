//! Owned, serializable reports of decisions: what auditors keep, what the JSON form of a
//! [`Decision`](crate::Decision) is, and what deserializes back.
//!
//! Every struct is `#[non_exhaustive]`: fields can be added without breaking callers that read
//! them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::decision::{Effect, EvidenceRef, Fact, Verdict};
pub use super::near::NearMiss;
use crate::model::{EvidenceId, TransferBuilder};
pub use crate::pack::ast::BasisKind;
use crate::pack::ast::Obligation;

/// A pack an engine was built from.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PackRef {
    /// The pack's id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// The SHA-256 of its canonical form, as 64 hex digits
    /// ([`PolicyPack::sha256`](crate::PolicyPack::sha256)).
    pub sha256: String,
}

/// An obligation that comes with an allow.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ObligationReport {
    /// The obligation's id.
    pub id: String,
    /// What must be done.
    pub summary: String,
    /// Where the law says so, if the pack gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cite: Option<String>,
    /// Where it stands at the act's instant, for an obligation the pack gives a deadline or
    /// fulfilment evidence (`None` for one it gives neither).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ObligationStatus>,
    /// The instant by which it must be done (exclusive), computed from the act or the
    /// approval the pack names.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::model::serde_instant::option"
    )]
    pub due: Option<DateTime<Utc>>,
    /// The last day to do it, at the offset of the pack's calendar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<chrono::NaiveDate>,
    /// How the deadline is computed, said with its dates ("10 working days after approval
    /// `sc-1` took effect (2025-02-28): by 2025-03-14").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// The evidence that fulfilled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilled_by: Option<EvidenceId>,
}

impl From<&Obligation> for ObligationReport {
    fn from(o: &Obligation) -> Self {
        ObligationReport {
            id: o.id.clone(),
            summary: o.summary.clone(),
            cite: o.cite.clone(),
            status: None,
            due: None,
            due_date: None,
            deadline: None,
            fulfilled_by: None,
        }
    }
}

/// Where an obligation stands at the act's instant.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ObligationStatus {
    /// Not yet done, and not yet due (or with no deadline).
    Pending,
    /// The evidence of its fulfilment (a filing, a notification) is held.
    Fulfilled,
    /// Not done, and its deadline has passed; the act stays lawful (the decision says so).
    Overdue,
    /// Not done, its deadline has passed, and the law makes the act unlawful for it: the
    /// decision denies.
    Breached,
}

impl ObligationStatus {
    /// The name used in JSON and scenario files.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ObligationStatus::Pending => "pending",
            ObligationStatus::Fulfilled => "fulfilled",
            ObligationStatus::Overdue => "overdue",
            ObligationStatus::Breached => "breached",
        }
    }
}

impl std::fmt::Display for ObligationStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One basis that did not hold.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MissingItem {
    /// The kind of basis (`consent`, `approval`, `destination`, `certification`, `purpose`,
    /// `recipient_role`, `tags` or `volume` in JSON).
    pub basis: BasisKind,
    /// What would satisfy it, concretely.
    pub text: String,
    /// Evidence of this kind the host holds for the subject, the exporter or the recipient,
    /// that does not count, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub near_misses: Vec<NearMiss>,
}

/// The bases of one alternative that did not hold.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MissingSet {
    /// The alternative's name.
    pub alternative: String,
    /// The alternative's summary, if the pack gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// What is missing (all of it is needed).
    pub missing: Vec<MissingItem>,
}

/// One applicable rule in a [`DecisionReport`].
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuleReport {
    /// The pack's id.
    pub pack: String,
    /// The rule's id.
    pub rule: String,
    /// The article and instrument.
    pub cite: String,
    /// The rule's summary.
    pub summary: String,
    /// What the rule concluded.
    pub verdict: Verdict,
    /// The facts the rule applied on only because the transfer did not state them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<Fact>,
    /// The alternative that satisfied it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<String>,
    /// The evidence that satisfied it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceRef>,
    /// The obligations that come with the allow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub obligations: Vec<ObligationReport>,
    /// For an unmet rule, what is missing, per alternative.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<MissingSet>,
}

/// An owned, serializable explanation of a decision: what auditors keep and the JSON form of a
/// [`Decision`](crate::Decision).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DecisionReport {
    /// Allow or deny.
    pub effect: Effect,
    /// The transfer's id, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_id: Option<String>,
    /// The act, in one line.
    pub act: String,
    /// The instant of the act.
    pub at: DateTime<Utc>,
    /// The transfer as submitted (its builder form): with the packs, the options and the
    /// evidence, what the decision can be replayed from
    /// ([`Engine::replay`](crate::Engine::replay)).
    pub transfer: TransferBuilder,
    /// The fingerprint of the engine that decided, as 16 hex digits
    /// ([`Engine::fingerprint`](crate::Engine::fingerprint)).
    pub engine: String,
    /// The packs the engine applied.
    pub packs: Vec<PackRef>,
    /// The value of every option the packs declare, as `pack.option`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, bool>,
    /// Whether no rule applied.
    pub no_rule_applies: bool,
    /// Every applicable rule.
    pub rules: Vec<RuleReport>,
    /// Problems met during evaluation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<String>,
}

impl DecisionReport {
    /// The rules that decided, as [`Decision::deciding_rules`](crate::Decision::deciding_rules)
    /// says: for a deny, those that prohibit or are unmet; for an allow, those satisfied.
    pub fn deciding_rules(&self) -> impl Iterator<Item = &RuleReport> + '_ {
        let want_allow = self.effect == Effect::Allow;
        self.rules.iter().filter(move |r| {
            let breached = r
                .obligations
                .iter()
                .any(|o| o.status == Some(ObligationStatus::Breached));
            if want_allow {
                r.verdict == Verdict::Satisfied
            } else {
                r.verdict != Verdict::Satisfied || breached
            }
        })
    }
}

impl RuleReport {
    /// The rule's name across packs: `pack/rule`.
    #[must_use]
    pub fn key(&self) -> String {
        format!("{}/{}", self.pack, self.rule)
    }
}
