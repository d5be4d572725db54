//! Limits for untrusted packs: each is enforced with a located, plain-words error, and deeply
//! nested or oversized input is refused without a crash.

use crossborder::pack::{BUILTIN_IDS, Limits};
use crossborder::{PackLoader, PackProblemKind, PolicyPack};

const HEAD: &str =
    "format = 1\nid = \"l\"\ntitle = \"T\"\nkind = \"law\"\nissuer = \"CN\"\nversion = \"1\"\n";

fn rule(id: &str) -> String {
    format!("[[rules]]\nid = \"{id}\"\nsummary = \"s\"\ncite = \"c\"\nprohibit = true\n")
}

fn limit_error(limits: Limits, text: &str) -> (String, String) {
    let err = PackLoader::new()
        .limits(limits)
        .load_toml(text)
        .unwrap_err();
    let p = &err.problems()[0];
    assert_eq!(p.kind(), PackProblemKind::Limit, "{err}");
    (p.location().path().to_owned(), p.message().to_owned())
}

#[test]
fn bytes() {
    let (path, msg) = limit_error(Limits::default().max_bytes(10), HEAD);
    assert_eq!(path, "");
    assert_eq!(
        msg,
        format!(
            "the pack is {} bytes long, more than the limit of 10",
            HEAD.len()
        )
    );
    let err = PackLoader::new()
        .limits(Limits::default().max_bytes(10))
        .load_json("{}")
        .unwrap_err();
    assert!(err.problems().is_empty() || err.problems()[0].kind() != PackProblemKind::Limit);
}

#[test]
fn rules() {
    let text = format!("{HEAD}{}{}", rule("a"), rule("b"));
    let (path, msg) = limit_error(Limits::default().max_rules(1), &text);
    assert_eq!(path, "rules");
    assert_eq!(msg, "the pack has 2 rules, more than the limit of 1");
    assert!(
        PackLoader::new()
            .limits(Limits::default().max_rules(2))
            .load_toml(&text)
            .is_ok()
    );
}

#[test]
fn alternatives_and_bases() {
    let text = format!(
        "{HEAD}[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\nrequire = [{{ consent = {{ min_kind = \"express\" }}, destination_in = [\"US\"] }}, {{ destination_in = [\"GB\"] }}]\n"
    );
    let (path, msg) = limit_error(Limits::default().max_alternatives(1), &text);
    assert_eq!(path, "rules[0].require");
    assert_eq!(msg, "rule `r` has 2 alternatives, more than the limit of 1");
    let (path, msg) = limit_error(Limits::default().max_bases(1), &text);
    assert_eq!(path, "rules[0].require[0]");
    assert_eq!(
        msg,
        "rule `r` has an alternative with 2 bases, more than the limit of 1"
    );
    // More than 32 bases is refused whatever the limits say.
    let many: Vec<String> = (0..33)
        .map(|i| format!("{{ counter = \"c\", at_least = {i} }}"))
        .collect();
    let text = format!(
        "{HEAD}[counters.c]\nsummary = \"s\"\nwindow = \"calendar_year\"\nindividuals = \"all\"\n[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\nrequire = [{{ volume = [{}] }}]\n",
        many.join(", ")
    );
    let (_, msg) = limit_error(Limits::default().max_bases(1000), &text);
    assert_eq!(
        msg,
        "rule `r` has an alternative with 33 bases, more than the limit of 32"
    );
}

#[test]
fn strings_and_lists() {
    let text = format!("{HEAD}summary = \"{}\"\n", "x".repeat(100));
    let (path, msg) = limit_error(Limits::default().max_string_len(99), &text);
    assert_eq!(path, "summary");
    assert_eq!(msg, "a string of 100 bytes is longer than the limit of 99");
    let members: Vec<String> = ["DE", "FR", "IE"]
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect();
    let text = format!("{HEAD}[groups.EEA]\nmembers = [{}]\n", members.join(", "));
    let (path, msg) = limit_error(Limits::default().max_list_len(2), &text);
    assert_eq!(path, "groups.EEA.members");
    assert_eq!(msg, "a list of 3 items is longer than the limit of 2");
}

#[test]
fn groups_and_counters() {
    let text = format!("{HEAD}[groups.AA]\nmembers = [\"DE\"]\n[groups.BB]\nmembers = [\"FR\"]\n");
    let (path, msg) = limit_error(Limits::default().max_groups(1), &text);
    assert_eq!(path, "groups");
    assert_eq!(msg, "the pack has 2 groups, more than the limit of 1");
    let text = format!(
        "{HEAD}[counters.a]\nsummary = \"s\"\nwindow = \"calendar_year\"\nindividuals = \"all\"\n[counters.b]\nsummary = \"s\"\nwindow = \"calendar_year\"\nindividuals = \"all\"\n"
    );
    let (path, msg) = limit_error(Limits::default().max_counters(1), &text);
    assert_eq!(path, "counters");
    assert_eq!(msg, "the pack has 2 counters, more than the limit of 1");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let toml = format!(
        "{HEAD}summary = {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let err = PolicyPack::from_toml_str(&toml).unwrap_err();
    assert_eq!(err.problems()[0].kind(), PackProblemKind::Syntax);
    let json = format!(
        "{{\"format\": 1, \"summary\": {}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let err = PolicyPack::from_json_str(&json).unwrap_err();
    assert_eq!(err.problems()[0].kind(), PackProblemKind::Syntax);
    let inline = format!(
        "{HEAD}summary = {}1{}\n",
        "{ a = ".repeat(depth),
        " }".repeat(depth)
    );
    assert!(PolicyPack::from_toml_str(&inline).is_err());
}

#[test]
fn the_defaults_admit_every_built_in_pack() {
    for id in BUILTIN_IDS {
        assert!(PolicyPack::builtin(id).is_some(), "{id}");
    }
}
