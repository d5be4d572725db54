//! Reading what the commands take: files or stdin, packs, an engine from `--packs`,
//! `--pack-file` and `--option`, and evidence files.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crossborder::evidence::{EvidenceRecord, EvidenceSet};
use crossborder::pack::Format;
use crossborder::{Engine, MemoryEvidence, PackError, PackLoader, PolicyPack};

use crate::PackArgs;
use crate::report::{Diagnostic, Failure};

/// A file's name as the user gave it (`-` is stdin) and its text.
pub(crate) struct Text {
    pub(crate) name: String,
    pub(crate) text: Arc<str>,
}

/// Reads `path` (`-`: stdin) as UTF-8.
pub(crate) fn read(path: &Path) -> Result<Text, Failure> {
    let name = if path == Path::new("-") {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    };
    let bytes = if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Failure::io(&name, &e))?;
        buf
    } else {
        std::fs::read(path).map_err(|e| Failure::io(&name, &e))?
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Text {
            name,
            text: text.into(),
        }),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let valid = e.as_bytes().get(..at).unwrap_or_default();
            let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
            let last_line = valid.rsplit(|b| *b == b'\n').next().unwrap_or_default();
            let column = String::from_utf8_lossy(last_line).chars().count() + 1;
            let mut d = Diagnostic::new(format!(
                "not UTF-8: invalid byte {:#04x} at byte offset {at}",
                e.as_bytes().get(at).copied().unwrap_or(0)
            ));
            d.file = Some(name);
            d.line = Some(line);
            d.column = Some(column);
            Err(Failure::invalid(vec![d]))
        }
    }
}

/// Every problem of a pack error, located in `source`.
pub(crate) fn pack_diagnostics(e: &PackError, source: Option<&Arc<str>>) -> Vec<Diagnostic> {
    e.problems()
        .iter()
        .map(|p| {
            let mut d = Diagnostic::located(p.message(), Some(p.location()), None, source);
            if d.path.is_none() {
                d.path = p.rule_id().map(|r| format!("rule `{r}`"));
            }
            d
        })
        .collect()
}

/// Loads the pack file at `path`, in `format` or the one its extension says.
pub(crate) fn load_pack(path: &Path, format: Option<Format>) -> Result<PolicyPack, Failure> {
    let Some(format) = format.or_else(|| Format::of_path(path)) else {
        let mut d = Diagnostic::new(
            "the file name ends in neither `.toml` nor `.json`: say which with `--format toml|json`",
        );
        d.file = Some(path.display().to_string());
        return Err(Failure::invalid(vec![d]));
    };
    let text = read(path)?;
    let loader = PackLoader::new().file_name(text.name.clone());
    let loaded = match format {
        Format::Toml => loader.load_toml(&text.text),
        Format::Json => loader.load_json(&text.text),
    };
    loaded.map_err(|e| Failure::invalid(pack_diagnostics(&e, Some(&text.text))))
}

/// An engine from `--packs`, `--pack-file` and `--option`.
pub(crate) fn engine(args: &PackArgs, require_stated_facts: bool) -> Result<Engine, Failure> {
    if args.builtin.is_empty() && args.files.is_empty() {
        return Err(Failure::usage(
            "no packs: name built-in packs with `--packs ID,…` (see `crossborder packs`) or pack files with `--pack-file PATH`",
        ));
    }
    let mut b = Engine::builder().require_stated_facts(require_stated_facts);
    for id in &args.builtin {
        b = b.enable(id);
    }
    let mut problems = Vec::new();
    for path in &args.files {
        match load_pack(path, None) {
            Ok(p) => b = b.pack(p),
            Err(f) if f.exit == crate::Exit::Invalid => problems.extend(f.diagnostics),
            Err(f) => return Err(f),
        }
    }
    if !problems.is_empty() {
        return Err(Failure::invalid(problems));
    }
    for o in &args.options {
        let (pack, option, value) = parse_option(o)?;
        b = b.option(pack, option, value);
    }
    b.build()
        .map_err(|e| Failure::invalid(vec![Diagnostic::new(e.to_string())]))
}

/// `pack.option=true` → (`pack`, `option`, true).
fn parse_option(s: &str) -> Result<(&str, &str, bool), Failure> {
    let bad = || {
        Failure::usage(format!(
            "invalid `--option {s}`: expected `PACK.OPTION=true` or `PACK.OPTION=false`"
        ))
    };
    let (name, value) = s.rsplit_once('=').ok_or_else(bad)?;
    let (pack, option) = name.split_once('.').ok_or_else(bad)?;
    let value = match value {
        "true" => true,
        "false" => false,
        _ => return Err(bad()),
    };
    if pack.is_empty() || option.is_empty() {
        return Err(bad());
    }
    Ok((pack, option, value))
}

/// The records of an evidence file, with the line each starts on (JSON lines: one per line;
/// a JSON or TOML document: the whole file, line 1).
fn evidence_records(path: &Path) -> Result<(Text, Vec<(usize, EvidenceSet)>), Failure> {
    let text = read(path)?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let located = |message: &str, location: Option<&crossborder::Location>| {
        Diagnostic::located(message, location, Some(&text.name), Some(&text.text))
    };
    let records = match ext.as_deref() {
        Some("jsonl" | "ndjson") => {
            let mut out = Vec::new();
            for (i, line) in text.text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let record = EvidenceRecord::from_json_str(line).map_err(|e| {
                    Failure::invalid(vec![located(e.message(), e.location()).shifted(i + 1)])
                })?;
                out.push((i + 1, EvidenceSet::from(record)));
            }
            out
        }
        Some("json") => vec![(
            1,
            EvidenceSet::from_json_str(&text.text)
                .map_err(|e| Failure::invalid(vec![located(e.message(), e.location())]))?,
        )],
        Some("toml") => vec![(
            1,
            toml::from_str::<EvidenceSet>(&text.text).map_err(|e| {
                let mut d = located(e.message(), None);
                if let Some(span) = e.span() {
                    let before = text.text.get(..span.start).unwrap_or("");
                    d.line = Some(before.matches('\n').count() + 1);
                    d.column =
                        Some(before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1);
                }
                Failure::invalid(vec![d])
            })?,
        )],
        _ => {
            let mut d = Diagnostic::new(
                "an evidence file must end in `.jsonl` (one record per line), `.json` or `.toml`",
            );
            d.file = Some(text.name.clone());
            return Err(Failure::invalid(vec![d]));
        }
    };
    Ok((text, records))
}

/// Everything an evidence file holds.
pub(crate) fn evidence_file(path: &Path) -> Result<EvidenceSet, Failure> {
    let (_, records) = evidence_records(path)?;
    let mut set = EvidenceSet::default();
    for (_, r) in records {
        set.extend(r);
    }
    Ok(set)
}

/// A store bound to `engine`, holding the evidence of every file in `paths`: JSON lines
/// (`.jsonl`, `.ndjson`: one record per line), a JSON document (`.json`) or TOML (`.toml`), each
/// with `consents`, `approvals`, `certifications` and `ledger`. A refused record is located
/// at its line (JSON lines) or by its path in the document.
pub(crate) fn evidence(
    paths: &[impl AsRef<Path>],
    engine: &Engine,
) -> Result<MemoryEvidence, Failure> {
    let store = MemoryEvidence::new().checked_by(engine.clone());
    for path in paths {
        let (text, records) = evidence_records(path.as_ref())?;
        let per_line = path
            .as_ref()
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson"));
        for (line, set) in records {
            set.record_into(&store).map_err(|e| {
                let mut d = Diagnostic::located(
                    e.message(),
                    e.location(),
                    Some(&text.name),
                    Some(&text.text),
                );
                if per_line {
                    // One record per line: the line says where, not the path in a document.
                    d.path = None;
                    d.line = Some(line);
                    d.column = Some(1);
                }
                Failure::invalid(vec![d])
            })?;
        }
    }
    Ok(store)
}
