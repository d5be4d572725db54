//! The request: a transfer, built and validated against an engine.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize, Serializer};
use smallvec::SmallVec;

use super::{
    DataItem, EvidenceId, Individuals, Jurisdiction, Operation, Party, Purpose, Role, Tag,
};
use crate::engine::Engine;
use crate::engine::sets::{CatSet, JRef, JSet};
use crate::error::{ModelError, ModelErrorKind};
use crate::policy::format::TagOn;

/// Builds a [`Transfer`]. Also the serde form of a transfer: a JSON request deserializes into a
/// builder, and [`TransferBuilder::build`] validates it against an engine.
///
/// Required: operation, destination, data, exporter, at. The origin (where the data is now)
/// defaults to where it was collected.
///
/// # Example
///
/// ```
/// use crossborder::{DataItem, Engine, Operation, Party, Subject, TransferBuilder};
///
/// let engine = Engine::builder().enable("cn-pledge-2015").build()?;
/// let json = r#"{
///   "id": "t-1",
///   "operation": "remote_access",
///   "destination": "US",
///   "data": {
///     "categories": ["personal.sensitive.health"],
///     "collected_in": "CN",
///     "individuals": { "one": { "id": "u-42", "residence": "CN" } }
///   },
///   "exporter": { "id": "acme-cn", "established_in": ["CN"] },
///   "at": "2026-03-01T00:00:00Z"
/// }"#;
/// let transfer = serde_json::from_str::<TransferBuilder>(json)?.build(&engine)?;
/// assert_eq!(transfer.operation(), Operation::RemoteAccess);
/// assert_eq!(transfer.origin().to_string(), "CN");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferBuilder {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<EvidenceId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    operation: Option<Operation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    origin: Option<Jurisdiction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    destination: Option<Jurisdiction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data: Option<DataItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exporter: Option<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recipient: Option<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    purpose: Option<Purpose>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at: Option<DateTime<Utc>>,
}

impl TransferBuilder {
    /// An identifier for audit records.
    #[must_use]
    pub fn id(mut self, id: EvidenceId) -> Self {
        self.id = Some(id);
        self
    }
    /// What is done: transfer, store, process or remote access.
    #[must_use]
    pub fn operation(mut self, op: Operation) -> Self {
        self.operation = Some(op);
        self
    }
    /// Where the data is now (defaults to where it was collected).
    #[must_use]
    pub fn origin(mut self, j: Jurisdiction) -> Self {
        self.origin = Some(j);
        self
    }
    /// Where the act happens: where the data goes, is stored or processed, or is accessed from.
    #[must_use]
    pub fn destination(mut self, j: Jurisdiction) -> Self {
        self.destination = Some(j);
        self
    }
    /// The data concerned.
    #[must_use]
    pub fn data(mut self, d: DataItem) -> Self {
        self.data = Some(d);
        self
    }
    /// Who exports (the personal-information handler or controller).
    #[must_use]
    pub fn exporter(mut self, p: Party) -> Self {
        self.exporter = Some(p);
        self
    }
    /// Who receives or accesses the data, if anyone other than the exporter. With no recipient
    /// the exporter acts itself: rules see a recipient of role `same_entity`, established where
    /// the exporter is, with no tags and no certifications.
    #[must_use]
    pub fn recipient(mut self, p: Party) -> Self {
        self.recipient = Some(p);
        self
    }
    /// Why.
    #[must_use]
    pub fn purpose(mut self, p: Purpose) -> Self {
        self.purpose = Some(p);
        self
    }
    /// Adds a transfer tag (`systematic`, ...) declared by an enabled pack.
    #[must_use]
    pub fn tag(mut self, t: Tag) -> Self {
        if !self.tags.contains(&t) {
            self.tags.push(t);
        }
        self
    }
    /// The instant of the act. Evaluation reads no clock: this is the only time it knows.
    #[must_use]
    pub fn at(mut self, t: DateTime<Utc>) -> Self {
        self.at = Some(t);
        self
    }

    /// Validates the transfer against `engine` and resolves its names to the engine's ids.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::MissingField`] when a required field is unset;
    /// [`ModelErrorKind::InvalidValue`] when the data has no category;
    /// [`ModelErrorKind::UnknownCategory`] for a category the engine's taxonomy does not
    /// declare; [`ModelErrorKind::UnknownTag`] for a tag no enabled pack declares (or declares
    /// for the other kind of value); [`ModelErrorKind::UnknownSubdivision`] for a division no
    /// enabled pack declares.
    pub fn build(self, engine: &Engine) -> Result<Transfer, ModelError> {
        let missing = |f: &str| {
            ModelError::new(
                ModelErrorKind::MissingField,
                format!("a transfer needs `{f}`"),
            )
        };
        let operation = self.operation.ok_or_else(|| missing("operation"))?;
        let destination = self.destination.ok_or_else(|| missing("destination"))?;
        let data = self.data.ok_or_else(|| missing("data"))?;
        let exporter = self.exporter.ok_or_else(|| missing("exporter"))?;
        let at = self.at.ok_or_else(|| missing("at"))?;
        let origin = self.origin.unwrap_or(data.collected_in());
        let t = TransferData {
            id: self.id,
            operation,
            origin,
            destination,
            data,
            exporter,
            recipient: self.recipient,
            purpose: self.purpose,
            tags: self.tags,
            at,
        };
        let key = compile_key(engine, &t)?;
        Ok(Transfer { data: t, key })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TransferData {
    pub id: Option<EvidenceId>,
    pub operation: Operation,
    pub origin: Jurisdiction,
    pub destination: Jurisdiction,
    pub data: DataItem,
    pub exporter: Party,
    pub recipient: Option<Party>,
    pub purpose: Option<Purpose>,
    pub tags: Vec<Tag>,
    pub at: DateTime<Utc>,
}

/// The transfer with its names resolved to an engine's dense ids: what evaluation reads.
///
/// Laid out in declaration order, what every evaluation reads first (about three cache lines);
/// the establishment and citizenship sets, which few rules test, are boxed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct TransferKey {
    pub fingerprint: u64,
    /// [`key_hash`](crate::evidence::key_hash) of the subject (0 for a bulk act), the exporter
    /// and the recipient (0 when none): the evidence store finds their slots without hashing.
    pub subject_hash: u64,
    pub exporter_hash: u64,
    pub recipient_hash: u64,
    pub category_union: CatSet,
    /// Copies of the act's instant and operation, next to the rest of what evaluation reads.
    pub at: DateTime<Utc>,
    /// `at` as saturated nanoseconds (`evidence::act_nanos`), for the evidence store.
    pub at_nanos: i64,
    pub operation: Operation,
    pub minor: Option<bool>,
    pub bulk: bool,
    /// `None`: no purpose given. `Some(None)`: a purpose no pack declares.
    pub purpose: Option<Option<u16>>,
    pub origin: JRef,
    pub destination: JRef,
    pub collected_in: JRef,
    pub residence: Option<JRef>,
    pub location: Option<JRef>,
    pub categories: SmallVec<[u16; 4]>,
    pub exporter_tags: u128,
    pub recipient_tags: u128,
    pub transfer_tags: u128,
    pub citizenships: Option<Box<JSet>>,
    pub exporter_est: Option<Box<JSet>>,
    pub recipient_est: Option<Box<JSet>>,
}

use crate::evidence::key_hash;

fn compile_key(engine: &Engine, t: &TransferData) -> Result<TransferKey, ModelError> {
    let p = &engine.program;
    if t.data.categories().is_empty() {
        return Err(ModelError::new(
            ModelErrorKind::InvalidValue,
            "a transfer's data needs at least one category",
        ));
    }
    let mut categories = SmallVec::new();
    let mut category_union = CatSet::default();
    for c in t.data.categories() {
        let id = *p.category_ids.get(c).ok_or_else(|| {
            ModelError::new(
                ModelErrorKind::UnknownCategory,
                format!("unknown category `{c}`: the enabled packs' taxonomy does not declare it"),
            )
        })?;
        categories.push(id);
        if let Some(cl) = p.closure.get(usize::from(id)) {
            category_union.union_with(cl);
        }
    }
    let tags = |tags: &[Tag], want: TagOn, whose: &str| -> Result<u128, ModelError> {
        let mut m = 0u128;
        for tag in tags {
            match p.tag_ids.get(tag) {
                Some((id, on)) if *on == want => m |= 1u128 << (u32::from(*id) % 128),
                Some(_) => {
                    return Err(ModelError::new(
                        ModelErrorKind::UnknownTag,
                        format!(
                            "tag `{tag}` on {whose} is declared by the enabled packs for another kind of value"
                        ),
                    ));
                }
                None => {
                    return Err(ModelError::new(
                        ModelErrorKind::UnknownTag,
                        format!("unknown tag `{tag}` on {whose}: no enabled pack declares it"),
                    ));
                }
            }
        }
        Ok(m)
    };
    let est = |party: &Party| -> Option<Box<JSet>> {
        let s = party.establishments();
        if s.is_empty() {
            return None;
        }
        let mut set = JSet::default();
        for j in s.iter() {
            if let Ok(r) = p.jref(j) {
                set.insert(r.id);
            }
        }
        Some(Box::new(set))
    };
    let (residence, location, citizenships, minor) = match t.data.individuals() {
        Individuals::One(s) => (
            s.residence().map(|j| p.jref(j)).transpose()?,
            s.location_at_collection().map(|j| p.jref(j)).transpose()?,
            (!s.citizenships().is_empty()).then(|| {
                let mut set = JSet::default();
                for j in s.citizenships().iter() {
                    if let Ok(r) = p.jref(j) {
                        set.insert(r.id);
                    }
                }
                Box::new(set)
            }),
            Some(s.is_minor()),
        ),
        Individuals::Bulk { .. } => (None, None, None, None),
    };
    Ok(TransferKey {
        fingerprint: p.fingerprint,
        at: t.at,
        at_nanos: crate::evidence::act_nanos(t.at),
        operation: t.operation,
        origin: p.jref(t.origin)?,
        destination: p.jref(t.destination)?,
        collected_in: p.jref(t.data.collected_in())?,
        residence,
        location,
        citizenships,
        exporter_est: est(&t.exporter),
        // With no recipient the exporter acts itself: the recipient is the exporter's own
        // entity, established where the exporter is, with no tags of its own.
        recipient_est: match &t.recipient {
            Some(r) => est(r),
            None => est(&t.exporter),
        },
        recipient_tags: match &t.recipient {
            Some(r) => tags(r.tags(), TagOn::Party, "the recipient")?,
            None => 0,
        },
        exporter_tags: tags(t.exporter.tags(), TagOn::Party, "the exporter")?,
        transfer_tags: tags(&t.tags, TagOn::Transfer, "the transfer")?,
        categories,
        category_union,
        purpose: t.purpose.as_ref().map(|pu| p.purpose_ids.get(pu).copied()),
        minor,
        bulk: matches!(t.data.individuals(), Individuals::Bulk { .. }),
        subject_hash: t.data.subject().map_or(0, |s| key_hash(s.id().as_str())),
        exporter_hash: key_hash(t.exporter.id().as_str()),
        recipient_hash: t
            .recipient
            .as_ref()
            .map_or(0, |r| key_hash(r.id().as_str())),
    })
}

/// A validated request: an act on data, by an exporter, toward a destination, at an instant.
///
/// Built with [`Transfer::builder`] against an [`Engine`], which checks it and resolves its
/// names to the engine's ids, so evaluation never sees an invalid transfer and never looks a
/// name up. A transfer can be evaluated by any engine with the same
/// [`fingerprint`](Engine::fingerprint); another engine denies it with a diagnostic.
///
/// `Serialize` writes the builder's form, so a serialized transfer deserializes into a
/// [`TransferBuilder`].
///
/// # Example
///
/// ```
/// use crossborder::{DataItem, Engine, Operation, Party, Subject, Transfer, TransferBuilder};
/// use chrono::{TimeZone, Utc};
///
/// let engine = Engine::builder().enable("cn-pledge-2015").build()?;
/// let transfer = Transfer::builder()
///     .id("t-9".parse()?)
///     .operation(Operation::Store)
///     .destination("HK".parse()?)
///     .data(DataItem::bulk(["personal.contact".parse()?], "CN".parse()?, 0, 12_000))
///     .exporter(Party::new("acme-cn".parse()?))
///     .at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
///     .build(&engine)?;
/// assert_eq!(transfer.destination().to_string(), "HK");
/// assert!(transfer.data().subject().is_none());
/// // The JSON form is the builder's: it comes back through `build`.
/// let json = serde_json::to_string(&transfer)?;
/// let again = serde_json::from_str::<TransferBuilder>(&json)?.build(&engine)?;
/// assert_eq!(again, transfer);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Transfer {
    pub(crate) data: TransferData,
    pub(crate) key: TransferKey,
}

impl Transfer {
    /// A builder with nothing set.
    #[must_use]
    pub fn builder() -> TransferBuilder {
        TransferBuilder::default()
    }

    /// The identifier, if given.
    #[must_use]
    pub fn id(&self) -> Option<&EvidenceId> {
        self.data.id.as_ref()
    }
    /// The operation.
    #[must_use]
    pub fn operation(&self) -> Operation {
        self.data.operation
    }
    /// Where the data is now.
    #[must_use]
    pub fn origin(&self) -> Jurisdiction {
        self.data.origin
    }
    /// Where the act happens.
    #[must_use]
    pub fn destination(&self) -> Jurisdiction {
        self.data.destination
    }
    /// The data concerned.
    #[must_use]
    pub fn data(&self) -> &DataItem {
        &self.data.data
    }
    /// The exporter.
    #[must_use]
    pub fn exporter(&self) -> &Party {
        &self.data.exporter
    }
    /// The recipient, if any.
    #[must_use]
    pub fn recipient(&self) -> Option<&Party> {
        self.data.recipient.as_ref()
    }
    /// The recipient's role: as stated, [`Role::SameEntity`] when there is no recipient (the
    /// exporter acts itself), `None` when a recipient is named without a role.
    #[must_use]
    pub fn recipient_role(&self) -> Option<Role> {
        match &self.data.recipient {
            Some(r) => r.role(),
            None => Some(Role::SameEntity),
        }
    }
    /// The purpose, if given.
    #[must_use]
    pub fn purpose(&self) -> Option<&Purpose> {
        self.data.purpose.as_ref()
    }
    /// The transfer's tags.
    #[must_use]
    pub fn tags(&self) -> &[Tag] {
        &self.data.tags
    }
    /// The instant of the act.
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.data.at
    }

    /// The builder this transfer was built from.
    #[must_use]
    pub fn to_builder(&self) -> TransferBuilder {
        let d = &self.data;
        TransferBuilder {
            id: d.id.clone(),
            operation: Some(d.operation),
            origin: Some(d.origin),
            destination: Some(d.destination),
            data: Some(d.data.clone()),
            exporter: Some(d.exporter.clone()),
            recipient: d.recipient.clone(),
            purpose: d.purpose.clone(),
            tags: d.tags.clone(),
            at: Some(d.at),
        }
    }
}

impl Serialize for Transfer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_builder().serialize(s)
    }
}

impl fmt::Debug for Transfer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transfer")
            .field("data", &self.data)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Transfer {
    /// One line: `remote_access of personal.sensitive.health about subject `u-42`, collected in
    /// CN, from CN to US, at 2026-03-01T00:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.data;
        write!(f, "{} of ", d.operation)?;
        for (i, c) in d.data.categories().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{c}")?;
        }
        match d.data.individuals() {
            Individuals::One(s) => write!(f, " about subject `{}`", s.id())?,
            Individuals::Bulk {
                sensitive,
                non_sensitive,
            } => write!(
                f,
                " about {} individuals ({sensitive} sensitive)",
                sensitive.saturating_add(*non_sensitive)
            )?,
        }
        write!(
            f,
            ", collected in {}, from {} to {}, by `{}`",
            d.data.collected_in(),
            d.origin,
            d.destination,
            d.exporter.id()
        )?;
        if let Some(r) = &d.recipient {
            write!(f, " for `{}`", r.id())?;
        }
        write!(
            f,
            ", at {}",
            d.at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Subject;
    use chrono::TimeZone;

    fn engine() -> Engine {
        Engine::builder().enable("cn-pledge-2015").build().unwrap()
    }

    fn base() -> TransferBuilder {
        Transfer::builder()
            .operation(Operation::Transfer)
            .destination("US".parse().unwrap())
            .data(DataItem::of_subject(
                Subject::new("u".parse().unwrap()),
                ["personal.sensitive.health".parse().unwrap()],
                "CN".parse().unwrap(),
            ))
            .exporter(Party::new("acme".parse().unwrap()))
            .at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
    }

    #[test]
    fn missing_fields_are_named() {
        let e = Transfer::builder().build(&engine()).unwrap_err();
        assert_eq!(e.kind(), ModelErrorKind::MissingField);
        assert_eq!(e.to_string(), "a transfer needs `operation`");
    }

    #[test]
    fn unknown_names_are_errors() {
        let e = base()
            .tag("systematic".parse().unwrap())
            .build(&engine())
            .unwrap_err();
        assert_eq!(e.kind(), ModelErrorKind::UnknownTag);
        assert_eq!(
            e.to_string(),
            "unknown tag `systematic` on the transfer: no enabled pack declares it"
        );
        let e = base()
            .data(DataItem::of_subject(
                Subject::new("u".parse().unwrap()),
                ["personal.helth".parse().unwrap()],
                "CN".parse().unwrap(),
            ))
            .build(&engine())
            .unwrap_err();
        assert_eq!(e.kind(), ModelErrorKind::UnknownCategory);
        let e = base()
            .destination("US-CA".parse().unwrap())
            .build(&engine())
            .unwrap_err();
        assert_eq!(e.kind(), ModelErrorKind::UnknownSubdivision);
        assert_eq!(
            e.to_string(),
            "unknown division `US-CA`: no enabled pack declares it; use `US` instead"
        );
        let e = base()
            .data(DataItem::bulk([], "CN".parse().unwrap(), 0, 1))
            .build(&engine())
            .unwrap_err();
        assert_eq!(e.kind(), ModelErrorKind::InvalidValue);
    }

    #[test]
    fn serde_round_trip_and_display() {
        let e = engine();
        let t = base().id("t-1".parse().unwrap()).build(&e).unwrap();
        assert_eq!(t.origin().to_string(), "CN");
        let json = serde_json::to_string(&t).unwrap();
        let back = serde_json::from_str::<TransferBuilder>(&json)
            .unwrap()
            .build(&e)
            .unwrap();
        assert_eq!(back, t);
        assert_eq!(
            t.to_string(),
            "transfer of personal.sensitive.health about subject `u`, collected in CN, from CN to US, by `acme`, at 2026-03-01T00:00:00Z"
        );
        assert!(serde_json::from_str::<TransferBuilder>(r#"{"operaton":"transfer"}"#).is_err());
    }
}
