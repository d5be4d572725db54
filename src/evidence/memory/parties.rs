//! Parties in [`MemoryEvidence`](super::MemoryEvidence): per party, the approvals it holds (with
//! the `key_hash` of their authority and mechanism) and its certifications (with the hash of
//! their name), found by the hash the transfer carries.
//!
//! Answers [`ApprovalQuery`] and [`CertificationQuery`] exactly as their `accepts` define a
//! match, comparing names by hash first and by text only where the hashes agree.

use std::ops::ControlFlow;

use chrono::{DateTime, Utc};
use hashbrown::HashTable;

use super::{HashMap, duplicate, unknown};
use crate::error::ModelError;
use crate::error::StoreError;
use crate::evidence::{ApprovalQuery, CertificationQuery, key_hash};
use crate::model::{Approval, Certification, EvidenceId, PartyId};

/// A party and what it holds.
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

/// Every party that holds an approval or a certification, and who holds each id.
#[derive(Clone, Debug, Default)]
pub(super) struct Parties {
    slots: HashTable<PartySlot>,
    approval_owner: HashMap<EvidenceId, PartyId>,
    certification_owner: HashMap<EvidenceId, PartyId>,
}

impl Parties {
    fn slot(&self, id: &PartyId, hash: u64) -> Option<&PartySlot> {
        self.slots.find(hash, |p| p.id == *id)
    }

    fn slot_mut(&mut self, id: &PartyId) -> &mut PartySlot {
        let hash = key_hash(id.as_str());
        self.slots
            .entry(hash, |p| p.id == *id, |p| key_hash(p.id.as_str()))
            .or_insert_with(|| PartySlot {
                id: id.clone(),
                approvals: Vec::new(),
                certifications: Vec::new(),
            })
            .into_mut()
    }

    pub(super) fn add_approval(&mut self, approval: Approval) -> Result<(), StoreError> {
        if self.approval_owner.contains_key(approval.id()) {
            return Err(duplicate("approval", approval.id()));
        }
        self.approval_owner
            .insert(approval.id().clone(), approval.holder().clone());
        self.slot_mut(approval.holder())
            .approvals
            .push(HashedApproval::new(approval));
        Ok(())
    }

    /// Replaces approval `id` with `f(approval)`; a refused update changes nothing.
    pub(super) fn update_approval(
        &mut self,
        id: &EvidenceId,
        f: impl FnOnce(Approval) -> Result<Approval, ModelError>,
    ) -> Result<(), StoreError> {
        let owner = self.approval_owner.get(id).cloned();
        let slot = owner
            .and_then(|o| {
                self.slot_mut(&o)
                    .approvals
                    .iter_mut()
                    .find(|h| h.approval.id() == id)
            })
            .ok_or_else(|| unknown("approval", id))?;
        let updated = f(slot.approval.clone()).map_err(|e| StoreError::update(&e))?;
        *slot = HashedApproval::new(updated);
        Ok(())
    }

    pub(super) fn certify(
        &mut self,
        party: PartyId,
        certification: Certification,
    ) -> Result<(), StoreError> {
        if self.certification_owner.contains_key(certification.id()) {
            return Err(duplicate("certification", certification.id()));
        }
        self.certification_owner
            .insert(certification.id().clone(), party.clone());
        self.slot_mut(&party)
            .certifications
            .push(HashedCertification::new(certification));
        Ok(())
    }

    /// Revokes certification `id` at `at`; a refused update changes nothing.
    pub(super) fn revoke_certification(
        &mut self,
        id: &EvidenceId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let owner = self.certification_owner.get(id).cloned();
        let slot = owner
            .and_then(|o| {
                self.slot_mut(&o)
                    .certifications
                    .iter_mut()
                    .find(|h| h.certification.id() == id)
            })
            .ok_or_else(|| unknown("certification", id))?;
        let updated = slot
            .certification
            .clone()
            .revoked(at)
            .map_err(|e| StoreError::update(&e))?;
        *slot = HashedCertification::new(updated);
        Ok(())
    }

    /// Approval `id`, if held.
    pub(super) fn approval(&self, id: &EvidenceId) -> Option<Approval> {
        let holder = self.approval_owner.get(id)?;
        self.slot(holder, key_hash(holder.as_str()))?
            .approvals
            .iter()
            .find(|h| h.approval.id() == id)
            .map(|h| h.approval.clone())
    }

    /// Certification `id` and its holder, if held.
    pub(super) fn certification(&self, id: &EvidenceId) -> Option<(PartyId, Certification)> {
        let party = self.certification_owner.get(id)?;
        self.slot(party, key_hash(party.as_str()))?
            .certifications
            .iter()
            .find(|h| h.certification.id() == id)
            .map(|h| (party.clone(), h.certification.clone()))
    }

    /// The approvals `holder` holds, in the order they were added.
    pub(super) fn approvals_of(&self, holder: &PartyId) -> Vec<Approval> {
        self.slot(holder, key_hash(holder.as_str()))
            .map(|p| p.approvals.iter().map(|h| h.approval.clone()).collect())
            .unwrap_or_default()
    }

    /// The certifications `party` holds, in the order they were added.
    pub(super) fn certifications_of(&self, party: &PartyId) -> Vec<Certification> {
        self.slot(party, key_hash(party.as_str()))
            .map(|p| {
                p.certifications
                    .iter()
                    .map(|h| h.certification.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every party that holds something, by id.
    pub(super) fn parties(&self) -> Vec<PartyId> {
        let mut ids: Vec<PartyId> = self.slots.iter().map(|p| p.id.clone()).collect();
        ids.sort();
        ids
    }

    /// How many approvals and certifications are held.
    pub(super) fn counts(&self) -> (usize, usize) {
        (self.approval_owner.len(), self.certification_owner.len())
    }

    pub(super) fn find_approval(&self, q: &ApprovalQuery<'_>) -> Option<EvidenceId> {
        // The authority and mechanism by hash first (an integer compare rejects most), the
        // name only where the hash matches; then what `ApprovalQuery::accepts` checks besides.
        let mechanism_ok = |h: &HashedApproval| match (q.mechanism_hashes, q.mechanisms) {
            (None, None) => true,
            (Some(hashes), Some(names)) => {
                named(hashes, names, h.mechanism, h.approval.mechanism())
            }
            _ => false,
        };
        self.slot(q.holder, q.holder_hash)?
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
                a.holder() == q.holder
                    && a.is_valid_at(q.at)
                    && q.timely(a)
                    && q.scope.covered_by(a.scope())
            })
            .map(|h| h.approval.id().clone())
    }

    pub(super) fn find_certification(&self, q: &CertificationQuery<'_>) -> Option<EvidenceId> {
        self.slot(q.party, q.party_hash)?
            .certifications
            .iter()
            .find(|h| {
                let c = &h.certification;
                named(q.name_hashes, q.names, h.name, c.name())
                    && c.is_valid_at(q.at)
                    && q.covers(c)
            })
            .map(|h| h.certification.id().clone())
    }

    pub(super) fn visit_approvals(
        &self,
        holder: &PartyId,
        visit: &mut dyn FnMut(&Approval) -> ControlFlow<()>,
    ) {
        let slot = self.slot(holder, key_hash(holder.as_str()));
        for h in slot.map_or(&[][..], |p| p.approvals.as_slice()) {
            if visit(&h.approval).is_break() {
                return;
            }
        }
    }

    pub(super) fn visit_certifications(
        &self,
        party: &PartyId,
        visit: &mut dyn FnMut(&Certification) -> ControlFlow<()>,
    ) {
        let slot = self.slot(party, key_hash(party.as_str()));
        for h in slot.map_or(&[][..], |p| p.certifications.as_slice()) {
            if visit(&h.certification).is_break() {
                return;
            }
        }
    }
}
