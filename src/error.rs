//! The public error types.
//!
//! Errors are opaque structs with accessors and a `#[non_exhaustive]` kind for matching, so their
//! contents can grow without breaking callers. Messages start in lower case, quote user-supplied
//! values in backticks and never end in a period. Evaluation has no error type: problems met
//! while evaluating become diagnostics inside a [`Decision`](crate::Decision).

use std::fmt;
use std::sync::Arc;

/// What went wrong building a model value, a transfer, or an evidence-store update.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ModelErrorKind {
    /// A jurisdiction code that is not assigned, or a malformed division.
    UnknownJurisdiction,
    /// A name (category, tag, purpose, mechanism, authority, certification) of the wrong shape.
    InvalidName,
    /// An identifier that is empty, too long, or holds white space or control characters.
    InvalidId,
    /// A consent or approval scope with no categories, destinations or operations.
    EmptyScope,
    /// A validity window that ends before it starts, or a withdrawal before the grant.
    InvalidPeriod,
    /// A required field of a builder was not set.
    MissingField,
    /// A category the engine's taxonomy does not declare.
    UnknownCategory,
    /// A tag no enabled pack declares, or one declared for another kind of value.
    UnknownTag,
    /// A sub-national jurisdiction no enabled pack declares.
    UnknownSubdivision,
    /// A transfer built for another engine.
    EngineMismatch,
    /// A value outside its allowed range.
    InvalidValue,
    /// An evidence identifier that is already in use.
    DuplicateId,
    /// An evidence identifier the store does not hold.
    UnknownEvidence,
}

/// An invalid model value: a bad jurisdiction code, an empty scope, a consent that expires
/// before it is granted, a tag no pack declares.
///
/// # Example
///
/// ```
/// use crossborder::{Jurisdiction, ModelErrorKind};
///
/// let err = "XX".parse::<Jurisdiction>().unwrap_err();
/// assert_eq!(err.kind(), ModelErrorKind::UnknownJurisdiction);
/// assert!(err.to_string().starts_with("unknown jurisdiction `XX`"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ModelError {
    kind: ModelErrorKind,
    message: Arc<str>,
}

impl ModelError {
    #[cold]
    pub(crate) fn new(kind: ModelErrorKind, message: impl Into<String>) -> Self {
        ModelError {
            kind,
            message: message.into().into(),
        }
    }

    /// What kind of problem this is.
    #[must_use]
    pub fn kind(&self) -> ModelErrorKind {
        self.kind
    }

    /// The message, as `Display` prints it.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ModelError({:?}: {})", self.kind, self.message)
    }
}

impl std::error::Error for ModelError {}

/// What is wrong with one part of a policy pack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PackProblemKind {
    /// The text is not well-formed TOML or JSON, has a value of the wrong type, or an unknown
    /// field.
    Syntax,
    /// A `format` version this library does not read.
    UnsupportedFormat,
    /// A value of the right type but not allowed here (a bad code, an empty list, a bad date).
    InvalidValue,
    /// A reference to a group, option, category or tag that is not declared.
    UnknownReference,
    /// Two things with the same name or id.
    Duplicate,
    /// Parts of the pack that contradict each other (a rule with both `prohibit` and `require`,
    /// a validity window that ends before it starts).
    Conflict,
    /// The pack exceeds one of the loader's limits.
    Limit,
}

/// Where a problem is: the file, line and column where the format gives them, and the path of
/// the value inside the pack (`rules[2].applies_when.destination_not_in[1]`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Location {
    pub(crate) file: Option<Arc<str>>,
    pub(crate) line_col: Option<(usize, usize)>,
    pub(crate) path: String,
}

impl Location {
    /// The file name given to the loader, if any.
    #[must_use]
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// The 1-based line, when the format gives it.
    #[must_use]
    pub fn line(&self) -> Option<usize> {
        self.line_col.map(|(l, _)| l)
    }

    /// The 1-based column, when the format gives it.
    #[must_use]
    pub fn column(&self) -> Option<usize> {
        self.line_col.map(|(_, c)| c)
    }

    /// The path of the value inside the pack; empty for the whole document.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote = false;
        if let Some(file) = &self.file {
            f.write_str(file)?;
            wrote = true;
        }
        if let Some((l, c)) = self.line_col {
            if wrote {
                f.write_str(":")?;
            }
            write!(f, "{l}:{c}")?;
            wrote = true;
        }
        if !self.path.is_empty() {
            if wrote {
                f.write_str(": ")?;
            }
            f.write_str(&self.path)?;
            wrote = true;
        }
        if !wrote {
            f.write_str("<pack>")?;
        }
        Ok(())
    }
}

/// One problem found in a policy pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackProblem {
    pub(crate) kind: PackProblemKind,
    pub(crate) message: String,
    pub(crate) location: Location,
    pub(crate) rule_id: Option<String>,
}

impl PackProblem {
    /// What kind of problem this is.
    #[must_use]
    pub fn kind(&self) -> PackProblemKind {
        self.kind
    }

    /// The message, without the location.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where the problem is.
    #[must_use]
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The id of the rule the problem is in, when it is in one.
    #[must_use]
    pub fn rule_id(&self) -> Option<&str> {
        self.rule_id.as_deref()
    }
}

impl fmt::Display for PackProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// A policy pack that could not be loaded: every problem found, each located.
///
/// `Display` prints one problem per line.
///
/// # Example
///
/// ```
/// use crossborder::PolicyPack;
///
/// let err = PolicyPack::from_toml_str("format = 1\nid = \"x\"\ntitel = \"typo\"\n").unwrap_err();
/// let first = &err.problems()[0];
/// assert_eq!(first.location().line(), Some(3));
/// assert!(first.message().contains("unknown field `titel`"), "{first}");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PackError {
    problems: Arc<[PackProblem]>,
}

impl PackError {
    pub(crate) fn new(problems: Vec<PackProblem>) -> Self {
        PackError {
            problems: problems.into(),
        }
    }

    /// Every problem, in the order found (at least one).
    #[must_use]
    pub fn problems(&self) -> &[PackProblem] {
        &self.problems
    }
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "PackError ({} problem(s)):", self.problems.len())?;
        for p in self.problems.iter() {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PackError {}

/// What went wrong building an [`Engine`](crate::Engine).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BuildErrorKind {
    /// No pack was enabled: an engine without rules would allow everything.
    NoPacks,
    /// A built-in pack id that does not exist.
    UnknownPack,
    /// Two packs with the same id.
    DuplicatePack,
    /// An option the pack does not declare, or one set for a pack that is not enabled.
    UnknownOption,
    /// Packs that cannot be combined (for example a category declared twice with different
    /// parents).
    Conflict,
    /// More categories, tags, purposes or divisions than the engine's fixed-size sets hold.
    Limit,
}

/// An engine that could not be built.
///
/// # Example
///
/// ```
/// use crossborder::{BuildErrorKind, Engine};
///
/// let err = Engine::builder().enable("no-such-pack").build().unwrap_err();
/// assert_eq!(err.kind(), BuildErrorKind::UnknownPack);
/// assert_eq!(err.to_string(), "unknown built-in pack `no-such-pack`");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BuildError {
    kind: BuildErrorKind,
    message: Arc<str>,
}

impl BuildError {
    #[cold]
    pub(crate) fn new(kind: BuildErrorKind, message: impl Into<String>) -> Self {
        BuildError {
            kind,
            message: message.into().into(),
        }
    }

    /// What kind of problem this is.
    #[must_use]
    pub fn kind(&self) -> BuildErrorKind {
        self.kind
    }

    /// The message, as `Display` prints it.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BuildError({:?}: {})", self.kind, self.message)
    }
}

impl std::error::Error for BuildError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_good_error<E: std::error::Error + Clone + Send + Sync + 'static>() {}

    #[test]
    fn errors_are_send_sync_clone() {
        assert_good_error::<ModelError>();
        assert_good_error::<PackError>();
        assert_good_error::<BuildError>();
    }

    #[test]
    fn location_display() {
        let l = Location {
            file: Some("a.toml".into()),
            line_col: Some((3, 7)),
            path: "rules[0].id".into(),
        };
        assert_eq!(l.to_string(), "a.toml:3:7: rules[0].id");
        assert_eq!(Location::default().to_string(), "<pack>");
        let l = Location {
            path: "id".into(),
            ..Location::default()
        };
        assert_eq!(l.to_string(), "id");
    }
}
