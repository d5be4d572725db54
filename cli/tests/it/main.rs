//! The command line's tests: one binary. `commands` runs every command as a user does (exit
//! codes, text and JSON, located errors); `schemas` validates what the repository ships and
//! what the command writes against the JSON Schemas; `docs` runs the documented commands.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

mod commands;
mod docs;
mod schemas;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository root: the commands run from there, on the shipped packs and examples.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The `crossborder` binary, run from the repository root without colours.
pub(crate) fn cb() -> Command {
    let mut c = Command::cargo_bin("crossborder").unwrap();
    c.current_dir(root()).env("NO_COLOR", "1");
    c
}
