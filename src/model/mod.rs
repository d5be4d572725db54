//! Plain data the caller builds: jurisdictions, categories, subjects, parties, data items,
//! operations, purposes, consents, approvals and transfers.
//!
//! Every type validates on construction, implements serde, and (for the scalar ones) has
//! `FromStr`/`Display` that round-trip. An invalid value cannot be built, so evaluation never
//! sees one.

mod act;
mod grant;
mod jurisdiction;
mod names;
mod transfer;

pub use act::{
    Certification, DataItem, Individuals, Operation, OperationSet, Party, Role, Subject,
};
pub use grant::{Approval, Consent, ConsentKind, Scope};
pub(crate) use jurisdiction::COUNTRY_COUNT;
pub use jurisdiction::{Jurisdiction, JurisdictionSet};
pub(crate) use names::falls_under;
pub use names::{
    Authority, Category, CertificationName, EvidenceId, MAX_ID_LEN, MAX_NAME_LEN, Mechanism,
    PartyId, Purpose, SubjectId, Tag,
};
pub(crate) use transfer::TransferKey;
pub use transfer::{Transfer, TransferBuilder};
