//! Fuzz target `transfer_json`: see `checks::transfer_json`. Builds on stable: under cargo-fuzz
//! (`cargo fuzz run -s none transfer_json`) it is a libFuzzer target; built plainly, `main` replays the
//! files or directories named on the command line.

#![cfg_attr(fuzzing, no_main)]

#[path = "../checks.rs"]
mod checks;

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::transfer_json(data));

#[cfg(not(fuzzing))]
fn main() {
    checks::replay_files(checks::transfer_json);
}
