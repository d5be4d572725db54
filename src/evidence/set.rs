//! Evidence as data: the consents, approvals, certifications and ledger entries a file or a
//! scenario states, read with located errors and recorded into a store in one step.

use serde::{Deserialize, Serialize};

use super::{LedgerEntry, MemoryEvidence};
use crate::error::{Location, ModelError, StoreError};
use crate::model::{Approval, Certification, Consent, PartyId};

/// A certification held by a party, as an evidence file states it (a party's certifications
/// can also travel with the transfer, on the recipient).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct HeldCertification {
    /// The party that holds it.
    pub party: PartyId,
    /// The certification.
    pub certification: Certification,
}

/// One item of an evidence file in JSON lines: `{"consent": {…}}`, `{"approval": {…}}`,
/// `{"certification": {"party": …, "certification": {…}}}` or `{"ledger": {…}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum EvidenceRecord {
    /// A consent.
    Consent(Consent),
    /// An authority's approval.
    Approval(Approval),
    /// A party's certification.
    Certification(HeldCertification),
    /// An entry of the volume ledger.
    Ledger(LedgerEntry),
}

impl EvidenceRecord {
    /// A record from JSON (one line of an evidence file), with errors located.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::InvalidJson`](crate::ModelErrorKind::InvalidJson), with the path of
    /// the offending value (`consent.scope.destinations[0]`) and a suggestion for an unknown
    /// name.
    pub fn from_json_str(text: &str) -> Result<Self, ModelError> {
        crate::model::from_json(text)
    }

    /// Records it into `store` (a ledger entry through
    /// [`MemoryEvidence::import_ledger`], so a bound store checks its counter).
    ///
    /// # Errors
    ///
    /// The store's error: a duplicate id, or — for a store bound to an engine — a name no
    /// enabled pack declares.
    pub fn record_into(&self, store: &MemoryEvidence) -> Result<(), StoreError> {
        match self {
            EvidenceRecord::Consent(c) => store.grant(c.clone()),
            EvidenceRecord::Approval(a) => store.add_approval(a.clone()),
            EvidenceRecord::Certification(c) => {
                store.certify(c.party.clone(), c.certification.clone())
            }
            EvidenceRecord::Ledger(e) => store.import_ledger(std::slice::from_ref(e)),
        }
    }
}

/// Evidence stated as data: what a scenario's `[evidence]` table or an evidence file holds.
///
/// Read it from one JSON document ([`from_json_str`](Self::from_json_str): an object with
/// `consents`, `approvals`, `certifications` and `ledger` arrays) or from JSON lines
/// ([`from_json_lines`](Self::from_json_lines): one [`EvidenceRecord`] per line); errors name
/// the line, column and path of the offending value. [`record_into`](Self::record_into) puts
/// it all into a store — bind the store to the engine first
/// ([`MemoryEvidence::checked_by`]) so names no pack declares are refused.
///
/// ```
/// use crossborder::{Engine, MemoryEvidence};
/// use crossborder::evidence::EvidenceSet;
///
/// let engine = Engine::builder().enable("cn-pipl").build()?;
/// let set = EvidenceSet::from_json_lines(concat!(
///     r#"{"consent": {"id": "c-1", "subject": "u-1", "kind": "separate", "granted_at": "2026-01-01T00:00:00Z", "scope": {"categories": ["personal"], "destinations": ["US"], "operations": ["transfer"]}}}"#, "\n",
///     r#"{"ledger": {"exporter": "acme", "counter": "cn-general", "at": "2026-01-05T00:00:00Z", "individuals": 120}}"#, "\n",
/// ))?;
/// assert_eq!((set.consents.len(), set.ledger.len()), (1, 1));
/// let store = MemoryEvidence::new().checked_by(engine.clone());
/// set.record_into(&store)?;
///
/// // A mistake names its line and the path inside the record.
/// let err = EvidenceSet::from_json_lines("\n{\"consent\": {\"id\": \"c\", \"subjct\": \"u\"}}").unwrap_err();
/// assert_eq!(err.location().unwrap().line(), Some(2));
/// assert_eq!(err.location().unwrap().path(), "consent.subjct");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EvidenceSet {
    /// Consents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consents: Vec<Consent>,
    /// Authorities' approvals.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<Approval>,
    /// Parties' certifications.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certifications: Vec<HeldCertification>,
    /// Entries of the volume ledger.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ledger: Vec<LedgerEntry>,
}

impl EvidenceSet {
    /// Whether the set holds nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.consents.is_empty()
            && self.approvals.is_empty()
            && self.certifications.is_empty()
            && self.ledger.is_empty()
    }

    /// Adds one record.
    pub fn push(&mut self, record: EvidenceRecord) {
        match record {
            EvidenceRecord::Consent(c) => self.consents.push(c),
            EvidenceRecord::Approval(a) => self.approvals.push(a),
            EvidenceRecord::Certification(c) => self.certifications.push(c),
            EvidenceRecord::Ledger(e) => self.ledger.push(e),
        }
    }

    /// Adds everything `other` holds.
    pub fn extend(&mut self, other: EvidenceSet) {
        self.consents.extend(other.consents);
        self.approvals.extend(other.approvals);
        self.certifications.extend(other.certifications);
        self.ledger.extend(other.ledger);
    }

    /// Reads one JSON document: an object with `consents`, `approvals`, `certifications` and
    /// `ledger` arrays (each optional).
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::InvalidJson`](crate::ModelErrorKind::InvalidJson), located.
    pub fn from_json_str(text: &str) -> Result<Self, ModelError> {
        crate::model::from_json(text)
    }

    /// Reads JSON lines, one [`EvidenceRecord`] per line; blank lines are skipped.
    ///
    /// # Errors
    ///
    /// [`ModelErrorKind::InvalidJson`](crate::ModelErrorKind::InvalidJson) for the first line
    /// that is not a record, located at that line (its column, and the path inside it).
    pub fn from_json_lines(text: &str) -> Result<Self, ModelError> {
        let mut set = EvidenceSet::default();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let record = EvidenceRecord::from_json_str(line).map_err(|e| e.on_line(i + 1))?;
            set.push(record);
        }
        Ok(set)
    }

    /// Writes the set as JSON lines, one [`EvidenceRecord`] per line (consents, approvals,
    /// certifications, then ledger entries): what [`from_json_lines`](Self::from_json_lines)
    /// reads back as an equal set.
    ///
    /// ```
    /// # use crossborder::evidence::EvidenceSet;
    /// let text = r#"{"ledger": {"exporter": "acme", "counter": "cn", "at": "2026-01-05T00:00:00Z", "individuals": 3}}"#;
    /// let set = EvidenceSet::from_json_lines(text)?;
    /// let mut out = Vec::new();
    /// set.write_json_lines(&mut out)?;
    /// assert_eq!(EvidenceSet::from_json_lines(std::str::from_utf8(&out)?)?, set);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The writer's I/O error.
    pub fn write_json_lines(&self, mut out: impl std::io::Write) -> std::io::Result<()> {
        for (_, record) in self.records() {
            serde_json::to_writer(&mut out, &record)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Records everything into `store`: consents, approvals, certifications, then the ledger
    /// entries ([`MemoryEvidence::import_ledger`]).
    ///
    /// # Errors
    ///
    /// The store's error for the first item it refuses (a duplicate id, or — for a store bound
    /// to an engine — a name no enabled pack declares), located by its path in the set
    /// (`consents[2]`); items before it stay recorded.
    pub fn record_into(&self, store: &MemoryEvidence) -> Result<(), StoreError> {
        for (path, record) in self.records() {
            record.record_into(store).map_err(|e| {
                e.at(Location {
                    path,
                    ..Location::default()
                })
            })?;
        }
        Ok(())
    }

    /// Every item, as a record with its path in the set (`consents[2]`), in recording order.
    fn records(&self) -> impl Iterator<Item = (String, EvidenceRecord)> + '_ {
        let consents = self
            .consents
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("consents[{i}]"), EvidenceRecord::Consent(c.clone())));
        let approvals = self.approvals.iter().enumerate().map(|(i, a)| {
            (
                format!("approvals[{i}]"),
                EvidenceRecord::Approval(a.clone()),
            )
        });
        let certifications = self.certifications.iter().enumerate().map(|(i, c)| {
            (
                format!("certifications[{i}]"),
                EvidenceRecord::Certification(c.clone()),
            )
        });
        let ledger = self
            .ledger
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("ledger[{i}]"), EvidenceRecord::Ledger(e.clone())));
        consents
            .chain(approvals)
            .chain(certifications)
            .chain(ledger)
    }
}

impl From<EvidenceRecord> for EvidenceSet {
    fn from(record: EvidenceRecord) -> Self {
        let mut set = EvidenceSet::default();
        set.push(record);
        set
    }
}

impl FromIterator<EvidenceRecord> for EvidenceSet {
    fn from_iter<I: IntoIterator<Item = EvidenceRecord>>(iter: I) -> Self {
        let mut set = EvidenceSet::default();
        for r in iter {
            set.push(r);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreErrorKind;

    const CONSENT: &str = r#"{"id": "c-1", "subject": "u-1", "kind": "express", "granted_at": "2026-01-01T00:00:00Z", "scope": {"categories": ["personal"], "destinations": ["US"], "operations": ["transfer"]}}"#;

    #[test]
    fn a_document_and_its_lines_read_alike() {
        let doc = EvidenceSet::from_json_str(&format!(r#"{{"consents": [{CONSENT}]}}"#)).unwrap();
        let lines =
            EvidenceSet::from_json_lines(&format!("{{\"consent\": {CONSENT}}}\n\n")).unwrap();
        assert_eq!(doc, lines);
        assert_eq!(doc.consents[0].id().as_str(), "c-1");
        assert!(!doc.is_empty() && EvidenceSet::default().is_empty());
    }

    #[test]
    fn errors_are_located_and_a_refused_item_is_named() {
        let e = EvidenceSet::from_json_lines("{\"consent\": {}}\n{\"permit\": 1}").unwrap_err();
        assert_eq!(e.location().unwrap().line(), Some(1));
        let e =
            EvidenceSet::from_json_lines(&format!("{{\"consent\": {CONSENT}}}\n{{\"consnt\": 1}}"))
                .unwrap_err();
        assert_eq!(e.location().unwrap().line(), Some(2));
        assert!(e.message().contains("did you mean `consent`?"), "{e}");
        let twice =
            EvidenceSet::from_json_str(&format!(r#"{{"consents": [{CONSENT}, {CONSENT}]}}"#))
                .unwrap();
        let err = twice.record_into(&MemoryEvidence::new()).unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::DuplicateId);
        assert!(err.to_string().starts_with("consents[1]: "), "{err}");
    }
}
