//! Builders shared by the integration tests: instants, places, data, acts, scopes, consents,
//! approvals, and engines over small packs written inline.

#![allow(dead_code, reason = "each test module uses the helpers it needs")]

#[cfg(feature = "durable")]
pub(crate) mod writes;

use chrono::{DateTime, TimeZone, Utc};
use crossborder::{
    Approval, Consent, ConsentKind, DataItem, Engine, Jurisdiction, MemoryEvidence, Operation,
    OperationSet, Party, PolicyPack, Scope, Subject, Transfer, TransferBuilder,
};

/// Midnight UTC on the given day.
pub(crate) fn t(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

/// A jurisdiction from its code.
pub(crate) fn j(code: &str) -> Jurisdiction {
    code.parse().unwrap()
}

/// An engine on built-in packs.
pub(crate) fn engine(ids: &[&str]) -> Engine {
    ids.iter()
        .fold(Engine::builder(), |b, id| b.enable(id))
        .build()
        .unwrap()
}

/// An engine on one pack written in TOML.
pub(crate) fn engine_of(toml: &str) -> Engine {
    Engine::builder()
        .pack(PolicyPack::from_toml_str(toml).unwrap_or_else(|e| panic!("{e}")))
        .build()
        .unwrap()
}

/// The header of a test pack `id`: format, title, kind, issuer, version, a source.
pub(crate) fn pack_header(id: &str) -> String {
    format!(
        "format = 1\nid = \"{id}\"\ntitle = \"t\"\nkind = \"law\"\nissuer = \"CN\"\nversion = \"1\"\nsummary = \"t\"\n[[sources]]\ntitle = \"t\"\nchecked = \"2026-01-01\"\n"
    )
}

/// An engine with one rule per basis: rule `r{k}` applies to every act and requires
/// `bases[k]` (a basis in pack TOML, e.g. `consent = { min_kind = "express" }`).
pub(crate) fn engine_requiring(bases: &[&str]) -> Engine {
    let mut pack = pack_header("t");
    for (k, basis) in bases.iter().enumerate() {
        pack.push_str(&format!(
            "[[rules]]\nid = \"r{k}\"\nsummary = \"s\"\ncite = \"c\"\napplies_when = {{}}\n[[rules.require]]\nname = \"b\"\n{basis}\n"
        ));
    }
    engine_of(&pack)
}

/// Data about `subject`, of `categories`, collected in `collected`.
pub(crate) fn data_of(subject: Subject, categories: &[&str], collected: &str) -> DataItem {
    DataItem::of_subject(
        subject,
        categories.iter().map(|c| c.parse().unwrap()),
        j(collected),
    )
}

/// A bulk batch of `categories`, collected in `collected`.
pub(crate) fn batch(
    categories: &[&str],
    collected: &str,
    sensitive: u64,
    non_sensitive: u64,
) -> DataItem {
    DataItem::bulk(
        categories.iter().map(|c| c.parse().unwrap()),
        j(collected),
        sensitive,
        non_sensitive,
    )
}

/// A subject with only an id.
pub(crate) fn subject(id: &str) -> Subject {
    Subject::new(id.parse().unwrap())
}

/// A party with only an id.
pub(crate) fn party(id: &str) -> Party {
    Party::new(id.parse().unwrap())
}

/// An act: `op` of `data` to `dest` by `exporter` at `at` (add a recipient, a purpose, tags).
pub(crate) fn act(
    op: Operation,
    dest: &str,
    data: DataItem,
    exporter: Party,
    at: DateTime<Utc>,
) -> TransferBuilder {
    Transfer::builder()
        .operation(op)
        .destination(j(dest))
        .data(data)
        .exporter(exporter)
        .at(at)
}

/// A scope over `categories`, destinations `dests` (`"US,GB"`) and `ops`.
pub(crate) fn scope(categories: &[&str], dests: &str, ops: OperationSet) -> Scope {
    Scope::new(
        categories.iter().map(|c| c.parse().unwrap()),
        dests.parse().unwrap(),
        ops,
    )
    .unwrap()
}

/// A consent `id` of `subject`, granted at `granted`.
pub(crate) fn consent(
    id: &str,
    subject: &str,
    kind: ConsentKind,
    scope: Scope,
    granted: DateTime<Utc>,
) -> Consent {
    Consent::new(
        id.parse().unwrap(),
        subject.parse().unwrap(),
        kind,
        scope,
        granted,
    )
    .unwrap()
}

/// An approval `id` by `authority` of `mechanism`, held by `holder`, valid from `from`.
pub(crate) fn approval(
    id: &str,
    authority: &str,
    mechanism: &str,
    holder: &str,
    scope: Scope,
    from: DateTime<Utc>,
) -> Approval {
    Approval::new(
        id.parse().unwrap(),
        authority.parse().unwrap(),
        mechanism.parse().unwrap(),
        holder.parse().unwrap(),
        scope,
        from,
    )
    .unwrap()
}

/// A store holding `consents`.
pub(crate) fn store_with(consents: impl IntoIterator<Item = Consent>) -> MemoryEvidence {
    let s = MemoryEvidence::new();
    for c in consents {
        s.grant(c).unwrap();
    }
    s
}
