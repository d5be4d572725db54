//! Replaying a logged decision: check that a report was made by an engine like this one (same
//! packs, same digests, same options), rebuild its transfer, and decide it again.

use std::collections::BTreeMap;

use super::Engine;
use super::report::DecisionReport;
use crate::error::{TransferError, TransferErrorKind};
use crate::evidence::Evidence;

impl Engine {
    /// Whether `report` was decided by an engine like this one: the same packs (ids, versions
    /// and SHA-256 digests), the same option values, the same fingerprint.
    ///
    /// # Errors
    ///
    /// [`TransferErrorKind::EngineMismatch`], naming every difference (a pack missing or added,
    /// another version or digest, another option value).
    pub fn check_report(&self, report: &DecisionReport) -> Result<(), TransferError> {
        let mut differences = Vec::new();
        let here: BTreeMap<String, (String, String)> = self
            .packs()
            .map(|p| (p.id, (p.version, p.sha256)))
            .collect();
        for p in &report.packs {
            match here.get(&p.id) {
                None => differences.push(format!("pack `{}` is not enabled here", p.id)),
                Some((version, sha)) if *version != p.version || *sha != p.sha256 => {
                    differences.push(format!(
                        "pack `{}` is version {} (sha256 {}) here, {} (sha256 {}) in the report",
                        p.id,
                        version,
                        short(sha),
                        p.version,
                        short(&p.sha256)
                    ));
                }
                Some(_) => {}
            }
        }
        for id in here.keys() {
            if !report.packs.iter().any(|p| p.id == *id) {
                differences.push(format!("pack `{id}` is enabled here, not in the report"));
            }
        }
        let options: BTreeMap<String, bool> = self
            .options()
            .map(|(pack, option, value)| (format!("{pack}.{option}"), value))
            .collect();
        for (name, value) in &options {
            match report.options.get(name) {
                Some(v) if v != value => {
                    differences.push(format!(
                        "option `{name}` is {value} here, {v} in the report"
                    ));
                }
                None => differences.push(format!("option `{name}` is not in the report")),
                Some(_) => {}
            }
        }
        for name in report.options.keys().filter(|n| !options.contains_key(*n)) {
            differences.push(format!(
                "option `{name}` of the report is not declared here"
            ));
        }
        let fingerprint = format!("{:016x}", self.fingerprint());
        if differences.is_empty() && report.engine != fingerprint {
            differences.push("the engines are configured alike but fingerprint differently".into());
        }
        if differences.is_empty() {
            return Ok(());
        }
        Err(TransferError::new(
            TransferErrorKind::EngineMismatch,
            format!(
                "the report was decided by engine {}, not this engine ({fingerprint}): {}",
                report.engine,
                differences.join("; ")
            ),
        ))
    }

    /// Decides a logged report's transfer again, against `evidence` (as it stood when the
    /// report was made, for the same decision): the report must come from an engine like this
    /// one ([`check_report`](Self::check_report)). Compare the result with the report; a
    /// difference means the evidence is not what it was, or the report is not what was decided.
    ///
    /// # Errors
    ///
    /// [`TransferErrorKind::EngineMismatch`] for a report from another engine; any error of
    /// [`TransferBuilder::build`](crate::TransferBuilder::build) for its transfer.
    ///
    /// # Example
    ///
    /// ```
    /// use crossborder::{DataItem, Engine, NoEvidence, Operation, Party, Subject, Transfer};
    /// use chrono::{TimeZone, Utc};
    ///
    /// let engine = Engine::builder().enable("cn-pledge-2015").build()?;
    /// let t = Transfer::builder()
    ///     .operation(Operation::Transfer)
    ///     .destination("US".parse()?)
    ///     .data(DataItem::of_subject(Subject::new("u-1".parse()?), ["personal.sensitive.health".parse()?], "CN".parse()?))
    ///     .exporter(Party::new("acme".parse()?))
    ///     .at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
    ///     .build(&engine)?;
    /// let logged = serde_json::to_string(&engine.evaluate(&t, &NoEvidence))?;
    /// // Later, maybe elsewhere: read the report back and decide it again.
    /// let report: crossborder::report::DecisionReport = serde_json::from_str(&logged)?;
    /// assert_eq!(engine.replay(&report, &NoEvidence)?, report);
    /// // An engine with other option values recognises the report as not its own.
    /// let other = Engine::builder()
    ///     .enable("cn-pledge-2015")
    ///     .option("cn-pledge-2015", "sensitive_as_pipl_art28", false)
    ///     .build()?;
    /// assert!(other.replay(&report, &NoEvidence).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replay<E: Evidence + ?Sized>(
        &self,
        report: &DecisionReport,
        evidence: &E,
    ) -> Result<DecisionReport, TransferError> {
        self.check_report(report)?;
        let transfer = report.transfer.clone().build(self)?;
        Ok(self.evaluate(&transfer, evidence).report())
    }
}

/// The first 12 hex digits of a digest, for messages.
fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
