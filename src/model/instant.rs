//! The one way instants are written in messages and explanations: RFC 3339 in UTC with a `Z`
//! (`2026-03-01T00:00:00Z`), with fractional seconds only when there are any.

use chrono::{DateTime, SecondsFormat, Utc};

use super::EvidenceId;
use crate::error::{ModelError, ModelErrorKind};

/// `t` as RFC 3339 with a `Z`, as every message and explanation writes instants.
#[must_use]
pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The error for a change to a piece of evidence dated before the evidence starts:
/// "`{what}` `{id}` cannot be `{change}` at …, before it `{starts}` at …".
pub(crate) fn before_start(
    what: &str,
    id: &EvidenceId,
    change: &str,
    at: DateTime<Utc>,
    starts: &str,
    start: DateTime<Utc>,
) -> ModelError {
    ModelError::new(
        ModelErrorKind::InvalidPeriod,
        format!(
            "{what} `{id}` cannot be {change} at {}, before it {starts} at {}",
            rfc3339(at),
            rfc3339(start)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_written_with_z_and_only_the_fraction_they_have() {
        let t = DateTime::from_timestamp(1_772_323_200, 0).unwrap();
        assert_eq!(rfc3339(t), "2026-03-01T00:00:00Z");
        let t = DateTime::from_timestamp(1_772_323_200, 250_000_000).unwrap();
        assert_eq!(rfc3339(t), "2026-03-01T00:00:00.250Z");
    }
}
