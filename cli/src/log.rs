//! `crossborder log`: the tamper-evident decision log — keys, appending decided acts, signed
//! checkpoints, verification by a supervisor, proofs, replay, and a person's transparency
//! report.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use crossborder::chrono::{DateTime, SecondsFormat, Utc};
use crossborder::decision_log::{
    DecisionLog, LogRecord, SignedCheckpoint, SigningKey, SubjectReport, Verifier, VerifyingKey,
    replay,
};
use crossborder::evidence::DurableEvidence;
use crossborder::{Consent, Engine, Evidence, LogError, LogErrorKind, SubjectId};

use crate::input;
use crate::report::{Diagnostic, Failure};
use crate::{Exit, Outcome, PackArgs};

#[derive(Args, Debug)]
pub(crate) struct LogArgs {
    #[command(subcommand)]
    command: LogCommand,
}

/// The log's file.
#[derive(Args, Debug)]
struct LogFile {
    /// The log's file.
    #[arg(long = "log", value_name = "PATH")]
    path: PathBuf,
}

/// Evidence to decide or report with: files, or a durable store.
#[derive(Args, Debug)]
struct EvidenceSource {
    /// Evidence files (JSON lines, JSON or TOML), as `eval` reads them; repeatable.
    #[arg(long, value_name = "PATH")]
    evidence: Vec<PathBuf>,
    /// A durable evidence store (`crossborder evidence`).
    #[arg(long, value_name = "PATH", conflicts_with = "evidence")]
    store: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum LogCommand {
    /// Generate a signing key: writes the secret to a new file (owner-only), prints the public
    /// key to give supervisors.
    Keygen {
        /// Where to write the secret key (never overwritten).
        #[arg(long, value_name = "PATH")]
        key: PathBuf,
    },
    /// Create an empty log.
    Init {
        #[command(flatten)]
        log: LogFile,
        /// The log's id, carried by every checkpoint.
        #[arg(long, value_name = "ID")]
        id: String,
    },
    /// Decide acts (as `eval` does) and append each decision to the log; one fsync for the
    /// batch, before the command reports success.
    Append {
        #[command(flatten)]
        log: LogFile,
        /// The acts: a JSON object or JSON lines; `-` reads stdin.
        #[arg(value_name = "ACTS", default_value = "-")]
        acts: PathBuf,
        #[command(flatten)]
        packs: PackArgs,
        #[command(flatten)]
        evidence: EvidenceSource,
        /// The recorded-at instant (default: now).
        #[arg(long, value_name = "INSTANT")]
        recorded_at: Option<String>,
        /// Sign a checkpoint after every N records with this key (`--every`).
        #[arg(long, value_name = "PATH", requires = "every")]
        key: Option<PathBuf>,
        /// With `--key`: how many records between automatic checkpoints.
        #[arg(long, value_name = "N", requires = "key")]
        every: Option<u64>,
    },
    /// Sign a checkpoint of the log as it is now and append it; prints it (publish it).
    Checkpoint {
        #[command(flatten)]
        log: LogFile,
        /// The signing key's file.
        #[arg(long, value_name = "PATH")]
        key: PathBuf,
        /// The checkpoint's time (default: now).
        #[arg(long, value_name = "INSTANT")]
        time: Option<String>,
    },
    /// Verify a log with the public key only: every record, every checkpoint; exit 1 when it
    /// does not verify, naming the first bad record or checkpoint.
    Verify {
        #[command(flatten)]
        log: LogFile,
        /// The public key (64 hex digits), or a file holding it.
        #[arg(long, value_name = "KEY")]
        public_key: String,
        /// Checkpoints received earlier (JSON lines): the log must still hold what each signed.
        #[arg(long, value_name = "PATH")]
        held: Vec<PathBuf>,
    },
    /// Print the inclusion proof of a record (with the record and the checkpoint it leads to),
    /// or with `--from` the consistency proof between two sizes.
    Prove {
        #[command(flatten)]
        log: LogFile,
        /// The record's sequence number.
        #[arg(
            long,
            value_name = "N",
            conflicts_with = "from",
            required_unless_present = "from"
        )]
        record: Option<u64>,
        /// A consistency proof from this size…
        #[arg(long, value_name = "SIZE", requires = "to")]
        from: Option<u64>,
        /// …to this size.
        #[arg(long, value_name = "SIZE")]
        to: Option<u64>,
    },
    /// Decide every logged act again and list the decisions that differ (exit 1 if any).
    Replay {
        #[command(flatten)]
        log: LogFile,
        #[command(flatten)]
        packs: PackArgs,
        #[command(flatten)]
        evidence: EvidenceSource,
    },
    /// A data subject's transparency report: every act about them, with proofs, their
    /// consents, and a summary per destination.
    Report {
        #[command(flatten)]
        log: LogFile,
        /// The data subject's id.
        #[arg(long, value_name = "ID")]
        subject: String,
        #[command(flatten)]
        evidence: EvidenceSource,
        /// The instant the consents' status is given at (default: now).
        #[arg(long, value_name = "INSTANT")]
        as_of: Option<String>,
        /// `text`, `json` or `html`.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        output: ReportFormat,
        /// Write to this file instead of stdout.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Check every proof of a JSON transparency report against its checkpoint and the public
    /// key (what the person, or their advocate, runs).
    VerifyReport {
        /// The report (`log report --output json`).
        #[arg(value_name = "REPORT")]
        report: PathBuf,
        /// The public key (64 hex digits), or a file holding it.
        #[arg(long, value_name = "KEY")]
        public_key: String,
    },
    /// Remove a partially written last line left by a crash (never a complete line).
    Repair {
        #[command(flatten)]
        log: LogFile,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ReportFormat {
    Text,
    Json,
    Html,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn instant_or_now(s: Option<&String>) -> Result<DateTime<Utc>, Failure> {
    match s {
        None => Ok(DateTime::<Utc>::from(std::time::SystemTime::now())),
        Some(s) => s.parse().map_err(|_| {
            Failure::usage(format!(
                "invalid instant `{s}`: expected an RFC 3339 instant with a time zone, such as `2026-03-01T00:00:00Z`"
            ))
        }),
    }
}

/// A log error: I/O → 4; a log that does not verify, a bad signature or proof → 1; anything
/// else that is wrong with the input → 3.
fn failed(e: &LogError) -> Failure {
    let d = Diagnostic::located(e.message(), e.location(), None, None);
    let exit = match e.kind() {
        LogErrorKind::Io => Exit::Io,
        LogErrorKind::Tampered | LogErrorKind::Signature | LogErrorKind::Proof => Exit::Failed,
        _ => Exit::Invalid,
    };
    Failure {
        exit,
        diagnostics: vec![d],
        json: false,
    }
}

fn public_key(text: &str) -> Result<VerifyingKey, Failure> {
    let path = Path::new(text);
    let body = if VerifyingKey::from_hex(text).is_err() && path.is_file() {
        std::fs::read_to_string(path).map_err(|e| Failure::io(text, &e))?
    } else {
        text.to_owned()
    };
    VerifyingKey::from_hex(&body).map_err(|e| failed(&e))
}

/// The consents of the evidence source (for the report).
fn consents(src: &EvidenceSource, subject: &SubjectId) -> Result<Vec<Consent>, Failure> {
    if let Some(path) = &src.store {
        let store = DurableEvidence::open(path).map_err(|e| crate::evidence::store_failure(&e))?;
        return Ok(store.consents_of(subject));
    }
    let mut all = Vec::new();
    for f in &src.evidence {
        all.extend(input::evidence_file(f)?.consents);
    }
    Ok(all)
}

/// The evidence of the source, bound to `engine` (for deciding).
fn evidence(src: &EvidenceSource, engine: &Engine) -> Result<Box<dyn Evidence>, Failure> {
    Ok(match &src.store {
        Some(path) => {
            Box::new(DurableEvidence::open(path).map_err(|e| crate::evidence::store_failure(&e))?)
        }
        None => Box::new(input::evidence(&src.evidence, engine)?),
    })
}

fn open(log: &LogFile) -> Result<DecisionLog, Failure> {
    DecisionLog::open(&log.path).map_err(|e| failed(&e))
}

fn open_read_only(log: &LogFile) -> Result<DecisionLog, Failure> {
    DecisionLog::open_read_only(&log.path).map_err(|e| failed(&e))
}

pub(crate) fn run(args: &LogArgs) -> Outcome {
    match &args.command {
        LogCommand::Keygen { key } => {
            let k = SigningKey::generate().map_err(|e| failed(&e))?;
            k.write(key).map_err(|e| failed(&e))?;
            crate::outln!("{}", k.verifying_key());
            eprintln!(
                "wrote the secret key to {} (keep it secret); the line above is the public key (key id {})",
                key.display(),
                k.verifying_key().id()
            );
        }
        LogCommand::Init { log, id } => {
            DecisionLog::create(&log.path, id).map_err(|e| failed(&e))?;
            crate::outln!("created log `{id}` in {}", log.path.display());
        }
        LogCommand::Append {
            log,
            acts,
            packs,
            evidence: src,
            recorded_at,
            key,
            every,
        } => {
            let engine = input::engine(packs, false)?;
            let store = evidence(src, &engine)?;
            let at = instant_or_now(recorded_at.as_ref())?;
            let text = input::read(acts)?;
            let (parsed, problems) = crate::eval::parse_acts(&text);
            if !problems.is_empty() {
                return Err(Failure::invalid(problems));
            }
            let mut records = Vec::with_capacity(parsed.len());
            for act in parsed {
                let t = act.builder.build(&engine).map_err(|e| {
                    let mut d = Diagnostic::new(e.to_string());
                    d.file = Some(text.name.clone());
                    d.line = Some(act.line);
                    Failure::invalid(vec![d])
                })?;
                records.push(LogRecord::new(&engine.evaluate(&t, &*store), at));
            }
            let mut l = open(log)?;
            if let (Some(k), Some(n)) = (key, every) {
                l = l.with_checkpoints(SigningKey::read(k).map_err(|e| failed(&e))?, *n);
            }
            let before = l.checkpoints().len();
            let range = l.append_all(&records).map_err(|e| failed(&e))?;
            let allowed = records
                .iter()
                .filter(|r| r.decision.effect == crossborder::Effect::Allow)
                .count();
            crate::outln!(
                "logged {} decisions ({allowed} allowed, {} denied) as records {}..{}; {} checkpoint(s) signed",
                records.len(),
                records.len() - allowed,
                range.start,
                range.end,
                l.checkpoints().len() - before
            );
        }
        LogCommand::Checkpoint { log, key, time } => {
            let k = SigningKey::read(key).map_err(|e| failed(&e))?;
            let c = open(log)?
                .checkpoint(&k, instant_or_now(time.as_ref())?)
                .map_err(|e| failed(&e))?;
            crate::outln!("{}", c.to_json());
        }
        LogCommand::Verify {
            log,
            public_key: key,
            held,
        } => {
            let mut kept: Vec<SignedCheckpoint> = Vec::new();
            for f in held {
                let text = input::read(f)?;
                for (i, line) in text
                    .text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| !l.trim().is_empty())
                {
                    kept.push(SignedCheckpoint::from_json_str(line).map_err(|e| {
                        let mut d = Diagnostic::new(e.message());
                        d.file = Some(text.name.clone());
                        d.line = Some(i + 1);
                        Failure::invalid(vec![d])
                    })?);
                }
            }
            let v = Verifier::new(public_key(key)?)
                .held(kept)
                .verify_file(&log.path)
                .map_err(|e| failed(&e))?;
            crate::outln!(
                "ok: log `{}`, {} records, {} checkpoints verified, root {}{}",
                v.log_id,
                v.records,
                v.checkpoints,
                v.root,
                if v.unsigned_tail > 0 {
                    format!(
                        "; the last {} records are not yet covered by a checkpoint",
                        v.unsigned_tail
                    )
                } else {
                    String::new()
                }
            );
        }
        LogCommand::Prove {
            log,
            record,
            from,
            to,
        } => {
            let l = open_read_only(log)?;
            if let Some(seq) = record {
                let c = l.checkpoints().into_iter().rfind(|c| c.checkpoint.size > *seq).ok_or_else(|| {
                    Failure::invalid(vec![Diagnostic::new(format!(
                        "no checkpoint covers record {seq} yet: sign one with `crossborder log checkpoint`"
                    ))])
                })?;
                let proof = l
                    .inclusion_proof(*seq, c.checkpoint.size)
                    .map_err(|e| failed(&e))?;
                let record = String::from_utf8(l.record_bytes(*seq).map_err(|e| failed(&e))?)
                    .unwrap_or_default();
                let out = serde_json::json!({
                    "proof": proof,
                    "checkpoint": c,
                    "record": record,
                });
                crate::outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            } else if let (Some(a), Some(b)) = (from, to) {
                let proof = l.consistency_proof(*a, *b).map_err(|e| failed(&e))?;
                crate::outln!(
                    "{}",
                    serde_json::to_string_pretty(&proof).unwrap_or_default()
                );
            }
        }
        LogCommand::Replay {
            log,
            packs,
            evidence: src,
        } => {
            let engine = input::engine(packs, false)?;
            let store = evidence(src, &engine)?;
            let r = replay(&open_read_only(log)?, &engine, &*store).map_err(|e| failed(&e))?;
            crate::out!("{r}");
            if !r.differences.is_empty() {
                return Ok(Exit::Failed);
            }
        }
        LogCommand::Report {
            log,
            subject,
            evidence: src,
            as_of,
            output,
            out,
        } => {
            let id: SubjectId = subject
                .parse()
                .map_err(|e: crossborder::ModelError| Failure::usage(e.to_string()))?;
            let consents = consents(src, &id)?;
            let report = SubjectReport::build(
                &open_read_only(log)?,
                &id,
                &consents,
                instant_or_now(as_of.as_ref())?,
            )
            .map_err(|e| failed(&e))?;
            let body = match output {
                ReportFormat::Text => report.to_string(),
                ReportFormat::Json => {
                    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
                }
                ReportFormat::Html => report.to_html(),
            };
            match out {
                Some(path) => {
                    std::fs::write(path, body)
                        .map_err(|e| Failure::write(&path.display().to_string(), &e))?;
                    crate::outln!(
                        "wrote the report on `{id}` ({} acts) to {}",
                        report.entries.len(),
                        path.display()
                    );
                }
                None => crate::out!("{body}"),
            }
        }
        LogCommand::VerifyReport {
            report,
            public_key: key,
        } => {
            let text = input::read(report)?;
            let r: SubjectReport = serde_json::from_str(&text.text).map_err(|e| {
                let mut d = Diagnostic::new(format!("not a transparency report: {e}"));
                d.file = Some(text.name.clone());
                d.line = Some(e.line());
                Failure::invalid(vec![d])
            })?;
            let proved = r.verify(&public_key(key)?).map_err(|e| failed(&e))?;
            crate::outln!(
                "ok: {proved} of {} entries about `{}` proved against the checkpoint of {} records{}",
                r.entries.len(),
                r.subject,
                r.checkpoint.as_ref().map_or(0, |c| c.checkpoint.size),
                r.checkpoint
                    .as_ref()
                    .map(|c| format!(" made {}", rfc3339(c.checkpoint.time)))
                    .unwrap_or_default()
            );
        }
        LogCommand::Repair { log } => {
            match DecisionLog::repair(&log.path).map_err(|e| failed(&e))? {
                None => crate::outln!("the log ends cleanly: nothing to repair"),
                Some(r) => crate::outln!(
                    "removed a partially written line {} ({} bytes at offset {}): an append that never completed",
                    r.line,
                    r.bytes,
                    r.offset
                ),
            }
        }
    }
    Ok(Exit::Ok)
}
