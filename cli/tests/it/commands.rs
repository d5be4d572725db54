//! Every command, run as a user runs it: every command, every exit code, text and
//! JSON output, located errors.

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

use crate::{cb, root};

/// A scratch file with `text`, unique to `name` (tests run in parallel).
fn scratch(name: &str, text: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crossborder-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn stdout_json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

const MAIN_PACKS: &str = "cn-pipl,eu-gdpr,uk-gdpr,ch-fadp,in-dpdp,kr-pipa,ru-152fz";

fn eval_acme() -> Command {
    let mut c = cb();
    c.args([
        "eval",
        "--packs",
        MAIN_PACKS,
        "--pack-file",
        "examples/acme/acme.toml",
        "--evidence",
        "examples/acme/evidence.jsonl",
    ]);
    c
}

const BAD_PACK: &str = "format = 1\nid = \"shop\"\ntitle = \"Shop\"\nkind = \"voluntary\"\nissuer = \"DE\"\nversion = \"1\"\n\n[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\nprohibit = true\napplies_when = { destination_not_in = [\"EEA\"], categories = [\"personal.contacts\"] }\n";

// ---- check -------------------------------------------------------------------------------

#[test]
fn check_accepts_valid_packs() {
    cb().args(["check", "packs/eu-gdpr.toml", "packs/cn-pipl.toml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("ok: packs/eu-gdpr.toml (eu-gdpr "))
        .stdout(predicate::str::contains("ok: packs/cn-pipl.toml (cn-pipl "));
}

#[test]
fn check_shows_every_problem_with_a_snippet_and_a_hint() {
    let bad = scratch("bad.toml", BAD_PACK.as_bytes());
    let out = cb()
        .arg("check")
        .arg(&bad)
        .assert()
        .code(3)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("error: rule `r` references unknown group `EEA`"),
        "{err}"
    );
    assert!(err.contains(":13:40"), "{err}");
    assert!(
        err.contains("^^^^^ rules[0].applies_when.destination_not_in[0]"),
        "{err}"
    );
    assert!(
        err.contains("= help: did you mean `personal.contact`?"),
        "{err}"
    );
    assert!(err.contains("2 problem(s) found"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn check_reports_json() {
    let bad = scratch("bad-json.toml", BAD_PACK.as_bytes());
    let out = cb()
        .args(["check", "--output", "json"])
        .arg(&bad)
        .assert()
        .code(3)
        .get_output()
        .clone();
    let v = stdout_json(&out);
    assert_eq!(v["ok"], false);
    let problems = v["files"][0]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2);
    assert_eq!(problems[1]["line"], 13);
    assert_eq!(problems[1]["path"], "rules[0].applies_when.categories[0]");
    assert_eq!(problems[1]["hint"], "did you mean `personal.contact`?");
}

#[test]
fn check_locates_a_json_packs_problems_too() {
    let json = "{\n  \"format\": 1, \"id\": \"shop\", \"title\": \"Shop\", \"kind\": \"voluntary\",\n  \"issuer\": \"UK\", \"version\": \"1\"\n}\n";
    let file = scratch("shop.json", json.as_bytes());
    cb().arg("check")
        .arg(&file)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("shop.json:3:13"))
        .stderr(predicate::str::contains("^^^^ issuer"))
        .stderr(predicate::str::contains("did you mean `GB`?"));
}

#[test]
fn check_builds_the_packs_together() {
    // The company pack names eu-gdpr's group and means the law packs' purposes.
    cb().args(["check", "examples/acme/acme.toml"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("do not make an engine together"))
        .stderr(predicate::str::contains("--packs"));
    cb().args([
        "check",
        "--packs",
        "cn-pipl,eu-gdpr,kr-pipa",
        "examples/acme/acme.toml",
    ])
    .assert()
    .code(0);
}

#[test]
fn check_locates_bytes_that_are_not_utf8_and_io_errors() {
    let latin1 = scratch("latin1.toml", b"format = 1\ntitle = \"Caf\xe9\"\n");
    cb().arg("check")
        .arg(&latin1)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("latin1.toml:2:13: not UTF-8"))
        .stderr(predicate::str::contains(
            "invalid byte 0xe9 at byte offset 23",
        ));
    cb().args(["check", "no/such/pack.toml"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("cannot read `no/such/pack.toml`"));
    cb().args(["check", "--format", "json", "-"])
        .write_stdin(
            crossborder::PolicyPack::builtin("cn-pledge-2015")
                .unwrap()
                .to_json_string(),
        )
        .assert()
        .code(0)
        .stdout(predicate::str::contains("ok: <stdin> (cn-pledge-2015"));
}

#[test]
fn usage_errors_exit_2() {
    cb().arg("check").assert().code(2);
    cb().arg("frobnicate").assert().code(2);
    cb().args(["schema", "policy"]).assert().code(2);
    // Clap cannot see these; the command says what to do.
    cb().args(["eval", "examples/acme/acts.jsonl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no packs: name built-in packs with `--packs",
        ));
    cb().args(["eval", "--packs", "cn-pipl", "--option", "cn-pipl=yes", "-"])
        .write_stdin("{}")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expected `PACK.OPTION=true`"));
    cb().arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Exit codes"));
}

// ---- eval --------------------------------------------------------------------------------

#[test]
fn eval_decides_a_batch_with_a_summary() {
    let out = eval_acme()
        .arg("examples/acme/acts.jsonl")
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 300);
    assert!(lines[0].starts_with("act-0001\t"), "{}", lines[0]);
    assert!(lines.iter().any(|l| l.contains("\tdeny\t")));
    assert!(lines.iter().any(|l| l.contains("\tallow\t")));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let allowed = lines.iter().filter(|l| l.contains("\tallow\t")).count();
    assert!(
        stderr.starts_with(&format!(
            "300 acts: {allowed} allowed, {} denied",
            300 - allowed
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("acme/no-marketing-export-from-cn"),
        "{stderr}"
    );
    eval_acme()
        .args(["--fail-on-deny", "--quiet", "examples/acme/acts.jsonl"])
        .assert()
        .code(1)
        .stderr("");
}

#[test]
fn eval_one_act_explains_it_and_writes_json() {
    let act = std::fs::read_to_string(root().join("examples/acme/acts.jsonl")).unwrap();
    let first = act.lines().next().unwrap().to_owned();
    eval_acme()
        .arg("-")
        .write_stdin(first.clone())
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "ALLOW: remote_access of personal.contact",
        ))
        .stdout(predicate::str::contains("cite: "))
        .stderr("");
    let out = eval_acme()
        .args(["--output", "json", "-"])
        .write_stdin(first)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let v = stdout_json(&out);
    assert_eq!(v["effect"], "allow");
    assert_eq!(v["transfer_id"], "act-0001");
    assert_eq!(v["packs"].as_array().unwrap().len(), 8);
    assert!(v["packs"][0]["sha256"].as_str().unwrap().len() == 64);
}

#[test]
fn eval_jsonl_writes_one_report_per_act() {
    let out = eval_acme()
        .args(["--output", "jsonl", "examples/acme/acts.jsonl"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let reports: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports.len(), 300);
    // A deny explained with the evidence names the consent held and why it does not count.
    let near = reports
        .iter()
        .any(|r| r.to_string().contains("\"near_misses\""));
    assert!(near);
}

#[test]
fn explain_writes_every_explanation_of_a_batch() {
    let out = cb()
        .args([
            "explain",
            "--packs",
            MAIN_PACKS,
            "--pack-file",
            "examples/acme/acme.toml",
        ])
        .arg("examples/acme/acts.jsonl")
        .args(["--quiet"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("ALLOW: ") || l.starts_with("DENY: "))
            .count(),
        300
    );
    assert!(text.contains("missing, any one of:"));
}

#[test]
fn eval_refuses_invalid_acts_with_their_line() {
    let acts = "{\"id\": \"a\", \"operation\": \"transfer\", \"destination\": \"US\", \"at\": \"2026-03-01T00:00:00Z\", \"exporter\": {\"id\": \"x\"}, \"data\": {\"categories\": [\"personal.contact\"], \"collected_in\": \"CN\", \"individuals\": {\"one\": {\"id\": \"u\"}}}}\n{\"id\": \"b\", \"destination\": \"UK\"}\n";
    let file = scratch("acts.jsonl", acts.as_bytes());
    let out = cb()
        .args(["eval", "--packs", "cn-pipl"])
        .arg(&file)
        .assert()
        .code(3)
        .get_output()
        .clone();
    assert!(out.stdout.is_empty(), "nothing is decided");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("acts.jsonl:2:"), "{err}");
    assert!(err.contains("destination"), "{err}");
    assert!(err.contains("did you mean `GB`?"), "{err}");
    // --keep-going decides the valid act and still exits 3.
    cb().args(["eval", "--packs", "cn-pipl", "--keep-going"])
        .arg(&file)
        .assert()
        .code(3)
        .stdout(predicate::str::starts_with("a\t"));
    // With --output json, the error is JSON too.
    let out = cb()
        .args(["eval", "--packs", "cn-pipl", "--output", "json"])
        .arg(&file)
        .assert()
        .code(3)
        .get_output()
        .clone();
    let v: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(v["error"]["code"], "invalid_input");
    assert_eq!(v["error"]["diagnostics"][0]["line"], 2);
}

#[test]
fn eval_refuses_evidence_naming_what_no_pack_declares() {
    let ev = scratch(
        "evidence.jsonl",
        b"{\"consent\": {\"id\": \"c-1\", \"subject\": \"u\", \"kind\": \"separate\", \"granted_at\": \"2026-01-01T00:00:00Z\", \"scope\": {\"categories\": [\"personal.contacts\"], \"destinations\": [\"US\"], \"operations\": [\"transfer\"]}}}\n",
    );
    cb().args(["eval", "--packs", "cn-pipl", "--evidence"])
        .arg(&ev)
        .arg("-")
        .write_stdin("{}")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("evidence.jsonl:1:1"))
        .stderr(predicate::str::contains(
            "names category `personal.contacts`",
        ))
        .stderr(predicate::str::contains(
            "help: did you mean `personal.contact`?",
        ));
    cb().args([
        "eval",
        "--packs",
        "cn-pipl",
        "--evidence",
        "no/such.jsonl",
        "-",
    ])
    .write_stdin("{}")
    .assert()
    .code(4);
}

#[test]
fn eval_names_an_unknown_pack() {
    cb().args(["eval", "--packs", "eu_gdpr", "-"])
        .write_stdin("{}")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("did you mean `eu-gdpr`?"));
}

// ---- test --------------------------------------------------------------------------------

#[test]
fn test_runs_the_shipped_scenarios() {
    cb().args(["test", "examples/acme", "--coverage", "--threshold", "100"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "ok    examples/acme/acme.scenarios.toml  marketing-export-from-china",
        ))
        .stdout(predicate::str::contains("acme: 3/3"))
        .stdout(predicate::str::ends_with("6 passed, 0 failed\n"));
}

const FAILING: &str = r#"packs = ["cn-pledge-2015"]

[[scenarios]]
name = "wrong-expectation"
[scenarios.transfer]
operation = "transfer"
destination = "US"
at = "2026-03-01T00:00:00Z"
exporter = { id = "acme-cn" }
data = { categories = ["personal.sensitive.health"], collected_in = "CN", individuals = { one = { id = "u-1" } } }
[scenarios.expect]
effect = "allow"
deciding = []

[[scenarios]]
name = "right-expectation"
[scenarios.transfer]
operation = "store"
destination = "CN"
at = "2026-03-01T00:00:00Z"
exporter = { id = "acme-cn" }
data = { categories = ["personal.contact"], collected_in = "CN", individuals = { one = { id = "u-1" } } }
[scenarios.expect]
effect = "allow"
deciding = []
"#;

#[test]
fn test_reports_failures_json_and_junit() {
    let file = scratch("pledge.scenarios.toml", FAILING.as_bytes());
    cb().arg("test")
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL  "))
        .stdout(predicate::str::contains(
            "effect: expected \"allow\", got \"deny\"",
        ))
        .stdout(predicate::str::contains(
            "DENY: transfer of personal.sensitive.health",
        ))
        .stdout(predicate::str::ends_with("1 passed, 1 failed\n"));
    let junit = file.with_extension("xml");
    let out = cb()
        .args(["test", "--output", "json", "--junit"])
        .arg(&junit)
        .arg(&file)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let v = stdout_json(&out);
    assert_eq!(
        (v["passed"].as_u64(), v["failed"].as_u64()),
        (Some(1), Some(1))
    );
    let scenarios = &v["files"][0]["scenarios"];
    assert_eq!(scenarios[0]["outcome"]["status"], "failed");
    assert_eq!(scenarios[0]["outcome"]["failures"][0]["what"], "effect");
    assert_eq!(scenarios[1]["outcome"]["status"], "passed");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("tests=\"2\" failures=\"1\" errors=\"0\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"right-expectation\""),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"effect: expected &quot;allow&quot;"),
        "{xml}"
    );
}

#[test]
fn test_coverage_below_the_threshold_fails() {
    let passing: String = FAILING.replace("effect = \"allow\"\ndeciding = []\n\n[[scenarios]]\nname = \"right", "effect = \"deny\"\ndeciding = [\"cn-pledge-2015/pledge-sensitive-abroad\"]\n\n[[scenarios]]\nname = \"right");
    let file = scratch("cov.scenarios.toml", passing.as_bytes());
    let rules = crossborder::PolicyPack::builtin("cn-pledge-2015")
        .unwrap()
        .rules()
        .count();
    assert!(rules > 1);
    let out = cb()
        .args(["test", "--coverage", "--threshold", "100"])
        .arg(&file)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(&format!("cn-pledge-2015: 1/{rules}")),
        "{stdout}"
    );
    assert!(stdout.contains("not exercised: "), "{stdout}");
    assert!(stdout.ends_with("2 passed, 0 failed\n"), "{stdout}");
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("below the threshold of 100%")
    );
    cb().args(["test", "--coverage", "--threshold", "1"])
        .arg(&file)
        .assert()
        .code(0);
}

#[test]
fn test_locates_a_broken_scenario_file() {
    let file = scratch(
        "broken.scenarios.toml",
        b"packs = [\"cn-pipl\"]\n[[scenarios]]\nnme = \"x\"\n",
    );
    cb().arg("test")
        .arg(&file)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("broken.scenarios.toml:3:1"))
        .stderr(predicate::str::contains("unknown field `nme`"))
        .stderr(predicate::str::contains("did you mean `name`?"));
    let missing = scratch(
        "missing.scenarios.toml",
        b"packs = [\"acme-typo\"]\nscenarios = []\n",
    );
    cb().arg("test")
        .arg(&missing)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("unknown pack `acme-typo`"));
}

// ---- packs, schema -----------------------------------------------------------------------

#[test]
fn packs_lists_and_shows() {
    cb().arg("packs")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("cn-pledge-2015"))
        .stdout(predicate::str::contains("voluntary"));
    cb().args(["packs", "cn-pipl"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("legal-basis [require]"))
        .stdout(predicate::str::contains("cite: PIPL"));
    let out = cb()
        .args([
            "packs",
            "--output",
            "json",
            "--pack-file",
            "examples/acme/acme.toml",
            "acme",
        ])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let v = stdout_json(&out);
    assert_eq!(v["id"], "acme");
    assert_eq!(v["rules"].as_array().unwrap().len(), 3);
    cb().args(["packs", "eu_gdpr"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("did you mean `eu-gdpr`?"));
}

#[test]
fn schema_prints_each_format() {
    for kind in [
        "pack",
        "transfer",
        "evidence",
        "evidence-record",
        "scenario",
        "decision",
        "test-report",
    ] {
        let out = cb()
            .args(["schema", kind])
            .assert()
            .code(0)
            .get_output()
            .clone();
        let v = stdout_json(&out);
        assert_eq!(
            v["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{kind}"
        );
        assert!(jsonschema::validator_for(&v).is_ok(), "{kind}");
    }
}

// ---- fmt ---------------------------------------------------------------------------------

#[test]
fn fmt_checks_and_rewrites_keeping_comments() {
    let messy = scratch(
        "messy.toml",
        b"# keep me\nid   =  \"x\"\n\n\n[a]\n  b = [ 1,2 ]   # and me\n",
    );
    cb().args(["fmt", "--check"])
        .arg(&messy)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("messy.toml:2"));
    cb().arg("fmt").arg(&messy).assert().code(0);
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        "# keep me\nid = \"x\"\n\n[a]\nb = [1, 2] # and me\n"
    );
    cb().args(["fmt", "--check"])
        .arg(&messy)
        .assert()
        .code(0)
        .stdout("");
    let broken = scratch("broken.toml", b"a = 1\nb = \n");
    cb().arg("fmt")
        .arg(&broken)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("broken.toml:2:"));
    cb().args(["fmt", "-"])
        .write_stdin("a=1\n")
        .assert()
        .code(0)
        .stdout("a = 1\n");
}

#[test]
fn shipped_packs_and_scenarios_are_formatted() {
    let mut files = vec!["fmt".to_owned(), "--check".to_owned()];
    for dir in [
        "packs",
        "examples/acme",
        "examples/formats",
        "examples/mistakes",
    ] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                files.push(p.strip_prefix(root()).unwrap().display().to_string());
            }
        }
    }
    assert!(files.len() > 20);
    cb().args(&files).assert().code(0).stdout("");
}

// ---- evidence ----------------------------------------------------------------------------

#[test]
fn evidence_store_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("crossborder-cli-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("evidence.redb");
    let store = store.to_str().unwrap();
    let packs = [
        "--packs",
        "cn-pipl,eu-gdpr,kr-pipa",
        "--pack-file",
        "examples/acme/acme.toml",
    ];
    cb().args(["evidence", "import", "--store", store])
        .args(packs)
        .arg("examples/acme/evidence.jsonl")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "imported 60 consents, 2 approvals",
        ));
    // All or nothing: the same records again are duplicates.
    cb().args([
        "evidence",
        "import",
        "--store",
        store,
        "examples/acme/evidence.jsonl",
    ])
    .assert()
    .code(3)
    .stderr(predicate::str::contains("is already in the store"));
    // A name the packs do not declare is refused when the store is bound to them.
    let typo = scratch(
        "typo-consent.json",
        br#"{"id": "c-new", "subject": "cn-c999", "kind": "separate", "granted_at": "2026-01-01T00:00:00Z", "scope": {"categories": ["personal.contacts"], "destinations": ["US"], "operations": ["transfer"]}}"#,
    );
    cb().args(["evidence", "grant", "--store", store])
        .args(packs)
        .arg(&typo)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("did you mean `personal.contact`?"));
    cb().args([
        "evidence",
        "withdraw",
        "--store",
        store,
        "consent-cn-c001",
        "--at",
        "2026-11-01T00:00:00Z",
    ])
    .assert()
    .code(0);
    cb().args([
        "evidence",
        "show",
        "--store",
        store,
        "--subject",
        "cn-c001",
        "--at",
        "2026-11-30T00:00:00Z",
    ])
    .assert()
    .code(0)
    .stdout(predicate::str::contains(
        "consent-cn-c001 [separate] withdrawn at 2026-11-01T00:00:00Z",
    ));
    cb().args([
        "evidence",
        "show",
        "--store",
        store,
        "--party",
        "acme-de",
        "--at",
        "2026-11-30T00:00:00Z",
    ])
    .assert()
    .code(0)
    .stdout(predicate::str::contains(
        "approval scc-acme-de-support-sg by EU-COM (scc): valid",
    ));
    // Executed acts go to the ledger.
    cb().args(["evidence", "record", "--store", store])
        .args(packs)
        .arg("examples/acme/act.json")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("recorded "));
    // Decide against the store; the withdrawal is seen.
    let one = r#"{"id": "t", "operation": "transfer", "destination": "US", "at": "2026-11-30T00:00:00Z", "exporter": {"id": "acme-cn", "established_in": ["CN"]}, "data": {"categories": ["personal.contact"], "collected_in": "CN", "individuals": {"one": {"id": "cn-c001", "residence": "CN", "located_at_collection": "CN"}}}}"#;
    cb().args(["explain", "--store", store])
        .args(packs)
        .arg("-")
        .write_stdin(one)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("DENY"))
        .stdout(predicate::str::contains(
            "withdrawn at 2026-11-01T00:00:00Z",
        ));
    // Export, and import into a fresh store: the same records.
    let out = cb()
        .args(["evidence", "export", "--store", store])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let exported = scratch("exported.jsonl", &out.stdout);
    let copy = dir.join("copy.redb");
    cb().args(["evidence", "import", "--store", copy.to_str().unwrap()])
        .arg(&exported)
        .assert()
        .code(0);
    let again = cb()
        .args(["evidence", "export", "--store", copy.to_str().unwrap()])
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert_eq!(again.stdout, out.stdout);
    // Not a store: refused, exit 3.
    let notes = scratch("notes.txt", b"my notes\n");
    cb().args(["evidence", "show", "--subject", "u", "--store"])
        .arg(&notes)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("is not an evidence store"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The decision log from the command line: a key, a log of the sample acts with automatic
/// checkpoints, verification (and exit 1 once a byte changed), a person's report in three
/// forms whose proofs verify, replay, and repair of a torn tail.
#[test]
fn decision_log_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("crossborder-cli-log-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let p = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let (key, log) = (p("log.key"), p("decisions.log"));
    let out = cb()
        .args(["log", "keygen", "--key", &key])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let public = String::from_utf8(out).unwrap().trim().to_owned();
    assert_eq!(public.len(), 64);
    // The secret is never overwritten.
    cb().args(["log", "keygen", "--key", &key]).assert().code(4);
    cb().args(["log", "init", "--log", &log, "--id", "acme-2026"])
        .assert()
        .code(0);
    let packs = [
        "--packs",
        "cn-pipl,eu-gdpr,uk-gdpr,ch-fadp,in-dpdp,kr-pipa,ru-152fz",
        "--pack-file",
        "examples/acme/acme.toml",
        "--evidence",
        "examples/acme/evidence.jsonl",
    ];
    cb().args(["log", "append", "--log", &log, "examples/acme/acts.jsonl", "--recorded-at", "2026-12-01T00:00:00Z"])
        .args(["--key", &key, "--every", "100"])
        .args(packs)
        .assert()
        .code(0)
        .stdout("logged 300 decisions (200 allowed, 100 denied) as records 0..300; 3 checkpoint(s) signed\n");
    cb().args([
        "log",
        "checkpoint",
        "--log",
        &log,
        "--key",
        &key,
        "--time",
        "2026-12-01T01:00:00Z",
    ])
    .assert()
    .code(0)
    .stdout(predicate::str::contains("\"size\":300"));
    cb().args(["log", "verify", "--log", &log, "--public-key", &public])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "ok: log `acme-2026`, 300 records, 4 checkpoints verified",
        ));
    cb().args(["log", "replay", "--log", &log])
        .args(packs)
        .assert()
        .code(0)
        .stdout("300 records decided again: 300 as logged, 0 differently\n");
    // Without the evidence, the consent-based decisions come out otherwise: exit 1.
    cb().args([
        "log",
        "replay",
        "--log",
        &log,
        "--packs",
        "cn-pipl,eu-gdpr,uk-gdpr,ch-fadp,in-dpdp,kr-pipa,ru-152fz",
        "--pack-file",
        "examples/acme/acme.toml",
    ])
    .assert()
    .code(1)
    .stdout(predicate::str::contains("differently"));
    // A person's report, proved.
    let report = p("report.json");
    cb().args([
        "log",
        "report",
        "--log",
        &log,
        "--subject",
        "cn-c011",
        "--evidence",
        "examples/acme/evidence.jsonl",
        "--as-of",
        "2026-12-01T00:00:00Z",
        "--output",
        "json",
        "--out",
        &report,
    ])
    .assert()
    .code(0);
    cb().args(["log", "verify-report", &report, "--public-key", &public])
        .assert()
        .code(0)
        .stdout("ok: 6 of 6 entries about `cn-c011` proved against the checkpoint of 300 records made 2026-12-01T01:00:00Z\n");
    let text = cb()
        .args([
            "log",
            "report",
            "--log",
            &log,
            "--subject",
            "cn-c011",
            "--evidence",
            "examples/acme/evidence.jsonl",
            "--as-of",
            "2026-12-01T00:00:00Z",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.starts_with("Where the data of subject `cn-c011` went"),
        "{text}"
    );
    assert!(text.contains("6 acts: 5 allowed, 1 denied"), "{text}");
    assert!(!text.contains("cn-c012"), "{text}");
    let html = cb()
        .args([
            "log",
            "report",
            "--log",
            &log,
            "--subject",
            "cn-c011",
            "--as-of",
            "2026-12-01T00:00:00Z",
            "--output",
            "html",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let html = String::from_utf8(html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("id=\"timeline\""));
    assert!(
        !html.contains("src=") && !html.contains("href="),
        "no external assets"
    );
    // One changed byte: exit 1, naming the record.
    let mut bytes = std::fs::read(&log).unwrap();
    let at = bytes.windows(9).position(|w| w == b"act-0042\"").unwrap();
    bytes[at + 7] = b'3';
    let tampered = p("tampered.log");
    std::fs::write(&tampered, &bytes).unwrap();
    cb().args(["log", "verify", "--log", &tampered, "--public-key", &public])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "record 41: its bytes do not hash to its leaf",
        ));
    // A torn tail: refused, then repaired.
    let mut torn = std::fs::read(&log).unwrap();
    torn.extend_from_slice(b"{\"seq\":300,\"leaf\":\"ab");
    std::fs::write(&tampered, &torn).unwrap();
    cb().args(["log", "checkpoint", "--log", &tampered, "--key", &key])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("partially written line"));
    cb().args(["log", "repair", "--log", &tampered])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "removed a partially written line 306 (21 bytes",
        ));
    cb().args(["log", "verify", "--log", &tampered, "--public-key", &public])
        .assert()
        .code(0);
    // A wrong key is a usage of the wrong key, not a crash.
    cb().args(["log", "verify", "--log", &log, "--public-key", "not-a-key"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("is not a public key"));
    std::fs::remove_dir_all(&dir).unwrap();
}
