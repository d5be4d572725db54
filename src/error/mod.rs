//! The public error types, one per stage that can fail:
//!
//! | stage | error | raised by |
//! |---|---|---|
//! | a model value | [`ModelError`] | constructors and `FromStr` of jurisdictions, names, ids, scopes, consents, approvals |
//! | a pack | [`PackError`] (every [`PackProblem`], located) | [`PackLoader`](crate::PackLoader), [`PolicyPack`](crate::PolicyPack) |
//! | an engine | [`BuildError`] | [`EngineBuilder::build`](crate::EngineBuilder::build) |
//! | a transfer resolved against an engine | [`TransferError`] | [`TransferBuilder::build`](crate::TransferBuilder::build) |
//! | an evidence store update | [`StoreError`] | [`MemoryEvidence`](crate::MemoryEvidence)'s grants, withdrawals and records |
//! | a scenario file | [`ScenarioError`] | [`scenario`](crate::scenario)'s loader and runner |
//! | a decision log | [`LogError`] | `decision_log`'s log, keys, verification and proofs |
//!
//! [`Error`] wraps any of them, for callers that handle them alike (`?` converts).
//!
//! Errors are opaque structs with accessors and a `#[non_exhaustive]` kind for matching, so
//! their contents can grow without breaking callers; all are `Clone + Send + Sync + 'static`.
//! Messages start in lower case, quote user-supplied values in backticks, write instants in
//! RFC 3339 with a `Z`, name no Rust type and never end in a period. Evaluation has no error
//! type: problems met while evaluating become diagnostics inside a
//! [`Decision`](crate::Decision), which deny.

mod pack;

use std::fmt;
use std::sync::Arc;

pub use pack::{Location, PackError, PackProblem, PackProblemKind};

/// Defines an opaque error: a `kind` to match on, a message and, for errors about input text,
/// where in it the problem is; with `kind()`, `message()`, `location()`, a `Display` that
/// prints the location first when there is one, and a `Debug` that shows the kind.
macro_rules! opaque_error {
    ($(#[$m:meta])* $name:ident, $kind:ident) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name {
            kind: $kind,
            message: Arc<str>,
            location: Option<Arc<Location>>,
        }

        impl $name {
            #[cold]
            #[cfg_attr(
                not(feature = "decision-log"),
                allow(dead_code, reason = "the decision log's errors are built only with its feature")
            )]
            pub(crate) fn new(kind: $kind, message: impl Into<String>) -> Self {
                $name {
                    kind,
                    message: message.into().into(),
                    location: None,
                }
            }

            /// The same error, located in the input it came from.
            #[allow(dead_code, reason = "not every stage reads text")]
            pub(crate) fn at(mut self, location: Location) -> Self {
                self.location = Some(Arc::new(location));
                self
            }

            /// The same error, its location moved to line `line` of a larger text (for input
            /// read a line at a time, such as JSON lines).
            #[allow(dead_code, reason = "not every stage reads lines")]
            pub(crate) fn on_line(mut self, line: usize) -> Self {
                let mut l = self.location.as_deref().cloned().unwrap_or_default();
                l.line_col = Some((line, l.column().unwrap_or(1)));
                self.location = Some(Arc::new(l));
                self
            }

            /// The same error, located in file `file` (keeping its line, column and path).
            #[allow(dead_code, reason = "not every stage reads files")]
            pub(crate) fn in_file(mut self, file: &str) -> Self {
                let mut l = self.location.as_deref().cloned().unwrap_or_default();
                l.file = Some(file.into());
                self.location = Some(Arc::new(l));
                self
            }

            /// What kind of problem this is.
            #[must_use]
            pub fn kind(&self) -> $kind {
                self.kind
            }

            /// The message, without the location.
            #[must_use]
            pub fn message(&self) -> &str {
                &self.message
            }

            /// Where the problem is in the input text (the path of the value, and the line and
            /// column where the format gives them), when the error comes from reading text.
            #[must_use]
            pub fn location(&self) -> Option<&Location> {
                self.location.as_deref()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match &self.location {
                    Some(l) => write!(f, "{l}: {}", self.message),
                    None => f.write_str(&self.message),
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?}: {self})", stringify!($name), self.kind)
            }
        }

        impl std::error::Error for $name {}
    };
}

/// What is wrong with a model value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ModelErrorKind {
    /// A jurisdiction code that is not assigned, or a malformed division.
    UnknownJurisdiction,
    /// A name (category, tag, purpose, mechanism, authority, certification, an enumerated
    /// value) of the wrong shape.
    InvalidName,
    /// An identifier that is empty, too long, or holds white space or control characters.
    InvalidId,
    /// A consent or approval scope with no categories, destinations or operations.
    EmptyScope,
    /// A validity window that ends before it starts, or a withdrawal before the grant.
    InvalidPeriod,
    /// JSON that is malformed, has a value of the wrong type or shape, or an unknown field
    /// (the error's location says where).
    InvalidJson,
}

opaque_error!(
    /// An invalid model value: a bad jurisdiction code, an empty scope, a consent that expires
    /// before it is granted, a malformed id or name.
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
    ModelError,
    ModelErrorKind
);

/// What is wrong with a transfer, checked and resolved against an engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransferErrorKind {
    /// A required field of the builder was not set.
    MissingField,
    /// A value the engine cannot take (data with no category).
    InvalidValue,
    /// A category the engine's taxonomy does not declare.
    UnknownCategory,
    /// A tag no enabled pack declares, or one declared for another kind of value.
    UnknownTag,
    /// A purpose no enabled pack declares.
    UnknownPurpose,
    /// A sub-national jurisdiction no enabled pack declares.
    UnknownSubdivision,
    /// A transfer built for another engine.
    EngineMismatch,
    /// A fact a rule tests that the transfer does not state, for an engine that requires
    /// every tested fact ([`EngineBuilder::require_stated_facts`](crate::EngineBuilder::require_stated_facts)).
    UnstatedFact,
    /// A [`Catalog`](crate::Catalog) handle used with another catalog than the one that issued
    /// it.
    ForeignHandle,
}

opaque_error!(
    /// A transfer that cannot be evaluated by an engine: a required field unset, a name the
    /// engine's packs do not declare, or a transfer built for another engine.
    ///
    /// # Example
    ///
    /// ```
    /// use crossborder::{Engine, Transfer, TransferErrorKind};
    ///
    /// let engine = Engine::builder().enable("cn-pledge-2015").build()?;
    /// let err = Transfer::builder().build(&engine).unwrap_err();
    /// assert_eq!(err.kind(), TransferErrorKind::MissingField);
    /// assert_eq!(err.to_string(), "a transfer needs `operation`");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    TransferError,
    TransferErrorKind
);

/// What went wrong updating an evidence store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// An evidence id that is already in use.
    DuplicateId,
    /// An evidence id the store does not hold.
    UnknownEvidence,
    /// An update the item's validity window refuses (a withdrawal before the grant, an
    /// extension of an approval with no end).
    InvalidUpdate,
    /// The store holds as many items as it can index.
    Full,
    /// An act recorded with an engine other than the one its transfer was built for.
    EngineMismatch,
    /// Evidence naming something the engine the store is bound to does not declare (a
    /// category, a purpose, an authority, a mechanism, a certification scheme).
    UnknownName,
    /// A durable store's file could not be read or written (the disk, permissions, space);
    /// the write was not made.
    Io,
    /// A durable store's file is damaged, truncated, or not an evidence store at all; it was
    /// not opened.
    Damaged,
    /// A durable store's file is open in another process (or already open in this one).
    Locked,
}

opaque_error!(
    /// An evidence-store update that was refused; the store is unchanged.
    ///
    /// # Example
    ///
    /// ```
    /// use crossborder::{MemoryEvidence, StoreErrorKind};
    ///
    /// let store = MemoryEvidence::new();
    /// let at = chrono::DateTime::from_timestamp(0, 0).unwrap();
    /// let err = store.withdraw(&"c-404".parse()?, at).unwrap_err();
    /// assert_eq!(err.kind(), StoreErrorKind::UnknownEvidence);
    /// assert_eq!(err.to_string(), "the store holds no consent `c-404`");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    StoreError,
    StoreErrorKind
);

impl StoreError {
    /// An update refused by the item itself (its [`ModelError`] says why).
    pub(crate) fn update(e: &ModelError) -> Self {
        StoreError::new(StoreErrorKind::InvalidUpdate, e.message())
    }
}

/// What went wrong with a decision log, a checkpoint, a key or a proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LogErrorKind {
    /// The log (or a key file) could not be read or written; the append was not made.
    Io,
    /// The log is open for appending in another process (or already in this one).
    Locked,
    /// The log ends in a partially written record (a crash during an append that was never
    /// acknowledged); it was not opened. `DecisionLog::repair` removes it, saying what it
    /// removed.
    TornTail,
    /// A line that is not a well-formed header, record or checkpoint line, or a file that is
    /// not a decision log.
    Damaged,
    /// The log does not match what was signed or recorded: a record changed after it was
    /// written, deleted, inserted, reordered or truncated away, a checkpoint whose root is not
    /// the records' root.
    Tampered,
    /// A checkpoint whose signature does not verify, or signed by a key not given.
    Signature,
    /// A signing or verifying key that is malformed, or that could not be generated.
    Key,
    /// A proof that does not verify, or that cannot be made (a record or size the log does
    /// not hold).
    Proof,
    /// A record or a checkpoint's time that cannot be appended (an instant before the last
    /// record's, a decision that does not serialise).
    Invalid,
}

opaque_error!(
    /// A decision log that could not be opened, appended to or verified, or a proof that does
    /// not hold; the location names the file and line, and the message the first bad record or
    /// checkpoint.
    LogError,
    LogErrorKind
);

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
    /// Packs that cannot be combined (for example a tag declared for parties by one pack and
    /// for transfers by another), or a built-in pack that does not validate.
    Conflict,
    /// A pack names something no enabled pack declares: a purpose under `means`, or another
    /// pack's group (`eu-gdpr:EEA`) when that pack is not enabled.
    UnknownReference,
    /// More categories, tags, purposes or divisions than the engine's fixed-size sets hold.
    Limit,
}

opaque_error!(
    /// An engine that could not be built.
    ///
    /// # Example
    ///
    /// ```
    /// use crossborder::{BuildErrorKind, Engine};
    ///
    /// let err = Engine::builder().enable("eu_gdpr").build().unwrap_err();
    /// assert_eq!(err.kind(), BuildErrorKind::UnknownPack);
    /// assert_eq!(err.to_string(), "unknown built-in pack `eu_gdpr`; did you mean `eu-gdpr`?");
    /// ```
    BuildError,
    BuildErrorKind
);

/// What is wrong with a scenario file (the runner's error; a scenario whose expectations are
/// not met is a failure in its report, not an error).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScenarioErrorKind {
    /// The file cannot be read.
    Io,
    /// Not well-formed TOML, a value of the wrong type, or an unknown field.
    Syntax,
    /// Two scenarios with the same name.
    Duplicate,
    /// A pack id that is neither given to the runner, nor a file beside the scenario file, nor
    /// built in.
    UnknownPack,
    /// A pack file beside the scenario file that does not load.
    InvalidPack,
    /// The packs and options cannot make an engine.
    Engine,
    /// A transfer or a piece of evidence the engine refuses (an unknown name).
    InvalidInput,
}

opaque_error!(
    /// A scenario file that cannot be run, or a scenario that cannot be evaluated.
    ///
    /// # Example
    ///
    /// ```
    /// use crossborder::ScenarioErrorKind;
    /// use crossborder::scenario::ScenarioFile;
    ///
    /// let err = ScenarioFile::from_toml_str("[[scenarios]]\nnme = \"x\"\n").unwrap_err();
    /// assert_eq!(err.kind(), ScenarioErrorKind::Syntax);
    /// assert!(err.to_string().starts_with("2:1: scenarios[0].nme: unknown field `nme`: did you mean `name`?"), "{err}");
    /// ```
    ScenarioError,
    ScenarioErrorKind
);

/// Any error this library returns, for callers that handle them alike: `?` converts each
/// stage's error into it.
///
/// ```
/// use crossborder::{Engine, Error};
///
/// fn build() -> Result<Engine, Error> {
///     let pack = crossborder::PolicyPack::from_toml_str("format = 1")?; // a PackError
///     Ok(Engine::builder().pack(pack).build()?) // a BuildError
/// }
/// assert!(matches!(build(), Err(Error::Pack(_))));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A model value was invalid.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A pack did not load.
    #[error(transparent)]
    Pack(#[from] PackError),
    /// An engine could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A transfer could not be resolved against an engine.
    #[error(transparent)]
    Transfer(#[from] TransferError),
    /// An evidence-store update was refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A scenario file could not be run.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A decision log could not be used, or did not verify.
    #[error(transparent)]
    Log(#[from] LogError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_good_error<E: std::error::Error + Clone + Send + Sync + 'static>() {}

    #[test]
    fn errors_are_send_sync_clone() {
        assert_good_error::<ModelError>();
        assert_good_error::<PackError>();
        assert_good_error::<BuildError>();
        assert_good_error::<TransferError>();
        assert_good_error::<StoreError>();
        assert_good_error::<Error>();
    }

    #[test]
    fn opaque_errors_show_kind_and_message() {
        let e = StoreError::new(StoreErrorKind::Full, "full");
        assert_eq!(e.to_string(), "full");
        assert_eq!(format!("{e:?}"), "StoreError(Full: full)");
        let any: Error = e.clone().into();
        assert_eq!(any.to_string(), "full");
        assert_eq!(any, Error::Store(e));
    }
}
