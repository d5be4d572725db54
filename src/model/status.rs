//! [`Status`]: where a piece of evidence stands at an instant — what a listing shows a
//! compliance officer, and the reason a consent on file does not count.

use std::fmt;

use chrono::{DateTime, Utc};

use super::rfc3339;

/// Where a consent, an approval or a certification stands at an instant.
///
/// Computed from the evidence's own instants, never from a clock: the same evidence gives the
/// same status for the same instant, so a listing as of an earlier date shows what a decision
/// made then saw. A consent ends by withdrawal, an approval or a certification by revocation;
/// when both an end of term and a withdrawal have passed, the earlier one is reported.
///
/// # Example
///
/// ```
/// use crossborder::{Consent, ConsentKind, Operation, Scope, Status};
/// use chrono::{TimeZone, Utc};
///
/// let scope = Scope::new(["personal".parse()?], "US".parse()?, [Operation::Transfer].into())?;
/// let at = |m| Utc.with_ymd_and_hms(2026, m, 1, 0, 0, 0).unwrap();
/// let consent = Consent::new("c-1".parse()?, "u-1".parse()?, ConsentKind::Express, scope, at(3))?
///     .withdrawn(at(6))?;
/// assert_eq!(consent.status_at(at(1)), Status::NotYetValid { from: at(3) });
/// assert_eq!(consent.status_at(at(4)), Status::Valid);
/// assert_eq!(consent.status_at(at(6)), Status::Withdrawn { at: at(6) });
/// assert_eq!(consent.status_at(at(7)).to_string(), "withdrawn at 2026-06-01T00:00:00Z");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// In force at the instant.
    Valid,
    /// Its term starts after the instant.
    NotYetValid {
        /// When it starts.
        from: DateTime<Utc>,
    },
    /// Its term ended at or before the instant.
    Expired {
        /// When it ended.
        at: DateTime<Utc>,
    },
    /// The subject withdrew it at or before the instant (consents).
    Withdrawn {
        /// When.
        at: DateTime<Utc>,
    },
    /// The authority or certifier revoked it at or before the instant (approvals,
    /// certifications).
    Revoked {
        /// When.
        at: DateTime<Utc>,
    },
}

impl Status {
    /// Whether the evidence is in force: [`Status::Valid`].
    #[must_use]
    pub fn is_valid(self) -> bool {
        self == Status::Valid
    }

    /// The status at `t` of a term `[from, until)` that `ended` (a withdrawal or revocation)
    /// may cut short; `Valid` exactly when `from <= t`, `t < until` and `t < ended`.
    pub(crate) fn of_term(
        from: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
        ended: Option<Status>,
        t: DateTime<Utc>,
    ) -> Status {
        if t < from {
            return Status::NotYetValid { from };
        }
        let expired = until.filter(|u| *u <= t).map(|at| Status::Expired { at });
        let ended = ended.filter(|e| e.instant().is_some_and(|at| at <= t));
        match (expired, ended) {
            (Some(x), Some(e)) => {
                if e.instant() <= x.instant() {
                    e
                } else {
                    x
                }
            }
            (Some(s), None) | (None, Some(s)) => s,
            (None, None) => Status::Valid,
        }
    }

    fn instant(self) -> Option<DateTime<Utc>> {
        match self {
            Status::Valid => None,
            Status::NotYetValid { from: at }
            | Status::Expired { at }
            | Status::Withdrawn { at }
            | Status::Revoked { at } => Some(at),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Valid => f.write_str("valid"),
            Status::NotYetValid { from } => write!(f, "not yet valid (from {})", rfc3339(*from)),
            Status::Expired { at } => write!(f, "expired at {}", rfc3339(*at)),
            Status::Withdrawn { at } => write!(f, "withdrawn at {}", rfc3339(*at)),
            Status::Revoked { at } => write!(f, "revoked at {}", rfc3339(*at)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test fixtures")]
    use super::*;
    use crate::model::{Approval, Certification, Consent, ConsentKind, Operation, Scope};
    use chrono::TimeZone;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap()
    }

    fn scope() -> Scope {
        Scope::new(
            ["personal".parse().unwrap()],
            "US".parse().unwrap(),
            [Operation::Transfer].into(),
        )
        .unwrap()
    }

    /// Every combination of term and end on a small grid of days, every instant on it: the
    /// status is valid exactly when `is_valid_at` says so, and names the earliest end passed.
    #[test]
    fn status_agrees_with_validity_on_every_instant() {
        let ends = [None, Some(3), Some(5), Some(7)];
        let mut checked = 0;
        for until in ends {
            for end in ends {
                let mut consent = Consent::new(
                    "c".parse().unwrap(),
                    "u".parse().unwrap(),
                    ConsentKind::Express,
                    scope(),
                    day(2),
                )
                .unwrap();
                let mut approval = Approval::new(
                    "a".parse().unwrap(),
                    "CAC".parse().unwrap(),
                    "approval".parse().unwrap(),
                    "p".parse().unwrap(),
                    scope(),
                    day(2),
                )
                .unwrap();
                let mut cert = Certification::new(
                    "k".parse().unwrap(),
                    "iso".parse().unwrap(),
                    day(2),
                    until.map(day),
                )
                .unwrap();
                if let Some(u) = until {
                    consent = consent.expiring(day(u)).unwrap();
                    approval = approval.valid_until(day(u)).unwrap();
                }
                if let Some(e) = end {
                    consent = consent.withdrawn(day(e)).unwrap();
                    approval = approval.revoked(day(e)).unwrap();
                    cert = cert.revoked(day(e)).unwrap();
                }
                for t in 1..=9 {
                    let t = day(t);
                    let statuses = [
                        (consent.status_at(t), consent.is_valid_at(t)),
                        (approval.status_at(t), approval.is_valid_at(t)),
                        (cert.status_at(t), cert.is_valid_at(t)),
                    ];
                    for (status, valid) in statuses {
                        assert_eq!(status.is_valid(), valid, "{status} at {t}");
                        checked += 1;
                        let first_end = [until, end]
                            .into_iter()
                            .flatten()
                            .map(day)
                            .filter(|e| *e <= t)
                            .min();
                        match status {
                            Status::NotYetValid { from } => assert!(t < from),
                            Status::Expired { at } => assert_eq!(Some(at), first_end),
                            Status::Withdrawn { at } | Status::Revoked { at } => {
                                assert_eq!(Some(at), first_end);
                                assert_eq!(Some(at), end.map(day));
                            }
                            Status::Valid => assert_eq!(first_end, None),
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 4 * 4 * 9 * 3);
    }

    #[test]
    fn status_reads_in_plain_words() {
        assert_eq!(Status::Valid.to_string(), "valid");
        assert_eq!(
            Status::NotYetValid { from: day(2) }.to_string(),
            "not yet valid (from 2026-01-02T00:00:00Z)"
        );
        assert_eq!(
            Status::Revoked { at: day(3) }.to_string(),
            "revoked at 2026-01-03T00:00:00Z"
        );
        assert_eq!(
            Status::Expired { at: day(3) }.to_string(),
            "expired at 2026-01-03T00:00:00Z"
        );
    }
}
