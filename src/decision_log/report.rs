//! "Where did my data go": one data subject's transparency report, from the decision log
//! and their consents, with a proof for every entry.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::checkpoint::{SignedCheckpoint, VerifyingKey};
use super::proof::InclusionProof;
use super::record::LogRecord;
use super::{DecisionLog, located};
use crate::Effect;
use crate::decision::Verdict;
use crate::error::{LogError, LogErrorKind};
use crate::model::{Consent, SubjectId, rfc3339};

/// One data subject's report: every logged act about them (when, what, from where to where,
/// to whom, allowed or not, on which basis and evidence, or what blocked it), each with the
/// proof that it is in the log a signed checkpoint covers; their consents and where each
/// stands; and a summary per destination.
///
/// It holds nothing about anyone else: only records whose subject is this person, and only
/// their consents. Render it with `Display` (text), serde (JSON) or
/// [`to_html`](Self::to_html) (a self-contained page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubjectReport {
    /// The data subject.
    pub subject: String,
    /// The log the entries come from.
    pub log_id: String,
    /// The instant the consents' status is given at (the host's clock).
    pub as_of: DateTime<Utc>,
    /// The checkpoint the proofs lead to (the log's latest when the report was made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<SignedCheckpoint>,
    /// Every act about the subject, oldest first.
    pub entries: Vec<ReportEntry>,
    /// The subject's consents.
    pub consents: Vec<ConsentEntry>,
    /// Per destination: how many acts, allowed and denied, which data, which recipients.
    pub destinations: Vec<DestinationSummary>,
}

/// One act about the subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReportEntry {
    /// The record's sequence number in the log.
    pub seq: u64,
    /// When the act happened (as stated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// When the decision was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The transfer's id, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_id: Option<String>,
    /// `transfer`, `store`, `process` or `remote_access`.
    pub operation: String,
    /// The kinds of data.
    pub categories: Vec<String>,
    /// Where the data was collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_in: Option<String>,
    /// Where it went (or where the act happened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// Who sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter: Option<String>,
    /// Who received it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// What for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purposes: Vec<String>,
    /// Whether it was allowed.
    pub allowed: bool,
    /// For an allow, the legal basis of each rule that required one (rule, basis, citation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bases: Vec<String>,
    /// For a deny, what blocked it (rule, citation, the bases none of which was held).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<String>,
    /// The consents, approvals and certifications relied on (`consent c-1`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// The record as logged (its canonical JSON: what the proof's leaf hashes).
    pub record: String,
    /// The proof that the record is in the log the checkpoint signed; `None` for a record
    /// newer than the latest checkpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<InclusionProof>,
}

/// One of the subject's consents, and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConsentEntry {
    /// The consent's id.
    pub id: String,
    /// Its kind (`express`, `separate`, …).
    pub kind: String,
    /// What data it covers.
    pub categories: Vec<String>,
    /// Where to.
    pub destinations: String,
    /// For which operations.
    pub operations: String,
    /// For which purposes (empty: any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purposes: Vec<String>,
    /// When it was given.
    pub granted_at: DateTime<Utc>,
    /// When it ends, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was withdrawn, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Where it stands at the report's instant: `valid`, `withdrawn at …`, `expired at …`.
    pub status: String,
    /// Whether it is in force at the report's instant.
    pub active: bool,
}

/// The acts to one destination.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DestinationSummary {
    /// The destination (`unstated` when an act did not say).
    pub destination: String,
    /// How many acts.
    pub acts: u64,
    /// How many were allowed.
    pub allowed: u64,
    /// How many were denied.
    pub denied: u64,
    /// The kinds of data, each once.
    pub categories: Vec<String>,
    /// The recipients, each once.
    pub recipients: Vec<String>,
    /// The first act's instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<DateTime<Utc>>,
    /// The last act's instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<DateTime<Utc>>,
}

/// The serde name of a value (`transfer`, `express`).
fn name_of<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

impl ReportEntry {
    fn new(seq: u64, record: &LogRecord, bytes: Vec<u8>, proof: Option<InclusionProof>) -> Self {
        let t = &record.transfer;
        let data = t.stated_data();
        let d = &record.decision;
        let mut bases = Vec::new();
        let mut blocked_by = Vec::new();
        let mut evidence = Vec::new();
        for r in &d.rules {
            for e in &r.evidence {
                evidence.push(format!("{} {}", name_of(&e.kind()), e.id()));
            }
            match r.verdict {
                Verdict::Satisfied => {
                    if let Some(a) = r.alternative.as_ref().filter(|_| d.effect == Effect::Allow) {
                        bases.push(format!("{}/{}: {a} ({})", r.pack, r.rule, r.cite));
                    }
                }
                Verdict::Prohibited => {
                    blocked_by.push(format!("{}/{}: prohibited ({})", r.pack, r.rule, r.cite))
                }
                Verdict::Unmet => blocked_by.push(format!(
                    "{}/{}: none of {} was held ({})",
                    r.pack,
                    r.rule,
                    r.missing.join(", "),
                    r.cite
                )),
            }
        }
        if d.effect == Effect::Deny && blocked_by.is_empty() {
            blocked_by.extend(d.diagnostics.iter().cloned());
            if d.no_rule_applies {
                blocked_by
                    .push("no rule applied, and the engine denies what no rule allows".into());
            }
        }
        evidence.sort();
        evidence.dedup();
        ReportEntry {
            seq,
            at: t.stated_at(),
            recorded_at: record.recorded_at,
            transfer_id: t.stated_id().map(ToString::to_string),
            operation: t
                .stated_operation()
                .map(|o| name_of(&o))
                .unwrap_or_else(|| "unstated".into()),
            categories: data
                .map(|d| d.categories().iter().map(ToString::to_string).collect())
                .unwrap_or_default(),
            collected_in: data.map(|d| d.collected_in().to_string()),
            destination: t.stated_destination().map(|j| j.to_string()),
            exporter: t.stated_exporter().map(|p| p.id().to_string()),
            recipient: t.stated_recipient().map(|p| p.id().to_string()),
            purposes: t
                .stated_purposes()
                .iter()
                .map(ToString::to_string)
                .collect(),
            allowed: d.effect == Effect::Allow,
            bases,
            blocked_by,
            evidence,
            record: String::from_utf8(bytes).unwrap_or_default(),
            proof,
        }
    }
}

impl SubjectReport {
    /// The report on `subject` from `log`, with `consents` (those of another subject are left
    /// out) given their status at `as_of`. Proofs lead to the log's latest checkpoint; make
    /// one first ([`DecisionLog::checkpoint`]) to cover every record.
    ///
    /// # Errors
    ///
    /// The log's error for a record that cannot be read; [`LogErrorKind::Damaged`] when the
    /// log's subject index names a record about someone else.
    pub fn build(
        log: &DecisionLog,
        subject: &SubjectId,
        consents: &[Consent],
        as_of: DateTime<Utc>,
    ) -> Result<Self, LogError> {
        let checkpoint = log.checkpoints().pop();
        let mut entries = Vec::new();
        for seq in log.records_of(subject) {
            let bytes = log.record_bytes(seq)?;
            let record: LogRecord = serde_json::from_slice(&bytes).map_err(|e| {
                located(
                    LogError::new(
                        LogErrorKind::Damaged,
                        format!("record {seq} does not read back: {e}"),
                    ),
                    log.path(),
                    None,
                )
            })?;
            if record.subject() != Some(subject) {
                return Err(located(
                    LogError::new(
                        LogErrorKind::Damaged,
                        format!(
                            "record {seq} is indexed under `{subject}` but is about someone else"
                        ),
                    ),
                    log.path(),
                    None,
                ));
            }
            let proof = match &checkpoint {
                Some(c) if seq < c.checkpoint.size => {
                    Some(log.inclusion_proof(seq, c.checkpoint.size)?)
                }
                _ => None,
            };
            entries.push(ReportEntry::new(seq, &record, bytes, proof));
        }
        let consents = consents
            .iter()
            .filter(|c| c.subject() == subject)
            .map(|c| {
                let scope = c.scope();
                let status = c.status_at(as_of);
                ConsentEntry {
                    id: c.id().to_string(),
                    kind: name_of(&c.kind()),
                    categories: scope.categories().iter().map(ToString::to_string).collect(),
                    destinations: scope.destinations().to_string(),
                    operations: scope.operations().to_string(),
                    purposes: scope.purposes().iter().map(ToString::to_string).collect(),
                    granted_at: c.granted_at(),
                    expires_at: c.expires_at(),
                    withdrawn_at: c.withdrawn_at(),
                    status: status.to_string(),
                    active: status.is_valid(),
                }
            })
            .collect();
        let mut by_destination: BTreeMap<String, DestinationSummary> = BTreeMap::new();
        for e in &entries {
            let key = e.destination.clone().unwrap_or_else(|| "unstated".into());
            let s = by_destination
                .entry(key.clone())
                .or_insert_with(|| DestinationSummary {
                    destination: key,
                    acts: 0,
                    allowed: 0,
                    denied: 0,
                    categories: Vec::new(),
                    recipients: Vec::new(),
                    first: None,
                    last: None,
                });
            s.acts += 1;
            if e.allowed {
                s.allowed += 1;
            } else {
                s.denied += 1;
            }
            for c in &e.categories {
                if !s.categories.contains(c) {
                    s.categories.push(c.clone());
                }
            }
            if let Some(r) = &e.recipient
                && !s.recipients.contains(r)
            {
                s.recipients.push(r.clone());
            }
            s.first = match (s.first, e.at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            s.last = match (s.last, e.at) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(SubjectReport {
            subject: subject.to_string(),
            log_id: log.log_id(),
            as_of,
            checkpoint,
            entries,
            consents,
            destinations: by_destination.into_values().collect(),
        })
    }

    /// Checks every entry's proof against the report's checkpoint, signed with `key`; returns
    /// how many entries it proved (entries newer than the checkpoint carry no proof).
    ///
    /// # Errors
    ///
    /// The first entry whose proof does not hold, or a checkpoint `key` did not sign.
    pub fn verify(&self, key: &VerifyingKey) -> Result<usize, LogError> {
        let mut proved = 0;
        for e in &self.entries {
            if let (Some(p), Some(c)) = (&e.proof, &self.checkpoint) {
                p.verify(e.record.as_bytes(), c, key).map_err(|err| {
                    LogError::new(
                        err.kind(),
                        format!("entry {} (record {}): {}", proved, e.seq, err.message()),
                    )
                })?;
                if p.seq != e.seq {
                    return Err(LogError::new(
                        LogErrorKind::Proof,
                        format!(
                            "entry for record {} carries the proof of record {}",
                            e.seq, p.seq
                        ),
                    ));
                }
                proved += 1;
            }
        }
        Ok(proved)
    }

    fn counts(&self) -> (usize, usize) {
        let allowed = self.entries.iter().filter(|e| e.allowed).count();
        (allowed, self.entries.len() - allowed)
    }

    /// The report as a self-contained HTML page: no scripts, no external assets; a summary at
    /// the top, a table of destinations, a timeline of acts, the consents, and the proofs.
    #[must_use]
    pub fn to_html(&self) -> String {
        let mut h = String::with_capacity(8192);
        let (allowed, denied) = self.counts();
        let _ = write!(
            h,
            r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Where your data went — {subject}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2733; background: #f5f7fa; }}
main {{ max-width: 960px; margin: 0 auto; padding: 24px; }}
h1 {{ font-size: 1.6rem; margin: 0 0 4px; }}
h2 {{ font-size: 1.15rem; margin: 32px 0 8px; }}
.sub {{ color: #5b6b7c; margin: 0 0 16px; }}
.summary {{ display: flex; gap: 12px; flex-wrap: wrap; }}
.card {{ background: #fff; border-radius: 10px; padding: 14px 18px; box-shadow: 0 1px 3px rgba(0,0,0,.08); min-width: 150px; }}
.card b {{ display: block; font-size: 1.8rem; }}
table {{ border-collapse: collapse; width: 100%; background: #fff; border-radius: 10px; overflow: hidden; box-shadow: 0 1px 3px rgba(0,0,0,.08); }}
th, td {{ text-align: left; padding: 8px 12px; border-bottom: 1px solid #e6eaef; vertical-align: top; font-size: .93rem; }}
th {{ background: #eef2f6; font-weight: 600; }}
ol.timeline {{ list-style: none; padding: 0; margin: 0; border-left: 3px solid #c9d3dd; }}
ol.timeline li {{ position: relative; margin: 0 0 14px 18px; background: #fff; border-radius: 10px; padding: 10px 14px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }}
ol.timeline li::before {{ content: ""; position: absolute; left: -27px; top: 16px; width: 12px; height: 12px; border-radius: 50%; background: #2e7d32; }}
ol.timeline li.deny::before {{ background: #c62828; }}
.badge {{ display: inline-block; padding: 1px 8px; border-radius: 9px; font-size: .8rem; font-weight: 600; color: #fff; background: #2e7d32; }}
.deny .badge, .badge.deny {{ background: #c62828; }}
.badge.inactive {{ background: #757575; }}
.why {{ color: #3c4a58; font-size: .9rem; margin: 4px 0 0; }}
details {{ margin-top: 6px; font-size: .8rem; color: #5b6b7c; }}
code {{ word-break: break-all; }}
</style>
</head>
<body>
<main>
<h1>Where your data went</h1>
<p class="sub">Data subject <code>{subject}</code> · log <code>{log}</code> · as of {as_of}</p>
<section class="summary" id="summary">
<div class="card"><b>{acts}</b>acts about you</div>
<div class="card"><b>{allowed}</b>allowed</div>
<div class="card"><b>{denied}</b>denied</div>
<div class="card"><b>{places}</b>destinations</div>
</section>
"#,
            subject = esc(&self.subject),
            log = esc(&self.log_id),
            as_of = rfc3339(self.as_of),
            acts = self.entries.len(),
            places = self.destinations.len(),
        );
        h.push_str("<h2>Destinations</h2>\n<table id=\"destinations\">\n<thead><tr><th>Destination</th><th>Acts</th><th>Allowed</th><th>Denied</th><th>Data</th><th>Recipients</th><th>Period</th></tr></thead>\n<tbody>\n");
        for d in &self.destinations {
            let _ = writeln!(
                h,
                "<tr data-destination=\"{dest}\"><td>{dest}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                d.acts,
                d.allowed,
                d.denied,
                esc(&d.categories.join(", ")),
                esc(&d.recipients.join(", ")),
                period(d.first, d.last),
                dest = esc(&d.destination),
            );
        }
        h.push_str(
            "</tbody>\n</table>\n<h2>Timeline</h2>\n<ol class=\"timeline\" id=\"timeline\">\n",
        );
        for e in &self.entries {
            let class = if e.allowed { "allow" } else { "deny" };
            let _ = write!(
                h,
                "<li class=\"act {class}\" data-seq=\"{}\"><span class=\"badge\">{}</span> <b>{}</b> {} of <b>{}</b>",
                e.seq,
                if e.allowed { "allowed" } else { "denied" },
                e.at.map(rfc3339).unwrap_or_else(|| "—".into()),
                esc(&e.operation.replace('_', " ")),
                esc(&e.categories.join(", ")),
            );
            if let Some(c) = &e.collected_in {
                let _ = write!(h, ", collected in {}", esc(c));
            }
            if let Some(d) = &e.destination {
                let _ = write!(h, ", to <b>{}</b>", esc(d));
            }
            if let Some(x) = &e.exporter {
                let _ = write!(h, ", by {}", esc(x));
            }
            if let Some(r) = &e.recipient {
                let _ = write!(h, ", received by {}", esc(r));
            }
            if !e.purposes.is_empty() {
                let _ = write!(h, ", for {}", esc(&e.purposes.join(", ")));
            }
            for b in &e.bases {
                let _ = write!(h, "<p class=\"why\">Legal basis: {}</p>", esc(b));
            }
            for b in &e.blocked_by {
                let _ = write!(h, "<p class=\"why\">Blocked: {}</p>", esc(b));
            }
            if !e.evidence.is_empty() {
                let _ = write!(
                    h,
                    "<p class=\"why\">Relied on: {}</p>",
                    esc(&e.evidence.join(", "))
                );
            }
            match &e.proof {
                Some(p) => {
                    let _ = write!(
                        h,
                        "<details><summary>Proof that this entry is in the log (record {}, checkpoint of {} records)</summary><p>leaf <code>{}</code></p><p>path <code>{}</code></p><p>record <code>{}</code></p></details>",
                        e.seq,
                        p.size,
                        p.leaf,
                        p.path.join(" "),
                        esc(&e.record)
                    );
                }
                None => h.push_str(
                    "<details><summary>Not yet covered by a signed checkpoint</summary></details>",
                ),
            }
            h.push_str("</li>\n");
        }
        h.push_str("</ol>\n<h2>Your consents</h2>\n<table id=\"consents\">\n<thead><tr><th>Consent</th><th>Kind</th><th>Data</th><th>To</th><th>Operations</th><th>Given</th><th>Status</th></tr></thead>\n<tbody>\n");
        for c in &self.consents {
            let _ = writeln!(
                h,
                "<tr data-consent=\"{id}\"><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"badge{}\">{}</span></td></tr>",
                esc(&c.kind),
                esc(&c.categories.join(", ")),
                esc(&c.destinations),
                esc(&c.operations),
                rfc3339(c.granted_at),
                if c.active { "" } else { " inactive" },
                esc(&c.status),
                id = esc(&c.id),
            );
        }
        h.push_str("</tbody>\n</table>\n");
        match &self.checkpoint {
            Some(c) => {
                let _ = write!(
                    h,
                    "<h2>How to check this report</h2>\n<p class=\"sub\" id=\"checkpoint\">Every entry above carries a proof that leads to the log's signed checkpoint: {} records, root <code>{}</code>, made {}, signed by key <code>{}</code> (signature <code>{}</code>). Anyone with the firm's public key can check it: <code>crossborder log verify-report</code>.</p>\n",
                    c.checkpoint.size,
                    c.checkpoint.root,
                    rfc3339(c.checkpoint.time),
                    esc(&c.key),
                    c.signature
                );
            }
            None => h.push_str("<p class=\"sub\" id=\"checkpoint\">The log has no signed checkpoint yet: these entries cannot be checked yet.</p>\n"),
        }
        h.push_str("</main>\n</body>\n</html>\n");
        h
    }
}

fn period(first: Option<DateTime<Utc>>, last: Option<DateTime<Utc>>) -> String {
    let day = |t: DateTime<Utc>| t.format("%Y-%m-%d").to_string();
    match (first, last) {
        (Some(a), Some(b)) if day(a) == day(b) => day(a),
        (Some(a), Some(b)) => format!("{} – {}", day(a), day(b)),
        _ => "—".into(),
    }
}

/// HTML-escapes text.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl fmt::Display for SubjectReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (allowed, denied) = self.counts();
        writeln!(
            f,
            "Where the data of subject `{}` went (log `{}`, as of {})",
            self.subject,
            self.log_id,
            rfc3339(self.as_of)
        )?;
        writeln!(
            f,
            "{} acts: {allowed} allowed, {denied} denied",
            self.entries.len()
        )?;
        if !self.destinations.is_empty() {
            writeln!(f, "\ndestinations:")?;
            for d in &self.destinations {
                writeln!(
                    f,
                    "  {:<8} {} acts ({} allowed, {} denied)  {}  {}{}",
                    d.destination,
                    d.acts,
                    d.allowed,
                    d.denied,
                    period(d.first, d.last),
                    d.categories.join(", "),
                    if d.recipients.is_empty() {
                        String::new()
                    } else {
                        format!("; to {}", d.recipients.join(", "))
                    }
                )?;
            }
        }
        if !self.entries.is_empty() {
            writeln!(f, "\nacts:")?;
        }
        for e in &self.entries {
            writeln!(
                f,
                "  [{}] {} {} {} of {}{}{}{}{}",
                e.seq,
                e.at.map(rfc3339).unwrap_or_else(|| "—".into()),
                if e.allowed { "ALLOW" } else { "DENY " },
                e.operation,
                e.categories.join(", "),
                e.collected_in
                    .as_deref()
                    .map(|c| format!(", collected in {c}"))
                    .unwrap_or_default(),
                e.destination
                    .as_deref()
                    .map(|d| format!(", to {d}"))
                    .unwrap_or_default(),
                e.recipient
                    .as_deref()
                    .map(|r| format!(", received by {r}"))
                    .unwrap_or_default(),
                if e.proof.is_some() {
                    ""
                } else {
                    "  (not yet in a signed checkpoint)"
                }
            )?;
            for b in &e.bases {
                writeln!(f, "      basis: {b}")?;
            }
            for b in &e.blocked_by {
                writeln!(f, "      blocked: {b}")?;
            }
            if !e.evidence.is_empty() {
                writeln!(f, "      relied on: {}", e.evidence.join(", "))?;
            }
        }
        if !self.consents.is_empty() {
            writeln!(f, "\nconsents:")?;
        }
        for c in &self.consents {
            writeln!(
                f,
                "  {} ({}): {} to {} for {}, given {}: {}",
                c.id,
                c.kind,
                c.categories.join(", "),
                c.destinations,
                c.operations,
                rfc3339(c.granted_at),
                c.status
            )?;
        }
        if let Some(c) = &self.checkpoint {
            writeln!(
                f,
                "\nproofs lead to checkpoint: {} records, root {}, {}, key {}",
                c.checkpoint.size,
                c.checkpoint.root,
                rfc3339(c.checkpoint.time),
                c.key
            )?;
        }
        Ok(())
    }
}
