//! Evidence: what the host holds that can make an act lawful — consents, authority approvals,
//! party certifications and the volume ledger — behind the [`Evidence`] trait the engine reads
//! during evaluation.
//!
//! For store implementors: the trait, the questions the engine asks ([`ConsentQuery`],
//! [`ApprovalQuery`], [`CertificationQuery`], [`VolumeQuery`]), and the ledger entries an
//! executed act adds ([`LedgerEntry`], computed by
//! [`Engine::ledger_entries`](crate::Engine::ledger_entries)). [`MemoryEvidence`] is the
//! indexed, thread-safe store this library ships.
//!
//! Imports only the model and the errors: queries carry plain values (a destination, an
//! operation, categories), never engine internals, so a store needs to know nothing about how
//! rules are compiled.

#[cfg(feature = "durable")]
mod durable;
mod keys;
mod memory;
mod mismatch;
mod query;
mod set;
mod volume;

use std::ops::ControlFlow;
use std::sync::Arc;

#[cfg(feature = "durable")]
pub use durable::{DurableEvidence, Transaction};
pub(crate) use keys::{act_nanos, key_hash};
pub use memory::{Erasure, EvidenceSnapshot, MemoryEvidence};
pub use mismatch::Mismatch;
pub(crate) use query::CategoryMask;
pub use query::{ApprovalQuery, CertificationQuery, ConsentQuery, ScopeQuery};
pub use set::{EvidenceRecord, EvidenceSet, HeldCertification};
pub use volume::{Counted, LedgerEntry, VolumeCount, VolumeQuery};

use crate::model::{Approval, Certification, Consent, EvidenceId, PartyId, SubjectId};

/// Read access to the host's evidence, as the engine needs it during evaluation.
///
/// Implement it over your own store (a database cache, a consent service's snapshot); the
/// engine only reads through it. It asks one question per basis — [`find_consent`],
/// [`find_approval`], [`find_certification`] — whose default answers visit the items of one
/// subject or party (the three visitor methods, which stop as soon as the visitor returns
/// [`ControlFlow::Break`]) and take the first the query [`accepts`](ConsentQuery::accepts). A
/// store with its own indexes may answer the questions directly; it must then answer exactly as
/// the defaults would (the first accepted item in its visiting order). An implementation must
/// not panic, and should visit items in a stable order so decisions are reproducible.
///
/// [`find_consent`]: Evidence::find_consent
/// [`find_approval`]: Evidence::find_approval
/// [`find_certification`]: Evidence::find_certification
///
/// [`MemoryEvidence`] is an indexed, thread-safe implementation; [`NoEvidence`] holds nothing.
///
/// # Example
///
/// ```
/// use std::ops::ControlFlow;
/// use crossborder::{Approval, Certification, Consent, Evidence, PartyId, SubjectId};
///
/// /// A store that holds a fixed list of consents and nothing else.
/// struct Fixed(Vec<Consent>);
///
/// impl Evidence for Fixed {
///     fn consents(&self, subject: &SubjectId, visit: &mut dyn FnMut(&Consent) -> ControlFlow<()>) {
///         for c in self.0.iter().filter(|c| c.subject() == subject) {
///             if visit(c).is_break() {
///                 return;
///             }
///         }
///     }
///     fn approvals(&self, _: &PartyId, _: &mut dyn FnMut(&Approval) -> ControlFlow<()>) {}
/// }
/// ```
pub trait Evidence {
    /// Visits the consents given by `subject`.
    fn consents(&self, subject: &SubjectId, visit: &mut dyn FnMut(&Consent) -> ControlFlow<()>);

    /// Visits the approvals held by `holder`.
    fn approvals(&self, holder: &PartyId, visit: &mut dyn FnMut(&Approval) -> ControlFlow<()>);

    /// Visits the certifications `party` holds, beyond those carried on the
    /// [`Party`](crate::Party) in the transfer. None by default.
    fn certifications(
        &self,
        party: &PartyId,
        visit: &mut dyn FnMut(&Certification) -> ControlFlow<()>,
    ) {
        let _ = (party, visit);
    }

    /// The distinct individuals recorded for [`query.exporter()`](VolumeQuery::exporter) under
    /// its counter at instants in its window, and whether its subject is among them. Nothing
    /// by default.
    fn volume(&self, query: &VolumeQuery<'_>) -> VolumeCount {
        let _ = query;
        VolumeCount::default()
    }

    /// Runs `f` once with a view of the store that answers every question of one evaluation:
    /// a store behind a lock takes it here, once, rather than once per look-up. The engine
    /// evaluates inside `f`; a store that does not call `f` gets a denial with a diagnostic.
    /// By default the view is the store itself.
    fn with_view(&self, f: &mut dyn FnMut(&dyn Evidence)) {
        f(&Forward(self));
    }

    /// The id of the first consent of `query.subject()` that `query` accepts, if any. By
    /// default, visits [`consents`](Evidence::consents).
    fn find_consent(&self, query: &ConsentQuery<'_>) -> Option<EvidenceId> {
        first_accepted(
            |v| self.consents(query.subject(), v),
            |c| query.accepts(c),
            Consent::id,
        )
    }

    /// The id of the first approval of `query.holder()` that `query` accepts, if any. By
    /// default, visits [`approvals`](Evidence::approvals).
    fn find_approval(&self, query: &ApprovalQuery<'_>) -> Option<EvidenceId> {
        first_accepted(
            |v| self.approvals(query.holder(), v),
            |a| query.accepts(a),
            Approval::id,
        )
    }

    /// The id of the first certification of `query.party()` that `query` accepts, if any. By
    /// default, visits [`certifications`](Evidence::certifications).
    fn find_certification(&self, query: &CertificationQuery<'_>) -> Option<EvidenceId> {
        first_accepted(
            |v| self.certifications(query.party(), v),
            |c| query.accepts(c),
            Certification::id,
        )
    }
}

/// The id of the first item `visit` shows that `accepts` takes: the default answer to the
/// [`Evidence`] questions.
fn first_accepted<T>(
    visit: impl FnOnce(&mut dyn FnMut(&T) -> ControlFlow<()>),
    accepts: impl Fn(&T) -> bool,
    id: impl Fn(&T) -> &EvidenceId,
) -> Option<EvidenceId> {
    let mut found = None;
    visit(&mut |item| {
        if accepts(item) {
            found = Some(id(item).clone());
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    found
}

/// Implements [`Evidence`] for a type by forwarding every method to another store: `$target`
/// is an expression of the store answered through (it may be a guard or a smart pointer;
/// method calls dereference it). `with_view` forwards too, unless given.
///
/// The one place the trait's methods are listed for forwarding: a method added to the trait
/// is added here once, for every forwarding implementation.
macro_rules! forward_evidence {
    (
        impl[$($generics:tt)*] for $ty:ty, |$this:ident| $target:expr
        $(, with_view: |$wv_this:ident, $f:ident| $with_view:expr)?
    ) => {
        impl<$($generics)*> $crate::evidence::Evidence for $ty {
            fn consents(
                &self,
                subject: &$crate::model::SubjectId,
                visit: &mut dyn FnMut(&$crate::model::Consent) -> ::std::ops::ControlFlow<()>,
            ) {
                let $this = self;
                $target.consents(subject, visit);
            }
            fn approvals(
                &self,
                holder: &$crate::model::PartyId,
                visit: &mut dyn FnMut(&$crate::model::Approval) -> ::std::ops::ControlFlow<()>,
            ) {
                let $this = self;
                $target.approvals(holder, visit);
            }
            fn certifications(
                &self,
                party: &$crate::model::PartyId,
                visit: &mut dyn FnMut(&$crate::model::Certification) -> ::std::ops::ControlFlow<()>,
            ) {
                let $this = self;
                $target.certifications(party, visit);
            }
            fn volume(
                &self,
                query: &$crate::evidence::VolumeQuery<'_>,
            ) -> $crate::evidence::VolumeCount {
                let $this = self;
                $target.volume(query)
            }
            fn find_consent(
                &self,
                query: &$crate::evidence::ConsentQuery<'_>,
            ) -> Option<$crate::model::EvidenceId> {
                let $this = self;
                $target.find_consent(query)
            }
            fn find_approval(
                &self,
                query: &$crate::evidence::ApprovalQuery<'_>,
            ) -> Option<$crate::model::EvidenceId> {
                let $this = self;
                $target.find_approval(query)
            }
            fn find_certification(
                &self,
                query: &$crate::evidence::CertificationQuery<'_>,
            ) -> Option<$crate::model::EvidenceId> {
                let $this = self;
                $target.find_certification(query)
            }
            $crate::evidence::forward_evidence!(@with_view $this, $target $(, |$wv_this, $f| $with_view)?);
        }
    };
    (@with_view $this:ident, $target:expr) => {
        fn with_view(&self, f: &mut dyn FnMut(&dyn $crate::evidence::Evidence)) {
            let $this = self;
            $target.with_view(f);
        }
    };
    (@with_view $this:ident, $target:expr, |$wv_this:ident, $f:ident| $with_view:expr) => {
        fn with_view(&self, $f: &mut dyn FnMut(&dyn $crate::evidence::Evidence)) {
            let $wv_this = self;
            $with_view
        }
    };
}
pub(crate) use forward_evidence;

forward_evidence!(impl['a, E: Evidence + ?Sized] for &'a E, |s| (**s));
forward_evidence!(impl[E: Evidence + ?Sized] for Arc<E>, |s| (**s));
forward_evidence!(impl[E: Evidence + ?Sized] for Box<E>, |s| (**s));

/// A sized handle on any store, so the default [`Evidence::with_view`] can hand it over as
/// `&dyn Evidence`: it forwards every question, and is its own view.
struct Forward<'a, E: ?Sized>(&'a E);

forward_evidence!(
    impl['a, E: Evidence + ?Sized] for Forward<'a, E>, |s| s.0,
    with_view: |s, f| f(s)
);

/// A check a store applies to evidence before recording it: an [`Engine`](crate::Engine)
/// refuses names its packs do not declare (a consent scoped to `personal.contacts`, an approval
/// of a mechanism no rule names), which could never count.
///
/// Bind a [`MemoryEvidence`] with [`MemoryEvidence::checked_by`]; a store of your own can call
/// the same checks. Evidence a store holds without checks is still explained: a deny lists it
/// as a near miss that names the unknown name.
pub trait EvidenceCheck: Send + Sync + std::fmt::Debug {
    /// Whether `consent` names only what the packs declare.
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::UnknownName`](crate::StoreErrorKind::UnknownName), with a suggestion.
    fn check_consent(&self, consent: &Consent) -> Result<(), crate::error::StoreError>;

    /// Whether `approval` names only what the packs declare.
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::UnknownName`](crate::StoreErrorKind::UnknownName), with a suggestion.
    fn check_approval(&self, approval: &Approval) -> Result<(), crate::error::StoreError>;

    /// Whether `certification` names a scheme the packs declare.
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::UnknownName`](crate::StoreErrorKind::UnknownName), with a suggestion.
    fn check_certification(
        &self,
        certification: &Certification,
    ) -> Result<(), crate::error::StoreError>;

    /// Whether `counter`, the counter of a ledger entry being imported, is one the packs
    /// declare. The default accepts every name.
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::UnknownName`](crate::StoreErrorKind::UnknownName), with a suggestion.
    fn check_counter(&self, counter: &str) -> Result<(), crate::error::StoreError> {
        let _ = counter;
        Ok(())
    }
}

/// Evidence that holds nothing: every consent, approval and certification basis fails.
///
/// ```
/// use crossborder::{Evidence, NoEvidence};
/// let mut seen = 0;
/// NoEvidence.consents(&"u".parse()?, &mut |_| { seen += 1; std::ops::ControlFlow::Continue(()) });
/// assert_eq!(seen, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoEvidence;

impl Evidence for NoEvidence {
    fn consents(&self, _: &SubjectId, _: &mut dyn FnMut(&Consent) -> ControlFlow<()>) {}
    fn approvals(&self, _: &PartyId, _: &mut dyn FnMut(&Approval) -> ControlFlow<()>) {}
}
