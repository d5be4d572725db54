//! Signed checkpoints: `{log id, size, root hash, time}` signed with Ed25519, and the keys.

use std::fmt;
use std::path::Path;

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer, Verifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::canonical::to_canonical;
use super::hex;
use crate::error::{Location, LogError, LogErrorKind};

/// What a checkpoint's signature covers, before the checkpoint's canonical JSON.
const DOMAIN: &[u8] = b"crossborder-checkpoint/1\n";

/// The state of a log at one moment: its id, how many records it held and their Merkle tree
/// head.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Checkpoint {
    /// The log's id.
    pub log_id: String,
    /// How many records the log held.
    pub size: u64,
    /// The tree head over them (64 hex digits of SHA-256; RFC 6962).
    pub root: String,
    /// When the host made it (its clock, or the last record's instant for automatic ones).
    pub time: DateTime<Utc>,
}

impl Checkpoint {
    /// The bytes its signature covers: `crossborder-checkpoint/1\n` and its canonical JSON.
    #[must_use]
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut out = DOMAIN.to_vec();
        // A struct of strings and integers: serialising it cannot fail.
        out.extend(to_canonical(self).unwrap_or_default());
        out
    }
}

/// A checkpoint, signed: what a host publishes and a supervisor keeps. Its JSON is one line
/// of the log file (`{"checkpoint": {…}, "key": "…", "signature": "…"}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SignedCheckpoint {
    /// What was signed.
    pub checkpoint: Checkpoint,
    /// The id of the key that signed it ([`VerifyingKey::id`]).
    pub key: String,
    /// The Ed25519 signature, 128 hex digits.
    pub signature: String,
}

impl SignedCheckpoint {
    /// Reads one from its JSON.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Damaged`] for JSON that is not a signed checkpoint.
    pub fn from_json_str(text: &str) -> Result<Self, LogError> {
        serde_json::from_str(text.trim()).map_err(|e| {
            LogError::new(
                LogErrorKind::Damaged,
                format!("not a signed checkpoint: {e}"),
            )
        })
    }

    /// Its JSON, on one line.
    #[must_use]
    pub fn to_json(&self) -> String {
        String::from_utf8(to_canonical(self).unwrap_or_default()).unwrap_or_default()
    }

    /// The tree head, as bytes.
    pub(crate) fn root_hash(&self) -> Option<[u8; 32]> {
        hex::decode32(&self.checkpoint.root)
    }
}

/// The secret key a host signs checkpoints with. Keep it secret; give supervisors its
/// [`verifying_key`](Self::verifying_key).
///
/// Stored as one line of 64 hex digits (the Ed25519 seed); [`write`](Self::write) creates
/// the file readable by its owner only.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.verifying_key().id())
    }
}

impl SigningKey {
    /// A new key from the operating system's random numbers.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Key`] when the system gives no random numbers.
    pub fn generate() -> Result<Self, LogError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| {
            LogError::new(
                LogErrorKind::Key,
                format!("no random numbers for a new key: {e}"),
            )
        })?;
        Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// The key from its 64 hex digits.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Key`] for anything else (the message does not repeat the text).
    pub fn from_hex(text: &str) -> Result<Self, LogError> {
        let seed = hex::decode32(text.trim()).ok_or_else(|| {
            LogError::new(
                LogErrorKind::Key,
                "a signing key is 64 hex digits on one line (`crossborder log keygen` writes one)",
            )
        })?;
        Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// Its 64 hex digits: the secret.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(&self.0.to_bytes())
    }

    /// Reads a key file.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Io`] or [`LogErrorKind::Key`], naming the file.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, LogError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            LogError::new(LogErrorKind::Io, format!("cannot read the key: {e}")).at(file(path))
        })?;
        SigningKey::from_hex(&text).map_err(|e| e.at(file(path)))
    }

    /// Writes the key to a new file, readable and writable by its owner only (on Unix).
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Io`], naming the file; an existing file is never overwritten.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<(), LogError> {
        use std::io::Write;
        let path = path.as_ref();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let io = |e: std::io::Error| {
            LogError::new(LogErrorKind::Io, format!("cannot write the key: {e}")).at(file(path))
        };
        let mut f = options.open(path).map_err(io)?;
        writeln!(f, "{}", self.to_hex()).map_err(io)?;
        f.sync_all().map_err(io)
    }

    /// The public half, for supervisors.
    #[must_use]
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(self.0.verifying_key())
    }

    /// Signs `checkpoint`.
    #[must_use]
    pub fn sign(&self, checkpoint: Checkpoint) -> SignedCheckpoint {
        let signature = self.0.sign(&checkpoint.signed_bytes());
        SignedCheckpoint {
            checkpoint,
            key: self.verifying_key().id(),
            signature: hex::encode(&signature.to_bytes()),
        }
    }
}

/// The public key a supervisor holds: it verifies checkpoints and nothing else. Written as
/// 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct VerifyingKey(ed25519_dalek::VerifyingKey);

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({})", self.to_hex())
    }
}

impl fmt::Display for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl std::str::FromStr for VerifyingKey {
    type Err = LogError;
    fn from_str(s: &str) -> Result<Self, LogError> {
        VerifyingKey::from_hex(s)
    }
}

impl VerifyingKey {
    /// The key from its 64 hex digits.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Key`] for anything else, or bytes that are not a point of the curve.
    pub fn from_hex(text: &str) -> Result<Self, LogError> {
        let bytes = hex::decode32(text.trim()).ok_or_else(|| {
            LogError::new(
                LogErrorKind::Key,
                format!(
                    "`{}` is not a public key: expected 64 hex digits (`crossborder log keygen` prints one)",
                    text.trim().chars().take(80).collect::<String>()
                ),
            )
        })?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map(VerifyingKey)
            .map_err(|_| {
                LogError::new(
                    LogErrorKind::Key,
                    "the public key is not a valid Ed25519 key",
                )
            })
    }

    /// Its 64 hex digits.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    /// Its id: the first 16 hex digits of the SHA-256 of the key.
    #[must_use]
    pub fn id(&self) -> String {
        let digest: [u8; 32] = Sha256::digest(self.0.as_bytes()).into();
        hex::encode(digest.get(..8).unwrap_or(&digest))
    }

    /// Checks `checkpoint`'s signature.
    ///
    /// # Errors
    ///
    /// [`LogErrorKind::Signature`] when another key signed it or the signature does not verify
    /// (the checkpoint, or the signature, was altered).
    pub fn verify(&self, checkpoint: &SignedCheckpoint) -> Result<(), LogError> {
        let c = &checkpoint.checkpoint;
        let what = format!("checkpoint of size {} of log `{}`", c.size, c.log_id);
        if checkpoint.key != self.id() {
            return Err(LogError::new(
                LogErrorKind::Signature,
                format!(
                    "{what} is signed by key `{}`, not by the key given (`{}`)",
                    checkpoint.key,
                    self.id()
                ),
            ));
        }
        let signature = hex::decode64(&checkpoint.signature)
            .map(|b| ed25519_dalek::Signature::from_bytes(&b))
            .ok_or_else(|| {
                LogError::new(
                    LogErrorKind::Signature,
                    format!("{what}: the signature is not 128 hex digits"),
                )
            })?;
        self.0.verify(&c.signed_bytes(), &signature).map_err(|_| {
            LogError::new(
                LogErrorKind::Signature,
                format!("{what}: the signature does not verify: the checkpoint or its signature was altered, or forged"),
            )
        })
    }
}

fn file(path: &Path) -> Location {
    Location {
        file: Some(path.display().to_string().into()),
        ..Location::default()
    }
}
