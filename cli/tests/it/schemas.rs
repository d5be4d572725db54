//! Every file the repository ships validates against the JSON Schema of its format — packs,
//! scenario files, the example acts and evidence — and so does what the command writes
//! (decision reports, test reports). An editor using the schemas accepts what the library
//! accepts.

use std::path::{Path, PathBuf};

use crossborder::schema::{Kind, generate};
use serde_json::Value;

use crate::{cb, root};

/// Validates `instance` against the schema of `kind`; the errors, with their paths.
fn problems(kind: Kind, instance: &Value) -> Vec<String> {
    let schema = generate(kind);
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn toml_files(dir: &str, scenarios: bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".toml") && n.ends_with(".scenarios.toml") == scenarios
        })
        .collect();
    out.sort();
    out
}

fn toml_value(path: &Path) -> Value {
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn shipped_packs_fit_the_pack_schema() {
    let mut files = toml_files("packs", false);
    files.extend(toml_files("examples/acme", false));
    assert!(files.len() >= 12);
    for f in files {
        let p = problems(Kind::Pack, &toml_value(&f));
        assert!(p.is_empty(), "{}:\n{}", f.display(), p.join("\n"));
    }
}

#[test]
fn shipped_scenario_files_fit_the_scenario_schema() {
    let mut files = toml_files("packs", true);
    files.extend(toml_files("examples/acme", true));
    assert!(files.len() >= 12);
    for f in files {
        let p = problems(Kind::Scenario, &toml_value(&f));
        assert!(p.is_empty(), "{}:\n{}", f.display(), p.join("\n"));
    }
}

#[test]
fn example_acts_and_evidence_fit_their_schemas() {
    for (file, kind) in [
        ("examples/acme/acts.jsonl", Kind::Transfer),
        ("examples/acme/evidence.jsonl", Kind::EvidenceRecord),
    ] {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        for (i, line) in text.lines().enumerate() {
            let p = problems(kind, &serde_json::from_str(line).unwrap());
            assert!(p.is_empty(), "{file}:{}:\n{}", i + 1, p.join("\n"));
        }
    }
}

#[test]
fn schemas_refuse_what_the_library_refuses() {
    let pack: Value = serde_json::json!({
        "format": 1, "id": "x", "title": "X", "kind": "treaty", "issuer": "DE", "version": "1",
        "rules": [], "colour": "blue",
    });
    let p = problems(Kind::Pack, &pack);
    assert!(p.iter().any(|e| e.contains("colour")), "{p:?}");
    assert!(p.iter().any(|e| e.starts_with("/kind")), "{p:?}");
    let act = serde_json::json!({ "destination": "UK", "purpose": "marketing" });
    let p = problems(Kind::Transfer, &act);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("/destination"), "{p:?}");
}

#[test]
fn what_the_command_writes_fits_the_output_schemas() {
    let out = cb()
        .args([
            "eval",
            "--packs",
            "cn-pipl,eu-gdpr,uk-gdpr,ch-fadp,in-dpdp,kr-pipa,ru-152fz",
            "--pack-file",
            "examples/acme/acme.toml",
            "--evidence",
            "examples/acme/evidence.jsonl",
            "--output",
            "jsonl",
            "--quiet",
            "examples/acme/acts.jsonl",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        let p = problems(Kind::Decision, &serde_json::from_str(line).unwrap());
        assert!(p.is_empty(), "{line}\n{}", p.join("\n"));
    }
    let out = cb()
        .args([
            "test",
            "--output",
            "json",
            "packs/cn-pledge-2015.scenarios.toml",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for file in v["files"].as_array().unwrap() {
        let p = problems(Kind::TestReport, file);
        assert!(p.is_empty(), "{}", p.join("\n"));
    }
}
