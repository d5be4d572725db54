//! The integration tests: one binary, a module per concern, helpers in [`support`].
//!
//! The property suite (`tests/props/`) is its own binary, so its cases can be run apart.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

mod support;

mod alloc;
#[cfg(feature = "arrow")]
mod arrow;
mod batch;
mod catalog;
#[cfg(feature = "decision-log")]
mod decision_log;
#[cfg(feature = "durable")]
mod durable;
mod evidence_stores;
mod format2;
mod format_doc;
mod fuzz_regressions;
mod hygiene;
mod layering;
mod ledger;
mod limits;
mod packs_doc;
mod pledge;
mod replay;
mod scenarios;
