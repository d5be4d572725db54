//! The questions the engine asks an evidence store: "is there a consent / approval /
//! certification that makes this act lawful under this basis?".
//!
//! Each query carries everything the answer depends on and an `accepts` method that is the
//! definition of a match, so a store can answer from its own indexes (as [`MemoryEvidence`]
//! does) or by visiting its items and asking `accepts` (the [`Evidence`] trait's default).
//!
//! [`MemoryEvidence`]: super::MemoryEvidence
//! [`Evidence`]: super::Evidence

use std::hash::BuildHasher;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use crate::engine::evaluate::triggers;
use crate::engine::{CRule, Program};
use crate::model::{
    Approval, Authority, Category, Certification, CertificationName, Consent, ConsentKind,
    Jurisdiction, Mechanism, Operation, PartyId, Purpose, Scope, SubjectId, Transfer,
};

/// The seed of [`key_hash`]: random per process (no fixed-key collision attacks on the store's
/// tables), the same for every transfer and store in it.
fn seed() -> &'static foldhash::fast::FixedState {
    static SEED: OnceLock<foldhash::fast::FixedState> = OnceLock::new();
    SEED.get_or_init(|| {
        let random = std::collections::hash_map::RandomState::new().hash_one(0x00C0_FFEE_u64);
        foldhash::fast::FixedState::with_seed(random)
    })
}

/// An instant as nanoseconds since the Unix epoch, saturated: `i64::MIN` before what `i64`
/// holds, `i64::MAX` after. Stored instants are kept strictly inside the range, so comparisons
/// against a saturated act instant stay exact. A leap second (`23:59:60.x`) maps to the last
/// nanosecond of the second it extends: it lies after every stored instant of that second and
/// before the next, and stored leap seconds are compared exactly (not in nanoseconds).
pub(crate) fn act_nanos(t: DateTime<Utc>) -> i64 {
    let saturated = if t.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    };
    if t.timestamp_subsec_nanos() >= 1_000_000_000 {
        return t
            .timestamp()
            .checked_mul(1_000_000_000)
            .and_then(|n| n.checked_add(999_999_999))
            .unwrap_or(saturated);
    }
    t.timestamp_nanos_opt().unwrap_or(saturated)
}

/// The hash of a subject or party id, or of a name the store compares, computed once when a [`Transfer`] is built and used by
/// [`MemoryEvidence`](super::MemoryEvidence) to find the id's slot without hashing again.
pub(crate) fn key_hash(id: &str) -> u64 {
    seed().hash_one(id)
}

/// What a consent, approval or certification scope must cover for the act: its destination,
/// operation, purpose and recipient, and the data categories that made the rule apply.
#[derive(Clone, Copy)]
pub struct ScopeQuery<'a> {
    pub(crate) t: &'a Transfer,
    pub(crate) p: &'a Program,
    pub(crate) rule: &'a CRule,
    /// Bit `i`: the data's category `i` (of the first 64) made the rule apply.
    pub(crate) mask: u64,
}

impl std::fmt::Debug for ScopeQuery<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopeQuery")
            .field("destination", &self.destination())
            .field("operation", &self.operation())
            .field("purpose", &self.purpose())
            .field("recipient", &self.recipient())
            .field("categories", &self.categories().collect::<Vec<_>>())
            .finish()
    }
}

impl<'a> ScopeQuery<'a> {
    /// The question for `rule` on `t`: the categories that made the rule apply.
    pub(crate) fn new(p: &'a Program, rule: &'a CRule, t: &'a Transfer) -> Self {
        let mask = if rule.cats.is_none() {
            u64::MAX
        } else {
            t.key
                .categories
                .iter()
                .take(64)
                .enumerate()
                .filter(|(_, id)| triggers(p, rule, **id))
                .fold(0, |m, (i, _)| m | (1u64 << i))
        };
        ScopeQuery { t, p, rule, mask }
    }

    /// The act's destination.
    #[must_use]
    pub fn destination(&self) -> Jurisdiction {
        self.t.data.destination
    }
    /// The act's operation.
    #[must_use]
    pub fn operation(&self) -> Operation {
        self.t.key.operation
    }
    /// The act's purpose, if stated.
    #[must_use]
    pub fn purpose(&self) -> Option<&'a Purpose> {
        self.t.data.purpose.as_ref()
    }
    /// The act's recipient, if any.
    #[must_use]
    pub fn recipient(&self) -> Option<&'a PartyId> {
        self.t.data.recipient.as_ref().map(crate::Party::id)
    }
    /// The data categories a scope must cover: those that made the rule apply (every category
    /// of the data when the rule names none).
    pub fn categories(&self) -> impl Iterator<Item = &'a Category> + use<'a> {
        let (t, p, rule, mask) = (self.t, self.p, self.rule, self.mask);
        t.data
            .data
            .categories()
            .iter()
            .enumerate()
            .filter(move |(i, _)| match u32::try_from(*i) {
                Ok(i) if i < 64 => mask & (1u64 << i) != 0,
                _ => t
                    .key
                    .categories
                    .get(*i)
                    .is_none_or(|id| triggers(p, rule, *id)),
            })
            .map(|(_, c)| c)
    }

    /// Whether `scope` covers the act: destination, operation, purpose (when the scope lists
    /// purposes), recipient (when it lists recipients) and every category in
    /// [`categories`](Self::categories).
    #[must_use]
    pub fn covered_by(&self, scope: &Scope) -> bool {
        scope.covers_destination(self.destination())
            && scope.covers_operation(self.operation())
            && scope.covers_purpose(self.purpose())
            && scope.covers_recipient(self.recipient())
            && self.categories().all(|c| scope.covers_category(c))
    }
}

/// "Does `subject` hold a consent of at least this kind, valid at the act's instant, whose scope
/// covers the act?"
#[derive(Clone, Debug)]
pub struct ConsentQuery<'a> {
    pub(crate) subject: &'a SubjectId,
    pub(crate) subject_hash: u64,
    pub(crate) min: ConsentKind,
    pub(crate) informed: bool,
    pub(crate) at: DateTime<Utc>,
    /// `at` as saturated nanoseconds (see [`act_nanos`]).
    pub(crate) at_nanos: i64,
    pub(crate) scope: ScopeQuery<'a>,
}

impl<'a> ConsentQuery<'a> {
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
    pub(crate) holder: &'a PartyId,
    pub(crate) holder_hash: u64,
    pub(crate) authorities: &'a [Authority],
    pub(crate) mechanisms: Option<&'a [Mechanism]>,
    /// [`key_hash`] of each authority and mechanism, in the same order.
    pub(crate) authority_hashes: &'a [u64],
    pub(crate) mechanism_hashes: Option<&'a [u64]>,
    pub(crate) at: DateTime<Utc>,
    pub(crate) scope: ScopeQuery<'a>,
}

impl<'a> ApprovalQuery<'a> {
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
            && self.scope.covered_by(a.scope())
    }
}

/// "Does the recipient hold one of these certifications, valid at the act's instant?" (beyond
/// those the [`Party`](crate::Party) in the transfer carries, which the engine checks first).
#[derive(Clone, Debug)]
pub struct CertificationQuery<'a> {
    pub(crate) party: &'a PartyId,
    pub(crate) party_hash: u64,
    pub(crate) names: &'a [CertificationName],
    /// [`key_hash`] of each name, in the same order.
    pub(crate) name_hashes: &'a [u64],
    pub(crate) at: DateTime<Utc>,
}

impl<'a> CertificationQuery<'a> {
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
        self.names.contains(c.name()) && c.is_valid_at(self.at)
    }
}
