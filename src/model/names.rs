//! Validated identifiers and names.

use smol_str::SmolStr;
use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ModelError, ModelErrorKind};

/// The longest identifier, in bytes.
pub const MAX_ID_LEN: usize = 128;
/// The longest name (category, tag, purpose, mechanism, authority, certification), in bytes.
pub const MAX_NAME_LEN: usize = 128;

fn check_id(what: &str, s: &str) -> Result<(), ModelError> {
    if s.is_empty()
        || s.len() > MAX_ID_LEN
        || s.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(ModelError::new(
            ModelErrorKind::InvalidId,
            format!(
                "invalid {what} id `{}`: expected 1 to {MAX_ID_LEN} bytes without white space or control characters",
                s.escape_debug()
            ),
        ));
    }
    Ok(())
}

macro_rules! string_type {
    ($(#[$m:meta])* $name:ident, $what:literal, $check:expr) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(SmolStr);

        impl $name {
            /// Validates and wraps the value.
            ///
            /// # Errors
            ///
            /// When the value has the wrong shape (see the type's documentation).
            pub fn new(s: impl AsRef<str>) -> Result<Self, ModelError> {
                let s = s.as_ref();
                let check: fn(&str) -> Result<(), ModelError> = $check;
                check(s)?;
                Ok($name(SmolStr::new(s)))
            }

            /// Wraps a value taken from one that was validated (no check). Allocates nothing
            /// for values of up to 23 bytes.
            #[allow(dead_code, reason = "not every name type is stored in pieces")]
            pub(crate) fn from_validated(s: &str) -> Self {
                $name(SmolStr::new(s))
            }

            /// Whether the value is stored inline (up to 23 bytes): cloning it or rebuilding
            /// it from its text allocates nothing.
            #[allow(dead_code, reason = "not every name type is stored in pieces")]
            pub(crate) fn is_inline(&self) -> bool {
                !self.0.is_heap_allocated()
            }

            /// The value as a string slice.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ModelError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ModelError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                $name::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
                $name::new(&*s).map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                super::schema::string_schema($what)
            }
        }
    };
}

string_type!(
    /// The identifier of a data subject (a user): 1 to 128 bytes, no white space, not starting
    /// with `~erased~` (reserved for the pseudonyms that replace an erased subject in the
    /// volume ledger, so that no later subject is ever counted as one of them).
    ///
    /// ```
    /// let u: crossborder::SubjectId = "u-42".parse()?;
    /// assert_eq!(u.as_str(), "u-42");
    /// assert!("".parse::<crossborder::SubjectId>().is_err());
    /// assert!("~erased~1".parse::<crossborder::SubjectId>().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    SubjectId, "subject", check_subject_id
);

/// The prefix of the pseudonyms that replace an erased subject in the volume ledger; no
/// subject id a host gives may start with it.
pub(crate) const ERASED_PREFIX: &str = "~erased~";

fn check_subject_id(s: &str) -> Result<(), ModelError> {
    check_id("subject", s)?;
    if s.starts_with(ERASED_PREFIX) {
        return Err(ModelError::new(
            ModelErrorKind::InvalidId,
            format!(
                "invalid subject id `{s}`: ids starting with `{ERASED_PREFIX}` are reserved for the pseudonyms of erased subjects"
            ),
        ));
    }
    Ok(())
}

impl SubjectId {
    /// The pseudonym number `n` of an erased subject (`~erased~n`).
    pub(crate) fn erased(n: u64) -> SubjectId {
        SubjectId::from_validated(&format!("{ERASED_PREFIX}{n}"))
    }

    /// The pseudonym's number, for a pseudonym of an erased subject.
    pub(crate) fn erased_number(&self) -> Option<u64> {
        self.as_str().strip_prefix(ERASED_PREFIX)?.parse().ok()
    }
}
string_type!(
    /// The identifier of a party (an exporter or a recipient): 1 to 128 bytes, no white space.
    ///
    /// ```
    /// let p: crossborder::PartyId = "acme-cn".parse()?;
    /// assert_eq!(p.to_string(), "acme-cn");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    PartyId, "party", |s| check_id("party", s)
);
string_type!(
    /// The identifier of a piece of evidence (a consent, an approval, a certification) or of a
    /// transfer: 1 to 128 bytes, no white space.
    ///
    /// ```
    /// let c: crossborder::EvidenceId = "consent-7".parse()?;
    /// assert_eq!(c.as_str(), "consent-7");
    /// assert!("two words".parse::<crossborder::EvidenceId>().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    EvidenceId, "evidence", |s| check_id("evidence", s)
);

fn check_token(what: &str, s: &str, upper_ok: bool) -> Result<(), ModelError> {
    let ok_char = |c: char| {
        c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || c == '_'
            || c == '-'
            || (upper_ok && c.is_ascii_uppercase())
    };
    if s.is_empty()
        || s.len() > MAX_NAME_LEN
        || !s.chars().all(ok_char)
        || s.starts_with('-')
        || s.ends_with('-')
    {
        let allowed = if upper_ok {
            "ASCII letters, digits, `_` and `-`"
        } else {
            "lower-case ASCII letters, digits, `_` and `-`"
        };
        return Err(ModelError::new(
            ModelErrorKind::InvalidName,
            format!(
                "invalid {what} `{}`: expected 1 to {MAX_NAME_LEN} {allowed}",
                s.escape_debug()
            ),
        ));
    }
    Ok(())
}

fn check_category(s: &str) -> Result<(), ModelError> {
    let seg_ok = |seg: &str| {
        !seg.is_empty()
            && seg
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if s.is_empty() || s.len() > MAX_NAME_LEN || !s.split('.').all(seg_ok) {
        return Err(ModelError::new(
            ModelErrorKind::InvalidName,
            format!(
                "invalid category `{}`: expected dotted segments of lower-case ASCII letters, digits and `_`, such as `personal.sensitive.health`",
                s.escape_debug()
            ),
        ));
    }
    Ok(())
}

string_type!(
    /// A data category: dotted segments in a taxonomy, such as `personal.sensitive.health`.
    ///
    /// A category *falls under* each of its ancestors: `personal.sensitive.health` falls under
    /// `personal.sensitive` and `personal`. A rule about `personal.sensitive` therefore governs
    /// health data, and a consent that covers `personal.sensitive` covers health data.
    ///
    /// ```
    /// use crossborder::Category;
    /// let health: Category = "personal.sensitive.health".parse()?;
    /// let sensitive: Category = "personal.sensitive".parse()?;
    /// assert!(health.falls_under(&sensitive));
    /// assert!(!sensitive.falls_under(&health));
    /// assert_eq!(health.parent().map(|p| p.to_string()).as_deref(), Some("personal.sensitive"));
    /// assert!("Personal".parse::<Category>().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Category, "category", check_category
);

impl Category {
    /// Whether `self` is `ancestor` or lies below it in the taxonomy.
    #[inline]
    #[must_use]
    pub fn falls_under(&self, ancestor: &Category) -> bool {
        falls_under(self.as_str(), ancestor.as_str())
    }

    /// The parent category, or `None` for a root.
    #[must_use]
    pub fn parent(&self) -> Option<Category> {
        self.0
            .rsplit_once('.')
            .map(|(p, _)| Category(SmolStr::new(p)))
    }
}

/// Whether the dotted name `name` is `ancestor` or lies below it.
#[inline]
pub(crate) fn falls_under(name: &str, ancestor: &str) -> bool {
    match name.strip_prefix(ancestor) {
        Some("") => true,
        Some(rest) => rest.starts_with('.'),
        None => false,
    }
}

string_type!(
    /// A tag a pack declares on parties or transfers (`ciio`, `state_organ`, `systematic`):
    /// lower-case ASCII letters, digits, `_` and `-`.
    ///
    /// ```
    /// let t: crossborder::Tag = "ciio".parse()?;
    /// assert_eq!(t.as_str(), "ciio");
    /// assert!("CIIO".parse::<crossborder::Tag>().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Tag, "tag", |s| check_token("tag", s, false)
);
string_type!(
    /// The purpose of an act (`contract_necessity`, `hr_management`, `emergency`):
    /// lower-case ASCII letters, digits, `_` and `-`.
    ///
    /// ```
    /// let p: crossborder::Purpose = "hr_management".parse()?;
    /// assert_eq!(p.to_string(), "hr_management");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Purpose, "purpose", |s| check_token("purpose", s, false)
);
string_type!(
    /// An approval mechanism (`security_assessment`, `standard_contract`, `certification`,
    /// `scc`, `bcr`, `notification`, `gba_contract`): lower-case ASCII letters, digits, `_`
    /// and `-`.
    ///
    /// ```
    /// let m: crossborder::Mechanism = "security_assessment".parse()?;
    /// assert_eq!(m.as_str(), "security_assessment");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Mechanism, "mechanism", |s| check_token("mechanism", s, false)
);
string_type!(
    /// An authority that issues approvals (`CN-CAC`, `RU-RKN`, `IE-DPC`): ASCII letters,
    /// digits, `_` and `-`.
    ///
    /// ```
    /// let a: crossborder::Authority = "CN-CAC".parse()?;
    /// assert_eq!(a.as_str(), "CN-CAC");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Authority, "authority", |s| check_token("authority", s, true)
);
string_type!(
    /// The name of a certification scheme a party may hold (`eu-us-dpf`, `gba_registered`):
    /// lower-case ASCII letters, digits, `_` and `-`.
    ///
    /// ```
    /// let c: crossborder::CertificationName = "eu-us-dpf".parse()?;
    /// assert_eq!(c.as_str(), "eu-us-dpf");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    CertificationName, "certification", |s| check_token("certification", s, false)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reject_bad_shapes() {
        assert!(SubjectId::new("u 1").is_err());
        assert!(SubjectId::new("u\n1").is_err());
        assert!(SubjectId::new("x".repeat(129)).is_err());
        assert!(SubjectId::new("x".repeat(128)).is_ok());
        assert_eq!(
            PartyId::new("").unwrap_err().kind(),
            ModelErrorKind::InvalidId
        );
        assert!(EvidenceId::new("用户-1").is_ok());
    }

    #[test]
    fn categories_fall_under_ancestors_only_on_segment_boundaries() {
        assert!(falls_under("personal.sensitive.health", "personal"));
        assert!(falls_under("personal", "personal"));
        assert!(!falls_under("personalx", "personal"));
        assert!(!falls_under("personal", "personal.sensitive"));
        for bad in ["", ".a", "a.", "a..b", "A", "a-b", "a b"] {
            assert_eq!(
                Category::new(bad).unwrap_err().kind(),
                ModelErrorKind::InvalidName,
                "{bad}"
            );
        }
        assert!(Category::new("personal").unwrap().parent().is_none());
    }

    #[test]
    fn tokens() {
        assert!(Tag::new("gba_registered").is_ok());
        assert!(Tag::new("-x").is_err());
        assert!(Authority::new("CN-CAC").is_ok());
        assert!(Mechanism::new("SCC").is_err());
        let json = serde_json::to_string(&Tag::new("ciio").unwrap()).unwrap();
        assert_eq!(json, "\"ciio\"");
        assert!(serde_json::from_str::<Tag>("\"Bad Tag\"").is_err());
    }
}
