//! Consents: how a data subject agreed, to what, and when the agreement holds.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::instant::{before_start, serde_instant};
use super::{EvidenceId, Scope, SubjectId, rfc3339};
use crate::error::{ModelError, ModelErrorKind};

name_enum!(
    /// How a consent was given, weakest first. A regime names the weakest kind it accepts; a
    /// stronger kind satisfies a weaker requirement.
    ///
    /// `implied < express < explicit < separate < written`: *explicit* is GDPR's explicit
    /// consent (arts. 9(2)(a), 49(1)(a)); *separate* is PIPL's 单独同意, explicit consent
    /// obtained on its own for this act (arts. 29, 39); *written* is separate consent in
    /// writing.
    ///
    /// ```
    /// use crossborder::ConsentKind;
    /// assert!(ConsentKind::Separate >= ConsentKind::Express);
    /// assert!(ConsentKind::Implied < ConsentKind::Express);
    /// assert_eq!("written".parse::<ConsentKind>()?, ConsentKind::Written);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ConsentKind, "consent kind" {
        /// Inferred from conduct or bundled with other terms.
        Implied = "implied",
        /// Given by a clear affirmative act (the 2015 pledge's "express permission").
        Express = "express",
        /// Explicit consent to this specific act (GDPR).
        Explicit = "explicit",
        /// Explicit consent obtained separately for this act (PIPL).
        Separate = "separate",
        /// Separate consent in writing.
        Written = "written",
    }
);

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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentSpec {
    id: EvidenceId,
    subject: SubjectId,
    kind: ConsentKind,
    scope: Scope,
    #[serde(deserialize_with = "serde_instant::deserialize")]
    granted_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "serde_instant::option")]
    expires_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "serde_instant::option")]
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
    /// A consent from JSON (its serde form), with errors located: the path of the offending
    /// value, its line and column, and the closest name for an unknown field.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::InvalidJson`], also for a consent whose instants contradict each
    /// other.
    ///
    /// ```
    /// let err = crossborder::Consent::from_json_str(r#"{"id": "c-1", "subject": "u-1", "knd": "express"}"#).unwrap_err();
    /// assert!(err.to_string().starts_with("1:37: knd: unknown field `knd`: did you mean `kind`?"), "{err}");
    /// ```
    pub fn from_json_str(text: &str) -> Result<Self, ModelError> {
        super::json::from_json(text)
    }

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
                    rfc3339(at),
                    rfc3339(self.granted_at)
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
            return Err(before_start(
                "consent",
                &self.id,
                "withdrawn",
                at,
                "is granted",
                self.granted_at,
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
                    rfc3339(prev)
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

    /// Where the consent stands at `t`: valid exactly when [`is_valid_at`](Self::is_valid_at)
    /// is true; otherwise not yet granted, expired or withdrawn, with the instant.
    #[must_use]
    pub fn status_at(&self, t: DateTime<Utc>) -> super::Status {
        let withdrawn = self.withdrawn_at.map(|at| super::Status::Withdrawn { at });
        super::Status::of_term(self.granted_at, self.expires_at, withdrawn, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Approval, JurisdictionSet, OperationSet, Purpose};
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
            "consent `c` expires at 2026-01-01T00:00:00Z before it is granted at 2026-01-02T00:00:00Z"
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
        let research: Purpose = "research".parse().unwrap();
        assert!(s.covers_purposes(&[&[research.clone()][..]]));
        assert!(!s.covers_purposes(&[]));
        assert!(!s.covers_recipient(Some(&"r-2".parse().unwrap())));
        assert!(scope().covers_purposes(&[]));
        assert!(scope().covers_purposes(&[&[research][..]]));
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
