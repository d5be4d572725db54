//! An indexed, thread-safe, in-memory evidence store.

use std::collections::HashMap as StdHashMap;

/// Maps keyed by ids, hashed with a fast, randomly seeded hasher.
type HashMap<K, V> = StdHashMap<K, V, foldhash::fast::RandomState>;
use std::ops::ControlFlow;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};

use std::sync::Arc;

use hashbrown::HashTable;

use super::query::key_hash;
use super::{ApprovalQuery, CertificationQuery, ConsentQuery, Evidence, VolumeCount, VolumeQuery};
use crate::engine::Engine;
use crate::engine::evaluate::{act_individuals, conditions_hold};
use crate::error::{ModelError, ModelErrorKind};
use crate::model::{
    Approval, Category, Certification, Consent, ConsentKind, EvidenceId, Individuals,
    JurisdictionSet, OperationSet, PartyId, Purpose, Scope, SubjectId, Transfer, falls_under,
};

/// One recorded entry of a counter: a subject, or a bulk count.
#[derive(Clone, Debug)]
struct Entry {
    at: DateTime<Utc>,
    subject: Option<SubjectId>,
    bulk: u64,
}

/// The log of one (exporter, counter): entries sorted by instant, and each subject's instants.
#[derive(Clone, Default, Debug)]
struct CounterLog {
    entries: Vec<Entry>,
    by_subject: HashMap<SubjectId, Vec<DateTime<Utc>>>,
}

impl CounterLog {
    fn add(&mut self, at: DateTime<Utc>, subject: Option<SubjectId>, bulk: u64) {
        if let Some(s) = &subject {
            let times = self.by_subject.entry(s.clone()).or_default();
            match times.binary_search(&at) {
                Ok(_) => return, // the same subject at the same instant counts once
                Err(i) => times.insert(i, at),
            }
        }
        let i = self.entries.partition_point(|e| e.at <= at);
        self.entries.insert(i, Entry { at, subject, bulk });
    }

    /// Distinct subjects and bulk individuals recorded in `[from, to]`. A subject counts once,
    /// at its first entry in the window.
    fn count(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        subject: Option<&SubjectId>,
    ) -> VolumeCount {
        let lo = self.entries.partition_point(|e| e.at < from);
        let hi = self.entries.partition_point(|e| e.at <= to);
        let mut individuals = 0u64;
        for e in self.entries.get(lo..hi).unwrap_or(&[]) {
            match &e.subject {
                None => individuals = individuals.saturating_add(e.bulk),
                Some(s) => {
                    let first_in_window = self
                        .by_subject
                        .get(s)
                        .and_then(|ts| ts.get(ts.partition_point(|t| *t < from)))
                        .is_some_and(|t| *t == e.at);
                    if first_in_window {
                        individuals = individuals.saturating_add(1);
                    }
                }
            }
        }
        let includes_subject = subject
            .and_then(|s| self.by_subject.get(s))
            .and_then(|ts| ts.get(ts.partition_point(|t| *t < from)))
            .is_some_and(|t| *t <= to);
        VolumeCount {
            individuals,
            includes_subject,
        }
    }
}

/// No such index.
const NONE: u32 = u32::MAX;
/// Set in `ConsentRec::next` of a subject's last consent, whose other bits are the subject's
/// slot: the chain ends there and says whose it is.
const END: u32 = 1 << 31;

// Consent record flags.
const HAS_EXPIRY: u8 = 1;
const HAS_WITHDRAWAL: u8 = 2;
const INFORMED: u8 = 4;
/// The scope lists purposes or recipients, kept in `Consents::extras`.
const EXTRAS: u8 = 8;
/// An instant is outside what `i64` nanoseconds hold; the exact instants are in
/// `Consents::wide`.
const WIDE: u8 = 16;
/// With both an expiry and a withdrawal, `until` is the withdrawal (else the expiry); the
/// later of the two is in `Consents::later`.
const UNTIL_IS_WITHDRAWAL: u8 = 32;
const TIME_FLAGS: u8 = HAS_EXPIRY | HAS_WITHDRAWAL | WIDE | UNTIL_IS_WITHDRAWAL;

/// An instant as nanoseconds since the Unix epoch, strictly inside `i64`'s range (so a
/// saturated act instant still compares correctly against it); `None` outside, and for a leap
/// second (`23:59:60.x`, which chrono orders before the next second but whose nanosecond count
/// would be the next second's): those are kept exactly, as `WIDE` instants.
fn nanos(t: DateTime<Utc>) -> Option<i64> {
    if t.timestamp_subsec_nanos() >= 1_000_000_000 {
        return None;
    }
    t.timestamp_nanos_opt()
        .filter(|n| *n != i64::MIN && *n != i64::MAX)
}

/// A resident consent, 32 bytes: when it is valid (from `granted` to `until`, the earlier of
/// its expiry and withdrawal), its interned scope parts, and its subject's next consent. Its id
/// is in the id arena at the same index; its subject is the slot its chain ends with.
#[derive(Clone, Copy, Debug)]
struct ConsentRec {
    granted: i64,
    until: i64,
    categories: u32,
    destinations: u32,
    next: u32,
    operations: OperationSet,
    kind: ConsentKind,
    flags: u8,
}

/// A subject and the last of its consents (chained in grant order; the last one's `next` is
/// `END | slot`). The first is in the subject table's bucket, next to the slot index.
#[derive(Clone, Debug)]
struct SubjectSlot {
    id: SubjectId,
    last: u32,
}

/// The parts of a scope that consents share, each stored once.
#[derive(Clone, Debug, Default)]
struct Interned {
    category_sets: Vec<Box<[Category]>>,
    category_set_ids: HashMap<Box<[Category]>, u32>,
    destination_sets: Vec<JurisdictionSet>,
    destination_set_ids: HashMap<JurisdictionSet, u32>,
}

impl Interned {
    fn categories(&mut self, cats: &[Category]) -> Option<u32> {
        if let Some(&id) = self.category_set_ids.get(cats) {
            return Some(id);
        }
        let id = u32::try_from(self.category_sets.len()).ok()?;
        self.category_sets.push(cats.into());
        self.category_set_ids.insert(cats.into(), id);
        Some(id)
    }

    fn destinations(&mut self, set: JurisdictionSet) -> Option<u32> {
        if let Some(&id) = self.destination_set_ids.get(&set) {
            return Some(id);
        }
        let id = u32::try_from(self.destination_sets.len()).ok()?;
        self.destination_sets.push(set);
        self.destination_set_ids.insert(set, id);
        Some(id)
    }
}

/// Consent ids, end to end in one string; ids longer than an inline id are also kept whole, so
/// handing one to a decision never allocates.
#[derive(Clone, Debug, Default)]
struct IdArena {
    text: String,
    ends: Vec<u32>,
    long: HashMap<u32, EvidenceId>,
}

impl IdArena {
    /// Where `id` would go: its index and end offset, or `None` when the arena is full.
    fn room(&self, id: &EvidenceId) -> Option<(u32, u32)> {
        let index = u32::try_from(self.ends.len()).ok()?;
        let end = u32::try_from(self.text.len().checked_add(id.as_str().len())?).ok()?;
        Some((index, end))
    }

    /// Appends `id` at the place `room` gave.
    fn push(&mut self, id: &EvidenceId, (index, end): (u32, u32)) {
        self.text.push_str(id.as_str());
        self.ends.push(end);
        if !id.is_inline() {
            self.long.insert(index, id.clone());
        }
    }

    fn get(&self, index: u32) -> Option<&str> {
        let i = index as usize;
        let start = match i.checked_sub(1) {
            Some(p) => *self.ends.get(p)? as usize,
            None => 0,
        };
        self.text.get(start..*self.ends.get(i)? as usize)
    }

    fn id(&self, index: u32) -> Option<EvidenceId> {
        match self.long.get(&index) {
            Some(id) => Some(id.clone()),
            None => self.get(index).map(EvidenceId::from_validated),
        }
    }
}

/// Consents, compact: one 32-byte record and one arena id per consent, subjects in a table
/// keyed by the hash the transfer carries.
#[derive(Clone, Debug, Default)]
struct Consents {
    records: Vec<ConsentRec>,
    ids: IdArena,
    /// Consent index by `key_hash` of its id.
    by_id: HashTable<u32>,
    subjects: Vec<SubjectSlot>,
    /// (slot, first consent) by `key_hash` of the subject's id: the first consent's record
    /// can be fetched while the slot's id is compared.
    subject_table: HashTable<(u32, u32)>,
    interned: Interned,
    /// Purposes and recipients of the scopes that list them.
    extras: HashMap<u32, (Vec<Purpose>, Vec<PartyId>)>,
    /// The later of expiry and withdrawal, in nanoseconds, of consents that have both.
    later: HashMap<u32, i64>,
    /// Exact granted, expiry and withdrawal instants of records flagged `WIDE`.
    wide: HashMap<u32, [Option<DateTime<Utc>>; 3]>,
}

fn full() -> ModelError {
    ModelError::new(
        ModelErrorKind::InvalidValue,
        "the store holds as many consents, subjects or scopes as it can index",
    )
}

impl Consents {
    fn find(&self, id: &EvidenceId) -> Option<u32> {
        self.by_id
            .find(key_hash(id.as_str()), |&i| {
                self.ids.get(i) == Some(id.as_str())
            })
            .copied()
    }

    /// Sets the record's instants (and the side tables they may need) from `c`.
    fn set_times(&mut self, index: u32, c: &Consent) {
        let Some(r) = self.records.get_mut(index as usize) else {
            return;
        };
        r.flags &= !TIME_FLAGS;
        self.later.remove(&index);
        self.wide.remove(&index);
        let (granted, expires, withdrawn) = (c.granted_at(), c.expires_at(), c.withdrawn_at());
        if expires.is_some() {
            r.flags |= HAS_EXPIRY;
        }
        if withdrawn.is_some() {
            r.flags |= HAS_WITHDRAWAL;
        }
        let exact = (nanos(granted), expires.map(nanos), withdrawn.map(nanos));
        match exact {
            (Some(g), e, w) if e != Some(None) && w != Some(None) => {
                r.granted = g;
                r.until = match (e.flatten(), w.flatten()) {
                    (Some(e), Some(w)) if w < e => {
                        r.flags |= UNTIL_IS_WITHDRAWAL;
                        self.later.insert(index, e);
                        w
                    }
                    (Some(e), Some(w)) => {
                        self.later.insert(index, w);
                        e
                    }
                    (Some(x), None) | (None, Some(x)) => x,
                    (None, None) => 0,
                };
            }
            _ => {
                r.flags |= WIDE;
                self.wide.insert(index, [Some(granted), expires, withdrawn]);
            }
        }
    }

    /// The exact (granted, expiry, withdrawal) of record `index`.
    fn times(&self, index: u32, r: &ConsentRec) -> Option<[Option<DateTime<Utc>>; 3]> {
        if r.flags & WIDE != 0 {
            return self.wide.get(&index).copied();
        }
        let at = DateTime::from_timestamp_nanos;
        let later = || self.later.get(&index).map(|&n| at(n));
        let (expires, withdrawn) = match (r.flags & HAS_EXPIRY != 0, r.flags & HAS_WITHDRAWAL != 0)
        {
            (true, true) if r.flags & UNTIL_IS_WITHDRAWAL != 0 => (later(), Some(at(r.until))),
            (true, true) => (Some(at(r.until)), later()),
            (true, false) => (Some(at(r.until)), None),
            (false, true) => (None, Some(at(r.until))),
            (false, false) => (None, None),
        };
        Some([Some(at(r.granted)), expires, withdrawn])
    }

    fn insert(&mut self, c: &Consent) -> Result<(), ModelError> {
        let index = u32::try_from(self.records.len())
            .ok()
            .filter(|&i| i < END)
            .ok_or_else(full)?;
        let scope = c.scope();
        let mut flags = 0;
        if c.is_informed_of_risks() {
            flags |= INFORMED;
        }
        if !scope.purposes().is_empty() || !scope.recipients().is_empty() {
            flags |= EXTRAS;
        }
        let rec = ConsentRec {
            granted: 0,
            until: 0,
            categories: self
                .interned
                .categories(scope.categories())
                .ok_or_else(full)?,
            destinations: self
                .interned
                .destinations(*scope.destinations())
                .ok_or_else(full)?,
            next: NONE,
            operations: scope.operations(),
            kind: c.kind(),
            flags,
        };
        // Everything that can fail is checked before anything changes, so a refused grant
        // leaves the store as it was.
        let room = self.ids.room(c.id()).ok_or_else(full)?;
        let hash = key_hash(c.subject().as_str());
        let subjects = &self.subjects;
        let found = self
            .subject_table
            .find(hash, |&(k, _)| {
                subjects
                    .get(k as usize)
                    .is_some_and(|s| s.id == *c.subject())
            })
            .copied();
        let new_slot = u32::try_from(self.subjects.len()).ok().filter(|&k| k < END);
        let slot_index = match (found, new_slot) {
            (Some((k, _)), _) => k,
            (None, Some(k)) => {
                self.subjects.push(SubjectSlot {
                    id: c.subject().clone(),
                    last: index,
                });
                let subjects = &self.subjects;
                self.subject_table
                    .insert_unique(hash, (k, index), |&(k, _)| {
                        subjects
                            .get(k as usize)
                            .map_or(0, |s| key_hash(s.id.as_str()))
                    });
                k
            }
            (None, None) => return Err(full()),
        };
        self.ids.push(c.id(), room);
        if flags & EXTRAS != 0 {
            self.extras.insert(
                index,
                (scope.purposes().to_vec(), scope.recipients().to_vec()),
            );
        }
        self.records.push(ConsentRec {
            next: END | slot_index,
            ..rec
        });
        self.set_times(index, c);
        if let Some(slot) = self.subjects.get_mut(slot_index as usize)
            && slot.last != index
        {
            let last = slot.last;
            slot.last = index;
            if let Some(prev) = self.records.get_mut(last as usize) {
                prev.next = index;
            }
        }
        let ids = &self.ids;
        self.by_id
            .insert_unique(key_hash(c.id().as_str()), index, |&i| {
                ids.get(i).map_or(0, key_hash)
            });
        Ok(())
    }

    /// The consent at `index`, rebuilt.
    fn get(&self, index: u32, subject: &SubjectId) -> Option<Consent> {
        let r = self.records.get(index as usize)?;
        let (purposes, recipients) = match self.extras.get(&index) {
            Some((p, r)) => (p.clone(), r.clone()),
            None => (Vec::new(), Vec::new()),
        };
        let scope = Scope::from_parts(
            self.interned
                .category_sets
                .get(r.categories as usize)?
                .to_vec(),
            *self
                .interned
                .destination_sets
                .get(r.destinations as usize)?,
            r.operations,
            purposes,
            recipients,
        );
        let [granted, expires, withdrawn] = self.times(index, r)?;
        Some(Consent::from_parts(
            self.ids.id(index)?,
            subject.clone(),
            r.kind,
            scope,
            granted?,
            expires,
            withdrawn,
            r.flags & INFORMED != 0,
        ))
    }

    /// The first consent of `subject`, found through the hash its transfer carries.
    fn first(&self, subject: &SubjectId, hash: u64) -> u32 {
        self.subject_table
            .find(hash, |&(k, _)| {
                self.subjects
                    .get(k as usize)
                    .is_some_and(|s| s.id == *subject)
            })
            .map_or(END, |&(_, first)| first)
    }

    /// The subject whose chain holds consent `index`: the slot its chain ends with.
    fn owner(&self, mut index: u32) -> Option<&SubjectSlot> {
        loop {
            let next = self.records.get(index as usize)?.next;
            if next & END != 0 {
                return self.subjects.get((next & !END) as usize);
            }
            index = next;
        }
    }

    /// The indexes and records of a chain of consents from `first`, in grant order.
    fn chain(&self, first: u32) -> impl Iterator<Item = (u32, &ConsentRec)> {
        let mut next = first;
        std::iter::from_fn(move || {
            if next & END != 0 {
                return None;
            }
            let i = next;
            let r = self.records.get(i as usize)?;
            next = r.next;
            Some((i, r))
        })
    }

    /// Whether the record at `index` answers `q`: the compact form of [`ConsentQuery::accepts`].
    fn accepts(&self, index: u32, r: &ConsentRec, q: &ConsentQuery<'_>, at: i64) -> bool {
        if r.kind < q.min || (q.informed && r.flags & INFORMED == 0) {
            return false;
        }
        let valid = if r.flags & WIDE != 0 {
            self.wide.get(&index).is_some_and(|[g, e, w]| {
                g.is_some_and(|g| g <= q.at)
                    && e.is_none_or(|e| q.at < e)
                    && w.is_none_or(|w| q.at < w)
            })
        } else {
            r.granted <= at && (r.flags & (HAS_EXPIRY | HAS_WITHDRAWAL) == 0 || at < r.until)
        };
        let s = &q.scope;
        valid
            && r.operations.contains(s.operation())
            && self
                .interned
                .destination_sets
                .get(r.destinations as usize)
                .is_some_and(|d| d.contains(s.destination()))
            && (r.flags & EXTRAS == 0
                || self
                    .extras
                    .get(&index)
                    .is_some_and(|(purposes, recipients)| {
                        (purposes.is_empty() || s.purpose().is_some_and(|p| purposes.contains(p)))
                            && (recipients.is_empty()
                                || s.recipient().is_some_and(|x| recipients.contains(x)))
                    }))
            && self
                .interned
                .category_sets
                .get(r.categories as usize)
                .is_some_and(|cats| {
                    s.categories()
                        .all(|c| cats.iter().any(|k| falls_under(c.as_str(), k.as_str())))
                })
    }
}

/// A party: the approvals it holds (with the `key_hash` of their authority and mechanism) and
/// its certifications (with the hash of their name).
#[derive(Clone, Debug)]
struct PartySlot {
    id: PartyId,
    approvals: Vec<HashedApproval>,
    certifications: Vec<HashedCertification>,
}

#[derive(Clone, Debug)]
struct HashedApproval {
    authority: u64,
    mechanism: u64,
    approval: Approval,
}

impl HashedApproval {
    fn new(approval: Approval) -> Self {
        HashedApproval {
            authority: key_hash(approval.authority().as_str()),
            mechanism: key_hash(approval.mechanism().as_str()),
            approval,
        }
    }
}

#[derive(Clone, Debug)]
struct HashedCertification {
    name: u64,
    certification: Certification,
}

impl HashedCertification {
    fn new(certification: Certification) -> Self {
        HashedCertification {
            name: key_hash(certification.name().as_str()),
            certification,
        }
    }
}

/// Whether `name` (whose `key_hash` is `hash`) is one of `names` (whose hashes are `hashes`,
/// in the same order): the name is compared only where the hash matches.
fn named<T: PartialEq>(hashes: &[u64], names: &[T], hash: u64, name: &T) -> bool {
    hashes
        .iter()
        .zip(names)
        .any(|(&h, n)| h == hash && n == name)
}

#[derive(Clone, Debug, Default)]
struct Inner {
    consents: Consents,
    parties: HashTable<PartySlot>,
    approval_owner: HashMap<EvidenceId, PartyId>,
    certification_owner: HashMap<EvidenceId, PartyId>,
    ledger: HashMap<PartyId, HashMap<Arc<str>, CounterLog>>,
}

impl Inner {
    fn party(&self, id: &PartyId, hash: u64) -> Option<&PartySlot> {
        self.parties.find(hash, |p| p.id == *id)
    }

    fn party_mut(&mut self, id: &PartyId) -> &mut PartySlot {
        let hash = key_hash(id.as_str());
        self.parties
            .entry(hash, |p| p.id == *id, |p| key_hash(p.id.as_str()))
            .or_insert_with(|| PartySlot {
                id: id.clone(),
                approvals: Vec::new(),
                certifications: Vec::new(),
            })
            .into_mut()
    }

    fn find_consent(&self, q: &ConsentQuery<'_>) -> Option<EvidenceId> {
        let c = &self.consents;
        let at = q.at_nanos;
        let (i, _) = c
            .chain(c.first(q.subject, q.subject_hash))
            .find(|(i, r)| c.accepts(*i, r, q, at))?;
        c.ids.id(i)
    }

    fn find_approval(&self, q: &ApprovalQuery<'_>) -> Option<EvidenceId> {
        // The authority and mechanism by hash first (an integer compare rejects most), the
        // name only where the hash matches; then what `ApprovalQuery::accepts` checks besides.
        let mechanism_ok = |h: &HashedApproval| match (q.mechanism_hashes, q.mechanisms) {
            (None, None) => true,
            (Some(hashes), Some(names)) => {
                named(hashes, names, h.mechanism, h.approval.mechanism())
            }
            _ => false,
        };
        self.party(q.holder, q.holder_hash)?
            .approvals
            .iter()
            .filter(|h| {
                named(
                    q.authority_hashes,
                    q.authorities,
                    h.authority,
                    h.approval.authority(),
                ) && mechanism_ok(h)
            })
            .find(|h| {
                let a = &h.approval;
                a.holder() == q.holder && a.is_valid_at(q.at) && q.scope.covered_by(a.scope())
            })
            .map(|h| h.approval.id().clone())
    }

    fn find_certification(&self, q: &CertificationQuery<'_>) -> Option<EvidenceId> {
        self.party(q.party, q.party_hash)?
            .certifications
            .iter()
            .find(|h| {
                let c = &h.certification;
                named(q.name_hashes, q.names, h.name, c.name()) && c.is_valid_at(q.at)
            })
            .map(|h| h.certification.id().clone())
    }

    fn volume(&self, query: &VolumeQuery<'_>) -> VolumeCount {
        self.ledger
            .get(query.exporter)
            .and_then(|logs| logs.get(query.counter))
            .map(|log| log.count(query.from, query.to, query.subject))
            .unwrap_or_default()
    }

    fn visit_consents(
        &self,
        subject: &SubjectId,
        visit: &mut dyn FnMut(&Consent) -> ControlFlow<()>,
    ) {
        let c = &self.consents;
        for (i, _) in c.chain(c.first(subject, key_hash(subject.as_str()))) {
            if let Some(consent) = c.get(i, subject)
                && visit(&consent).is_break()
            {
                return;
            }
        }
    }

    fn visit_approvals(
        &self,
        holder: &PartyId,
        visit: &mut dyn FnMut(&Approval) -> ControlFlow<()>,
    ) {
        let slot = self.party(holder, key_hash(holder.as_str()));
        for h in slot.map_or(&[][..], |p| p.approvals.as_slice()) {
            if visit(&h.approval).is_break() {
                return;
            }
        }
    }

    fn visit_certifications(
        &self,
        party: &PartyId,
        visit: &mut dyn FnMut(&Certification) -> ControlFlow<()>,
    ) {
        let slot = self.party(party, key_hash(party.as_str()));
        for h in slot.map_or(&[][..], |p| p.certifications.as_slice()) {
            if visit(&h.certification).is_break() {
                return;
            }
        }
    }
}

/// Consents indexed by subject, approvals by holder, certifications by party; safe to update
/// while engines evaluate against it on other threads.
///
/// Updates never rewrite history: withdrawing a consent or revoking an approval records the
/// instant, so a decision as of an earlier instant is unchanged. Readers take a shared lock for
/// the duration of one look-up; writers take it exclusively. For batches evaluated on several
/// threads, [`snapshot`](Self::snapshot) gives a frozen view read without any lock.
///
/// Consents are held compactly (about 40 bytes each plus the id; scopes' category and
/// destination sets are stored once and shared) and found through the hash of the subject's id
/// that the [`Transfer`] computed when it was built.
///
/// # Example
///
/// ```
/// use crossborder::{Consent, ConsentKind, MemoryEvidence, Operation, Scope};
/// use chrono::{TimeZone, Utc};
///
/// let store = MemoryEvidence::new();
/// let scope = Scope::new(["personal.sensitive.health".parse()?], "US".parse()?, [Operation::Transfer].into())?;
/// let granted = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// store.grant(Consent::new("c-1".parse()?, "u-42".parse()?, ConsentKind::Express, scope, granted)?)?;
/// store.withdraw(&"c-1".parse()?, Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap())?;
/// assert_eq!(store.consent(&"c-1".parse()?).and_then(|c| c.withdrawn_at()),
///            Some(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()));
/// // Unknown ids are errors, not silent no-ops.
/// assert!(store.withdraw(&"c-2".parse()?, granted).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Default, Debug)]
pub struct MemoryEvidence {
    inner: RwLock<Arc<Inner>>,
}

/// A frozen view of a [`MemoryEvidence`], read without locks: take one with
/// [`MemoryEvidence::snapshot`] and share it (by reference) among the threads evaluating a
/// batch. Updates to the store after the snapshot was taken are not visible through it.
///
/// ```
/// use crossborder::{Evidence, MemoryEvidence};
/// let store = MemoryEvidence::new();
/// let snapshot = store.snapshot();
/// let mut seen = 0;
/// snapshot.consents(&"u".parse()?, &mut |_| { seen += 1; std::ops::ControlFlow::Continue(()) });
/// assert_eq!(seen, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct EvidenceSnapshot {
    inner: Arc<Inner>,
}

fn duplicate(kind: &str, id: &EvidenceId) -> ModelError {
    ModelError::new(
        ModelErrorKind::DuplicateId,
        format!("{kind} `{id}` is already in the store"),
    )
}

fn unknown(kind: &str, id: &EvidenceId) -> ModelError {
    ModelError::new(
        ModelErrorKind::UnknownEvidence,
        format!("the store holds no {kind} `{id}`"),
    )
}

/// Replaces the item `id` of the party slot's list with `f(item)`; a failed update changes
/// nothing.
fn update_party_item<T: Clone>(
    g: &mut Inner,
    owner: Option<PartyId>,
    kind: &str,
    id: &EvidenceId,
    list: impl FnOnce(&mut PartySlot) -> &mut Vec<T>,
    id_of: impl Fn(&T) -> &EvidenceId,
    f: impl FnOnce(T) -> Result<T, ModelError>,
) -> Result<(), ModelError> {
    let owner = owner.ok_or_else(|| unknown(kind, id))?;
    let slot = list(g.party_mut(&owner))
        .iter_mut()
        .find(|x| id_of(x) == id)
        .ok_or_else(|| unknown(kind, id))?;
    *slot = f(slot.clone())?;
    Ok(())
}

impl MemoryEvidence {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        MemoryEvidence::default()
    }

    // Updates check everything that can fail before they change anything, and replace whole
    // values; only an allocation failure (which aborts) could stop one half-way. So a poisoned
    // lock still guards consistent data.
    fn read(&self) -> RwLockReadGuard<'_, Arc<Inner>> {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` on the store's data, copied first if a snapshot still shares it.
    fn write<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut g: RwLockWriteGuard<'_, Arc<Inner>> = self
            .inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(Arc::make_mut(&mut g))
    }

    /// A frozen view of the store as it is now, read without locks (see
    /// [`EvidenceSnapshot`]). Taking one is cheap; the next update after it copies the store
    /// once, so take snapshots per batch, not per decision.
    #[must_use]
    pub fn snapshot(&self) -> EvidenceSnapshot {
        EvidenceSnapshot {
            inner: Arc::clone(&self.read()),
        }
    }

    /// Records a consent.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::DuplicateId`] when a consent with the same id is already held.
    pub fn grant(&self, consent: Consent) -> Result<(), ModelError> {
        self.write(|g| {
            if g.consents.find(consent.id()).is_some() {
                return Err(duplicate("consent", consent.id()));
            }
            g.consents.insert(&consent)
        })
    }

    /// Records that consent `id` was withdrawn at `at`: it is not valid from `at` on.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::UnknownEvidence`] for an unknown id; [`ModelErrorKind::InvalidPeriod`]
    /// when `at` is before the grant or after an earlier withdrawal.
    pub fn withdraw(&self, id: &EvidenceId, at: DateTime<Utc>) -> Result<(), ModelError> {
        self.write(|g| {
            let c = &mut g.consents;
            let index = c.find(id).ok_or_else(|| unknown("consent", id))?;
            let current = c
                .owner(index)
                .and_then(|s| c.get(index, &s.id))
                .ok_or_else(|| unknown("consent", id))?;
            let updated = current.withdrawn(at)?;
            c.set_times(index, &updated);
            Ok(())
        })
    }

    /// Records an approval.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::DuplicateId`] when an approval with the same id is already held.
    pub fn add_approval(&self, approval: Approval) -> Result<(), ModelError> {
        self.write(|g| {
            if g.approval_owner.contains_key(approval.id()) {
                return Err(duplicate("approval", approval.id()));
            }
            g.approval_owner
                .insert(approval.id().clone(), approval.holder().clone());
            g.party_mut(approval.holder())
                .approvals
                .push(HashedApproval::new(approval));
            Ok(())
        })
    }

    fn update_approval(
        &self,
        id: &EvidenceId,
        f: impl FnOnce(Approval) -> Result<Approval, ModelError>,
    ) -> Result<(), ModelError> {
        self.write(|g| {
            let owner = g.approval_owner.get(id).cloned();
            update_party_item(
                g,
                owner,
                "approval",
                id,
                |p| &mut p.approvals,
                |h: &HashedApproval| h.approval.id(),
                |h| f(h.approval).map(HashedApproval::new),
            )
        })
    }

    /// Records that approval `id` was revoked at `at`.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::UnknownEvidence`] for an unknown id; [`ModelErrorKind::InvalidPeriod`]
    /// when `at` is before the approval starts.
    pub fn revoke_approval(&self, id: &EvidenceId, at: DateTime<Utc>) -> Result<(), ModelError> {
        self.update_approval(id, |a| a.revoked(at))
    }

    /// Records that approval `id` was extended to end at `until`.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::UnknownEvidence`] for an unknown id; [`ModelErrorKind::InvalidPeriod`]
    /// when the approval has no end or `until` is not after it.
    pub fn extend_approval(&self, id: &EvidenceId, until: DateTime<Utc>) -> Result<(), ModelError> {
        self.update_approval(id, |a| a.extended_until(until))
    }

    /// Records a certification held by `party`.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::DuplicateId`] when a certification with the same id is already held.
    pub fn certify(&self, party: PartyId, certification: Certification) -> Result<(), ModelError> {
        self.write(|g| {
            if g.certification_owner.contains_key(certification.id()) {
                return Err(duplicate("certification", certification.id()));
            }
            g.certification_owner
                .insert(certification.id().clone(), party.clone());
            g.party_mut(&party)
                .certifications
                .push(HashedCertification::new(certification));
            Ok(())
        })
    }

    /// Records that certification `id` was revoked at `at`.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::UnknownEvidence`] for an unknown id; [`ModelErrorKind::InvalidPeriod`]
    /// when `at` is before the certification starts.
    pub fn revoke_certification(
        &self,
        id: &EvidenceId,
        at: DateTime<Utc>,
    ) -> Result<(), ModelError> {
        self.write(|g| {
            let owner = g.certification_owner.get(id).cloned();
            update_party_item(
                g,
                owner,
                "certification",
                id,
                |p| &mut p.certifications,
                |h: &HashedCertification| h.certification.id(),
                |h| h.certification.revoked(at).map(HashedCertification::new),
            )
        })
    }

    /// Records an executed act in the volume ledger: for every counter of `engine` the act
    /// counts toward, its subject (a single-subject act) or its counted individuals (a bulk
    /// act), at the act's instant. Evaluation never records; call this once the act is done.
    /// Returns the counters recorded and what each was given (a subject counts as 1 even when
    /// already counted in a window; windows de-duplicate when they count).
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::EngineMismatch`] when the transfer was built for another engine.
    pub fn record(
        &self,
        engine: &Engine,
        transfer: &Transfer,
    ) -> Result<Vec<(String, u64)>, ModelError> {
        let p = &engine.program;
        if transfer.key.fingerprint != p.fingerprint {
            return Err(ModelError::new(
                ModelErrorKind::EngineMismatch,
                "the transfer was built for another engine: build it again with this engine",
            ));
        }
        let mut recorded = Vec::new();
        self.write(|g| {
            for c in &p.counters {
                if !conditions_hold(p, &c.conds, c.cats.as_ref(), transfer, &super::NoEvidence) {
                    continue;
                }
                let log = g
                    .ledger
                    .entry(transfer.exporter().id().clone())
                    .or_default()
                    .entry(c.name.clone())
                    .or_default();
                match transfer.data().individuals() {
                    Individuals::One(s) => {
                        log.add(transfer.at(), Some(s.id().clone()), 0);
                        recorded.push((c.name.to_string(), 1));
                    }
                    who @ Individuals::Bulk { .. } => {
                        let n = act_individuals(c.individuals, who, false);
                        if n > 0 {
                            log.add(transfer.at(), None, n);
                            recorded.push((c.name.to_string(), n));
                        }
                    }
                }
            }
        });
        Ok(recorded)
    }

    /// Records, under `counter` for `exporter`, that `subject`'s data was exported at `at`
    /// (for importing a ledger kept elsewhere).
    pub fn record_subject(
        &self,
        exporter: PartyId,
        counter: &str,
        at: DateTime<Utc>,
        subject: SubjectId,
    ) {
        self.write(|g| {
            g.ledger
                .entry(exporter)
                .or_default()
                .entry(Arc::from(counter))
                .or_default()
                .add(at, Some(subject), 0);
        });
    }

    /// Records, under `counter` for `exporter`, that `individuals` distinct individuals' data
    /// was exported at `at` in bulk (for importing a ledger kept elsewhere).
    pub fn record_individuals(
        &self,
        exporter: PartyId,
        counter: &str,
        at: DateTime<Utc>,
        individuals: u64,
    ) {
        if individuals == 0 {
            return;
        }
        self.write(|g| {
            g.ledger
                .entry(exporter)
                .or_default()
                .entry(Arc::from(counter))
                .or_default()
                .add(at, None, individuals);
        });
    }

    /// A copy of consent `id`, if held.
    #[must_use]
    pub fn consent(&self, id: &EvidenceId) -> Option<Consent> {
        let g = self.read();
        let c = &g.consents;
        let index = c.find(id)?;
        c.get(index, &c.owner(index)?.id)
    }

    /// A copy of approval `id`, if held.
    #[must_use]
    pub fn approval(&self, id: &EvidenceId) -> Option<Approval> {
        let g = self.read();
        let holder = g.approval_owner.get(id)?;
        g.party(holder, key_hash(holder.as_str()))?
            .approvals
            .iter()
            .find(|h| h.approval.id() == id)
            .map(|h| h.approval.clone())
    }

    /// Copies of every consent `subject` gave, in the order they were granted: the data
    /// subject's own view of what they agreed to.
    #[must_use]
    pub fn consents_of(&self, subject: &SubjectId) -> Vec<Consent> {
        let g = self.read();
        let c = &g.consents;
        c.chain(c.first(subject, key_hash(subject.as_str())))
            .filter_map(|(i, _)| c.get(i, subject))
            .collect()
    }

    /// How many consents, approvals and certifications the store holds.
    #[must_use]
    pub fn counts(&self) -> (usize, usize, usize) {
        let g = self.read();
        (
            g.consents.records.len(),
            g.approval_owner.len(),
            g.certification_owner.len(),
        )
    }
}

macro_rules! evidence_from_inner {
    ($t:ty, $inner:ident, $get:expr) => {
        impl Evidence for $t {
            fn volume(&self, query: &VolumeQuery<'_>) -> VolumeCount {
                let $inner = self;
                $get.volume(query)
            }
            fn consents(
                &self,
                subject: &SubjectId,
                visit: &mut dyn FnMut(&Consent) -> ControlFlow<()>,
            ) {
                let $inner = self;
                $get.visit_consents(subject, visit);
            }
            fn approvals(
                &self,
                holder: &PartyId,
                visit: &mut dyn FnMut(&Approval) -> ControlFlow<()>,
            ) {
                let $inner = self;
                $get.visit_approvals(holder, visit);
            }
            fn certifications(
                &self,
                party: &PartyId,
                visit: &mut dyn FnMut(&Certification) -> ControlFlow<()>,
            ) {
                let $inner = self;
                $get.visit_certifications(party, visit);
            }
            fn find_consent(&self, q: &ConsentQuery<'_>) -> Option<EvidenceId> {
                let $inner = self;
                $get.find_consent(q)
            }
            fn find_approval(&self, q: &ApprovalQuery<'_>) -> Option<EvidenceId> {
                let $inner = self;
                $get.find_approval(q)
            }
            fn find_certification(&self, q: &CertificationQuery<'_>) -> Option<EvidenceId> {
                let $inner = self;
                $get.find_certification(q)
            }
            fn with_view(&self, f: &mut dyn FnMut(&dyn Evidence)) {
                let $inner = self;
                let data: &Inner = &$get;
                f(data);
            }
        }
    };
}

evidence_from_inner!(Inner, s, *s);
evidence_from_inner!(EvidenceSnapshot, s, *s.inner);

// The store answers the questions of one evaluation from one read lock (see
// `Evidence::with_view`); look-ups outside an evaluation take it each.
impl Evidence for MemoryEvidence {
    fn volume(&self, query: &VolumeQuery<'_>) -> VolumeCount {
        self.read().volume(query)
    }
    fn consents(&self, subject: &SubjectId, visit: &mut dyn FnMut(&Consent) -> ControlFlow<()>) {
        self.read().visit_consents(subject, visit);
    }
    fn approvals(&self, holder: &PartyId, visit: &mut dyn FnMut(&Approval) -> ControlFlow<()>) {
        self.read().visit_approvals(holder, visit);
    }
    fn certifications(
        &self,
        party: &PartyId,
        visit: &mut dyn FnMut(&Certification) -> ControlFlow<()>,
    ) {
        self.read().visit_certifications(party, visit);
    }
    fn find_consent(&self, q: &ConsentQuery<'_>) -> Option<EvidenceId> {
        self.read().find_consent(q)
    }
    fn find_approval(&self, q: &ApprovalQuery<'_>) -> Option<EvidenceId> {
        self.read().find_approval(q)
    }
    fn find_certification(&self, q: &CertificationQuery<'_>) -> Option<EvidenceId> {
        self.read().find_certification(q)
    }
    fn with_view(&self, f: &mut dyn FnMut(&dyn Evidence)) {
        let guard = self.read();
        f(&**guard);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::evidence::ScopeQuery;
    use crate::model::{ConsentKind, OperationSet, Scope};
    use chrono::TimeZone;

    fn t(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap()
    }

    fn consent(id: &str, subject: &str) -> Consent {
        let scope = Scope::new(
            ["personal".parse().unwrap()],
            "US".parse().unwrap(),
            OperationSet::all(),
        )
        .unwrap();
        Consent::new(
            id.parse().unwrap(),
            subject.parse().unwrap(),
            ConsentKind::Express,
            scope,
            t(2),
        )
        .unwrap()
    }

    #[test]
    fn grant_withdraw_and_errors() {
        let s = MemoryEvidence::new();
        s.grant(consent("c1", "u")).unwrap();
        s.grant(consent("c2", "u")).unwrap();
        assert_eq!(
            s.grant(consent("c1", "v")).unwrap_err().kind(),
            ModelErrorKind::DuplicateId
        );
        assert_eq!(s.consents_of(&"u".parse().unwrap()).len(), 2);
        s.withdraw(&"c1".parse().unwrap(), t(5)).unwrap();
        assert_eq!(
            s.consent(&"c1".parse().unwrap()).unwrap().withdrawn_at(),
            Some(t(5))
        );
        assert_eq!(
            s.withdraw(&"c1".parse().unwrap(), t(1)).unwrap_err().kind(),
            ModelErrorKind::InvalidPeriod
        );
        assert_eq!(
            s.withdraw(&"zz".parse().unwrap(), t(5))
                .unwrap_err()
                .to_string(),
            "the store holds no consent `zz`"
        );
        let mut seen = Vec::new();
        s.consents(&"u".parse().unwrap(), &mut |c| {
            seen.push(c.id().to_string());
            ControlFlow::Break(())
        });
        assert_eq!(seen, vec!["c1"]);
        assert_eq!(s.counts(), (2, 0, 0));
    }

    #[test]
    fn the_ledger_counts_distinct_individuals_in_a_window() {
        let s = MemoryEvidence::new();
        let ex: PartyId = "acme".parse().unwrap();
        let u = |n: &str| -> SubjectId { n.parse().unwrap() };
        s.record_subject(ex.clone(), "c", t(3), u("a"));
        s.record_subject(ex.clone(), "c", t(5), u("a"));
        s.record_subject(ex.clone(), "c", t(5), u("a")); // same instant: once
        s.record_subject(ex.clone(), "c", t(4), u("b"));
        s.record_individuals(ex.clone(), "c", t(6), 100);
        s.record_individuals(ex.clone(), "c", t(7), 0);
        let q = |from, to, subject: Option<&SubjectId>| {
            s.volume(&VolumeQuery {
                exporter: &ex,
                counter: "c",
                from,
                to,
                subject,
            })
        };
        assert_eq!(q(t(1), t(10), None).individuals, 102);
        assert_eq!(
            q(t(4), t(10), None).individuals,
            102,
            "a counted once, at its 5th-day entry"
        );
        assert_eq!(q(t(6), t(10), None).individuals, 100);
        assert_eq!(q(t(1), t(4), None).individuals, 2);
        assert_eq!(q(t(1), t(3), None).individuals, 1);
        let a = u("a");
        assert!(q(t(1), t(3), Some(&a)).includes_subject);
        assert!(!q(t(6), t(10), Some(&a)).includes_subject);
        assert!(q(t(4), t(5), Some(&a)).includes_subject);
        assert_eq!(
            s.volume(&VolumeQuery {
                exporter: &ex,
                counter: "other",
                from: t(1),
                to: t(9),
                subject: None
            }),
            VolumeCount::default()
        );
    }

    #[test]
    fn concurrent_updates_while_reading() {
        let s = std::sync::Arc::new(MemoryEvidence::new());
        std::thread::scope(|scope| {
            let w = s.clone();
            scope.spawn(move || {
                for i in 0..200 {
                    w.grant(consent(&format!("c{i}"), "u")).unwrap();
                }
            });
            for _ in 0..200 {
                let mut n = 0;
                s.consents(&"u".parse().unwrap(), &mut |_| {
                    n += 1;
                    ControlFlow::Continue(())
                });
                assert!(n <= 200);
            }
        });
        assert_eq!(s.counts().0, 200);
    }

    /// An engine with one rule per basis: rule `r{k}` applies to every act and requires
    /// `bases[k]` (a basis in pack TOML, e.g. `consent = { min_kind = "express" }`).
    fn engine_requiring(bases: &[&str]) -> Engine {
        let mut pack = String::from(
            "format = 1\nid = \"t\"\ntitle = \"t\"\nkind = \"law\"\nissuer = \"CN\"\nversion = \"1\"\nsummary = \"t\"\n[[sources]]\ntitle = \"t\"\nchecked = \"2026-01-01\"\n",
        );
        for (k, basis) in bases.iter().enumerate() {
            pack.push_str(&format!(
                "[[rules]]\nid = \"r{k}\"\nsummary = \"s\"\ncite = \"c\"\napplies_when = {{}}\n[[rules.require]]\nname = \"b\"\n{basis}\n"
            ));
        }
        Engine::builder()
            .pack(crate::PolicyPack::from_toml_str(&pack).unwrap())
            .build()
            .unwrap()
    }

    /// Answers `find_consent` through the trait's default (visiting rebuilt consents).
    struct Visiting<'a>(&'a MemoryEvidence);

    impl Evidence for Visiting<'_> {
        fn consents(&self, s: &SubjectId, v: &mut dyn FnMut(&Consent) -> ControlFlow<()>) {
            self.0.consents(s, v);
        }
        fn approvals(&self, h: &PartyId, v: &mut dyn FnMut(&Approval) -> ControlFlow<()>) {
            self.0.approvals(h, v);
        }
        fn certifications(
            &self,
            p: &PartyId,
            v: &mut dyn FnMut(&Certification) -> ControlFlow<()>,
        ) {
            self.0.certifications(p, v);
        }
    }

    #[test]
    fn approval_and_certification_answers_agree_with_the_query_definition() {
        let at = |y: i32, d: u32| Utc.with_ymd_and_hms(y, 1, d, 0, 0, 0).unwrap();
        let s = MemoryEvidence::new();
        let scope = |cats: &[&str], dest: &str| {
            Scope::new(
                cats.iter().map(|c| c.parse::<Category>().unwrap()),
                dest.parse().unwrap(),
                OperationSet::all(),
            )
            .unwrap()
        };
        let approval = |id: &str, authority: &str, mechanism: &str, holder: &str, sc: Scope| {
            Approval::new(
                id.parse().unwrap(),
                authority.parse().unwrap(),
                mechanism.parse().unwrap(),
                holder.parse().unwrap(),
                sc,
                at(2025, 1),
            )
            .unwrap()
        };
        for a in [
            approval(
                "a1",
                "CN-CAC",
                "cac_assessment",
                "acme",
                scope(&["personal.sensitive"], "US"),
            ),
            approval(
                "a2",
                "CN-CAC",
                "cn_standard_contract",
                "acme",
                scope(&["personal"], "US,GB"),
            )
            .revoked(at(2026, 10))
            .unwrap(),
            approval("a3", "EU-COM", "scc", "acme", scope(&["personal"], "US"))
                .valid_until(at(2027, 1))
                .unwrap(),
            approval(
                "a4",
                "CN-CAC",
                "pip_certification",
                "beta",
                scope(&["personal"], "GB"),
            ),
            // Same mechanism name under another authority: matched by both names, never one.
            approval(
                "a5",
                "EU-COM",
                "cac_assessment",
                "beta",
                scope(&["personal"], "US"),
            ),
        ] {
            s.add_approval(a).unwrap();
        }
        let cert = |id: &str, name: &str, until: Option<DateTime<Utc>>| {
            Certification::new(
                id.parse().unwrap(),
                name.parse().unwrap(),
                at(2026, 1),
                until,
            )
            .unwrap()
        };
        s.certify("lab".parse().unwrap(), cert("c1", "eu-us-dpf", None))
            .unwrap();
        s.certify(
            "lab".parse().unwrap(),
            cert("c2", "apec-cbpr", Some(at(2026, 5))),
        )
        .unwrap();
        s.certify("cloud".parse().unwrap(), cert("c3", "apec-cbpr", None))
            .unwrap();
        let engine = engine_requiring(&[
            "approval = { authorities = [\"CN-CAC\"], mechanisms = [\"cac_assessment\", \"cn_standard_contract\"] }",
            "approval = { authorities = [\"EU-COM\", \"CN-CAC\"] }",
            "recipient_certified = [\"eu-us-dpf\", \"apec-cbpr\"]",
        ]);
        let visiting = Visiting(&s);
        let (mut asked, mut found) = (0, 0);
        for exporter in ["acme", "beta", "nobody"] {
            for recipient in ["lab", "cloud", "stranger"] {
                for when in [
                    at(2024, 1),
                    at(2025, 1),
                    at(2026, 3),
                    at(2026, 10),
                    at(2027, 1),
                ] {
                    for cats in [&["personal.contact"][..], &["personal.sensitive.health"]] {
                        for dest in ["US", "GB"] {
                            let t = Transfer::builder()
                                .operation(crate::Operation::Transfer)
                                .destination(dest.parse().unwrap())
                                .data(crate::DataItem::of_subject(
                                    crate::Subject::new("u".parse().unwrap()),
                                    cats.iter().map(|c| c.parse::<Category>().unwrap()),
                                    "CN".parse().unwrap(),
                                ))
                                .exporter(crate::Party::new(exporter.parse().unwrap()))
                                .recipient(crate::Party::new(recipient.parse().unwrap()))
                                .at(when)
                                .build(&engine)
                                .unwrap();
                            let compact = engine.evaluate(&t, &s);
                            let defined = engine.evaluate(&t, &visiting);
                            let ids = |d: &crate::Decision<'_>| -> Vec<String> {
                                d.rules()
                                    .flat_map(|r| {
                                        r.evidence()
                                            .iter()
                                            .map(|e| e.id().to_string())
                                            .collect::<Vec<_>>()
                                    })
                                    .collect()
                            };
                            assert_eq!(compact.report(), defined.report(), "{t:?}");
                            asked += 3;
                            found += ids(&compact).len();
                        }
                    }
                }
            }
        }
        assert!(found > asked / 10 && found < asked, "{found} of {asked}");
    }

    #[test]
    fn compact_answers_agree_with_visiting_rebuilt_consents() {
        let at = |y: i32, d: u32| Utc.with_ymd_and_hms(y, 1, d, 0, 0, 0).unwrap();
        let cat = |c: &str| -> Category { c.parse().unwrap() };
        let s = MemoryEvidence::new();
        let scope = |cats: &[&str], dest: &str, ops: OperationSet| {
            Scope::new(cats.iter().map(|c| cat(c)), dest.parse().unwrap(), ops).unwrap()
        };
        let transfer_only: OperationSet = [crate::Operation::Transfer].into();
        let grants = vec![
            // Instants outside what i64 nanoseconds hold, before and after.
            Consent::new(
                "wide-old".parse().unwrap(),
                "u".parse().unwrap(),
                ConsentKind::Express,
                scope(&["personal.contact"], "US", OperationSet::all()),
                at(1600, 1),
            )
            .unwrap()
            .expiring(at(1650, 1))
            .unwrap(),
            Consent::new(
                "wide-new".parse().unwrap(),
                "u".parse().unwrap(),
                ConsentKind::Written,
                scope(&["personal"], "US,GB", transfer_only),
                at(2026, 1),
            )
            .unwrap()
            .expiring(at(2400, 1))
            .unwrap()
            .informed_of_risks(true),
            Consent::new(
                "narrow-consent-with-a-long-identifier-0001"
                    .parse()
                    .unwrap(),
                "u".parse().unwrap(),
                ConsentKind::Separate,
                scope(&["personal.sensitive"], "GB", OperationSet::all())
                    .with_purposes(["research".parse().unwrap()])
                    .with_recipients(["lab".parse().unwrap()]),
                at(2026, 2),
            )
            .unwrap()
            .withdrawn(at(2026, 20))
            .unwrap(),
            Consent::new(
                "other-subject".parse().unwrap(),
                "v".parse().unwrap(),
                ConsentKind::Written,
                scope(&["personal"], "US,GB", OperationSet::all()),
                at(2000, 1),
            )
            .unwrap()
            .informed_of_risks(true),
        ];
        for c in &grants {
            s.grant(c.clone()).unwrap();
        }
        assert_eq!(std::mem::size_of::<ConsentRec>(), 32);
        // Every consent comes back whole, found through its id and through its subject.
        for c in &grants {
            assert_eq!(s.consent(c.id()).as_ref(), Some(c));
        }
        assert_eq!(s.consents_of(&"u".parse().unwrap()), grants[..3].to_vec());
        // Queries as the engine asks them: one rule per (kind, informed) requirement, naming
        // no categories (every category of the data must be covered).
        let engine = engine_requiring(&[
            "consent = { min_kind = \"express\", informed_of_risks = false }",
            "consent = { min_kind = \"written\", informed_of_risks = true }",
        ]);
        let p = &engine.program;
        let subjects = ["u", "v"];
        let instants = [
            at(1500, 1),
            at(1600, 1),
            at(1649, 1),
            at(1650, 1),
            at(2026, 1),
            at(2026, 3),
            at(2026, 20),
            at(2399, 1),
            at(2400, 1),
            at(3000, 1),
        ];
        let transfer =
            |subject: &str, when, cats: &[&str], dest: &str, op, purpose: bool, recipient: bool| {
                let mut b = Transfer::builder()
                    .operation(op)
                    .destination(dest.parse().unwrap())
                    .data(crate::DataItem::of_subject(
                        crate::Subject::new(subject.parse().unwrap()),
                        cats.iter().map(|c| cat(c)),
                        "CN".parse().unwrap(),
                    ))
                    .exporter(crate::Party::new("acme".parse().unwrap()))
                    .at(when);
                if purpose {
                    b = b.purpose("research".parse().unwrap());
                }
                if recipient {
                    b = b.recipient(crate::Party::new("lab".parse().unwrap()));
                }
                b.build(&engine).unwrap()
            };
        let queries = |t: &'_ Transfer| -> Vec<(usize, bool)> {
            p.rules
                .iter()
                .filter_map(|rule| {
                    let alt = rule.alts.first()?;
                    let crate::engine::CBasis::Consent { min, informed } = alt.bases.first()?
                    else {
                        return None;
                    };
                    let q = ConsentQuery {
                        subject: t.data().subject()?.id(),
                        subject_hash: t.key.subject_hash,
                        min: *min,
                        informed: *informed,
                        at: t.at(),
                        at_nanos: t.key.at_nanos,
                        scope: ScopeQuery::new(p, rule, t),
                    };
                    let compact = s.find_consent(&q);
                    assert_eq!(compact, Visiting(&s).find_consent(&q), "{t:?}");
                    assert_eq!(compact, s.snapshot().find_consent(&q));
                    Some((0, compact.is_some()))
                })
                .collect()
        };
        let (mut asked, mut found) = (0, 0);
        for subject in subjects {
            for &when in &instants {
                for cats in [
                    &["personal.contact"][..],
                    &["personal.sensitive.health"],
                    &["personal.contact", "personal.sensitive.health"],
                ] {
                    for dest in ["US", "GB", "FR"] {
                        for op in [crate::Operation::Transfer, crate::Operation::Store] {
                            for purpose in [false, true] {
                                for recipient in [false, true] {
                                    let t =
                                        transfer(subject, when, cats, dest, op, purpose, recipient);
                                    for (_, hit) in queries(&t) {
                                        asked += 1;
                                        found += usize::from(hit);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(found > asked / 20 && found < asked, "{found} of {asked}");

        // Withdrawal, also to an instant outside the nanosecond range, and snapshots.
        let before = s.snapshot();
        s.withdraw(&"wide-new".parse().unwrap(), at(2300, 1))
            .unwrap();
        s.withdraw(&"other-subject".parse().unwrap(), at(2500, 1))
            .unwrap();
        assert_eq!(
            s.consent(&"wide-new".parse().unwrap())
                .and_then(|c| c.withdrawn_at()),
            Some(at(2300, 1))
        );
        assert_eq!(
            s.consent(&"other-subject".parse().unwrap())
                .and_then(|c| c.withdrawn_at()),
            Some(at(2500, 1))
        );
        let allowed = |ev: &dyn Evidence, subject: &str, when| {
            let t = transfer(
                subject,
                when,
                &["personal.contact"],
                "US",
                crate::Operation::Transfer,
                false,
                false,
            );
            engine.evaluate(&t, ev).is_allowed()
        };
        assert!(!allowed(&s, "u", at(2300, 1)));
        assert!(allowed(&s, "u", at(2299, 1)));
        assert!(
            allowed(&before, "u", at(2300, 1)),
            "a snapshot does not see later updates"
        );
        assert!(allowed(&s, "v", at(2499, 1)));
        assert!(!allowed(&s, "v", at(2500, 1)));
        assert!(!allowed(&Visiting(&s), "v", at(2500, 1)));
    }

    #[test]
    fn leap_seconds_compare_as_chrono_orders_them() {
        let leap = |nanos: u32| {
            chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
                .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_000_000_000 + nanos))
                .unwrap()
                .and_utc()
        };
        let at = |y, mo, d, h, mi, s, n| {
            chrono::NaiveDate::from_ymd_opt(y, mo, d)
                .and_then(|x| x.and_hms_nano_opt(h, mi, s, n))
                .unwrap()
                .and_utc()
        };
        let engine = engine_requiring(&["consent = { min_kind = \"express\" }"]);
        let s = MemoryEvidence::new();
        let scope = Scope::new(
            ["personal".parse().unwrap()],
            "US".parse().unwrap(),
            OperationSet::all(),
        )
        .unwrap();
        let grant = |id: &str, subject: &str, from, until| {
            let c = Consent::new(
                id.parse().unwrap(),
                subject.parse().unwrap(),
                ConsentKind::Express,
                scope.clone(),
                from,
            )
            .unwrap()
            .expiring(until)
            .unwrap();
            s.grant(c.clone()).unwrap();
            c
        };
        // Expires inside the leap second; granted just after it.
        let a = grant("a", "u", at(2016, 6, 1, 0, 0, 0, 0), leap(500_000_000));
        let b = grant(
            "b",
            "v",
            at(2017, 1, 1, 0, 0, 0, 200_000_000),
            at(2018, 1, 1, 0, 0, 0, 0),
        );
        assert_eq!(s.consent(a.id()).as_ref(), Some(&a));
        assert_eq!(s.consent(b.id()).as_ref(), Some(&b));
        let allowed = |ev: &dyn Evidence, subject: &str, when| {
            let t = Transfer::builder()
                .operation(crate::Operation::Transfer)
                .destination("US".parse().unwrap())
                .data(crate::DataItem::of_subject(
                    crate::Subject::new(subject.parse().unwrap()),
                    ["personal.contact".parse().unwrap()],
                    "CN".parse().unwrap(),
                ))
                .exporter(crate::Party::new("acme".parse().unwrap()))
                .at(when)
                .build(&engine)
                .unwrap();
            engine.evaluate(&t, ev).is_allowed()
        };
        let cases = [
            ("u", at(2016, 12, 31, 23, 59, 59, 900_000_000), true),
            ("u", leap(200_000_000), true),
            ("u", leap(500_000_000), false),
            ("u", at(2017, 1, 1, 0, 0, 0, 200_000_000), false),
            ("v", leap(500_000_000), false),
            ("v", leap(999_999_999), false),
            ("v", at(2017, 1, 1, 0, 0, 0, 200_000_000), true),
            ("v", at(2017, 1, 1, 0, 0, 0, 100_000_000), false),
        ];
        for (subject, when, expected) in cases {
            assert_eq!(
                allowed(&s, subject, when),
                expected,
                "{subject} at {when:?}"
            );
            assert_eq!(allowed(&Visiting(&s), subject, when), expected);
        }
        // Withdrawn inside a leap second, checked against the exact instant.
        s.withdraw(b.id(), at(2017, 6, 1, 0, 0, 0, 0)).unwrap();
        assert!(!allowed(&s, "v", at(2017, 6, 1, 0, 0, 0, 0)));
        assert!(allowed(&s, "v", at(2017, 5, 31, 0, 0, 0, 0)));
    }
}
