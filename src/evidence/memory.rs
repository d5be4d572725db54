//! An indexed, thread-safe, in-memory evidence store.

use std::collections::HashMap as StdHashMap;

/// Maps keyed by ids, hashed with a fast, randomly seeded hasher.
type HashMap<K, V> = StdHashMap<K, V, foldhash::fast::RandomState>;
use std::ops::ControlFlow;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};

use std::sync::Arc;

use super::{Evidence, VolumeCount, VolumeQuery};
use crate::engine::Engine;
use crate::engine::evaluate::{act_individuals, conditions_hold};
use crate::error::{ModelError, ModelErrorKind};
use crate::model::{
    Approval, Certification, Consent, EvidenceId, Individuals, PartyId, SubjectId, Transfer,
};

/// One recorded entry of a counter: a subject, or a bulk count.
#[derive(Clone, Debug)]
struct Entry {
    at: DateTime<Utc>,
    subject: Option<SubjectId>,
    bulk: u64,
}

/// The log of one (exporter, counter): entries sorted by instant, and each subject's instants.
#[derive(Default, Debug)]
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

#[derive(Default, Debug)]
struct Inner {
    consents: HashMap<SubjectId, Vec<Consent>>,
    consent_owner: HashMap<EvidenceId, SubjectId>,
    approvals: HashMap<PartyId, Vec<Approval>>,
    approval_owner: HashMap<EvidenceId, PartyId>,
    certifications: HashMap<PartyId, Vec<Certification>>,
    certification_owner: HashMap<EvidenceId, PartyId>,
    ledger: HashMap<PartyId, HashMap<Arc<str>, CounterLog>>,
}

/// Consents indexed by subject, approvals by holder, certifications by party; safe to update
/// while engines evaluate against it on other threads.
///
/// Updates never rewrite history: withdrawing a consent or revoking an approval records the
/// instant, so a decision as of an earlier instant is unchanged. Readers take a shared lock for
/// the duration of one lookup; writers take it exclusively.
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
    inner: RwLock<Inner>,
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

/// Replaces the item `id` (of kind `kind`) with `f(item)`: the item is found through its owner
/// (subject, holder or party) and replaced whole, so a failed update changes nothing.
fn update_item<K, T>(
    owners: &HashMap<EvidenceId, K>,
    items: &mut HashMap<K, Vec<T>>,
    kind: &str,
    id: &EvidenceId,
    id_of: impl Fn(&T) -> &EvidenceId,
    f: impl FnOnce(T) -> Result<T, ModelError>,
) -> Result<(), ModelError>
where
    K: std::hash::Hash + Eq,
    T: Clone,
{
    let owner = owners.get(id).ok_or_else(|| unknown(kind, id))?;
    let slot = items
        .get_mut(owner)
        .and_then(|v| v.iter_mut().find(|x| id_of(x) == id))
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

    // A writer that panicked cannot leave an entry half-written (every update replaces whole
    // values), so a poisoned lock still guards consistent data.
    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records a consent.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::DuplicateId`] when a consent with the same id is already held.
    pub fn grant(&self, consent: Consent) -> Result<(), ModelError> {
        let mut g = self.write();
        if g.consent_owner.contains_key(consent.id()) {
            return Err(duplicate("consent", consent.id()));
        }
        g.consent_owner
            .insert(consent.id().clone(), consent.subject().clone());
        g.consents
            .entry(consent.subject().clone())
            .or_default()
            .push(consent);
        Ok(())
    }

    /// Records that consent `id` was withdrawn at `at`: it is not valid from `at` on.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::UnknownEvidence`] for an unknown id; [`ModelErrorKind::InvalidPeriod`]
    /// when `at` is before the grant or after an earlier withdrawal.
    pub fn withdraw(&self, id: &EvidenceId, at: DateTime<Utc>) -> Result<(), ModelError> {
        let g = &mut *self.write();
        update_item(
            &g.consent_owner,
            &mut g.consents,
            "consent",
            id,
            Consent::id,
            |c| c.withdrawn(at),
        )
    }

    /// Records an approval.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::DuplicateId`] when an approval with the same id is already held.
    pub fn add_approval(&self, approval: Approval) -> Result<(), ModelError> {
        let mut g = self.write();
        if g.approval_owner.contains_key(approval.id()) {
            return Err(duplicate("approval", approval.id()));
        }
        g.approval_owner
            .insert(approval.id().clone(), approval.holder().clone());
        g.approvals
            .entry(approval.holder().clone())
            .or_default()
            .push(approval);
        Ok(())
    }

    fn update_approval(
        &self,
        id: &EvidenceId,
        f: impl FnOnce(Approval) -> Result<Approval, ModelError>,
    ) -> Result<(), ModelError> {
        let g = &mut *self.write();
        update_item(
            &g.approval_owner,
            &mut g.approvals,
            "approval",
            id,
            Approval::id,
            f,
        )
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
        let mut g = self.write();
        if g.certification_owner.contains_key(certification.id()) {
            return Err(duplicate("certification", certification.id()));
        }
        g.certification_owner
            .insert(certification.id().clone(), party.clone());
        g.certifications
            .entry(party)
            .or_default()
            .push(certification);
        Ok(())
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
        let g = &mut *self.write();
        update_item(
            &g.certification_owner,
            &mut g.certifications,
            "certification",
            id,
            Certification::id,
            |c| c.revoked(at),
        )
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
        let mut g = self.write();
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
        self.write()
            .ledger
            .entry(exporter)
            .or_default()
            .entry(Arc::from(counter))
            .or_default()
            .add(at, Some(subject), 0);
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
        self.write()
            .ledger
            .entry(exporter)
            .or_default()
            .entry(Arc::from(counter))
            .or_default()
            .add(at, None, individuals);
    }

    /// A copy of consent `id`, if held.
    #[must_use]
    pub fn consent(&self, id: &EvidenceId) -> Option<Consent> {
        let g = self.read();
        let s = g.consent_owner.get(id)?;
        g.consents.get(s)?.iter().find(|c| c.id() == id).cloned()
    }

    /// A copy of approval `id`, if held.
    #[must_use]
    pub fn approval(&self, id: &EvidenceId) -> Option<Approval> {
        let g = self.read();
        let h = g.approval_owner.get(id)?;
        g.approvals.get(h)?.iter().find(|a| a.id() == id).cloned()
    }

    /// Copies of every consent `subject` gave, in the order they were granted: the data
    /// subject's own view of what they agreed to.
    #[must_use]
    pub fn consents_of(&self, subject: &SubjectId) -> Vec<Consent> {
        self.read()
            .consents
            .get(subject)
            .cloned()
            .unwrap_or_default()
    }

    /// How many consents, approvals and certifications the store holds.
    #[must_use]
    pub fn counts(&self) -> (usize, usize, usize) {
        let g = self.read();
        (
            g.consent_owner.len(),
            g.approval_owner.len(),
            g.certification_owner.len(),
        )
    }
}

impl Evidence for MemoryEvidence {
    fn volume(&self, query: &VolumeQuery<'_>) -> VolumeCount {
        let g = self.read();
        g.ledger
            .get(query.exporter)
            .and_then(|logs| logs.get(query.counter))
            .map(|log| log.count(query.from, query.to, query.subject))
            .unwrap_or_default()
    }

    fn consents(&self, subject: &SubjectId, visit: &mut dyn FnMut(&Consent) -> ControlFlow<()>) {
        let g = self.read();
        for c in g.consents.get(subject).map_or(&[][..], Vec::as_slice) {
            if visit(c).is_break() {
                return;
            }
        }
    }

    fn approvals(&self, holder: &PartyId, visit: &mut dyn FnMut(&Approval) -> ControlFlow<()>) {
        let g = self.read();
        for a in g.approvals.get(holder).map_or(&[][..], Vec::as_slice) {
            if visit(a).is_break() {
                return;
            }
        }
    }

    fn certifications(
        &self,
        party: &PartyId,
        visit: &mut dyn FnMut(&Certification) -> ControlFlow<()>,
    ) {
        let g = self.read();
        for c in g.certifications.get(party).map_or(&[][..], Vec::as_slice) {
            if visit(c).is_break() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
