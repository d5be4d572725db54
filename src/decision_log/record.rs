//! What the log keeps of one decided act: [`LogRecord`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::decision::{EvidenceRef, Fact, Verdict};
use crate::model::{SubjectId, TransferBuilder};
use crate::report::{DecisionReport, PackRef, RuleReport};
use crate::{Decision, Effect};

/// One record of the decision log: the act as submitted, what was decided and on which
/// evidence, under which engine, and when the host recorded it.
///
/// It holds ids and the facts of the act (places, categories, parties' ids, purposes, the
/// subject's id and stated residence), never names or the content of the data. The
/// explanation's prose is not kept: it follows from the packs, which the record pins by
/// SHA-256, and a replay rebuilds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LogRecord {
    /// When the host recorded the decision (its own clock; evaluation reads none).
    pub recorded_at: DateTime<Utc>,
    /// The act as submitted.
    pub transfer: TransferBuilder,
    /// What was decided.
    pub decision: LoggedDecision,
}

/// The decision, as the log keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LoggedDecision {
    /// Allow or deny.
    pub effect: Effect,
    /// The deciding engine's fingerprint (16 hex digits).
    pub engine: String,
    /// The packs it applied, with their SHA-256 digests.
    pub packs: Vec<PackRef>,
    /// The value of every option, as `pack.option`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, bool>,
    /// Whether no rule applied.
    pub no_rule_applies: bool,
    /// Every applicable rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<LoggedRule>,
    /// Problems met while evaluating (each denies).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<String>,
}

/// One applicable rule, as the log keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LoggedRule {
    /// The pack's id.
    pub pack: String,
    /// The rule's id.
    pub rule: String,
    /// Where the law says so.
    pub cite: String,
    /// What the rule concluded.
    pub verdict: Verdict,
    /// The alternative (legal basis) that satisfied it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<String>,
    /// The evidence it relied on (ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceRef>,
    /// The ids of the obligations that come with the allow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub obligations: Vec<String>,
    /// For an unmet rule, the alternatives that would have satisfied it (none held).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// Facts the rule applied on only because the act did not state them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<Fact>,
}

impl LogRecord {
    /// The record of `decision`, recorded at `recorded_at`.
    #[must_use]
    pub fn new(decision: &Decision<'_>, recorded_at: DateTime<Utc>) -> Self {
        LogRecord::from_report(&decision.report(), recorded_at)
    }

    /// The record of a decision's report.
    #[must_use]
    pub fn from_report(report: &DecisionReport, recorded_at: DateTime<Utc>) -> Self {
        LogRecord {
            recorded_at,
            transfer: report.transfer.clone(),
            decision: LoggedDecision::from(report),
        }
    }

    /// The data subject the act is about, for a single-subject act (a batch names nobody).
    #[must_use]
    pub fn subject(&self) -> Option<&SubjectId> {
        self.transfer.stated_subject().map(crate::Subject::id)
    }
}

impl From<&DecisionReport> for LoggedDecision {
    fn from(r: &DecisionReport) -> Self {
        LoggedDecision {
            effect: r.effect,
            engine: r.engine.clone(),
            packs: r.packs.clone(),
            options: r.options.clone(),
            no_rule_applies: r.no_rule_applies,
            rules: r.rules.iter().map(LoggedRule::from).collect(),
            diagnostics: r.diagnostics.clone(),
        }
    }
}

impl From<&RuleReport> for LoggedRule {
    fn from(r: &RuleReport) -> Self {
        LoggedRule {
            pack: r.pack.clone(),
            rule: r.rule.clone(),
            cite: r.cite.clone(),
            verdict: r.verdict,
            alternative: r.alternative.clone(),
            evidence: r.evidence.clone(),
            obligations: r.obligations.iter().map(|o| o.id.clone()).collect(),
            missing: r.missing.iter().map(|m| m.alternative.clone()).collect(),
            assumed: r.assumed.clone(),
        }
    }
}

impl LoggedDecision {
    /// Whether `other` decided the same: the same effect, the same rules with the same
    /// verdicts, bases, evidence and missing alternatives, the same diagnostics (the engines
    /// may differ: that is what a replay after a pack update asks).
    #[must_use]
    pub fn same_outcome(&self, other: &LoggedDecision) -> bool {
        self.effect == other.effect
            && self.no_rule_applies == other.no_rule_applies
            && self.rules == other.rules
            && self.diagnostics == other.diagnostics
    }

    /// The rules that decided: for a deny, those prohibiting or unmet; for an allow, those
    /// satisfied.
    pub fn deciding_rules(&self) -> impl Iterator<Item = &LoggedRule> + '_ {
        let allow = self.effect == Effect::Allow;
        self.rules
            .iter()
            .filter(move |r| (r.verdict == Verdict::Satisfied) == allow)
    }
}
