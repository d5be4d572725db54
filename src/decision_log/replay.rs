//! Deciding every logged act again: does the log tell the truth about the rules in force?

use std::fmt;

use super::DecisionLog;
use super::record::{LogRecord, LoggedDecision};
use crate::Engine;
use crate::error::LogError;
use crate::evidence::Evidence;

/// What a replay found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplayReport {
    /// Records decided again.
    pub records: u64,
    /// Records decided as logged.
    pub same: u64,
    /// Records logged by an engine configured otherwise (other packs, digests or options)
    /// than the one replaying; each is decided again all the same.
    pub other_engine: u64,
    /// Every record decided otherwise, or that could not be decided again.
    pub differences: Vec<Difference>,
}

/// One record decided otherwise than logged.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Difference {
    /// The record's sequence number.
    pub seq: u64,
    /// The transfer's id, if it had one.
    pub transfer_id: Option<String>,
    /// What the log says was decided.
    pub logged: LoggedDecision,
    /// What is decided now; `None` when the act no longer builds against the engine.
    pub now: Option<LoggedDecision>,
    /// Why the act no longer builds, if it does not.
    pub error: Option<String>,
    /// Whether the logged decision came from an engine configured otherwise.
    pub engine_changed: bool,
}

/// Decides every record of `log` again with `engine` and `evidence` (as they stand: evidence
/// keeps its instants, so a decision as of an earlier instant comes out as it did unless the
/// evidence was erased), and lists each decision that differs: after a pack update, the acts
/// it changes; with the packs in force, none — or the log does not tell the truth.
///
/// # Errors
///
/// The log's error for a record that cannot be read.
pub fn replay<E: Evidence + ?Sized>(
    log: &DecisionLog,
    engine: &Engine,
    evidence: &E,
) -> Result<ReplayReport, LogError> {
    let fingerprint = format!("{:016x}", engine.fingerprint());
    let mut report = ReplayReport::default();
    log.for_each_record(|seq, record: LogRecord| {
        report.records += 1;
        let engine_changed = record.decision.engine != fingerprint;
        report.other_engine += u64::from(engine_changed);
        let transfer_id = record.transfer.stated_id().map(ToString::to_string);
        let (now, error) = match record.transfer.clone().build(engine) {
            Ok(t) => (
                Some(LoggedDecision::from(
                    &engine.evaluate(&t, evidence).report(),
                )),
                None,
            ),
            Err(e) => (None, Some(e.to_string())),
        };
        if now
            .as_ref()
            .is_some_and(|n| n.same_outcome(&record.decision))
        {
            report.same += 1;
        } else {
            report.differences.push(Difference {
                seq,
                transfer_id,
                logged: record.decision,
                now,
                error,
                engine_changed,
            });
        }
        Ok(())
    })?;
    Ok(report)
}

fn outcome(d: &LoggedDecision) -> String {
    let rules: Vec<String> = d
        .deciding_rules()
        .map(|r| {
            let mut how = r.verdict.as_str().to_owned();
            if let Some(a) = &r.alternative {
                how.push_str(&format!(": {a}"));
            }
            for e in &r.evidence {
                how.push_str(&format!(", {} `{}`", kind_name(e.kind()), e.id()));
            }
            if !r.missing.is_empty() {
                how.push_str(&format!(": none of {}", r.missing.join(", ")));
            }
            format!("{}/{} ({how})", r.pack, r.rule)
        })
        .collect();
    let effect = if d.effect == crate::Effect::Allow {
        "allow"
    } else {
        "deny"
    };
    if rules.is_empty() {
        effect.to_owned()
    } else {
        format!("{effect}: {}", rules.join(", "))
    }
}

fn kind_name(k: crate::decision::EvidenceKind) -> &'static str {
    match k {
        crate::decision::EvidenceKind::Consent => "consent",
        crate::decision::EvidenceKind::Approval => "approval",
        crate::decision::EvidenceKind::Certification => "certification",
    }
}

impl fmt::Display for ReplayReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} records decided again: {} as logged, {} differently{}",
            self.records,
            self.same,
            self.differences.len(),
            if self.other_engine > 0 {
                format!(
                    " ({} logged by an engine configured otherwise)",
                    self.other_engine
                )
            } else {
                String::new()
            }
        )?;
        for d in &self.differences {
            let id = d
                .transfer_id
                .as_deref()
                .map(|t| format!(" [transfer `{t}`]"))
                .unwrap_or_default();
            writeln!(f, "  record {}{id}:", d.seq)?;
            writeln!(f, "    logged: {}", outcome(&d.logged))?;
            match (&d.now, &d.error) {
                (Some(n), _) => writeln!(f, "    now:    {}", outcome(n))?,
                (None, Some(e)) => writeln!(f, "    now:    does not build: {e}")?,
                (None, None) => {}
            }
        }
        Ok(())
    }
}
