//! Runs every `packs/*.scenarios.toml`: named scenarios, each with evidence (consents,
//! approvals, certifications, ledger state), a transfer and the expected effect, deciding rules,
//! verdicts and missing sets. A failure names the file and the scenario. Also checks that every
//! rule of every pack is applicable in at least one scenario, and that every pack file is built
//! in and identical to the embedded copy.
//!
//! `cargo test --test it scenarios -- --nocapture` prints a line per file.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use crossborder::decision::{RuleResult, Verdict};
use crossborder::pack::BUILTIN_IDS;
use crossborder::{
    Approval, Certification, Consent, Effect, Engine, MemoryEvidence, PackLoader, PartyId,
    PolicyPack, SubjectId, TransferBuilder,
};
use serde::Deserialize;

#[derive(Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(deny_unknown_fields)]
struct OptionSetting {
    pack: String,
    option: String,
    value: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    packs: Option<Vec<String>>,
    #[serde(default)]
    options: Vec<OptionSetting>,
    scenarios: Vec<Scenario>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    name: String,
    #[serde(default)]
    #[allow(dead_code, reason = "documentation for readers of the scenario file")]
    summary: Option<String>,
    options: Option<Vec<OptionSetting>>,
    transfer: TransferBuilder,
    #[serde(default)]
    evidence: EvidenceSpec,
    expect: Expect,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EvidenceSpec {
    #[serde(default)]
    consents: Vec<Consent>,
    #[serde(default)]
    approvals: Vec<Approval>,
    #[serde(default)]
    certifications: Vec<CertificationSpec>,
    #[serde(default)]
    ledger: Vec<LedgerSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CertificationSpec {
    party: PartyId,
    certification: Certification,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LedgerSpec {
    exporter: PartyId,
    counter: String,
    at: DateTime<Utc>,
    individuals: Option<u64>,
    subject: Option<SubjectId>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    effect: Effect,
    deciding: Vec<String>,
    no_rule_applies: Option<bool>,
    verdicts: Option<BTreeMap<String, Verdict>>,
    alternative: Option<BTreeMap<String, String>>,
    missing: Option<BTreeMap<String, BTreeMap<String, Vec<String>>>>,
    obligations: Option<BTreeMap<String, Vec<String>>>,
    /// Per rule, the facts it applied on only because the transfer did not state them.
    assumed: Option<BTreeMap<String, Vec<String>>>,
    /// Per unmet rule, the evidence held but not counting, as `id: reason` (one entry per
    /// reason).
    near_misses: Option<BTreeMap<String, Vec<String>>>,
}

fn packs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("packs")
}

fn load_pack(id: &str) -> Result<PolicyPack, String> {
    let path = packs_dir().join(format!("{id}.toml"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    PackLoader::new()
        .file_name(format!("packs/{id}.toml"))
        .load_toml(&text)
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

fn sorted(v: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = v.into_iter().collect();
    v.sort();
    v
}

/// Compares a per-rule expectation (`pack/rule` → names) with what the decision says.
fn compare_per_rule(
    what: &str,
    want: &BTreeMap<String, Vec<String>>,
    got: BTreeMap<String, Vec<String>>,
    problems: &mut Vec<String>,
) {
    let want: BTreeMap<String, Vec<String>> = want
        .iter()
        .map(|(k, v)| (k.clone(), sorted(v.iter().cloned())))
        .collect();
    if got != want {
        problems.push(format!("expected {what} {want:?}, got {got:?}"));
    }
}

/// Runs one scenario; returns the applicable rules (`pack/rule`) or what went wrong.
fn run(engine: &Engine, s: &Scenario) -> Result<Vec<String>, String> {
    let store = MemoryEvidence::new();
    for c in &s.evidence.consents {
        store
            .grant(c.clone())
            .map_err(|e| format!("evidence: {e}"))?;
    }
    for a in &s.evidence.approvals {
        store
            .add_approval(a.clone())
            .map_err(|e| format!("evidence: {e}"))?;
    }
    for c in &s.evidence.certifications {
        store
            .certify(c.party.clone(), c.certification.clone())
            .map_err(|e| format!("evidence: {e}"))?;
    }
    for l in &s.evidence.ledger {
        match (&l.subject, l.individuals) {
            (Some(subject), None) => {
                store.record_subject(l.exporter.clone(), &l.counter, l.at, subject.clone());
            }
            (None, Some(n)) => store.record_individuals(l.exporter.clone(), &l.counter, l.at, n),
            _ => {
                return Err(
                    "a ledger entry needs exactly one of `subject` and `individuals`".into(),
                );
            }
        }
    }
    let transfer = s
        .transfer
        .clone()
        .build(engine)
        .map_err(|e| format!("transfer: {e}"))?;
    let d = engine.evaluate(&transfer, &store);
    // Every decision can be logged as JSON and replayed from the log alone (with the same
    // evidence), giving the same report.
    let logged: crossborder::report::DecisionReport =
        serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
    match engine.replay(&logged, &store) {
        Ok(again) if again == logged => {}
        Ok(again) => return Err(format!("replay differs:\n{again}\nlogged:\n{logged}")),
        Err(e) => return Err(format!("replay: {e}")),
    }
    let key = |r: &RuleResult<'_>| format!("{}/{}", r.pack_id(), r.rule_id());
    let mut problems = Vec::new();
    let e = &s.expect;
    if d.effect() != e.effect {
        problems.push(format!(
            "expected effect {:?}, got {:?}",
            e.effect,
            d.effect()
        ));
    }
    let deciding = sorted(d.deciding_rules().map(|r| key(&r)));
    if deciding != sorted(e.deciding.iter().cloned()) {
        problems.push(format!(
            "expected deciding rules {:?}, got {deciding:?}",
            sorted(e.deciding.iter().cloned())
        ));
    }
    if let Some(n) = e.no_rule_applies
        && n != d.no_rule_applies()
    {
        problems.push(format!("expected no_rule_applies = {n}"));
    }
    if let Some(want) = &e.verdicts {
        let got: BTreeMap<String, Verdict> = d.rules().map(|r| (key(&r), r.verdict())).collect();
        if &got != want {
            problems.push(format!("expected verdicts {want:?}, got {got:?}"));
        }
    }
    if let Some(want) = &e.alternative {
        for (rule, alt) in want {
            let got = d
                .rules()
                .find(|r| &key(r) == rule)
                .and_then(|r| r.alternative().map(str::to_owned));
            if got.as_deref() != Some(alt.as_str()) {
                problems.push(format!(
                    "expected `{rule}` satisfied by `{alt}`, got {got:?}"
                ));
            }
        }
    }
    if let Some(want) = &e.missing {
        for (rule, alts) in want {
            let got: BTreeMap<String, Vec<String>> = d
                .rules()
                .find(|r| &key(r) == rule)
                .map(|r| {
                    r.missing()
                        .into_iter()
                        .map(|m| {
                            (
                                m.alternative.clone(),
                                sorted(m.missing.into_iter().map(|i| i.basis.to_string())),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let want: BTreeMap<String, Vec<String>> = alts
                .iter()
                .map(|(a, b)| (a.clone(), sorted(b.iter().cloned())))
                .collect();
            if got != want {
                problems.push(format!(
                    "expected missing sets of `{rule}` {want:?}, got {got:?}"
                ));
            }
        }
    }
    if let Some(want) = &e.obligations {
        for (rule, ids) in want {
            let got = sorted(
                d.rules()
                    .find(|r| &key(r) == rule)
                    .map(|r| {
                        r.obligations()
                            .into_iter()
                            .map(|o| o.id)
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default(),
            );
            if got != sorted(ids.iter().cloned()) {
                problems.push(format!(
                    "expected obligations of `{rule}` {ids:?}, got {got:?}"
                ));
            }
        }
    }
    if let Some(want) = &e.assumed {
        let got: BTreeMap<String, Vec<String>> = d
            .rules()
            .map(|r| (key(&r), sorted(r.assumed().map(|f| f.as_str().to_owned()))))
            .filter(|(_, facts)| !facts.is_empty())
            .collect();
        compare_per_rule("assumed facts", want, got, &mut problems);
    }
    if let Some(want) = &e.near_misses {
        let got: BTreeMap<String, Vec<String>> = d
            .rules()
            .map(|r| {
                let mut near: Vec<String> = r
                    .missing_explained(&store)
                    .iter()
                    .flat_map(|m| &m.missing)
                    .flat_map(|i| &i.near_misses)
                    .flat_map(|n| {
                        n.reasons
                            .iter()
                            .map(move |m| format!("{}: {}", n.id, m.name()))
                    })
                    .collect();
                near.sort();
                near.dedup();
                (key(&r), near)
            })
            .filter(|(_, near)| !near.is_empty())
            .collect();
        compare_per_rule("near misses", want, got, &mut problems);
    }
    if problems.is_empty() {
        Ok(d.rules().map(|r| key(&r)).collect())
    } else {
        Err(format!(
            "{}\n    decision was:\n      {}",
            problems.join("\n    "),
            d.to_string().replace('\n', "\n      ")
        ))
    }
}

/// Runs every scenario file; returns (failures, applicable rules seen, scenarios per pack).
fn run_all() -> (Vec<String>, BTreeSet<String>, BTreeMap<String, usize>) {
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut engines: HashMap<(Vec<String>, Vec<OptionSetting>), Result<Engine, String>> =
        HashMap::new();
    for path in scenario_files() {
        let name = format!("packs/{}", path.file_name().unwrap().to_string_lossy());
        let stem = name
            .trim_start_matches("packs/")
            .trim_end_matches(".scenarios.toml")
            .to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let file: ScenarioFile = match toml::from_str(&text) {
            Ok(f) => f,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let packs = file.packs.clone().unwrap_or_else(|| vec![stem.clone()]);
        let mut names = BTreeSet::new();
        for s in &file.scenarios {
            if !names.insert(s.name.clone()) {
                failures.push(format!("{name}: scenario `{}` is named twice", s.name));
            }
            let mut options = s.options.clone().unwrap_or_else(|| file.options.clone());
            options.sort();
            let engine = engines
                .entry((packs.clone(), options.clone()))
                .or_insert_with(|| {
                    let mut b = Engine::builder();
                    for id in &packs {
                        b = b.pack(load_pack(id)?);
                    }
                    for o in &options {
                        b = b.option(&o.pack, &o.option, o.value);
                    }
                    b.build().map_err(|e| e.to_string())
                });
            let engine = match engine {
                Ok(e) => e,
                Err(e) => {
                    failures.push(format!("{name}: scenario `{}`: engine: {e}", s.name));
                    continue;
                }
            };
            match run(engine, s) {
                Ok(rules) => seen.extend(rules),
                Err(e) => failures.push(format!("{name}: scenario `{}`: {e}", s.name)),
            }
        }
        if packs == [stem.clone()] {
            *counts.entry(stem).or_default() += file.scenarios.len();
        }
        println!("{name}: {} scenario(s)", file.scenarios.len());
    }
    (failures, seen, counts)
}

#[test]
fn every_scenario_passes_and_every_rule_is_exercised() {
    let (failures, seen, counts) = run_all();
    assert!(
        failures.is_empty(),
        "{} scenario failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    let mut uncovered = Vec::new();
    let mut too_few = Vec::new();
    for id in pack_files() {
        let pack = load_pack(&id).unwrap_or_else(|e| panic!("{e}"));
        for r in pack.rules() {
            let k = format!("{id}/{}", r.id);
            if !seen.contains(&k) {
                uncovered.push(k);
            }
        }
        let want = if id == "cn-pipl" || id == "eu-gdpr" {
            15
        } else {
            5
        };
        let have = counts.get(&id).copied().unwrap_or(0);
        if have < want {
            too_few.push(format!("{id}: {have} scenario(s), at least {want} needed"));
        }
    }
    assert!(
        uncovered.is_empty(),
        "rules no scenario makes applicable:\n{}",
        uncovered.join("\n")
    );
    assert!(too_few.is_empty(), "{}", too_few.join("\n"));
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
