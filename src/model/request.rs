//! The request as the host states it: [`TransferBuilder`], the serde form of a transfer, and
//! the plain data it holds once every required field is set.
//!
//! Pure values: nothing here knows an engine. Checking the request against an engine's packs
//! and resolving its names is the engine's job (`TransferBuilder::build`, in
//! `engine/prepare.rs`).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::instant::serde_instant;
use super::{
    DataItem, EvidenceId, Individuals, Jurisdiction, Operation, Party, PartyId, Purpose, Subject,
    Tag, rfc3339,
};
use crate::error::{TransferError, TransferErrorKind};

/// Builds a [`Transfer`](crate::Transfer). Also the serde form of a transfer: a JSON request deserializes into a
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(transform = purpose_alias))]
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
    /// Accepts `purpose` (one) or `purposes` (a list); written as `purposes`.
    #[serde(
        default,
        alias = "purpose",
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[cfg_attr(feature = "schema", schemars(with = "OneOrMany"))]
    purposes: Vec<Purpose>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    came_from: Option<CameFrom>,
    #[serde(
        default,
        deserialize_with = "serde_instant::option",
        skip_serializing_if = "Option::is_none"
    )]
    at: Option<DateTime<Utc>>,
}

/// Where an onward act's data came from: the earlier act's exporter, and the evidence
/// (approvals it holds: a contract, a filed clause set) that carried the earlier act. The
/// conditions those approvals attach to onward acts ([`Onward`](crate::Onward)), and rules
/// on the mechanism the data came under, apply to this act.
///
/// ```
/// use crossborder::CameFrom;
/// let from = CameFrom::new("acme-cn".parse()?, ["gba-1".parse()?]).transfer("t-1".parse()?);
/// assert_eq!(from.under().len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameFrom {
    /// The earlier act's id, if the host gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    transfer: Option<EvidenceId>,
    /// Who exported the data in the earlier act (and holds the approvals named in `under`).
    exporter: PartyId,
    /// The approvals that carried the earlier act.
    under: Vec<EvidenceId>,
}

impl CameFrom {
    /// Data exported by `exporter` under the approvals `under`.
    pub fn new(exporter: PartyId, under: impl IntoIterator<Item = EvidenceId>) -> Self {
        CameFrom {
            transfer: None,
            exporter,
            under: under.into_iter().collect(),
        }
    }
    /// The same, naming the earlier act.
    #[must_use]
    pub fn transfer(mut self, id: EvidenceId) -> Self {
        self.transfer = Some(id);
        self
    }
    /// The earlier act's id, if given.
    #[must_use]
    pub fn transfer_id(&self) -> Option<&EvidenceId> {
        self.transfer.as_ref()
    }
    /// The earlier act's exporter.
    #[must_use]
    pub fn exporter(&self) -> &PartyId {
        &self.exporter
    }
    /// The approvals that carried the earlier act.
    #[must_use]
    pub fn under(&self) -> &[EvidenceId] {
        &self.under
    }
}

/// One purpose, or a list of them.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Purpose),
    Many(Vec<Purpose>),
}

/// The schema accepts `purpose` as well as `purposes`, as serde does.
#[cfg(feature = "schema")]
fn purpose_alias(schema: &mut schemars::Schema) {
    if let Some(props) = schema
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
        && let Some(p) = props.get("purposes").cloned()
    {
        props.insert("purpose".to_owned(), p);
    }
}

/// One purpose, or a list of them (each once, in order).
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Purpose>, D::Error> {
    let list = match OneOrMany::deserialize(d)? {
        OneOrMany::One(p) => vec![p],
        OneOrMany::Many(ps) => ps,
    };
    let mut out: Vec<Purpose> = Vec::with_capacity(list.len());
    for p in list {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

impl TransferBuilder {
    /// The transfer's id, if the host gave one. (The `stated_*` accessors read the act as
    /// submitted, before it is resolved against an engine.)
    #[must_use]
    pub fn stated_id(&self) -> Option<&EvidenceId> {
        self.id.as_ref()
    }
    /// The operation, if set.
    #[must_use]
    pub fn stated_operation(&self) -> Option<Operation> {
        self.operation
    }
    /// Where the act starts (when stated apart from where the data was collected).
    #[must_use]
    pub fn stated_origin(&self) -> Option<Jurisdiction> {
        self.origin
    }
    /// Where the act takes the data (or where it happens), if set.
    #[must_use]
    pub fn stated_destination(&self) -> Option<Jurisdiction> {
        self.destination
    }
    /// The data, if set.
    #[must_use]
    pub fn stated_data(&self) -> Option<&DataItem> {
        self.data.as_ref()
    }
    /// The exporter, if set.
    #[must_use]
    pub fn stated_exporter(&self) -> Option<&Party> {
        self.exporter.as_ref()
    }
    /// The recipient, if set.
    #[must_use]
    pub fn stated_recipient(&self) -> Option<&Party> {
        self.recipient.as_ref()
    }
    /// The purposes stated.
    #[must_use]
    pub fn stated_purposes(&self) -> &[Purpose] {
        &self.purposes
    }
    /// The act's instant, if set.
    #[must_use]
    pub fn stated_at(&self) -> Option<DateTime<Utc>> {
        self.at
    }
    /// The identified data subject, for a single-subject act.
    #[must_use]
    pub fn stated_subject(&self) -> Option<&Subject> {
        self.data.as_ref().and_then(DataItem::subject)
    }

    /// A builder from JSON (the serde form), with errors located: the path of the offending
    /// value, its line and column, and the closest name for an unknown field.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::InvalidJson`](crate::ModelErrorKind::InvalidJson).
    ///
    /// ```
    /// use crossborder::TransferBuilder;
    /// let err = TransferBuilder::from_json_str(r#"{"operation": "transfer", "at": "2026-03-01"}"#).unwrap_err();
    /// assert_eq!(err.location().map(|l| l.path()), Some("at"));
    /// assert_eq!(
    ///     err.message(),
    ///     "invalid instant `2026-03-01`: expected an RFC 3339 instant with a time zone, such as `2026-03-01T00:00:00Z`"
    /// );
    /// ```
    pub fn from_json_str(text: &str) -> Result<Self, crate::error::ModelError> {
        super::json::from_json(text)
    }

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
    /// Adds a purpose: why the act is done. An act may serve several purposes; each must be one
    /// an enabled pack declares. A rule about a purpose applies when any of the act's purposes
    /// is one it names, and a purpose basis holds only when every one of them is.
    #[must_use]
    pub fn purpose(mut self, p: Purpose) -> Self {
        if !self.purposes.contains(&p) {
            self.purposes.push(p);
        }
        self
    }
    /// States that this is an onward act of data that came from an earlier act (see
    /// [`CameFrom`]).
    #[must_use]
    pub fn came_from(mut self, from: CameFrom) -> Self {
        self.came_from = Some(from);
        self
    }

    /// Where an onward act's data came from, as stated.
    #[must_use]
    pub fn stated_came_from(&self) -> Option<&CameFrom> {
        self.came_from.as_ref()
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

    /// The data, once every required field is set (the origin defaults to where the data was
    /// collected). Needs no engine: resolving names is [`build`](Self::build)'s job.
    pub(crate) fn into_data(self) -> Result<TransferData, TransferError> {
        let missing = |f: &str| {
            TransferError::new(
                TransferErrorKind::MissingField,
                format!("a transfer needs `{f}`"),
            )
        };
        let operation = self.operation.ok_or_else(|| missing("operation"))?;
        let destination = self.destination.ok_or_else(|| missing("destination"))?;
        let data = self.data.ok_or_else(|| missing("data"))?;
        let exporter = self.exporter.ok_or_else(|| missing("exporter"))?;
        let at = self.at.ok_or_else(|| missing("at"))?;
        let origin = self.origin.unwrap_or(data.collected_in());
        Ok(TransferData {
            id: self.id,
            operation,
            origin,
            destination,
            data,
            exporter,
            recipient: self.recipient,
            purposes: self.purposes,
            tags: self.tags,
            came_from: self.came_from,
            at,
        })
    }
}

/// A transfer's facts, every required field set: what the engine resolves, and what a
/// decision states as the act.

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TransferData {
    pub id: Option<EvidenceId>,
    pub operation: Operation,
    pub origin: Jurisdiction,
    pub destination: Jurisdiction,
    pub data: DataItem,
    pub exporter: Party,
    pub recipient: Option<Party>,
    /// The purposes stated (none: unknown), each once.
    pub purposes: Vec<Purpose>,
    pub tags: Vec<Tag>,
    /// For an onward act, where its data came from.
    pub came_from: Option<CameFrom>,
    pub at: DateTime<Utc>,
}

impl TransferData {
    /// The builder these facts came from.
    pub(crate) fn to_builder(&self) -> TransferBuilder {
        TransferBuilder {
            id: self.id.clone(),
            operation: Some(self.operation),
            origin: Some(self.origin),
            destination: Some(self.destination),
            data: Some(self.data.clone()),
            exporter: Some(self.exporter.clone()),
            recipient: self.recipient.clone(),
            purposes: self.purposes.clone(),
            tags: self.tags.clone(),
            came_from: self.came_from.clone(),
            at: Some(self.at),
        }
    }
}

impl fmt::Display for TransferData {
    /// One line: `remote_access of personal.sensitive.health about subject `u-42`, collected in
    /// CN, from CN to US, at 2026-03-01T00:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self;
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
                ..
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
        write!(f, ", at {}", rfc3339(d.at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Subject;

    #[test]
    fn missing_fields_are_named_in_order() {
        let e = TransferBuilder::default().into_data().unwrap_err();
        assert_eq!(e.kind(), TransferErrorKind::MissingField);
        assert_eq!(e.to_string(), "a transfer needs `operation`");
        let e = TransferBuilder::default()
            .operation(Operation::Store)
            .destination("US".parse().unwrap())
            .into_data()
            .unwrap_err();
        assert_eq!(e.to_string(), "a transfer needs `data`");
    }

    #[test]
    fn the_origin_defaults_to_the_collection_place_and_the_builder_comes_back() {
        let b = TransferBuilder::default()
            .operation(Operation::Transfer)
            .destination("US".parse().unwrap())
            .data(DataItem::of_subject(
                Subject::new("u".parse().unwrap()),
                ["personal.contact".parse().unwrap()],
                "CN".parse().unwrap(),
            ))
            .exporter(Party::new("acme".parse().unwrap()))
            .at(DateTime::from_timestamp(1_772_323_200, 0).unwrap());
        let d = b.clone().into_data().unwrap();
        assert_eq!(d.origin.to_string(), "CN");
        assert_eq!(d.to_builder(), b.origin("CN".parse().unwrap()));
        assert_eq!(
            d.to_string(),
            "transfer of personal.contact about subject `u`, collected in CN, from CN to US, by `acme`, at 2026-03-01T00:00:00Z"
        );
        assert!(serde_json::from_str::<TransferBuilder>(r#"{"operaton":"transfer"}"#).is_err());
        // One purpose or several; written as a list.
        let one: TransferBuilder = serde_json::from_str(r#"{"purpose":"hr"}"#).unwrap();
        let many: TransferBuilder =
            serde_json::from_str(r#"{"purposes":["hr","hr","research"]}"#).unwrap();
        assert_eq!(one.purposes, ["hr".parse::<Purpose>().unwrap()]);
        assert_eq!(many.purposes.len(), 2);
        assert_eq!(
            serde_json::to_string(&one).unwrap(),
            r#"{"purposes":["hr"]}"#
        );
    }
}
