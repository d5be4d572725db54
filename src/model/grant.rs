//! Consents and authority approvals: time-bounded, withdrawable evidence.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Authority, Category, EvidenceId, Jurisdiction, JurisdictionSet, Mechanism};
use super::{Operation, OperationSet, PartyId, Purpose, SubjectId, falls_under};
use crate::error::{ModelError, ModelErrorKind};

/// How a consent was given, weakest first. A regime names the weakest kind it accepts; a
/// stronger kind satisfies a weaker requirement.
///
/// `implied < express < explicit < separate < written`: *explicit* is GDPR's explicit consent
/// (arts. 9(2)(a), 49(1)(a)); *separate* is PIPL's 单独同意, explicit consent obtained on its
/// own for this act (arts. 29, 39); *written* is separate consent in writing.
///
/// ```
/// use crossborder::ConsentKind;
/// assert!(ConsentKind::Separate >= ConsentKind::Express);
/// assert!(ConsentKind::Implied < ConsentKind::Express);
/// assert_eq!("written".parse::<ConsentKind>()?, ConsentKind::Written);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentKind {
    /// Inferred from conduct or bundled with other terms.
    Implied,
    /// Given by a clear affirmative act (the 2015 pledge's "express permission").
    Express,
    /// Explicit consent to this specific act (GDPR).
    Explicit,
    /// Explicit consent obtained separately for this act (PIPL).
    Separate,
    /// Separate consent in writing.
    Written,
}

impl ConsentKind {
    /// The name used in packs and JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentKind::Implied => "implied",
            ConsentKind::Express => "express",
            ConsentKind::Explicit => "explicit",
            ConsentKind::Separate => "separate",
            ConsentKind::Written => "written",
        }
    }
}

impl fmt::Display for ConsentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ConsentKind {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, ModelError> {
        Ok(match s {
            "implied" => ConsentKind::Implied,
            "express" => ConsentKind::Express,
            "explicit" => ConsentKind::Explicit,
            "separate" => ConsentKind::Separate,
            "written" => ConsentKind::Written,
            _ => {
                return Err(ModelError::new(
                    ModelErrorKind::InvalidName,
                    format!(
                        "unknown consent kind `{s}`: expected one of `implied`, `express`, `explicit`, `separate`, `written`"
                    ),
                ));
            }
        })
    }
}

/// What a consent or an approval covers: categories (each covering its descendants),
/// destinations, operations, and optionally purposes and recipients.
///
/// Categories, destinations and operations must not be empty; empty purposes or recipients mean
/// "any".
///
/// ```
/// use crossborder::{Operation, Scope};
/// let scope = Scope::new(
///     ["personal.sensitive".parse()?],
///     "US,GB".parse()?,
///     [Operation::Transfer].into(),
/// )?;
/// assert!(scope.covers_category(&"personal.sensitive.health".parse()?));
/// assert!(!scope.covers_category(&"personal.contact".parse()?));
/// assert!(scope.covers_destination("GB".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "ScopeSpec")]
pub struct Scope {
    categories: Vec<Category>,
    destinations: JurisdictionSet,
    operations: OperationSet,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    purposes: Vec<Purpose>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    recipients: Vec<PartyId>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeSpec {
    categories: Vec<Category>,
    destinations: JurisdictionSet,
    operations: OperationSet,
    #[serde(default)]
    purposes: Vec<Purpose>,
    #[serde(default)]
    recipients: Vec<PartyId>,
}

impl TryFrom<ScopeSpec> for Scope {
    type Error = ModelError;
    fn try_from(s: ScopeSpec) -> Result<Self, ModelError> {
        Ok(Scope::new(s.categories, s.destinations, s.operations)?
            .with_purposes(s.purposes)
            .with_recipients(s.recipients))
    }
}

impl Scope {
    /// A scope over these categories, destinations and operations.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::EmptyScope`] when any of the three is empty.
    pub fn new(
        categories: impl IntoIterator<Item = Category>,
        destinations: JurisdictionSet,
        operations: OperationSet,
    ) -> Result<Self, ModelError> {
        let mut cats: Vec<Category> = Vec::new();
        for c in categories {
            if !cats.contains(&c) {
                cats.push(c);
            }
        }
        let empty = if cats.is_empty() {
            Some("categories")
        } else if destinations.is_empty() {
            Some("destinations")
        } else if operations.is_empty() {
            Some("operations")
        } else {
            None
        };
        if let Some(what) = empty {
            return Err(ModelError::new(
                ModelErrorKind::EmptyScope,
                format!("empty scope: a scope needs at least one of its {what}"),
            ));
        }
        Ok(Scope {
            categories: cats,
            destinations,
            operations,
            purposes: Vec::new(),
            recipients: Vec::new(),
        })
    }

    /// A scope from parts already validated (the evidence store's compact form).
    pub(crate) fn from_parts(
        categories: Vec<Category>,
        destinations: JurisdictionSet,
        operations: OperationSet,
        purposes: Vec<Purpose>,
        recipients: Vec<PartyId>,
    ) -> Self {
        Scope {
            categories,
            destinations,
            operations,
            purposes,
            recipients,
        }
    }

    /// Restricts the scope to these purposes (none = any).
    #[must_use]
    pub fn with_purposes(mut self, purposes: impl IntoIterator<Item = Purpose>) -> Self {
        self.purposes = purposes.into_iter().collect();
        self
    }

    /// Restricts the scope to these recipients (none = any).
    #[must_use]
    pub fn with_recipients(mut self, recipients: impl IntoIterator<Item = PartyId>) -> Self {
        self.recipients = recipients.into_iter().collect();
        self
    }

    /// The categories covered (each with its descendants).
    #[must_use]
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }
    /// The destinations covered.
    #[must_use]
    pub fn destinations(&self) -> &JurisdictionSet {
        &self.destinations
    }
    /// The operations covered.
    #[must_use]
    pub fn operations(&self) -> OperationSet {
        self.operations
    }
    /// The purposes covered; empty means any.
    #[must_use]
    pub fn purposes(&self) -> &[Purpose] {
        &self.purposes
    }
    /// The recipients covered; empty means any.
    #[must_use]
    pub fn recipients(&self) -> &[PartyId] {
        &self.recipients
    }

    /// Whether `c` is one of the categories or lies below one.
    #[inline]
    #[must_use]
    pub fn covers_category(&self, c: &Category) -> bool {
        self.covers_category_name(c.as_str())
    }

    #[inline]
    pub(crate) fn covers_category_name(&self, c: &str) -> bool {
        self.categories.iter().any(|s| falls_under(c, s.as_str()))
    }

    /// Whether the destination (its country, for a division) is covered.
    #[inline]
    #[must_use]
    pub fn covers_destination(&self, j: Jurisdiction) -> bool {
        self.destinations.contains(j)
    }

    /// Whether the operation is covered.
    #[inline]
    #[must_use]
    pub fn covers_operation(&self, op: Operation) -> bool {
        self.operations.contains(op)
    }

    /// Whether the purpose is covered: any purpose when none is listed, otherwise a listed one.
    #[inline]
    #[must_use]
    pub fn covers_purpose(&self, p: Option<&Purpose>) -> bool {
        self.purposes.is_empty() || p.is_some_and(|p| self.purposes.contains(p))
    }

    /// Whether the recipient is covered: any when none is listed, otherwise a listed one.
    #[inline]
    #[must_use]
    pub fn covers_recipient(&self, r: Option<&PartyId>) -> bool {
        self.recipients.is_empty() || r.is_some_and(|r| self.recipients.contains(r))
    }
}

/// A data subject's consent: who gave it, how, for what, and when it is valid.
///
/// A consent is valid at `t` iff `granted_at <= t`, `t < expires_at` (when it expires) and it
/// was not withdrawn at or before `t`. Withdrawal never rewrites history: a decision as of an
/// instant before the withdrawal is unchanged.
///
/// # Example
///
/// ```
/// use crossborder::{Consent, ConsentKind, Operation, Scope};
/// use chrono::{TimeZone, Utc};
///
/// let granted = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let scope = Scope::new(["personal.sensitive.health".parse()?], "US".parse()?, [Operation::Transfer].into())?;
/// let consent = Consent::new("c-1".parse()?, "u-42".parse()?, ConsentKind::Express, scope, granted)?
///     .expiring(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap())?;
/// assert!(consent.is_valid_at(granted));
/// let withdrawn = consent.clone().withdrawn(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap())?;
/// assert!(!withdrawn.is_valid_at(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()));
/// assert!(withdrawn.is_valid_at(Utc.with_ymd_and_hms(2026, 5, 31, 0, 0, 0).unwrap()));
///
/// // A consent that expires before it is granted is refused.
/// assert!(consent.expiring(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "ConsentSpec")]
pub struct Consent {
    id: EvidenceId,
    subject: SubjectId,
    kind: ConsentKind,
    scope: Scope,
    granted_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    withdrawn_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    informed_of_risks: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentSpec {
    id: EvidenceId,
    subject: SubjectId,
    kind: ConsentKind,
    scope: Scope,
    granted_at: DateTime<Utc>,
    #[serde(default)]
    expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    withdrawn_at: Option<DateTime<Utc>>,
    #[serde(default)]
    informed_of_risks: bool,
}

impl TryFrom<ConsentSpec> for Consent {
    type Error = ModelError;
    fn try_from(s: ConsentSpec) -> Result<Self, ModelError> {
        let mut c = Consent::new(s.id, s.subject, s.kind, s.scope, s.granted_at)?
            .informed_of_risks(s.informed_of_risks);
        if let Some(e) = s.expires_at {
            c = c.expiring(e)?;
        }
        if let Some(w) = s.withdrawn_at {
            c = c.withdrawn(w)?;
        }
        Ok(c)
    }
}

impl Consent {
    /// A consent granted at `granted_at`, with no expiry and not withdrawn.
    ///
    /// # Errors
    ///
    /// None today; the `Result` leaves room for checks on the arguments.
    pub fn new(
        id: EvidenceId,
        subject: SubjectId,
        kind: ConsentKind,
        scope: Scope,
        granted_at: DateTime<Utc>,
    ) -> Result<Self, ModelError> {
        Ok(Consent {
            id,
            subject,
            kind,
            scope,
            granted_at,
            expires_at: None,
            withdrawn_at: None,
            informed_of_risks: false,
        })
    }

    /// A consent from parts already validated (the evidence store's compact form).
    #[allow(
        clippy::too_many_arguments,
        reason = "the store rebuilds a consent from the fields it keeps apart"
    )]
    pub(crate) fn from_parts(
        id: EvidenceId,
        subject: SubjectId,
        kind: ConsentKind,
        scope: Scope,
        granted_at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
        withdrawn_at: Option<DateTime<Utc>>,
        informed_of_risks: bool,
    ) -> Self {
        Consent {
            id,
            subject,
            kind,
            scope,
            granted_at,
            expires_at,
            withdrawn_at,
            informed_of_risks,
        }
    }

    /// The same consent, expiring at `at` (exclusive).
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::InvalidPeriod`] when `at` is not after `granted_at`.
    pub fn expiring(mut self, at: DateTime<Utc>) -> Result<Self, ModelError> {
        if at <= self.granted_at {
            return Err(ModelError::new(
                ModelErrorKind::InvalidPeriod,
                format!(
                    "consent `{}` expires at {} before it is granted at {}",
                    self.id,
                    at.to_rfc3339(),
                    self.granted_at.to_rfc3339()
                ),
            ));
        }
        self.expires_at = Some(at);
        Ok(self)
    }

    /// The same consent, withdrawn at `at`: not valid from `at` on.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::InvalidPeriod`] when `at` is before `granted_at`, or the consent was
    /// already withdrawn earlier (withdrawal never moves later).
    pub fn withdrawn(mut self, at: DateTime<Utc>) -> Result<Self, ModelError> {
        if at < self.granted_at {
            return Err(ModelError::new(
                ModelErrorKind::InvalidPeriod,
                format!(
                    "consent `{}` cannot be withdrawn at {}, before it is granted at {}",
                    self.id,
                    at.to_rfc3339(),
                    self.granted_at.to_rfc3339()
                ),
            ));
        }
        if let Some(prev) = self.withdrawn_at
            && prev <= at
        {
            return Err(ModelError::new(
                ModelErrorKind::InvalidPeriod,
                format!(
                    "consent `{}` was already withdrawn at {}",
                    self.id,
                    prev.to_rfc3339()
                ),
            ));
        }
        self.withdrawn_at = Some(at);
        Ok(self)
    }

    /// The same consent, recording whether the subject was informed of the risks of the
    /// transfer (GDPR art. 49(1)(a)).
    #[must_use]
    pub fn informed_of_risks(mut self, informed: bool) -> Self {
        self.informed_of_risks = informed;
        self
    }

    /// The consent's id.
    #[must_use]
    pub fn id(&self) -> &EvidenceId {
        &self.id
    }
    /// Who gave it.
    #[must_use]
    pub fn subject(&self) -> &SubjectId {
        &self.subject
    }
    /// How it was given.
    #[must_use]
    pub fn kind(&self) -> ConsentKind {
        self.kind
    }
    /// What it covers.
    #[must_use]
    pub fn scope(&self) -> &Scope {
        &self.scope
    }
    /// When it was granted.
    #[must_use]
    pub fn granted_at(&self) -> DateTime<Utc> {
        self.granted_at
    }
    /// When it expires, if it does.
    #[must_use]
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }
    /// When it was withdrawn, if it was.
    #[must_use]
    pub fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.withdrawn_at
    }
    /// Whether the subject was informed of the risks.
    #[must_use]
    pub fn is_informed_of_risks(&self) -> bool {
        self.informed_of_risks
    }

    /// Whether the consent is valid at `t`.
    #[inline]
    #[must_use]
    pub fn is_valid_at(&self, t: DateTime<Utc>) -> bool {
        self.granted_at <= t
            && self.expires_at.is_none_or(|e| t < e)
            && self.withdrawn_at.is_none_or(|w| t < w)
    }
}

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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApprovalSpec {
    id: EvidenceId,
    authority: Authority,
    mechanism: Mechanism,
    holder: PartyId,
    scope: Scope,
    valid_from: DateTime<Utc>,
    #[serde(default)]
    valid_until: Option<DateTime<Utc>>,
    #[serde(default)]
    extended_until: Option<DateTime<Utc>>,
    #[serde(default)]
    revoked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    volume_cap: Option<u64>,
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
        Ok(a)
    }
}

impl Approval {
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
        })
    }

    fn period_error(&self, what: &str, at: DateTime<Utc>, limit: DateTime<Utc>) -> ModelError {
        ModelError::new(
            ModelErrorKind::InvalidPeriod,
            format!(
                "approval `{}` {what} {} is not after {}",
                self.id,
                at.to_rfc3339(),
                limit.to_rfc3339()
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
            return Err(ModelError::new(
                ModelErrorKind::InvalidPeriod,
                format!(
                    "approval `{}` cannot be revoked at {}, before it starts at {}",
                    self.id,
                    at.to_rfc3339(),
                    self.valid_from.to_rfc3339()
                ),
            ));
        }
        self.revoked_at = Some(at);
        Ok(self)
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap()
    }

    fn scope() -> Scope {
        Scope::new(
            ["personal.sensitive".parse().unwrap()],
            "US".parse().unwrap(),
            OperationSet::all(),
        )
        .unwrap()
    }

    fn consent() -> Consent {
        Consent::new(
            "c".parse().unwrap(),
            "u".parse().unwrap(),
            ConsentKind::Express,
            scope(),
            t(2),
        )
        .unwrap()
    }

    #[test]
    fn consent_validity_boundaries() {
        let c = consent().expiring(t(10)).unwrap();
        assert!(!c.is_valid_at(t(1)));
        assert!(c.is_valid_at(t(2)));
        assert!(c.is_valid_at(t(9)));
        assert!(!c.is_valid_at(t(10)));
        let w = c.clone().withdrawn(t(5)).unwrap();
        assert!(w.is_valid_at(t(4)));
        assert!(!w.is_valid_at(t(5)));
        // withdrawal may move earlier, never later
        assert!(w.clone().withdrawn(t(3)).is_ok());
        assert_eq!(
            w.withdrawn(t(6)).unwrap_err().kind(),
            ModelErrorKind::InvalidPeriod
        );
    }

    #[test]
    fn consent_rejects_bad_periods_with_clear_messages() {
        let e = consent().expiring(t(1)).unwrap_err();
        assert_eq!(e.kind(), ModelErrorKind::InvalidPeriod);
        assert_eq!(
            e.to_string(),
            "consent `c` expires at 2026-01-01T00:00:00+00:00 before it is granted at 2026-01-02T00:00:00+00:00"
        );
        assert!(consent().expiring(t(2)).is_err());
        assert!(consent().withdrawn(t(1)).is_err());
        assert!(consent().withdrawn(t(2)).is_ok());
    }

    #[test]
    fn empty_scopes_are_refused() {
        let e = Scope::new([], "US".parse().unwrap(), OperationSet::all()).unwrap_err();
        assert_eq!(e.kind(), ModelErrorKind::EmptyScope);
        assert!(
            Scope::new(
                ["personal".parse().unwrap()],
                JurisdictionSet::empty(),
                OperationSet::all()
            )
            .is_err()
        );
        assert!(
            Scope::new(
                ["personal".parse().unwrap()],
                "US".parse().unwrap(),
                OperationSet::empty()
            )
            .is_err()
        );
        let json = r#"{"categories":[],"destinations":["US"],"operations":["transfer"]}"#;
        let err = serde_json::from_str::<Scope>(json).unwrap_err().to_string();
        assert!(err.contains("empty scope"), "{err}");
    }

    #[test]
    fn scope_coverage() {
        let s = scope()
            .with_purposes(["research".parse().unwrap()])
            .with_recipients(["r-1".parse().unwrap()]);
        assert!(s.covers_category(&"personal.sensitive".parse().unwrap()));
        assert!(!s.covers_category(&"personal".parse().unwrap()));
        assert!(s.covers_destination("US".parse().unwrap()));
        assert!(s.covers_destination("US-CA".parse().unwrap()));
        assert!(!s.covers_destination("CA".parse().unwrap()));
        assert!(s.covers_purpose(Some(&"research".parse().unwrap())));
        assert!(!s.covers_purpose(None));
        assert!(!s.covers_recipient(Some(&"r-2".parse().unwrap())));
        assert!(scope().covers_purpose(None));
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let c = consent()
            .expiring(t(20))
            .unwrap()
            .withdrawn(t(9))
            .unwrap()
            .informed_of_risks(true);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Consent>(&json).unwrap(), c);
        let bad = json.replace("2026-01-20", "2025-01-20");
        let err = serde_json::from_str::<Consent>(&bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("before it is granted"), "{err}");
        let typo = json.replace("\"kind\"", "\"knd\"");
        assert!(serde_json::from_str::<Consent>(&typo).is_err());

        let a = Approval::new(
            "a".parse().unwrap(),
            "CN-CAC".parse().unwrap(),
            "security_assessment".parse().unwrap(),
            "acme".parse().unwrap(),
            scope(),
            t(1),
        )
        .unwrap()
        .valid_until(t(10))
        .unwrap()
        .extended_until(t(20))
        .unwrap()
        .revoked(t(15))
        .unwrap()
        .with_volume_cap(5);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Approval>(&json).unwrap(), a);
    }

    #[test]
    fn approval_windows() {
        let a = Approval::new(
            "a".parse().unwrap(),
            "CN-CAC".parse().unwrap(),
            "security_assessment".parse().unwrap(),
            "acme".parse().unwrap(),
            scope(),
            t(1),
        )
        .unwrap();
        assert!(a.clone().extended_until(t(5)).is_err());
        let a = a.valid_until(t(10)).unwrap();
        assert!(!a.is_valid_at(t(10)));
        let e = a.clone().extended_until(t(20)).unwrap();
        assert!(e.is_valid_at(t(10)) && !e.is_valid_at(t(20)));
        assert!(a.clone().extended_until(t(10)).is_err());
        let r = e.revoked(t(3)).unwrap();
        assert!(r.is_valid_at(t(2)) && !r.is_valid_at(t(3)));
        assert!(a.revoked(t(1) - chrono::Duration::seconds(1)).is_err());
    }
}
