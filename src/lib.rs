#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(rustdoc::broken_intra_doc_links)]
#![warn(missing_debug_implementations)]

pub mod _documentation;
mod engine;
mod error;
mod evidence;
mod model;
mod policy;

pub use engine::{
    Decision, DecisionReport, Diagnostic, Effect, Engine, EngineBuilder, EvidenceKind, EvidenceRef,
    MissingItem, MissingSet, ObligationReport, PackRef, RuleReport, RuleResult, Verdict,
};
pub use error::{
    BuildError, BuildErrorKind, Location, ModelError, ModelErrorKind, PackError, PackProblem,
    PackProblemKind,
};
pub use evidence::{
    ApprovalQuery, CertificationQuery, ConsentQuery, Evidence, EvidenceSnapshot, MemoryEvidence,
    NoEvidence, ScopeQuery, VolumeCount, VolumeQuery,
};
pub use model::{
    Approval, Authority, Category, Certification, CertificationName, Consent, ConsentKind,
    DataItem, EvidenceId, Individuals, Jurisdiction, JurisdictionSet, MAX_ID_LEN, MAX_NAME_LEN,
    Mechanism, Operation, OperationSet, Party, PartyId, Purpose, Role, Scope, Subject, SubjectId,
    Tag, Transfer, TransferBuilder,
};
pub use policy::{
    BUILTIN_IDS, FORMAT_VERSION, Limits, OptionInfo, PackKind, PackLoader, PolicyPack, RuleInfo,
    SourceInfo,
};
