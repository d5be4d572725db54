//! The file under a [`DurableEvidence`](super::DurableEvidence): redb tables, the encoding of
//! their rows, and redb's errors in the store's words.
//!
//! Each kind of evidence is a table keyed by a sequence number (so a store reopened answers in
//! the order evidence was recorded, as the memory store does), with an index from evidence id
//! to sequence number; rows are the evidence's JSON (the form evidence files use). A `meta`
//! table names the format, so a redb file of some other program is refused.

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::codec;
use crate::error::{StoreError, StoreErrorKind};
use crate::evidence::{EvidenceSet, HeldCertification, LedgerEntry};
use crate::model::{Approval, Consent, EvidenceId};

pub(super) const FORMAT: &str = "crossborder-evidence/1";

const META: TableDefinition<'_, &str, &str> = TableDefinition::new("crossborder.meta");
const CONSENTS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("crossborder.consents");
const CONSENT_IDS: TableDefinition<'_, &str, u64> = TableDefinition::new("crossborder.consent_ids");
const APPROVALS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("crossborder.approvals");
const APPROVAL_IDS: TableDefinition<'_, &str, u64> =
    TableDefinition::new("crossborder.approval_ids");
const CERTIFICATIONS: TableDefinition<'_, u64, &[u8]> =
    TableDefinition::new("crossborder.certifications");
const CERTIFICATION_IDS: TableDefinition<'_, &str, u64> =
    TableDefinition::new("crossborder.certification_ids");
const LEDGER: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("crossborder.ledger");

/// A change to the file, computed (and checked) before the file is touched.
#[derive(Clone, Debug)]
pub(super) enum Row {
    /// A consent, new or as it now is (withdrawn).
    Consent(Consent),
    /// An approval, new or as it now is.
    Approval(Approval),
    /// A certification, new or as it now is.
    Certification(HeldCertification),
    /// A ledger entry (always new).
    Ledger(LedgerEntry),
    /// A consent erased.
    EraseConsent(EvidenceId),
    /// The ledger with a subject's entries pseudonymised: every row rewritten.
    ReplaceLedger(Vec<LedgerEntry>),
}

/// `e` in the store's words, naming `file`.
pub(super) fn io(file: &Path, what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::new(
        StoreErrorKind::Io,
        format!("evidence store `{}`: {what}: {e}", file.display()),
    )
}

fn damaged(file: &Path, why: impl std::fmt::Display) -> StoreError {
    StoreError::new(
        StoreErrorKind::Damaged,
        format!(
            "evidence store `{}` is damaged: {why}; it was not opened (restore it from a backup, or export what a copy still reads)",
            file.display()
        ),
    )
}

/// Opens (or creates) the file; a file that is damaged, foreign or locked is refused.
pub(super) fn open(file: &Path, cache_bytes: usize) -> Result<Database, StoreError> {
    let opened = std::panic::catch_unwind(|| {
        Database::builder()
            .set_cache_size(cache_bytes)
            .set_check_integrity_on_open(true)
            .create(file)
    });
    let db = match opened {
        Ok(Ok(db)) => db,
        Ok(Err(e)) => return Err(open_error(file, e)),
        Err(_) => return Err(damaged(file, "reading it failed")),
    };
    init(file, &db)?;
    Ok(db)
}

fn open_error(file: &Path, e: redb::DatabaseError) -> StoreError {
    use redb::{DatabaseError as D, StorageError as S};
    match e {
        D::DatabaseAlreadyOpen | D::LockProtocolMismatch => StoreError::new(
            StoreErrorKind::Locked,
            format!(
                "evidence store `{}` is locked by another process (or already open in this one): one process at a time may open it",
                file.display()
            ),
        ),
        D::Storage(S::Io(io)) if io.kind() == std::io::ErrorKind::InvalidData => StoreError::new(
            StoreErrorKind::Damaged,
            format!(
                "`{}` is not an evidence store (not a redb database file); it was not opened",
                file.display()
            ),
        ),
        D::Storage(S::Io(io)) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            damaged(file, "the file is truncated")
        }
        D::Storage(S::Corrupted(why)) => damaged(file, why),
        D::UpgradeRequired(v) => damaged(file, format!("it is in redb's file format {v}")),
        D::RepairAborted => damaged(file, "its repair was aborted"),
        D::Storage(S::Io(io)) => io_error(file, "cannot open it", &io),
        other => io(file, "cannot open it", other),
    }
}

fn io_error(file: &Path, what: &str, e: &std::io::Error) -> StoreError {
    io(file, what, e)
}

/// Creates the tables of a new store; refuses a redb file that is not one.
fn init(file: &Path, db: &Database) -> Result<(), StoreError> {
    let read = db.begin_read().map_err(|e| io(file, "cannot read it", e))?;
    match read.open_table(META) {
        Ok(meta) => {
            let format = meta
                .get("format")
                .map_err(|e| damaged(file, e))?
                .map(|v| v.value().to_owned());
            return match format.as_deref() {
                Some(FORMAT) => Ok(()),
                Some(other) => Err(damaged(
                    file,
                    format!("its format is `{other}`, this library reads `{FORMAT}`"),
                )),
                None => Err(damaged(file, "its format is not recorded")),
            };
        }
        Err(redb::TableError::TableDoesNotExist(_)) => {}
        Err(e) => return Err(damaged(file, e)),
    }
    let foreign = read
        .list_tables()
        .map_err(|e| damaged(file, e))?
        .next()
        .is_some();
    drop(read);
    if foreign {
        return Err(StoreError::new(
            StoreErrorKind::Damaged,
            format!(
                "`{}` is a redb database of another program, not an evidence store; it was not opened",
                file.display()
            ),
        ));
    }
    let w = db
        .begin_write()
        .map_err(|e| io(file, "cannot write it", e))?;
    {
        let mut meta = w
            .open_table(META)
            .map_err(|e| io(file, "cannot write it", e))?;
        meta.insert("format", FORMAT)
            .map_err(|e| io(file, "cannot write it", e))?;
        for t in [CONSENTS, APPROVALS, CERTIFICATIONS, LEDGER] {
            w.open_table(t)
                .map_err(|e| io(file, "cannot write it", e))?;
        }
        for t in [CONSENT_IDS, APPROVAL_IDS, CERTIFICATION_IDS] {
            w.open_table(t)
                .map_err(|e| io(file, "cannot write it", e))?;
        }
    }
    w.commit().map_err(|e| io(file, "cannot write it", e))
}

/// Everything the file holds, in the order it was recorded, handed to `sink` a chunk at a
/// time (so opening a large store never holds a second copy of it).
pub(super) fn load(
    file: &Path,
    db: &Database,
    sink: &mut dyn FnMut(EvidenceSet) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let read = db.begin_read().map_err(|e| io(file, "cannot read it", e))?;
    rows(
        file,
        &read,
        CONSENTS,
        "consents",
        decode_consent,
        &mut |v| {
            sink(EvidenceSet {
                consents: v,
                ..EvidenceSet::default()
            })
        },
    )?;
    rows(file, &read, APPROVALS, "approvals", decode_json, &mut |v| {
        sink(EvidenceSet {
            approvals: v,
            ..EvidenceSet::default()
        })
    })?;
    rows(
        file,
        &read,
        CERTIFICATIONS,
        "certifications",
        decode_json,
        &mut |v| {
            sink(EvidenceSet {
                certifications: v,
                ..EvidenceSet::default()
            })
        },
    )?;
    rows(file, &read, LEDGER, "ledger", decode_json, &mut |v| {
        sink(EvidenceSet {
            ledger: v,
            ..EvidenceSet::default()
        })
    })
}

fn decode_json<T: DeserializeOwned>(row: &[u8]) -> Result<T, String> {
    serde_json::from_slice(row).map_err(|e| e.to_string())
}

fn decode_consent(row: &[u8]) -> Result<Consent, String> {
    if codec::is_binary(row) {
        codec::decode(row).ok_or_else(|| "not a consent".to_owned())
    } else {
        decode_json(row)
    }
}

/// The rows of `table`, decoded, a chunk at a time.
fn rows<T>(
    file: &Path,
    read: &redb::ReadTransaction,
    table: TableDefinition<'_, u64, &[u8]>,
    name: &str,
    decode: fn(&[u8]) -> Result<T, String>,
    sink: &mut dyn FnMut(Vec<T>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    const CHUNK: usize = 512;
    let t = read.open_table(table).map_err(|e| damaged(file, e))?;
    let mut chunk = Vec::with_capacity(CHUNK);
    for row in t.iter().map_err(|e| damaged(file, e))? {
        let (seq, bytes) = row.map_err(|e| damaged(file, e))?;
        let item = decode(bytes.value()).map_err(|e| {
            damaged(
                file,
                format!("row {} of `{name}` does not decode: {e}", seq.value()),
            )
        })?;
        chunk.push(item);
        if chunk.len() == CHUNK {
            sink(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)))?;
        }
    }
    if chunk.is_empty() {
        Ok(())
    } else {
        sink(chunk)
    }
}

fn encode<T: Serialize>(file: &Path, item: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(item).map_err(|e| io(file, "cannot encode a row", e))
}

/// Writes `rows` in one transaction and commits it (durably: redb fsyncs before the commit
/// returns).
pub(super) fn commit(file: &Path, db: &Database, rows: &[Row]) -> Result<(), StoreError> {
    let failed = |e: &dyn std::fmt::Display| io(file, "the write failed", e);
    let w = db.begin_write().map_err(|e| failed(&e))?;
    write_rows(file, &w, rows)?;
    w.commit().map_err(|e| failed(&e))
}

fn write_rows(file: &Path, w: &WriteTransaction, rows: &[Row]) -> Result<(), StoreError> {
    let failed = |e: &dyn std::fmt::Display| io(file, "the write failed", e);
    for row in rows {
        match row {
            Row::Consent(c) => upsert(file, w, CONSENTS, CONSENT_IDS, c.id(), codec::encode(c))?,
            Row::Approval(a) => {
                upsert(file, w, APPROVALS, APPROVAL_IDS, a.id(), encode(file, a)?)?;
            }
            Row::Certification(h) => upsert(
                file,
                w,
                CERTIFICATIONS,
                CERTIFICATION_IDS,
                h.certification.id(),
                encode(file, h)?,
            )?,
            Row::Ledger(e) => {
                let mut t = w.open_table(LEDGER).map_err(|e| failed(&e))?;
                let next = next_seq(&t).map_err(|e| failed(&e))?;
                t.insert(next, encode(file, e)?.as_slice())
                    .map_err(|e| failed(&e))?;
            }
            Row::EraseConsent(id) => {
                let mut ids = w.open_table(CONSENT_IDS).map_err(|e| failed(&e))?;
                let seq = ids
                    .remove(id.as_str())
                    .map_err(|e| failed(&e))?
                    .map(|g| g.value());
                drop(ids);
                if let Some(seq) = seq {
                    let mut t = w.open_table(CONSENTS).map_err(|e| failed(&e))?;
                    t.remove(seq).map_err(|e| failed(&e))?;
                }
            }
            Row::ReplaceLedger(entries) => {
                let mut t = w.open_table(LEDGER).map_err(|e| failed(&e))?;
                t.retain(|_, _| false).map_err(|e| failed(&e))?;
                for (seq, e) in (1u64..).zip(entries) {
                    t.insert(seq, encode(file, e)?.as_slice())
                        .map_err(|e| failed(&e))?;
                }
            }
        }
    }
    Ok(())
}

/// Writes `bytes` under the sequence number of `id` if it is known, else under the next one.
fn upsert(
    file: &Path,
    w: &WriteTransaction,
    table: TableDefinition<'_, u64, &[u8]>,
    index: TableDefinition<'_, &str, u64>,
    id: &EvidenceId,
    bytes: Vec<u8>,
) -> Result<(), StoreError> {
    let failed = |e: &dyn std::fmt::Display| io(file, "the write failed", e);
    let mut ids = w.open_table(index).map_err(|e| failed(&e))?;
    let mut t = w.open_table(table).map_err(|e| failed(&e))?;
    let known = ids
        .get(id.as_str())
        .map_err(|e| failed(&e))?
        .map(|g| g.value());
    let seq = match known {
        Some(seq) => seq,
        None => {
            let seq = next_seq(&t).map_err(|e| failed(&e))?;
            ids.insert(id.as_str(), seq).map_err(|e| failed(&e))?;
            seq
        }
    };
    t.insert(seq, bytes.as_slice()).map_err(|e| failed(&e))?;
    Ok(())
}

fn next_seq(t: &impl ReadableTable<u64, &'static [u8]>) -> Result<u64, redb::StorageError> {
    Ok(t.last()?.map_or(1, |(k, _)| k.value() + 1))
}
