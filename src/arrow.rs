//! Deciding Arrow record batches of acts: the columnar form a data lake holds them in (feature
//! `arrow`).
//!
//! [`evaluate_batch`] reads a [`RecordBatch`] whose columns describe one act per row (the
//! schema is below), decides every row against an engine and an evidence store, and returns a
//! batch of four columns, row for row: `effect`, `rules`, `explanation` and `error`.
//!
//! # Input columns
//!
//! String columns may be `Utf8`, `LargeUtf8`, `Utf8View`, or dictionaries of those with any
//! integer key: each distinct value is resolved once in each chunk of rows that holds it (a
//! chunk is at least 256 rows), never per row. Lists are comma-separated strings (`"personal.contact,personal.id"`),
//! so that a repeated set is one dictionary entry.
//!
//! | column | type | required | meaning |
//! |---|---|---|---|
//! | `operation` | string | yes | `transfer`, `store`, `process` or `remote_access` |
//! | `destination` | string | yes | where the data goes (ISO 3166-1 code or declared division) |
//! | `categories` | string (list) | yes | the data's categories |
//! | `collected_in` | string | yes | where the data was collected |
//! | `subject` | string | yes | the data subject's id (one subject per row) |
//! | `exporter` | string | yes | the exporter's id |
//! | `at` | `Timestamp` (any unit, any zone: Arrow stores UTC instants; no zone is read as UTC) | yes | the instant of the act |
//! | `origin` | string | no | where the act starts (default: `collected_in`) |
//! | `subject_residence` | string | no | where the subject resides |
//! | `subject_location` | string | no | where the subject was at collection |
//! | `subject_citizenships` | string (list) | no | the subject's citizenships |
//! | `subject_minor` | `Boolean` | no | whether the subject is a minor (null: not) |
//! | `exporter_established` | string (list) | no | where the exporter is established |
//! | `recipient` | string | no | the recipient's id (null: the exporter acts itself) |
//! | `recipient_established` | string (list) | no | where the recipient is established |
//! | `recipient_role` | string | no | `controller`, `processor`, `same_entity`, … |
//! | `purposes` | string (list) | no | the purposes the act serves |
//! | `tags` | string (list) | no | the act's transfer tags (facts a pack declares, such as `kr-disclosed-to-subject`) |
//! | `transfer_id` | string | no | the act's id, as the decision states it |
//! | `explain` | `Boolean` | no | explain this row even if it is allowed |
//!
//! Columns the schema does not name are ignored (an access log carries many). A required column
//! missing, or a column of another type, is a [`BatchError`] naming the column.
//!
//! # Output columns
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `effect` | `Utf8` | `allow` or `deny`; null when the row could not be decided |
//! | `rules` | `Utf8` | the deciding rules, `pack/rule` separated by `,`: for a deny the rules that denied, for an allow the rules that applied (empty: none applied) |
//! | `explanation` | `Utf8` | for a deny, and for a row whose `explain` is true: the explained decision as JSON (what [`Decision::explain`](crate::Decision::explain) reports); null otherwise |
//! | `error` | `Utf8` | why the row could not be decided (a null in a required column, an unknown name, …), naming the column and the value; null when decided |
//!
//! A row that cannot be decided is never allowed: its `effect` is null and its `error` says
//! why. Nothing panics on any input.
//!
//! # Cost
//!
//! Rows are split into chunks decided on `threads` threads. Each chunk resolves its names into
//! a [`Catalog`] of its own, once per distinct value, then refills one reusable transfer per
//! row and evaluates it under one view of the evidence store: no allocation per row on the
//! allow path (output strings are appended to the column buffers). A row naming a subject no
//! earlier row of its chunk named costs a subject registration (an id check and a hash), as
//! the string builder does.

/// The Arrow crates this module reads and writes, re-exported so that a host builds its batches
/// with the same version.
pub use arrow_array;
pub use arrow_schema;

/// Interning and memo maps: foldhash (per-process random seed), not SipHash — these are hit
/// once or more per row.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::fmt::Write as _;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::Mutex;

use arrow_array::builder::{ArrayBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::{DateTime, Utc};

use crate::decision::Verdict;
use crate::engine::{
    Act, Catalog, CategoriesHandle, PartyHandle, PlaceHandle, PurposesHandle, SubjectHandle,
    TagsHandle,
};
use crate::evidence::Evidence;
use crate::model::{EvidenceId, Jurisdiction, Operation, Party, Role, Subject};
use crate::{Engine, Transfer};

/// The input columns every batch must have, in the order the table above lists them.
pub const REQUIRED_COLUMNS: [&str; 7] = [
    "operation",
    "destination",
    "categories",
    "collected_in",
    "subject",
    "exporter",
    "at",
];

/// The input columns a batch may have, in the order the table above lists them; any other
/// column is ignored.
pub const OPTIONAL_COLUMNS: [&str; 13] = [
    "origin",
    "subject_residence",
    "subject_location",
    "subject_citizenships",
    "subject_minor",
    "exporter_established",
    "recipient",
    "recipient_established",
    "recipient_role",
    "purposes",
    "tags",
    "transfer_id",
    "explain",
];

/// A batch that cannot be read at all: a required column missing or of the wrong type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column `{column}`: {message}")]
pub struct BatchError {
    column: String,
    message: String,
}

impl BatchError {
    fn new(column: &str, message: impl Into<String>) -> Self {
        BatchError {
            column: column.to_owned(),
            message: message.into(),
        }
    }

    /// The column at fault.
    #[must_use]
    pub fn column(&self) -> &str {
        &self.column
    }

    /// What is wrong with it, with a hint.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// How [`evaluate_batch`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchOptions {
    threads: usize,
    explain_denials: bool,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            threads: 1,
            explain_denials: true,
        }
    }
}

impl BatchOptions {
    /// One thread, denials explained.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Decide on `threads` threads (at least one).
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Whether denied rows get an explanation (default: yes). Rows whose `explain` column is
    /// true get one either way.
    #[must_use]
    pub fn explain_denials(mut self, explain: bool) -> Self {
        self.explain_denials = explain;
        self
    }
}

/// The output batch's schema: `effect`, `rules`, `explanation`, `error`, all nullable `Utf8`.
#[must_use]
pub fn output_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("effect", DataType::Utf8, true),
        Field::new("rules", DataType::Utf8, true),
        Field::new("explanation", DataType::Utf8, true),
        Field::new("error", DataType::Utf8, true),
    ]))
}

/// A string column, each row an index into its values (`NULL_ROW` for null): a dictionary's
/// entries, or a plain column's own cells. Resolution memoises by the string itself, within
/// each chunk of rows, so no pass over the whole batch hashes every cell.
struct Strings<'a> {
    name: &'static str,
    values: Vec<&'a str>,
    rows: Vec<u32>,
}

const NULL_ROW: u32 = u32::MAX;

impl<'a> Strings<'a> {
    fn get(&self, row: usize) -> Option<u32> {
        self.rows.get(row).copied().filter(|&v| v != NULL_ROW)
    }

    fn value(&self, v: u32) -> &'a str {
        self.values.get(v as usize).copied().unwrap_or("")
    }
}

/// Reads `array` as strings: a dictionary's values as they are, a plain array's cells.
fn strings<'a>(name: &'static str, array: &'a dyn Array) -> Result<Strings<'a>, BatchError> {
    if let Some(dict) = array.as_any_dictionary_opt() {
        let values = plain_values(name, dict.values().as_ref())?;
        let keys = dict.normalized_keys();
        let rows = (0..array.len())
            .map(|i| {
                let value = keys.get(i).copied().unwrap_or(usize::MAX);
                match values.get(value) {
                    Some(Some(_)) if array.is_valid(i) => u32::try_from(value).unwrap_or(NULL_ROW),
                    _ => NULL_ROW,
                }
            })
            .collect();
        return Ok(Strings {
            name,
            values: values.into_iter().map(Option::unwrap_or_default).collect(),
            rows,
        });
    }
    let cells = plain_values(name, array)?;
    let rows = cells
        .iter()
        .enumerate()
        .map(|(i, cell)| match cell {
            Some(_) => u32::try_from(i).unwrap_or(NULL_ROW),
            None => NULL_ROW,
        })
        .collect();
    Ok(Strings {
        name,
        values: cells.into_iter().map(Option::unwrap_or_default).collect(),
        rows,
    })
}

fn plain_values<'a>(name: &str, array: &'a dyn Array) -> Result<Vec<Option<&'a str>>, BatchError> {
    Ok(match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().collect(),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().collect(),
        DataType::Utf8View => array.as_string_view().iter().collect(),
        other => {
            return Err(BatchError::new(
                name,
                format!(
                    "is {other}; expected a string column (Utf8, LargeUtf8, Utf8View, or a dictionary of them)"
                ),
            ));
        }
    })
}

fn column<'a>(batch: &'a RecordBatch, name: &'static str) -> Option<&'a ArrayRef> {
    batch.column_by_name(name)
}

fn required_strings<'a>(
    batch: &'a RecordBatch,
    name: &'static str,
) -> Result<Strings<'a>, BatchError> {
    let array = column(batch, name).ok_or_else(|| {
        BatchError::new(
            name,
            "is missing; every act needs it (see `crossborder::arrow` for the column schema)",
        )
    })?;
    strings(name, array.as_ref())
}

fn optional_strings<'a>(
    batch: &'a RecordBatch,
    name: &'static str,
) -> Result<Option<Strings<'a>>, BatchError> {
    column(batch, name)
        .map(|a| strings(name, a.as_ref()))
        .transpose()
}

fn optional_bools<'a>(
    batch: &'a RecordBatch,
    name: &'static str,
) -> Result<Option<&'a BooleanArray>, BatchError> {
    column(batch, name)
        .map(|a| {
            a.as_boolean_opt().ok_or_else(|| {
                BatchError::new(name, format!("is {}; expected Boolean", a.data_type()))
            })
        })
        .transpose()
}

/// The instants of the `at` column, per row (`None` for a null).
fn instants(batch: &RecordBatch) -> Result<Vec<Option<DateTime<Utc>>>, BatchError> {
    let name = "at";
    let array = column(batch, name).ok_or_else(|| {
        BatchError::new(
            name,
            "is missing; every act needs the instant it happens at",
        )
    })?;
    // Whatever zone the column carries, Arrow stores instants since the epoch in UTC (the
    // zone is for display: Spark attaches its session's zone, pandas the data's): the values
    // are read as they are. A column without a zone is read as UTC (documented).
    let unit = match array.data_type() {
        DataType::Timestamp(unit, _) => *unit,
        other => {
            return Err(BatchError::new(
                name,
                format!("is {other}; expected Timestamp (any unit, any zone)"),
            ));
        }
    };
    let per = |v: Option<i64>, f: fn(i64) -> Option<DateTime<Utc>>| v.and_then(f);
    Ok(match unit {
        TimeUnit::Second => array
            .as_primitive::<TimestampSecondType>()
            .iter()
            .map(|v| per(v, |s| DateTime::from_timestamp(s, 0)))
            .collect(),
        TimeUnit::Millisecond => array
            .as_primitive::<TimestampMillisecondType>()
            .iter()
            .map(|v| per(v, DateTime::from_timestamp_millis))
            .collect(),
        TimeUnit::Microsecond => array
            .as_primitive::<TimestampMicrosecondType>()
            .iter()
            .map(|v| per(v, DateTime::from_timestamp_micros))
            .collect(),
        TimeUnit::Nanosecond => array
            .as_primitive::<TimestampNanosecondType>()
            .iter()
            .map(|v| v.map(DateTime::from_timestamp_nanos))
            .collect(),
    })
}

fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn parse<T: std::str::FromStr>(column: &str, text: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    text.parse::<T>()
        .map_err(|e| format!("`{column}` = `{text}`: {e}"))
}

/// Parses the comma-separated names of `text` and registers them with `register`.
fn register_list<N, H>(
    column: &str,
    text: &str,
    register: impl FnOnce(Vec<N>) -> Result<H, crate::TransferError>,
) -> Result<H, String>
where
    N: std::str::FromStr,
    N::Err: std::fmt::Display,
{
    let names = list(text)
        .map(|x| parse(column, x))
        .collect::<Result<Vec<N>, _>>()?;
    register(names).map_err(|e| format!("`{column}` = `{text}`: {e}"))
}

fn places(column: &str, text: &str) -> Result<Vec<Jurisdiction>, String> {
    list(text).map(|p| parse(column, p)).collect()
}

/// The columns of a batch, read once.
struct Columns<'a> {
    operation: Strings<'a>,
    destination: Strings<'a>,
    categories: Strings<'a>,
    collected_in: Strings<'a>,
    subject: Strings<'a>,
    exporter: Strings<'a>,
    at: Vec<Option<DateTime<Utc>>>,
    origin: Option<Strings<'a>>,
    residence: Option<Strings<'a>>,
    location: Option<Strings<'a>>,
    citizenships: Option<Strings<'a>>,
    minor: Option<&'a BooleanArray>,
    exporter_established: Option<Strings<'a>>,
    recipient: Option<Strings<'a>>,
    recipient_established: Option<Strings<'a>>,
    recipient_role: Option<Strings<'a>>,
    purposes: Option<Strings<'a>>,
    tags: Option<Strings<'a>>,
    transfer_id: Option<Strings<'a>>,
    explain: Option<&'a BooleanArray>,
}

impl<'a> Columns<'a> {
    fn read(batch: &'a RecordBatch) -> Result<Self, BatchError> {
        Ok(Columns {
            operation: required_strings(batch, "operation")?,
            destination: required_strings(batch, "destination")?,
            categories: required_strings(batch, "categories")?,
            collected_in: required_strings(batch, "collected_in")?,
            subject: required_strings(batch, "subject")?,
            exporter: required_strings(batch, "exporter")?,
            at: instants(batch)?,
            origin: optional_strings(batch, "origin")?,
            residence: optional_strings(batch, "subject_residence")?,
            location: optional_strings(batch, "subject_location")?,
            citizenships: optional_strings(batch, "subject_citizenships")?,
            minor: optional_bools(batch, "subject_minor")?,
            exporter_established: optional_strings(batch, "exporter_established")?,
            recipient: optional_strings(batch, "recipient")?,
            recipient_established: optional_strings(batch, "recipient_established")?,
            recipient_role: optional_strings(batch, "recipient_role")?,
            purposes: optional_strings(batch, "purposes")?,
            tags: optional_strings(batch, "tags")?,
            transfer_id: optional_strings(batch, "transfer_id")?,
            explain: optional_bools(batch, "explain")?,
        })
    }
}

fn opt(col: Option<&Strings<'_>>, row: usize) -> u32 {
    col.and_then(|c| c.get(row)).unwrap_or(NULL_ROW)
}

fn required(col: &Strings<'_>, row: usize) -> Result<u32, String> {
    col.get(row).ok_or_else(|| {
        format!(
            "`{}` is null; every act needs it (a row that cannot be decided is not allowed)",
            col.name
        )
    })
}

fn opt_value<'a>(col: Option<&Strings<'a>>, v: u32) -> Option<&'a str> {
    (v != NULL_ROW).then(|| col.map_or("", |c| c.value(v)))
}

/// Resolves the rows of a batch into acts: names into the catalog, once per distinct value.
struct Resolver<'c, 'a> {
    catalog: &'c mut Catalog,
    cols: &'c Columns<'a>,
    operations: Memo<&'a str, Operation>,
    places: Memo<(u8, &'a str), PlaceHandle>,
    categories: Memo<&'a str, CategoriesHandle>,
    purposes: Memo<&'a str, PurposesHandle>,
    tags: Memo<&'a str, TagsHandle>,
    subjects: Memo<SubjectKey<'a>, SubjectHandle>,
    parties: Memo<PartyKey<'a>, PartyHandle>,
    ids: Memo<&'a str, EvidenceId>,
}

/// What a value resolved to (or why it did not), by the value.
type Memo<K, T> = HashMap<K, Result<T, String>>;
/// A subject's row values: id, residence, location, citizenships, minor (0, 1, or 2 for null).
type SubjectKey<'a> = (
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    u8,
);
/// A party's row values: recipient or exporter, id, establishments, role.
type PartyKey<'a> = (bool, &'a str, Option<&'a str>, Option<&'a str>);

/// Which column a place came from (memo key).
#[derive(Clone, Copy)]
enum PlaceColumn {
    Destination = 0,
    Collected = 1,
    Origin = 2,
}

fn memo<K: Eq + Hash, T: Clone>(
    map: &mut HashMap<K, Result<T, String>>,
    key: K,
    make: impl FnOnce() -> Result<T, String>,
) -> Result<T, String> {
    map.entry(key).or_insert_with(make).clone()
}

impl<'c, 'a> Resolver<'c, 'a> {
    fn new(catalog: &'c mut Catalog, cols: &'c Columns<'a>) -> Self {
        Resolver {
            catalog,
            operations: HashMap::default(),
            places: HashMap::default(),
            categories: HashMap::default(),
            purposes: HashMap::default(),
            tags: HashMap::default(),
            subjects: HashMap::default(),
            parties: HashMap::default(),
            ids: HashMap::default(),
            cols,
        }
    }

    fn place(
        &mut self,
        which: PlaceColumn,
        col: &Strings<'a>,
        v: u32,
    ) -> Result<PlaceHandle, String> {
        let catalog = &mut *self.catalog;
        let text = col.value(v);
        memo(&mut self.places, (which as u8, text), || {
            let j: Jurisdiction = parse(col.name, text)?;
            catalog
                .place(j)
                .map_err(|e| format!("`{}` = `{text}`: {e}", col.name))
        })
    }

    fn subject(&mut self, row: usize) -> Result<SubjectHandle, String> {
        let c = self.cols;
        let id = required(&c.subject, row)?;
        let residence = opt(c.residence.as_ref(), row);
        let location = opt(c.location.as_ref(), row);
        let citizenships = opt(c.citizenships.as_ref(), row);
        let minor = c
            .minor
            .filter(|m| m.is_valid(row))
            .map_or(2, |m| u8::from(m.value(row)));
        let catalog = &mut *self.catalog;
        let text = c.subject.value(id);
        let residence = opt_value(c.residence.as_ref(), residence);
        let location = opt_value(c.location.as_ref(), location);
        let citizenships = opt_value(c.citizenships.as_ref(), citizenships);
        memo(
            &mut self.subjects,
            (text, residence, location, citizenships, minor),
            || {
                let mut s = Subject::new(parse("subject", text)?).minor(minor == 1);
                if let Some(r) = residence {
                    s = s.resident_in(parse("subject_residence", r)?);
                }
                if let Some(l) = location {
                    s = s.located_at_collection(parse("subject_location", l)?);
                }
                if let Some(cs) = citizenships {
                    for j in places("subject_citizenships", cs)? {
                        s = s.citizen_of(j);
                    }
                }
                catalog
                    .subject(s)
                    .map_err(|e| format!("subject `{text}`: {e}"))
            },
        )
    }

    fn party(
        &mut self,
        recipient: bool,
        id: u32,
        established: u32,
        role: u32,
    ) -> Result<PartyHandle, String> {
        let c = self.cols;
        let catalog = &mut *self.catalog;
        let (id_col, est_col, est_name) = if recipient {
            (
                c.recipient.as_ref(),
                c.recipient_established.as_ref(),
                "recipient_established",
            )
        } else {
            (
                Some(&c.exporter),
                c.exporter_established.as_ref(),
                "exporter_established",
            )
        };
        let text = opt_value(id_col, id).unwrap_or("");
        let established = opt_value(est_col, established);
        let role = opt_value(c.recipient_role.as_ref(), role);
        memo(
            &mut self.parties,
            (recipient, text, established, role),
            || {
                let name = if recipient { "recipient" } else { "exporter" };
                let mut p = Party::new(parse(name, text)?);
                if let Some(est) = established {
                    for j in places(est_name, est)? {
                        p = p.established_in(j);
                    }
                }
                if let Some(r) = role {
                    p = p.with_role(parse::<Role>("recipient_role", r)?);
                }
                catalog
                    .party(p)
                    .map_err(|e| format!("{name} `{text}`: {e}"))
            },
        )
    }

    /// The act of `row`, or why it has none.
    fn act(&mut self, row: usize) -> Result<RowAct, String> {
        let c = self.cols;
        let op = c.operation.value(required(&c.operation, row)?);
        let operation = memo(&mut self.operations, op, || parse("operation", op))?;
        let destination = self.place(
            PlaceColumn::Destination,
            &c.destination,
            required(&c.destination, row)?,
        )?;
        let collected_in = self.place(
            PlaceColumn::Collected,
            &c.collected_in,
            required(&c.collected_in, row)?,
        )?;
        let text = c.categories.value(required(&c.categories, row)?);
        let catalog = &mut *self.catalog;
        let categories = memo(&mut self.categories, text, || {
            register_list("categories", text, |l| catalog.categories(l))
        })?;
        let subject = self.subject(row)?;
        let exporter = self.party(
            false,
            required(&c.exporter, row)?,
            opt(c.exporter_established.as_ref(), row),
            NULL_ROW,
        )?;
        let at = c.at.get(row).copied().flatten().ok_or_else(|| {
            "`at` is null or out of range; every act needs its instant".to_owned()
        })?;
        let mut act = RowAct {
            act: Act::new(
                operation,
                subject,
                categories,
                collected_in,
                destination,
                exporter,
                at,
            ),
            id: None,
        };
        if let Some(o) = c.origin.as_ref().and_then(|o| o.get(row).map(|v| (o, v))) {
            act.act = act.act.origin(self.place(PlaceColumn::Origin, o.0, o.1)?);
        }
        let recipient = opt(c.recipient.as_ref(), row);
        if recipient != NULL_ROW {
            let r = self.party(
                true,
                recipient,
                opt(c.recipient_established.as_ref(), row),
                opt(c.recipient_role.as_ref(), row),
            )?;
            act.act = act.act.recipient(r);
        }
        if let Some(col) = c.purposes.as_ref()
            && let Some(v) = col.get(row)
        {
            let catalog = &mut *self.catalog;
            let text = col.value(v);
            let p = memo(&mut self.purposes, text, || {
                register_list("purposes", text, |l| catalog.purposes(l))
            })?;
            act.act = act.act.purposes(p);
        }
        if let Some(col) = c.tags.as_ref()
            && let Some(v) = col.get(row)
        {
            let catalog = &mut *self.catalog;
            let text = col.value(v);
            let t = memo(&mut self.tags, text, || {
                register_list("tags", text, |l| catalog.tags(l))
            })?;
            act.act = act.act.tags(t);
        }
        if let Some(col) = c.transfer_id.as_ref()
            && let Some(v) = col.get(row)
        {
            let text = col.value(v);
            act.id = Some(memo(&mut self.ids, text, || parse("transfer_id", text))?);
        }
        Ok(act)
    }
}

/// A row's act, with its id (owned: an `Act` borrows it when the row is decided).
struct RowAct {
    act: Act<'static>,
    id: Option<EvidenceId>,
}

/// One chunk's output columns.
struct Out {
    effect: StringBuilder,
    rules: StringBuilder,
    explanation: StringBuilder,
    error: StringBuilder,
}

impl Out {
    fn new(rows: usize) -> Self {
        Out {
            effect: StringBuilder::with_capacity(rows, rows * 5),
            rules: StringBuilder::with_capacity(rows, rows * 16),
            explanation: StringBuilder::with_capacity(rows, 0),
            error: StringBuilder::with_capacity(rows, 0),
        }
    }

    fn error(&mut self, message: &str) {
        self.effect.append_null();
        self.rules.append_null();
        self.explanation.append_null();
        self.error.append_value(message);
    }
}

/// Decides every row of `batch` against `engine` and `evidence`; the result has one row per
/// input row, in order (see the [module documentation](self) for both schemas).
///
/// # Errors
///
/// [`BatchError`] when a required column is missing or a column has another type than the
/// schema gives; problems of single rows are reported in their `error` cell instead.
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use crossborder::arrow::arrow_array::{Array, ArrayRef, RecordBatch, StringArray, TimestampSecondArray};
/// use crossborder::arrow::{evaluate_batch, BatchOptions};
/// use crossborder::{Engine, NoEvidence};
///
/// let engine = Engine::builder().enable("cn-pledge-2015").build()?;
/// let text = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
/// let batch = RecordBatch::try_from_iter([
///     ("operation", text(&["transfer", "transfer", "store"])),
///     ("destination", text(&["US", "CN", "XX"])),
///     ("categories", text(&["personal.sensitive.health", "personal.sensitive.health", "personal.contact"])),
///     ("collected_in", text(&["CN", "CN", "CN"])),
///     ("subject", text(&["u-1", "u-2", "u-3"])),
///     ("exporter", text(&["acme-cn", "acme-cn", "acme-cn"])),
///     ("at", Arc::new(TimestampSecondArray::from(vec![1_772_323_200; 3]).with_timezone("UTC")) as ArrayRef),
/// ])?;
/// let out = evaluate_batch(&engine, &batch, &NoEvidence, BatchOptions::new())?;
/// let effect = out.column_by_name("effect").unwrap();
/// let effect = effect.as_any().downcast_ref::<StringArray>().unwrap();
/// assert_eq!(effect.value(0), "deny"); // sensitive data out of China, no consent
/// assert_eq!(effect.value(1), "allow"); // stays in China
/// assert!(effect.is_null(2)); // `XX` is no place: an error, never an allow
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate_batch<E: Evidence + Sync + ?Sized>(
    engine: &Engine,
    batch: &RecordBatch,
    evidence: &E,
    options: BatchOptions,
) -> Result<RecordBatch, BatchError> {
    let cols = Columns::read(batch)?;
    let rows = batch.num_rows();
    let explain_row = |row: usize| {
        cols.explain
            .is_some_and(|e| e.is_valid(row) && e.value(row))
    };
    let threads = options.threads.clamp(1, rows.max(1));
    // Chunks of 256 to 8,192 rows: enough to share a name's resolution across rows, small
    // enough that a chunk's memo maps and catalog stay in cache (a 125,000-row chunk of a
    // lake with 160,000 subjects decided at a third of the speed).
    let chunk = rows.div_ceil(threads * 8).clamp(256, 8192);
    let starts: Vec<usize> = (0..rows).step_by(chunk).collect();
    let outs: Vec<Mutex<Option<Out>>> = starts.iter().map(|_| Mutex::new(None)).collect();
    let next = Mutex::new(0usize);
    let cols = &cols;
    let work = || {
        let mut buffer: Option<Transfer> = None;
        loop {
            let k = {
                let mut n = next
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let k = *n;
                *n += 1;
                k
            };
            let (Some(&start), Some(slot)) = (starts.get(k), outs.get(k)) else {
                break;
            };
            let end = (start + chunk).min(rows);
            // Each chunk resolves its rows' names into a catalog of its own, so that resolving
            // runs on every thread too (a dictionary entry: once per chunk that uses it).
            let mut catalog = engine.catalog();
            let acts: Vec<Result<RowAct, String>> = {
                let mut resolver = Resolver::new(&mut catalog, cols);
                (start..end).map(|row| resolver.act(row)).collect()
            };
            let catalog = &catalog;
            let mut out = Out::new(end - start);
            evidence.with_view(&mut |view| {
                for row in start..end {
                    decide_row(
                        engine,
                        catalog,
                        acts.get(row - start),
                        view,
                        options.explain_denials || explain_row(row),
                        explain_row(row),
                        &mut buffer,
                        &mut out,
                    );
                }
            });
            if out.effect.len() != end - start {
                // A store that never called back: every row of the chunk undecided.
                out = Out::new(end - start);
                for _ in start..end {
                    out.error("the evidence store did not answer; nothing was decided");
                }
            }
            *slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(out);
        }
    };
    if threads == 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }
    finish(outs, rows)
}

#[allow(
    clippy::too_many_arguments,
    reason = "one row's inputs and the chunk's outputs"
)]
fn decide_row(
    engine: &Engine,
    catalog: &Catalog,
    act: Option<&Result<RowAct, String>>,
    evidence: &dyn Evidence,
    explain_denial: bool,
    explain_allow: bool,
    buffer: &mut Option<Transfer>,
    out: &mut Out,
) {
    let act = match act {
        Some(Ok(a)) => a,
        Some(Err(message)) => return out.error(message),
        None => return out.error("row out of range"),
    };
    let a = match &act.id {
        Some(id) => act.act.id(id),
        None => act.act,
    };
    let filled = match buffer {
        Some(t) => catalog.fill(&a, t),
        None => catalog.transfer(&a).map(|t| *buffer = Some(t)),
    };
    let Some(transfer) = buffer.as_ref().filter(|_| filled.is_ok()) else {
        let message = filled.err().map_or_else(String::new, |e| e.to_string());
        return out.error(&message);
    };
    let d = engine.evaluate(transfer, evidence);
    let allowed = d.is_allowed();
    out.effect
        .append_value(if allowed { "allow" } else { "deny" });
    let mut first = true;
    for r in d.rules() {
        let deciding = if allowed {
            true
        } else {
            matches!(r.verdict(), Verdict::Unmet | Verdict::Prohibited)
        };
        if deciding {
            let sep = if first { "" } else { "," };
            first = false;
            // INVARIANT: writing to a string builder cannot fail.
            let _ = write!(out.rules, "{sep}{}/{}", r.pack_id(), r.rule_id());
        }
    }
    out.rules.append_value("");
    if (allowed && explain_allow) || (!allowed && explain_denial) {
        match serde_json::to_string(&d.explain(evidence)) {
            Ok(json) => out.explanation.append_value(json),
            Err(e) => out.explanation.append_value(format!(
                "{{\"error\":\"the explanation could not be written: {e}\"}}"
            )),
        }
    } else {
        out.explanation.append_null();
    }
    out.error.append_null();
}

fn finish(outs: Vec<Mutex<Option<Out>>>, rows: usize) -> Result<RecordBatch, BatchError> {
    let mut parts: Vec<[ArrayRef; 4]> = Vec::with_capacity(outs.len());
    for slot in outs {
        let out = slot
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(mut out) = out else {
            return Err(BatchError::new(
                "effect",
                "a chunk of rows was not decided (a thread stopped)",
            ));
        };
        parts.push([
            Arc::new(out.effect.finish()),
            Arc::new(out.rules.finish()),
            Arc::new(out.explanation.finish()),
            Arc::new(out.error.finish()),
        ]);
    }
    let schema = output_schema();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(4);
    for c in 0..4 {
        let arrays: Vec<&dyn Array> = parts
            .iter()
            .filter_map(|p| p.get(c).map(AsRef::as_ref))
            .collect();
        let column = if arrays.is_empty() {
            arrow_array::new_empty_array(&DataType::Utf8)
        } else {
            arrow_select::concat::concat(&arrays)
                .map_err(|e| BatchError::new("effect", e.to_string()))?
        };
        columns.push(column);
    }
    let out = RecordBatch::try_new(schema, columns)
        .map_err(|e| BatchError::new("effect", e.to_string()))?;
    debug_assert_eq!(out.num_rows(), rows);
    Ok(out)
}
