//! The compact consent table of [`MemoryEvidence`](super::MemoryEvidence): one 32-byte record
//! and one arena id per consent, scopes' category and destination sets stored once, subjects in
//! a table keyed by the hash the transfer carries, each subject's consents chained in grant
//! order.
//!
//! Answers [`ConsentQuery`] exactly as [`ConsentQuery::accepts`] defines a match (the store's
//! agreement tests hold it to that), and rebuilds every consent exactly as granted.

use chrono::{DateTime, Utc};
use hashbrown::HashTable;

use super::HashMap;
use crate::error::{StoreError, StoreErrorKind};
use crate::evidence::{ConsentQuery, key_hash};
use crate::model::{
    Category, Consent, ConsentKind, EvidenceId, JurisdictionSet, OperationSet, PartyId, Purpose,
    Scope, SubjectId, falls_under,
};

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
pub(super) struct Consents {
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

fn full() -> StoreError {
    StoreError::new(
        StoreErrorKind::Full,
        "the store holds as many consents, subjects or scopes as it can index",
    )
}

impl Consents {
    /// Records a consent.
    pub(super) fn grant(&mut self, c: &Consent) -> Result<(), StoreError> {
        if self.find(c.id()).is_some() {
            return Err(super::duplicate("consent", c.id()));
        }
        self.insert(c)
    }

    /// Records that consent `id` was withdrawn at `at`.
    pub(super) fn withdraw(
        &mut self,
        id: &EvidenceId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let index = self.find(id).ok_or_else(|| super::unknown("consent", id))?;
        let current = self
            .owner(index)
            .and_then(|s| self.get(index, &s.id))
            .ok_or_else(|| super::unknown("consent", id))?;
        let updated = current.withdrawn(at).map_err(|e| StoreError::update(&e))?;
        self.set_times(index, &updated);
        Ok(())
    }

    /// Consent `id`, rebuilt, if held.
    pub(super) fn consent(&self, id: &EvidenceId) -> Option<Consent> {
        let index = self.find(id)?;
        self.get(index, &self.owner(index)?.id)
    }

    /// Every consent `subject` gave, rebuilt, in grant order.
    pub(super) fn of_subject(&self, subject: &SubjectId) -> Vec<Consent> {
        self.chain(self.first(subject, key_hash(subject.as_str())))
            .filter_map(|(i, _)| self.get(i, subject))
            .collect()
    }

    /// Every consent, rebuilt, in grant order.
    pub(super) fn all(&self) -> Vec<Consent> {
        (0..u32::try_from(self.records.len()).unwrap_or(u32::MAX))
            .filter_map(|i| self.get(i, &self.owner(i)?.id))
            .collect()
    }

    /// Visits `subject`'s consents, rebuilt, in grant order.
    pub(super) fn visit(
        &self,
        subject: &SubjectId,
        visit: &mut dyn FnMut(&Consent) -> std::ops::ControlFlow<()>,
    ) {
        for (i, _) in self.chain(self.first(subject, key_hash(subject.as_str()))) {
            if let Some(consent) = self.get(i, subject)
                && visit(&consent).is_break()
            {
                return;
            }
        }
    }

    /// The id of the first of the subject's consents that `q` accepts.
    pub(super) fn find_consent(&self, q: &ConsentQuery<'_>) -> Option<EvidenceId> {
        let at = q.at_nanos;
        let (i, _) = self
            .chain(self.first(q.subject, q.subject_hash))
            .find(|(i, r)| self.accepts(*i, r, q, at))?;
        self.ids.id(i)
    }

    /// How many consents are held.
    pub(super) fn len(&self) -> usize {
        self.records.len()
    }

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

    fn insert(&mut self, c: &Consent) -> Result<(), StoreError> {
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
                        s.purposes_covered_by(purposes)
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

#[cfg(test)]
mod tests {
    use super::ConsentRec;

    #[test]
    fn a_consent_record_is_32_bytes() {
        assert_eq!(std::mem::size_of::<ConsentRec>(), 32);
    }
}
