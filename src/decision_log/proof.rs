//! Inclusion and consistency proofs, as values anyone can check with the public key.

use serde::{Deserialize, Serialize};

use super::checkpoint::{SignedCheckpoint, VerifyingKey};
use super::hex;
use super::merkle::{self, Hash};
use crate::error::{LogError, LogErrorKind};

fn proof_error(m: String) -> LogError {
    LogError::new(LogErrorKind::Proof, m)
}

fn decode_path(path: &[String]) -> Result<Vec<Hash>, LogError> {
    path.iter()
        .map(|h| {
            hex::decode32(h).ok_or_else(|| {
                proof_error(format!("`{h}` in the proof is not a hash (64 hex digits)"))
            })
        })
        .collect()
}

/// The proof that one record is in the log at a checkpoint's size (RFC 6962 audit path).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct InclusionProof {
    /// The log's id.
    pub log_id: String,
    /// The record's sequence number (its leaf index).
    pub seq: u64,
    /// The tree size the proof is for.
    pub size: u64,
    /// The record's leaf hash (SHA-256 of `0x00` and its canonical bytes), 64 hex digits.
    pub leaf: String,
    /// The audit path, leaf to root.
    pub path: Vec<String>,
}

impl InclusionProof {
    pub(crate) fn new(log_id: String, seq: u64, size: u64, leaf: Hash, path: Vec<Hash>) -> Self {
        InclusionProof {
            log_id,
            seq,
            size,
            leaf: hex::encode(&leaf),
            path: path.iter().map(|h| hex::encode(h)).collect(),
        }
    }

    /// Checks that `record` (the record's canonical bytes) is record `seq` of the log that
    /// `checkpoint` signed, with `key`: the signature, the log id, the size, the leaf hash of
    /// the bytes and the path to the checkpoint's root.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Signature`] for a checkpoint `key` did not sign;
    /// [`LogErrorKind::Proof`] naming what does not hold.
    pub fn verify(
        &self,
        record: &[u8],
        checkpoint: &SignedCheckpoint,
        key: &VerifyingKey,
    ) -> Result<(), LogError> {
        key.verify(checkpoint)?;
        let c = &checkpoint.checkpoint;
        if c.log_id != self.log_id || c.size != self.size {
            return Err(proof_error(format!(
                "the proof is for log `{}` at size {}, the checkpoint for log `{}` at size {}",
                self.log_id, self.size, c.log_id, c.size
            )));
        }
        let leaf = merkle::leaf_hash(record);
        if hex::encode(&leaf) != self.leaf {
            return Err(proof_error(format!(
                "record {}: the bytes given do not hash to the proof's leaf: not the record that was logged",
                self.seq
            )));
        }
        let root = checkpoint
            .root_hash()
            .ok_or_else(|| proof_error("the checkpoint's root is not a hash".into()))?;
        if !merkle::verify_inclusion(self.seq, self.size, &leaf, &decode_path(&self.path)?, &root) {
            return Err(proof_error(format!(
                "record {}: the proof does not lead to the root the checkpoint of size {} signed",
                self.seq, self.size
            )));
        }
        Ok(())
    }
}

/// The proof that the log at one checkpoint extends the log at an earlier one: nothing before
/// the earlier size was rewritten (RFC 6962 consistency proof).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ConsistencyProof {
    /// The log's id.
    pub log_id: String,
    /// The earlier size.
    pub old_size: u64,
    /// The later size.
    pub new_size: u64,
    /// The proof's hashes.
    pub path: Vec<String>,
}

impl ConsistencyProof {
    pub(crate) fn new(log_id: String, old_size: u64, new_size: u64, path: Vec<Hash>) -> Self {
        ConsistencyProof {
            log_id,
            old_size,
            new_size,
            path: path.iter().map(|h| hex::encode(h)).collect(),
        }
    }

    /// Checks that checkpoint `new` extends checkpoint `old`, both signed with `key`.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Signature`]; [`LogErrorKind::Proof`] when the sizes or logs do not
    /// match the proof, or the later log rewrote the earlier one.
    pub fn verify(
        &self,
        old: &SignedCheckpoint,
        new: &SignedCheckpoint,
        key: &VerifyingKey,
    ) -> Result<(), LogError> {
        key.verify(old)?;
        key.verify(new)?;
        let (o, n) = (&old.checkpoint, &new.checkpoint);
        if o.log_id != self.log_id
            || n.log_id != self.log_id
            || o.size != self.old_size
            || n.size != self.new_size
        {
            return Err(proof_error(format!(
                "the proof is for log `{}` from size {} to {}, the checkpoints for `{}` at {} and `{}` at {}",
                self.log_id, self.old_size, self.new_size, o.log_id, o.size, n.log_id, n.size
            )));
        }
        let (Some(or), Some(nr)) = (old.root_hash(), new.root_hash()) else {
            return Err(proof_error("a checkpoint's root is not a hash".into()));
        };
        if !merkle::verify_consistency(
            self.old_size,
            self.new_size,
            &or,
            &nr,
            &decode_path(&self.path)?,
        ) {
            return Err(proof_error(format!(
                "the checkpoint of size {} does not extend the checkpoint of size {}: the log was rewritten between them",
                self.new_size, self.old_size
            )));
        }
        Ok(())
    }
}
