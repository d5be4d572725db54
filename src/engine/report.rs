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
use crate::model::TransferBuilder;
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
}

impl From<&Obligation> for ObligationReport {
    fn from(o: &Obligation) -> Self {
        ObligationReport {
            id: o.id.clone(),
            summary: o.summary.clone(),
            cite: o.cite.clone(),
        }
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
        self.rules
            .iter()
            .filter(move |r| (r.verdict == Verdict::Satisfied) == want_allow)
    }
}

impl RuleReport {
    /// The rule's name across packs: `pack/rule`.
    #[must_use]
    pub fn key(&self) -> String {
        format!("{}/{}", self.pack, self.rule)
    }
}
