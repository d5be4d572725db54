//! Preparing a request for evaluation: [`TransferBuilder::build`] checks the request against an
//! engine's packs and resolves its names to the engine's dense ids ([`TransferKey`]), giving a
//! [`Transfer`] that evaluation reads without looking a name up.
//!
//! The only place the model's request meets the compiled program; evidence sees none of it
//! (queries carry plain values).

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};
use smallvec::SmallVec;

use super::Engine;
use super::decision::Fact;
use super::program::{Meaning, Program};
use super::sets::{CatSet, JRef, JSet};
use crate::error::{TransferError, TransferErrorKind};
use crate::evidence::{act_nanos, key_hash};
use crate::model::{
    Category, DataItem, EvidenceId, Individuals, Jurisdiction, Operation, Party, Purpose, Role,
    Tag, TransferBuilder, TransferData, did_you_mean,
};
use crate::pack::ast::TagOn;

impl TransferBuilder {
    /// Validates the transfer against `engine` and resolves its names to the engine's ids.
    ///
    /// # Errors
    ///
    /// [`TransferErrorKind::MissingField`] when a required field is unset;
    /// [`TransferErrorKind::InvalidValue`] when the data has no category;
    /// [`TransferErrorKind::UnknownCategory`] for a category the engine's taxonomy does not
    /// declare; [`TransferErrorKind::UnknownPurpose`] for a purpose no enabled pack declares;
    /// [`TransferErrorKind::UnknownTag`] for a tag no enabled pack declares (or declares for the
    /// other kind of value); [`TransferErrorKind::UnknownSubdivision`] for a division no enabled
    /// pack declares; [`TransferErrorKind::UnstatedFact`] for a tested fact left unstated, when
    /// the engine requires them. A certification a party carries under a scheme no pack names is
    /// kept (it is a fact about the party, not a name of the engine's); it satisfies nothing,
    /// and [`Decision::explain`](crate::Decision::explain) says so.
    pub fn build(self, engine: &Engine) -> Result<Transfer, TransferError> {
        let data = self.into_data()?;
        let key = resolve(&engine.program, &data)?;
        if let Some(required) = &engine.program.required_facts {
            stated(required, &data, &key)?;
        }
        Ok(Transfer { data, key })
    }
}

/// The transfer with its names resolved to an engine's dense ids: what evaluation reads.
///
/// Laid out in declaration order, what every evaluation reads first (about three cache lines);
/// the establishment and citizenship sets, which few rules test, are boxed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[repr(C)]
pub(super) struct TransferKey {
    pub fingerprint: u64,
    /// [`key_hash`] of the subject (0 for a bulk act), the exporter and the recipient (0 when
    /// none): the evidence store finds their slots without hashing.
    pub subject_hash: u64,
    pub exporter_hash: u64,
    pub recipient_hash: u64,
    pub category_union: CatSet,
    /// Copies of the act's instant and operation, next to the rest of what evaluation reads.
    pub at: DateTime<Utc>,
    /// `at` as saturated nanoseconds ([`act_nanos`]), for the evidence store.
    pub at_nanos: i64,
    pub operation: Operation,
    pub minor: Option<bool>,
    pub bulk: bool,
    /// Per stated purpose, the dense ids of what it stands for (none stated: unknown).
    pub purposes: SmallVec<[u128; 2]>,
    /// Per stated purpose, the names it stands for (its own first), for evidence scopes.
    pub purpose_names: SmallVec<[Arc<[Purpose]>; 2]>,
    pub origin: JRef,
    pub destination: JRef,
    pub collected_in: JRef,
    pub residence: Option<JRef>,
    pub location: Option<JRef>,
    /// A batch whose members reside in several places: each place and how many members
    /// (`residence` is then `None`).
    pub residences: Option<Box<[(JRef, u64)]>>,
    /// A batch whose members were in several places at collection (`location` is then
    /// `None`).
    pub locations: Option<Box<[(JRef, u64)]>>,
    /// The dense id of each of the data's categories, in the data's order (at most 256: the
    /// data holds distinct categories, each one the engine declares).
    pub categories: SmallVec<[u16; 4]>,
    pub exporter_tags: u128,
    pub recipient_tags: u128,
    pub transfer_tags: u128,
    pub citizenships: Option<Arc<JSet>>,
    pub exporter_est: Option<Arc<JSet>>,
    pub recipient_est: Option<Arc<JSet>>,
}

/// Resolves `t`'s names against `p`.
fn resolve(p: &Program, t: &TransferData) -> Result<TransferKey, TransferError> {
    let (categories, category_union) = categories(p, t.data.categories())?;
    let purposes = purposes(p, &t.purposes)?;

    let mut residences = None;
    let mut locations = None;
    let (residence, location, citizenships, minor) = match t.data.individuals() {
        Individuals::One(s) => (
            s.residence().map(|j| p.jref(j)).transpose()?,
            s.location_at_collection().map(|j| p.jref(j)).transpose()?,
            (!s.citizenships().is_empty()).then(|| Arc::new(jset(p, s.citizenships().iter()))),
            Some(s.is_minor()),
        ),
        who @ Individuals::Bulk {
            residence,
            located_at_collection,
            citizenships,
            ..
        } => {
            who.check_composition()
                .map_err(|m| TransferError::new(TransferErrorKind::InvalidValue, m))?;
            let (one_r, many_r) = member_places(p, residence)?;
            let (one_l, many_l) = member_places(p, located_at_collection)?;
            residences = many_r;
            locations = many_l;
            let mut states = JSet::default();
            for j in citizenships.keys() {
                states.insert(p.jref(*j)?.id);
            }
            (
                one_r,
                one_l,
                (!citizenships.is_empty()).then(|| Arc::new(states)),
                None,
            )
        }
    };
    let establishments = |party: &Party| {
        let s = party.establishments();
        (!s.is_empty()).then(|| Arc::new(jset(p, s.iter())))
    };
    Ok(TransferKey {
        fingerprint: p.fingerprint,
        at: t.at,
        at_nanos: act_nanos(t.at),
        operation: t.operation,
        origin: p.jref(t.origin)?,
        destination: p.jref(t.destination)?,
        collected_in: p.jref(t.data.collected_in())?,
        residence,
        location,
        residences,
        locations,
        citizenships,
        exporter_est: establishments(&t.exporter),
        // With no recipient the exporter acts itself: the recipient is the exporter's own
        // entity, established where the exporter is, with no tags of its own.
        recipient_est: establishments(t.recipient.as_ref().unwrap_or(&t.exporter)),
        recipient_tags: match &t.recipient {
            Some(r) => tag_mask(p, r.tags(), TagOn::Party, "the recipient")?,
            None => 0,
        },
        exporter_tags: tag_mask(p, t.exporter.tags(), TagOn::Party, "the exporter")?,
        transfer_tags: tag_mask(p, &t.tags, TagOn::Transfer, "the transfer")?,
        categories,
        category_union,
        purposes: purposes.iter().map(|m| m.mask).collect(),
        purpose_names: purposes.into_iter().map(|m| m.names).collect(),
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

/// The dense ids of the data's categories, and the union of their ancestor closures.
pub(super) fn categories(
    p: &Program,
    list: &[Category],
) -> Result<(SmallVec<[u16; 4]>, CatSet), TransferError> {
    if list.is_empty() {
        return Err(TransferError::new(
            TransferErrorKind::InvalidValue,
            "a transfer's data needs at least one category",
        ));
    }
    let mut ids = SmallVec::new();
    let mut union = CatSet::default();
    for c in list {
        let id = *p.vocab.category_ids.get(c).ok_or_else(|| {
            TransferError::new(
                TransferErrorKind::UnknownCategory,
                format!(
                    "unknown category `{c}`: the enabled packs' taxonomy does not declare it{}",
                    did_you_mean(
                        c.as_str(),
                        p.vocab.category_ids.keys().map(Category::as_str)
                    )
                ),
            )
        })?;
        ids.push(id);
        if let Some(closure) = p.vocab.closure.get(usize::from(id)) {
            union.union_with(closure);
        }
    }
    Ok((ids, union))
}

/// Under `require_stated_facts`: the first fact some rule tests that the transfer leaves
/// unstated is an error.
pub(super) fn stated(
    required: &[(Fact, String)],
    t: &TransferData,
    k: &TransferKey,
) -> Result<(), TransferError> {
    for (fact, tester) in required {
        let is_stated = match fact {
            Fact::SubjectResidence => k.residence.is_some() || k.residences.is_some(),
            Fact::SubjectLocation => k.location.is_some() || k.locations.is_some(),
            Fact::SubjectCitizenship => k.citizenships.is_some(),
            Fact::SubjectMinor => k.minor.is_some(),
            Fact::ExporterEstablishment => k.exporter_est.is_some(),
            Fact::RecipientEstablishment => k.recipient_est.is_some(),
            Fact::RecipientRole => t.recipient.as_ref().is_none_or(|r| r.role().is_some()),
            Fact::Purpose => !k.purposes.is_empty(),
        };
        if !is_stated {
            return Err(TransferError::new(
                TransferErrorKind::UnstatedFact,
                format!(
                    "the transfer does not state {}, which {tester} tests, and this engine requires every tested fact to be stated",
                    fact.describe()
                ),
            ));
        }
    }
    Ok(())
}

/// What each stated purpose stands for; each must be declared by an enabled pack.
pub(super) fn purposes(
    p: &Program,
    stated: &[Purpose],
) -> Result<SmallVec<[Meaning; 2]>, TransferError> {
    stated
        .iter()
        .map(|pu| {
            p.vocab.purposes.get(pu).cloned().ok_or_else(|| {
                TransferError::new(
                    TransferErrorKind::UnknownPurpose,
                    format!(
                        "unknown purpose `{pu}`: no enabled pack declares it{}",
                        did_you_mean(pu.as_str(), p.vocab.purposes.keys().map(Purpose::as_str))
                    ),
                )
            })
        })
        .collect()
}

/// The set of dense ids of `places` (divisions no pack declares are left out: a set condition
/// then tests their country, through the country's own membership).
/// A batch's places with their counts: the one place every member shares, or each place when
/// the members are in several (unstated: neither).
#[allow(
    clippy::type_complexity,
    reason = "the pair is the key's two fields, filled together"
)]
fn member_places(
    p: &Program,
    counts: &std::collections::BTreeMap<Jurisdiction, u64>,
) -> Result<(Option<JRef>, Option<Box<[(JRef, u64)]>>), TransferError> {
    let places = counts
        .iter()
        .map(|(j, n)| Ok((p.jref(*j)?, *n)))
        .collect::<Result<Vec<_>, TransferError>>()?;
    Ok(match places.as_slice() {
        [] => (None, None),
        [(one, _)] => (Some(*one), None),
        _ => (None, Some(places.into_boxed_slice())),
    })
}

pub(super) fn jset(p: &Program, places: impl Iterator<Item = Jurisdiction>) -> JSet {
    let mut set = JSet::default();
    for r in places.filter_map(|j| p.jref(j).ok()) {
        set.insert(r.id);
    }
    set
}

/// The mask of `tags`, each of which an enabled pack must declare for `want`.
pub(super) fn tag_mask(
    p: &Program,
    tags: &[Tag],
    want: TagOn,
    whose: &str,
) -> Result<u128, TransferError> {
    let mut m = 0u128;
    for tag in tags {
        match p.vocab.tag_ids.get(tag) {
            Some((id, on)) if *on == want => m |= 1u128 << (u32::from(*id) % 128),
            Some(_) => {
                return Err(TransferError::new(
                    TransferErrorKind::UnknownTag,
                    format!(
                        "tag `{tag}` on {whose} is declared by the enabled packs for another kind of value"
                    ),
                ));
            }
            None => {
                let declared = p
                    .vocab
                    .tag_ids
                    .iter()
                    .filter(|(_, (_, on))| *on == want)
                    .map(|(t, _)| t.as_str());
                return Err(TransferError::new(
                    TransferErrorKind::UnknownTag,
                    format!(
                        "unknown tag `{tag}` on {whose}: no enabled pack declares it{}",
                        did_you_mean(tag.as_str(), declared)
                    ),
                ));
            }
        }
    }
    Ok(m)
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
    pub(super) data: TransferData,
    pub(super) key: TransferKey,
}

impl Transfer {
    /// A builder with nothing set.
    #[must_use]
    pub fn builder() -> TransferBuilder {
        TransferBuilder::default()
    }

    /// Whether this transfer was built for `engine` (or an engine configured exactly alike);
    /// another engine denies it with a diagnostic.
    #[must_use]
    pub fn is_for(&self, engine: &Engine) -> bool {
        self.key.fingerprint == engine.fingerprint()
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
    /// The purposes stated, each once (none: unknown).
    #[must_use]
    pub fn purposes(&self) -> &[Purpose] {
        &self.data.purposes
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
        self.data.to_builder()
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
    /// CN, from CN to US, by `acme-cn`, at 2026-03-01T00:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.data.fmt(f)
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
    fn unknown_names_are_errors() {
        let e = base()
            .tag("systematic".parse().unwrap())
            .build(&engine())
            .unwrap_err();
        assert_eq!(e.kind(), TransferErrorKind::UnknownTag);
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
        assert_eq!(e.kind(), TransferErrorKind::UnknownCategory);
        let e = base()
            .destination("US-CA".parse().unwrap())
            .build(&engine())
            .unwrap_err();
        assert_eq!(e.kind(), TransferErrorKind::UnknownSubdivision);
        assert_eq!(
            e.to_string(),
            "unknown division `US-CA`: no enabled pack declares it; use `US` instead"
        );
        let e = base()
            .data(DataItem::bulk([], "CN".parse().unwrap(), 0, 1))
            .build(&engine())
            .unwrap_err();
        assert_eq!(e.kind(), TransferErrorKind::InvalidValue);
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
    }
}
