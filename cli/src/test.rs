//! `crossborder test`: run scenario files with the library's runner; report failures, rule
//! coverage, JSON and JUnit XML.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use crossborder::scenario::{Coverage, FileReport, Runner, ScenarioOutcome};

use crate::input;
use crate::report::{Diagnostic, Failure, print_diagnostics};
use crate::{Exit, Outcome};

#[derive(Args, Debug)]
pub(crate) struct TestArgs {
    /// Scenario files, or directories searched for `*.scenarios.toml`; default: the current
    /// directory.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// A pack file every scenario file may name (before files beside it and built-ins);
    /// repeatable.
    #[arg(long = "pack-file", value_name = "PATH")]
    pack_files: Vec<PathBuf>,
    /// `text` (a line per scenario) or `json` (every file's report).
    #[arg(long, value_enum, default_value_t = TestOutput::Text)]
    output: TestOutput,
    /// Also write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Report, per pack and rule, whether a scenario made it apply.
    #[arg(long)]
    coverage: bool,
    /// Fail (exit 1) when less than P % of the rules are exercised (implies `--coverage`).
    #[arg(long, value_name = "P")]
    threshold: Option<f64>,
    /// The packs coverage is measured on (comma-separated ids). Default: the packs that are
    /// not built in (your own), or every pack when all are built in.
    #[arg(long = "coverage-of", value_name = "ID,…", value_delimiter = ',')]
    coverage_of: Vec<String>,
    /// Print only failures and the summary.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum TestOutput {
    Text,
    Json,
}

pub(crate) fn run(args: &TestArgs) -> Outcome {
    let json = args.output == TestOutput::Json;
    let mut runner = Runner::new();
    for path in &args.pack_files {
        runner = runner.pack(input::load_pack(path, None).map_err(|f| f.json(json))?);
    }
    let files = scenario_files(&args.paths).map_err(|f| f.json(json))?;
    if files.is_empty() {
        return Err(Failure::usage(
            "no scenario files: name `*.scenarios.toml` files or directories that hold them",
        )
        .json(json));
    }
    let reports: Vec<FileReport> = files.iter().map(|f| runner.run_path(f)).collect();
    let mut coverage = Coverage::new();
    for r in &reports {
        coverage.add(r);
    }
    let measured = measured_packs(&reports, &args.coverage_of);
    coverage.retain(|id| measured.contains(id));
    let passed: usize = reports.iter().map(FileReport::passed_count).sum();
    let failed: usize = reports.iter().map(FileReport::failed_count).sum();
    let show_coverage = args.coverage || args.threshold.is_some();
    let below = args.threshold.filter(|t| coverage.percent() < *t);
    if json {
        let coverage = show_coverage.then(|| {
            serde_json::json!({
                "percent": coverage.percent(),
                "covered": coverage.covered(),
                "total": coverage.total(),
                "uncovered": coverage.uncovered().collect::<Vec<_>>(),
                "packs": coverage.packs,
            })
        });
        let doc = serde_json::json!({
            "passed": passed, "failed": failed, "files": reports, "coverage": coverage,
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        print_text(&reports, args.quiet);
        if show_coverage {
            crate::out!("{}", coverage_text(&coverage));
        }
        crate::outln!("{passed} passed, {failed} failed");
    }
    if let Some(t) = below {
        eprintln!(
            "coverage {:.1}% is below the threshold of {t}%",
            coverage.percent()
        );
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, junit(&reports))
            .map_err(|e| Failure::write(&path.display().to_string(), &e).json(json))?;
    }
    let file_errors = reports.iter().any(|r| r.error.is_some());
    Ok(if file_errors {
        Exit::Invalid
    } else if failed > 0 || below.is_some() {
        Exit::Failed
    } else {
        Exit::Ok
    })
}

/// The packs coverage counts: those named, else those not built in, else all.
fn measured_packs(reports: &[FileReport], named: &[String]) -> std::collections::BTreeSet<String> {
    if !named.is_empty() {
        return named.iter().cloned().collect();
    }
    let all = reports.iter().flat_map(|r| &r.packs);
    let own: std::collections::BTreeSet<String> = all
        .clone()
        .filter(|p| p.source != "built-in")
        .map(|p| p.id.clone())
        .collect();
    if own.is_empty() {
        all.map(|p| p.id.clone()).collect()
    } else {
        own
    }
}

/// The scenario files `paths` name: files as given, directories searched (recursively, in
/// name order) for `*.scenarios.toml`.
fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out)?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            let e = std::io::Error::from(std::io::ErrorKind::NotFound);
            return Err(Failure::io(&p.display().to_string(), &e));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let name = dir.display().to_string();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Failure::io(&name, &e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if !p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                && !p.ends_with("target")
            {
                walk(&p, out)?;
            }
        } else if p.to_string_lossy().ends_with(".scenarios.toml") {
            out.push(p);
        }
    }
    Ok(())
}

fn print_text(reports: &[FileReport], quiet: bool) {
    for r in reports {
        if let Some(e) = &r.error {
            let source = e
                .location()
                .and_then(|l| l.line())
                .and_then(|_| input::read(Path::new(&r.file)).ok())
                .map(|t| t.text);
            let d = Diagnostic::located(e.message(), e.location(), Some(&r.file), source.as_ref());
            print_diagnostics(&[d], false, Exit::Invalid);
            crate::outln!("ERROR {}", r.file);
            continue;
        }
        for s in &r.scenarios {
            match &s.outcome {
                ScenarioOutcome::Passed => {
                    if !quiet {
                        crate::outln!("ok    {}  {}", r.file, s.name);
                    }
                }
                ScenarioOutcome::Failed { failures } => {
                    crate::outln!("FAIL  {}  {}", r.file, s.name);
                    for f in failures {
                        crate::outln!("      {f}");
                    }
                    if let Some(d) = &s.decision {
                        crate::outln!("      decision:");
                        for line in d.to_string().lines() {
                            crate::outln!("        {line}");
                        }
                    }
                }
                ScenarioOutcome::Error { message } => {
                    crate::outln!("ERROR {}  {}", r.file, s.name);
                    crate::outln!("      {message}");
                }
                other => crate::outln!("?     {}  {}: {other:?}", r.file, s.name),
            }
        }
    }
}

fn coverage_text(c: &Coverage) -> String {
    let mut s = String::from("coverage (rules a scenario made apply):\n");
    for (pack, rules) in &c.packs {
        let covered = rules.iter().filter(|(_, r)| r.applicable > 0).count();
        let _ = writeln!(s, "  {pack}: {covered}/{}", rules.len());
        for (rule, r) in rules {
            if r.applicable == 0 {
                let _ = writeln!(s, "    not exercised: {rule}");
            }
        }
    }
    let _ = writeln!(
        s,
        "  total: {}/{} rules, {:.1}%",
        c.covered(),
        c.total(),
        c.percent()
    );
    s
}

/// The reports as JUnit XML: a test suite per file, a test case per scenario.
fn junit(reports: &[FileReport]) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"crossborder\">\n",
    );
    for r in reports {
        let errors = r
            .scenarios
            .iter()
            .filter(|s| matches!(s.outcome, ScenarioOutcome::Error { .. }))
            .count()
            + usize::from(r.error.is_some());
        let failures = r
            .scenarios
            .iter()
            .filter(|s| matches!(s.outcome, ScenarioOutcome::Failed { .. }))
            .count();
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">",
            esc(&r.file),
            r.scenarios.len() + usize::from(r.error.is_some())
        );
        if let Some(e) = &r.error {
            let _ = writeln!(
                x,
                "    <testcase name=\"(file)\" classname=\"{}\"><error message=\"{}\"/></testcase>",
                esc(&r.file),
                esc(&e.to_string())
            );
        }
        for s in &r.scenarios {
            let _ = write!(
                x,
                "    <testcase name=\"{}\" classname=\"{}\"",
                esc(&s.name),
                esc(&r.file)
            );
            match &s.outcome {
                ScenarioOutcome::Failed { failures } => {
                    let lines: Vec<String> = failures.iter().map(ToString::to_string).collect();
                    let decision = s
                        .decision
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    let _ = writeln!(
                        x,
                        "><failure message=\"{}\">{}\n\n{}</failure></testcase>",
                        esc(lines.first().map_or("", String::as_str)),
                        esc(&lines.join("\n")),
                        esc(&decision)
                    );
                }
                ScenarioOutcome::Error { message } => {
                    let _ = writeln!(x, "><error message=\"{}\"/></testcase>", esc(message));
                }
                _ => x.push_str("/>\n"),
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

/// `s` escaped for XML text and attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => {}
            c => out.push(c),
        }
    }
    out
}
