//! [`DurableEvidence`]: the evidence store that survives a restart — consents, withdrawals,
//! approvals, certifications and the volume ledger kept in a redb file (feature `durable`, on
//! by default), answered from the same in-memory index as [`MemoryEvidence`].

mod codec;
mod db;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use super::memory::{Staged, next_pseudonym};
use super::{
    Erasure, EvidenceCheck, EvidenceSet, EvidenceSnapshot, HeldCertification, LedgerEntry,
    MemoryEvidence, forward_evidence,
};
use crate::error::StoreError;
use crate::model::{Approval, Certification, Consent, EvidenceId, PartyId, SubjectId};
use db::Row;

/// The page cache redb keeps beside the index. The index answers every question, so the cache
/// only serves writes; at 1 MiB it costs ~7 bytes per consent of a cb-1-sized store where the
/// default (16 MiB and more) cost over 100, and writes were as fast.
const CACHE_BYTES: usize = 1 << 20;

/// An evidence store kept in a file: every write is committed to disk (fsynced) before the
/// call returns, and the store reopened after a crash or a restart holds exactly the writes
/// that returned `Ok` — the withdrawal a user made yesterday, the volume a pack's threshold
/// counts since 1 January.
///
/// It answers exactly as [`MemoryEvidence`] does (evaluation reads the same in-memory index,
/// rebuilt when the file is opened and kept in step with each write), and refuses what the
/// memory store refuses. Writes run one at a time; a write is checked first and the file is
/// touched only for a write that will be made, so readers never see a write that was not
/// committed. [`transaction`](Self::transaction) commits several writes at once, all or none.
///
/// Opening refuses a file that is damaged, truncated, not an evidence store, or open in
/// another process ([`StoreErrorKind::Damaged`], [`StoreErrorKind::Locked`]); every page's
/// checksum is verified. Nothing is ever guessed: a refused file is left as it is.
///
/// Withdrawn, expired and revoked evidence stays on record with its instants, so a decision as
/// of an earlier instant can be made again; [`erase_subject`](Self::erase_subject) deletes a
/// data subject's consents when the law requires it.
///
/// [`StoreErrorKind::Damaged`]: crate::StoreErrorKind::Damaged
/// [`StoreErrorKind::Locked`]: crate::StoreErrorKind::Locked
///
/// # Example
///
/// ```
/// use crossborder::{Consent, ConsentKind, Evidence, Operation, Scope};
/// use crossborder::evidence::DurableEvidence;
/// use chrono::{TimeZone, Utc};
///
/// # let dir = std::env::temp_dir().join(format!("cb-doc-durable-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("evidence.redb");
/// # let _ = std::fs::remove_file(&path);
/// let store = DurableEvidence::open(&path)?;
/// let scope = Scope::new(["personal".parse()?], "US".parse()?, [Operation::Transfer].into())?;
/// let granted = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// store.grant(Consent::new("c-1".parse()?, "u-1".parse()?, ConsentKind::Separate, scope, granted)?)?;
/// store.withdraw(&"c-1".parse()?, Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap())?;
/// drop(store); // or a crash: what returned Ok is on disk
///
/// let store = DurableEvidence::open(&path)?;
/// let c = store.consent(&"c-1".parse()?).unwrap();
/// assert_eq!(c.withdrawn_at(), Some(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()));
/// # drop(store); std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct DurableEvidence {
    path: PathBuf,
    db: redb::Database,
    memory: MemoryEvidence,
    writer: Mutex<()>,
}

impl DurableEvidence {
    /// Opens the store at `path`, creating an empty one if no file is there, and loads it.
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::Locked`](crate::StoreErrorKind::Locked) when another process (or
    /// another handle in this one) has it open; [`StoreErrorKind::Damaged`](crate::StoreErrorKind::Damaged)
    /// for a file that is truncated, corrupted, of another format or not an evidence store;
    /// [`StoreErrorKind::Io`](crate::StoreErrorKind::Io) when it cannot be read or created.
    /// Each names the file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let db = db::open(&path, CACHE_BYTES)?;
        let memory = MemoryEvidence::new();
        // What the file holds was checked when it was written: loaded as it is, whatever
        // engine the store is bound to now. One thread reads and decodes rows while this one
        // indexes them.
        db::load(&path, &db, &mut |chunk| memory.apply_set(&chunk))?;
        Ok(DurableEvidence {
            path,
            db,
            memory,
            writer: Mutex::new(()),
        })
    }

    /// The same store, refusing writes `check` refuses, as
    /// [`MemoryEvidence::checked_by`] does (what the file already holds is kept).
    #[must_use]
    pub fn checked_by(mut self, check: impl EvidenceCheck + 'static) -> Self {
        self.memory = std::mem::take(&mut self.memory).checked_by(check);
        self
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn commit(&self, rows: &[Row]) -> Result<(), StoreError> {
        db::commit(&self.path, &self.db, rows)
    }

    /// Records a consent, as [`MemoryEvidence::grant`].
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::grant`], and [`StoreErrorKind::Io`](crate::StoreErrorKind::Io)
    /// when the file cannot be written (nothing is recorded).
    pub fn grant(&self, consent: Consent) -> Result<(), StoreError> {
        let _w = self.lock();
        self.memory.vet_consent(&consent)?;
        self.commit(&[Row::Consent(consent.clone())])?;
        self.memory.grant(consent)
    }

    /// Records that consent `id` was withdrawn at `at`, as [`MemoryEvidence::withdraw`].
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::withdraw`], and [`StoreErrorKind::Io`](crate::StoreErrorKind::Io).
    pub fn withdraw(&self, id: &EvidenceId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let _w = self.lock();
        let updated = self.memory.withdrawn_consent(id, at)?;
        self.commit(&[Row::Consent(updated)])?;
        self.memory.withdraw(id, at)
    }

    /// Records an approval, as [`MemoryEvidence::add_approval`].
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::add_approval`], and [`StoreErrorKind::Io`](crate::StoreErrorKind::Io).
    pub fn add_approval(&self, approval: Approval) -> Result<(), StoreError> {
        let _w = self.lock();
        self.memory.vet_approval(&approval)?;
        self.commit(&[Row::Approval(approval.clone())])?;
        self.memory.add_approval(approval)
    }

    /// Records that approval `id` was revoked at `at`, as [`MemoryEvidence::revoke_approval`].
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::revoke_approval`], and [`StoreErrorKind::Io`](crate::StoreErrorKind::Io).
    pub fn revoke_approval(&self, id: &EvidenceId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let _w = self.lock();
        let updated = self.memory.updated_approval(id, |a| a.revoked(at))?;
        self.commit(&[Row::Approval(updated)])?;
        self.memory.revoke_approval(id, at)
    }

    /// Records that approval `id` was extended to `until`, as
    /// [`MemoryEvidence::extend_approval`].
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::extend_approval`], and [`StoreErrorKind::Io`](crate::StoreErrorKind::Io).
    pub fn extend_approval(&self, id: &EvidenceId, until: DateTime<Utc>) -> Result<(), StoreError> {
        let _w = self.lock();
        let updated = self
            .memory
            .updated_approval(id, |a| a.extended_until(until))?;
        self.commit(&[Row::Approval(updated)])?;
        self.memory.extend_approval(id, until)
    }

    /// Records a certification held by `party`, as [`MemoryEvidence::certify`].
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::certify`], and [`StoreErrorKind::Io`](crate::StoreErrorKind::Io).
    pub fn certify(&self, party: PartyId, certification: Certification) -> Result<(), StoreError> {
        let _w = self.lock();
        self.memory.vet_certification(&certification)?;
        self.commit(&[Row::Certification(HeldCertification {
            party: party.clone(),
            certification: certification.clone(),
        })])?;
        self.memory.certify(party, certification)
    }

    /// Records that certification `id` was revoked (lapsed) at `at`, as
    /// [`MemoryEvidence::revoke_certification`].
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::revoke_certification`], and [`StoreErrorKind::Io`](crate::StoreErrorKind::Io).
    pub fn revoke_certification(
        &self,
        id: &EvidenceId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _w = self.lock();
        let updated = self.memory.revoked_certification(id, at)?;
        self.commit(&[Row::Certification(updated)])?;
        self.memory.revoke_certification(id, at)
    }

    /// Records entries in the volume ledger, as [`MemoryEvidence::import_ledger`] (a store
    /// bound to an engine refuses a counter its packs do not declare).
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::UnknownName`](crate::StoreErrorKind::UnknownName) and
    /// [`StoreErrorKind::Io`](crate::StoreErrorKind::Io); nothing is recorded.
    pub fn record_entries(&self, entries: &[LedgerEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let _w = self.lock();
        self.memory.vet_ledger(entries)?;
        let rows: Vec<Row> = entries.iter().cloned().map(Row::Ledger).collect();
        self.commit(&rows)?;
        self.memory.record_entries(entries);
        Ok(())
    }

    /// Records everything `set` holds in one transaction, all or nothing, as
    /// [`MemoryEvidence::import`] (the bulk load of evidence kept elsewhere).
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::import`], and [`StoreErrorKind::Io`](crate::StoreErrorKind::Io);
    /// nothing is recorded.
    pub fn import(&self, set: &EvidenceSet) -> Result<(), StoreError> {
        let _w = self.lock();
        self.memory.vet_set(set)?;
        let mut rows: Vec<Row> = Vec::with_capacity(
            set.consents.len() + set.approvals.len() + set.certifications.len() + set.ledger.len(),
        );
        rows.extend(set.consents.iter().cloned().map(Row::Consent));
        rows.extend(set.approvals.iter().cloned().map(Row::Approval));
        rows.extend(set.certifications.iter().cloned().map(Row::Certification));
        rows.extend(set.ledger.iter().cloned().map(Row::Ledger));
        self.commit(&rows)?;
        self.memory.apply_set(set)
    }

    /// Runs several writes as one transaction: each is checked as it is made (a later write
    /// sees the earlier ones: grant a consent, then withdraw it), and they are committed
    /// together when `f` returns `Ok` — or not at all. Readers see all of them at once or
    /// none. Staging the writes copies the in-memory index once, so use this for batches,
    /// not for single writes.
    ///
    /// # Errors
    ///
    /// The first refusal (returned by `f`), or [`StoreErrorKind::Io`](crate::StoreErrorKind::Io);
    /// nothing is recorded.
    ///
    /// ```
    /// # use crossborder::{Consent, ConsentKind, Operation, Scope};
    /// # use crossborder::evidence::DurableEvidence;
    /// # use chrono::{TimeZone, Utc};
    /// # let dir = std::env::temp_dir().join(format!("cb-doc-tx-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let path = dir.join("evidence.redb");
    /// # let _ = std::fs::remove_file(&path);
    /// let store = DurableEvidence::open(&path)?;
    /// let t = |d| Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap();
    /// let scope = Scope::new(["personal".parse()?], "US".parse()?, [Operation::Transfer].into())?;
    /// let consent = Consent::new("c-1".parse()?, "u-1".parse()?, ConsentKind::Express, scope, t(1))?;
    /// let (c1, c9) = ("c-1".parse()?, "c-9".parse()?);
    /// store.transaction(|tx| {
    ///     tx.grant(consent)?;
    ///     tx.withdraw(&c1, t(5))
    /// })?;
    /// assert_eq!(store.consent(&c1).unwrap().withdrawn_at(), Some(t(5)));
    /// // A refusal inside the transaction records nothing.
    /// assert!(store.transaction(|tx| tx.withdraw(&c9, t(5))).is_err());
    /// # drop(store); std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn transaction<R>(
        &self,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let _w = self.lock();
        let mut tx = Transaction {
            store: &self.memory,
            staged: self.memory.stage(),
            rows: Vec::new(),
        };
        let out = f(&mut tx)?;
        self.commit(&tx.rows)?;
        self.memory.publish(tx.staged);
        Ok(out)
    }

    /// Erases data subject `subject`, as [`MemoryEvidence::erase_subject`]: their consents are
    /// deleted from the file, and the volume ledger names them by a pseudonym from now on (the
    /// counts the law's thresholds read are kept). Committed before it returns.
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::Io`](crate::StoreErrorKind::Io); nothing is erased.
    pub fn erase_subject(&self, subject: &SubjectId) -> Result<Erasure, StoreError> {
        let _w = self.lock();
        let mut rows: Vec<Row> = self
            .memory
            .consents_of(subject)
            .iter()
            .map(|c| Row::EraseConsent(c.id().clone()))
            .collect();
        let ledger = self.memory.export().ledger;
        let named = ledger
            .iter()
            .any(|e| matches!(e.counted(), super::Counted::Subject(s) if s == subject));
        if named {
            let pseudonym = next_pseudonym(&ledger);
            let replaced = ledger
                .into_iter()
                .map(|e| match e.counted() {
                    super::Counted::Subject(s) if s == subject => LedgerEntry::new(
                        e.exporter().clone(),
                        e.counter(),
                        e.at(),
                        super::Counted::Subject(pseudonym.clone()),
                    ),
                    _ => e,
                })
                .collect();
            rows.push(Row::ReplaceLedger(replaced));
        }
        self.commit(&rows)?;
        Ok(self.memory.erase_subject(subject))
    }

    // ---- reading ----

    /// A frozen view, read without locks (see [`MemoryEvidence::snapshot`]).
    #[must_use]
    pub fn snapshot(&self) -> EvidenceSnapshot {
        self.memory.snapshot()
    }

    /// Everything the store holds, as [`MemoryEvidence::export`].
    #[must_use]
    pub fn export(&self) -> EvidenceSet {
        self.memory.export()
    }

    /// A copy of consent `id`, if held.
    #[must_use]
    pub fn consent(&self, id: &EvidenceId) -> Option<Consent> {
        self.memory.consent(id)
    }

    /// A copy of approval `id`, if held.
    #[must_use]
    pub fn approval(&self, id: &EvidenceId) -> Option<Approval> {
        self.memory.approval(id)
    }

    /// A copy of certification `id` and its holder, if held.
    #[must_use]
    pub fn certification(&self, id: &EvidenceId) -> Option<(PartyId, Certification)> {
        self.memory.certification(id)
    }

    /// Every consent `subject` gave, in grant order.
    #[must_use]
    pub fn consents_of(&self, subject: &SubjectId) -> Vec<Consent> {
        self.memory.consents_of(subject)
    }

    /// The approvals `holder` holds, in the order they were added.
    #[must_use]
    pub fn approvals_of(&self, holder: &PartyId) -> Vec<Approval> {
        self.memory.approvals_of(holder)
    }

    /// The certifications `party` holds, in the order they were added.
    #[must_use]
    pub fn certifications_of(&self, party: &PartyId) -> Vec<Certification> {
        self.memory.certifications_of(party)
    }

    /// How many consents, approvals and certifications the store holds.
    #[must_use]
    pub fn counts(&self) -> (usize, usize, usize) {
        self.memory.counts()
    }
}

/// The writes of one [`DurableEvidence::transaction`], staged and checked as they are made.
#[derive(Debug)]
pub struct Transaction<'a> {
    store: &'a MemoryEvidence,
    staged: Staged,
    rows: Vec<Row>,
}

impl Transaction<'_> {
    /// Records a consent.
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::grant`].
    pub fn grant(&mut self, consent: Consent) -> Result<(), StoreError> {
        self.staged.grant(self.store, &consent)?;
        self.rows.push(Row::Consent(consent));
        Ok(())
    }

    /// Records a withdrawal.
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::withdraw`].
    pub fn withdraw(&mut self, id: &EvidenceId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let updated = self.staged.withdraw(id, at)?;
        self.rows.push(Row::Consent(updated));
        Ok(())
    }

    /// Records an approval.
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::add_approval`].
    pub fn add_approval(&mut self, approval: Approval) -> Result<(), StoreError> {
        self.staged.add_approval(self.store, &approval)?;
        self.rows.push(Row::Approval(approval));
        Ok(())
    }

    /// Records a revocation.
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::revoke_approval`].
    pub fn revoke_approval(
        &mut self,
        id: &EvidenceId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let updated = self.staged.update_approval(id, |a| a.revoked(at))?;
        self.rows.push(Row::Approval(updated));
        Ok(())
    }

    /// Records an extension.
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::extend_approval`].
    pub fn extend_approval(
        &mut self,
        id: &EvidenceId,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let updated = self
            .staged
            .update_approval(id, |a| a.extended_until(until))?;
        self.rows.push(Row::Approval(updated));
        Ok(())
    }

    /// Records a certification.
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::certify`].
    pub fn certify(
        &mut self,
        party: PartyId,
        certification: Certification,
    ) -> Result<(), StoreError> {
        let held = HeldCertification {
            party,
            certification,
        };
        self.staged.certify(self.store, &held)?;
        self.rows.push(Row::Certification(held));
        Ok(())
    }

    /// Records a certification's revocation.
    ///
    /// # Errors
    ///
    /// As [`MemoryEvidence::revoke_certification`].
    pub fn revoke_certification(
        &mut self,
        id: &EvidenceId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let updated = self.staged.revoke_certification(id, at)?;
        self.rows.push(Row::Certification(updated));
        Ok(())
    }

    /// Records ledger entries.
    ///
    /// # Errors
    ///
    /// As [`DurableEvidence::record_entries`].
    pub fn record_entries(&mut self, entries: &[LedgerEntry]) -> Result<(), StoreError> {
        self.staged.record(self.store, entries)?;
        self.rows.extend(entries.iter().cloned().map(Row::Ledger));
        Ok(())
    }
}

forward_evidence!(impl[] for DurableEvidence, |s| s.memory);
