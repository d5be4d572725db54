//! Operations, roles, subjects, parties and data items.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::instant::{before_start, serde_instant};
use super::{Category, CertificationName, EvidenceId, Jurisdiction, JurisdictionSet, PartyId};
use super::{SubjectId, Tag, rfc3339};
use crate::error::{ModelError, ModelErrorKind};

name_enum!(
    /// What is done with the data, and where.
    ///
    /// The destination of a transfer is where the act happens: where the data is sent, stored,
    /// processed, or from where it is accessed.
    ///
    /// ```
    /// use crossborder::Operation;
    /// assert_eq!("remote_access".parse::<Operation>()?, Operation::RemoteAccess);
    /// assert_eq!(Operation::Store.to_string(), "store");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Operation, "operation" {
        /// Sending the data to the destination.
        Transfer = "transfer",
        /// Storing the data in the destination.
        Store = "store",
        /// Processing the data in the destination.
        Process = "process",
        /// Querying, retrieving or downloading the data from the destination while it stays put.
        RemoteAccess = "remote_access",
    }
);

impl Operation {
    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of [`Operation`]s, as a four-bit mask.
///
/// ```
/// use crossborder::{Operation, OperationSet};
/// let s: OperationSet = [Operation::Transfer, Operation::Store].into();
/// assert!(s.contains(Operation::Store));
/// assert!(!s.contains(Operation::Process));
/// assert_eq!(OperationSet::all().len(), 4);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OperationSet(u8);

impl OperationSet {
    /// The empty set.
    #[must_use]
    pub const fn empty() -> Self {
        OperationSet(0)
    }
    /// All four operations.
    #[must_use]
    pub const fn all() -> Self {
        OperationSet(0b1111)
    }
    /// Adds an operation.
    pub fn insert(&mut self, op: Operation) {
        self.0 |= op.bit();
    }
    /// Whether `op` is a member.
    #[inline]
    #[must_use]
    pub fn contains(self, op: Operation) -> bool {
        self.0 & op.bit() != 0
    }
    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The number of members.
    #[must_use]
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }
    /// The members, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Operation> {
        Operation::ALL
            .iter()
            .copied()
            .filter(move |&o| self.contains(o))
    }
    pub(crate) fn bits(self) -> u8 {
        self.0
    }
}

impl FromIterator<Operation> for OperationSet {
    fn from_iter<I: IntoIterator<Item = Operation>>(iter: I) -> Self {
        let mut s = OperationSet::empty();
        for o in iter {
            s.insert(o);
        }
        s
    }
}

impl<const N: usize> From<[Operation; N]> for OperationSet {
    fn from(v: [Operation; N]) -> Self {
        v.into_iter().collect()
    }
}

impl fmt::Debug for OperationSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl fmt::Display for OperationSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, o) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(o.as_str())?;
        }
        Ok(())
    }
}

impl Serialize for OperationSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for OperationSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<Operation>::deserialize(d)?.into_iter().collect())
    }
}

name_enum!(
    /// The role of a recipient relative to the exporter.
    ///
    /// ```
    /// use crossborder::Role;
    /// assert_eq!("foreign_judicial".parse::<Role>()?, Role::ForeignJudicial);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Role, "role" {
        /// The same legal entity as the exporter (for example its own employee abroad).
        SameEntity = "same_entity",
        /// Another controller (a "personal information handler").
        Controller = "controller",
        /// A processor acting for the exporter.
        Processor = "processor",
        /// A public authority.
        PublicAuthority = "public_authority",
        /// A foreign court or law-enforcement body.
        ForeignJudicial = "foreign_judicial",
    }
);

impl Role {
    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A certification a party holds (an EU-US Data Privacy Framework listing, a GBA registration),
/// valid from `valid_from` until `valid_until` (exclusive), unless revoked.
///
/// ```
/// use crossborder::Certification;
/// use chrono::{TimeZone, Utc};
/// let from = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let c = Certification::new("dpf-1".parse()?, "eu-us-dpf".parse()?, from, None)?;
/// assert!(c.is_valid_at(from));
/// assert!(!c.is_valid_at(from - chrono::Duration::seconds(1)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "CertificationSpec")]
pub struct Certification {
    id: EvidenceId,
    name: CertificationName,
    valid_from: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_until: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked_at: Option<DateTime<Utc>>,
    /// The categories it covers (with what lies below them); empty: every category.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    covers: Vec<Category>,
    /// Categories it does not cover (with what lies below them): a certification of non-HR
    /// data excludes `personal.employment`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    excludes: Vec<Category>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CertificationSpec {
    id: EvidenceId,
    name: CertificationName,
    #[serde(deserialize_with = "serde_instant::deserialize")]
    valid_from: DateTime<Utc>,
    #[serde(default, deserialize_with = "serde_instant::option")]
    valid_until: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "serde_instant::option")]
    revoked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    covers: Vec<Category>,
    #[serde(default)]
    excludes: Vec<Category>,
}

impl TryFrom<CertificationSpec> for Certification {
    type Error = ModelError;
    fn try_from(s: CertificationSpec) -> Result<Self, ModelError> {
        let c = Certification::new(s.id, s.name, s.valid_from, s.valid_until)?
            .covering(s.covers)
            .excluding(s.excludes);
        match s.revoked_at {
            Some(at) => c.revoked(at),
            None => Ok(c),
        }
    }
}

impl Certification {
    /// A certification from JSON (its serde form), with errors located.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::InvalidJson`].
    pub fn from_json_str(text: &str) -> Result<Self, ModelError> {
        super::json::from_json(text)
    }

    /// A certification valid from `valid_from`, until `valid_until` when given.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::InvalidPeriod`] when `valid_until` is not after `valid_from`.
    pub fn new(
        id: EvidenceId,
        name: CertificationName,
        valid_from: DateTime<Utc>,
        valid_until: Option<DateTime<Utc>>,
    ) -> Result<Self, ModelError> {
        if let Some(u) = valid_until
            && u <= valid_from
        {
            return Err(ModelError::new(
                ModelErrorKind::InvalidPeriod,
                format!(
                    "certification `{id}` ends at {} before it starts at {}",
                    rfc3339(u),
                    rfc3339(valid_from)
                ),
            ));
        }
        Ok(Certification {
            id,
            name,
            valid_from,
            valid_until,
            revoked_at: None,
            covers: Vec::new(),
            excludes: Vec::new(),
        })
    }

    /// The same certification, limited to these categories (and what lies below them).
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use crossborder::Certification;
    /// let from = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    /// let non_hr = Certification::new("dpf-1".parse()?, "eu-us-dpf".parse()?, from, None)?
    ///     .excluding(["personal.employment".parse()?]);
    /// assert!(non_hr.covers_category(&"personal.contact".parse()?));
    /// assert!(!non_hr.covers_category(&"personal.employment".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn covering(mut self, categories: impl IntoIterator<Item = Category>) -> Self {
        self.covers.extend(categories);
        self
    }

    /// The same certification, not covering these categories (and what lies below them).
    #[must_use]
    pub fn excluding(mut self, categories: impl IntoIterator<Item = Category>) -> Self {
        self.excludes.extend(categories);
        self
    }

    /// The categories it is limited to (empty: every category).
    #[must_use]
    pub fn covers(&self) -> &[Category] {
        &self.covers
    }

    /// The categories it excludes.
    #[must_use]
    pub fn excludes(&self) -> &[Category] {
        &self.excludes
    }

    /// Whether it covers category `c`: listed in (or below one of) `covers` when that is not
    /// empty, and not in (or below) one of `excludes`.
    #[must_use]
    pub fn covers_category(&self, c: &Category) -> bool {
        (self.covers.is_empty() || self.covers.iter().any(|k| c.falls_under(k)))
            && !self.excludes.iter().any(|k| c.falls_under(k))
    }

    /// The same certification, revoked from `at` on.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::InvalidPeriod`] when `at` is before `valid_from`.
    pub fn revoked(mut self, at: DateTime<Utc>) -> Result<Self, ModelError> {
        if at < self.valid_from {
            return Err(before_start(
                "certification",
                &self.id,
                "revoked",
                at,
                "starts",
                self.valid_from,
            ));
        }
        self.revoked_at = Some(at);
        Ok(self)
    }

    /// The certification's id.
    #[must_use]
    pub fn id(&self) -> &EvidenceId {
        &self.id
    }
    /// The scheme.
    #[must_use]
    pub fn name(&self) -> &CertificationName {
        &self.name
    }
    /// When it starts.
    #[must_use]
    pub fn valid_from(&self) -> DateTime<Utc> {
        self.valid_from
    }
    /// When it ends (exclusive), if it does.
    #[must_use]
    pub fn valid_until(&self) -> Option<DateTime<Utc>> {
        self.valid_until
    }
    /// When it was revoked, if it was.
    #[must_use]
    pub fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.revoked_at
    }
    /// Whether it is valid at `t`: `valid_from <= t < valid_until` and not revoked at or
    /// before `t`.
    #[inline]
    #[must_use]
    pub fn is_valid_at(&self, t: DateTime<Utc>) -> bool {
        self.valid_from <= t
            && self.valid_until.is_none_or(|u| t < u)
            && self.revoked_at.is_none_or(|r| t < r)
    }

    /// Where the certification stands at `t`: valid exactly when
    /// [`is_valid_at`](Self::is_valid_at) is true; otherwise not yet in force, lapsed
    /// ([`Status::Expired`](super::Status::Expired)) or revoked, with the instant.
    #[must_use]
    pub fn status_at(&self, t: DateTime<Utc>) -> super::Status {
        let revoked = self.revoked_at.map(|at| super::Status::Revoked { at });
        super::Status::of_term(self.valid_from, self.valid_until, revoked, t)
    }
}

/// An exporter or a recipient.
///
/// ```
/// use crossborder::{Party, Role};
/// let p = Party::new("acme-us".parse()?)
///     .established_in("US".parse()?)
///     .with_role(Role::Controller)
///     .with_tag("ciio".parse()?);
/// assert_eq!(p.role(), Some(Role::Controller));
/// assert!(p.establishments().contains("US".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    id: PartyId,
    #[serde(default, skip_serializing_if = "JurisdictionSet::is_empty")]
    established_in: JurisdictionSet,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<Role>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    certifications: Vec<Certification>,
}

// By hand: `clone_from` reuses the lists' allocations (a catalog refills transfers in place).
impl Clone for Party {
    fn clone(&self) -> Self {
        Party {
            id: self.id.clone(),
            established_in: self.established_in,
            role: self.role,
            tags: self.tags.clone(),
            certifications: self.certifications.clone(),
        }
    }

    fn clone_from(&mut self, other: &Self) {
        self.id.clone_from(&other.id);
        self.established_in = other.established_in;
        self.role = other.role;
        self.tags.clone_from(&other.tags);
        self.certifications.clone_from(&other.certifications);
    }
}

impl Party {
    /// A party with no establishment, role, tags or certifications yet.
    #[must_use]
    pub fn new(id: PartyId) -> Self {
        Party {
            id,
            established_in: JurisdictionSet::empty(),
            role: None,
            tags: Vec::new(),
            certifications: Vec::new(),
        }
    }
    /// Adds an establishment (the country of `j`).
    #[must_use]
    pub fn established_in(mut self, j: Jurisdiction) -> Self {
        self.established_in.insert(j);
        self
    }
    /// Sets the role (meaningful for recipients).
    #[must_use]
    pub fn with_role(mut self, role: Role) -> Self {
        self.role = Some(role);
        self
    }
    /// Adds a tag (it must be declared by an enabled pack when a transfer uses the party).
    #[must_use]
    pub fn with_tag(mut self, tag: Tag) -> Self {
        if !self.tags.contains(&tag) {
            self.tags.push(tag);
        }
        self
    }
    /// Adds a certification the party holds.
    #[must_use]
    pub fn with_certification(mut self, c: Certification) -> Self {
        self.certifications.push(c);
        self
    }
    /// The party's id.
    #[must_use]
    pub fn id(&self) -> &PartyId {
        &self.id
    }
    /// Where it is established.
    #[must_use]
    pub fn establishments(&self) -> &JurisdictionSet {
        &self.established_in
    }
    /// Its role, if stated.
    #[must_use]
    pub fn role(&self) -> Option<Role> {
        self.role
    }
    /// Its tags.
    #[must_use]
    pub fn tags(&self) -> &[Tag] {
        &self.tags
    }
    /// The certifications it carries with it (a store may hold more).
    #[must_use]
    pub fn certifications(&self) -> &[Certification] {
        &self.certifications
    }
}

/// The person the data is about.
///
/// ```
/// use crossborder::Subject;
/// let s = Subject::new("u-42".parse()?).resident_in("CN".parse()?).minor(true);
/// assert_eq!(s.residence().map(|j| j.to_string()).as_deref(), Some("CN"));
/// assert!(s.is_minor());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    id: SubjectId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    residence: Option<Jurisdiction>,
    #[serde(default, skip_serializing_if = "JurisdictionSet::is_empty")]
    citizenships: JurisdictionSet,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    located_at_collection: Option<Jurisdiction>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    minor: bool,
}

impl Subject {
    /// A subject with only an id.
    #[must_use]
    pub fn new(id: SubjectId) -> Self {
        Subject {
            id,
            residence: None,
            citizenships: JurisdictionSet::empty(),
            located_at_collection: None,
            minor: false,
        }
    }
    /// Sets where the subject resides.
    #[must_use]
    pub fn resident_in(mut self, j: Jurisdiction) -> Self {
        self.residence = Some(j);
        self
    }
    /// Adds a citizenship.
    #[must_use]
    pub fn citizen_of(mut self, j: Jurisdiction) -> Self {
        self.citizenships.insert(j);
        self
    }
    /// Sets where the subject was when the data was collected.
    #[must_use]
    pub fn located_at_collection(mut self, j: Jurisdiction) -> Self {
        self.located_at_collection = Some(j);
        self
    }
    /// Marks the subject as a minor (under the age the governing regime sets; the host decides).
    #[must_use]
    pub fn minor(mut self, minor: bool) -> Self {
        self.minor = minor;
        self
    }
    /// The subject's id.
    #[must_use]
    pub fn id(&self) -> &SubjectId {
        &self.id
    }
    /// Where the subject resides, if known.
    #[must_use]
    pub fn residence(&self) -> Option<Jurisdiction> {
        self.residence
    }
    /// The subject's citizenships.
    #[must_use]
    pub fn citizenships(&self) -> &JurisdictionSet {
        &self.citizenships
    }
    /// Where the subject was at collection, if known.
    #[must_use]
    pub fn location_at_collection(&self) -> Option<Jurisdiction> {
        self.located_at_collection
    }
    /// Whether the subject is a minor.
    #[must_use]
    pub fn is_minor(&self) -> bool {
        self.minor
    }

    /// Overwrites this subject with the given facts, reusing the id's storage where it can
    /// (the request catalog's in-place refill).
    pub(crate) fn refill(
        &mut self,
        id: &SubjectId,
        residence: Option<Jurisdiction>,
        citizenships: &JurisdictionSet,
        located_at_collection: Option<Jurisdiction>,
        minor: bool,
    ) {
        self.id.clone_from(id);
        self.residence = residence;
        self.citizenships = *citizenships;
        self.located_at_collection = located_at_collection;
        self.minor = minor;
    }
}

/// Whose data an act concerns: one subject, or a counted batch of distinct individuals.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Individuals {
    /// One identified subject: consent-based bases can apply.
    One(Subject),
    /// A batch of distinct individuals, counted apart where regimes count sensitive data apart.
    /// Consent bases never hold for a batch: evaluate per-subject transfers instead.
    Bulk {
        /// Individuals whose sensitive data the batch holds.
        sensitive: u64,
        /// Individuals whose data in the batch is not sensitive.
        non_sensitive: u64,
        /// Where the members reside: each place with how many of them (the counts add up to
        /// the batch). Unstated: every member's residence is unknown.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        residence: BTreeMap<Jurisdiction, u64>,
        /// Where the members were when their data was collected (the counts add up to the
        /// batch).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        located_at_collection: BTreeMap<Jurisdiction, u64>,
        /// The members' citizenships: each state with how many of its citizens the batch
        /// holds (every member counted at least once; a dual citizen under each state).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        citizenships: BTreeMap<Jurisdiction, u64>,
        /// The members by id, one per individual, where a basis needs per-subject evidence (each
        /// member's consent).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        subjects: Vec<SubjectId>,
    },
}

impl Individuals {
    /// How many individuals: 1, or the batch's size.
    #[must_use]
    pub fn count(&self) -> u64 {
        match self {
            Individuals::One(_) => 1,
            Individuals::Bulk {
                sensitive,
                non_sensitive,
                ..
            } => sensitive.saturating_add(*non_sensitive),
        }
    }

    /// Whether a batch's stated composition is consistent: residence and location counts add
    /// up to the batch, every citizenship count is at most the batch and together they count
    /// every member, and listed members are one per individual, each once. The error says
    /// which statement is off.
    pub(crate) fn check_composition(&self) -> Result<(), String> {
        let Individuals::Bulk {
            residence,
            located_at_collection,
            citizenships,
            subjects,
            ..
        } = self
        else {
            return Ok(());
        };
        let total = self.count();
        let sum =
            |m: &BTreeMap<Jurisdiction, u64>| m.values().fold(0u64, |a, n| a.saturating_add(*n));
        for (field, m) in [
            ("residence", residence),
            ("located_at_collection", located_at_collection),
        ] {
            if !m.is_empty() && sum(m) != total {
                return Err(format!(
                    "the batch's `{field}` counts add up to {}, but it holds {total} individuals: state every member's place (or leave `{field}` out, and rules keyed on it apply on an assumption)",
                    sum(m)
                ));
            }
        }
        if let Some((j, n)) = citizenships.iter().find(|(_, n)| **n > total) {
            return Err(format!(
                "the batch's `citizenships` count {n} citizens of `{j}`, more than the {total} individuals it holds"
            ));
        }
        if !citizenships.is_empty() && sum(citizenships) < total {
            return Err(format!(
                "the batch's `citizenships` counts add up to {}, fewer than its {total} individuals: count every member under each state of which they are a citizen (or leave `citizenships` out)",
                sum(citizenships)
            ));
        }
        if let Some((j, _)) = residence
            .iter()
            .chain(located_at_collection)
            .chain(citizenships)
            .find(|(_, n)| **n == 0)
        {
            return Err(format!(
                "the batch states 0 members for `{j}`: leave the place out"
            ));
        }
        if !subjects.is_empty() {
            if subjects.len() as u64 != total {
                return Err(format!(
                    "the batch lists {} members in `subjects`, but it holds {total} individuals: list every member, or none",
                    subjects.len()
                ));
            }
            let mut seen = std::collections::BTreeSet::new();
            if let Some(dup) = subjects.iter().find(|s| !seen.insert(*s)) {
                return Err(format!(
                    "the batch lists member `{dup}` twice in `subjects`"
                ));
            }
        }
        Ok(())
    }
}

/// Adds counts per place, summing repeated places.
fn add_counts(
    to: &mut BTreeMap<Jurisdiction, u64>,
    places: impl IntoIterator<Item = (Jurisdiction, u64)>,
) {
    for (j, n) in places {
        let e = to.entry(j).or_insert(0);
        *e = e.saturating_add(n);
    }
}

/// The data an act concerns: its categories, where it was collected, and whose it is.
///
/// ```
/// use crossborder::{DataItem, Subject};
/// let item = DataItem::of_subject(
///     Subject::new("u-42".parse()?),
///     ["personal.sensitive.health".parse()?],
///     "CN".parse()?,
/// );
/// assert_eq!(item.categories().len(), 1);
/// assert_eq!(item.collected_in().to_string(), "CN");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataItem {
    categories: Vec<Category>,
    collected_in: Jurisdiction,
    individuals: Individuals,
}

impl DataItem {
    /// Data about one subject.
    pub fn of_subject(
        subject: Subject,
        categories: impl IntoIterator<Item = Category>,
        collected_in: Jurisdiction,
    ) -> Self {
        DataItem {
            categories: distinct(categories),
            collected_in,
            individuals: Individuals::One(subject),
        }
    }

    /// Overwrites this item with data about one subject, reusing its allocations (the
    /// request catalog's in-place refill). `categories` must already be distinct.
    /// `subject` refills the item's subject (the old one, or a new one with `id` when the
    /// item held a batch).
    pub(crate) fn refill_one(
        &mut self,
        id: &SubjectId,
        categories: &[Category],
        collected_in: Jurisdiction,
        subject: impl FnOnce(&mut Subject),
    ) {
        self.categories.clear();
        self.categories.extend_from_slice(categories);
        self.collected_in = collected_in;
        match &mut self.individuals {
            Individuals::One(s) => subject(s),
            other => {
                let mut s = Subject::new(id.clone());
                subject(&mut s);
                *other = Individuals::One(s);
            }
        }
    }

    /// A batch about `sensitive + non_sensitive` distinct individuals.
    pub fn bulk(
        categories: impl IntoIterator<Item = Category>,
        collected_in: Jurisdiction,
        sensitive: u64,
        non_sensitive: u64,
    ) -> Self {
        DataItem {
            categories: distinct(categories),
            collected_in,
            individuals: Individuals::Bulk {
                sensitive,
                non_sensitive,
                residence: BTreeMap::new(),
                located_at_collection: BTreeMap::new(),
                citizenships: BTreeMap::new(),
                subjects: Vec::new(),
            },
        }
    }

    /// The same batch, with where its members reside: each place and how many members (the
    /// counts must add up to the batch when the transfer is built).
    ///
    /// ```
    /// use crossborder::DataItem;
    /// let batch = DataItem::bulk(["personal.contact".parse()?], "SG".parse()?, 0, 1000)
    ///     .members_resident([("SG".parse()?, 900), ("MY".parse()?, 100)]);
    /// assert_eq!(batch.individuals().count(), 1000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn members_resident(
        mut self,
        places: impl IntoIterator<Item = (Jurisdiction, u64)>,
    ) -> Self {
        if let Individuals::Bulk { residence, .. } = &mut self.individuals {
            add_counts(residence, places);
        }
        self
    }

    /// The same batch, with where its members were when their data was collected.
    #[must_use]
    pub fn members_located(
        mut self,
        places: impl IntoIterator<Item = (Jurisdiction, u64)>,
    ) -> Self {
        if let Individuals::Bulk {
            located_at_collection,
            ..
        } = &mut self.individuals
        {
            add_counts(located_at_collection, places);
        }
        self
    }

    /// The same batch, with its members' citizenships (a dual citizen counted under each).
    #[must_use]
    pub fn members_citizens(
        mut self,
        states: impl IntoIterator<Item = (Jurisdiction, u64)>,
    ) -> Self {
        if let Individuals::Bulk { citizenships, .. } = &mut self.individuals {
            add_counts(citizenships, states);
        }
        self
    }

    /// The same batch, with its members listed by id (one per individual), so that bases that
    /// need per-subject evidence (each member's consent) can be answered.
    #[must_use]
    pub fn members(mut self, ids: impl IntoIterator<Item = SubjectId>) -> Self {
        if let Individuals::Bulk { subjects, .. } = &mut self.individuals {
            subjects.extend(ids);
        }
        self
    }

    /// The categories (at least one once the transfer is built).
    #[must_use]
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }
    /// Where the data was collected.
    #[must_use]
    pub fn collected_in(&self) -> Jurisdiction {
        self.collected_in
    }
    /// Whose data it is.
    #[must_use]
    pub fn individuals(&self) -> &Individuals {
        &self.individuals
    }
    /// The subject, for single-subject data.
    #[must_use]
    pub fn subject(&self) -> Option<&Subject> {
        match &self.individuals {
            Individuals::One(s) => Some(s),
            Individuals::Bulk { .. } => None,
        }
    }
}

/// `items` in order, each value once (the first time it appears).
pub(crate) fn distinct<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = Vec::new();
    for x in items {
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        for o in Operation::ALL {
            assert_eq!(o.to_string().parse::<Operation>().unwrap(), *o);
            assert_eq!(
                serde_json::from_str::<Operation>(&serde_json::to_string(o).unwrap()).unwrap(),
                *o
            );
        }
        for r in Role::ALL {
            assert_eq!(r.to_string().parse::<Role>().unwrap(), *r);
        }
        let e = "teleport".parse::<Operation>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown operation `teleport`: expected one of `transfer`, `store`, `process`, `remote_access`"
        );
    }

    #[test]
    fn certification_windows() {
        use chrono::TimeZone;
        let t = |d| Utc.with_ymd_and_hms(2025, 1, d, 0, 0, 0).unwrap();
        let c = Certification::new(
            "c".parse().unwrap(),
            "eu-us-dpf".parse().unwrap(),
            t(2),
            Some(t(10)),
        )
        .unwrap();
        assert!(!c.is_valid_at(t(1)));
        assert!(c.is_valid_at(t(2)));
        assert!(!c.is_valid_at(t(10)));
        let r = c.clone().revoked(t(5)).unwrap();
        assert!(r.is_valid_at(t(4)) && !r.is_valid_at(t(5)));
        assert!(c.clone().revoked(t(1)).is_err());
        assert_eq!(
            Certification::new("c".parse().unwrap(), "x".parse().unwrap(), t(2), Some(t(2)))
                .unwrap_err()
                .kind(),
            ModelErrorKind::InvalidPeriod
        );
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Certification>(&json).unwrap(), r);
    }

    #[test]
    fn data_item_dedups_categories() {
        let c: Category = "personal.contact".parse().unwrap();
        let d = DataItem::bulk([c.clone(), c], "CN".parse().unwrap(), 1, 2);
        assert_eq!(d.categories().len(), 1);
        assert!(d.subject().is_none());
    }
}
