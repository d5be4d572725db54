//! [`MemoryEvidence`]: an indexed, thread-safe, in-memory evidence store, and its lock-free
//! [`EvidenceSnapshot`].
//!
//! - [`consents`]: the compact consent table;
//! - [`parties`]: approvals and certifications per party;
//! - [`ledger`]: the volume ledger.
//!
//! This file holds the store's locking, snapshots and its [`Evidence`] implementation. It
//! knows nothing about engines: executed acts arrive as [`LedgerEntry`] values.

mod consents;
mod ledger;
mod parties;
mod whole;

use std::collections::HashMap as StdHashMap;
use std::ops::ControlFlow;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};

use super::{
    ApprovalQuery, CertificationQuery, ConsentQuery, Counted, Evidence, EvidenceCheck, LedgerEntry,
    VolumeCount, VolumeQuery, forward_evidence,
};
use crate::error::{StoreError, StoreErrorKind};
use crate::model::{Approval, Certification, Consent, EvidenceId, PartyId, SubjectId};
use consents::Consents;
use ledger::Ledger;
use parties::Parties;
pub use whole::Erasure;
#[cfg(feature = "durable")]
pub(crate) use whole::{Staged, next_pseudonym};

/// Maps keyed by ids, hashed with a fast, randomly seeded hasher.
type HashMap<K, V> = StdHashMap<K, V, foldhash::fast::RandomState>;

fn duplicate(kind: &str, id: &EvidenceId) -> StoreError {
    StoreError::new(
        StoreErrorKind::DuplicateId,
        format!("{kind} `{id}` is already in the store"),
    )
}

fn unknown(kind: &str, id: &EvidenceId) -> StoreError {
    StoreError::new(
        StoreErrorKind::UnknownEvidence,
        format!("the store holds no {kind} `{id}`"),
    )
}

/// The store's data: what a lock guards and a snapshot shares.
#[derive(Clone, Debug, Default)]
struct Inner {
    consents: Consents,
    parties: Parties,
    ledger: Ledger,
}

impl Evidence for Inner {
    fn consents(&self, subject: &SubjectId, visit: &mut dyn FnMut(&Consent) -> ControlFlow<()>) {
        self.consents.visit(subject, visit);
    }
    fn approvals(&self, holder: &PartyId, visit: &mut dyn FnMut(&Approval) -> ControlFlow<()>) {
        self.parties.visit_approvals(holder, visit);
    }
    fn certifications(
        &self,
        party: &PartyId,
        visit: &mut dyn FnMut(&Certification) -> ControlFlow<()>,
    ) {
        self.parties.visit_certifications(party, visit);
    }
    fn volume(&self, query: &VolumeQuery<'_>) -> VolumeCount {
        self.ledger.count(query)
    }
    fn find_consent(&self, query: &ConsentQuery<'_>) -> Option<EvidenceId> {
        self.consents.find_consent(query)
    }
    fn find_approval(&self, query: &ApprovalQuery<'_>) -> Option<EvidenceId> {
        self.parties.find_approval(query)
    }
    fn find_certification(&self, query: &CertificationQuery<'_>) -> Option<EvidenceId> {
        self.parties.find_certification(query)
    }
    fn with_view(&self, f: &mut dyn FnMut(&dyn Evidence)) {
        f(self);
    }
}

/// Consents indexed by subject, approvals by holder, certifications by party, and the volume
/// ledger; safe to update while engines evaluate against it on other threads.
///
/// Updates never rewrite history: withdrawing a consent or revoking an approval records the
/// instant, so a decision as of an earlier instant is unchanged. An evaluation reads the store
/// under one shared lock (see [`Evidence::with_view`]); writers take it exclusively. For
/// batches evaluated on several threads, [`snapshot`](Self::snapshot) gives a frozen view read
/// without any lock.
///
/// Consents are held compactly (a 32-byte record plus the id; scopes' category and destination
/// sets are stored once and shared: about 86 resident bytes per consent on the cb-1 workload)
/// and found through the hash of the subject's id that the [`Transfer`](crate::Transfer)
/// computed when it was built.
///
/// The store lives in memory only: to keep withdrawals and the volume ledger across restarts,
/// use [`DurableEvidence`](crate::evidence::DurableEvidence), which answers from this same
/// index and commits every write to a file first.
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
    check: Option<Arc<dyn EvidenceCheck>>,
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

    /// The same store, refusing evidence `check` refuses before recording it: bind it to the
    /// [`Engine`](crate::Engine) that will read it, and a consent scoped to a category no pack
    /// declares, or an approval of a mechanism no rule names, is an error when granted instead
    /// of a consent that silently never counts.
    ///
    /// ```
    /// use crossborder::{Consent, ConsentKind, Engine, MemoryEvidence, OperationSet, Scope, StoreErrorKind};
    /// use chrono::{TimeZone, Utc};
    ///
    /// let engine = Engine::builder().enable("cn-pipl").build()?;
    /// let store = MemoryEvidence::new().checked_by(engine.clone());
    /// let typo = Scope::new(["personal.contacts".parse()?], "US".parse()?, OperationSet::all())?;
    /// let granted = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let err = store
    ///     .grant(Consent::new("c-1".parse()?, "u-1".parse()?, ConsentKind::Separate, typo, granted)?)
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), StoreErrorKind::UnknownName);
    /// assert_eq!(
    ///     err.to_string(),
    ///     "consent `c-1` names category `personal.contacts`, which no enabled pack declares (did you mean `personal.contact`?)"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn checked_by(mut self, check: impl EvidenceCheck + 'static) -> Self {
        self.check = Some(Arc::new(check));
        self
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
    /// [`StoreErrorKind::DuplicateId`] when a consent with the same id is already held;
    /// [`StoreErrorKind::Full`] when the store cannot index more;
    /// [`StoreErrorKind::UnknownName`] when the store is [bound](Self::checked_by) and the
    /// consent names what the engine does not declare.
    pub fn grant(&self, consent: Consent) -> Result<(), StoreError> {
        if let Some(check) = &self.check {
            check.check_consent(&consent)?;
        }
        self.write(|g| g.consents.grant(&consent))
    }

    /// Records that consent `id` was withdrawn at `at`: it is not valid from `at` on.
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::UnknownEvidence`] for an unknown id; [`StoreErrorKind::InvalidUpdate`]
    /// when `at` is before the grant or after an earlier withdrawal.
    pub fn withdraw(&self, id: &EvidenceId, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(|g| g.consents.withdraw(id, at))
    }

    /// Records an approval.
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::DuplicateId`] when an approval with the same id is already held;
    /// [`StoreErrorKind::UnknownName`] when the store is [bound](Self::checked_by) and the
    /// approval names what the engine does not declare.
    pub fn add_approval(&self, approval: Approval) -> Result<(), StoreError> {
        if let Some(check) = &self.check {
            check.check_approval(&approval)?;
        }
        self.write(|g| g.parties.add_approval(approval))
    }

    /// Records that approval `id` was revoked at `at`.
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::UnknownEvidence`] for an unknown id; [`StoreErrorKind::InvalidUpdate`]
    /// when `at` is before the approval starts.
    pub fn revoke_approval(&self, id: &EvidenceId, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(|g| g.parties.update_approval(id, |a| a.revoked(at)))
    }

    /// Records that approval `id` was extended to end at `until`.
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::UnknownEvidence`] for an unknown id; [`StoreErrorKind::InvalidUpdate`]
    /// when the approval has no end or `until` is not after it.
    pub fn extend_approval(&self, id: &EvidenceId, until: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(|g| g.parties.update_approval(id, |a| a.extended_until(until)))
    }

    /// Records a certification held by `party`.
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::DuplicateId`] when a certification with the same id is already held;
    /// [`StoreErrorKind::UnknownName`] when the store is [bound](Self::checked_by) and the
    /// scheme is one no rule of the engine names.
    pub fn certify(&self, party: PartyId, certification: Certification) -> Result<(), StoreError> {
        if let Some(check) = &self.check {
            check.check_certification(&certification)?;
        }
        self.write(|g| g.parties.certify(party, certification))
    }

    /// Records that certification `id` was revoked at `at`.
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::UnknownEvidence`] for an unknown id; [`StoreErrorKind::InvalidUpdate`]
    /// when `at` is before the certification starts.
    pub fn revoke_certification(
        &self,
        id: &EvidenceId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|g| g.parties.revoke_certification(id, at))
    }

    /// Records entries in the volume ledger, all under one lock: the entries an executed act
    /// adds ([`Engine::ledger_entries`](crate::Engine::ledger_entries), or
    /// [`record`](Self::record), which computes and records them), or a ledger kept elsewhere.
    /// A subject recorded twice at the same instant under one counter counts once; an entry of
    /// zero individuals records nothing.
    pub fn record_entries(&self, entries: &[LedgerEntry]) {
        if entries.is_empty() {
            return;
        }
        self.write(|g| {
            for e in entries {
                g.ledger.record(e);
            }
        });
    }

    /// Imports a ledger kept elsewhere: records `entries` as [`record_entries`](Self::record_entries)
    /// does, after checking, when the store is [bound](Self::checked_by) to an engine, that
    /// every counter is one its packs declare (all entries or none are recorded).
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::UnknownName`] for a counter no enabled pack declares, with a
    /// suggestion.
    ///
    /// ```
    /// use crossborder::{Engine, MemoryEvidence, StoreErrorKind};
    /// use crossborder::evidence::{Counted, LedgerEntry};
    ///
    /// let engine = Engine::builder().enable("cn-pipl").build()?;
    /// let store = MemoryEvidence::new().checked_by(engine);
    /// let at = "2026-01-05T00:00:00Z".parse()?;
    /// let typo = LedgerEntry::new("acme".parse()?, "cn-sensitiv", at, Counted::Individuals(3));
    /// let err = store.import_ledger(&[typo]).unwrap_err();
    /// assert_eq!(err.kind(), StoreErrorKind::UnknownName);
    /// assert!(err.to_string().contains("did you mean `cn-sensitive`?"), "{err}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn import_ledger(&self, entries: &[LedgerEntry]) -> Result<(), StoreError> {
        if let Some(check) = &self.check {
            for e in entries {
                check.check_counter(e.counter())?;
            }
        }
        self.record_entries(entries);
        Ok(())
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
        self.record_entries(&[LedgerEntry::new(
            exporter,
            counter,
            at,
            Counted::Subject(subject),
        )]);
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
        self.record_entries(&[LedgerEntry::new(
            exporter,
            counter,
            at,
            Counted::Individuals(individuals),
        )]);
    }

    /// A copy of consent `id`, if held.
    #[must_use]
    pub fn consent(&self, id: &EvidenceId) -> Option<Consent> {
        self.read().consents.consent(id)
    }

    /// A copy of approval `id`, if held.
    #[must_use]
    pub fn approval(&self, id: &EvidenceId) -> Option<Approval> {
        self.read().parties.approval(id)
    }

    /// Copies of every consent `subject` gave, in the order they were granted: the data
    /// subject's own view of what they agreed to.
    #[must_use]
    pub fn consents_of(&self, subject: &SubjectId) -> Vec<Consent> {
        self.read().consents.of_subject(subject)
    }

    /// How many consents, approvals and certifications the store holds.
    #[must_use]
    pub fn counts(&self) -> (usize, usize, usize) {
        let g = self.read();
        let (approvals, certifications) = g.parties.counts();
        (g.consents.len(), approvals, certifications)
    }
}

// A snapshot answers from its frozen data; the store answers the questions of one evaluation
// from one read lock (`with_view`), and each look-up outside an evaluation takes it once.
forward_evidence!(impl[] for EvidenceSnapshot, |s| s.inner);
forward_evidence!(
    impl[] for MemoryEvidence, |s| s.read(),
    with_view: |s, f| {
        let guard = s.read();
        f(&**guard);
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap()
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
            s.volume(&VolumeQuery::new(&ex, "c", from, to, subject))
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
            s.volume(&VolumeQuery::new(&ex, "other", t(1), t(9), None)),
            VolumeCount::default()
        );
    }

    fn consent(id: &str, subject: &str) -> Consent {
        let scope = crate::model::Scope::new(
            ["personal".parse().unwrap()],
            "US".parse().unwrap(),
            crate::model::OperationSet::all(),
        )
        .unwrap();
        Consent::new(
            id.parse().unwrap(),
            subject.parse().unwrap(),
            crate::model::ConsentKind::Express,
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
            StoreErrorKind::DuplicateId
        );
        assert_eq!(s.consents_of(&"u".parse().unwrap()).len(), 2);
        s.withdraw(&"c1".parse().unwrap(), t(5)).unwrap();
        assert_eq!(
            s.consent(&"c1".parse().unwrap()).unwrap().withdrawn_at(),
            Some(t(5))
        );
        let e = s.withdraw(&"c1".parse().unwrap(), t(1)).unwrap_err();
        assert_eq!(e.kind(), StoreErrorKind::InvalidUpdate);
        assert_eq!(
            e.to_string(),
            "consent `c1` cannot be withdrawn at 2026-01-01T00:00:00Z, before it is granted at 2026-01-02T00:00:00Z"
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
}
