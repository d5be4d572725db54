//! Legal clocks: spans of calendar time or working days, working-day calendars, and the
//! validity rules of an approval (a wait after filing, a term, an extension).
//!
//! Pure date arithmetic on instants the evidence carries: nothing here reads a clock. Packs
//! declare these (format 2); the engine computes each date from the evidence's own instants
//! and shows it in explanations.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, FixedOffset, Months, NaiveDate, TimeZone, Utc};

/// A working-day calendar: the weekdays that are the weekend, holidays, and weekend dates
/// that are working days (make-up days), at a fixed UTC offset (the pack's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Calendar {
    /// The name the pack gave it (`default` for Monday to Friday without holidays).
    pub name: String,
    pub offset: FixedOffset,
    /// Bit `n` set: weekday `n` (Monday = 0) is not a working day.
    pub weekend: u8,
    /// Sorted.
    pub holidays: Vec<NaiveDate>,
    /// Sorted.
    pub working: Vec<NaiveDate>,
}

impl Calendar {
    /// Monday to Friday, no holidays, days beginning at `offset`.
    pub(crate) fn weekdays(offset: FixedOffset) -> Self {
        Calendar {
            name: "default".to_owned(),
            offset,
            weekend: 0b110_0000,
            holidays: Vec::new(),
            working: Vec::new(),
        }
    }

    /// Whether `d` is a working day.
    pub(crate) fn is_working(&self, d: NaiveDate) -> bool {
        if self.working.binary_search(&d).is_ok() {
            return true;
        }
        let weekday = d.weekday().num_days_from_monday();
        self.weekend & (1 << weekday) == 0 && self.holidays.binary_search(&d).is_err()
    }

    fn date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.offset).date_naive()
    }

    fn start_of(&self, d: NaiveDate) -> Option<DateTime<Utc>> {
        self.offset
            .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
            .single()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// How long a span is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    Months(u32),
    Days(u32),
    Hours(u32),
    WorkingDays(u32),
}

/// A span of time a pack states: "3 years", "10 working days", "24 hours".
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub unit: Unit,
    /// The calendar working days count on (and, for every unit, the offset at which the dates
    /// in explanations are written).
    pub calendar: Arc<Calendar>,
}

/// The most days a working-day count may walk before giving up (a calendar of holidays only
/// would otherwise never end): about 30 years.
const MAX_WALK_DAYS: u32 = 11_000;

impl Span {
    /// The instant the span that starts at `t` ends. A span of `n` working days after `t` ends
    /// at the start of the day after the `n`-th working day following `t`'s date (the day of
    /// `t` itself is not counted). `None` when the date is out of range.
    pub(crate) fn end(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.unit {
            Unit::Months(n) => t.checked_add_months(Months::new(n)),
            Unit::Days(n) => t.checked_add_signed(Duration::days(i64::from(n))),
            Unit::Hours(n) => t.checked_add_signed(Duration::hours(i64::from(n))),
            Unit::WorkingDays(n) => {
                let cal = &*self.calendar;
                let mut d = cal.date(t);
                let mut counted = 0;
                let mut walked = 0;
                while counted < n {
                    d = d.succ_opt()?;
                    walked += 1;
                    if walked > MAX_WALK_DAYS {
                        return None;
                    }
                    if cal.is_working(d) {
                        counted += 1;
                    }
                }
                cal.start_of(d.succ_opt()?)
            }
        }
    }

    /// The last day of the span that starts at `t`, at the calendar's offset (what an
    /// explanation shows: "the 10-working-day wait ends 2025-09-08").
    pub(crate) fn last_day(&self, t: DateTime<Utc>) -> Option<NaiveDate> {
        let end = self.end(t)?;
        let local = end.with_timezone(&self.calendar.offset);
        let d = local.date_naive();
        if local.time() == chrono::NaiveTime::MIN {
            d.pred_opt()
        } else {
            Some(d)
        }
    }

    /// "10 working days", "3 years", "24 hours".
    pub(crate) fn describe(&self) -> String {
        let plural = |n: u32, one: &str, many: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        };
        match self.unit {
            Unit::Months(n) if n % 12 == 0 => plural(n / 12, "year", "years"),
            Unit::Months(n) => plural(n, "month", "months"),
            Unit::Days(n) => plural(n, "day", "days"),
            Unit::Hours(n) => plural(n, "hour", "hours"),
            Unit::WorkingDays(n) => {
                let days = plural(n, "working day", "working days");
                if self.calendar.name == "default" {
                    days
                } else {
                    format!("{days} (calendar `{}`)", self.calendar.name)
                }
            }
        }
    }
}

/// When an approval counts, beyond its own `valid_from`, `valid_until`, extension and
/// revocation: only once `wait` has passed after `valid_from`, and only for `valid_for` from
/// `valid_from` (plus `extension` when the approval is recorded as extended).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ApprovalClock {
    pub wait: Option<Span>,
    pub valid_for: Option<Span>,
    pub extension: Option<Span>,
    /// Approvals issued (`valid_from`) before this instant count for this term instead, with
    /// no extension (an older regime's term).
    pub earlier: Option<(DateTime<Utc>, Span)>,
}

/// Why a clock does not admit an approval at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClockMiss {
    /// The wait after `valid_from` has not ended: it ends at this instant.
    Waiting(DateTime<Utc>),
    /// The term from `valid_from` (with any extension) ended at this instant.
    TermOver(DateTime<Utc>),
}

impl ApprovalClock {
    /// Whether the clock says nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.wait.is_none() && self.valid_for.is_none() && self.earlier.is_none()
    }

    /// The term an approval valid from `from` counts for (with the extension when `extended`),
    /// said: `3 years`, `3 years + 3 years`, `2 years (issued before 2024-03-22)`.
    pub(crate) fn term_of(&self, from: DateTime<Utc>, extended: bool) -> Option<String> {
        if let Some((before, span)) = &self.earlier
            && from < *before
        {
            let day = before.with_timezone(&span.calendar.offset).date_naive();
            return Some(format!("{} (issued before {day})", span.describe()));
        }
        let term = self.valid_for.as_ref()?.describe();
        Some(match (&self.extension, extended) {
            (Some(e), true) => format!("{term} + {}", e.describe()),
            _ => term,
        })
    }

    /// Why an approval valid from `from` (recorded as extended when `extended`) does not count
    /// at `at`, if it does not. A date out of range never counts (fail closed).
    pub(crate) fn miss(
        &self,
        from: DateTime<Utc>,
        extended: bool,
        at: DateTime<Utc>,
    ) -> Option<ClockMiss> {
        if let Some(w) = &self.wait {
            match w.end(from) {
                Some(end) if end <= at => {}
                Some(end) => return Some(ClockMiss::Waiting(end)),
                None => return Some(ClockMiss::Waiting(DateTime::<Utc>::MAX_UTC)),
            }
        }
        let earlier = self
            .earlier
            .as_ref()
            .filter(|(before, _)| from < *before)
            .map(|(_, span)| span);
        if let Some(term) = earlier.or(self.valid_for.as_ref()) {
            let mut end = term.end(from);
            if earlier.is_none()
                && extended
                && let Some(ext) = &self.extension
            {
                end = end.and_then(|e| ext.end(e));
            }
            match end {
                Some(end) if at < end => {}
                Some(end) => return Some(ClockMiss::TermOver(end)),
                None => return Some(ClockMiss::TermOver(from)),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn wd(n: u32, cal: Calendar) -> Span {
        Span {
            unit: Unit::WorkingDays(n),
            calendar: Arc::new(cal),
        }
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let msk = FixedOffset::east_opt(3 * 3600).unwrap();
        // Filed Monday 2025-08-25: ten working days are 26 Aug .. 8 Sep.
        let s = wd(10, Calendar::weekdays(msk));
        let filed = utc("2025-08-25T10:00:00+03:00");
        assert_eq!(s.end(filed), Some(utc("2025-09-09T00:00:00+03:00")));
        assert_eq!(s.last_day(filed), NaiveDate::from_ymd_opt(2025, 9, 8));
        // A holiday on 1 September pushes the end by a day.
        let mut cal = Calendar::weekdays(msk);
        cal.holidays = vec![NaiveDate::from_ymd_opt(2025, 9, 1).unwrap()];
        let s = wd(10, cal);
        assert_eq!(s.end(filed), Some(utc("2025-09-10T00:00:00+03:00")));
        // A make-up Saturday shortens it.
        let mut cal = Calendar::weekdays(msk);
        cal.working = vec![NaiveDate::from_ymd_opt(2025, 8, 30).unwrap()];
        assert_eq!(
            wd(10, cal).end(filed),
            Some(utc("2025-09-06T00:00:00+03:00"))
        );
        // A Friday/Saturday weekend.
        let mut cal = Calendar::weekdays(msk);
        cal.weekend = 0b011_0000;
        // Thu 2025-08-28 filed: Sun 31, Mon 1 ... counts 5 working days: 31, 1, 2, 3, 4.
        assert_eq!(
            wd(5, cal).last_day(utc("2025-08-28T09:00:00+03:00")),
            NaiveDate::from_ymd_opt(2025, 9, 4)
        );
    }

    #[test]
    fn a_calendar_with_no_working_day_ends_nothing() {
        let mut cal = Calendar::weekdays(FixedOffset::east_opt(0).unwrap());
        cal.weekend = 0b111_1111;
        assert_eq!(wd(1, cal).end(utc("2025-01-01T00:00:00Z")), None);
    }

    #[test]
    fn clocks_wait_and_expire() {
        let off = FixedOffset::east_opt(8 * 3600).unwrap();
        let years = |n: u32| Span {
            unit: Unit::Months(12 * n),
            calendar: Arc::new(Calendar::weekdays(off)),
        };
        let clock = ApprovalClock {
            wait: None,
            valid_for: Some(years(3)),
            extension: Some(years(3)),
            earlier: Some((utc("2024-03-22T00:00:00+08:00"), years(2))),
        };
        // Issued under the older regime: two years, no extension.
        let old = utc("2023-05-01T00:00:00Z");
        assert_eq!(clock.miss(old, true, utc("2025-04-30T00:00:00Z")), None);
        assert!(clock.miss(old, true, utc("2025-05-01T00:00:00Z")).is_some());
        assert_eq!(
            clock.term_of(old, true).as_deref(),
            Some("2 years (issued before 2024-03-22)")
        );
        let from = utc("2024-05-01T00:00:00Z");
        assert_eq!(clock.miss(from, false, utc("2027-04-30T23:59:59Z")), None);
        assert_eq!(
            clock.miss(from, false, utc("2027-05-01T00:00:00Z")),
            Some(ClockMiss::TermOver(utc("2027-05-01T00:00:00Z")))
        );
        assert_eq!(clock.miss(from, true, utc("2030-04-30T00:00:00Z")), None);
        assert!(
            clock
                .miss(from, true, utc("2030-05-01T00:00:00Z"))
                .is_some()
        );
        assert_eq!(years(3).describe(), "3 years");
        let w = ApprovalClock {
            wait: Some(wd(10, Calendar::weekdays(off))),
            ..ApprovalClock::default()
        };
        assert!(matches!(
            w.miss(from, false, from),
            Some(ClockMiss::Waiting(_))
        ));
        assert_eq!(w.wait.as_ref().unwrap().describe(), "10 working days");
    }
}
