#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(rustdoc::broken_intra_doc_links)]
#![warn(missing_debug_implementations)]

// The layers, bottom to top; each imports only those above it in this list (tests/it/layering.rs
// checks): error ← model ← pack ← evidence (model only) ← engine ← scenario, decision_log,
// arrow.
pub mod _documentation;
#[cfg(feature = "arrow")]
pub mod arrow;
#[cfg(feature = "decision-log")]
pub mod decision_log;
mod engine;
mod error;
pub mod evidence;
mod model;
pub mod pack;
pub mod scenario;
#[cfg(feature = "schema")]
pub mod schema;

/// What a decision says: its effect, each applicable rule's result, the evidence it relied on,
/// and the diagnostics of an evaluation that failed closed.
pub mod decision {
    pub use crate::engine::decision::*;
}

/// Owned, serializable reports of decisions (the JSON form of a [`Decision`]).
pub mod report {
    pub use crate::engine::report::*;
}

/// The date and time library the API's instants come from, re-exported so that a host needs no
/// dependency of its own to build one (`crossborder::chrono::Utc`).
pub use chrono;

pub use engine::decision::{Decision, Effect};
pub use engine::{
    Act, Catalog, CategoriesHandle, Engine, EngineBuilder, PartyHandle, PlaceHandle,
    PurposesHandle, SubjectHandle, TagsHandle, Transfer,
};
pub use error::{
    BuildError, BuildErrorKind, Error, Location, LogError, LogErrorKind, ModelError,
    ModelErrorKind, PackError, PackProblem, PackProblemKind, ScenarioError, ScenarioErrorKind,
    StoreError, StoreErrorKind, TransferError, TransferErrorKind,
};
pub use evidence::{Evidence, MemoryEvidence, NoEvidence};
pub use model::{
    Approval, Authority, CameFrom, Category, Certification, CertificationName, Consent,
    ConsentKind, DataItem, EvidenceId, Individuals, Jurisdiction, JurisdictionSet, MAX_ID_LEN,
    MAX_NAME_LEN, Mechanism, Onward, Operation, OperationSet, Party, PartyId, Purpose, Role, Scope,
    Status, Subject, SubjectId, Tag, TransferBuilder,
};
pub use pack::{PackLoader, PolicyPack};
