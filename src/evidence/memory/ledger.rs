//! The volume ledger of [`MemoryEvidence`](super::MemoryEvidence): per exporter and counter, a
//! log of entries sorted by instant, answering "how many distinct individuals in this window".

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::HashMap;
use crate::evidence::{Counted, LedgerEntry, VolumeCount, VolumeQuery};
use crate::model::{PartyId, SubjectId};

/// One recorded entry of a counter: a subject, or a bulk count.
#[derive(Clone, Debug)]
struct Entry {
    at: DateTime<Utc>,
    subject: Option<SubjectId>,
    bulk: u64,
}

/// The log of one (exporter, counter): entries sorted by instant, and each subject's instants.
#[derive(Clone, Default, Debug)]
struct CounterLog {
    entries: Vec<Entry>,
    by_subject: HashMap<SubjectId, Vec<DateTime<Utc>>>,
}

impl CounterLog {
    fn add(&mut self, at: DateTime<Utc>, subject: Option<SubjectId>, bulk: u64) {
        if let Some(s) = &subject {
            let times = self.by_subject.entry(s.clone()).or_default();
            match times.binary_search(&at) {
                Ok(_) => return, // the same subject at the same instant counts once
                Err(i) => times.insert(i, at),
            }
        }
        let i = self.entries.partition_point(|e| e.at <= at);
        self.entries.insert(i, Entry { at, subject, bulk });
    }

    /// Distinct subjects and bulk individuals recorded in `[from, to]`. A subject counts once,
    /// at its first entry in the window.
    fn count(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        subject: Option<&SubjectId>,
    ) -> VolumeCount {
        let lo = self.entries.partition_point(|e| e.at < from);
        let hi = self.entries.partition_point(|e| e.at <= to);
        let mut individuals = 0u64;
        for e in self.entries.get(lo..hi).unwrap_or(&[]) {
            match &e.subject {
                None => individuals = individuals.saturating_add(e.bulk),
                Some(s) => {
                    let first_in_window = self
                        .by_subject
                        .get(s)
                        .and_then(|ts| ts.get(ts.partition_point(|t| *t < from)))
                        .is_some_and(|t| *t == e.at);
                    if first_in_window {
                        individuals = individuals.saturating_add(1);
                    }
                }
            }
        }
        let includes_subject = subject
            .and_then(|s| self.by_subject.get(s))
            .and_then(|ts| ts.get(ts.partition_point(|t| *t < from)))
            .is_some_and(|t| *t <= to);
        VolumeCount::new(individuals, includes_subject)
    }
}

/// Every exporter's logs, by counter name.
#[derive(Clone, Default, Debug)]
pub(super) struct Ledger {
    logs: HashMap<PartyId, HashMap<Arc<str>, CounterLog>>,
}

impl Ledger {
    pub(super) fn record(&mut self, e: &LedgerEntry) {
        let log = self
            .logs
            .entry(e.exporter().clone())
            .or_default()
            .entry(Arc::clone(e.counter_name()))
            .or_default();
        match e.counted() {
            Counted::Subject(s) => log.add(e.at(), Some(s.clone()), 0),
            Counted::Individuals(0) => {}
            Counted::Individuals(n) => log.add(e.at(), None, *n),
        }
    }

    /// Every recorded entry: by exporter and counter (each in name order), then by instant.
    pub(super) fn entries(&self) -> Vec<LedgerEntry> {
        let mut exporters: Vec<&PartyId> = self.logs.keys().collect();
        exporters.sort();
        let mut out = Vec::new();
        for exporter in exporters {
            let Some(logs) = self.logs.get(exporter) else {
                continue;
            };
            let mut counters: Vec<&Arc<str>> = logs.keys().collect();
            counters.sort();
            for counter in counters {
                for e in logs.get(counter).map_or(&[][..], |l| l.entries.as_slice()) {
                    let counted = match &e.subject {
                        Some(s) => Counted::Subject(s.clone()),
                        None => Counted::Individuals(e.bulk),
                    };
                    out.push(LedgerEntry::shared(
                        exporter.clone(),
                        Arc::clone(counter),
                        e.at,
                        counted,
                    ));
                }
            }
        }
        out
    }

    pub(super) fn count(&self, q: &VolumeQuery<'_>) -> VolumeCount {
        self.logs
            .get(q.exporter)
            .and_then(|logs| logs.get(q.counter))
            .map(|log| log.count(q.from, q.to, q.subject))
            .unwrap_or_default()
    }
}
