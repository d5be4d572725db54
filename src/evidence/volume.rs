//! The volume ledger's questions and entries: how many distinct individuals an exporter has
//! already sent abroad under a counter, and what an executed act adds.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::{PartyId, SubjectId};

/// A question to the volume ledger: how many distinct individuals has this exporter recorded
/// under this counter in this window (both ends included)?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolumeQuery<'a> {
    pub(super) exporter: &'a PartyId,
    pub(super) counter: &'a str,
    pub(super) from: DateTime<Utc>,
    pub(super) to: DateTime<Utc>,
    pub(super) subject: Option<&'a SubjectId>,
}

impl<'a> VolumeQuery<'a> {
    /// The question for `exporter`'s counter `counter` over `[from, to]`, asking also whether
    /// `subject` is already counted. The engine asks it for every volume test; a host may ask
    /// its own store too ("how many individuals has this exporter sent abroad this year?").
    ///
    /// ```
    /// use crossborder::{Evidence, MemoryEvidence};
    /// use crossborder::evidence::VolumeQuery;
    ///
    /// let store = MemoryEvidence::new();
    /// let (jan, dec) = (
    ///     chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
    ///     chrono::DateTime::from_timestamp(1_798_675_200, 0).unwrap(),
    /// );
    /// store.record_individuals("acme".parse()?, "cn-sensitive", jan, 40);
    /// let acme = "acme".parse()?;
    /// let count = store.volume(&VolumeQuery::new(&acme, "cn-sensitive", jan, dec, None));
    /// assert_eq!(count.individuals, 40);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(
        exporter: &'a PartyId,
        counter: &'a str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        subject: Option<&'a SubjectId>,
    ) -> Self {
        VolumeQuery {
            exporter,
            counter,
            from,
            to,
            subject,
        }
    }

    /// The exporter whose acts are counted.
    #[must_use]
    pub fn exporter(&self) -> &'a PartyId {
        self.exporter
    }
    /// The counter's name (declared by a pack, e.g. `cn-sensitive`).
    #[must_use]
    pub fn counter(&self) -> &'a str {
        self.counter
    }
    /// The first instant of the window (inclusive).
    #[must_use]
    pub fn from(&self) -> DateTime<Utc> {
        self.from
    }
    /// The last instant of the window (inclusive): the instant of the act being decided.
    #[must_use]
    pub fn to(&self) -> DateTime<Utc> {
        self.to
    }
    /// The subject of a single-subject act, to tell whether it is already counted.
    #[must_use]
    pub fn subject(&self) -> Option<&'a SubjectId> {
        self.subject
    }
}

/// The answer to a [`VolumeQuery`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VolumeCount {
    /// Distinct individuals recorded in the window (bulk records add their counts).
    pub individuals: u64,
    /// Whether the queried subject is among them.
    pub includes_subject: bool,
}

impl VolumeCount {
    /// An answer: `individuals` counted, and whether the queried subject is among them.
    ///
    /// ```
    /// let c = crossborder::evidence::VolumeCount::new(12, true);
    /// assert_eq!((c.individuals, c.includes_subject), (12, true));
    /// ```
    #[must_use]
    pub fn new(individuals: u64, includes_subject: bool) -> Self {
        VolumeCount {
            individuals,
            includes_subject,
        }
    }
}

/// The serialised form of a [`LedgerEntry`].
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LedgerSpec {
    exporter: PartyId,
    counter: String,
    #[serde(deserialize_with = "crate::model::serde_instant::deserialize")]
    at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<SubjectId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    individuals: Option<u64>,
    /// The pseudonym of an erased subject (`MemoryEvidence::erase_subject`): counted as one
    /// person, distinct from every other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    erased: Option<u64>,
}

impl TryFrom<LedgerSpec> for LedgerEntry {
    type Error = String;

    fn try_from(s: LedgerSpec) -> Result<Self, String> {
        let counted = match (s.subject, s.individuals, s.erased) {
            (Some(subject), None, None) => Counted::Subject(subject),
            (None, Some(n), None) => Counted::Individuals(n),
            (None, None, Some(n)) => Counted::Subject(SubjectId::erased(n)),
            _ => {
                return Err(format!(
                    "a ledger entry of counter `{}` needs exactly one of `subject`, `individuals` and `erased`",
                    s.counter
                ));
            }
        };
        Ok(LedgerEntry::new(s.exporter, &s.counter, s.at, counted))
    }
}

impl From<LedgerEntry> for LedgerSpec {
    fn from(e: LedgerEntry) -> Self {
        let (subject, individuals, erased) = match e.counted {
            Counted::Subject(s) => match s.erased_number() {
                Some(n) => (None, None, Some(n)),
                None => (Some(s), None, None),
            },
            Counted::Individuals(n) => (None, Some(n), None),
        };
        LedgerSpec {
            exporter: e.exporter,
            counter: e.counter.to_string(),
            at: e.at,
            subject,
            individuals,
            erased,
        }
    }
}

/// Who an entry of the ledger counts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Counted {
    /// One identified subject (counted once per window, however often recorded).
    Subject(SubjectId),
    /// A number of distinct individuals exported in bulk.
    Individuals(u64),
}

/// One entry of the volume ledger: under `counter`, for `exporter`, at `at`, a subject or a
/// number of individuals.
///
/// [`Engine::ledger_entries`](crate::Engine::ledger_entries) computes the entries an executed
/// act adds (every counter whose conditions it meets); a store records them. Hosts importing a
/// ledger kept elsewhere build entries directly.
///
/// ```
/// use crossborder::evidence::{Counted, LedgerEntry};
/// let at = chrono::DateTime::from_timestamp(1_772_323_200, 0).unwrap();
/// let e = LedgerEntry::new("acme".parse()?, "cn-sensitive", at, Counted::Individuals(120));
/// assert_eq!((e.counter(), e.individuals()), ("cn-sensitive", 120));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// In JSON (an evidence file, a scenario) an entry names its exporter, counter and instant and
/// exactly one of `subject` and `individuals`:
///
/// ```
/// use crossborder::evidence::{Counted, LedgerEntry};
/// let e: LedgerEntry = serde_json::from_str(
///     r#"{"exporter": "acme", "counter": "cn-sensitive", "at": "2026-01-05T00:00:00Z", "individuals": 120}"#,
/// )?;
/// assert_eq!(e.counted(), &Counted::Individuals(120));
/// let both = r#"{"exporter": "acme", "counter": "c", "at": "2026-01-05T00:00:00Z", "individuals": 1, "subject": "u"}"#;
/// assert!(serde_json::from_str::<LedgerEntry>(both).unwrap_err().to_string().contains("exactly one of"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "LedgerSpec", into = "LedgerSpec")]
pub struct LedgerEntry {
    exporter: PartyId,
    counter: Arc<str>,
    at: DateTime<Utc>,
    counted: Counted,
}

impl LedgerEntry {
    /// An entry under `counter` for `exporter` at `at`.
    #[must_use]
    pub fn new(exporter: PartyId, counter: &str, at: DateTime<Utc>, counted: Counted) -> Self {
        LedgerEntry {
            exporter,
            counter: Arc::from(counter),
            at,
            counted,
        }
    }

    /// An entry sharing the counter's name (no copy of the name).
    pub(crate) fn shared(
        exporter: PartyId,
        counter: Arc<str>,
        at: DateTime<Utc>,
        counted: Counted,
    ) -> Self {
        LedgerEntry {
            exporter,
            counter,
            at,
            counted,
        }
    }

    /// The exporter whose act is counted.
    #[must_use]
    pub fn exporter(&self) -> &PartyId {
        &self.exporter
    }
    /// The counter's name.
    #[must_use]
    pub fn counter(&self) -> &str {
        &self.counter
    }
    /// The counter's name, shared.
    pub(crate) fn counter_name(&self) -> &Arc<str> {
        &self.counter
    }
    /// The instant of the act.
    #[must_use]
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }
    /// Who is counted.
    #[must_use]
    pub fn counted(&self) -> &Counted {
        &self.counted
    }
    /// How many individuals the entry adds before de-duplication: 1 for a subject.
    #[must_use]
    pub fn individuals(&self) -> u64 {
        match self.counted {
            Counted::Subject(_) => 1,
            Counted::Individuals(n) => n,
        }
    }
}
