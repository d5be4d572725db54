//! Errors of the pack stage: every problem in a pack, each located.

use std::fmt;
use std::sync::Arc;

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

#[cfg(test)]
mod tests {
    use super::*;

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
