//! Deciding many acts in one call: one view of the evidence store for the whole batch (a store
//! behind a lock takes it once, not once per act), and the same split over threads.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::Engine;
use super::decision::Decision;
use super::prepare::Transfer;
use crate::evidence::Evidence;

impl Engine {
    /// Decides every transfer of `transfers` against `evidence`, in order, handing each
    /// decision to `each` with its index. Every decision equals what
    /// [`evaluate`](Self::evaluate) returns for that transfer alone; the batch asks the store
    /// for one view ([`Evidence::with_view`]) for all of them, so a store behind a lock takes it
    /// once. A store that never calls back gets, for every transfer, the denial `evaluate`
    /// gives (fail closed). Allocates nothing on the allow path.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use crossborder::*;
    /// let engine = Engine::builder().enable("cn-pledge-2015").build()?;
    /// let act = |subject: &str| -> Result<Transfer, Box<dyn std::error::Error>> {
    ///     Ok(Transfer::builder()
    ///         .operation(Operation::Transfer)
    ///         .destination("US".parse()?)
    ///         .data(DataItem::of_subject(Subject::new(subject.parse()?), ["personal.contact".parse()?], "CN".parse()?))
    ///         .exporter(Party::new("acme-cn".parse()?))
    ///         .at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
    ///         .build(&engine)?)
    /// };
    /// let acts = [act("u-1")?, act("u-2")?];
    /// let mut allowed = 0;
    /// engine.evaluate_many(&acts, &NoEvidence, |_, d| allowed += usize::from(d.is_allowed()));
    /// assert_eq!(allowed, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate_many<'a, E: Evidence + ?Sized>(
        &'a self,
        transfers: &'a [Transfer],
        evidence: &E,
        mut each: impl FnMut(usize, Decision<'a>),
    ) {
        let mut done = 0;
        evidence.with_view(&mut |view| {
            for (i, t) in transfers.iter().enumerate().skip(done) {
                each(i, self.evaluate(t, view));
                done = i + 1;
            }
        });
        // A store that did not call back (or stopped): each remaining act decided alone.
        for (i, t) in transfers.iter().enumerate().skip(done) {
            each(i, self.evaluate(t, evidence));
        }
    }

    /// [`evaluate_many`](Self::evaluate_many) split over `threads` threads (at least one):
    /// the threads take contiguous chunks of `transfers` in turn (about sixteen per thread,
    /// so one whose acts are cheaper takes more), each chunk decided under one view of the
    /// store. `each` is called from the threads, in order within a chunk.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use crossborder::*;
    /// # let engine = Engine::builder().enable("cn-pledge-2015").build()?;
    /// # let act = |subject: &str| -> Result<Transfer, Box<dyn std::error::Error>> {
    /// #     Ok(Transfer::builder()
    /// #         .operation(Operation::Transfer)
    /// #         .destination("US".parse()?)
    /// #         .data(DataItem::of_subject(Subject::new(subject.parse()?), ["personal.contact".parse()?], "CN".parse()?))
    /// #         .exporter(Party::new("acme-cn".parse()?))
    /// #         .at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
    /// #         .build(&engine)?)
    /// # };
    /// let acts: Vec<Transfer> = (0..100).map(|i| act(&format!("u-{i}"))).collect::<Result<_, _>>()?;
    /// let allowed = std::sync::atomic::AtomicUsize::new(0);
    /// engine.evaluate_parallel(&acts, &MemoryEvidence::new(), 2, |_, d| {
    ///     allowed.fetch_add(usize::from(d.is_allowed()), std::sync::atomic::Ordering::Relaxed);
    /// });
    /// assert_eq!(allowed.into_inner(), 100);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate_parallel<'a, E: Evidence + Sync + ?Sized>(
        &'a self,
        transfers: &'a [Transfer],
        evidence: &E,
        threads: usize,
        each: impl Fn(usize, Decision<'a>) + Sync,
    ) {
        let threads = threads.clamp(1, transfers.len().max(1));
        if threads == 1 {
            self.evaluate_many(transfers, evidence, each);
            return;
        }
        // Small chunks handed out in order, so that a thread whose acts happen to be cheaper
        // takes more of them instead of waiting for the other at the end (about 16 chunks per
        // thread, at least 64 acts each: one store view and one shared counter update per
        // chunk).
        let chunk = transfers.len().div_ceil(threads * 16).max(64);
        let next = AtomicUsize::new(0);
        let (each, next) = (&each, &next);
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(move || {
                    loop {
                        let start = next.fetch_add(chunk, Ordering::Relaxed);
                        let Some(part) = transfers.get(start..) else {
                            break;
                        };
                        let part = part.get(..chunk).unwrap_or(part);
                        if part.is_empty() {
                            break;
                        }
                        self.evaluate_many(part, evidence, |i, d| each(start + i, d));
                    }
                });
            }
        });
    }
}
