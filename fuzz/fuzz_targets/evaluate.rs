//! Fuzz target `evaluate`: see `checks::evaluate`. Builds on stable: under cargo-fuzz
//! (`cargo fuzz run -s none evaluate`) it is a libFuzzer target; built plainly, `main` replays the
//! files or directories named on the command line.

#![cfg_attr(fuzzing, no_main)]

#[path = "../checks.rs"]
mod checks;

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::evaluate(data));

#[cfg(not(fuzzing))]
fn main() {
    checks::replay_files(checks::evaluate);
}
