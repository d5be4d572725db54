//! Evidence: what the host holds that can make an act lawful — consents, authority approvals and
//! party certifications — behind a trait the engine reads during evaluation.

mod memory;
mod query;

use std::ops::ControlFlow;
use std::sync::Arc;

pub use memory::{EvidenceSnapshot, MemoryEvidence};
pub use query::{ApprovalQuery, CertificationQuery, ConsentQuery, ScopeQuery};
pub(crate) use query::{act_nanos, key_hash};

use chrono::{DateTime, Utc};

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

    /// The distinct individuals recorded for `query.exporter` under `query.counter` at
    /// instants in `[query.from, query.to]`, and whether `query.subject` is among them. Nothing
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

/// A question to the volume ledger: how many distinct individuals has this exporter recorded
/// under this counter in this window?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolumeQuery<'a> {
    /// The exporter whose acts are counted.
    pub exporter: &'a PartyId,
    /// The counter's name (declared by a pack, e.g. `cn-sensitive`).
    pub counter: &'a str,
    /// The first instant of the window (inclusive).
    pub from: DateTime<Utc>,
    /// The last instant of the window (inclusive): the instant of the act being decided.
    pub to: DateTime<Utc>,
    /// The subject of a single-subject act, to tell whether it is already counted.
    pub subject: Option<&'a SubjectId>,
}

/// The answer to a [`VolumeQuery`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VolumeCount {
    /// Distinct individuals recorded in the window (bulk records add their counts).
    pub individuals: u64,
    /// Whether the queried subject is among them.
    pub includes_subject: bool,
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

/// A sized handle on any store, so the default [`Evidence::with_view`] can hand it over as
/// `&dyn Evidence`.
struct Forward<'a, E: ?Sized>(&'a E);

macro_rules! forward {
    ($($t:ty),*) => {$(
        impl<E: Evidence + ?Sized> Evidence for $t {
            fn consents(&self, s: &SubjectId, v: &mut dyn FnMut(&Consent) -> ControlFlow<()>) {
                (**self).consents(s, v);
            }
            fn approvals(&self, h: &PartyId, v: &mut dyn FnMut(&Approval) -> ControlFlow<()>) {
                (**self).approvals(h, v);
            }
            fn certifications(&self, p: &PartyId, v: &mut dyn FnMut(&Certification) -> ControlFlow<()>) {
                (**self).certifications(p, v);
            }
            fn volume(&self, q: &VolumeQuery<'_>) -> VolumeCount {
                (**self).volume(q)
            }
            fn find_consent(&self, q: &ConsentQuery<'_>) -> Option<EvidenceId> {
                (**self).find_consent(q)
            }
            fn find_approval(&self, q: &ApprovalQuery<'_>) -> Option<EvidenceId> {
                (**self).find_approval(q)
            }
            fn find_certification(&self, q: &CertificationQuery<'_>) -> Option<EvidenceId> {
                (**self).find_certification(q)
            }
            fn with_view(&self, f: &mut dyn FnMut(&dyn Evidence)) {
                (**self).with_view(f);
            }
        }
    )*};
}

forward!(&E, Arc<E>, Box<E>);

impl<E: Evidence + ?Sized> Evidence for Forward<'_, E> {
    fn consents(&self, s: &SubjectId, v: &mut dyn FnMut(&Consent) -> ControlFlow<()>) {
        self.0.consents(s, v);
    }
    fn approvals(&self, h: &PartyId, v: &mut dyn FnMut(&Approval) -> ControlFlow<()>) {
        self.0.approvals(h, v);
    }
    fn certifications(&self, p: &PartyId, v: &mut dyn FnMut(&Certification) -> ControlFlow<()>) {
        self.0.certifications(p, v);
    }
    fn volume(&self, q: &VolumeQuery<'_>) -> VolumeCount {
        self.0.volume(q)
    }
    fn find_consent(&self, q: &ConsentQuery<'_>) -> Option<EvidenceId> {
        self.0.find_consent(q)
    }
    fn find_approval(&self, q: &ApprovalQuery<'_>) -> Option<EvidenceId> {
        self.0.find_approval(q)
    }
    fn find_certification(&self, q: &CertificationQuery<'_>) -> Option<EvidenceId> {
        self.0.find_certification(q)
    }
    fn with_view(&self, f: &mut dyn FnMut(&dyn Evidence)) {
        f(self);
    }
}
