//! `crossborder eval` and `crossborder explain`: decide one act or a batch.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use crossborder::report::DecisionReport;
use crossborder::{Effect, Engine, Evidence, Transfer, TransferBuilder};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::input::{self, Text};
use crate::report::{Diagnostic, Failure, print_diagnostics};
use crate::{Exit, Outcome, Output, PackArgs};

/// Batches larger than this show a progress bar on a terminal.
const PROGRESS_FROM: usize = 2_000;

#[derive(Args, Debug)]
pub(crate) struct EvalArgs {
    /// The acts: a JSON object, or JSON lines (one act per line); `-` or nothing reads stdin.
    #[arg(value_name = "ACTS", default_value = "-")]
    acts: PathBuf,
    #[command(flatten)]
    packs: PackArgs,
    /// Evidence held: JSON lines of records (`.jsonl`), or a JSON or TOML document with
    /// `consents`, `approvals`, `certifications` and `ledger`; repeatable.
    #[arg(long, value_name = "PATH")]
    evidence: Vec<PathBuf>,
    /// A durable evidence store (see `crossborder evidence`) to decide against, instead of
    /// evidence files.
    #[arg(long, value_name = "PATH", conflicts_with = "evidence")]
    store: Option<PathBuf>,
    /// How to write decisions: `text` (one line per act of a batch, the full explanation of a
    /// single act), `json` (the decision report; a batch as JSON lines), `jsonl`.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
    /// Exit with 1 when any act is denied.
    #[arg(long)]
    fail_on_deny: bool,
    /// Decide the valid acts of a batch even when others are invalid (exit 3 at the end).
    #[arg(long)]
    keep_going: bool,
    /// Refuse acts that leave unstated a fact some rule tests (residence, location at
    /// collection, establishment, role…), instead of assuming it.
    #[arg(long)]
    require_stated_facts: bool,
    /// No summary and no progress bar on stderr.
    #[arg(long, short)]
    quiet: bool,
}

/// One act of the input: where it starts, and what it says.
pub(crate) struct Act {
    pub(crate) line: usize,
    pub(crate) builder: TransferBuilder,
}

pub(crate) fn run(args: &EvalArgs, explain: bool) -> Outcome {
    let json_errors = args.output != Output::Text;
    let engine =
        input::engine(&args.packs, args.require_stated_facts).map_err(|f| f.json(json_errors))?;
    let store: Box<dyn Evidence> = match &args.store {
        Some(path) => Box::new(
            crossborder::evidence::DurableEvidence::open(path)
                .map_err(|e| crate::evidence::store_failure(&e).json(json_errors))?,
        ),
        None => {
            Box::new(input::evidence(&args.evidence, &engine).map_err(|f| f.json(json_errors))?)
        }
    };
    let store = &*store;
    let text = input::read(&args.acts).map_err(|f| f.json(json_errors))?;
    let (acts, mut problems) = parse_acts(&text);
    let mut transfers: Vec<(usize, Transfer)> = Vec::with_capacity(acts.len());
    for act in acts {
        match act.builder.build(&engine) {
            Ok(t) => transfers.push((act.line, t)),
            Err(e) => {
                let mut d = Diagnostic::located(
                    e.message(),
                    e.location(),
                    Some(&text.name),
                    Some(&text.text),
                );
                d.line = Some(act.line);
                d.column = Some(1);
                problems.push(d);
            }
        }
    }
    if !problems.is_empty() && !args.keep_going {
        return Err(Failure::invalid(problems).json(json_errors));
    }
    if transfers.is_empty() && problems.is_empty() {
        let mut d = Diagnostic::new("no act to decide: the input is empty");
        d.file = Some(text.name.clone());
        return Err(Failure::invalid(vec![d]).json(json_errors));
    }
    let batch = transfers.len() + problems.len() > 1;
    let progress = progress_bar(transfers.len(), args.quiet);
    let mut summary = Summary::default();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (line, t) in &transfers {
        let report = engine.evaluate(t, store).explain(store);
        summary.add(&report);
        let written = write_decision(&mut out, &report, *line, args.output, batch, explain);
        if let Err(e) = written {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(Exit::Ok);
            }
            return Err(Failure::write("<stdout>", &e).json(json_errors));
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    if let Err(e) = out.flush()
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(Failure::write("<stdout>", &e).json(json_errors));
    }
    if batch && !args.quiet {
        eprint!("{}", summary.render(&engine));
    }
    if !problems.is_empty() {
        print_diagnostics(&problems, json_errors, Exit::Invalid);
        return Ok(Exit::Invalid);
    }
    Ok(if args.fail_on_deny && summary.denied > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    })
}

/// The acts of `text`: JSON lines when every non-blank line is one object, else a stream of
/// JSON values (pretty-printed objects one after another). Each bad act is a diagnostic.
pub(crate) fn parse_acts(text: &Text) -> (Vec<Act>, Vec<Diagnostic>) {
    let mut acts = Vec::new();
    let mut problems = Vec::new();
    let located = |e: &crossborder::ModelError, first_line: usize| {
        Diagnostic::located(
            e.message(),
            e.location(),
            Some(&text.name),
            Some(&text.text),
        )
        .shifted(first_line)
    };
    let is_lines = text
        .text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .all(|l| l.trim_start().starts_with('{') && l.trim_end().ends_with('}'));
    if is_lines {
        for (i, line) in text.text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match TransferBuilder::from_json_str(line) {
                Ok(builder) => acts.push(Act {
                    line: i + 1,
                    builder,
                }),
                Err(e) => problems.push(located(&e, i + 1)),
            }
        }
        return (acts, problems);
    }
    let mut stream =
        serde_json::Deserializer::from_str(&text.text).into_iter::<serde::de::IgnoredAny>();
    let mut start = 0;
    loop {
        match stream.next() {
            None => break,
            Some(Ok(_)) => {
                let end = stream.byte_offset();
                let item = &text.text[start..end];
                let skipped = item.len() - item.trim_start().len();
                let first_line = text.text[..start + skipped].matches('\n').count() + 1;
                match TransferBuilder::from_json_str(item.trim_start()) {
                    Ok(builder) => acts.push(Act {
                        line: first_line,
                        builder,
                    }),
                    Err(e) => problems.push(located(&e, first_line)),
                }
                start = end;
            }
            Some(Err(e)) => {
                let mut message = e.to_string();
                if let Some(i) = message.rfind(" at line ") {
                    message.truncate(i);
                }
                let mut d = Diagnostic::new(format!("not JSON: {message}"));
                d.file = Some(text.name.clone());
                d.line = Some(e.line());
                d.column = Some(e.column());
                d.source = Some(text.text.clone());
                problems.push(d);
                break;
            }
        }
    }
    (acts, problems)
}

/// Writes one decision.
fn write_decision(
    out: &mut impl Write,
    report: &DecisionReport,
    line: usize,
    output: Output,
    batch: bool,
    explain: bool,
) -> std::io::Result<()> {
    match output {
        Output::Text if explain || !batch => {
            writeln!(out, "{report}")?;
            if batch {
                writeln!(out)?;
            }
            Ok(())
        }
        Output::Text => writeln!(out, "{}", one_line(report, line)),
        Output::Json if !batch => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)
        }
        Output::Json | Output::Jsonl => {
            serde_json::to_writer(&mut *out, report)?;
            writeln!(out)
        }
    }
}

/// `t-7  deny   cn-pipl/legal-basis (unmet)`: the act (its id, or `line N`), the effect, and
/// the deciding rules with their verdicts.
fn one_line(report: &DecisionReport, line: usize) -> String {
    let id = report
        .transfer_id
        .clone()
        .unwrap_or_else(|| format!("line {line}"));
    let effect = match report.effect {
        Effect::Allow => "allow",
        Effect::Deny => "deny",
    };
    let rules: Vec<String> = report
        .deciding_rules()
        .map(|r| format!("{} ({})", r.key(), r.verdict.as_str()))
        .collect();
    let why = if report.no_rule_applies {
        "no rule applies".to_owned()
    } else if rules.is_empty() {
        report
            .diagnostics
            .first()
            .cloned()
            .unwrap_or_else(|| "-".to_owned())
    } else {
        rules.join(", ")
    };
    format!("{id}\t{effect}\t{why}")
}

/// Counts per effect and per deciding rule.
#[derive(Default)]
struct Summary {
    allowed: usize,
    denied: usize,
    no_rule: usize,
    by_rule: BTreeMap<String, (usize, usize)>,
}

impl Summary {
    fn add(&mut self, r: &DecisionReport) {
        let allow = r.effect == Effect::Allow;
        if allow {
            self.allowed += 1;
        } else {
            self.denied += 1;
        }
        if r.no_rule_applies {
            self.no_rule += 1;
        }
        for rule in r.deciding_rules() {
            let e = self.by_rule.entry(rule.key()).or_default();
            if allow {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }

    fn render(&self, engine: &Engine) -> String {
        let packs: Vec<String> = engine
            .packs()
            .map(|p| format!("{} {}", p.id, p.version))
            .collect();
        let mut s = format!(
            "{} acts: {} allowed, {} denied ({} with no rule applying) — packs: {}\n",
            self.allowed + self.denied,
            self.allowed,
            self.denied,
            self.no_rule,
            packs.join(", ")
        );
        if !self.by_rule.is_empty() {
            let width = self.by_rule.keys().map(String::len).max().unwrap_or(0);
            s.push_str(&format!("{:width$}  allow   deny\n", "deciding rule"));
            for (rule, (a, d)) in &self.by_rule {
                s.push_str(&format!("{rule:width$}  {a:>5}  {d:>5}\n"));
            }
        }
        s
    }
}

/// A progress bar on stderr for a large batch on a terminal; hidden otherwise.
fn progress_bar(len: usize, quiet: bool) -> ProgressBar {
    if quiet || len < PROGRESS_FROM || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{wide_bar} {pos}/{len} acts, {eta} left") {
        bar.set_style(style);
    }
    bar
}
