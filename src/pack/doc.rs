//! The pack document: serde types that mirror the TOML/JSON files exactly.
//!
//! The only module that knows the shape of a pack file; [`super::validate`] turns it into the
//! [`super::ast`] the engine compiles, and nothing past validation reads it. Every struct
//! rejects unknown fields. Lists that would change meaning when empty are `Option<Vec<_>>` so
//! an explicit empty list can be refused rather than read as "no condition".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ast::{CountedIndividuals, TagOn, WindowKind};
use crate::model::{ConsentKind, Operation, Role};

fn is_false(b: &bool) -> bool {
    !*b
}

/// Whether a pack encodes law or a voluntary undertaking.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackKind {
    /// Binding law or regulation.
    Law,
    /// A voluntary commitment (such as the 2015 pledge): never enabled by default.
    Voluntary,
}

impl PackKind {
    /// The name used in packs.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PackKind::Law => "law",
            PackKind::Voluntary => "voluntary",
        }
    }
}

impl std::fmt::Display for PackKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PackKind {
    type Err = crate::error::ModelError;
    /// `law` or `voluntary`.
    ///
    /// ```
    /// use crossborder::pack::PackKind;
    /// assert_eq!("voluntary".parse::<PackKind>()?, PackKind::Voluntary);
    /// assert_eq!(PackKind::Law.to_string(), "law");
    /// assert!("treaty".parse::<PackKind>().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "law" => Ok(PackKind::Law),
            "voluntary" => Ok(PackKind::Voluntary),
            _ => Err(crate::error::ModelError::new(
                crate::error::ModelErrorKind::InvalidName,
                format!("unknown pack kind `{s}`: expected `law` or `voluntary`"),
            )),
        }
    }
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackDoc {
    pub format: u32,
    pub id: String,
    pub title: String,
    pub kind: PackKind,
    pub issuer: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<PeriodDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceDoc>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, OptionDoc>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, GroupDoc>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub category_groups: BTreeMap<String, CategoryGroupDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taxonomy: Vec<TaxonDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subdivisions: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub calendars: BTreeMap<String, CalendarDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purposes: Vec<PurposeDoc>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counters: BTreeMap<String, CounterDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleDoc>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CounterDoc {
    pub summary: String,
    pub window: WindowKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset: Option<String>,
    pub individuals: CountedIndividuals,
    #[serde(default)]
    pub applies_when: ConditionsDoc,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VolumeDoc {
    pub counter: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<u64>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PeriodDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SourceDoc {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cite: Option<String>,
    pub checked: String,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OptionDoc {
    pub default: bool,
    pub summary: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub interpretation: bool,
    /// Format 2: what the law means when the option is true, and when it is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_true: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_false: Option<String>,
    /// Format 2: which reading the pack's legal sources mark as established.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub established: Option<EstablishedDoc>,
}

/// Which reading of an option the sources mark as established.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EstablishedDoc {
    /// The reading when the option is true is the established one.
    True,
    /// The reading when the option is false is the established one.
    False,
    /// The sources mark the point unverified.
    Unverified,
    /// The sources mark the point contested.
    Contested,
}

/// A working-day calendar: which weekdays are the weekend, and the holidays.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CalendarDoc {
    pub summary: String,
    /// Weekdays that are not working days (`saturday`, `sunday`, ...); default Saturday and
    /// Sunday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekend: Option<Vec<String>>,
    /// Dates (`YYYY-MM-DD`) that are not working days.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<String>,
    /// Weekend dates that are working days (make-up days).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub working_days: Vec<String>,
}

/// A span of time: exactly one unit.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DurationDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_days: Option<u32>,
    /// The calendar `working_days` count on (one the pack declares); default: Monday to
    /// Friday, no holidays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
}

/// When an obligation falls due: a span after the act or after the evidence that satisfied
/// the alternative.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DueDoc {
    pub after: DueAfter,
    pub within: DurationDoc,
}

/// What an obligation's deadline counts from.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DueAfter {
    /// The act's instant.
    Act,
    /// The `valid_from` of the approval that satisfied the alternative.
    Approval,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dated: Vec<DatedMemberDoc>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DatedMemberDoc {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CategoryGroupDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub members: Vec<String>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TaxonDoc {
    pub name: String,
    pub summary: String,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TagDoc {
    pub name: String,
    pub on: TagOn,
    pub summary: String,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PurposeDoc {
    pub name: String,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub means: Vec<String>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleDoc {
    pub id: String,
    pub summary: String,
    pub cite: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_force: Option<PeriodDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_option: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless_option: Option<String>,
    #[serde(default)]
    pub applies_when: ConditionsDoc,
    #[serde(default, skip_serializing_if = "is_false")]
    pub prohibit: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub require: Vec<AlternativeDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub obligations: Vec<ObligationDoc>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConditionsDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<Operation>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_not_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_not_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_not_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_resident_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_resident_not_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_located_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_citizen_of: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter_established_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter_established_not_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_established_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_established_not_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_roles: Option<Vec<Role>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_roles_not: Option<Vec<Role>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter_tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter_tags_not: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_tags_not: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_tags_not: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories_not: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose_not_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_minor: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<Vec<VolumeDoc>>,
    /// Format 2: the act is an onward act whose data came under an approval from one of
    /// these authorities (of one of these mechanisms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub came_under: Option<FulfilmentDoc>,
    /// Format 2: the act breaks (or, false, keeps) the onward conditions an approval its
    /// data came under attaches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaks_onward_limits: Option<bool>,
    /// Format 2: holds when any listed conjunction holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<ConditionsDoc>>,
    /// Format 2: holds when the conjunction does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<ConditionsDoc>>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AlternativeDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Format 2: when this alternative is available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_force: Option<PeriodDoc>,
    /// Format 2: the option that switches this alternative on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_option: Option<String>,
    /// Format 2: the option that switches this alternative off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless_option: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentBasisDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalBasisDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_certified: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_roles: Option<Vec<Role>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter_tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<Vec<VolumeDoc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub obligations: Vec<ObligationDoc>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConsentBasisDoc {
    pub min_kind: ConsentKind,
    #[serde(default, skip_serializing_if = "is_false")]
    pub informed_of_risks: bool,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApprovalBasisDoc {
    pub authorities: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanisms: Option<Vec<String>>,
    /// Format 2: the approval counts only once this span after its `valid_from` has passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<DurationDoc>,
    /// Format 2: the approval counts only for this span from its `valid_from`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_for: Option<DurationDoc>,
    /// Format 2: an approval recorded as extended counts for this span beyond `valid_for`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<DurationDoc>,
    /// Format 2: the term of an approval issued before a date (an older regime's), in place of
    /// `valid_for` and `extension`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earlier_term: Option<EarlierTermDoc>,
}

/// The term of approvals issued before a date.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EarlierTermDoc {
    /// Approvals whose `valid_from` is before this date (or instant) take this term.
    pub issued_before: String,
    pub valid_for: DurationDoc,
}

/// Format 2: the evidence that an obligation was fulfilled (a filing, a notification): an
/// approval record held by the exporter.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FulfilmentDoc {
    pub authorities: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanisms: Option<Vec<String>>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ObligationDoc {
    pub id: String,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cite: Option<String>,
    /// Format 2: when the obligation falls due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DueDoc>,
    /// Format 2: the evidence that fulfils it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilled_by: Option<FulfilmentDoc>,
    /// Format 2: the law makes the act unlawful once the obligation is overdue (the decision
    /// then denies and reports the obligation as breached).
    #[serde(default, skip_serializing_if = "is_false")]
    pub unlawful_when_overdue: bool,
}
