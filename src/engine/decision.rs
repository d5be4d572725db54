//! Decisions: what evaluation returns (indices into the engine, so the hot path copies
//! little), and the accessors that render each applicable rule's result on demand.
//!
//! The owned, serializable forms are in [`crate::report`]; the wording of explanations in
//! `explain.rs`.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, Serializer};
use smallvec::SmallVec;

use super::Engine;
use super::near::near_misses;
use super::prepare::Transfer;
use super::program::{Alternative, Program, Rule};
use super::report::{DecisionReport, MissingSet, ObligationReport, ObligationStatus, RuleReport};
use crate::evidence::Evidence;
use crate::model::EvidenceId;
use crate::pack::ast::{Place, PlaceSet};

/// The outcome: may the act go ahead?
///
/// Deliberately not `#[non_exhaustive]`: a new outcome must break callers' builds.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// The name used in JSON and explanations.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Prohibited => "prohibited",
            Verdict::Satisfied => "satisfied",
            Verdict::Unmet => "unmet",
        }
    }
}

/// A fact about an act that a rule's condition tests but the transfer did not state. Such a
/// condition holds (unknowns make rules apply: fail closed), and the decision lists the fact
/// as assumed for the rule, so that a reader knows the rule applied only because the fact was
/// missing. [`EngineBuilder::require_stated_facts`](crate::EngineBuilder::require_stated_facts)
/// refuses such transfers instead.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fact {
    /// Where the subject resides.
    SubjectResidence,
    /// Where the subject was when the data was collected.
    SubjectLocation,
    /// The subject's citizenships.
    SubjectCitizenship,
    /// Whether the subject is a minor (unknown for a bulk act).
    SubjectMinor,
    /// Where the exporter is established.
    ExporterEstablishment,
    /// Where the recipient is established.
    RecipientEstablishment,
    /// The recipient's role.
    RecipientRole,
    /// Why the act is done.
    Purpose,
}

impl Fact {
    /// Every fact, in order.
    pub const ALL: [Fact; 8] = [
        Fact::SubjectResidence,
        Fact::SubjectLocation,
        Fact::SubjectCitizenship,
        Fact::SubjectMinor,
        Fact::ExporterEstablishment,
        Fact::RecipientEstablishment,
        Fact::RecipientRole,
        Fact::Purpose,
    ];

    /// The name used in JSON and scenario files (`subject_location`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Fact::SubjectResidence => "subject_residence",
            Fact::SubjectLocation => "subject_location",
            Fact::SubjectCitizenship => "subject_citizenship",
            Fact::SubjectMinor => "subject_minor",
            Fact::ExporterEstablishment => "exporter_establishment",
            Fact::RecipientEstablishment => "recipient_establishment",
            Fact::RecipientRole => "recipient_role",
            Fact::Purpose => "purpose",
        }
    }

    /// The fact in words (`the subject's location at collection`).
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Fact::SubjectResidence => "the subject's residence",
            Fact::SubjectLocation => "the subject's location at collection",
            Fact::SubjectCitizenship => "the subject's citizenship",
            Fact::SubjectMinor => "whether the subject is a minor",
            Fact::ExporterEstablishment => "the exporter's establishment",
            Fact::RecipientEstablishment => "the recipient's establishment",
            Fact::RecipientRole => "the recipient's role",
            Fact::Purpose => "the purpose",
        }
    }

    /// The fact, unknown, as decisions print it (`subject location at collection unknown`).
    #[must_use]
    pub fn unknown(self) -> &'static str {
        match self {
            Fact::SubjectResidence => "subject residence unknown",
            Fact::SubjectLocation => "subject location at collection unknown",
            Fact::SubjectCitizenship => "subject citizenship unknown",
            Fact::SubjectMinor => "whether the subject is a minor unknown (a bulk act)",
            Fact::ExporterEstablishment => "exporter establishment unknown",
            Fact::RecipientEstablishment => "recipient establishment unknown",
            Fact::RecipientRole => "recipient role unknown",
            Fact::Purpose => "purpose unknown",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`Fact`]s, as bits: what a rule's conditions assumed, or what an engine's rules
/// test.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Facts(u16);

impl Facts {
    pub(super) const NONE: Facts = Facts(0);

    pub(super) fn of(f: Fact) -> Facts {
        Facts(f.bit())
    }

    /// The fact a single-place condition tests, if the place can go unstated.
    pub(super) fn place(p: Place) -> Facts {
        match p {
            Place::SubjectResidence => Facts::of(Fact::SubjectResidence),
            Place::SubjectLocation => Facts::of(Fact::SubjectLocation),
            Place::Origin | Place::Destination | Place::CollectedIn => Facts::NONE,
        }
    }

    /// The fact a set-of-places condition tests.
    pub(super) fn places(p: PlaceSet) -> Facts {
        Facts::of(match p {
            PlaceSet::SubjectCitizenship => Fact::SubjectCitizenship,
            PlaceSet::ExporterEstablishment => Fact::ExporterEstablishment,
            PlaceSet::RecipientEstablishment => Fact::RecipientEstablishment,
        })
    }

    pub(super) fn union(self, other: Facts) -> Facts {
        Facts(self.0 | other.0)
    }

    pub(super) fn contains(self, f: Fact) -> bool {
        self.0 & f.bit() != 0
    }

    pub(super) fn iter(self) -> impl Iterator<Item = Fact> {
        Fact::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

/// The kind of a piece of evidence.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

impl EvidenceKind {
    /// The name used in JSON and explanations.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Consent => "consent",
            EvidenceKind::Approval => "approval",
            EvidenceKind::Certification => "certification",
        }
    }
}

impl fmt::Display for EvidenceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.kind.as_str(), self.id)
    }
}

/// A problem met during evaluation. Every diagnostic denies (fail closed).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    message: String,
}

impl Diagnostic {
    #[cold]
    pub(super) fn engine_mismatch(transfer: u64, engine: u64) -> Self {
        Diagnostic {
            message: format!(
                "the transfer was built for engine {transfer:016x}, not this engine ({engine:016x}): build it again with this engine"
            ),
        }
    }

    #[cold]
    pub(super) fn internal(message: String) -> Self {
        Diagnostic {
            message: format!("internal inconsistency: {message}"),
        }
    }

    #[cold]
    pub(super) fn store_refused() -> Self {
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
pub(super) struct Outcome {
    pub rule: u32,
    /// `Decision::evidence[previous outcome's evidence_end..evidence_end]`: what satisfied
    /// the rule.
    pub evidence_end: u32,
    /// `Decision::failed[previous outcome's failed_end..failed_end]`: per alternative, the
    /// bases that did not hold (unmet rules only).
    pub failed_end: u32,
    pub alt: u16,
    /// The facts the rule's conditions held on only because the act did not state them.
    pub assumed: Facts,
    pub verdict: Verdict,
}

/// Where a tracked obligation of a satisfied rule stands (see `evaluate::obligation_states`).
#[derive(Clone, Debug)]
pub(super) struct ObligationState {
    /// The outcome (index into `Decision::outcomes`) whose rule carries it.
    pub outcome: u32,
    /// Its position in the rule's obligations followed by the alternative's.
    pub index: u16,
    pub status: ObligationStatus,
    /// The instant its deadline counts from (the act's, or the satisfying approval's
    /// `valid_from`); the deadline is recomputed from it when rendered.
    pub anchor: Option<DateTime<Utc>>,
    pub fulfilled: Option<EvidenceId>,
}

/// The evidence a decision records, inline for up to four items (one per rule of a decision
/// whose outcomes are inline).
pub(super) type EvidenceList = SmallVec<[EvidenceRef; 4]>;

/// A position in a decision's lists.
pub(super) fn position(len: usize) -> u32 {
    // INVARIANT: a decision records at most one item per basis of each applicable rule, and an
    // engine holds far fewer than `u32::MAX` bases, so the position fits.
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
/// # use crossborder::decision::Verdict;
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
    pub(super) engine: &'a Engine,
    pub(super) transfer: &'a Transfer,
    pub(super) effect: Effect,
    pub(super) outcomes: SmallVec<[Outcome; 4]>,
    /// The evidence of every satisfied rule (each outcome names its range).
    pub(super) evidence: EvidenceList,
    /// The failed-basis masks of every unmet rule, one per alternative (each outcome names its
    /// range).
    pub(super) failed: SmallVec<[u32; 8]>,
    /// Where the tracked obligations of satisfied rules stand.
    pub(super) obligations: SmallVec<[ObligationState; 1]>,
    pub(super) diagnostics: Vec<Diagnostic>,
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
        let program: &'a Program = &engine.program;
        self.outcomes.iter().enumerate().map(move |(i, o)| {
            // Each outcome's lists start where the previous outcome's end.
            let (ev_from, failed_from) = i
                .checked_sub(1)
                .and_then(|prev| self.outcomes.get(prev))
                .map_or((0, 0), |p| (p.evidence_end as usize, p.failed_end as usize));
            RuleResult {
                program,
                // INVARIANT: evaluation records an outcome only for a rule it found in the
                // program (`decide` checks, and denies with a diagnostic otherwise).
                rule: program.rules.get(o.rule as usize),
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
                obligations: self
                    .obligations
                    .iter()
                    .filter(|s| s.outcome as usize == i)
                    .cloned()
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
        self.report_with(None)
    }

    /// The full explanation, with the near misses of every deny: for each consent, approval
    /// or certification basis of an unmet rule, the evidence `evidence` holds for the subject,
    /// the exporter or the recipient that does not count, and why ("withdrawn at …", "covers
    /// `US`, not `HK`", "names a category no pack declares").
    ///
    /// Computed here, not during evaluation, so the hot path stays as fast as it is; pass the
    /// evidence the decision was made against (a [`MemoryEvidence`](crate::MemoryEvidence)
    /// that may change meanwhile can be [snapshotted](crate::MemoryEvidence::snapshot) first).
    ///
    /// ```
    /// # use crossborder::*;
    /// # use chrono::{TimeZone, Utc};
    /// let engine = Engine::builder().enable("cn-pledge-2015").build()?;
    /// let store = MemoryEvidence::new();
    /// let scope = Scope::new(["personal.sensitive.health".parse()?], "US".parse()?, [Operation::Transfer].into())?;
    /// let granted = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// store.grant(Consent::new("c-1".parse()?, "u-42".parse()?, ConsentKind::Express, scope, granted)?)?;
    /// store.withdraw(&"c-1".parse()?, Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap())?;
    /// let transfer = Transfer::builder().operation(Operation::Transfer).destination("US".parse()?)
    ///     .data(DataItem::of_subject(Subject::new("u-42".parse()?), ["personal.sensitive.health".parse()?], "CN".parse()?))
    ///     .exporter(Party::new("acme-cn".parse()?)).at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()).build(&engine)?;
    /// let decision = engine.evaluate(&transfer, &store);
    /// let explained = decision.explain(&store);
    /// let near = &explained.rules[0].missing[0].missing[0].near_misses;
    /// assert_eq!(near[0].to_string(), "consent `c-1`: withdrawn at 2026-02-01T00:00:00Z");
    /// assert!(explained.to_string().contains("held, but does not count: consent `c-1`: withdrawn at 2026-02-01T00:00:00Z"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn explain<E: Evidence + ?Sized>(&self, evidence: &E) -> DecisionReport {
        let mut report = None;
        evidence.with_view(&mut |view| {
            if report.is_none() {
                report = Some(self.report_with(Some(view)));
            }
        });
        // A store that never calls back explains what it can: everything but the near misses.
        report.unwrap_or_else(|| self.report())
    }

    fn report_with(&self, evidence: Option<&dyn Evidence>) -> DecisionReport {
        DecisionReport {
            effect: self.effect,
            transfer_id: self.transfer.id().map(ToString::to_string),
            act: self.transfer.to_string(),
            at: self.transfer.at(),
            transfer: self.transfer.to_builder(),
            engine: format!("{:016x}", self.engine.fingerprint()),
            packs: self.engine.packs().collect(),
            options: self
                .engine
                .options()
                .map(|(pack, option, value)| (format!("{pack}.{option}"), value))
                .collect(),
            no_rule_applies: self.no_rule_applies(),
            rules: self.rules().map(|r| r.report_with(evidence)).collect(),
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

/// "10 working days after approval `sc-1` took effect (2025-02-28): by 2025-03-14".
fn deadline_text(
    from: crate::pack::ast::DueFrom,
    span: &crate::model::Span,
    anchor: Option<DateTime<Utc>>,
    approval: Option<&EvidenceId>,
) -> String {
    use crate::pack::ast::DueFrom;
    let offset = span.calendar.offset;
    let Some(at) = anchor else {
        return format!(
            "{} after the approval that carried the act, but no approval carried it: no date can be computed",
            span.describe()
        );
    };
    let day = at.with_timezone(&offset).date_naive();
    let after = match (from, approval) {
        (DueFrom::Act, _) => format!("after the act ({day})"),
        (DueFrom::Approval, Some(id)) => format!("after approval `{id}` took effect ({day})"),
        (DueFrom::Approval, None) => format!("after the approval took effect ({day})"),
    };
    let by = span
        .last_day(at)
        .map_or_else(|| "a date out of range".to_owned(), |d| d.to_string());
    format!("{} {after}: by {by}", span.describe())
}

/// One applicable rule's result, with accessors that render on demand.
#[derive(Clone, Debug)]
pub struct RuleResult<'a> {
    program: &'a Program,
    rule: Option<&'a Rule>,
    transfer: &'a Transfer,
    outcome: Outcome,
    evidence: SmallVec<[EvidenceRef; 2]>,
    failed: SmallVec<[u32; 4]>,
    obligations: SmallVec<[ObligationState; 1]>,
}

impl<'a> RuleResult<'a> {
    fn rule(&self) -> Option<&'a Rule> {
        self.rule
    }

    // The accessors below fall back to `""` only for an outcome whose rule the program does
    // not hold, which evaluation never records (see `Decision::rules`).

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

    /// The facts the rule applied on only because the transfer did not state them (each
    /// condition on an unstated fact holds).
    pub fn assumed(&self) -> impl Iterator<Item = Fact> + use<> {
        self.outcome.assumed.iter()
    }

    fn alt(&self) -> Option<&'a Alternative> {
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
            .enumerate()
            .map(|(i, o)| {
                let mut report = ObligationReport::from(&o.def);
                if let Some(state) = self.obligations.iter().find(|s| usize::from(s.index) == i) {
                    report.status = Some(state.status);
                    report.fulfilled_by = state.fulfilled.clone();
                    if let Some((from, span)) = &o.def.due {
                        // The approval the deadline counts from: the first that carried the
                        // rule (the one evaluation anchored it on).
                        let approval = self
                            .evidence
                            .iter()
                            .find(|e| e.kind() == EvidenceKind::Approval)
                            .map(EvidenceRef::id);
                        report.due = state
                            .anchor
                            .map(|at| span.end(at).unwrap_or(DateTime::<Utc>::MIN_UTC));
                        report.due_date = state.anchor.and_then(|at| span.last_day(at));
                        report.deadline = Some(deadline_text(*from, span, state.anchor, approval));
                    }
                }
                report
            })
            .collect()
    }

    /// For an unmet rule, per alternative, the bases that did not hold, said concretely.
    /// Supplying any one set (valid evidence of that shape) satisfies the rule.
    #[must_use]
    pub fn missing(&self) -> Vec<MissingSet> {
        self.missing_with(None)
    }

    /// [`missing`](Self::missing), with the near misses of each consent, approval or
    /// certification basis: the evidence `evidence` holds for the subject, the exporter or the
    /// recipient that does not count, and why.
    #[must_use]
    pub fn missing_explained(&self, evidence: &dyn Evidence) -> Vec<MissingSet> {
        self.missing_with(Some(evidence))
    }

    fn missing_with(&self, evidence: Option<&dyn Evidence>) -> Vec<MissingSet> {
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
                    .map(|(_, b)| {
                        let mut item =
                            super::explain::missing_item(self.program, rule, b, self.transfer);
                        if let Some(ev) = evidence {
                            item.near_misses =
                                near_misses(self.program, rule, b, self.transfer, ev);
                        }
                        item
                    })
                    .collect(),
            })
            .collect()
    }

    /// An owned copy.
    #[must_use]
    pub fn report(&self) -> RuleReport {
        self.report_with(None)
    }

    fn report_with(&self, evidence: Option<&dyn Evidence>) -> RuleReport {
        RuleReport {
            pack: self.pack_id().to_owned(),
            rule: self.rule_id().to_owned(),
            cite: self.cite().to_owned(),
            summary: self.summary().to_owned(),
            verdict: self.verdict(),
            assumed: self.assumed().collect(),
            alternative: self.alternative().map(str::to_owned),
            evidence: self.evidence().to_vec(),
            obligations: self.obligations(),
            missing: self.missing_with(evidence),
        }
    }
}
