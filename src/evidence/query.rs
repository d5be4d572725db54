//! The questions the engine asks an evidence store: "is there a consent / approval /
//! certification that makes this act lawful under this basis?".
//!
//! Each query carries everything the answer depends on, as plain values (the act's
//! destination, operation, purpose, recipient and the categories a scope must cover), and an
//! `accepts` method that is the definition of a match, so a store can answer from its own
//! indexes (as [`MemoryEvidence`] does) or by visiting its items and asking `accepts` (the
//! [`Evidence`] trait's default). The engine builds the queries; a store only reads them.
//!
//! [`MemoryEvidence`]: super::MemoryEvidence
//! [`Evidence`]: super::Evidence

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::{
    Approval, ApprovalClock, Authority, Category, Certification, CertificationName, Consent,
    ConsentKind, Jurisdiction, Mechanism, Operation, Party, PartyId, Purpose, Scope, SubjectId,
    TransferData, purposes_covered,
};

/// Which of an act's categories a scope must cover: bit `i` for category `i` of the data.
///
/// A built transfer holds at most 256 categories (distinct, each one the engine declares, and
/// an engine declares at most 256); a category past the mask's end must be covered (never
/// looser).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CategoryMask([u64; 4]);

impl CategoryMask {
    /// Every category must be covered.
    pub(crate) const ALL: CategoryMask = CategoryMask([u64::MAX; 4]);
    /// No category yet.
    pub(crate) const NONE: CategoryMask = CategoryMask([0; 4]);

    pub(crate) fn insert(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    fn has(&self, i: usize) -> bool {
        self.0.get(i / 64).is_none_or(|w| w & (1 << (i % 64)) != 0)
    }
}

/// What a consent, approval or certification scope must cover for the act: its destination,
/// operation, purpose and recipient, and the data categories that made the rule apply.
#[derive(Clone, Copy)]
pub struct ScopeQuery<'a> {
    act: &'a TransferData,
    purposes: &'a [Arc<[Purpose]>],
    must_cover: CategoryMask,
}

impl std::fmt::Debug for ScopeQuery<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopeQuery")
            .field("destination", &self.destination())
            .field("operation", &self.operation())
            .field("purposes", &self.purposes().collect::<Vec<_>>())
            .field("recipient", &self.recipient())
            .field("categories", &self.categories().collect::<Vec<_>>())
            .finish()
    }
}

impl<'a> ScopeQuery<'a> {
    /// The question for `act`, whose stated purposes stand for `purposes` (one list each, its
    /// own name first) and whose categories in `must_cover` made the rule apply.
    pub(crate) fn new(
        act: &'a TransferData,
        purposes: &'a [Arc<[Purpose]>],
        must_cover: CategoryMask,
    ) -> Self {
        ScopeQuery {
            act,
            purposes,
            must_cover,
        }
    }

    /// The act's destination.
    #[must_use]
    pub fn destination(&self) -> Jurisdiction {
        self.act.destination
    }
    /// The act's operation.
    #[must_use]
    pub fn operation(&self) -> Operation {
        self.act.operation
    }
    /// The act's purposes, each as every name it stands for (its own first, then what it
    /// `means` in the enabled packs); none when the act states none.
    pub fn purposes(&self) -> impl Iterator<Item = &'a [Purpose]> + use<'a> {
        self.purposes.iter().map(|p| &**p)
    }

    /// Whether a scope listing `listed` purposes covers the act's: any when it lists none;
    /// otherwise the act must state a purpose, and each of the act's must be listed (under
    /// one of the names it stands for).
    #[must_use]
    pub fn purposes_covered_by(&self, listed: &[Purpose]) -> bool {
        purposes_covered(listed, self.purposes())
    }
    /// The act's recipient, if any.
    #[must_use]
    pub fn recipient(&self) -> Option<&'a PartyId> {
        self.act.recipient.as_ref().map(Party::id)
    }
    /// The data categories a scope must cover: those that made the rule apply (every category
    /// of the data when the rule names none).
    pub fn categories(&self) -> impl Iterator<Item = &'a Category> + use<'a> {
        let must_cover = self.must_cover;
        self.act
            .data
            .categories()
            .iter()
            .enumerate()
            .filter(move |(i, _)| must_cover.has(*i))
            .map(|(_, c)| c)
    }

    /// Whether `scope` covers the act: destination, operation, purpose (when the scope lists
    /// purposes), recipient (when it lists recipients) and every category in
    /// [`categories`](Self::categories).
    #[must_use]
    pub fn covered_by(&self, scope: &Scope) -> bool {
        scope.covers_destination(self.destination())
            && scope.covers_operation(self.operation())
            && self.purposes_covered_by(scope.purposes())
            && scope.covers_recipient(self.recipient())
            && self.categories().all(|c| scope.covers_category(c))
    }
}

/// "Does `subject` hold a consent of at least this kind, valid at the act's instant, whose scope
/// covers the act?"
#[derive(Clone, Debug)]
pub struct ConsentQuery<'a> {
    pub(super) subject: &'a SubjectId,
    pub(super) subject_hash: u64,
    pub(super) min: ConsentKind,
    pub(super) informed: bool,
    pub(super) at: DateTime<Utc>,
    /// `at` as saturated nanoseconds (see `act_nanos`).
    pub(super) at_nanos: i64,
    pub(super) scope: ScopeQuery<'a>,
}

impl<'a> ConsentQuery<'a> {
    /// The question for `subject` (whose id hashes to `subject_hash`) at `at` (`at_nanos`).
    pub(crate) fn new(
        subject: &'a SubjectId,
        subject_hash: u64,
        min: ConsentKind,
        informed: bool,
        at: DateTime<Utc>,
        at_nanos: i64,
        scope: ScopeQuery<'a>,
    ) -> Self {
        ConsentQuery {
            subject,
            subject_hash,
            min,
            informed,
            at,
            at_nanos,
            scope,
        }
    }

    /// The subject whose consents are asked about.
    #[must_use]
    pub fn subject(&self) -> &'a SubjectId {
        self.subject
    }
    /// The weakest kind of consent the basis accepts.
    #[must_use]
    pub fn min_kind(&self) -> ConsentKind {
        self.min
    }
    /// Whether the consent must record that the subject was informed of the risks.
    #[must_use]
    pub fn requires_informed(&self) -> bool {
        self.informed
    }
    /// The act's instant: the consent must be valid then.
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }
    /// What the consent's scope must cover.
    #[must_use]
    pub fn scope(&self) -> &ScopeQuery<'a> {
        &self.scope
    }

    /// Whether `c` answers the query: given by the subject, of a kind at least
    /// [`min_kind`](Self::min_kind), informed of the risks when required, valid at
    /// [`at`](Self::at), and covering the act.
    #[must_use]
    pub fn accepts(&self, c: &Consent) -> bool {
        c.subject() == self.subject
            && c.kind() >= self.min
            && (!self.informed || c.is_informed_of_risks())
            && c.is_valid_at(self.at)
            && self.scope.covered_by(c.scope())
    }
}

/// "Does the exporter hold an approval from one of these authorities (under one of these
/// mechanisms, when listed), valid at the act's instant, whose scope covers the act?"
#[derive(Clone, Debug)]
pub struct ApprovalQuery<'a> {
    pub(super) holder: &'a PartyId,
    pub(super) holder_hash: u64,
    pub(super) authorities: &'a [Authority],
    pub(super) mechanisms: Option<&'a [Mechanism]>,
    /// `key_hash` of each authority and mechanism, in the same order.
    pub(super) authority_hashes: &'a [u64],
    pub(super) mechanism_hashes: Option<&'a [u64]>,
    pub(super) at: DateTime<Utc>,
    pub(super) scope: ScopeQuery<'a>,
    /// The pack's clock on the approval: a wait after `valid_from`, a term.
    pub(super) clock: Option<&'a ApprovalClock>,
}

impl<'a> ApprovalQuery<'a> {
    /// The same question, with the pack's clock on the approval.
    pub(crate) fn with_clock(mut self, clock: Option<&'a ApprovalClock>) -> Self {
        self.clock = clock;
        self
    }

    /// Whether the pack's clock admits `a` at the act's instant (always, without a clock): its
    /// wait after `valid_from` is over and its term (with any extension) is not.
    #[inline]
    #[must_use]
    pub fn timely(&self, a: &Approval) -> bool {
        self.clock.is_none_or(|c| {
            c.miss(a.valid_from(), a.extension_end().is_some(), self.at)
                .is_none()
        })
    }

    /// The question for `holder` (whose id hashes to `holder_hash`): `authorities` and
    /// `mechanisms` with their `key_hash`es, in the same order.
    #[allow(
        clippy::too_many_arguments,
        reason = "each name list travels with its hashes, so the store compares integers first"
    )]
    pub(crate) fn new(
        holder: &'a PartyId,
        holder_hash: u64,
        authorities: &'a [Authority],
        authority_hashes: &'a [u64],
        mechanisms: Option<&'a [Mechanism]>,
        mechanism_hashes: Option<&'a [u64]>,
        at: DateTime<Utc>,
        scope: ScopeQuery<'a>,
    ) -> Self {
        ApprovalQuery {
            holder,
            holder_hash,
            authorities,
            mechanisms,
            authority_hashes,
            mechanism_hashes,
            at,
            scope,
            clock: None,
        }
    }

    /// The party that must hold the approval (the exporter).
    #[must_use]
    pub fn holder(&self) -> &'a PartyId {
        self.holder
    }
    /// The authorities whose approval counts.
    #[must_use]
    pub fn authorities(&self) -> &'a [Authority] {
        self.authorities
    }
    /// The mechanisms that count; `None` means any.
    #[must_use]
    pub fn mechanisms(&self) -> Option<&'a [Mechanism]> {
        self.mechanisms
    }
    /// The act's instant: the approval must be valid then.
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }
    /// What the approval's scope must cover.
    #[must_use]
    pub fn scope(&self) -> &ScopeQuery<'a> {
        &self.scope
    }

    /// Whether `a` answers the query: held by the holder, from a listed authority, under a
    /// listed mechanism (when listed), valid at [`at`](Self::at), and covering the act.
    #[must_use]
    pub fn accepts(&self, a: &Approval) -> bool {
        a.holder() == self.holder
            && self.authorities.contains(a.authority())
            && self.mechanisms.is_none_or(|m| m.contains(a.mechanism()))
            && a.is_valid_at(self.at)
            && self.timely(a)
            && self.scope.covered_by(a.scope())
    }
}

/// "Does the recipient hold one of these certifications, valid at the act's instant?" (beyond
/// those the [`Party`](crate::Party) in the transfer carries, which the engine checks first).
#[derive(Clone, Debug)]
pub struct CertificationQuery<'a> {
    pub(super) party: &'a PartyId,
    pub(super) party_hash: u64,
    pub(super) names: &'a [CertificationName],
    /// `key_hash` of each name, in the same order.
    pub(super) name_hashes: &'a [u64],
    pub(super) at: DateTime<Utc>,
    /// The act's categories the certification must cover (none: any).
    pub(super) scope: Option<ScopeQuery<'a>>,
}

impl<'a> CertificationQuery<'a> {
    /// The question for `party` (whose id hashes to `party_hash`): `names` with their
    /// `key_hash`es, in the same order.
    pub(crate) fn new(
        party: &'a PartyId,
        party_hash: u64,
        names: &'a [CertificationName],
        name_hashes: &'a [u64],
        at: DateTime<Utc>,
    ) -> Self {
        CertificationQuery {
            party,
            party_hash,
            names,
            name_hashes,
            at,
            scope: None,
        }
    }

    /// The same question, asking also that the certification cover the categories `scope`
    /// names (those that made the rule apply).
    pub(crate) fn covering(mut self, scope: ScopeQuery<'a>) -> Self {
        self.scope = Some(scope);
        self
    }

    /// Whether `c`'s category scope covers the act's categories (always, without a scope).
    #[inline]
    #[must_use]
    pub fn covers(&self, c: &Certification) -> bool {
        self.scope
            .as_ref()
            .is_none_or(|s| s.categories().all(|k| c.covers_category(k)))
    }

    /// The party that must hold the certification (the recipient).
    #[must_use]
    pub fn party(&self) -> &'a PartyId {
        self.party
    }
    /// The certifications that count.
    #[must_use]
    pub fn names(&self) -> &'a [CertificationName] {
        self.names
    }
    /// The act's instant: the certification must be valid then.
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// Whether `c` answers the query: a listed certification, valid at [`at`](Self::at).
    #[must_use]
    pub fn accepts(&self, c: &Certification) -> bool {
        self.names.contains(c.name()) && c.is_valid_at(self.at) && self.covers(c)
    }
}
