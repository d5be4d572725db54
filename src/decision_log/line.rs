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

use super::checkpoint::SignedCheckpoint;
use super::hex;
use super::merkle::Hash;
use super::scan;

/// The format version in the header.
pub(crate) const FORMAT: u64 = 1;

/// One parsed line.
pub(crate) enum Line<'a> {
    Header { log_id: String },
    Record(RecordParts<'a>),
    Checkpoint(SignedCheckpoint),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderLine {
    crossborder_decision_log: u64,
    log_id: String,
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

/// A record line, read by hand (no JSON library) in the exact form the log writes; the
/// record's bytes are checked apart ([`scan::record`]).
pub(crate) struct RecordParts<'a> {
    pub(crate) seq: u64,
    pub(crate) leaf: Hash,
    pub(crate) subjects: Vec<String>,
    pub(crate) record: &'a [u8],
}

/// Reads a record line (without its `\n`): the framing as the log writes it.
pub(crate) fn record_parts(line: &[u8]) -> Result<RecordParts<'_>, String> {
    let form = || "the record line is not written as the log writes it".to_owned();
    let rest = line.strip_prefix(b"{\"seq\":").ok_or_else(form)?;
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    let (num, rest) = rest.split_at(digits);
    if num.is_empty() || num.len() > 20 || (num.len() > 1 && num.first() == Some(&b'0')) {
        return Err(form());
    }
    let seq: u64 = std::str::from_utf8(num)
        .ok()
        .and_then(|n| n.parse().ok())
        .ok_or_else(form)?;
    let rest = rest.strip_prefix(b",\"leaf\":\"").ok_or_else(form)?;
    let (hex_leaf, rest) = rest.split_at_checked(64).ok_or_else(form)?;
    let leaf = std::str::from_utf8(hex_leaf)
        .ok()
        .and_then(hex::decode32)
        .ok_or("its leaf hash is not 64 lower-case hex digits")?;
    let rest = rest.strip_prefix(b"\",\"subjects\":[").ok_or_else(form)?;
    let mut subjects = Vec::new();
    let mut i = 0;
    if rest.first() != Some(&b']') {
        loop {
            let (s, end) =
                scan::string_at(rest, i).map_err(|e| format!("its subject index: {e}"))?;
            subjects.push(s);
            i = end;
            match rest.get(i) {
                Some(b',') => i += 1,
                Some(b']') => break,
                _ => return Err(form()),
            }
        }
    }
    let rest = rest
        .get(i..)
        .unwrap_or_default()
        .strip_prefix(b"],\"record\":")
        .ok_or_else(form)?;
    let record = rest.strip_suffix(b"}").ok_or_else(form)?;
    Ok(RecordParts {
        seq,
        leaf,
        subjects,
        record,
    })
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
        return record_parts(line).map(Line::Record);
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
