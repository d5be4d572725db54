//! Verification by a third party who trusts nothing but the public key.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::checkpoint::{SignedCheckpoint, VerifyingKey};
use super::merkle::{Hash, Tree, leaf_hash, verify_consistency};
use super::{hex, line, located, scan};
use crate::error::{LogError, LogErrorKind};

/// Checks a log file: every line's form, every record's leaf hash recomputed from its bytes
/// (and the bytes' canonical form), the sequence, every checkpoint's signature and root, the
/// consistency of each checkpoint with the one before, and every checkpoint the supervisor
/// kept from earlier (so a log cut short, or rewritten since, is caught).
///
/// The first problem found is the error, naming the record or checkpoint and its line.
#[derive(Clone, Debug)]
pub struct Verifier {
    keys: Vec<VerifyingKey>,
    held: Vec<SignedCheckpoint>,
}

/// What a log that verified holds.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The log's id.
    pub log_id: String,
    /// How many records.
    pub records: u64,
    /// How many checkpoints it carries.
    pub checkpoints: u64,
    /// The tree head over every record, 64 hex digits.
    pub root: String,
    /// The last checkpoint in the log.
    pub latest: Option<SignedCheckpoint>,
    /// Records after the last checkpoint: not yet covered by a signature.
    pub unsigned_tail: u64,
}

impl Verifier {
    /// A verifier trusting checkpoints signed with `key`.
    #[must_use]
    pub fn new(key: VerifyingKey) -> Self {
        Verifier {
            keys: vec![key],
            held: Vec::new(),
        }
    }

    /// Also trusts `key` (a log whose key was rotated).
    #[must_use]
    pub fn key(mut self, key: VerifyingKey) -> Self {
        self.keys.push(key);
        self
    }

    /// Checkpoints the supervisor received earlier: the log must still hold what each signed.
    #[must_use]
    pub fn held(mut self, checkpoints: impl IntoIterator<Item = SignedCheckpoint>) -> Self {
        self.held.extend(checkpoints);
        self
    }

    fn check_signature(&self, c: &SignedCheckpoint) -> Result<(), LogError> {
        let key = self.keys.iter().find(|k| k.id() == c.key).ok_or_else(|| {
            LogError::new(
                LogErrorKind::Signature,
                format!("checkpoint of size {} is signed by key `{}`, which is not one of the keys given", c.checkpoint.size, c.key),
            )
        })?;
        key.verify(c)
    }

    /// Verifies the log in file `path`. The per-line work (parsing, hashing, the canonical
    /// form) runs on every core; the sequence and the checkpoints are checked in order.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Io`]; [`LogErrorKind::Damaged`] or [`LogErrorKind::TornTail`] for a
    /// malformed line; [`LogErrorKind::Tampered`] for a record or checkpoint that does not
    /// match; [`LogErrorKind::Signature`] for a checkpoint that is not signed by a key given.
    pub fn verify_file(&self, path: impl AsRef<Path>) -> Result<Verified, LogError> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| super::io(path, "cannot read the log", &e))?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(8);
        let mut state = Walk::default();
        let mut number = 0usize;
        loop {
            // A batch of lines, each with its `\n` (the last line of the file may lack it).
            let mut batch: Vec<Vec<u8>> = Vec::with_capacity(BATCH);
            let mut bytes = 0;
            while batch.len() < BATCH && bytes < BATCH_BYTES {
                let mut buf = Vec::new();
                let n = reader
                    .read_until(b'\n', &mut buf)
                    .map_err(|e| super::io(path, "cannot read the log", &e))?;
                if n == 0 {
                    break;
                }
                bytes += n;
                batch.push(buf);
            }
            if batch.is_empty() {
                break;
            }
            let first = number == 0;
            let checked = check_lines(&batch, first, threads);
            for (i, (raw, c)) in batch.iter().zip(checked).enumerate() {
                number += 1;
                let at = |e: LogError| located(e, path, Some(number));
                if !raw.ends_with(b"\n") {
                    return Err(at(LogError::new(
                        LogErrorKind::TornTail,
                        format!(
                            "the log ends in a partially written line after record {}",
                            state.tree.len().saturating_sub(1)
                        ),
                    )));
                }
                let c = c.map_err(|m| {
                    let what = if first && i == 0 {
                        "the header".to_owned()
                    } else {
                        format!("the line after record {}", state.tree.len().wrapping_sub(1))
                    };
                    at(match m {
                        Problem::Form(m) => {
                            LogError::new(LogErrorKind::Damaged, format!("{what}: {m}"))
                        }
                        Problem::Record(seq, m) => {
                            LogError::new(LogErrorKind::Tampered, format!("record {seq}: {m}"))
                        }
                    })
                })?;
                self.apply(&mut state, c).map_err(at)?;
            }
        }
        if number == 0 {
            return Err(super::empty(path));
        }
        self.finish(state).map_err(|e| located(e, path, None))
    }

    /// The checks that need the lines before: the sequence, the tree, the checkpoints.
    fn apply(&self, state: &mut Walk, checked: Checked) -> Result<(), LogError> {
        let next = state.tree.len();
        match checked {
            Checked::Header(log_id) => state.log_id = log_id,
            Checked::Record(seq, leaf) => {
                if seq != next {
                    return Err(LogError::new(
                        LogErrorKind::Tampered,
                        format!(
                            "record {seq}: found where record {next} belongs: records were deleted, inserted or reordered"
                        ),
                    ));
                }
                state.tree.push(leaf);
            }
            Checked::Checkpoint(c) => {
                let n = state.checkpoints;
                let what = format!("checkpoint {n} (of size {})", c.checkpoint.size);
                let tampered =
                    |m: String| LogError::new(LogErrorKind::Tampered, format!("{what}: {m}"));
                if c.checkpoint.log_id != state.log_id {
                    return Err(tampered(format!(
                        "names log `{}`, this log is `{}`",
                        c.checkpoint.log_id, state.log_id
                    )));
                }
                if c.checkpoint.size != next {
                    return Err(tampered(format!(
                        "follows record {} but covers {} records: records were deleted, inserted or moved",
                        next.wrapping_sub(1),
                        c.checkpoint.size
                    )));
                }
                self.check_signature(&c).map_err(|e| {
                    LogError::new(e.kind(), format!("checkpoint {n}: {}", e.message()))
                })?;
                let root = state.tree.root(next);
                if c.root_hash() != Some(root) {
                    return Err(tampered(
                        "the records before it do not hash to the root it signed: a record was changed after the checkpoint was signed".into(),
                    ));
                }
                if let Some(prev) = &state.latest {
                    let proof = state
                        .tree
                        .consistency_proof(prev.checkpoint.size, next)
                        .unwrap_or_default();
                    let prev_root = prev.root_hash().unwrap_or_default();
                    if !verify_consistency(prev.checkpoint.size, next, &prev_root, &root, &proof) {
                        return Err(tampered("does not extend the checkpoint before it".into()));
                    }
                    if c.checkpoint.time < prev.checkpoint.time {
                        return Err(tampered("is older than the checkpoint before it".into()));
                    }
                }
                state.checkpoints += 1;
                state.latest = Some(c);
            }
        }
        Ok(())
    }

    fn finish(&self, state: Walk) -> Result<Verified, LogError> {
        let records = state.tree.len();
        for (i, h) in self.held.iter().enumerate() {
            let what = format!("held checkpoint {i} (of size {})", h.checkpoint.size);
            self.check_signature(h)
                .map_err(|e| LogError::new(e.kind(), format!("{what}: {}", e.message())))?;
            if h.checkpoint.log_id != state.log_id {
                return Err(LogError::new(
                    LogErrorKind::Tampered,
                    format!(
                        "{what} is of log `{}`, this log is `{}`",
                        h.checkpoint.log_id, state.log_id
                    ),
                ));
            }
            if h.checkpoint.size > records {
                return Err(LogError::new(
                    LogErrorKind::Tampered,
                    format!(
                        "{what}: the log holds only {records} records: records {records} to {} were removed",
                        h.checkpoint.size - 1
                    ),
                ));
            }
            if h.root_hash() != Some(state.tree.root(h.checkpoint.size)) {
                return Err(LogError::new(
                    LogErrorKind::Tampered,
                    format!(
                        "{what}: the log's first {} records no longer hash to the root it signed: the log was rewritten",
                        h.checkpoint.size
                    ),
                ));
            }
        }
        let covered = state.latest.as_ref().map_or(0, |c| c.checkpoint.size);
        Ok(Verified {
            log_id: state.log_id,
            records,
            checkpoints: state.checkpoints,
            root: hex::encode(&state.tree.root(records)),
            latest: state.latest,
            unsigned_tail: records - covered,
        })
    }
}

#[derive(Default)]
struct Walk {
    log_id: String,
    tree: Tree,
    checkpoints: u64,
    latest: Option<SignedCheckpoint>,
}

/// Lines read and checked per batch (and at most this many bytes).
const BATCH: usize = 16_384;
const BATCH_BYTES: usize = 32 << 20;

/// A line that passed the checks it can pass on its own.
enum Checked {
    Header(String),
    Record(u64, Hash),
    Checkpoint(SignedCheckpoint),
}

/// What is wrong with a line on its own.
enum Problem {
    /// Not a well-formed line.
    Form(String),
    /// A well-formed record line whose content does not match (its sequence number, what).
    Record(u64, String),
}

/// Checks `lines` on up to `threads` threads; the results in line order.
fn check_lines(lines: &[Vec<u8>], first: bool, threads: usize) -> Vec<Result<Checked, Problem>> {
    let per = lines.len().div_ceil(threads.max(1)).max(1);
    if threads <= 1 || lines.len() < 256 {
        return lines
            .iter()
            .enumerate()
            .map(|(i, l)| check_line(l, first && i == 0))
            .collect();
    }
    std::thread::scope(|s| {
        let workers: Vec<_> = lines
            .chunks(per)
            .enumerate()
            .map(|(c, chunk)| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(i, l)| check_line(l, first && c == 0 && i == 0))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join().unwrap_or_else(|_| {
                    vec![Err(Problem::Form("the check of this line failed".into()))]
                })
            })
            .collect()
    })
}

/// Everything about one line that needs no other line: its form, its record's leaf hash,
/// canonical form and subject index.
fn check_line(raw: &[u8], first: bool) -> Result<Checked, Problem> {
    let text = raw.strip_suffix(b"\n").unwrap_or(raw);
    match line::parse(text, first).map_err(Problem::Form)? {
        line::Line::Header { log_id } => Ok(Checked::Header(log_id)),
        line::Line::Checkpoint(c) => Ok(Checked::Checkpoint(c)),
        line::Line::Record(line::RecordParts {
            seq,
            leaf,
            subjects,
            record,
        }) => {
            let bad = |m: String| Problem::Record(seq, m);
            if leaf_hash(record) != leaf {
                return Err(bad(
                    "its bytes do not hash to its leaf: it was changed after it was written".into(),
                ));
            }
            let found =
                scan::record(record).map_err(|e| bad(format!("not in canonical form: {e}")))?;
            if subjects
                .iter()
                .map(String::as_str)
                .ne(found.subject.as_deref())
            {
                return Err(bad(
                    "its line's subject index does not match the subject in the record".into(),
                ));
            }
            Ok(Checked::Record(seq, leaf))
        }
    }
}
