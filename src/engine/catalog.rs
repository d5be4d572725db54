//! The request form for hosts that decide millions of acts: names resolved once into `Copy`
//! handles ([`Catalog`]), and a [`Transfer`] refilled in place from them ([`Catalog::fill`]),
//! so that a request costs no string formatting, no id validation, no name look-up and, once
//! the buffer has grown, no allocation.
//!
//! The catalog resolves each handle with the same functions [`TransferBuilder::build`] uses,
//! and `fill` writes exactly the transfer `build` would give for the same act: a test checks
//! that both forms produce equal transfers and equal decisions.
//!
//! [`TransferBuilder::build`]: crate::TransferBuilder::build

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Utc};
use smallvec::SmallVec;

use super::Engine;
use super::prepare::{Transfer, TransferKey, categories, jset, purposes, stated, tag_mask};
use super::sets::{CatSet, JRef, JSet};
use crate::error::{TransferError, TransferErrorKind};
use crate::evidence::{act_nanos, key_hash};
use crate::model::distinct;
use crate::model::{
    Category, DataItem, EvidenceId, Jurisdiction, JurisdictionSet, Operation, Party, Purpose,
    Subject, SubjectId, Tag, TransferData,
};
use crate::pack::ast::TagOn;

/// Catalogs are told apart by a stamp every handle carries (0 is never issued).
static NEXT_STAMP: AtomicU32 = AtomicU32::new(1);

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $name {
            stamp: u32,
            index: u32,
        }
    };
}

handle!(
    /// A place (country or declared division) resolved by a [`Catalog`].
    PlaceHandle
);
handle!(
    /// A set of data categories resolved by a [`Catalog`] (the data's categories of an act).
    CategoriesHandle
);
handle!(
    /// A set of purposes resolved by a [`Catalog`].
    PurposesHandle
);
handle!(
    /// A set of transfer tags (`systematic`, ...) resolved by a [`Catalog`].
    TagsHandle
);
handle!(
    /// A data subject, with the facts about them (residence, citizenships, location at
    /// collection, minority), held by a [`Catalog`]: a request names only the handle.
    SubjectHandle
);
handle!(
    /// A party (exporter or recipient), with its establishments, role, tags and
    /// certifications, held by a [`Catalog`].
    PartyHandle
);

struct Place {
    name: Jurisdiction,
    at: JRef,
}

struct Categories {
    names: Vec<Category>,
    ids: SmallVec<[u16; 4]>,
    union: CatSet,
}

struct Purposes {
    names: Vec<Purpose>,
    masks: SmallVec<[u128; 2]>,
    meanings: SmallVec<[Arc<[Purpose]>; 2]>,
}

struct Tags {
    names: Vec<Tag>,
    mask: u128,
}

/// One cache line: a request reads one entry, picked at random among the host's subjects (the
/// rarely stated citizenships sit behind a pointer).
#[repr(align(64))]
struct SubjectEntry {
    id: SubjectId,
    hash: u64,
    residence_at: Option<JRef>,
    location_at: Option<JRef>,
    residence: Option<Jurisdiction>,
    location: Option<Jurisdiction>,
    minor: bool,
    citizenships: Option<Arc<(JurisdictionSet, Arc<JSet>)>>,
}

impl SubjectEntry {
    fn subject(&self) -> Subject {
        let mut s = Subject::new(self.id.clone());
        self.refill(&mut s);
        s
    }

    fn refill(&self, s: &mut Subject) {
        let none = JurisdictionSet::empty();
        let citizenships = self.citizenships.as_deref().map_or(&none, |(set, _)| set);
        s.refill(
            &self.id,
            self.residence,
            citizenships,
            self.location,
            self.minor,
        );
    }
}

struct PartyEntry {
    party: Party,
    hash: u64,
    tags: u128,
    established: Option<Arc<JSet>>,
}

/// One act in the catalog's terms: every name a handle, so building it costs nothing. `Copy`;
/// the optional transfer id is borrowed.
///
/// Covers acts on one subject's data. A batch of individuals or an onward act
/// ([`CameFrom`](crate::CameFrom)) goes through [`Transfer::builder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Act<'a> {
    id: Option<&'a EvidenceId>,
    operation: Operation,
    subject: SubjectHandle,
    categories: CategoriesHandle,
    collected_in: PlaceHandle,
    origin: Option<PlaceHandle>,
    destination: PlaceHandle,
    exporter: PartyHandle,
    recipient: Option<PartyHandle>,
    purposes: Option<PurposesHandle>,
    tags: Option<TagsHandle>,
    at: DateTime<Utc>,
}

impl<'a> Act<'a> {
    /// `operation` on `subject`'s data of `categories`, collected in `collected_in`, by
    /// `exporter` toward `destination`, at `at`; no recipient (the exporter acts itself), no
    /// purpose stated, the origin where the data was collected.
    #[must_use]
    #[allow(
        clippy::too_many_arguments,
        reason = "the act's required facts, in the builder's terms"
    )]
    pub const fn new(
        operation: Operation,
        subject: SubjectHandle,
        categories: CategoriesHandle,
        collected_in: PlaceHandle,
        destination: PlaceHandle,
        exporter: PartyHandle,
        at: DateTime<Utc>,
    ) -> Self {
        Act {
            id: None,
            operation,
            subject,
            categories,
            collected_in,
            origin: None,
            destination,
            exporter,
            recipient: None,
            purposes: None,
            tags: None,
            at,
        }
    }

    /// The transfer's id (what a decision log records).
    #[must_use]
    pub const fn id(mut self, id: &'a EvidenceId) -> Self {
        self.id = Some(id);
        self
    }

    /// The party that receives the data.
    #[must_use]
    pub const fn recipient(mut self, recipient: PartyHandle) -> Self {
        self.recipient = Some(recipient);
        self
    }

    /// The purposes the act serves.
    #[must_use]
    pub const fn purposes(mut self, purposes: PurposesHandle) -> Self {
        self.purposes = Some(purposes);
        self
    }

    /// The transfer's tags.
    #[must_use]
    pub const fn tags(mut self, tags: TagsHandle) -> Self {
        self.tags = Some(tags);
        self
    }

    /// Where the act starts, when not where the data was collected.
    #[must_use]
    pub const fn origin(mut self, origin: PlaceHandle) -> Self {
        self.origin = Some(origin);
        self
    }
}

/// Names resolved once against an [`Engine`], handed out as `Copy` handles, and turned into
/// [`Transfer`]s without touching a string: the request form for hosts that decide many acts.
///
/// Register what does not change per request once — the places, the category sets and
/// purpose sets the host uses, every subject with the facts about them, every party — and keep
/// the handles (in a `Vec` indexed by the host's own ids, say). Per request, an [`Act`] names
/// handles only, and [`fill`](Self::fill) writes it into a reusable `Transfer`: no id is
/// validated or formatted, no name is looked up, and nothing is allocated once the buffer has
/// grown to the largest category set (a subject or party with citizenships or
/// establishments shares one set by reference count). The transfer equals what
/// [`Transfer::builder`] gives for the same act, so decisions are the same.
///
/// Handles belong to the catalog that issued them: another catalog's handle is an error
/// ([`TransferErrorKind::ForeignHandle`]), never a different subject. A catalog is `Send +
/// Sync`; fill from many threads through `&Catalog`.
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use crossborder::{Act, Engine, NoEvidence, Operation, Party, Subject};
///
/// let engine = Engine::builder().enable("cn-pledge-2015").build()?;
/// let mut catalog = engine.catalog();
/// // Once.
/// let cn = catalog.place("CN".parse()?)?;
/// let us = catalog.place("US".parse()?)?;
/// let health = catalog.categories(["personal.sensitive.health".parse()?])?;
/// let acme = catalog.party(Party::new("acme-cn".parse()?))?;
/// let u42 = catalog.subject(Subject::new("u-42".parse()?).resident_in("CN".parse()?))?;
/// let mut transfer = catalog.transfer(&Act::new(
///     Operation::Transfer, u42, health, cn, us, acme,
///     Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
/// ))?;
/// // Per request: refill the same transfer, evaluate by reference.
/// for day in 1..=3 {
///     let at = Utc.with_ymd_and_hms(2026, 3, day, 0, 0, 0).unwrap();
///     catalog.fill(&Act::new(Operation::Transfer, u42, health, cn, us, acme, at), &mut transfer)?;
///     assert!(!engine.evaluate(&transfer, &NoEvidence).is_allowed());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Catalog {
    engine: Engine,
    stamp: u32,
    places: Vec<Place>,
    categories: Vec<Categories>,
    purposes: Vec<Purposes>,
    tags: Vec<Tags>,
    subjects: Vec<SubjectEntry>,
    parties: Vec<PartyEntry>,
}

impl fmt::Debug for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalog")
            .field("engine", &self.engine)
            .field("places", &self.places.len())
            .field("categories", &self.categories.len())
            .field("purposes", &self.purposes.len())
            .field("tags", &self.tags.len())
            .field("subjects", &self.subjects.len())
            .field("parties", &self.parties.len())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An empty [`Catalog`] for this engine: the request form that resolves names once.
    #[must_use]
    pub fn catalog(&self) -> Catalog {
        Catalog {
            engine: self.clone(),
            // Wrapping after 4 billion catalogs would reuse a stamp: still never 0.
            stamp: NEXT_STAMP.fetch_add(1, Ordering::Relaxed).max(1),
            places: Vec::new(),
            categories: Vec::new(),
            purposes: Vec::new(),
            tags: Vec::new(),
            subjects: Vec::new(),
            parties: Vec::new(),
        }
    }
}

fn index(n: usize) -> Result<u32, TransferError> {
    u32::try_from(n).map_err(|_| {
        TransferError::new(
            TransferErrorKind::InvalidValue,
            "a catalog holds at most 2^32 entries of each kind",
        )
    })
}

impl Catalog {
    /// The engine the catalog resolves names against.
    #[must_use]
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// A handle for `place`.
    ///
    /// # Errors
    ///
    /// [`TransferErrorKind::UnknownSubdivision`] for a division no enabled pack declares.
    pub fn place(&mut self, place: Jurisdiction) -> Result<PlaceHandle, TransferError> {
        let at = self.engine.program.jref(place)?;
        let index = index(self.places.len())?;
        self.places.push(Place { name: place, at });
        Ok(PlaceHandle {
            stamp: self.stamp,
            index,
        })
    }

    /// A handle for the data categories `list` (repeats count once).
    ///
    /// # Errors
    ///
    /// [`TransferErrorKind::InvalidValue`] for an empty list;
    /// [`TransferErrorKind::UnknownCategory`] for a category the engine does not declare.
    pub fn categories(
        &mut self,
        list: impl IntoIterator<Item = Category>,
    ) -> Result<CategoriesHandle, TransferError> {
        let names: Vec<Category> = distinct(list);
        let (ids, union) = categories(&self.engine.program, &names)?;
        let index = index(self.categories.len())?;
        self.categories.push(Categories { names, ids, union });
        Ok(CategoriesHandle {
            stamp: self.stamp,
            index,
        })
    }

    /// A handle for the purposes `list` (repeats count once; an empty list states none).
    ///
    /// # Errors
    ///
    /// [`TransferErrorKind::UnknownPurpose`] for a purpose no enabled pack declares.
    pub fn purposes(
        &mut self,
        list: impl IntoIterator<Item = Purpose>,
    ) -> Result<PurposesHandle, TransferError> {
        let names: Vec<Purpose> = distinct(list);
        let meanings = purposes(&self.engine.program, &names)?;
        let index = index(self.purposes.len())?;
        self.purposes.push(Purposes {
            names,
            masks: meanings.iter().map(|m| m.mask).collect(),
            meanings: meanings.into_iter().map(|m| m.names).collect(),
        });
        Ok(PurposesHandle {
            stamp: self.stamp,
            index,
        })
    }

    /// A handle for the transfer tags `list` (repeats count once).
    ///
    /// # Errors
    ///
    /// [`TransferErrorKind::UnknownTag`] for a tag no enabled pack declares for transfers.
    pub fn tags(
        &mut self,
        list: impl IntoIterator<Item = Tag>,
    ) -> Result<TagsHandle, TransferError> {
        let names: Vec<Tag> = distinct(list);
        let mask = tag_mask(
            &self.engine.program,
            &names,
            TagOn::Transfer,
            "the transfer",
        )?;
        let index = index(self.tags.len())?;
        self.tags.push(Tags { names, mask });
        Ok(TagsHandle {
            stamp: self.stamp,
            index,
        })
    }

    /// A handle for `subject`, holding the facts stated about them.
    ///
    /// # Errors
    ///
    /// [`TransferErrorKind::UnknownSubdivision`] for a residence or location at collection in
    /// a division no enabled pack declares.
    pub fn subject(&mut self, subject: Subject) -> Result<SubjectHandle, TransferError> {
        let entry = self.subject_entry(subject)?;
        let index = index(self.subjects.len())?;
        self.subjects.push(entry);
        Ok(SubjectHandle {
            stamp: self.stamp,
            index,
        })
    }

    /// Replaces what `handle` holds with `subject` (facts about a person change: a new
    /// residence, coming of age). Later fills use the new facts.
    ///
    /// # Errors
    ///
    /// As [`subject`](Self::subject); [`TransferErrorKind::ForeignHandle`] for another
    /// catalog's handle.
    pub fn replace_subject(
        &mut self,
        handle: SubjectHandle,
        subject: Subject,
    ) -> Result<(), TransferError> {
        let entry = self.subject_entry(subject)?;
        let slot = self.subject_mut(handle.stamp, handle.index, "subject")?;
        *slot = entry;
        Ok(())
    }

    fn subject_mut(
        &mut self,
        stamp: u32,
        index: u32,
        what: &str,
    ) -> Result<&mut SubjectEntry, TransferError> {
        let stamp_ok = stamp == self.stamp;
        self.subjects
            .get_mut(index as usize)
            .filter(|_| stamp_ok)
            .ok_or_else(|| foreign(what))
    }

    fn subject_entry(&self, subject: Subject) -> Result<SubjectEntry, TransferError> {
        let p = &self.engine.program;
        let citizenships = subject.citizenships();
        Ok(SubjectEntry {
            hash: key_hash(subject.id().as_str()),
            residence_at: subject.residence().map(|j| p.jref(j)).transpose()?,
            location_at: subject
                .location_at_collection()
                .map(|j| p.jref(j))
                .transpose()?,
            residence: subject.residence(),
            location: subject.location_at_collection(),
            minor: subject.is_minor(),
            citizenships: (!citizenships.is_empty())
                .then(|| Arc::new((*citizenships, Arc::new(jset(p, citizenships.iter()))))),
            id: subject.id().clone(),
        })
    }

    /// A handle for `party` (an exporter or a recipient), holding its establishments, role,
    /// tags and certifications.
    ///
    /// # Errors
    ///
    /// [`TransferErrorKind::UnknownTag`] for a tag no enabled pack declares for parties.
    pub fn party(&mut self, party: Party) -> Result<PartyHandle, TransferError> {
        let p = &self.engine.program;
        let tags = tag_mask(p, party.tags(), TagOn::Party, "the party")?;
        let established = (!party.establishments().is_empty())
            .then(|| Arc::new(jset(p, party.establishments().iter())));
        let index = index(self.parties.len())?;
        self.parties.push(PartyEntry {
            hash: key_hash(party.id().as_str()),
            party,
            tags,
            established,
        });
        Ok(PartyHandle {
            stamp: self.stamp,
            index,
        })
    }

    /// The subject a handle stands for, with the facts held, if it is this catalog's.
    #[must_use]
    pub fn subject_of(&self, handle: SubjectHandle) -> Option<Subject> {
        self.get(&self.subjects, handle.stamp, handle.index)
            .map(SubjectEntry::subject)
    }

    /// The party a handle stands for, if it is this catalog's.
    #[must_use]
    pub fn party_of(&self, handle: PartyHandle) -> Option<&Party> {
        self.get(&self.parties, handle.stamp, handle.index)
            .map(|e| &e.party)
    }

    fn get<'s, T>(&self, list: &'s [T], stamp: u32, index: u32) -> Option<&'s T> {
        if stamp == self.stamp {
            list.get(index as usize)
        } else {
            None
        }
    }

    /// A new transfer for `act` (allocates; use [`fill`](Self::fill) to reuse one).
    ///
    /// # Errors
    ///
    /// As [`fill`](Self::fill).
    pub fn transfer(&self, act: &Act<'_>) -> Result<Transfer, TransferError> {
        let r = self.resolve(act)?;
        let data = TransferData {
            id: act.id.cloned(),
            operation: act.operation,
            origin: r.origin.name,
            destination: r.destination.name,
            data: DataItem::of_subject(
                r.subject.subject(),
                r.categories.names.iter().cloned(),
                r.collected_in.name,
            ),
            exporter: r.exporter.party.clone(),
            recipient: r.recipient.map(|e| e.party.clone()),
            purposes: r.purposes.map(|p| p.names.clone()).unwrap_or_default(),
            tags: r.tags.map(|t| t.names.clone()).unwrap_or_default(),
            came_from: None,
            at: act.at,
        };
        let mut t = Transfer {
            data,
            key: self.key(act, &r),
        };
        self.check_stated(&mut t)?;
        Ok(t)
    }

    /// Writes `act` into `transfer`, reusing its allocations: afterwards `transfer` equals
    /// what [`transfer`](Self::transfer) (and [`Transfer::builder`]) give for the act, whatever
    /// it held before.
    ///
    /// # Errors
    ///
    /// [`TransferErrorKind::ForeignHandle`] for a handle another catalog issued (`transfer` is
    /// then left as it was); [`TransferErrorKind::UnstatedFact`] when the engine requires
    /// every tested fact and the act leaves one unstated (`transfer` then holds the act but
    /// is marked for no engine: evaluating it denies).
    pub fn fill(&self, act: &Act<'_>, transfer: &mut Transfer) -> Result<(), TransferError> {
        let r = self.resolve(act)?;
        let d = &mut transfer.data;
        d.id = act.id.cloned();
        d.operation = act.operation;
        d.origin = r.origin.name;
        d.destination = r.destination.name;
        d.data.refill_one(
            &r.subject.id,
            &r.categories.names,
            r.collected_in.name,
            |s| r.subject.refill(s),
        );
        d.exporter.clone_from(&r.exporter.party);
        match (&mut d.recipient, r.recipient) {
            (Some(mine), Some(e)) => mine.clone_from(&e.party),
            (slot, e) => *slot = e.map(|e| e.party.clone()),
        }
        d.purposes.clear();
        if let Some(p) = r.purposes {
            d.purposes.extend_from_slice(&p.names);
        }
        d.tags.clear();
        if let Some(t) = r.tags {
            d.tags.extend_from_slice(&t.names);
        }
        d.came_from = None;
        d.at = act.at;
        // The key in place: no 400-byte move, no drop of the old one.
        let k = &mut transfer.key;
        k.fingerprint = self.engine.program.fingerprint;
        k.subject_hash = r.subject.hash;
        k.exporter_hash = r.exporter.hash;
        k.recipient_hash = r.recipient.map_or(0, |e| e.hash);
        k.category_union = r.categories.union;
        k.at = act.at;
        k.at_nanos = act_nanos(act.at);
        k.operation = act.operation;
        k.minor = Some(r.subject.minor);
        k.bulk = false;
        k.purposes.clear();
        k.purpose_names.clear();
        if let Some(p) = r.purposes {
            k.purposes.extend_from_slice(&p.masks);
            k.purpose_names.extend(p.meanings.iter().cloned());
        }
        k.origin = r.origin.at;
        k.destination = r.destination.at;
        k.collected_in = r.collected_in.at;
        k.residence = r.subject.residence_at;
        k.location = r.subject.location_at;
        k.residences = None;
        k.locations = None;
        k.categories.clear();
        k.categories.extend_from_slice(&r.categories.ids);
        k.exporter_tags = r.exporter.tags;
        k.recipient_tags = r.recipient.map_or(0, |e| e.tags);
        k.transfer_tags = r.tags.map_or(0, |t| t.mask);
        k.citizenships = r.subject.citizenships.as_ref().map(|c| Arc::clone(&c.1));
        k.exporter_est.clone_from(&r.exporter.established);
        k.recipient_est
            .clone_from(&r.recipient.unwrap_or(r.exporter).established);
        self.check_stated(transfer)
    }

    fn check_stated(&self, t: &mut Transfer) -> Result<(), TransferError> {
        if let Some(required) = &self.engine.program.required_facts
            && let Err(e) = stated(required, &t.data, &t.key)
        {
            // Fail closed: a host that evaluates it anyway gets a denial.
            t.key.fingerprint = !self.engine.program.fingerprint;
            return Err(e);
        }
        Ok(())
    }

    fn resolve<'s>(&'s self, act: &Act<'_>) -> Result<Resolved<'s>, TransferError> {
        let place = |h: PlaceHandle| {
            self.get(&self.places, h.stamp, h.index)
                .ok_or_else(|| foreign("place"))
        };
        let party = |h: PartyHandle| {
            self.get(&self.parties, h.stamp, h.index)
                .ok_or_else(|| foreign("party"))
        };
        let collected_in = place(act.collected_in)?;
        Ok(Resolved {
            subject: self
                .get(&self.subjects, act.subject.stamp, act.subject.index)
                .ok_or_else(|| foreign("subject"))?,
            categories: self
                .get(&self.categories, act.categories.stamp, act.categories.index)
                .ok_or_else(|| foreign("categories"))?,
            collected_in,
            origin: act.origin.map_or(Ok(collected_in), place)?,
            destination: place(act.destination)?,
            exporter: party(act.exporter)?,
            recipient: act.recipient.map(party).transpose()?,
            purposes: act
                .purposes
                .map(|h| {
                    self.get(&self.purposes, h.stamp, h.index)
                        .ok_or_else(|| foreign("purposes"))
                })
                .transpose()?,
            tags: act
                .tags
                .map(|h| {
                    self.get(&self.tags, h.stamp, h.index)
                        .ok_or_else(|| foreign("tags"))
                })
                .transpose()?,
        })
    }

    fn key(&self, act: &Act<'_>, r: &Resolved<'_>) -> TransferKey {
        let (purposes, purpose_names) = match r.purposes {
            Some(p) => (p.masks.clone(), p.meanings.clone()),
            None => (SmallVec::new(), SmallVec::new()),
        };
        TransferKey {
            fingerprint: self.engine.program.fingerprint,
            subject_hash: r.subject.hash,
            exporter_hash: r.exporter.hash,
            recipient_hash: r.recipient.map_or(0, |e| e.hash),
            category_union: r.categories.union,
            at: act.at,
            at_nanos: act_nanos(act.at),
            operation: act.operation,
            minor: Some(r.subject.minor),
            bulk: false,
            purposes,
            purpose_names,
            origin: r.origin.at,
            destination: r.destination.at,
            collected_in: r.collected_in.at,
            residence: r.subject.residence_at,
            location: r.subject.location_at,
            residences: None,
            locations: None,
            categories: r.categories.ids.clone(),
            exporter_tags: r.exporter.tags,
            recipient_tags: r.recipient.map_or(0, |e| e.tags),
            transfer_tags: r.tags.map_or(0, |t| t.mask),
            citizenships: r.subject.citizenships.as_ref().map(|c| Arc::clone(&c.1)),
            exporter_est: r.exporter.established.clone(),
            // With no recipient the exporter acts itself (as `build` has it).
            recipient_est: r.recipient.unwrap_or(r.exporter).established.clone(),
        }
    }
}

/// An act's handles, looked up.
struct Resolved<'s> {
    subject: &'s SubjectEntry,
    categories: &'s Categories,
    collected_in: &'s Place,
    origin: &'s Place,
    destination: &'s Place,
    exporter: &'s PartyEntry,
    recipient: Option<&'s PartyEntry>,
    purposes: Option<&'s Purposes>,
    tags: Option<&'s Tags>,
}

fn foreign(what: &str) -> TransferError {
    TransferError::new(
        TransferErrorKind::ForeignHandle,
        format!(
            "the {what} handle was issued by another catalog (or is out of its range): register the {what} with this catalog, or fill through the catalog that issued it"
        ),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_subject_entry_fits_one_cache_line() {
        assert_eq!(std::mem::size_of::<super::SubjectEntry>(), 64);
    }
}
