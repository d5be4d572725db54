//! Replays every committed fuzz reproducer (`fuzz/regressions/<target>/*`) through the same
//! check the fuzz target runs. A reproducer is any input that once crashed a target, or a seed
//! worth keeping; each must now pass.

#[path = "../../fuzz/checks.rs"]
mod checks;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "fuzz reproducer {} fails", path.display());
        n += 1;
    }
    n
}

#[test]
fn pack_toml_reproducers() {
    assert!(replay("pack_toml", checks::pack_toml) > 0);
}

#[test]
fn pack_json_reproducers() {
    assert!(replay("pack_json", checks::pack_json) > 0);
}

#[test]
fn transfer_json_reproducers() {
    assert!(replay("transfer_json", checks::transfer_json) > 0);
}

#[test]
fn evaluate_reproducers() {
    assert!(replay("evaluate", checks::evaluate) > 0);
}
