//! The runner: resolves a file's packs, builds one engine per set of options, evaluates each
//! scenario against a store holding its evidence, and compares.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::report::{FileReport, PackUse, ScenarioOutcome, ScenarioReport};
use super::{OptionSetting, Scenario, ScenarioFile, check};
use crate::error::{ScenarioError, ScenarioErrorKind};
use crate::{Engine, MemoryEvidence, PackLoader, PolicyPack};

/// Runs scenario files.
///
/// A pack id in a file resolves to, in order: a pack given with [`pack`](Self::pack); a file
/// `<id>.toml` or `<id>.json` in the scenario file's directory; the built-in pack of that id.
/// Each scenario's evidence is recorded into a fresh store bound to the engine, so evidence
/// naming a category, purpose, authority, scheme or counter no pack declares is an error of
/// that scenario rather than a silent non-match.
///
/// ```no_run
/// use crossborder::scenario::{Coverage, Runner};
///
/// let runner = Runner::new().pack(crossborder::PolicyPack::from_toml_str(
///     &std::fs::read_to_string("acme.toml")?,
/// )?);
/// let report = runner.run_path("acme.scenarios.toml");
/// for s in &report.scenarios {
///     println!("{} {}", if s.passed() { "ok  " } else { "FAIL" }, s.name);
/// }
/// let mut coverage = Coverage::new();
/// coverage.add(&report);
/// println!("{:.0}% of rules exercised", coverage.percent());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Runner {
    packs: BTreeMap<String, PolicyPack>,
    verify_replay: bool,
}

impl Runner {
    /// A runner with no packs of its own (files use the packs beside them and the built-ins).
    #[must_use]
    pub fn new() -> Self {
        Runner::default()
    }

    /// Offers `pack` to every file: a file naming its id runs against it, whatever lies beside
    /// the file or is built in. A second pack of the same id replaces the first.
    #[must_use]
    pub fn pack(mut self, pack: PolicyPack) -> Self {
        self.packs.insert(pack.id().to_owned(), pack);
        self
    }

    /// Also serialises each decision to JSON, replays it from that log
    /// ([`Engine::replay`]) and fails the scenario if the replay differs — a check of the
    /// engine and of custom evidence stores more than of packs. Off by default.
    #[must_use]
    pub fn verify_replay(mut self, verify: bool) -> Self {
        self.verify_replay = verify;
        self
    }

    /// Loads and runs the scenario file at `path`.
    #[must_use]
    pub fn run_path(&self, path: impl AsRef<Path>) -> FileReport {
        let path = path.as_ref();
        let name = path.display().to_string();
        match ScenarioFile::load_path(path) {
            Ok(file) => self.run(&file, &name, path.parent()),
            Err(e) => FileReport {
                file: name,
                packs: Vec::new(),
                error: Some(e),
                scenarios: Vec::new(),
            },
        }
    }

    /// Runs `file`, named `name` (its packs default to the id this name gives), resolving pack
    /// ids against files in `dir` when given.
    #[must_use]
    pub fn run(&self, file: &ScenarioFile, name: &str, dir: Option<&Path>) -> FileReport {
        let mut report = FileReport {
            file: name.to_owned(),
            packs: Vec::new(),
            error: None,
            scenarios: Vec::new(),
        };
        let mut packs = Vec::new();
        for id in file.pack_ids(name) {
            match self.resolve(&id, dir) {
                Ok((pack, source)) => {
                    report.packs.push(PackUse {
                        id: pack.id().to_owned(),
                        version: pack.version().to_owned(),
                        source,
                        rules: pack.rules().map(|r| r.id.to_owned()).collect(),
                    });
                    packs.push(pack);
                }
                Err(e) => {
                    report.error = Some(e.in_file(name));
                    return report;
                }
            }
        }
        let mut engines: HashMap<Vec<OptionSetting>, Result<Engine, String>> = HashMap::new();
        for s in &file.scenarios {
            let mut options = s.options.clone().unwrap_or_else(|| file.options.clone());
            options.sort();
            let engine = engines.entry(options).or_insert_with_key(|options| {
                let mut b = Engine::builder();
                for p in &packs {
                    b = b.pack(p.clone());
                }
                for o in options {
                    b = b.option(&o.pack, &o.option, o.value);
                }
                b.build().map_err(|e| format!("engine: {e}"))
            });
            report.scenarios.push(match engine {
                Ok(engine) => self.run_one(engine, s),
                Err(message) => errored(s, message.clone()),
            });
        }
        report
    }

    /// The pack `id` names, and where it came from.
    fn resolve(&self, id: &str, dir: Option<&Path>) -> Result<(PolicyPack, String), ScenarioError> {
        if let Some(p) = self.packs.get(id) {
            return Ok((p.clone(), "given".to_owned()));
        }
        if let Some(dir) = dir {
            for ext in ["toml", "json"] {
                let path = dir.join(format!("{id}.{ext}"));
                if path.is_file() {
                    let source = path.display().to_string();
                    return PackLoader::new()
                        .load_path(&path)
                        .map(|p| (p, source))
                        .map_err(|e| {
                            ScenarioError::new(ScenarioErrorKind::InvalidPack, e.to_string())
                        });
                }
            }
        }
        PolicyPack::builtin(id)
            .map(|p| (p, "built-in".to_owned()))
            .ok_or_else(|| {
                let hint = crate::model::did_you_mean(id, crate::pack::BUILTIN_IDS.iter().copied());
                ScenarioError::new(
                    ScenarioErrorKind::UnknownPack,
                    format!(
                        "unknown pack `{id}`: not given to the runner, no `{id}.toml` or `{id}.json` beside the file, and not built in{hint}"
                    ),
                )
            })
    }

    fn run_one(&self, engine: &Engine, s: &Scenario) -> ScenarioReport {
        let store = if s.check_evidence {
            MemoryEvidence::new().checked_by(engine.clone())
        } else {
            MemoryEvidence::new()
        };
        if let Err(e) = s.evidence.record_into(&store) {
            return errored(s, format!("evidence: {e}"));
        }
        let transfer = match s.transfer.clone().build(engine) {
            Ok(t) => t,
            Err(e) => return errored(s, format!("transfer: {e}")),
        };
        let d = engine.evaluate(&transfer, &store);
        let explained = d.explain(&store);
        let mut failures = check::check(&s.expect, &explained);
        if self.verify_replay {
            let logged = serde_json::to_string(&d.report())
                .map_err(|e| e.to_string())
                .and_then(|j| serde_json::from_str(&j).map_err(|e| e.to_string()));
            let replayed = logged
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|l| engine.replay(l, &store).map_err(|e| e.to_string()));
            match (logged, replayed) {
                (Ok(l), Ok(r)) if l == r => {}
                (_, Err(e)) => failures.push(super::Failure::new(
                    "replay",
                    "the logged decision".into(),
                    e,
                )),
                (_, Ok(r)) => failures.push(super::Failure::new(
                    "replay",
                    "the logged decision".into(),
                    r.to_string(),
                )),
            }
        }
        ScenarioReport {
            name: s.name.clone(),
            summary: s.summary.clone(),
            outcome: if failures.is_empty() {
                ScenarioOutcome::Passed
            } else {
                ScenarioOutcome::Failed { failures }
            },
            applicable: explained.rules.iter().map(|r| r.key()).collect(),
            deciding: explained.deciding_rules().map(|r| r.key()).collect(),
            decision: Some(explained),
        }
    }
}

fn errored(s: &Scenario, message: String) -> ScenarioReport {
    ScenarioReport {
        name: s.name.clone(),
        summary: s.summary.clone(),
        outcome: ScenarioOutcome::Error { message },
        applicable: Vec::new(),
        deciding: Vec::new(),
        decision: None,
    }
}
