//! Fuzz target `pack_json`: see `checks::pack_json`. Builds on stable: under cargo-fuzz
//! (`cargo fuzz run -s none pack_json`) it is a libFuzzer target; built plainly, `main` replays the
//! files or directories named on the command line.

#![cfg_attr(fuzzing, no_main)]

#[path = "../checks.rs"]
mod checks;

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::pack_json(data));

#[cfg(not(fuzzing))]
fn main() {
    for arg in std::env::args().skip(1) {
        let path = std::path::Path::new(&arg);
        let files: Vec<std::path::PathBuf> = if path.is_dir() {
            std::fs::read_dir(path).into_iter().flatten().flatten().map(|e| e.path()).collect()
        } else {
            vec![path.to_path_buf()]
        };
        for f in files {
            if let Ok(data) = std::fs::read(&f) {
                checks::pack_json(&data);
                println!("ok {}", f.display());
            }
        }
    }
}
