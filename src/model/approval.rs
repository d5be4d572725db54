//! Approvals: an authority's approval of a transfer mechanism, held by an exporter.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::instant::{before_start, serde_instant};
use super::{Authority, EvidenceId, Jurisdiction, Mechanism, PartyId, Purpose, Scope, rfc3339};
use crate::error::{ModelError, ModelErrorKind};

/// An authority's approval of a transfer mechanism, held by an exporter: a CAC security
/// assessment, a filed standard contract, a certification, SCCs, BCRs, a notification.
///
/// Valid at `t` iff `valid_from <= t`, `t` is before the end (`extended_until` when extended,
/// else `valid_until`, if any) and the approval was not revoked at or before `t`.
///
/// # Example
///
/// ```
/// use crossborder::{Approval, Operation, Scope};
/// use chrono::{TimeZone, Utc};
///
/// let from = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
/// let scope = Scope::new(["personal".parse()?], "US".parse()?, crossborder::OperationSet::all())?;
/// let a = Approval::new("sa-1".parse()?, "CN-CAC".parse()?, "security_assessment".parse()?, "acme-cn".parse()?, scope, from)?
///     .valid_until(Utc.with_ymd_and_hms(2028, 1, 1, 0, 0, 0).unwrap())?;
/// assert!(a.is_valid_at(Utc.with_ymd_and_hms(2027, 12, 31, 0, 0, 0).unwrap()));
/// assert!(!a.is_valid_at(Utc.with_ymd_and_hms(2028, 1, 1, 0, 0, 0).unwrap()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "ApprovalSpec")]
pub struct Approval {
    id: EvidenceId,
    authority: Authority,
    mechanism: Mechanism,
    holder: PartyId,
    scope: Scope,
    valid_from: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_until: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extended_until: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    volume_cap: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    onward: Option<Onward>,
}

/// Conditions a mechanism attaches to the data it carries, which bind every onward act of that
/// data (a contract that bars onward transfer outside a region, a purpose limitation). An act
/// names the evidence its data came under with [`CameFrom`](crate::CameFrom); a pack rule on
/// `breaks_onward_limits` then judges it.
///
/// ```
/// use crossborder::Onward;
/// let gba_only: Onward = serde_json::from_str(r#"{ "destinations": ["HK", "CN-GD"] }"#)?;
/// assert!(gba_only.purposes().is_empty());
/// assert!(gba_only.allows_destination("CN-GD".parse()?));
/// assert!(!gba_only.allows_destination("US".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Onward {
    /// Where onward acts may send the data (unset: anywhere); a country covers its
    /// divisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    destinations: Option<Vec<Jurisdiction>>,
    /// The purposes onward acts may serve (empty: any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    purposes: Vec<Purpose>,
}

impl Onward {
    /// Onward acts only to these places (a country covers its divisions).
    #[must_use]
    pub fn only_to(mut self, places: impl IntoIterator<Item = Jurisdiction>) -> Self {
        self.destinations
            .get_or_insert_with(Vec::new)
            .extend(places);
        self
    }
    /// Onward acts only for these purposes.
    #[must_use]
    pub fn only_for(mut self, purposes: impl IntoIterator<Item = Purpose>) -> Self {
        self.purposes.extend(purposes);
        self
    }
    /// Where onward acts may send the data, if limited.
    #[must_use]
    pub fn destinations(&self) -> Option<&[Jurisdiction]> {
        self.destinations.as_deref()
    }

    /// Whether an onward act may send the data to `place`: no limit, or `place` is listed or
    /// lies in a listed country.
    #[must_use]
    pub fn allows_destination(&self, place: Jurisdiction) -> bool {
        self.destinations.as_ref().is_none_or(|list| {
            list.iter()
                .any(|l| *l == place || (!l.is_subdivision() && place.country() == *l))
        })
    }
    /// The purposes onward acts may serve (empty: any).
    #[must_use]
    pub fn purposes(&self) -> &[Purpose] {
        &self.purposes
    }
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApprovalSpec {
    id: EvidenceId,
    authority: Authority,
    mechanism: Mechanism,
    holder: PartyId,
    scope: Scope,
    #[serde(deserialize_with = "serde_instant::deserialize")]
    valid_from: DateTime<Utc>,
    #[serde(default, deserialize_with = "serde_instant::option")]
    valid_until: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "serde_instant::option")]
    extended_until: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "serde_instant::option")]
    revoked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    volume_cap: Option<u64>,
    #[serde(default)]
    onward: Option<Onward>,
}

impl TryFrom<ApprovalSpec> for Approval {
    type Error = ModelError;
    fn try_from(s: ApprovalSpec) -> Result<Self, ModelError> {
        let mut a = Approval::new(
            s.id,
            s.authority,
            s.mechanism,
            s.holder,
            s.scope,
            s.valid_from,
        )?;
        if let Some(u) = s.valid_until {
            a = a.valid_until(u)?;
        }
        if let Some(e) = s.extended_until {
            a = a.extended_until(e)?;
        }
        if let Some(r) = s.revoked_at {
            a = a.revoked(r)?;
        }
        a.volume_cap = s.volume_cap;
        a.onward = s.onward;
        Ok(a)
    }
}

impl Approval {
    /// An approval from JSON (its serde form), with errors located.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::InvalidJson`].
    pub fn from_json_str(text: &str) -> Result<Self, ModelError> {
        super::json::from_json(text)
    }

    /// An approval valid from `valid_from` with no end, not revoked.
    ///
    /// # Errors
    ///
    /// None today; the `Result` leaves room for checks on the arguments.
    pub fn new(
        id: EvidenceId,
        authority: Authority,
        mechanism: Mechanism,
        holder: PartyId,
        scope: Scope,
        valid_from: DateTime<Utc>,
    ) -> Result<Self, ModelError> {
        Ok(Approval {
            id,
            authority,
            mechanism,
            holder,
            scope,
            valid_from,
            valid_until: None,
            extended_until: None,
            revoked_at: None,
            volume_cap: None,
            onward: None,
        })
    }

    fn period_error(&self, what: &str, at: DateTime<Utc>, limit: DateTime<Utc>) -> ModelError {
        ModelError::new(
            ModelErrorKind::InvalidPeriod,
            format!(
                "approval `{}` {what} {} is not after {}",
                self.id,
                rfc3339(at),
                rfc3339(limit)
            ),
        )
    }

    /// The same approval, ending at `at` (exclusive).
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::InvalidPeriod`] when `at` is not after `valid_from`.
    pub fn valid_until(mut self, at: DateTime<Utc>) -> Result<Self, ModelError> {
        if at <= self.valid_from {
            return Err(self.period_error("ending at", at, self.valid_from));
        }
        self.valid_until = Some(at);
        Ok(self)
    }

    /// The same approval, extended to end at `at` (for example a CAC assessment extended by
    /// three years).
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::InvalidPeriod`] when the approval has no end to extend, or `at` is not
    /// after its current end.
    pub fn extended_until(mut self, at: DateTime<Utc>) -> Result<Self, ModelError> {
        let Some(end) = self.valid_until else {
            return Err(ModelError::new(
                ModelErrorKind::InvalidPeriod,
                format!("approval `{}` has no end to extend", self.id),
            ));
        };
        if at <= end {
            return Err(self.period_error("extension to", at, end));
        }
        self.extended_until = Some(at);
        Ok(self)
    }

    /// The same approval, revoked from `at` on.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::InvalidPeriod`] when `at` is before `valid_from`.
    pub fn revoked(mut self, at: DateTime<Utc>) -> Result<Self, ModelError> {
        if at < self.valid_from {
            return Err(before_start(
                "approval",
                &self.id,
                "revoked",
                at,
                "starts",
                self.valid_from,
            ));
        }
        self.revoked_at = Some(at);
        Ok(self)
    }

    /// The same approval, attaching `onward` conditions to the data it carries.
    #[must_use]
    pub fn with_onward(mut self, onward: Onward) -> Self {
        self.onward = Some(onward);
        self
    }

    /// The conditions it attaches to onward acts of the data it carries, if any.
    #[must_use]
    pub fn onward(&self) -> Option<&Onward> {
        self.onward.as_ref()
    }

    /// The same approval, limited to `cap` individuals (recorded; enforced by volume rules).
    #[must_use]
    pub fn with_volume_cap(mut self, cap: u64) -> Self {
        self.volume_cap = Some(cap);
        self
    }

    /// The approval's id.
    #[must_use]
    pub fn id(&self) -> &EvidenceId {
        &self.id
    }
    /// Who issued it.
    #[must_use]
    pub fn authority(&self) -> &Authority {
        &self.authority
    }
    /// Which mechanism it approves.
    #[must_use]
    pub fn mechanism(&self) -> &Mechanism {
        &self.mechanism
    }
    /// Which exporter holds it.
    #[must_use]
    pub fn holder(&self) -> &PartyId {
        &self.holder
    }
    /// What it covers.
    #[must_use]
    pub fn scope(&self) -> &Scope {
        &self.scope
    }
    /// When it starts.
    #[must_use]
    pub fn valid_from(&self) -> DateTime<Utc> {
        self.valid_from
    }
    /// When it ends, counting an extension, if it does.
    #[must_use]
    pub fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.extended_until.or(self.valid_until)
    }
    /// The end of its extension, if it was extended (a pack's `extension` clock counts only
    /// for an approval recorded as extended).
    #[must_use]
    pub fn extension_end(&self) -> Option<DateTime<Utc>> {
        self.extended_until
    }
    /// When it was revoked, if it was.
    #[must_use]
    pub fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.revoked_at
    }
    /// Its volume cap, if any.
    #[must_use]
    pub fn volume_cap(&self) -> Option<u64> {
        self.volume_cap
    }

    /// Whether the approval is valid at `t`.
    #[inline]
    #[must_use]
    pub fn is_valid_at(&self, t: DateTime<Utc>) -> bool {
        self.valid_from <= t
            && self.ends_at().is_none_or(|e| t < e)
            && self.revoked_at.is_none_or(|r| t < r)
    }

    /// Where the approval stands at `t` (its extension counted): valid exactly when
    /// [`is_valid_at`](Self::is_valid_at) is true; otherwise not yet in force, expired or
    /// revoked, with the instant.
    #[must_use]
    pub fn status_at(&self, t: DateTime<Utc>) -> super::Status {
        let revoked = self.revoked_at.map(|at| super::Status::Revoked { at });
        super::Status::of_term(self.valid_from, self.ends_at(), revoked, t)
    }
}
