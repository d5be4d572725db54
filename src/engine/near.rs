//! Near misses: for a failed consent, approval or certification basis of an unmet rule, the
//! evidence the host does hold for the subject, the exporter or the recipient, and why each
//! item does not count ("withdrawn at …", "covers `US`, not `HK`", "names a category no pack
//! declares").
//!
//! Computed only for unmet rules (the deny path), through the store's visitor methods, so that
//! every store explains alike; the allow path never comes here.

use super::prepare::Transfer;
use super::program::{Basis, Program, Rule};
use crate::engine::decision::EvidenceKind;
use crate::engine::evaluate::{approval_query, consent_query, member_consent_query};
use crate::error::{StoreError, StoreErrorKind};
use crate::evidence::{CertificationQuery, Evidence, Mismatch};
use crate::model::Individuals;
use crate::model::{
    Approval, Category, Certification, Consent, EvidenceId, Purpose, Scope, closest,
};

/// The most items reported per failed basis (a subject can hold many consents).
const MAX_PER_BASIS: usize = 8;

/// A piece of evidence that is held but does not satisfy a basis, and why.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct NearMiss {
    /// What it is.
    pub kind: EvidenceKind,
    /// Its id.
    pub id: EvidenceId,
    /// Every reason it does not count.
    pub reasons: Vec<Mismatch>,
}

impl std::fmt::Display for NearMiss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reasons: Vec<String> = self.reasons.iter().map(ToString::to_string).collect();
        write!(
            f,
            "{} `{}`: {}",
            self.kind.as_str(),
            self.id,
            reasons.join("; ")
        )
    }
}

/// The near misses of basis `b` of `rule` for `t`.
pub(super) fn near_misses<E: Evidence + ?Sized>(
    p: &Program,
    rule: &Rule,
    b: &Basis,
    t: &Transfer,
    ev: &E,
) -> Vec<NearMiss> {
    let mut out = Vec::new();
    let at = t.key.at;
    match b {
        Basis::Consent { min, informed } => {
            if let Individuals::Bulk { subjects, .. } = t.data.data.individuals() {
                // Each listed member whose consents all fall short.
                for s in subjects {
                    let q = member_consent_query(p, rule, t, s, *min, *informed);
                    if ev.find_consent(&q).is_some() {
                        continue;
                    }
                    let mut stop = false;
                    ev.consents(s, &mut |c: &Consent| {
                        let flow = push(&mut out, EvidenceKind::Consent, c.id(), || {
                            let mut reasons = q.mismatches(c);
                            reasons.extend(p.unknown_in_scope(c.scope()));
                            reasons
                        });
                        stop |= flow.is_break();
                        flow
                    });
                    if stop {
                        break;
                    }
                }
                return out;
            }
            let Some(q) = consent_query(p, rule, t, *min, *informed) else {
                return out;
            };
            ev.consents(q.subject(), &mut |c: &Consent| {
                push(&mut out, EvidenceKind::Consent, c.id(), || {
                    let mut reasons = q.mismatches(c);
                    reasons.extend(p.unknown_in_scope(c.scope()));
                    reasons
                })
            });
        }
        Basis::Approval { .. } => {
            let Some(q) = approval_query(p, rule, b, t) else {
                return out;
            };
            let explain = |a: &Approval| {
                let mut reasons = q.mismatches(a);
                reasons.extend(p.unknown_in_approval(a));
                reasons
            };
            ev.approvals(t.data.exporter.id(), &mut |a| {
                push(&mut out, EvidenceKind::Approval, a.id(), || explain(a))
            });
            // An approval the recipient holds, which would count were it the exporter's.
            if let Some(r) = t
                .data
                .recipient
                .as_ref()
                .filter(|r| r.id() != t.data.exporter.id())
            {
                ev.approvals(r.id(), &mut |a| {
                    let reasons = explain(a);
                    let only_holder = reasons.iter().all(|m| matches!(m, Mismatch::HeldBy { .. }));
                    push(&mut out, EvidenceKind::Approval, a.id(), || {
                        if only_holder {
                            reasons.clone()
                        } else {
                            Vec::new()
                        }
                    })
                });
            }
        }
        Basis::RecipientCertified(names, name_hashes) => {
            let Some(r) = t.data.recipient.as_ref() else {
                return out;
            };
            let q = CertificationQuery::new(r.id(), t.key.recipient_hash, names, name_hashes, at)
                .covering(super::evaluate::scope_query(p, rule, t));
            let mut explain = |c: &Certification| {
                push(&mut out, EvidenceKind::Certification, c.id(), || {
                    let mut reasons = q.mismatches(c);
                    reasons.extend(p.unknown_in_certification(c));
                    reasons
                })
            };
            for c in r.certifications() {
                if explain(c).is_break() {
                    return out;
                }
            }
            ev.certifications(r.id(), &mut |c| explain(c));
            // A listing the exporter holds, which would count were it the recipient's.
            let exporter = &t.data.exporter;
            if exporter.id() != r.id() {
                let mut theirs = |c: &Certification| {
                    push(&mut out, EvidenceKind::Certification, c.id(), || {
                        if q.mismatches(c).is_empty() {
                            vec![Mismatch::HeldBy {
                                holder: exporter.id().clone(),
                                needed: r.id().clone(),
                            }]
                        } else {
                            Vec::new()
                        }
                    })
                };
                for c in exporter.certifications() {
                    if theirs(c).is_break() {
                        return out;
                    }
                }
                ev.certifications(exporter.id(), &mut |c| theirs(c));
            }
        }
        Basis::DestinationIn { .. }
        | Basis::PurposeIn { .. }
        | Basis::RecipientRoles { .. }
        | Basis::Tags { .. }
        | Basis::InForce(_)
        | Basis::Volume(_) => {}
    }
    out
}

/// Adds the item, with its reasons, when there are any; stops once enough are found.
fn push(
    out: &mut Vec<NearMiss>,
    kind: EvidenceKind,
    id: &EvidenceId,
    reasons: impl FnOnce() -> Vec<Mismatch>,
) -> std::ops::ControlFlow<()> {
    if out.len() >= MAX_PER_BASIS {
        return std::ops::ControlFlow::Break(());
    }
    let reasons = reasons();
    if !reasons.is_empty() && !out.iter().any(|n| n.kind == kind && n.id == *id) {
        out.push(NearMiss {
            kind,
            id: id.clone(),
            reasons,
        });
    }
    std::ops::ControlFlow::Continue(())
}

impl Program {
    /// The categories and purposes of `scope` that no enabled pack declares.
    pub(super) fn unknown_in_scope(&self, scope: &Scope) -> Vec<Mismatch> {
        let mut out = Vec::new();
        for c in scope.categories() {
            if !self.vocab.category_ids.contains_key(c) {
                out.push(self.unknown(
                    "category",
                    c.as_str(),
                    self.vocab.category_ids.keys().map(Category::as_str),
                ));
            }
        }
        for pu in scope.purposes() {
            if !self.vocab.purposes.contains_key(pu) {
                out.push(self.unknown(
                    "purpose",
                    pu.as_str(),
                    self.vocab.purposes.keys().map(Purpose::as_str),
                ));
            }
        }
        out
    }

    /// The names of `a` (authority, mechanism, scope) that no enabled pack declares.
    pub(super) fn unknown_in_approval(&self, a: &Approval) -> Vec<Mismatch> {
        let v = &self.vocab;
        let mut out = Vec::new();
        match v.authorities.get(a.authority()) {
            None => out.push(self.unknown(
                "authority",
                a.authority().as_str(),
                v.authorities.keys().map(|x| x.as_str()),
            )),
            Some(Some(mechanisms)) if !mechanisms.contains(a.mechanism()) => {
                out.push(self.unknown(
                    "mechanism",
                    a.mechanism().as_str(),
                    mechanisms.iter().map(|x| x.as_str()),
                ));
            }
            Some(_) => {}
        }
        out.extend(self.unknown_in_scope(a.scope()));
        out
    }

    /// The scheme of `c`, if no enabled pack names it.
    pub(super) fn unknown_in_certification(&self, c: &Certification) -> Vec<Mismatch> {
        let v = &self.vocab;
        if v.schemes.contains(c.name()) {
            return Vec::new();
        }
        vec![self.unknown(
            "certification",
            c.name().as_str(),
            v.schemes.iter().map(|x| x.as_str()),
        )]
    }

    fn unknown<'a>(
        &self,
        what: &str,
        name: &str,
        declared: impl Iterator<Item = &'a str>,
    ) -> Mismatch {
        Mismatch::UnknownName {
            what: what.to_owned(),
            name: name.to_owned(),
            suggestion: closest(name, declared).map(str::to_owned),
        }
    }
}

impl crate::evidence::EvidenceCheck for super::Engine {
    fn check_consent(&self, consent: &Consent) -> Result<(), StoreError> {
        refuse(
            "consent",
            consent.id(),
            self.program.unknown_in_scope(consent.scope()),
        )
    }

    fn check_approval(&self, approval: &Approval) -> Result<(), StoreError> {
        refuse(
            "approval",
            approval.id(),
            self.program.unknown_in_approval(approval),
        )
    }

    fn check_certification(&self, certification: &Certification) -> Result<(), StoreError> {
        refuse(
            "certification",
            certification.id(),
            self.program.unknown_in_certification(certification),
        )
    }

    fn check_counter(&self, counter: &str) -> Result<(), StoreError> {
        if self.program.counter_ids.contains_key(counter) {
            return Ok(());
        }
        let mut known: Vec<&str> = self
            .program
            .counter_ids
            .keys()
            .map(String::as_str)
            .collect();
        known.sort_unstable();
        let hint = match closest(counter, known.iter().copied()) {
            Some(c) => format!(" (did you mean `{c}`?)"),
            None if known.is_empty() => " (no enabled pack declares a counter)".to_owned(),
            None => format!(" (declared: `{}`)", known.join("`, `")),
        };
        Err(StoreError::new(
            StoreErrorKind::UnknownName,
            format!("ledger entry names counter `{counter}`, which no enabled pack declares{hint}"),
        ))
    }
}

/// The first unknown name of `unknown`, as an error about item `id`.
fn refuse(kind: &str, id: &EvidenceId, unknown: Vec<Mismatch>) -> Result<(), StoreError> {
    match unknown.into_iter().next() {
        None => Ok(()),
        Some(m) => Err(StoreError::new(
            StoreErrorKind::UnknownName,
            format!("{kind} `{id}` {m}"),
        )),
    }
}
