//! Decisions: what evaluation returns (indices only), and their lazy rendering as text and JSON.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize, Serializer};
use smallvec::SmallVec;

use super::evaluate::triggers;
use super::{CAlt, CBasis, CRule, Engine, Program};
use crate::model::{EvidenceId, Individuals, Transfer};
use crate::policy::validate::{Obligation, Who};

/// The outcome: may the act go ahead?
///
/// Deliberately not `#[non_exhaustive]`: a new outcome must break callers' builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Every applicable rule is satisfied and none prohibits the act.
    Allow,
    /// Some applicable rule prohibits the act or is not satisfied (or evaluation met an
    /// internal inconsistency and failed closed).
    Deny,
}

/// What one applicable rule concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A prohibition applies: nothing cures it.
    Prohibited,
    /// A requirement is met by one of its alternatives.
    Satisfied,
    /// A requirement is not met: see the missing sets.
    Unmet,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::Prohibited => "prohibited",
            Verdict::Satisfied => "satisfied",
            Verdict::Unmet => "unmet",
        }
    }
}

/// The kind of a piece of evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A data subject's consent.
    Consent,
    /// An authority's approval held by the exporter.
    Approval,
    /// A certification held by the recipient.
    Certification,
}

/// A piece of evidence a decision relied on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EvidenceRef {
    kind: EvidenceKind,
    id: EvidenceId,
}

impl EvidenceRef {
    pub(crate) fn new(kind: EvidenceKind, id: EvidenceId) -> Self {
        EvidenceRef { kind, id }
    }
    /// Its kind.
    #[must_use]
    pub fn kind(&self) -> EvidenceKind {
        self.kind
    }
    /// Its id in the evidence store.
    #[must_use]
    pub fn id(&self) -> &EvidenceId {
        &self.id
    }
}

impl fmt::Display for EvidenceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = match self.kind {
            EvidenceKind::Consent => "consent",
            EvidenceKind::Approval => "approval",
            EvidenceKind::Certification => "certification",
        };
        write!(f, "{k} `{}`", self.id)
    }
}

/// A problem met during evaluation. Every diagnostic denies (fail closed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    message: String,
}

impl Diagnostic {
    #[cold]
    pub(crate) fn engine_mismatch(transfer: u64, engine: u64) -> Self {
        Diagnostic {
            message: format!(
                "the transfer was built for engine {transfer:016x}, not this engine ({engine:016x}): build it again with this engine"
            ),
        }
    }

    #[cold]
    pub(crate) fn internal(message: String) -> Self {
        Diagnostic {
            message: format!("internal inconsistency: {message}"),
        }
    }

    #[cold]
    pub(crate) fn store_refused() -> Self {
        Diagnostic {
            message: "the evidence store did not run the evaluation (its Evidence::with_view never called the engine back)".to_owned(),
        }
    }

    /// What went wrong.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// One applicable rule's result, as evaluation recorded it: indices into the engine and into
/// the decision's evidence and failed-basis lists (kept small so a decision copies cheaply).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Outcome {
    pub rule: u32,
    /// `Decision::evidence[previous outcome's evidence_end..evidence_end]`: what satisfied
    /// the rule.
    pub evidence_end: u32,
    /// `Decision::failed[previous outcome's failed_end..failed_end]`: per alternative, the
    /// bases that did not hold (unmet rules only).
    pub failed_end: u32,
    pub alt: u16,
    pub verdict: Verdict,
}

/// The evidence a decision records, inline for up to four items (one per rule of a decision
/// whose outcomes are inline).
pub(crate) type EvidenceList = SmallVec<[EvidenceRef; 4]>;

/// A position in a decision's lists (they never reach `u32::MAX` items).
pub(crate) fn position(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// The decision on one transfer: its effect, and for every applicable rule its verdict, the
/// basis and evidence that satisfied it, its obligations, or what is missing.
///
/// A `Decision` borrows the engine and the transfer and holds only indices: explanations are
/// rendered when asked for, as text (`Display`) or JSON (`Serialize`, the shape of
/// [`DecisionReport`]). [`Decision::report`] gives an owned copy to keep, compare or
/// deserialize.
///
/// # Example
///
/// ```
/// # use crossborder::*;
/// # use chrono::{TimeZone, Utc};
/// # let engine = Engine::builder().enable("cn-pledge-2015").build()?;
/// # let transfer = Transfer::builder().operation(Operation::Transfer).destination("US".parse()?)
/// #     .data(DataItem::of_subject(Subject::new("u-42".parse()?), ["personal.sensitive.health".parse()?], "CN".parse()?))
/// #     .exporter(Party::new("acme-cn".parse()?)).at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()).build(&engine)?;
/// let decision = engine.evaluate(&transfer, &NoEvidence);
/// assert_eq!(decision.effect(), Effect::Deny);
/// let rule = decision.rules().next().unwrap();
/// assert_eq!(rule.rule_id(), "pledge-sensitive-abroad");
/// assert_eq!(rule.verdict(), Verdict::Unmet);
/// let missing = rule.missing();
/// assert_eq!(missing[0].alternative, "express-permission");
/// assert_eq!(
///     missing[0].missing[0].text,
///     "express consent of subject `u-42` covering `personal.sensitive.health` to `US` for `transfer`, valid at 2026-03-01T00:00:00Z"
/// );
/// let json = serde_json::to_value(&decision)?;
/// assert_eq!(json["effect"], "deny");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Decision<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) transfer: &'a Transfer,
    pub(crate) effect: Effect,
    pub(crate) outcomes: SmallVec<[Outcome; 4]>,
    /// The evidence of every satisfied rule (each outcome names its range).
    pub(crate) evidence: EvidenceList,
    /// The failed-basis masks of every unmet rule, one per alternative (each outcome names its
    /// range).
    pub(crate) failed: SmallVec<[u32; 8]>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl<'a> Decision<'a> {
    /// Allow or deny.
    #[must_use]
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Whether the act may go ahead.
    #[must_use]
    pub fn is_allowed(&self) -> bool {
        self.effect == Effect::Allow
    }

    /// Whether no rule of any enabled pack applied (the act is allowed because nothing governs
    /// it — visible, never silent).
    #[must_use]
    pub fn no_rule_applies(&self) -> bool {
        self.outcomes.is_empty() && self.diagnostics.is_empty()
    }

    /// The applicable rules, in pack order.
    pub fn rules(&self) -> impl ExactSizeIterator<Item = RuleResult<'a>> + '_ {
        let (engine, transfer) = (self.engine, self.transfer);
        self.outcomes.iter().enumerate().map(move |(i, o)| {
            // Each outcome's lists start where the previous outcome's end.
            let (ev_from, failed_from) = i
                .checked_sub(1)
                .and_then(|prev| self.outcomes.get(prev))
                .map_or((0, 0), |p| (p.evidence_end as usize, p.failed_end as usize));
            RuleResult {
                program: &engine.program,
                transfer,
                outcome: *o,
                evidence: self
                    .evidence
                    .get(ev_from..o.evidence_end as usize)
                    .unwrap_or(&[])
                    .iter()
                    .cloned()
                    .collect(),
                failed: self
                    .failed
                    .get(failed_from..o.failed_end as usize)
                    .unwrap_or(&[])
                    .iter()
                    .copied()
                    .collect(),
            }
        })
    }

    /// The rules that decided the outcome: for a deny, those that prohibit or are unmet; for an
    /// allow, those satisfied.
    pub fn deciding_rules(&self) -> impl Iterator<Item = RuleResult<'a>> + '_ {
        let want_allow = self.is_allowed();
        self.rules()
            .filter(move |r| (r.verdict() == Verdict::Satisfied) == want_allow)
    }

    /// Problems met during evaluation (each one denies).
    #[must_use]
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The transfer decided.
    #[must_use]
    pub fn transfer(&self) -> &'a Transfer {
        self.transfer
    }

    /// An owned, serializable copy of the full explanation.
    #[must_use]
    pub fn report(&self) -> DecisionReport {
        DecisionReport {
            effect: self.effect,
            transfer_id: self.transfer.id().map(ToString::to_string),
            act: self.transfer.to_string(),
            at: self.transfer.at(),
            packs: self.engine.packs().collect(),
            no_rule_applies: self.no_rule_applies(),
            rules: self.rules().map(|r| r.report()).collect(),
            diagnostics: self.diagnostics.iter().map(|d| d.message.clone()).collect(),
        }
    }
}

impl fmt::Display for Decision<'_> {
    /// The explanation as readable text, several lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.report().fmt(f)
    }
}

impl Serialize for Decision<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.report().serialize(s)
    }
}

/// One applicable rule's result, with accessors that render on demand.
#[derive(Clone, Debug)]
pub struct RuleResult<'a> {
    program: &'a Program,
    transfer: &'a Transfer,
    outcome: Outcome,
    evidence: SmallVec<[EvidenceRef; 2]>,
    failed: SmallVec<[u32; 4]>,
}

impl<'a> RuleResult<'a> {
    fn rule(&self) -> Option<&'a CRule> {
        self.program.rules.get(self.outcome.rule as usize)
    }

    /// The id of the pack the rule belongs to.
    #[must_use]
    pub fn pack_id(&self) -> &'a str {
        self.rule()
            .and_then(|r| self.program.packs.get(r.pack))
            .map_or("", |p| p.id.as_str())
    }
    /// The rule's id.
    #[must_use]
    pub fn rule_id(&self) -> &'a str {
        self.rule().map_or("", |r| r.id.as_str())
    }
    /// The article and instrument the rule encodes.
    #[must_use]
    pub fn cite(&self) -> &'a str {
        self.rule().map_or("", |r| r.cite.as_str())
    }
    /// The rule's one-line summary.
    #[must_use]
    pub fn summary(&self) -> &'a str {
        self.rule().map_or("", |r| r.summary.as_str())
    }
    /// What the rule concluded.
    #[must_use]
    pub fn verdict(&self) -> Verdict {
        self.outcome.verdict
    }

    fn alt(&self) -> Option<&'a CAlt> {
        if self.outcome.verdict != Verdict::Satisfied {
            return None;
        }
        self.rule()?.alts.get(usize::from(self.outcome.alt))
    }

    /// The name of the alternative that satisfied the rule.
    #[must_use]
    pub fn alternative(&self) -> Option<&'a str> {
        self.alt().map(|a| a.name.as_str())
    }
    /// The evidence that satisfied the rule.
    #[must_use]
    pub fn evidence(&self) -> &[EvidenceRef] {
        &self.evidence
    }

    /// The obligations that come with the allow: the rule's own and its satisfying
    /// alternative's. Empty unless satisfied.
    #[must_use]
    pub fn obligations(&self) -> Vec<ObligationReport> {
        let (Some(rule), Some(alt)) = (self.rule(), self.alt()) else {
            return Vec::new();
        };
        rule.obligations
            .iter()
            .chain(&alt.obligations)
            .map(ObligationReport::from)
            .collect()
    }

    /// For an unmet rule, per alternative, the bases that did not hold, said concretely.
    /// Supplying any one set (valid evidence of that shape) satisfies the rule.
    #[must_use]
    pub fn missing(&self) -> Vec<MissingSet> {
        let Some(rule) = self.rule() else {
            return Vec::new();
        };
        if self.outcome.verdict != Verdict::Unmet {
            return Vec::new();
        }
        rule.alts
            .iter()
            .zip(&self.failed)
            .map(|(alt, mask)| MissingSet {
                alternative: alt.name.clone(),
                summary: alt.summary.clone(),
                missing: alt
                    .bases
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1u32 << (i % 32)) != 0)
                    .map(|(_, b)| describe(self.program, rule, b, self.transfer))
                    .collect(),
            })
            .collect()
    }

    /// An owned copy.
    #[must_use]
    pub fn report(&self) -> RuleReport {
        RuleReport {
            pack: self.pack_id().to_owned(),
            rule: self.rule_id().to_owned(),
            cite: self.cite().to_owned(),
            summary: self.summary().to_owned(),
            verdict: self.verdict(),
            alternative: self.alternative().map(str::to_owned),
            evidence: self.evidence().to_vec(),
            obligations: self.obligations(),
            missing: self.missing(),
        }
    }
}

fn quoted_list<T: fmt::Display>(items: &[T], conj: &str) -> String {
    let q: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match q.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conj} {last}", init.join(", ")),
    }
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// "covering `a` and `b` to `US` for `transfer`" for the categories that made the rule apply.
fn act_scope(p: &Program, rule: &CRule, t: &Transfer) -> String {
    let cats: Vec<String> = t
        .data
        .data
        .categories()
        .iter()
        .zip(&t.key.categories)
        .filter(|(_, id)| triggers(p, rule, **id))
        .map(|(c, _)| c.to_string())
        .collect();
    let mut s = format!(
        "covering {} to `{}` for `{}`",
        quoted_list(&cats, "and"),
        t.data.destination,
        t.data.operation
    );
    if let Some(pu) = &t.data.purpose {
        s.push_str(&format!(" (purpose `{pu}`)"));
    }
    s
}

fn describe(p: &Program, rule: &CRule, b: &CBasis, t: &Transfer) -> MissingItem {
    let at = instant(t.data.at);
    let (basis, text) = match b {
        CBasis::Consent { min, informed } => {
            let informed = if *informed {
                ", informed of the risks,"
            } else {
                ""
            };
            let text = match t.data.data.individuals() {
                Individuals::One(s) => format!(
                    "{min} consent of subject `{}`{informed} {}, valid at {at}",
                    s.id(),
                    act_scope(p, rule, t)
                ),
                Individuals::Bulk { .. } => format!(
                    "{min} consent{informed} of each individual: a consent basis needs one transfer per subject, not a bulk act"
                ),
            };
            ("consent", text)
        }
        CBasis::Approval {
            authorities,
            mechanisms,
            ..
        } => {
            let mech = match mechanisms.as_deref() {
                Some([one]) => format!(" of mechanism `{one}`"),
                Some(m) => format!(" of mechanism {}", quoted_list(m, "or")),
                None => String::new(),
            };
            (
                "approval",
                format!(
                    "approval by {}{mech} held by `{}` {}, valid at {at}",
                    quoted_list(authorities, "or"),
                    t.data.exporter.id(),
                    act_scope(p, rule, t)
                ),
            )
        }
        CBasis::DestinationIn { label, .. } => (
            "destination",
            format!(
                "destination `{}` in {} at {at}",
                t.data.destination,
                quoted_list(label, "or")
            ),
        ),
        CBasis::RecipientCertified(names, _) => (
            "certification",
            match &t.data.recipient {
                Some(r) => format!(
                    "certification {} held by recipient `{}`, valid at {at}",
                    quoted_list(names, "or"),
                    r.id()
                ),
                None => format!(
                    "a recipient holding certification {}, valid at {at}",
                    quoted_list(names, "or")
                ),
            },
        ),
        CBasis::PurposeIn { names, .. } => {
            ("purpose", format!("purpose {}", quoted_list(names, "or")))
        }
        CBasis::RecipientRoles { roles, .. } => (
            "recipient_role",
            format!("a recipient whose role is {}", quoted_list(roles, "or")),
        ),
        CBasis::Tags { who, names, .. } => {
            let whose = match who {
                Who::Exporter => "the exporter",
                Who::Recipient => "the recipient",
                Who::Transfer => "the transfer",
            };
            (
                "tags",
                format!("{whose} tagged {}", quoted_list(names, "and")),
            )
        }
        CBasis::Volume(v) => {
            let counter = p.counters.get(usize::from(v.counter));
            let name = counter.map_or("?", |c| &*c.name);
            let window = counter.map_or_else(String::new, |c| format!(" {}", c.describe_window()));
            let range = match (v.at_least, v.below) {
                (Some(a), Some(b)) => format!("at least {a} and fewer than {b}"),
                (Some(a), None) => format!("at least {a}"),
                (None, Some(b)) => format!("fewer than {b}"),
                (None, None) => "any number of".to_owned(),
            };
            (
                "volume",
                format!(
                    "{range} individuals in counter `{name}` for exporter `{}`{window}, including this act",
                    t.data.exporter.id()
                ),
            )
        }
    };
    MissingItem {
        basis: basis.to_owned(),
        text,
    }
}

/// A pack an engine was built from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PackRef {
    /// The pack's id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// Its digest, as 16 hex digits.
    pub digest: String,
}

/// An obligation that comes with an allow.
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MissingItem {
    /// The kind of basis: `consent`, `approval`, `destination`, `certification`, `purpose`,
    /// `recipient_role` or `tags`.
    pub basis: String,
    /// What would satisfy it, concretely.
    pub text: String,
}

/// The bases of one alternative that did not hold.
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
/// [`Decision`].
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
    /// The packs the engine applied.
    pub packs: Vec<PackRef>,
    /// Whether no rule applied.
    pub no_rule_applies: bool,
    /// Every applicable rule.
    pub rules: Vec<RuleReport>,
    /// Problems met during evaluation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<String>,
}

impl fmt::Display for DecisionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let effect = match self.effect {
            Effect::Allow => "ALLOW",
            Effect::Deny => "DENY",
        };
        write!(f, "{effect}: {}", self.act)?;
        if let Some(id) = &self.transfer_id {
            write!(f, " [transfer `{id}`]")?;
        }
        if self.no_rule_applies {
            let packs: Vec<&str> = self.packs.iter().map(|p| p.id.as_str()).collect();
            write!(f, "\n  no rule applies (packs: {})", packs.join(", "))?;
        }
        for d in &self.diagnostics {
            write!(f, "\n  diagnostic: {d}")?;
        }
        for r in &self.rules {
            write!(
                f,
                "\n  [{}] {}/{}: {}",
                r.verdict.as_str(),
                r.pack,
                r.rule,
                r.summary
            )?;
            write!(f, "\n      cite: {}", r.cite)?;
            if let Some(alt) = &r.alternative {
                write!(f, "\n      basis: {alt}")?;
                if !r.evidence.is_empty() {
                    let ev: Vec<String> = r.evidence.iter().map(ToString::to_string).collect();
                    write!(f, " ({})", ev.join(", "))?;
                }
            }
            for o in &r.obligations {
                write!(f, "\n      obligation `{}`: {}", o.id, o.summary)?;
            }
            if !r.missing.is_empty() {
                write!(f, "\n      missing, any one of:")?;
                for m in &r.missing {
                    let items: Vec<&str> = m.missing.iter().map(|i| i.text.as_str()).collect();
                    write!(f, "\n        - {}: {}", m.alternative, items.join(" AND "))?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_prose() {
        assert_eq!(quoted_list::<&str>(&[], "or"), "");
        assert_eq!(quoted_list(&["a"], "or"), "`a`");
        assert_eq!(quoted_list(&["a", "b"], "or"), "`a` or `b`");
        assert_eq!(quoted_list(&["a", "b", "c"], "and"), "`a`, `b` and `c`");
    }

    #[test]
    fn reports_render_every_part() {
        let report = DecisionReport {
            effect: Effect::Allow,
            transfer_id: Some("t".into()),
            act: "transfer of x".into(),
            at: DateTime::<Utc>::UNIX_EPOCH,
            packs: vec![PackRef {
                id: "p".into(),
                version: "1".into(),
                digest: "00".into(),
            }],
            no_rule_applies: false,
            rules: vec![RuleReport {
                pack: "p".into(),
                rule: "r".into(),
                cite: "art. 1".into(),
                summary: "s".into(),
                verdict: Verdict::Satisfied,
                alternative: Some("a".into()),
                evidence: vec![EvidenceRef::new(
                    EvidenceKind::Approval,
                    "e".parse().unwrap(),
                )],
                obligations: vec![ObligationReport {
                    id: "o".into(),
                    summary: "do it".into(),
                    cite: None,
                }],
                missing: Vec::new(),
            }],
            diagnostics: vec!["odd".into()],
        };
        let text = report.to_string();
        assert_eq!(
            text,
            "ALLOW: transfer of x [transfer `t`]\n  diagnostic: odd\n  [satisfied] p/r: s\n      cite: art. 1\n      basis: a (approval `e`)\n      obligation `o`: do it"
        );
        let json = serde_json::to_string(&report).unwrap();
        assert_eq!(
            serde_json::from_str::<DecisionReport>(&json).unwrap(),
            report
        );
    }
}
