//! The engine's side of the volume ledger: what a counter counts, the count a volume test
//! compares (the store's answer plus the act itself), and the entries an executed act adds.
//!
//! Stores never see counters' conditions: they answer [`VolumeQuery`] and record
//! [`LedgerEntry`] values this module computes.

use super::Engine;
use super::evaluate::conditions_hold;
use super::prepare::Transfer;
use std::collections::BTreeMap;

use super::program::{Cond, Counter, Program};
use super::sets::{JRef, JSet};
use crate::error::{StoreError, StoreErrorKind, TransferError, TransferErrorKind};
use crate::evidence::{Counted, Evidence, LedgerEntry, MemoryEvidence, NoEvidence, VolumeQuery};
use crate::model::{Individuals, Jurisdiction};
use crate::pack::ast::{CountedIndividuals, Place, PlaceSet};

/// The count of counter `id` for the transfer's exporter over the counter's window ending at
/// the act, including the act itself: a subject already counted in the window adds nothing; a
/// bulk act adds the individuals the counter counts. `None` for an unknown counter.
pub(super) fn volume_including_act<E: Evidence + ?Sized>(
    p: &Program,
    id: u16,
    t: &Transfer,
    ev: &E,
) -> Option<u64> {
    let c = p.counters.get(usize::from(id))?;
    let at = t.key.at;
    let subject = t.data.data.subject().map(crate::model::Subject::id);
    let recorded = ev.volume(&VolumeQuery::new(
        t.data.exporter.id(),
        &c.name,
        c.window_start(at),
        at,
        subject,
    ));
    let adds = if counts(p, c, t) {
        act_individuals(
            c.individuals,
            t.data.data.individuals(),
            recorded.includes_subject,
        )
        .min(members_concerned(p, c, t))
    } else {
        0
    };
    Some(recorded.individuals.saturating_add(adds))
}

/// Whether `t` meets the conditions of counter `c` (they read no evidence).
fn counts(p: &Program, c: &Counter, t: &Transfer) -> bool {
    conditions_hold(p, &c.conds, c.cats.as_ref(), t, &NoEvidence).is_some()
}

/// What an act adds to a counter that counts `what`.
/// How many of a batch's members the counter's conditions on the subjects' residence,
/// location and citizenship can concern, from the counts per place the batch states: for each
/// such condition, the members whose place meets it; the least of these (an upper bound when
/// a counter tests several facts, or counts only sensitive data: never fewer than the true
/// number). Every member for a single subject, a batch that states no places, or a counter
/// that tests none of these facts.
fn members_concerned(p: &Program, c: &Counter, t: &Transfer) -> u64 {
    let Individuals::Bulk {
        residence,
        located_at_collection,
        citizenships,
        ..
    } = t.data.data.individuals()
    else {
        return u64::MAX;
    };
    let at = t.key.at;
    let meeting = |counts: &BTreeMap<Jurisdiction, u64>, meets: &dyn Fn(JRef) -> bool| {
        counts
            .iter()
            .filter(|(j, _)| p.jref(**j).map_or(true, meets))
            .fold(0u64, |a, (_, n)| a.saturating_add(*n))
    };
    let mut bound = u64::MAX;
    for cond in &c.conds {
        let share = match cond {
            Cond::Place { place, set, negate } => {
                let counts = match place {
                    Place::SubjectResidence => residence,
                    Place::SubjectLocation => located_at_collection,
                    Place::Origin | Place::Destination | Place::CollectedIn => continue,
                };
                if counts.is_empty() {
                    continue;
                }
                meeting(counts, &|j| set.holds(at, j).is_none_or(|m| m != *negate))
            }
            Cond::Places {
                places: PlaceSet::SubjectCitizenship,
                set,
                negate,
            } if !citizenships.is_empty() => meeting(citizenships, &|j| {
                let mut one = JSet::default();
                one.insert(j.id);
                set.intersects(at, &one).is_none_or(|m| m != *negate)
            }),
            _ => continue,
        };
        bound = bound.min(share);
    }
    bound
}

fn act_individuals(what: CountedIndividuals, who: &Individuals, already: bool) -> u64 {
    match who {
        Individuals::One(_) => u64::from(!already),
        Individuals::Bulk {
            sensitive,
            non_sensitive,
            ..
        } => match what {
            CountedIndividuals::Sensitive => *sensitive,
            CountedIndividuals::NonSensitive => *non_sensitive,
            CountedIndividuals::All => sensitive.saturating_add(*non_sensitive),
        },
    }
}

impl Engine {
    /// The volume-ledger entries an executed act adds: for every counter of this engine whose
    /// conditions the act meets, its subject (a single-subject act) or the individuals the
    /// counter counts (a bulk act; none when that is zero), at the act's instant. Evaluation
    /// never records; record these once the act is done, in any store
    /// ([`MemoryEvidence::record_entries`], or [`MemoryEvidence::record`], which does both).
    ///
    /// # Errors
    ///
    /// [`TransferErrorKind::EngineMismatch`] when the transfer was built for another engine.
    ///
    /// # Example
    ///
    /// ```
    /// use crossborder::{DataItem, Engine, Operation, Party, Transfer};
    /// use chrono::{TimeZone, Utc};
    ///
    /// let engine = Engine::builder().enable("cn-pipl").build()?;
    /// let batch = Transfer::builder()
    ///     .operation(Operation::Transfer)
    ///     .destination("US".parse()?)
    ///     .data(DataItem::bulk(["personal.sensitive.health".parse()?], "CN".parse()?, 50, 0))
    ///     .exporter(Party::new("acme-cn".parse()?).established_in("CN".parse()?))
    ///     .at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
    ///     .build(&engine)?;
    /// let entries = engine.ledger_entries(&batch)?;
    /// assert!(entries.iter().any(|e| e.individuals() == 50));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ledger_entries(&self, transfer: &Transfer) -> Result<Vec<LedgerEntry>, TransferError> {
        let p = &*self.program;
        if transfer.key.fingerprint != p.fingerprint {
            return Err(TransferError::new(
                TransferErrorKind::EngineMismatch,
                "the transfer was built for another engine: build it again with this engine",
            ));
        }
        let exporter = transfer.exporter().id();
        let at = transfer.at();
        Ok(p.counters
            .iter()
            .filter(|c| counts(p, c, transfer))
            .filter_map(|c| {
                let counted = match transfer.data().individuals() {
                    Individuals::One(s) => Counted::Subject(s.id().clone()),
                    who @ Individuals::Bulk { .. } => {
                        match act_individuals(c.individuals, who, false)
                            .min(members_concerned(p, c, transfer))
                        {
                            0 => return None,
                            n => Counted::Individuals(n),
                        }
                    }
                };
                Some(LedgerEntry::shared(
                    exporter.clone(),
                    c.name.clone(),
                    at,
                    counted,
                ))
            })
            .collect())
    }
}

/// The entries an executed act adds, as a store's error.
fn entries_of(engine: &Engine, transfer: &Transfer) -> Result<Vec<LedgerEntry>, StoreError> {
    engine
        .ledger_entries(transfer)
        .map_err(|e| StoreError::new(StoreErrorKind::EngineMismatch, e.message()))
}

/// What `record` returns: each counter recorded and what it was given.
fn recorded(entries: &[LedgerEntry]) -> Vec<(String, u64)> {
    entries
        .iter()
        .map(|e| (e.counter().to_owned(), e.individuals()))
        .collect()
}

impl MemoryEvidence {
    /// Records an executed act in the volume ledger: for every counter of `engine` the act
    /// counts toward, its subject (a single-subject act) or its counted individuals (a bulk
    /// act), at the act's instant ([`Engine::ledger_entries`], recorded under one lock).
    /// Evaluation never records; call this once the act is done. Returns the counters recorded
    /// and what each was given (a subject counts as 1 even when already counted in a window;
    /// windows de-duplicate when they count).
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::EngineMismatch`] when the transfer was built for another engine.
    pub fn record(
        &self,
        engine: &Engine,
        transfer: &Transfer,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let entries = entries_of(engine, transfer)?;
        self.record_entries(&entries);
        Ok(recorded(&entries))
    }
}

#[cfg(feature = "durable")]
impl crate::evidence::DurableEvidence {
    /// Records an executed act in the volume ledger, durably, as [`MemoryEvidence::record`]
    /// does in memory.
    ///
    /// # Errors
    ///
    /// [`StoreErrorKind::EngineMismatch`] when the transfer was built for another engine;
    /// otherwise as [`DurableEvidence::record_entries`](crate::evidence::DurableEvidence::record_entries).
    pub fn record(
        &self,
        engine: &Engine,
        transfer: &Transfer,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let entries = entries_of(engine, transfer)?;
        self.record_entries(&entries)?;
        Ok(recorded(&entries))
    }
}
