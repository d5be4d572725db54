//! A tamper-evident decision log that outsiders can verify, and the report that tells a person
//! where their data went (feature `decision-log`, on by default).
//!
//! - [`DecisionLog`]: an append-only file, one [`LogRecord`] per decided act (the act as
//!   submitted, the decision with its engine fingerprint, options and pack SHA-256 digests, the
//!   evidence ids used, and an instant the host supplies). Each record's canonical JSON is a
//!   leaf of a Merkle tree in the style of RFC 6962; an append returns once the record is on
//!   disk (fsync). A partially written last line after a crash is refused at open
//!   ([`LogErrorKind::TornTail`]) and removed only by an
//!   explicit [`DecisionLog::repair`].
//! - [`SignedCheckpoint`]: `{log id, size, root, time}` signed with Ed25519 by the host's
//!   [`SigningKey`], on demand and every N records; the [`VerifyingKey`] is what a supervisor
//!   holds.
//! - [`Verifier`]: recomputes every leaf and the tree, checks every checkpoint's signature
//!   and root, and every checkpoint the supervisor kept; the first bad record or checkpoint is
//!   named. [`InclusionProof`] and [`ConsistencyProof`] are made by the log and checked by
//!   anyone with the public key.
//! - [`replay`]: decides every logged act again and lists the decisions that differ.
//! - [`SubjectReport`]: for one data subject, every act about them with its inclusion proof,
//!   their consents and their status, and a summary per destination, as text, JSON or a
//!   self-contained HTML page.
//!
//! The file format is documented in the README ("Decision log") and in the module `line`.
//!
//! # Example
//!
//! ```
//! use crossborder::decision_log::{DecisionLog, SigningKey, Verifier};
//! use crossborder::{DataItem, Engine, NoEvidence, Operation, Party, Subject, Transfer};
//! use chrono::{TimeZone, Utc};
//!
//! # let dir = std::env::temp_dir().join(format!("cb-doc-log-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! # let path = dir.join("decisions.log");
//! # let _ = std::fs::remove_file(&path);
//! let engine = Engine::builder().enable("cn-pledge-2015").build()?;
//! let key = SigningKey::generate()?;
//! let log = DecisionLog::create(&path, "acme-cn-2026")?;
//!
//! let at = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
//! let transfer = Transfer::builder()
//!     .operation(Operation::Transfer)
//!     .destination("US".parse()?)
//!     .data(DataItem::of_subject(Subject::new("u-42".parse()?), ["personal.sensitive.health".parse()?], "CN".parse()?))
//!     .exporter(Party::new("acme-cn".parse()?))
//!     .at(at)
//!     .build(&engine)?;
//! let decision = engine.evaluate(&transfer, &NoEvidence);
//! let seq = log.append_decision(&decision, at)?; // on disk when it returns
//! let checkpoint = log.checkpoint(&key, at)?;     // publish this
//!
//! // A supervisor, with the file and the public key only:
//! let verified = Verifier::new(key.verifying_key()).verify_file(&path)?;
//! assert_eq!((verified.records, verified.checkpoints), (1, 1));
//! // A person, with one record and its proof:
//! let proof = log.inclusion_proof(seq, checkpoint.checkpoint.size)?;
//! proof.verify(&log.record_bytes(seq)?, &checkpoint, &key.verifying_key())?;
//! # drop(log); std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod canonical;
mod checkpoint;
mod hex;
mod line;
mod merkle;
mod proof;
mod record;
mod replay;
mod report;
mod scan;
mod verify;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};

pub use checkpoint::{Checkpoint, SignedCheckpoint, SigningKey, VerifyingKey};
pub use proof::{ConsistencyProof, InclusionProof};
pub use record::{LogRecord, LoggedDecision, LoggedRule};
pub use replay::{Difference, ReplayReport, replay};
pub use report::{ConsentEntry, DestinationSummary, ReportEntry, SubjectReport};
pub use verify::{Verified, Verifier};

use crate::Decision;
use crate::error::{Location, LogError, LogErrorKind};
use crate::model::SubjectId;
use merkle::{Tree, leaf_hash};

/// An append-only, tamper-evident log of decisions in one file.
///
/// Appends run one at a time and each returns once its line is written and fsynced
/// ([`append_all`](Self::append_all) writes many and fsyncs once: group commit). The file is
/// locked against a second process appending. Reading (records, proofs, checkpoints) shares
/// the same lock, briefly.
///
/// Opening checks every line's framing and rebuilds the tree from the leaf hashes the lines
/// carry, and an index of records by subject id; it does not recompute the leaves from the
/// records — that is [`Verifier`]'s work, which trusts nothing in the file.
#[derive(Debug)]
pub struct DecisionLog {
    path: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    file: File,
    log_id: String,
    tree: Tree,
    /// Each record's line: where it starts and how long it is (without `\n`).
    lines: Vec<(u64, u64)>,
    by_subject: HashMap<String, Vec<u64>>,
    checkpoints: Vec<SignedCheckpoint>,
    end: u64,
    auto: Option<(SigningKey, u64)>,
    /// The latest instant of a record or checkpoint: automatic checkpoints are made at it, and
    /// no checkpoint may be older.
    latest: Option<DateTime<Utc>>,
    /// Whether it was opened for appending.
    write: bool,
}

/// What [`DecisionLog::repair`] removed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Repaired {
    /// The 1-based line the partial record started on.
    pub line: usize,
    /// The byte offset it started at (the file's new length).
    pub offset: u64,
    /// How many bytes were removed.
    pub bytes: u64,
}

fn located(e: LogError, path: &Path, line: Option<usize>) -> LogError {
    e.at(Location {
        file: Some(path.display().to_string().into()),
        line_col: line.map(|l| (l, 1)),
        path: String::new(),
    })
}

/// The error for an empty file.
fn empty(path: &Path) -> LogError {
    located(
        LogError::new(
            LogErrorKind::Damaged,
            "not a decision log: the file is empty",
        ),
        path,
        None,
    )
}

fn io(path: &Path, what: &str, e: &std::io::Error) -> LogError {
    located(
        LogError::new(LogErrorKind::Io, format!("{what}: {e}")),
        path,
        None,
    )
}

impl DecisionLog {
    /// Creates a new, empty log named `log_id` (the name checkpoints carry; a supervisor
    /// tells logs apart by it).
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Io`] when the file exists or cannot be written;
    /// [`LogErrorKind::Invalid`] for an empty id or one with control characters.
    pub fn create(path: impl AsRef<Path>, log_id: &str) -> Result<Self, LogError> {
        let path = path.as_ref();
        if log_id.is_empty() || log_id.chars().any(char::is_control) || log_id.len() > 256 {
            return Err(LogError::new(
                LogErrorKind::Invalid,
                format!(
                    "`{}` is not a log id: 1 to 256 characters, no control characters",
                    log_id.escape_debug()
                ),
            ));
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(path)
            .map_err(|e| io(path, "cannot create the log", &e))?;
        file.write_all(&line::header(log_id))
            .and_then(|()| file.sync_all())
            .map_err(|e| io(path, "cannot write the log", &e))?;
        sync_dir(path);
        drop(file);
        DecisionLog::open(path)
    }

    /// Opens an existing log for appending.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::TornTail`] when the last line is partial (see [`repair`](Self::repair));
    /// [`LogErrorKind::Damaged`] for a line that is not a header, record or checkpoint line
    /// (named by its line number), or records out of sequence; [`LogErrorKind::Locked`] when
    /// another process has it open; [`LogErrorKind::Io`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, LogError> {
        DecisionLog::open_with(path.as_ref(), true)
    }

    /// Opens a log for reading only (records, proofs, reports, replay): several readers may
    /// hold it at once; a process appending excludes them, and they it.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, LogError> {
        DecisionLog::open_with(path.as_ref(), false)
    }

    fn open_with(path: &Path, write: bool) -> Result<Self, LogError> {
        let file = OpenOptions::new()
            .read(true)
            .append(write)
            .open(path)
            .map_err(|e| io(path, "cannot open the log", &e))?;
        let locked = if write {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match locked {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(located(
                    LogError::new(
                        LogErrorKind::Locked,
                        "the log is locked by another process (or already open in this one)",
                    ),
                    path,
                    None,
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(io(path, "cannot lock the log", &e));
            }
        }
        let mut state = State {
            file,
            log_id: String::new(),
            tree: Tree::default(),
            lines: Vec::new(),
            by_subject: HashMap::new(),
            checkpoints: Vec::new(),
            end: 0,
            auto: None,
            latest: None,
            write,
        };
        scan(path, &mut state)?;
        Ok(DecisionLog {
            path: path.to_path_buf(),
            state: Mutex::new(state),
        })
    }

    /// Removes a partially written last line (what a crash during an append leaves: that
    /// append never returned, so nothing acknowledged is lost), and says what it removed;
    /// `None` when the log ends cleanly. Never touches a complete line: a damaged line inside
    /// the log is an error for a person to look at.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Damaged`] when a complete line is malformed; [`LogErrorKind::Io`].
    pub fn repair(path: impl AsRef<Path>) -> Result<Option<Repaired>, LogError> {
        let path = path.as_ref();
        match DecisionLog::open(path) {
            Ok(_) => Ok(None),
            Err(e) if e.kind() == LogErrorKind::TornTail => {
                let mut bytes = Vec::new();
                File::open(path)
                    .and_then(|mut f| f.read_to_end(&mut bytes))
                    .map_err(|e| io(path, "cannot read the log", &e))?;
                let offset = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                let line = bytes.iter().filter(|b| **b == b'\n').count() + 1;
                let f = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| io(path, "cannot open the log", &e))?;
                f.set_len(offset as u64)
                    .and_then(|()| f.sync_all())
                    .map_err(|e| io(path, "cannot truncate the log", &e))?;
                Ok(Some(Repaired {
                    line,
                    offset: offset as u64,
                    bytes: (bytes.len() - offset) as u64,
                }))
            }
            Err(e) => Err(e),
        }
    }

    /// The same log, signing a checkpoint with `key` after every `every` records (at the
    /// instant of the record that completes them; `0` turns this off).
    #[must_use]
    pub fn with_checkpoints(self, key: SigningKey, every: u64) -> Self {
        self.lock().auto = (every > 0).then_some((key, every));
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The log's id.
    #[must_use]
    pub fn log_id(&self) -> String {
        self.lock().log_id.clone()
    }

    /// How many records it holds.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.lock().tree.len()
    }

    /// Whether it holds no record.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tree head over all records, as 64 hex digits.
    #[must_use]
    pub fn root(&self) -> String {
        let s = self.lock();
        hex::encode(&s.tree.root(s.tree.len()))
    }

    /// The checkpoints written so far, oldest first.
    #[must_use]
    pub fn checkpoints(&self) -> Vec<SignedCheckpoint> {
        self.lock().checkpoints.clone()
    }

    /// Appends the record of `decision`, recorded at `recorded_at`; returns its sequence
    /// number once it is on disk.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Io`] (nothing is appended).
    pub fn append_decision(
        &self,
        decision: &Decision<'_>,
        recorded_at: DateTime<Utc>,
    ) -> Result<u64, LogError> {
        self.append(&LogRecord::new(decision, recorded_at))
    }

    /// Appends one record; returns its sequence number once it is on disk.
    ///
    /// # Errors
    ///
    /// As [`append_all`](Self::append_all).
    pub fn append(&self, record: &LogRecord) -> Result<u64, LogError> {
        self.append_all(std::slice::from_ref(record))
            .map(|r| r.start)
    }

    /// Appends records with one fsync (group commit); returns their sequence numbers once all
    /// are on disk. All or none: on an error the file is cut back to where it was.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Io`]; [`LogErrorKind::Invalid`] for a record that does not serialise.
    pub fn append_all(&self, records: &[LogRecord]) -> Result<std::ops::Range<u64>, LogError> {
        let mut s = self.lock();
        let first = s.tree.len();
        let mut bytes = Vec::new();
        let mut staged = Vec::with_capacity(records.len());
        let mut tree = s.tree.clone();
        let mut checkpoints = Vec::new();
        let mut latest = s.latest;
        for (i, r) in records.iter().enumerate() {
            latest = latest.max(Some(r.recorded_at));
            let canonical = canonical::to_canonical(r).map_err(|e| {
                LogError::new(
                    LogErrorKind::Invalid,
                    format!("the record does not serialise: {e}"),
                )
            })?;
            let leaf = leaf_hash(&canonical);
            let seq = first + i as u64;
            let subjects: Vec<String> = r
                .subject()
                .map(|s| s.as_str().to_owned())
                .into_iter()
                .collect();
            let text = line::record(seq, &leaf, &subjects, &canonical);
            staged.push((
                s.end + bytes.len() as u64,
                (text.len() - 1) as u64,
                subjects,
            ));
            bytes.extend_from_slice(&text);
            tree.push(leaf);
            if let Some((key, every)) = &s.auto
                && tree.len().is_multiple_of(*every)
            {
                let c = key.sign(Checkpoint {
                    log_id: s.log_id.clone(),
                    size: tree.len(),
                    root: hex::encode(&tree.root(tree.len())),
                    time: latest.unwrap_or(r.recorded_at),
                });
                bytes.extend_from_slice(&line::checkpoint(&c));
                checkpoints.push(c);
            }
        }
        self.write(&mut s, &bytes)?;
        for (seq, (offset, len, subjects)) in (first..).zip(staged) {
            s.lines.push((offset, len));
            for subject in subjects {
                s.by_subject.entry(subject).or_default().push(seq);
            }
        }
        s.tree = tree;
        s.checkpoints.extend(checkpoints);
        s.latest = latest;
        Ok(first..s.tree.len())
    }

    /// Writes and fsyncs `bytes` at the end; on failure cuts the file back.
    fn write(&self, s: &mut State, bytes: &[u8]) -> Result<(), LogError> {
        if !s.write {
            return Err(located(
                LogError::new(
                    LogErrorKind::Invalid,
                    "the log was opened read-only: open it with `DecisionLog::open` to append",
                ),
                &self.path,
                None,
            ));
        }
        let before = s.end;
        let result = s.file.write_all(bytes).and_then(|()| s.file.sync_data());
        if let Err(e) = result {
            // Best effort: if this fails too, the next open reports the torn tail.
            let _ = s.file.set_len(before);
            return Err(io(
                &self.path,
                "cannot append to the log (nothing was appended)",
                &e,
            ));
        }
        s.end += bytes.len() as u64;
        Ok(())
    }

    /// Signs and appends a checkpoint of the log as it is now, made at `time` (the host's
    /// clock); returns it once it is on disk.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Io`].
    pub fn checkpoint(
        &self,
        key: &SigningKey,
        time: DateTime<Utc>,
    ) -> Result<SignedCheckpoint, LogError> {
        let mut s = self.lock();
        let size = s.tree.len();
        let c = key.sign(Checkpoint {
            log_id: s.log_id.clone(),
            size,
            root: hex::encode(&s.tree.root(size)),
            time,
        });
        self.write(&mut s, &line::checkpoint(&c))?;
        s.checkpoints.push(c.clone());
        s.latest = s.latest.max(Some(time));
        Ok(c)
    }

    /// The canonical bytes of record `seq`: what its leaf hash covers.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Proof`] for a record the log does not hold; [`LogErrorKind::Io`];
    /// [`LogErrorKind::Damaged`] when the line changed since the log was opened.
    pub fn record_bytes(&self, seq: u64) -> Result<Vec<u8>, LogError> {
        let mut s = self.lock();
        let &(offset, len) = usize::try_from(seq)
            .ok()
            .and_then(|i| s.lines.get(i))
            .ok_or_else(|| {
                LogError::new(
                    LogErrorKind::Proof,
                    format!("the log holds no record {seq}"),
                )
            })?;
        let mut buf = vec![0u8; usize::try_from(len).unwrap_or(0)];
        s.file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| s.file.read_exact(&mut buf))
            .map_err(|e| io(&self.path, "cannot read the log", &e))?;
        match line::parse(&buf, false) {
            Ok(line::Line::Record(r)) if r.seq == seq => Ok(r.record.to_vec()),
            _ => Err(located(
                LogError::new(
                    LogErrorKind::Damaged,
                    format!("record {seq} changed since the log was opened"),
                ),
                &self.path,
                None,
            )),
        }
    }

    /// Record `seq`.
    ///
    /// # Errors
    ///
    /// As [`record_bytes`](Self::record_bytes), and [`LogErrorKind::Damaged`] for a record
    /// that does not read back.
    pub fn record(&self, seq: u64) -> Result<LogRecord, LogError> {
        let bytes = self.record_bytes(seq)?;
        serde_json::from_slice(&bytes).map_err(|e| {
            located(
                LogError::new(
                    LogErrorKind::Damaged,
                    format!("record {seq} does not read back: {e}"),
                ),
                &self.path,
                None,
            )
        })
    }

    /// The sequence numbers of the records about data subject `subject`, oldest first.
    #[must_use]
    pub fn records_of(&self, subject: &SubjectId) -> Vec<u64> {
        self.lock()
            .by_subject
            .get(subject.as_str())
            .cloned()
            .unwrap_or_default()
    }

    /// The proof that record `seq` is in the log as it was at `size` records (a checkpoint's
    /// size).
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Proof`] when `seq >= size` or the log holds fewer than `size` records.
    pub fn inclusion_proof(&self, seq: u64, size: u64) -> Result<InclusionProof, LogError> {
        let s = self.lock();
        let path = s.tree.inclusion_proof(seq, size).ok_or_else(|| {
            LogError::new(
                LogErrorKind::Proof,
                format!(
                    "no inclusion proof of record {seq} at size {size}: the log holds {} records",
                    s.tree.len()
                ),
            )
        })?;
        let leaf = s.tree.leaf(seq).unwrap_or_default();
        Ok(InclusionProof::new(s.log_id.clone(), seq, size, leaf, path))
    }

    /// The proof that the log at `new` records extends the log at `old` records.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Proof`] when `old > new` or the log holds fewer than `new` records.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<ConsistencyProof, LogError> {
        let s = self.lock();
        let path = s.tree.consistency_proof(old, new).ok_or_else(|| {
            LogError::new(
                LogErrorKind::Proof,
                format!(
                    "no consistency proof from size {old} to {new}: the log holds {} records",
                    s.tree.len()
                ),
            )
        })?;
        Ok(ConsistencyProof::new(s.log_id.clone(), old, new, path))
    }

    /// Calls `f` with every record in order; stops at the first error `f` or reading returns.
    ///
    /// # Errors
    ///
    /// The first error.
    pub fn for_each_record(
        &self,
        mut f: impl FnMut(u64, LogRecord) -> Result<(), LogError>,
    ) -> Result<(), LogError> {
        for seq in 0..self.len() {
            f(seq, self.record(seq)?)?;
        }
        Ok(())
    }
}

/// A record's `recorded_at`, found without parsing the record: in canonical JSON the bytes
/// `"recorded_at":"` occur unescaped only as the top-level key (no other object of a record
/// has that key, and a string holding them escapes its quotes). Checking the record is the
/// verifier's work; opening needs only the instant, for automatic checkpoints.
fn recorded_at(record: &[u8]) -> Option<DateTime<Utc>> {
    const KEY: &[u8] = b"\"recorded_at\":\"";
    let start = record.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let rest = record.get(start..)?;
    let end = rest.iter().position(|c| *c == b'"')?;
    std::str::from_utf8(rest.get(..end)?).ok()?.parse().ok()
}

/// Reads the whole file into `state`.
fn scan(path: &Path, state: &mut State) -> Result<(), LogError> {
    let mut reader = BufReader::with_capacity(
        1 << 20,
        File::open(path).map_err(|e| io(path, "cannot read the log", &e))?,
    );
    let mut buf = Vec::new();
    let mut offset = 0u64;
    let mut number = 0usize;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| io(path, "cannot read the log", &e))?;
        if n == 0 {
            break;
        }
        number += 1;
        let Some(text) = buf.strip_suffix(b"\n") else {
            return Err(located(
                LogError::new(
                    LogErrorKind::TornTail,
                    format!(
                        "the log ends in a partially written line ({n} bytes at offset {offset}, after {} records): an append interrupted by a crash, never acknowledged; `crossborder log repair` (DecisionLog::repair) removes it",
                        state.tree.len()
                    ),
                ),
                path,
                Some(number),
            ));
        };
        let damaged =
            |m: String| located(LogError::new(LogErrorKind::Damaged, m), path, Some(number));
        match line::parse(text, number == 1).map_err(&damaged)? {
            line::Line::Header { log_id } => state.log_id = log_id,
            line::Line::Record(line::RecordParts {
                seq,
                leaf,
                subjects,
                record,
            }) => {
                if seq != state.tree.len() {
                    return Err(damaged(format!(
                        "record {seq} where record {} was expected: records were deleted, inserted or reordered",
                        state.tree.len()
                    )));
                }
                state.lines.push((offset, text.len() as u64));
                for s in subjects {
                    state.by_subject.entry(s).or_default().push(seq);
                }
                state.tree.push(leaf);
                if let Some(at) = recorded_at(record) {
                    state.latest = state.latest.max(Some(at));
                }
            }
            line::Line::Checkpoint(c) => {
                state.latest = state.latest.max(Some(c.checkpoint.time));
                state.checkpoints.push(c);
            }
        }
        offset += n as u64;
    }
    if number == 0 {
        return Err(empty(path));
    }
    state.end = offset;
    Ok(())
}

/// Makes a new file's directory entry durable (best effort where directories cannot be
/// opened).
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}
