//! The validated form of a pack: every reference resolved, every value typed.
//!
//! This is the contract between the pack stage and the engine: [`crate::engine`] compiles
//! these types and nothing else from this folder's internals (the document types of
//! [`super::doc`] never reach evaluation). Owns the meaning of a pack; knows nothing about
//! dense ids, bitsets or evidence stores.
//!
//! Adding a condition or a basis starts here: see `CONTRIBUTING.md`, "Adding a condition or a
//! basis", for every other place the compiler then points at.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{
    ApprovalClock, Authority, Category, CertificationName, ConsentKind, Jurisdiction, Mechanism,
    OperationSet, Purpose, Role, Span, Tag,
};

/// A half-open validity window `[from, until)`; `None` is unbounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Period {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Period {
    pub(crate) fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| f <= t) && self.until.is_none_or(|u| t < u)
    }

    /// The instants both periods contain.
    pub(crate) fn intersect(&self, other: &Period) -> Period {
        let from = match (self.from, other.from) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let until = match (self.until, other.until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Period { from, until }
    }
}

/// A jurisdiction list entry: a code, one of the pack's groups (by index in [`Ast::groups`]),
/// or a group another pack declares (`eu-gdpr:EEA`), resolved when an engine is built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum JurRef {
    Code(Jurisdiction),
    Group(usize),
    Shared { pack: String, group: String },
}

/// A named, possibly dated, list of jurisdictions.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub name: String,
    pub members: Vec<(Jurisdiction, Period)>,
}

/// Which single place of an act a condition tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    Origin,
    Destination,
    CollectedIn,
    SubjectResidence,
    SubjectLocation,
}

/// Which set of places a condition tests (it holds when any member is in the list).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlaceSet {
    SubjectCitizenship,
    ExporterEstablishment,
    RecipientEstablishment,
}

/// Whose tags a condition or basis tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Who {
    Exporter,
    Recipient,
    Transfer,
}

impl Who {
    /// What a tag tested on `self` must be declared for.
    pub(crate) fn tag_on(self) -> TagOn {
        match self {
            Who::Exporter | Who::Recipient => TagOn::Party,
            Who::Transfer => TagOn::Transfer,
        }
    }

    /// "the exporter", "the recipient", "the transfer".
    pub(crate) fn phrase(self) -> &'static str {
        match self {
            Who::Exporter => "the exporter",
            Who::Recipient => "the recipient",
            Who::Transfer => "the transfer",
        }
    }
}

/// What a declared tag may be attached to.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TagOn {
    Party,
    Transfer,
}

/// The window a volume counter counts over.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum WindowKind {
    /// Since 1 January 00:00 of the act's year, at the counter's UTC offset.
    CalendarYear,
    /// Since 1 January 00:00 of the year before the act's year.
    SincePreviousCalendarYear,
    /// The twelve months up to and including the act's instant.
    #[serde(rename = "rolling_12_months")]
    Rolling12Months,
}

/// What a bulk act adds to a counter.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CountedIndividuals {
    Sensitive,
    NonSensitive,
    All,
}

/// One applicability condition of a rule or a counter (a rule's conditions are a conjunction).
#[derive(Clone, Debug)]
pub(crate) enum Cond {
    Ops(OperationSet),
    Place {
        place: Place,
        list: Vec<JurRef>,
        negate: bool,
    },
    Places {
        places: PlaceSet,
        list: Vec<JurRef>,
        negate: bool,
    },
    Roles {
        roles: Vec<Role>,
        negate: bool,
    },
    Tags {
        who: Who,
        tags: Vec<Tag>,
        negate: bool,
    },
    Minor(bool),
    Bulk(bool),
    Purposes {
        purposes: Vec<Purpose>,
        negate: bool,
    },
    CategoriesNot(Vec<Category>),
    Volume(Volume),
    /// Format 2, inside `any_of` and `not`: a data category falls under a listed one.
    Categories(Vec<Category>),
    /// Format 2: the act's data came under an approval from one of these authorities (of
    /// one of these mechanisms).
    CameUnder {
        authorities: Vec<Authority>,
        mechanisms: Option<Vec<Mechanism>>,
    },
    /// Format 2: the act breaks (`true`) or keeps (`false`) the onward conditions an approval
    /// its data came under attaches.
    OnwardBreached(bool),
    /// Format 2: one of the conjunctions holds.
    AnyOf(Vec<Vec<Cond>>),
    /// Format 2: the conjunction does not hold.
    Not(Vec<Cond>),
}

impl Cond {
    /// This condition and every condition nested in it.
    pub(crate) fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Cond)) {
        f(self);
        match self {
            Cond::AnyOf(branches) => {
                for c in branches.iter().flatten() {
                    c.walk(f);
                }
            }
            Cond::Not(inner) => {
                for c in inner {
                    c.walk(f);
                }
            }
            _ => {}
        }
    }
}

/// A test on a counter: the count including the act lies in `[at_least, below)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Volume {
    pub counter: String,
    pub at_least: Option<u64>,
    pub below: Option<u64>,
}

/// A volume counter a pack declares.
#[derive(Clone, Debug)]
pub(crate) struct Counter {
    pub name: String,
    pub window: WindowKind,
    pub offset: FixedOffset,
    pub individuals: CountedIndividuals,
    pub conds: Vec<Cond>,
    pub categories: Option<Vec<Category>>,
}

/// One basis of an alternative (an alternative's bases are a conjunction).
#[derive(Clone, Debug)]
pub(crate) enum Basis {
    Consent {
        min: ConsentKind,
        informed: bool,
    },
    Approval {
        authorities: Vec<Authority>,
        mechanisms: Option<Vec<Mechanism>>,
        clock: ApprovalClock,
    },
    DestinationIn(Vec<JurRef>),
    RecipientCertified(Vec<CertificationName>),
    PurposeIn(Vec<Purpose>),
    RecipientRoles(Vec<Role>),
    Tags {
        who: Who,
        tags: Vec<Tag>,
    },
    Volume(Volume),
}

/// The kind of a basis: what a [`MissingItem`](crate::report::MissingItem) says is missing.
///
/// Serialized in snake case (`recipient_role`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BasisKind {
    /// A data subject's consent.
    Consent,
    /// An authority's approval held by the exporter.
    Approval,
    /// The destination in a listed set (adequacy, a dated group).
    Destination,
    /// A certification held by the recipient.
    Certification,
    /// The act's purpose in a listed set.
    Purpose,
    /// The recipient's role in a listed set.
    RecipientRole,
    /// Tags on the exporter, the recipient or the transfer.
    Tags,
    /// A volume counter's count in a range.
    Volume,
    /// The alternative's own period (format 2 `in_force`).
    InForce,
}

impl BasisKind {
    /// The name used in JSON and scenario files.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            BasisKind::Consent => "consent",
            BasisKind::Approval => "approval",
            BasisKind::Destination => "destination",
            BasisKind::Certification => "certification",
            BasisKind::Purpose => "purpose",
            BasisKind::RecipientRole => "recipient_role",
            BasisKind::Tags => "tags",
            BasisKind::Volume => "volume",
            BasisKind::InForce => "in_force",
        }
    }

    /// Whether a basis of this kind is answered from the evidence store (consents, approvals,
    /// certifications, the volume ledger) rather than from the act alone.
    #[must_use]
    pub fn reads_evidence(self) -> bool {
        match self {
            BasisKind::Consent
            | BasisKind::Approval
            | BasisKind::Certification
            | BasisKind::Volume => true,
            BasisKind::Destination
            | BasisKind::InForce
            | BasisKind::Purpose
            | BasisKind::RecipientRole
            | BasisKind::Tags => false,
        }
    }
}

impl std::fmt::Display for BasisKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something the act's exporter must do when a rule allows it.
#[derive(Clone, Debug)]
pub(crate) struct Obligation {
    pub id: String,
    pub summary: String,
    pub cite: Option<String>,
    /// When it falls due: a span after the act or after the satisfying approval.
    pub due: Option<(DueFrom, Span)>,
    /// The evidence (an approval record held by the exporter) that fulfils it.
    pub fulfilled_by: Option<(Vec<Authority>, Option<Vec<Mechanism>>)>,
    /// Once overdue, the act is unlawful (breached: the decision denies).
    pub unlawful_when_overdue: bool,
}

/// What an obligation's deadline counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DueFrom {
    Act,
    Approval,
}

/// One way to satisfy a requirement.
#[derive(Clone, Debug)]
pub(crate) struct Alternative {
    pub name: String,
    pub summary: Option<String>,
    /// When the alternative is available (format 2).
    pub in_force: Period,
    /// The option that switches the alternative on (`(name, true)`) or off (format 2).
    pub gate: Option<(String, bool)>,
    pub bases: Vec<Basis>,
    pub obligations: Vec<Obligation>,
}

/// What a rule does when it applies.
#[derive(Clone, Debug)]
pub(crate) enum RuleEffect {
    Prohibit,
    Require(Vec<Alternative>),
}

/// A validated rule.
#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub id: String,
    pub summary: String,
    pub cite: String,
    pub in_force: Period,
    /// The option that switches the rule on (`(name, true)`) or off (`(name, false)`).
    pub gate: Option<(String, bool)>,
    pub conds: Vec<Cond>,
    pub categories: Option<Vec<Category>>,
    pub effect: RuleEffect,
    pub obligations: Vec<Obligation>,
}

/// A purpose a pack declares, and the purposes (of any enabled pack) it also stands for: an act
/// stated with this purpose is, for every rule, an act for each of these as well.
#[derive(Clone, Debug)]
pub(crate) struct PurposeDef {
    pub name: Purpose,
    pub means: Vec<Purpose>,
}

/// An option a pack declares, and its default.
#[derive(Clone, Debug)]
pub(crate) struct OptionDef {
    pub name: String,
    pub default: bool,
}

/// A validated pack: every reference resolved, every value typed.
#[derive(Clone, Debug)]
pub(crate) struct Ast {
    /// The format the pack was written in.
    #[allow(
        dead_code,
        reason = "kept for diagnostics and future format migrations"
    )]
    pub format: u32,
    pub id: String,
    pub version: String,
    pub effective: Period,
    pub options: Vec<OptionDef>,
    pub groups: Vec<Group>,
    pub taxonomy: Vec<Category>,
    pub subdivisions: Vec<Jurisdiction>,
    pub tags: Vec<(Tag, TagOn)>,
    pub purposes: Vec<PurposeDef>,
    pub counters: Vec<Counter>,
    pub rules: Vec<Rule>,
}

impl Ast {
    /// Every jurisdiction list entry of the pack's rules and counters (to resolve the groups
    /// of other packs they name).
    pub(crate) fn jur_refs(&self) -> impl Iterator<Item = &JurRef> {
        fn cond_lists(conds: &[Cond]) -> impl Iterator<Item = &JurRef> {
            let mut out: Vec<&JurRef> = Vec::new();
            for c in conds {
                c.walk(&mut |c| match c {
                    Cond::Place { list, .. } | Cond::Places { list, .. } => out.extend(list),
                    Cond::Ops(_)
                    | Cond::Roles { .. }
                    | Cond::Tags { .. }
                    | Cond::Minor(_)
                    | Cond::Bulk(_)
                    | Cond::Purposes { .. }
                    | Cond::CategoriesNot(_)
                    | Cond::Volume(_)
                    | Cond::Categories(_)
                    | Cond::CameUnder { .. }
                    | Cond::OnwardBreached(_)
                    | Cond::AnyOf(_)
                    | Cond::Not(_) => {}
                });
            }
            out.into_iter()
        }
        let mut out: Vec<&JurRef> = Vec::new();
        for c in &self.counters {
            out.extend(cond_lists(&c.conds));
        }
        for r in &self.rules {
            out.extend(cond_lists(&r.conds));
            if let RuleEffect::Require(alts) = &r.effect {
                for b in alts.iter().flat_map(|a| &a.bases) {
                    match b {
                        Basis::DestinationIn(list) => out.extend(list),
                        Basis::Consent { .. }
                        | Basis::Approval { .. }
                        | Basis::RecipientCertified(_)
                        | Basis::PurposeIn(_)
                        | Basis::RecipientRoles(_)
                        | Basis::Tags { .. }
                        | Basis::Volume(_) => {}
                    }
                }
            }
        }
        out.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn periods() {
        let t = |y| Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0).unwrap();
        let p = Period {
            from: Some(t(2020)),
            until: Some(t(2025)),
        };
        assert!(p.contains(t(2020)) && !p.contains(t(2025)));
        let q = Period {
            from: Some(t(2022)),
            until: None,
        };
        let i = p.intersect(&q);
        assert_eq!(
            i,
            Period {
                from: Some(t(2022)),
                until: Some(t(2025))
            }
        );
        assert!(Period::default().contains(t(1900)));
    }

    #[test]
    fn basis_kinds_name_themselves_as_serde_does() {
        for k in [
            BasisKind::Consent,
            BasisKind::Approval,
            BasisKind::Destination,
            BasisKind::Certification,
            BasisKind::Purpose,
            BasisKind::RecipientRole,
            BasisKind::Tags,
            BasisKind::Volume,
            BasisKind::InForce,
        ] {
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
    }
}
