//! Deciding many acts in one call: one view of the evidence store for the whole batch (a store
//! behind a lock takes it once, not once per act), and the same split over threads.

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

    /// [`evaluate_many`](Self::evaluate_many) split over `threads` threads (at least one),
    /// each deciding a contiguous share of `transfers` under its own view of the store.
    /// `each` is called from the threads, in order within a share.
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
        let share = transfers.len().div_ceil(threads);
        let each = &each;
        std::thread::scope(|s| {
            for (k, part) in transfers.chunks(share).enumerate() {
                let base = k * share;
                s.spawn(move || {
                    self.evaluate_many(part, evidence, |i, d| each(base + i, d));
                });
            }
        });
    }
}
