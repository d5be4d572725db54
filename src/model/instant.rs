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

/// The message for a string that is not an instant.
fn not_an_instant(s: &str) -> String {
    format!(
        "invalid instant `{s}`: expected an RFC 3339 instant with a time zone, such as `2026-03-01T00:00:00Z`"
    )
}

/// Serde helpers for instants, so that a malformed one names itself and the expected form
/// (chrono's own message is "premature end of input").
pub(crate) mod serde_instant {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer};

    /// An RFC 3339 instant.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        s.parse::<DateTime<Utc>>()
            .map_err(|_| serde::de::Error::custom(super::not_an_instant(&s)))
    }

    /// An optional RFC 3339 instant.
    pub(crate) fn option<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<std::borrow::Cow<'de, str>>::deserialize(d)? {
            None => Ok(None),
            Some(s) => s
                .parse::<DateTime<Utc>>()
                .map(Some)
                .map_err(|_| serde::de::Error::custom(super::not_an_instant(&s))),
        }
    }
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
    fn a_malformed_instant_names_itself_and_the_expected_form() {
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[derive(serde::Deserialize, Debug)]
        struct At {
            #[serde(deserialize_with = "serde_instant::deserialize")]
            #[allow(dead_code, reason = "only the error is read")]
            at: DateTime<Utc>,
        }
        let e = serde_json::from_str::<At>(r#"{"at":"2026-03-01"}"#).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "invalid instant `2026-03-01`: expected an RFC 3339 instant with a time zone, such as `2026-03-01T00:00:00Z`"
            ),
            "{e}"
        );
        assert!(serde_json::from_str::<At>(r#"{"at":"2026-03-01T00:00:00+08:00"}"#).is_ok());
    }

    #[test]
    fn instants_are_written_with_z_and_only_the_fraction_they_have() {
        let t = DateTime::from_timestamp(1_772_323_200, 0).unwrap();
        assert_eq!(rfc3339(t), "2026-03-01T00:00:00Z");
        let t = DateTime::from_timestamp(1_772_323_200, 250_000_000).unwrap();
        assert_eq!(rfc3339(t), "2026-03-01T00:00:00.250Z");
    }
}
