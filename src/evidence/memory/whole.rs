//! Operations on a [`MemoryEvidence`] as a whole: listing a party's evidence, export, atomic
//! import, erasure of a data subject — and the checks a durable store runs before it commits
//! a write (the same checks the memory store's writes run, without the write).
// The staging and checking half serves the durable store only.
#![cfg_attr(
    not(feature = "durable"),
    allow(
        dead_code,
        reason = "staging and pre-write checks serve the durable store"
    )
)]

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{Consents, Inner, Ledger, MemoryEvidence, duplicate, unknown};
use crate::error::{ModelError, StoreError};
use crate::evidence::{Counted, EvidenceSet, HeldCertification, LedgerEntry};
use crate::model::{Approval, Certification, Consent, EvidenceId, PartyId, SubjectId};

/// What [`MemoryEvidence::erase_subject`] (or the durable store's) removed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Erasure {
    /// The subject's consents deleted.
    pub consents: usize,
    /// The volume-ledger entries that named the subject, now naming `pseudonym`.
    pub ledger_entries: usize,
    /// What the ledger names the subject now (`~erased~1`, `~erased~2`, …), when it named it.
    pub pseudonym: Option<SubjectId>,
}

impl MemoryEvidence {
    /// A copy of certification `id` and the party that holds it, if held.
    #[must_use]
    pub fn certification(&self, id: &EvidenceId) -> Option<(PartyId, Certification)> {
        self.read().parties.certification(id)
    }

    /// Copies of the approvals `holder` holds, in the order they were added.
    #[must_use]
    pub fn approvals_of(&self, holder: &PartyId) -> Vec<Approval> {
        self.read().parties.approvals_of(holder)
    }

    /// Copies of the certifications `party` holds, in the order they were added.
    #[must_use]
    pub fn certifications_of(&self, party: &PartyId) -> Vec<Certification> {
        self.read().parties.certifications_of(party)
    }

    /// Everything the store holds, as data: consents in grant order; approvals and
    /// certifications by party (parties in id order, each party's in the order added); the
    /// ledger by exporter and counter, then instant. Withdrawn, expired and revoked evidence is
    /// included with its instants. [`import`](Self::import) into an empty store gives a store
    /// that answers every question alike.
    ///
    /// ```
    /// use crossborder::MemoryEvidence;
    /// use crossborder::evidence::EvidenceSet;
    ///
    /// let set = EvidenceSet::from_json_lines(concat!(
    ///     r#"{"consent": {"id": "c-1", "subject": "u-1", "kind": "express", "granted_at": "2026-01-01T00:00:00Z", "withdrawn_at": "2026-02-01T00:00:00Z", "scope": {"categories": ["personal"], "destinations": ["US"], "operations": ["transfer"]}}}"#, "\n",
    ///     r#"{"ledger": {"exporter": "acme", "counter": "cn-general", "at": "2026-01-05T00:00:00Z", "subject": "u-1"}}"#,
    /// ))?;
    /// let store = MemoryEvidence::new();
    /// store.import(&set)?;
    /// assert_eq!(store.export(), set);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn export(&self) -> EvidenceSet {
        let g = self.read();
        let mut set = EvidenceSet {
            consents: g.consents.all(),
            ledger: g.ledger.entries(),
            ..EvidenceSet::default()
        };
        for party in g.parties.parties() {
            set.approvals.extend(g.parties.approvals_of(&party));
            set.certifications
                .extend(
                    g.parties
                        .certifications_of(&party)
                        .into_iter()
                        .map(|certification| HeldCertification {
                            party: party.clone(),
                            certification,
                        }),
                );
        }
        set
    }

    /// Records everything `set` holds, all or nothing: every item is checked first (ids new to
    /// the store and unique in the set; names known to the engine the store is
    /// [bound](Self::checked_by) to), then all are recorded under one lock, so no reader sees
    /// half of it.
    ///
    /// # Errors
    ///
    /// The first refusal, located by the item's path in the set (`consents[3]`); nothing is
    /// recorded. ([`StoreErrorKind::Full`](crate::StoreErrorKind::Full), which only a store
    /// holding billions of items can meet, is found while recording: the items before it stay.)
    pub fn import(&self, set: &EvidenceSet) -> Result<(), StoreError> {
        self.vet_set(set)?;
        self.write(|g| apply_set(g, set))
    }

    /// Erases data subject `subject`: deletes every consent they gave, and replaces their id
    /// in the volume ledger with a pseudonym (`~erased~N`), so the exporter's counts — which
    /// the law's thresholds read — stay as they were while the ledger no longer names the
    /// person. Nothing else names a subject.
    ///
    /// Decisions made before the erasure can no longer be reproduced from the store when a
    /// deleted consent was what allowed them (replaying such a decision now denies); their
    /// logged reports still say which consent id they relied on.
    ///
    /// ```
    /// use crossborder::{MemoryEvidence, SubjectId};
    /// use crossborder::evidence::EvidenceSet;
    ///
    /// let store = MemoryEvidence::new();
    /// store.import(&EvidenceSet::from_json_lines(concat!(
    ///     r#"{"consent": {"id": "c-1", "subject": "u-1", "kind": "express", "granted_at": "2026-01-01T00:00:00Z", "scope": {"categories": ["personal"], "destinations": ["US"], "operations": ["transfer"]}}}"#, "\n",
    ///     r#"{"ledger": {"exporter": "acme", "counter": "cn-general", "at": "2026-01-05T00:00:00Z", "subject": "u-1"}}"#,
    /// ))?)?;
    /// let u1: SubjectId = "u-1".parse()?;
    /// let erased = store.erase_subject(&u1);
    /// assert_eq!((erased.consents, erased.ledger_entries), (1, 1));
    /// assert!(store.consents_of(&u1).is_empty());
    /// assert_eq!(store.export().ledger.len(), 1); // still counted, under a pseudonym
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn erase_subject(&self, subject: &SubjectId) -> Erasure {
        self.write(|g| erase(g, subject))
    }

    // ---- the checks of each write, without the write (for the durable store) ----

    /// Refuses `consent` as [`grant`](Self::grant) would.
    pub(crate) fn vet_consent(&self, consent: &Consent) -> Result<(), StoreError> {
        if let Some(check) = &self.check {
            check.check_consent(consent)?;
        }
        if self.read().consents.consent(consent.id()).is_some() {
            return Err(duplicate("consent", consent.id()));
        }
        Ok(())
    }

    /// Refuses `approval` as [`add_approval`](Self::add_approval) would.
    pub(crate) fn vet_approval(&self, approval: &Approval) -> Result<(), StoreError> {
        if let Some(check) = &self.check {
            check.check_approval(approval)?;
        }
        if self.read().parties.approval(approval.id()).is_some() {
            return Err(duplicate("approval", approval.id()));
        }
        Ok(())
    }

    /// Refuses `certification` as [`certify`](Self::certify) would.
    pub(crate) fn vet_certification(
        &self,
        certification: &Certification,
    ) -> Result<(), StoreError> {
        if let Some(check) = &self.check {
            check.check_certification(certification)?;
        }
        if self
            .read()
            .parties
            .certification(certification.id())
            .is_some()
        {
            return Err(duplicate("certification", certification.id()));
        }
        Ok(())
    }

    /// Refuses ledger entries as [`import_ledger`](Self::import_ledger) would.
    pub(crate) fn vet_ledger(&self, entries: &[LedgerEntry]) -> Result<(), StoreError> {
        if let Some(check) = &self.check {
            for e in entries {
                check.check_counter(e.counter())?;
            }
        }
        Ok(())
    }

    /// The consent [`withdraw`](Self::withdraw) would leave.
    pub(crate) fn withdrawn_consent(
        &self,
        id: &EvidenceId,
        at: DateTime<Utc>,
    ) -> Result<Consent, StoreError> {
        let c = self
            .read()
            .consents
            .consent(id)
            .ok_or_else(|| unknown("consent", id))?;
        c.withdrawn(at).map_err(|e| StoreError::update(&e))
    }

    /// The approval an update of `id` by `f` would leave.
    pub(crate) fn updated_approval(
        &self,
        id: &EvidenceId,
        f: impl FnOnce(Approval) -> Result<Approval, ModelError>,
    ) -> Result<Approval, StoreError> {
        let a = self
            .read()
            .parties
            .approval(id)
            .ok_or_else(|| unknown("approval", id))?;
        f(a).map_err(|e| StoreError::update(&e))
    }

    /// The certification [`revoke_certification`](Self::revoke_certification) would leave.
    pub(crate) fn revoked_certification(
        &self,
        id: &EvidenceId,
        at: DateTime<Utc>,
    ) -> Result<HeldCertification, StoreError> {
        let (party, c) = self
            .read()
            .parties
            .certification(id)
            .ok_or_else(|| unknown("certification", id))?;
        let certification = c.revoked(at).map_err(|e| StoreError::update(&e))?;
        Ok(HeldCertification {
            party,
            certification,
        })
    }

    /// Refuses `set` as [`import`](Self::import) would.
    pub(crate) fn vet_set(&self, set: &EvidenceSet) -> Result<(), StoreError> {
        fn at(path: String) -> impl FnOnce(StoreError) -> StoreError {
            move |e| {
                e.at(crate::error::Location {
                    path,
                    ..crate::error::Location::default()
                })
            }
        }
        fn once<'a>(
            seen: &mut HashSet<&'a EvidenceId>,
            kind: &str,
            id: &'a EvidenceId,
        ) -> Result<(), StoreError> {
            if seen.insert(id) {
                return Ok(());
            }
            Err(StoreError::new(
                crate::error::StoreErrorKind::DuplicateId,
                format!("{kind} `{id}` appears twice in what is imported"),
            ))
        }
        let mut seen = HashSet::new();
        for (i, c) in set.consents.iter().enumerate() {
            self.vet_consent(c)
                .and_then(|()| once(&mut seen, "consent", c.id()))
                .map_err(at(format!("consents[{i}]")))?;
        }
        let mut seen = HashSet::new();
        for (i, a) in set.approvals.iter().enumerate() {
            self.vet_approval(a)
                .and_then(|()| once(&mut seen, "approval", a.id()))
                .map_err(at(format!("approvals[{i}]")))?;
        }
        let mut seen = HashSet::new();
        for (i, h) in set.certifications.iter().enumerate() {
            self.vet_certification(&h.certification)
                .and_then(|()| once(&mut seen, "certification", h.certification.id()))
                .map_err(at(format!("certifications[{i}]")))?;
        }
        for (i, e) in set.ledger.iter().enumerate() {
            self.vet_ledger(std::slice::from_ref(e))
                .map_err(at(format!("ledger[{i}]")))?;
        }
        Ok(())
    }

    /// Records a checked set under one lock (see [`import`](Self::import)).
    pub(crate) fn apply_set(&self, set: &EvidenceSet) -> Result<(), StoreError> {
        self.write(|g| apply_set(g, set))
    }
}

/// A private copy of a store's data that writes apply to, one after another, each checked as
/// on the store itself; [`MemoryEvidence::publish`] then swaps it in whole, so readers see all
/// of it or none (the durable store's transactions).
#[derive(Debug)]
pub(crate) struct Staged {
    data: Inner,
}

impl MemoryEvidence {
    /// A copy of the data to stage writes on (costs a copy of the store).
    pub(crate) fn stage(&self) -> Staged {
        Staged {
            data: (**self.read()).clone(),
        }
    }

    /// Makes `staged` the store's data.
    pub(crate) fn publish(&self, staged: Staged) {
        self.write(|g| *g = staged.data);
    }
}

impl Staged {
    pub(crate) fn grant(&mut self, store: &MemoryEvidence, c: &Consent) -> Result<(), StoreError> {
        if let Some(check) = &store.check {
            check.check_consent(c)?;
        }
        self.data.consents.grant(c)
    }

    /// Withdraws consent `id`; the consent as it now is.
    pub(crate) fn withdraw(
        &mut self,
        id: &EvidenceId,
        at: DateTime<Utc>,
    ) -> Result<Consent, StoreError> {
        self.data.consents.withdraw(id, at)?;
        self.data
            .consents
            .consent(id)
            .ok_or_else(|| unknown("consent", id))
    }

    pub(crate) fn add_approval(
        &mut self,
        store: &MemoryEvidence,
        a: &Approval,
    ) -> Result<(), StoreError> {
        if let Some(check) = &store.check {
            check.check_approval(a)?;
        }
        self.data.parties.add_approval(a.clone())
    }

    /// Updates approval `id` with `f`; the approval as it now is.
    pub(crate) fn update_approval(
        &mut self,
        id: &EvidenceId,
        f: impl FnOnce(Approval) -> Result<Approval, ModelError>,
    ) -> Result<Approval, StoreError> {
        self.data.parties.update_approval(id, f)?;
        self.data
            .parties
            .approval(id)
            .ok_or_else(|| unknown("approval", id))
    }

    pub(crate) fn certify(
        &mut self,
        store: &MemoryEvidence,
        h: &HeldCertification,
    ) -> Result<(), StoreError> {
        if let Some(check) = &store.check {
            check.check_certification(&h.certification)?;
        }
        self.data
            .parties
            .certify(h.party.clone(), h.certification.clone())
    }

    /// Revokes certification `id`; the certification as it now is.
    pub(crate) fn revoke_certification(
        &mut self,
        id: &EvidenceId,
        at: DateTime<Utc>,
    ) -> Result<HeldCertification, StoreError> {
        self.data.parties.revoke_certification(id, at)?;
        let (party, certification) = self
            .data
            .parties
            .certification(id)
            .ok_or_else(|| unknown("certification", id))?;
        Ok(HeldCertification {
            party,
            certification,
        })
    }

    pub(crate) fn record(
        &mut self,
        store: &MemoryEvidence,
        entries: &[LedgerEntry],
    ) -> Result<(), StoreError> {
        store.vet_ledger(entries)?;
        for e in entries {
            self.data.ledger.record(e);
        }
        Ok(())
    }
}

fn apply_set(g: &mut Inner, set: &EvidenceSet) -> Result<(), StoreError> {
    for c in &set.consents {
        g.consents.grant(c)?;
    }
    for a in &set.approvals {
        g.parties.add_approval(a.clone())?;
    }
    for h in &set.certifications {
        g.parties
            .certify(h.party.clone(), h.certification.clone())?;
    }
    for e in &set.ledger {
        g.ledger.record(e);
    }
    Ok(())
}

/// The next pseudonym: one more than the highest already in the ledger.
pub(crate) fn next_pseudonym(ledger: &[LedgerEntry]) -> SubjectId {
    let highest = ledger
        .iter()
        .filter_map(|e| match e.counted() {
            Counted::Subject(s) => s.erased_number(),
            Counted::Individuals(_) => None,
        })
        .max()
        .unwrap_or(0);
    SubjectId::erased(highest + 1)
}

/// The ledger with `subject` replaced by a fresh pseudonym; how many entries named it.
fn pseudonymise(
    ledger: Vec<LedgerEntry>,
    subject: &SubjectId,
) -> (Vec<LedgerEntry>, usize, Option<SubjectId>) {
    let pseudonym = next_pseudonym(&ledger);
    let mut replaced = 0;
    let out = ledger
        .into_iter()
        .map(|e| match e.counted() {
            Counted::Subject(s) if s == subject => {
                replaced += 1;
                LedgerEntry::new(
                    e.exporter().clone(),
                    e.counter(),
                    e.at(),
                    Counted::Subject(pseudonym.clone()),
                )
            }
            _ => e,
        })
        .collect();
    (out, replaced, (replaced > 0).then_some(pseudonym))
}

fn erase(g: &mut Inner, subject: &SubjectId) -> Erasure {
    let all = g.consents.all();
    let before = all.len();
    let mut consents = Consents::default();
    for c in all.iter().filter(|c| c.subject() != subject) {
        // Re-granting what the store already held cannot fail.
        let _ = consents.grant(c);
    }
    let erased = before - consents.len();
    let (entries, ledger_entries, pseudonym) = pseudonymise(g.ledger.entries(), subject);
    let mut ledger = Ledger::default();
    for e in &entries {
        ledger.record(e);
    }
    g.consents = consents;
    g.ledger = ledger;
    Erasure {
        consents: erased,
        ledger_entries,
        pseudonym,
    }
}
