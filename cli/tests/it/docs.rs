//! Runs the `console` blocks of the README and docs/TESTING.md and compares what the command
//! prints with what they show (`TRYCMD=overwrite cargo test -p crossborder-cli --test it docs`
//! rewrites them after a deliberate change).

#[test]
fn documented_commands_print_what_the_docs_show() {
    let root = crate::root();
    // The documents name paths from the repository root. Every other test of this binary
    // uses absolute paths (its commands run in the root explicitly), so changing the
    // process's directory affects none of them.
    std::env::set_current_dir(&root).unwrap();
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .register_bin("crossborder", trycmd::cargo::cargo_bin!("crossborder"))
        .case("README.md")
        .case("docs/TESTING.md");
}

#[test]
fn the_documented_scenario_file_is_the_shipped_one() {
    let root = crate::root();
    let doc = std::fs::read_to_string(root.join("docs/TESTING.md")).unwrap();
    let file =
        std::fs::read_to_string(root.join("examples/formats/everything.scenarios.toml")).unwrap();
    let start = doc.find("```toml\n").unwrap() + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    assert_eq!(
        &doc[start..end],
        file,
        "docs/TESTING.md's example drifted from the file"
    );
}
