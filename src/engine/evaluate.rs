//! The hot path: candidate rules from the index, conditions on dense ids (phase 1), then the
//! applicable rules' bases against the evidence, inside one `Evidence::with_view` when any of
//! them reads evidence (phase 2). Allocates nothing unless a rule is unmet, more than four
//! rules apply, or more than one obligation with a deadline is tracked.

use smallvec::SmallVec;

use super::Engine;
use super::decision::{
    Decision, Diagnostic, Effect, EvidenceKind, EvidenceList, EvidenceRef, Fact, Facts,
    ObligationState, Outcome, Verdict, position,
};
use super::ledger::volume_including_act;
use super::prepare::Transfer;
use super::program::{Alternative, Basis, Cond, Program, Rule};
use super::report::ObligationStatus;
use super::sets::{CatSet, JSet};
use crate::evidence::key_hash;
use crate::evidence::{
    ApprovalQuery, CategoryMask, CertificationQuery, ConsentQuery, Evidence, ScopeQuery,
};
use crate::model::{ConsentKind, EvidenceId, Individuals, SubjectId};
use crate::pack::ast::{DueFrom, Place, PlaceSet, Who};
use chrono::{DateTime, Utc};

pub(super) fn evaluate<'a, E: Evidence + ?Sized>(
    engine: &'a Engine,
    t: &'a Transfer,
    ev: &E,
) -> Decision<'a> {
    let p = &*engine.program;
    let mut d = Decision {
        engine,
        transfer: t,
        effect: Effect::Allow,
        outcomes: SmallVec::new(),
        evidence: SmallVec::new(),
        failed: SmallVec::new(),
        obligations: SmallVec::new(),
        diagnostics: Vec::new(),
    };
    if t.key.fingerprint != p.fingerprint {
        d.effect = Effect::Deny;
        d.diagnostics.push(Diagnostic::engine_mismatch(
            t.key.fingerprint,
            p.fingerprint,
        ));
        return d;
    }
    if p.volume_conditions {
        // Conditions read the ledger: conditions and bases from one view of the store.
        in_one_view(ev, &mut d, |view, d| run(p, t, view, true, d));
    } else {
        run(p, t, ev, false, &mut d);
    }
    d
}

/// Runs `f` inside the store's view; a store that never calls back denies, with a diagnostic
/// (fail closed: nothing was decided).
fn in_one_view<'a, E: Evidence + ?Sized>(
    ev: &E,
    d: &mut Decision<'a>,
    mut f: impl FnMut(&dyn Evidence, &mut Decision<'a>),
) {
    let mut ran = false;
    ev.with_view(&mut |view| {
        if !ran {
            ran = true;
            f(view, d);
        }
    });
    if !ran {
        d.effect = Effect::Deny;
        d.diagnostics.push(Diagnostic::store_refused());
    }
}

/// Phase 1 (applicable rules) and phase 2 (their verdicts). `in_view`: `ev` is already a view
/// from `Evidence::with_view`.
fn run<'a, E: Evidence + ?Sized>(
    p: &Program,
    t: &'a Transfer,
    ev: &E,
    in_view: bool,
    d: &mut Decision<'a>,
) {
    // Phase 1: the applicable rules, in pack order (conditions only; a volume condition may
    // read the ledger).
    let mut applicable: SmallVec<[u32; 8]> = SmallVec::new();
    let mut needs_evidence = false;
    let mut in_order = true;
    let mut assumed: SmallVec<[Facts; 8]> = SmallVec::new();
    p.index
        .for_each_list(t.key.operation, &t.key, |list, key_assumed| {
            for &next in list {
                // The rule's period and categories first: they reject most candidates, from one
                // contiguous array.
                let (Some(head), Some(rule)) =
                    (p.heads.get(next as usize), p.rules.get(next as usize))
                else {
                    d.effect = Effect::Deny;
                    d.diagnostics.push(Diagnostic::internal(format!(
                        "the rule index names rule {next}, which does not exist"
                    )));
                    continue;
                };
                if !head.in_force.contains(t.key.at)
                    || head
                        .cats
                        .is_some_and(|c| !c.intersects(&t.key.category_union))
                {
                    continue;
                }
                let Some(facts) = conditions_hold(p, rule.checked_conds(), None, t, ev) else {
                    continue;
                };
                needs_evidence |= !rule.prohibit && rule.uses_evidence;
                in_order &= applicable.last().is_none_or(|&last| last < next);
                applicable.push(next);
                assumed.push(facts.union(key_assumed));
            }
        });
    // Verdicts are recorded in pack order; the lists are each ascending, rarely more than one
    // yields an applicable rule.
    if !in_order {
        // A rule is in at most one list, except for a batch whose members are in several
        // places, whose rules keyed on a member's place may come once per place.
        let mut pairs: SmallVec<[(u32, Facts); 8]> = applicable
            .iter()
            .copied()
            .zip(assumed.iter().copied())
            .collect();
        pairs.sort_unstable_by_key(|(rule, _)| *rule);
        pairs.dedup_by_key(|(rule, _)| *rule);
        applicable = pairs.iter().map(|(r, _)| *r).collect();
        assumed = pairs.iter().map(|(_, a)| *a).collect();
    }
    // Phase 2: the applicable rules' verdicts. The store is asked for a view (a store behind a
    // lock takes it once here) only when some applicable rule reads evidence.
    if needs_evidence && !in_view {
        in_one_view(ev, d, |view, d| {
            decide(p, t, view, &applicable, &assumed, d)
        });
    } else {
        decide(p, t, ev, &applicable, &assumed, d);
    }
}

/// Records the verdict of each applicable rule, in pack order, with the facts it assumed.
fn decide<'a, E: Evidence + ?Sized>(
    p: &Program,
    t: &Transfer,
    ev: &E,
    applicable: &[u32],
    assumed: &[Facts],
    d: &mut Decision<'a>,
) {
    for (&next, &assumed) in applicable.iter().zip(assumed) {
        let Some(rule) = p.rules.get(next as usize) else {
            d.effect = Effect::Deny;
            d.diagnostics.push(Diagnostic::internal(format!(
                "rule {next} was found applicable but does not exist"
            )));
            continue;
        };
        let ev_from = d.evidence.len();
        let failed_from = d.failed.len();
        if rule.prohibit {
            d.effect = Effect::Deny;
            d.outcomes.push(Outcome {
                rule: next,
                verdict: Verdict::Prohibited,
                alt: 0,
                assumed,
                evidence_end: position(ev_from),
                failed_end: position(failed_from),
            });
            continue;
        }
        // First pass: alternatives in order, each stopping at its first failing basis. The
        // masks of the alternatives that failed are kept, so an unmet rule only has to check
        // the bases after each first failure to say what is missing.
        let mut satisfied = None;
        // The first alternative that holds but whose obligation is breached: the rule falls
        // back on it (and the decision denies) only when no later alternative holds cleanly.
        let mut breached_alt = None;
        let obligations_from = d.obligations.len();
        for (ai, alt) in rule.alts.iter().enumerate() {
            if d.evidence.len() != ev_from {
                d.evidence.truncate(ev_from);
            }
            let failed = check_alt(p, rule, alt, t, ev, 0, false, &mut d.evidence);
            if failed == 0 {
                if rule.tracks_obligations {
                    let outcome = position(d.outcomes.len());
                    let carried = d.evidence.get(ev_from..).unwrap_or(&[]);
                    let mut states = std::mem::take(&mut d.obligations);
                    let breached =
                        obligation_states(p, rule, alt, outcome, t, ev, carried, &mut states);
                    d.obligations = states;
                    if breached {
                        d.obligations.truncate(obligations_from);
                        breached_alt.get_or_insert(ai);
                        // A placeholder keeps one mask per alternative; a rule with a breached
                        // alternative is never reported unmet.
                        d.failed.push(0);
                        continue;
                    }
                }
                satisfied = Some(ai);
                break;
            }
            d.failed.push(failed);
        }
        if satisfied.is_none()
            && let Some(ai) = breached_alt
            && let Some(alt) = rule.alts.get(ai)
        {
            d.evidence.truncate(ev_from);
            let _ = check_alt(p, rule, alt, t, ev, 0, false, &mut d.evidence);
            let outcome = position(d.outcomes.len());
            let carried = d.evidence.get(ev_from..).unwrap_or(&[]);
            let mut states = std::mem::take(&mut d.obligations);
            let _ = obligation_states(p, rule, alt, outcome, t, ev, carried, &mut states);
            d.obligations = states;
            d.effect = Effect::Deny;
            satisfied = Some(ai);
        }
        if let Some(ai) = satisfied {
            d.failed.truncate(failed_from);
            d.outcomes.push(Outcome {
                rule: next,
                verdict: Verdict::Satisfied,
                // INVARIANT: the loader caps alternatives at `u16::MAX` per rule
                // (`limits::HARD_MAX_ALTERNATIVES`), so the index fits.
                alt: u16::try_from(ai).unwrap_or(u16::MAX),
                assumed,
                evidence_end: position(d.evidence.len()),
                failed_end: position(failed_from),
            });
            continue;
        }
        d.effect = Effect::Deny;
        for (k, alt) in rule.alts.iter().enumerate() {
            let Some(&first) = d.failed.get(failed_from + k) else {
                break;
            };
            d.evidence.truncate(ev_from);
            let after = first.trailing_zeros() as usize + 1;
            let rest = check_alt(p, rule, alt, t, ev, after, true, &mut d.evidence);
            if let Some(mask) = d.failed.get_mut(failed_from + k) {
                *mask = first | rest;
            }
        }
        d.evidence.truncate(ev_from);
        if rule.alts.is_empty() {
            d.diagnostics.push(Diagnostic::internal(format!(
                "rule `{}` requires something but has no alternatives",
                rule.id
            )));
        }
        d.outcomes.push(Outcome {
            rule: next,
            verdict: Verdict::Unmet,
            alt: 0,
            assumed,
            evidence_end: position(ev_from),
            failed_end: position(d.failed.len()),
        });
    }
}

/// Records where each tracked obligation of `rule` (satisfied by `alt`, as outcome `outcome`)
/// stands at the act's instant: fulfilled when its fulfilment evidence is held, otherwise
/// pending until its deadline and overdue (or, where the law makes the act unlawful for it,
/// breached) after. Returns whether one is breached.
#[allow(
    clippy::too_many_arguments,
    reason = "the hot path passes its context explicitly rather than through a struct"
)]
#[inline(never)]
fn obligation_states<E: Evidence + ?Sized>(
    p: &Program,
    rule: &Rule,
    alt: &Alternative,
    outcome: u32,
    t: &Transfer,
    ev: &E,
    carried: &[EvidenceRef],
    out: &mut SmallVec<[ObligationState; 1]>,
) -> bool {
    let at = t.key.at;
    let exporter = t.data.exporter.id();
    let mut breached = false;
    for (i, o) in rule.obligations.iter().chain(&alt.obligations).enumerate() {
        if !o.tracked() {
            continue;
        }
        let mut state = ObligationState {
            outcome,
            // INVARIANT: a rule's obligations are few (bounded by the pack's list limit).
            index: u16::try_from(i).unwrap_or(u16::MAX),
            status: ObligationStatus::Pending,
            anchor: None,
            fulfilled: None,
        };
        let mut due = None;
        if let (Some((authorities, mechanisms)), Some((a_hashes, m_hashes))) =
            (&o.def.fulfilled_by, &o.fulfil_hashes)
        {
            let q = ApprovalQuery::new(
                exporter,
                t.key.exporter_hash,
                authorities,
                a_hashes,
                mechanisms.as_deref(),
                m_hashes.as_deref(),
                at,
                scope_query(p, rule, t),
            );
            state.fulfilled = ev.find_approval(&q);
        }
        if let Some((from, span)) = &o.def.due {
            state.anchor = match from {
                DueFrom::Act => Some(at),
                DueFrom::Approval => carried
                    .iter()
                    .find(|e| e.kind() == EvidenceKind::Approval)
                    .and_then(|e| {
                        let mut from = None;
                        ev.approvals(exporter, &mut |a| {
                            if a.id() == e.id() {
                                from = Some(a.valid_from());
                                std::ops::ControlFlow::Break(())
                            } else {
                                std::ops::ControlFlow::Continue(())
                            }
                        });
                        from
                    }),
            };
            // A deadline out of range is treated as passed (fail closed).
            due = state
                .anchor
                .map(|start| span.end(start).unwrap_or(DateTime::<Utc>::MIN_UTC));
        }
        state.status = if state.fulfilled.is_some() {
            ObligationStatus::Fulfilled
        } else if due.is_some_and(|due| at >= due) {
            if o.def.unlawful_when_overdue {
                breached = true;
                ObligationStatus::Breached
            } else {
                ObligationStatus::Overdue
            }
        } else {
            ObligationStatus::Pending
        };
        out.push(state);
    }
    breached
}

/// Whether every condition holds, and the facts those that held on an unstated fact assumed
/// (`None`: some condition fails). A condition on a fact the transfer does not state holds
/// (fail closed: unknowns make rules apply, and make acts count).
pub(super) fn conditions_hold<E: Evidence + ?Sized>(
    p: &Program,
    conds: &[Cond],
    cats: Option<&CatSet>,
    t: &Transfer,
    ev: &E,
) -> Option<Facts> {
    if let Some(cats) = cats
        && !cats.intersects(&t.key.category_union)
    {
        return None;
    }
    let mut assumed = Facts::NONE;
    for c in conds {
        assumed = assumed.union(condition_holds(p, c, t, ev)?);
    }
    Some(assumed)
}

/// Whether one condition holds, and on which unstated fact if it holds only for want of it
/// (kept out of line: the loop over a rule's conditions stays small, and each condition loads
/// only the facts it reads).
#[inline(never)]
fn condition_holds<E: Evidence + ?Sized>(
    p: &Program,
    c: &Cond,
    t: &Transfer,
    ev: &E,
) -> Option<Facts> {
    let k = &t.key;
    let at = t.key.at;
    let holds = |b: bool| b.then_some(Facts::NONE);
    match c {
        Cond::Ops(mask) => holds(mask & t.key.operation.bit() != 0),
        Cond::Place { place, set, negate } => {
            let value = match place {
                Place::Origin => Some(k.origin),
                Place::Destination => Some(k.destination),
                Place::CollectedIn => Some(k.collected_in),
                Place::SubjectResidence => k.residence,
                Place::SubjectLocation => k.location,
            };
            match value {
                None => members_hold(k, *place, set, *negate, at),
                // A set with no members at the instant is malformed: the condition holds.
                Some(j) => set
                    .holds(at, j)
                    .map_or(Some(Facts::NONE), |m| holds(m != *negate)),
            }
        }
        Cond::Places {
            places,
            set,
            negate,
        } => {
            let value: Option<&JSet> = match places {
                PlaceSet::SubjectCitizenship => k.citizenships.as_deref(),
                PlaceSet::ExporterEstablishment => k.exporter_est.as_deref(),
                PlaceSet::RecipientEstablishment => k.recipient_est.as_deref(),
            };
            match value {
                None => Some(Facts::places(*places)),
                Some(s) => set
                    .intersects(at, s)
                    .map_or(Some(Facts::NONE), |m| holds(m != *negate)),
            }
        }
        Cond::Roles { mask, negate } => match t.recipient_role() {
            Some(r) => holds((mask & r.bit() != 0) != *negate),
            None => Some(Facts::of(Fact::RecipientRole)),
        },
        Cond::Tags { who, mask, negate } => {
            let tags = tags_of(t, *who);
            holds(if *negate {
                tags & mask == 0
            } else {
                tags & mask == *mask
            })
        }
        Cond::Minor(want) => match k.minor {
            Some(m) => holds(m == *want),
            None => Some(Facts::of(Fact::SubjectMinor)),
        },
        Cond::Bulk(want) => holds(k.bulk == *want),
        // Holds when one of the act's purposes is (or, negated, is not) in the list: an act
        // serving several purposes is governed by the rules about each.
        Cond::Purposes { mask, negate } => {
            if k.purposes.is_empty() {
                Some(Facts::of(Fact::Purpose))
            } else {
                holds(k.purposes.iter().any(|p| (p & mask != 0) != *negate))
            }
        }
        Cond::CategoriesNot(set) => holds(!set.intersects(&k.category_union)),
        Cond::Categories(set) => holds(set.intersects(&k.category_union)),
        // Holds when a branch holds; a branch that holds on stated facts is preferred to one
        // that holds only on an assumption.
        Cond::AnyOf(branches) => {
            let mut on_assumption = None;
            for b in branches {
                match conditions_hold(p, b, None, t, ev) {
                    Some(f) if f == Facts::NONE => return Some(Facts::NONE),
                    Some(f) => {
                        on_assumption.get_or_insert(f);
                    }
                    None => {}
                }
            }
            on_assumption
        }
        Cond::CameUnder {
            authorities,
            mechanisms,
        } => holds(came_under(t, ev, &mut |a| {
            authorities.contains(a.authority())
                && mechanisms
                    .as_ref()
                    .is_none_or(|m| m.contains(a.mechanism()))
        })),
        Cond::OnwardBreached(want) => {
            let breached = came_under(t, ev, &mut |a| {
                a.onward().is_some_and(|o| {
                    let scope = ScopeQuery::new(&t.data, &t.key.purpose_names, CategoryMask::ALL);
                    !o.allows_destination(t.data.destination)
                        || (!o.purposes().is_empty() && !scope.purposes_covered_by(o.purposes()))
                })
            });
            holds(breached == *want)
        }
        // Holds when the conjunction fails. A conjunction that holds only on an unstated fact
        // might fail were the fact stated, so the negation holds too, on the same assumption
        // (fail closed: unknowns make rules apply, negated or not).
        Cond::Not(inner) => match conditions_hold(p, inner, None, t, ev) {
            None => Some(Facts::NONE),
            Some(f) if f == Facts::NONE => None,
            Some(f) => Some(f),
        },
        // A counter that does not exist cannot be read: the condition holds (fail closed).
        Cond::Volume(v) => {
            holds(volume_including_act(p, v.counter, t, ev).is_none_or(|n| v.admits(n)))
        }
    }
}

/// A place condition on the subjects' residence or location that the act states for a batch in
/// several places: it holds when a member's place is in the list (negated: when a member's is
/// not). Unstated: it holds on the assumption.
#[cold]
fn members_hold(
    k: &super::prepare::TransferKey,
    place: Place,
    set: &super::sets::TimedSet,
    negate: bool,
    at: chrono::DateTime<chrono::Utc>,
) -> Option<Facts> {
    let members = match place {
        Place::SubjectResidence => k.residences.as_deref(),
        Place::SubjectLocation => k.locations.as_deref(),
        Place::Origin | Place::Destination | Place::CollectedIn => None,
    };
    match members {
        // A set with no members at the instant is malformed: the condition holds.
        Some(members) => members
            .iter()
            .any(|(j, _)| set.holds(at, *j).is_none_or(|m| m != negate))
            .then_some(Facts::NONE),
        None => Some(Facts::place(place)),
    }
}

/// Whether an onward act's data came under an approval `test` accepts: one of the approvals
/// its `came_from` names, held by the earlier exporter. An approval the store does not hold
/// counts as accepted (fail closed: provenance that cannot be checked is not a way out of a
/// restriction). False for an act that states no `came_from`.
fn came_under<E: Evidence + ?Sized>(
    t: &Transfer,
    ev: &E,
    test: &mut dyn FnMut(&crate::model::Approval) -> bool,
) -> bool {
    let Some(from) = &t.data.came_from else {
        return false;
    };
    from.under().iter().any(|id| {
        let mut held = None;
        ev.approvals(from.exporter(), &mut |a| {
            if a.id() == id {
                held = Some(test(a));
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        });
        held.unwrap_or(true)
    })
}

fn tags_of(t: &Transfer, who: Who) -> u128 {
    match who {
        Who::Exporter => t.key.exporter_tags,
        Who::Recipient => t.key.recipient_tags,
        Who::Transfer => t.key.transfer_tags,
    }
}

/// Checks one alternative's bases from index `from` on. Returns the mask of bases that did not
/// hold (0 = satisfied) and pushes the evidence that satisfied the bases that did. Unless
/// `full`, stops at the first basis that fails.
#[allow(
    clippy::too_many_arguments,
    reason = "the hot path passes its context explicitly rather than through a struct"
)]
fn check_alt<E: Evidence + ?Sized>(
    p: &Program,
    rule: &Rule,
    alt: &Alternative,
    t: &Transfer,
    ev: &E,
    from: usize,
    full: bool,
    evidence: &mut EvidenceList,
) -> u32 {
    let mut failed = 0u32;
    for (bi, b) in alt.bases.iter().enumerate().skip(from) {
        let bit = 1u32 << (bi % 32);
        if !check_basis(p, rule, b, t, ev, evidence) {
            failed |= bit;
            if !full {
                return failed;
            }
        }
    }
    failed
}

/// What a consent, approval or certification scope must cover for `rule` on `t`: the act's
/// facts, and the data's categories that made the rule apply.
#[inline]
pub(super) fn scope_query<'a>(p: &Program, rule: &Rule, t: &'a Transfer) -> ScopeQuery<'a> {
    let mut must_cover = CategoryMask::ALL;
    if rule.cats.is_some() {
        must_cover = CategoryMask::NONE;
        for (i, id) in t.key.categories.iter().enumerate() {
            if p.triggers(rule, *id) {
                must_cover.insert(i);
            }
        }
    }
    ScopeQuery::new(&t.data, &t.key.purpose_names, must_cover)
}

/// The question a consent basis asks about a single-subject act (none for a bulk act: a
/// consent basis never holds for one).
#[inline]
pub(super) fn consent_query<'a>(
    p: &Program,
    rule: &Rule,
    t: &'a Transfer,
    min: ConsentKind,
    informed: bool,
) -> Option<ConsentQuery<'a>> {
    let Individuals::One(subject) = t.data.data.individuals() else {
        return None;
    };
    Some(ConsentQuery::new(
        subject.id(),
        t.key.subject_hash,
        min,
        informed,
        t.key.at,
        t.key.at_nanos,
        scope_query(p, rule, t),
    ))
}

/// The question a consent basis asks about one listed member of a batch.
pub(super) fn member_consent_query<'a>(
    p: &Program,
    rule: &Rule,
    t: &'a Transfer,
    subject: &'a SubjectId,
    min: ConsentKind,
    informed: bool,
) -> ConsentQuery<'a> {
    ConsentQuery::new(
        subject,
        key_hash(subject.as_str()),
        min,
        informed,
        t.key.at,
        t.key.at_nanos,
        scope_query(p, rule, t),
    )
}

/// The question approval basis `b` asks about the act (none for another kind of basis).
#[inline]
pub(super) fn approval_query<'a>(
    p: &Program,
    rule: &Rule,
    b: &'a Basis,
    t: &'a Transfer,
) -> Option<ApprovalQuery<'a>> {
    let Basis::Approval {
        authorities,
        mechanisms,
        authority_hashes,
        mechanism_hashes,
        clock,
    } = b
    else {
        return None;
    };
    Some(
        ApprovalQuery::new(
            t.data.exporter.id(),
            t.key.exporter_hash,
            authorities,
            authority_hashes,
            mechanisms.as_deref(),
            mechanism_hashes.as_deref(),
            t.key.at,
            scope_query(p, rule, t),
        )
        .with_clock(clock.as_deref()),
    )
}

/// Whether the basis holds; pushes the evidence that makes it hold, if any (out of line, so
/// each basis loads only what it reads).
#[inline(never)]
fn check_basis<E: Evidence + ?Sized>(
    p: &Program,
    rule: &Rule,
    b: &Basis,
    t: &Transfer,
    ev: &E,
    evidence: &mut EvidenceList,
) -> bool {
    let mut found = |kind: EvidenceKind, id: Option<EvidenceId>| match id {
        Some(id) => {
            evidence.push(EvidenceRef::new(kind, id));
            true
        }
        None => false,
    };
    let at = t.key.at;
    match b {
        Basis::Consent { min, informed } => {
            if let Individuals::Bulk { subjects, .. } = t.data.data.individuals() {
                // A batch that lists its members: each member's own consent (the batch is
                // checked at build to list one id per individual).
                if subjects.is_empty() {
                    return false;
                }
                let from = evidence.len();
                for s in subjects {
                    let q = member_consent_query(p, rule, t, s, *min, *informed);
                    match ev.find_consent(&q) {
                        Some(id) => evidence.push(EvidenceRef::new(EvidenceKind::Consent, id)),
                        None => {
                            evidence.truncate(from);
                            return false;
                        }
                    }
                }
                return true;
            }
            let Some(q) = consent_query(p, rule, t, *min, *informed) else {
                return false;
            };
            found(EvidenceKind::Consent, ev.find_consent(&q))
        }
        Basis::Approval { .. } => {
            let Some(q) = approval_query(p, rule, b, t) else {
                return false;
            };
            found(EvidenceKind::Approval, ev.find_approval(&q))
        }
        Basis::DestinationIn { set, .. } => set.holds(at, t.key.destination).unwrap_or(false),
        Basis::RecipientCertified(names, name_hashes) => {
            let Some(r) = t.data.recipient.as_ref() else {
                return false;
            };
            let q = CertificationQuery::new(r.id(), t.key.recipient_hash, names, name_hashes, at)
                .covering(scope_query(p, rule, t));
            if let Some(c) = r.certifications().iter().find(|c| q.accepts(c)) {
                return found(EvidenceKind::Certification, Some(c.id().clone()));
            }
            found(EvidenceKind::Certification, ev.find_certification(&q))
        }
        // Every purpose of the act must be one the basis names.
        Basis::PurposeIn { mask, .. } => {
            !t.key.purposes.is_empty() && t.key.purposes.iter().all(|p| p & mask != 0)
        }
        Basis::RecipientRoles { mask, .. } => {
            t.recipient_role().is_some_and(|r| mask & r.bit() != 0)
        }
        Basis::Tags { who, mask, .. } => tags_of(t, *who) & mask == *mask,
        Basis::Volume(v) => volume_including_act(p, v.counter, t, ev).is_some_and(|n| v.admits(n)),
        Basis::InForce(period) => period.contains(at),
    }
}
