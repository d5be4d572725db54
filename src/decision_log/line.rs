//! The log file's lines: one header, then record and checkpoint lines, each ending in `\n`.
//!
//! ```text
//! {"crossborder_decision_log":1,"log_id":"acme-eu-2026"}
//! {"seq":0,"leaf":"<64 hex>","subjects":["u-42"],"record":{…canonical JSON…}}
//! {"checkpoint":{"log_id":"acme-eu-2026","root":"<64 hex>","size":1,"time":"…"},"key":"<16 hex>","signature":"<128 hex>"}
//! ```
//!
//! Every line is written in exactly one way; reading a line re-renders it and refuses any
//! other bytes, so no byte of a line can change unnoticed.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::checkpoint::SignedCheckpoint;
use super::hex;
use super::merkle::Hash;

/// The format version in the header.
pub(crate) const FORMAT: u64 = 1;

/// One parsed line.
pub(crate) enum Line<'a> {
    Header {
        log_id: String,
    },
    Record {
        seq: u64,
        leaf: Hash,
        subjects: Vec<String>,
        record: &'a [u8],
    },
    Checkpoint(SignedCheckpoint),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderLine {
    crossborder_decision_log: u64,
    log_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordLine<'a> {
    seq: u64,
    leaf: &'a str,
    subjects: Vec<String>,
    #[serde(borrow)]
    record: &'a RawValue,
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

pub(crate) fn header(log_id: &str) -> Vec<u8> {
    format!(
        "{{\"crossborder_decision_log\":{FORMAT},\"log_id\":{}}}\n",
        json_string(log_id)
    )
    .into_bytes()
}

pub(crate) fn record(seq: u64, leaf: &Hash, subjects: &[String], record: &[u8]) -> Vec<u8> {
    let subjects: Vec<String> = subjects.iter().map(|s| json_string(s)).collect();
    let mut out = format!(
        "{{\"seq\":{seq},\"leaf\":\"{}\",\"subjects\":[{}],\"record\":",
        hex::encode(leaf),
        subjects.join(",")
    )
    .into_bytes();
    out.extend_from_slice(record);
    out.extend_from_slice(b"}\n");
    out
}

pub(crate) fn checkpoint(c: &SignedCheckpoint) -> Vec<u8> {
    let mut out = c.to_json().into_bytes();
    out.push(b'\n');
    out
}

/// Parses one line (without its `\n`); `Err` says what is wrong with it.
pub(crate) fn parse(line: &[u8], first: bool) -> Result<Line<'_>, String> {
    if first {
        let h: HeaderLine = serde_json::from_slice(line)
            .map_err(|_| "not a decision log: the first line is not its header".to_owned())?;
        if h.crossborder_decision_log != FORMAT {
            return Err(format!(
                "a decision log of format {}, which this version does not read (it reads {FORMAT})",
                h.crossborder_decision_log
            ));
        }
        if header(&h.log_id).strip_suffix(b"\n") != Some(line) {
            return Err("the header is not written as the log writes it".into());
        }
        return Ok(Line::Header { log_id: h.log_id });
    }
    if line.starts_with(b"{\"seq\":") {
        let r: RecordLine<'_> = serde_json::from_slice(line)
            .map_err(|e| format!("not a well-formed record line: {e}"))?;
        let leaf = hex::decode32(r.leaf).ok_or("its leaf hash is not 64 lower-case hex digits")?;
        let bytes = r.record.get().as_bytes();
        if record(r.seq, &leaf, &r.subjects, bytes).strip_suffix(b"\n") != Some(line) {
            return Err("the record line is not written as the log writes it".into());
        }
        return Ok(Line::Record {
            seq: r.seq,
            leaf,
            subjects: r.subjects,
            record: bytes,
        });
    }
    if line.starts_with(b"{\"checkpoint\":") {
        let c: SignedCheckpoint = serde_json::from_slice(line)
            .map_err(|e| format!("not a well-formed checkpoint line: {e}"))?;
        if checkpoint(&c).strip_suffix(b"\n") != Some(line) {
            return Err("the checkpoint line is not written as the log writes it".into());
        }
        return Ok(Line::Checkpoint(c));
    }
    Err("neither a record nor a checkpoint line".into())
}
