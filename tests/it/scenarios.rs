//! Runs every `packs/*.scenarios.toml` with the library's scenario runner
//! (`crossborder::scenario`, the same code as `crossborder test`): named scenarios, each with
//! evidence, a transfer and the expected decision. A failure names the file and the scenario. Also checks that every
//! rule of every pack is applicable in at least one scenario, and that every pack file is built
//! in and identical to the embedded copy.
//!
//! `cargo test --test it scenarios -- --nocapture` prints a line per file.

use std::path::{Path, PathBuf};

use crossborder::pack::BUILTIN_IDS;
use crossborder::scenario::{Coverage, Runner, ScenarioOutcome};
use crossborder::{PackLoader, PolicyPack};

fn packs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("packs")
}

fn load_pack(id: &str) -> Result<PolicyPack, String> {
    PackLoader::new()
        .file_name(format!("packs/{id}.toml"))
        .load_path(packs_dir().join(format!("{id}.toml")))
        .map_err(|e| e.to_string())
}

fn pack_files() -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(packs_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".toml") && !n.ends_with(".scenarios.toml"))
        .map(|n| n.trim_end_matches(".toml").to_owned())
        .collect();
    ids.sort();
    ids
}

fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(packs_dir())
        .unwrap()
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.to_string_lossy().ends_with(".scenarios.toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_passes_and_every_rule_is_exercised() {
    // The packs resolve to the files beside the scenario files (not the embedded copies,
    // which `every_pack_file_is_built_in_and_identical` compares); every decision is also
    // logged as JSON and replayed from the log.
    let runner = Runner::new().verify_replay(true);
    let mut failures = Vec::new();
    let mut coverage = Coverage::new();
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for path in scenario_files() {
        let report = runner.run_path(&path);
        let name = format!("packs/{}", path.file_name().unwrap().to_string_lossy());
        if let Some(e) = &report.error {
            failures.push(format!("{name}: {e}"));
        }
        assert!(
            report
                .packs
                .iter()
                .all(|p| p.source.ends_with(&format!("{}.toml", p.id))),
            "{name}: a pack did not come from packs/: {:?}",
            report.packs
        );
        for s in &report.scenarios {
            match &s.outcome {
                ScenarioOutcome::Passed => {}
                ScenarioOutcome::Failed { failures: f } => failures.push(format!(
                    "{name}: scenario `{}`:\n    {}\n    decision was:\n      {}",
                    s.name,
                    f.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n    "),
                    s.decision
                        .as_ref()
                        .map(|d| d.to_string().replace('\n', "\n      "))
                        .unwrap_or_default()
                )),
                ScenarioOutcome::Error { message } => {
                    failures.push(format!("{name}: scenario `{}`: {message}", s.name));
                }
                other => failures.push(format!("{name}: scenario `{}`: {other:?}", s.name)),
            }
        }
        let stem = name
            .trim_start_matches("packs/")
            .trim_end_matches(".scenarios.toml");
        if report.packs.iter().any(|p| p.id == stem) {
            *counts.entry(stem.to_owned()).or_default() += report.scenarios.len();
        }
        coverage.add(&report);
        println!("{name}: {} scenario(s)", report.scenarios.len());
    }
    assert!(
        failures.is_empty(),
        "{} scenario failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    let uncovered: Vec<String> = coverage.uncovered().collect();
    assert!(
        uncovered.is_empty(),
        "rules no scenario makes applicable:\n{}",
        uncovered.join("\n")
    );
    let mut too_few = Vec::new();
    for id in pack_files() {
        let pack = load_pack(&id).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            coverage.packs.contains_key(&id),
            "{id}: no scenario file uses it"
        );
        assert_eq!(
            coverage.packs[&id].len(),
            pack.rules().count(),
            "{id}: coverage knows every rule"
        );
        // The second round of packs (issue #16) carries at least ten scenarios each.
        let round_two = [
            "au-app8",
            "tr-kvkk",
            "vn-pdp",
            "ca-bc-foippa",
            "ca-ns-piidpa",
            "jp-appi",
            "br-lgpd",
            "id-pdp",
            "sa-pdpl",
            "ca-pipeda",
            "au-nsw-state-records",
            "kr-medical-emr",
        ];
        let want = if id == "cn-pipl" || id == "eu-gdpr" {
            15
        } else if round_two.contains(&id.as_str()) {
            10
        } else {
            5
        };
        let have = counts.get(&id).copied().unwrap_or(0);
        if have < want {
            too_few.push(format!("{id}: {have} scenario(s), at least {want} needed"));
        }
    }
    assert!(too_few.is_empty(), "{}", too_few.join("\n"));
    assert_eq!(coverage.percent(), 100.0);
}

#[test]
fn every_pack_file_is_built_in_and_identical() {
    for id in pack_files() {
        assert!(
            BUILTIN_IDS.contains(&id.as_str()),
            "packs/{id}.toml is not registered as a built-in pack"
        );
        assert_eq!(
            PolicyPack::builtin(&id),
            Some(load_pack(&id).unwrap()),
            "{id}"
        );
    }
    for id in BUILTIN_IDS {
        assert!(packs_dir().join(format!("{id}.toml")).exists(), "{id}");
        assert!(
            packs_dir().join(format!("{id}.scenarios.toml")).exists(),
            "{id} has no scenario file"
        );
    }
}
