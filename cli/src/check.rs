//! `crossborder check`: load and validate packs, then build one engine of them all (with any
//! `--packs`) so that references across packs are checked too.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use crossborder::pack::Format;
use crossborder::{BuildErrorKind, Engine};
use serde::Serialize;

use crate::input;
use crate::report::{Diagnostic, print_diagnostics};
use crate::{Exit, Outcome};

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    /// Pack files (TOML or JSON, by extension); `-` reads stdin (with `--format`).
    #[arg(value_name = "PACK", required = true)]
    files: Vec<PathBuf>,
    /// The format of every file, whatever its extension says.
    #[arg(long, value_enum)]
    format: Option<PackFormat>,
    /// Built-in packs to build the engine with, for packs that name their groups
    /// (`eu-gdpr:EEA`); comma-separated.
    #[arg(long = "packs", value_name = "ID,…", value_delimiter = ',')]
    builtin: Vec<String>,
    /// `text` (problems on stderr with snippets) or `json` (a report on stdout).
    #[arg(long, value_enum, default_value_t = CheckOutput::Text)]
    output: CheckOutput,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum PackFormat {
    Toml,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum CheckOutput {
    Text,
    Json,
}

#[derive(Serialize)]
struct FileResult {
    file: String,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rules: Option<usize>,
    problems: Vec<Diagnostic>,
}

pub(crate) fn run(args: &CheckArgs) -> Outcome {
    let json = args.output == CheckOutput::Json;
    let format = args.format.map(|f| match f {
        PackFormat::Toml => Format::Toml,
        PackFormat::Json => Format::Json,
    });
    let mut results = Vec::new();
    let mut packs = Vec::new();
    for path in &args.files {
        let file = if path.as_os_str() == "-" {
            "<stdin>".to_owned()
        } else {
            path.display().to_string()
        };
        match input::load_pack(path, format) {
            Ok(p) => {
                results.push(FileResult {
                    file,
                    ok: true,
                    id: Some(p.id().to_owned()),
                    version: Some(p.version().to_owned()),
                    rules: Some(p.rules().count()),
                    problems: Vec::new(),
                });
                packs.push(p);
            }
            Err(f) if f.exit == Exit::Io => return Err(f.json(json)),
            Err(f) => results.push(FileResult {
                file,
                ok: false,
                id: None,
                version: None,
                rules: None,
                problems: f.diagnostics,
            }),
        }
    }
    // Every pack valid on its own: do they make an engine together?
    let mut together = None;
    if results.iter().all(|r| r.ok) {
        let mut b = Engine::builder();
        for id in &args.builtin {
            b = b.enable(id);
        }
        for p in packs {
            b = b.pack(p);
        }
        if let Err(e) = b.build() {
            let mut d = Diagnostic::new(format!("the packs do not make an engine together: {e}"));
            if e.kind() == BuildErrorKind::UnknownReference && d.hint.is_none() {
                d.hint = Some(
                    "enable the built-in packs it names beside it with `--packs ID,…`".to_owned(),
                );
            }
            together = Some(d);
        }
    }
    let ok = results.iter().all(|r| r.ok) && together.is_none();
    if json {
        let doc = serde_json::json!({ "ok": ok, "files": results, "engine": together });
        crate::outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        for r in &results {
            if r.ok {
                crate::outln!(
                    "ok: {} ({} {}, {} rules)",
                    r.file,
                    r.id.as_deref().unwrap_or(""),
                    r.version.as_deref().unwrap_or(""),
                    r.rules.unwrap_or(0)
                );
            } else {
                print_diagnostics(&r.problems, false, Exit::Invalid);
            }
        }
        if let Some(d) = &together {
            print_diagnostics(std::slice::from_ref(d), false, Exit::Invalid);
        }
        if !ok {
            let bad: usize = results.iter().map(|r| r.problems.len()).sum::<usize>()
                + usize::from(together.is_some());
            eprintln!("{bad} problem(s) found");
        }
    }
    Ok(if ok { Exit::Ok } else { Exit::Invalid })
}
