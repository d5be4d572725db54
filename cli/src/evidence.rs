//! `crossborder evidence`: a durable evidence store from the command line — import, export,
//! grant, withdraw, record executed acts, and show what a subject or a party holds.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use crossborder::chrono::{DateTime, SecondsFormat, Utc};
use crossborder::evidence::{DurableEvidence, EvidenceSet};
use crossborder::{Consent, PartyId, SubjectId, TransferBuilder};

use crate::input::{self, Text};
use crate::report::{Diagnostic, Failure};
use crate::{Exit, Outcome, PackArgs};

#[derive(Args, Debug)]
pub(crate) struct EvidenceArgs {
    #[command(subcommand)]
    command: EvidenceCommand,
}

/// Where the store is, and the packs whose names it must use.
#[derive(Args, Debug)]
struct StoreArgs {
    /// The store's file (created when absent).
    #[arg(long, value_name = "PATH")]
    store: PathBuf,
    /// Packs to check names against (`--packs`, `--pack-file`): evidence naming a category,
    /// purpose, authority, mechanism, scheme or counter none of them declares is refused.
    #[command(flatten)]
    packs: PackArgs,
}

#[derive(Subcommand, Debug)]
enum EvidenceCommand {
    /// Record evidence files (JSON lines, JSON or TOML) in one transaction: all or nothing.
    Import {
        #[command(flatten)]
        store: StoreArgs,
        /// The files.
        #[arg(value_name = "FILE", required = true)]
        inputs: Vec<PathBuf>,
    },
    /// Write everything the store holds (withdrawn and expired evidence included).
    Export {
        #[command(flatten)]
        store: StoreArgs,
        /// `jsonl` (one record per line, as `import` reads) or `json` (one document).
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        output: ExportFormat,
    },
    /// Record a consent: a JSON object (a file, or `-` for stdin).
    Grant {
        #[command(flatten)]
        store: StoreArgs,
        /// The consent.
        #[arg(value_name = "CONSENT", default_value = "-")]
        consent: PathBuf,
    },
    /// Record that a consent was withdrawn at an instant.
    Withdraw {
        #[command(flatten)]
        store: StoreArgs,
        /// The consent's id.
        id: String,
        /// When (RFC 3339, such as `2026-03-01T00:00:00Z`).
        #[arg(long)]
        at: String,
    },
    /// Record executed acts in the volume ledger (what the packs' thresholds count); needs the
    /// packs, whose counters say what each act adds.
    Record {
        #[command(flatten)]
        store: StoreArgs,
        /// The acts, as `eval` reads them.
        #[arg(value_name = "ACTS", default_value = "-")]
        acts: PathBuf,
    },
    /// What a subject's consents, or a party's approvals and certifications, are, and their
    /// status at an instant.
    Show {
        #[command(flatten)]
        store: StoreArgs,
        /// A data subject: their consents.
        #[arg(long, conflicts_with = "party")]
        subject: Option<String>,
        /// A party: the approvals and certifications it holds.
        #[arg(long, required_unless_present = "subject")]
        party: Option<String>,
        /// The instant of the status (default: now).
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ExportFormat {
    Jsonl,
    Json,
}

fn invalid(message: impl Into<String>) -> Failure {
    Failure::invalid(vec![Diagnostic::new(message)])
}

/// A store that did not open: I/O (exit 4), or damaged or locked (exit 3).
pub(crate) fn store_failure(e: &crossborder::StoreError) -> Failure {
    refused(e)
}

/// Opens the store, bound to the packs when any are named.
fn open(args: &StoreArgs) -> Result<DurableEvidence, Failure> {
    let store = DurableEvidence::open(&args.store).map_err(|e| refused(&e))?;
    if args.packs.builtin.is_empty() && args.packs.files.is_empty() {
        return Ok(store);
    }
    Ok(store.checked_by(input::engine(&args.packs, false)?))
}

fn refused(e: &crossborder::StoreError) -> Failure {
    let d = Diagnostic::located(e.message(), e.location(), None, None);
    if e.kind() == crossborder::StoreErrorKind::Io {
        Failure {
            exit: Exit::Io,
            diagnostics: vec![d],
            json: false,
        }
    } else {
        Failure::invalid(vec![d])
    }
}

fn instant(s: &str) -> Result<DateTime<Utc>, Failure> {
    s.parse().map_err(|_| {
        Failure::usage(format!(
            "invalid instant `{s}`: expected an RFC 3339 instant with a time zone, such as `2026-03-01T00:00:00Z`"
        ))
    })
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub(crate) fn run(args: &EvidenceArgs) -> Outcome {
    match &args.command {
        EvidenceCommand::Import { store, inputs } => {
            let mut set = EvidenceSet::default();
            for f in inputs {
                set.extend(input::evidence_file(f)?);
            }
            let s = open(store)?;
            s.import(&set).map_err(|e| refused(&e))?;
            crate::outln!(
                "imported {} consents, {} approvals, {} certifications, {} ledger entries into {}",
                set.consents.len(),
                set.approvals.len(),
                set.certifications.len(),
                set.ledger.len(),
                store.store.display()
            );
        }
        EvidenceCommand::Export { store, output } => {
            let set = open(store)?.export();
            match output {
                ExportFormat::Json => {
                    let text = serde_json::to_string_pretty(&set).map_err(|e| {
                        Failure::invalid(vec![Diagnostic::new(format!(
                            "cannot write the export: {e}"
                        ))])
                    })?;
                    crate::outln!("{text}");
                }
                ExportFormat::Jsonl => {
                    let mut out = Vec::new();
                    set.write_json_lines(&mut out).map_err(|e| {
                        Failure::invalid(vec![Diagnostic::new(format!(
                            "cannot write the export: {e}"
                        ))])
                    })?;
                    crate::out!("{}", String::from_utf8_lossy(&out));
                }
            }
        }
        EvidenceCommand::Grant { store, consent } => {
            let text = input::read(consent)?;
            let c = Consent::from_json_str(&text.text).map_err(|e| {
                Failure::invalid(vec![Diagnostic::located(
                    e.message(),
                    e.location(),
                    Some(&text.name),
                    Some(&text.text),
                )])
            })?;
            let id = c.id().clone();
            open(store)?.grant(c).map_err(|e| refused(&e))?;
            crate::outln!("granted consent `{id}`");
        }
        EvidenceCommand::Withdraw { store, id, at } => {
            let at = instant(at)?;
            let id = id
                .parse()
                .map_err(|e: crossborder::ModelError| invalid(e.to_string()))?;
            open(store)?.withdraw(&id, at).map_err(|e| refused(&e))?;
            crate::outln!("withdrew consent `{id}` at {}", rfc3339(at));
        }
        EvidenceCommand::Record { store, acts } => {
            if store.packs.builtin.is_empty() && store.packs.files.is_empty() {
                return Err(Failure::usage(
                    "`evidence record` needs the packs whose counters count the acts: `--packs` or `--pack-file`",
                ));
            }
            let engine = input::engine(&store.packs, false)?;
            let s = open(store)?;
            let text = input::read(acts)?;
            let mut recorded = 0;
            for (line, builder) in acts_of(&text)? {
                let t = builder.build(&engine).map_err(|e| {
                    let mut d = Diagnostic::new(e.to_string());
                    d.file = Some(text.name.clone());
                    d.line = Some(line);
                    Failure::invalid(vec![d])
                })?;
                recorded += s.record(&engine, &t).map_err(|e| refused(&e))?.len();
            }
            crate::outln!(
                "recorded {recorded} ledger entries in {}",
                store.store.display()
            );
        }
        EvidenceCommand::Show {
            store,
            subject,
            party,
            at,
        } => {
            let at = at.as_deref().map_or_else(
                || Ok(DateTime::<Utc>::from(std::time::SystemTime::now())),
                instant,
            )?;
            let s = open(store)?;
            if let Some(subject) = subject {
                let id: SubjectId = subject
                    .parse()
                    .map_err(|e: crossborder::ModelError| invalid(e.to_string()))?;
                let consents = s.consents_of(&id);
                crate::outln!(
                    "subject `{id}`: {} consent(s), status at {}",
                    consents.len(),
                    rfc3339(at)
                );
                for c in consents {
                    let scope = c.scope();
                    let cats: Vec<&str> = scope.categories().iter().map(|c| c.as_str()).collect();
                    crate::outln!(
                        "  {} [{}] {}: {} to {} for {}",
                        c.id(),
                        c.kind(),
                        c.status_at(at),
                        cats.join(", "),
                        scope.destinations(),
                        scope.operations()
                    );
                }
            } else if let Some(party) = party {
                let id: PartyId = party
                    .parse()
                    .map_err(|e: crossborder::ModelError| invalid(e.to_string()))?;
                let approvals = s.approvals_of(&id);
                let certifications = s.certifications_of(&id);
                crate::outln!(
                    "party `{id}`: {} approval(s), {} certification(s), status at {}",
                    approvals.len(),
                    certifications.len(),
                    rfc3339(at)
                );
                for a in approvals {
                    let status = a.status_at(at);
                    crate::outln!(
                        "  approval {} by {} ({}): {status}",
                        a.id(),
                        a.authority(),
                        a.mechanism()
                    );
                }
                for c in certifications {
                    let status = c.status_at(at);
                    crate::outln!("  certification {} ({}): {status}", c.id(), c.name());
                }
            }
        }
    }
    Ok(Exit::Ok)
}

/// The acts of `text`, with their first lines (as `eval` reads them).
fn acts_of(text: &Text) -> Result<Vec<(usize, TransferBuilder)>, Failure> {
    let (acts, problems) = crate::eval::parse_acts(text);
    if !problems.is_empty() {
        return Err(Failure::invalid(problems));
    }
    Ok(acts.into_iter().map(|a| (a.line, a.builder)).collect())
}
