//! Fuzz target `pack_toml`: see `checks::pack_toml`. Builds on stable: under cargo-fuzz
//! (`cargo fuzz run -s none pack_toml`) it is a libFuzzer target; built plainly, `main` replays the
//! files or directories named on the command line.

#![cfg_attr(fuzzing, no_main)]

#[path = "../checks.rs"]
mod checks;

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::pack_toml(data));

#[cfg(not(fuzzing))]
fn main() {
    checks::replay_files(checks::pack_toml);
}
