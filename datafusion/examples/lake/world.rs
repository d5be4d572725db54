//! The lake's world: Acme Retail (the repository's `examples/acme`), scaled from 300 acts of
//! one day to any number of acts over 2026, with its customers, flows and evidence generated
//! the same way (`examples/acme/generate.py` states the rules this file follows).
//!
//! Deterministic: the same `rows` and `customers` give the same log, in any process. Shared by
//! the example (`examples/lake/main.rs`) and the tests (`tests/lake.rs`).

use std::sync::Arc;

use crossborder::arrow::arrow_array::builder::{
    Int64Builder, StringBuilder, StringDictionaryBuilder, TimestampMicrosecondBuilder,
};
use crossborder::arrow::arrow_array::types::Int32Type;
use crossborder::arrow::arrow_array::{ArrayRef, RecordBatch};
use crossborder::{Engine, PackLoader};

/// The built-in packs the lake is decided under (the README's main job's).
pub const PACKS: [&str; 7] = [
    "cn-pipl", "eu-gdpr", "uk-gdpr", "ch-fadp", "in-dpdp", "kr-pipa", "ru-152fz",
];

/// Acme's own pack, beside the built-in ones.
pub const ACME_PACK: &str = include_str!("../../../examples/acme/acme.toml");

/// A market and Acme's entity in it.
type Market = (&'static str, &'static str);
const CN: Market = ("CN", "acme-cn");
const DE: Market = ("DE", "acme-de");
const FR: Market = ("FR", "acme-fr");
const GB: Market = ("GB", "acme-uk");
const CH: Market = ("CH", "acme-ch");
const IN: Market = ("IN", "acme-in");
const KR: Market = ("KR", "acme-kr");
const RU: Market = ("RU", "acme-ru");

/// A recipient: id, where established, role. (The Arrow schema carries no certifications, so
/// the lake's `fulfil-us` holds no Data Privacy Framework certification, unlike the JSON
/// sample's.)
type Recipient = (&'static str, &'static str, &'static str);
const FULFIL_US: Recipient = ("fulfil-us", "US", "controller");
const SUPPORT_SG: Recipient = ("support-sg", "SG", "processor");
const ANALYTICS_US: Recipient = ("analytics-us", "US", "processor");
const ACME_DE: Recipient = ("acme-de", "DE", "controller");

/// A flow: market, categories, purpose, recipient, operation, destination, weight.
type Flow = (
    Market,
    &'static str,
    &'static str,
    Recipient,
    &'static str,
    &'static str,
    u64,
);
#[rustfmt::skip]
const FLOWS: [Flow; 19] = [
    (CN, "personal.contact", "order_fulfilment", FULFIL_US, "transfer", "US", 8),
    (CN, "personal.contact,personal.financial", "customer_support", SUPPORT_SG, "remote_access", "SG", 4),
    (CN, "personal.usage", "analytics", ANALYTICS_US, "transfer", "US", 4),
    (CN, "personal.contact", "marketing", ANALYTICS_US, "transfer", "US", 2),
    (CN, "personal.sensitive.health", "order_fulfilment", FULFIL_US, "transfer", "US", 2),
    (DE, "personal.contact", "order_fulfilment", FULFIL_US, "transfer", "US", 6),
    (DE, "personal.contact", "customer_support", SUPPORT_SG, "remote_access", "SG", 4),
    (DE, "personal.usage", "analytics", ANALYTICS_US, "process", "US", 3),
    (DE, "personal.sensitive.biometric", "customer_support", SUPPORT_SG, "store", "SG", 1),
    (FR, "personal.contact", "order_fulfilment", FULFIL_US, "transfer", "US", 4),
    (FR, "personal.sensitive.biometric", "order_fulfilment", ACME_DE, "store", "DE", 1),
    (GB, "personal.contact", "order_fulfilment", FULFIL_US, "transfer", "US", 4),
    (GB, "personal.contact", "customer_support", SUPPORT_SG, "remote_access", "SG", 2),
    (CH, "personal.contact", "order_fulfilment", FULFIL_US, "transfer", "US", 3),
    (IN, "personal.contact", "order_fulfilment", FULFIL_US, "transfer", "US", 4),
    (IN, "personal.usage", "analytics", ANALYTICS_US, "transfer", "US", 2),
    (KR, "personal.contact", "order_fulfilment", FULFIL_US, "transfer", "US", 3),
    (RU, "personal.contact", "order_fulfilment", FULFIL_US, "transfer", "US", 3),
    (RU, "personal.contact", "customer_support", ACME_DE, "store", "DE", 2),
];

const FIRST: Flow = (
    CN,
    "personal.contact",
    "order_fulfilment",
    FULFIL_US,
    "transfer",
    "US",
    8,
);

/// 2026-01-01T00:00:00Z in microseconds.
const YEAR_START_MICROS: i64 = 1_767_225_600_000_000;
const YEAR_MICROS: i64 = 365 * 86_400 * 1_000_000;

/// SplitMix64: a small, fixed generator, so the log is the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

/// A customer's id: market, number (`cn-c00042`).
fn customer(market: &str, n: u64) -> String {
    format!("{}-c{n:05}", market.to_ascii_lowercase())
}

/// The engine the lake is decided by: [`PACKS`] and Acme's pack.
pub fn engine() -> Result<Engine, crossborder::Error> {
    let mut builder = Engine::builder();
    for id in PACKS {
        builder = builder.enable(id);
    }
    let acme = PackLoader::new()
        .file_name("examples/acme/acme.toml")
        .load_toml(ACME_PACK)?;
    Ok(builder.pack(acme).build()?)
}

/// The engine's configuration as JSON, in the keyword arguments of the Python package's
/// `Engine(...)` (`packs`, `pack_texts`), so that Spark executors build the same engine.
pub fn engine_json() -> String {
    serde_json::json!({ "packs": PACKS, "pack_texts": [ACME_PACK] }).to_string()
}

/// The acts `first..first + rows` of a log of `total` acts over `customers` customers per
/// market, as one record batch (dictionary-encoded names, microsecond UTC instants, and two
/// columns of the access log that crossborder ignores: `bytes` and `service`).
pub fn batch(first: u64, rows: usize, total: u64, customers: u64) -> RecordBatch {
    let mut rng = Rng(0x00C0_FFEE_1A4E ^ first.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let weights: u64 = FLOWS.iter().map(|f| f.6).sum();
    type Dict = StringDictionaryBuilder<Int32Type>;
    let mut operation = Dict::new();
    let mut destination = Dict::new();
    let mut categories = Dict::new();
    let mut collected_in = Dict::new();
    let mut subject = Dict::new();
    let mut residence = Dict::new();
    let mut location = Dict::new();
    let mut exporter = Dict::new();
    let mut established = Dict::new();
    let mut recipient = Dict::new();
    let mut recipient_established = Dict::new();
    let mut role = Dict::new();
    let mut purposes = Dict::new();
    let mut tags = Dict::new();
    let mut service = Dict::new();
    let mut at = TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC");
    let mut transfer_id = StringBuilder::with_capacity(rows, rows * 15);
    let mut bytes = Int64Builder::with_capacity(rows);
    let step = YEAR_MICROS / i64::try_from(total.max(1)).unwrap_or(i64::MAX);
    for k in 0..rows as u64 {
        let i = first + k;
        let mut r = rng.below(weights);
        let flow = FLOWS
            .iter()
            .find(|f| {
                let hit = r < f.6;
                r = r.saturating_sub(f.6);
                hit
            })
            .unwrap_or(&FIRST);
        let ((market, entity), cats, purpose, (rid, rest, rrole), op, dest, _) = *flow;
        let who = customer(market, rng.below(customers));
        operation.append_value(op);
        destination.append_value(dest);
        categories.append_value(cats);
        collected_in.append_value(market);
        subject.append_value(&who);
        residence.append_value(market);
        location.append_value(market);
        exporter.append_value(entity);
        established.append_value(market);
        recipient.append_value(rid);
        recipient_established.append_value(rest);
        role.append_value(rrole);
        purposes.append_value(purpose);
        // Acme Korea tells customers at checkout where their order is fulfilled, except on
        // its older mobile app (the sample data's rule).
        if market == "KR" && rng.below(10) < 7 {
            tags.append_value("kr-disclosed-to-subject");
        } else {
            tags.append_null();
        }
        let offset = i64::try_from(i).unwrap_or(i64::MAX).saturating_mul(step);
        at.append_value(
            YEAR_START_MICROS + offset + i64::try_from(rng.below(1_000_000)).unwrap_or(0),
        );
        transfer_id.append_value(format!("lake-{i:010}"));
        bytes.append_value(i64::try_from(rng.below(1 << 20)).unwrap_or(0));
        service.append_value(match rng.below(3) {
            0 => "web",
            1 => "app",
            _ => "batch",
        });
    }
    let dict = |name: &'static str, mut b: Dict| (name, Arc::new(b.finish()) as ArrayRef);
    RecordBatch::try_from_iter([
        dict("operation", operation),
        dict("destination", destination),
        dict("categories", categories),
        dict("collected_in", collected_in),
        dict("subject", subject),
        dict("subject_residence", residence),
        dict("subject_location", location),
        dict("exporter", exporter),
        dict("exporter_established", established),
        dict("recipient", recipient),
        dict("recipient_established", recipient_established),
        dict("recipient_role", role),
        dict("purposes", purposes),
        dict("tags", tags),
        ("at", Arc::new(at.finish()) as ArrayRef),
        ("transfer_id", Arc::new(transfer_id.finish()) as ArrayRef),
        ("bytes", Arc::new(bytes.finish()) as ArrayRef),
        dict("service", service),
    ])
    .unwrap_or_else(|e| unreachable!("the lake's columns are consistent: {e}"))
}

/// The evidence Acme holds, for `customers` customers per market, as JSON lines: separate
/// consents of most Chinese customers (some withdrawn, some for Singapore only), express
/// analytics consents of a third of the German and Indian customers, the standard contractual
/// clauses of the EU entities with the Singapore support centre, and this year's export ledger.
pub fn evidence_jsonl(customers: u64) -> String {
    let mut out = String::new();
    let mut line = |v: serde_json::Value| {
        out.push_str(&v.to_string());
        out.push('\n');
    };
    for n in 0..customers {
        if n % 5 == 4 {
            continue;
        }
        let c = customer("CN", n);
        let destinations: &[&str] = if n % 7 == 3 { &["SG"] } else { &["US", "SG"] };
        let mut consent = serde_json::json!({
            "id": format!("consent-{c}"), "subject": c, "kind": "separate",
            "granted_at": "2026-01-15T00:00:00Z",
            "scope": {
                "categories": ["personal.contact", "personal.financial", "personal.usage"],
                "destinations": destinations,
                "operations": ["transfer", "store", "process", "remote_access"],
            },
        });
        if n % 9 == 2
            && let Some(fields) = consent.as_object_mut()
        {
            fields.insert("withdrawn_at".into(), "2026-10-01T00:00:00Z".into());
        }
        line(serde_json::json!({ "consent": consent }));
    }
    for market in ["DE", "IN"] {
        for n in (0..customers).step_by(3) {
            let c = customer(market, n);
            line(serde_json::json!({ "consent": {
                "id": format!("analytics-{c}"), "subject": c, "kind": "express",
                "granted_at": "2026-02-01T00:00:00Z",
                "scope": { "categories": ["personal.usage"], "destinations": ["US"],
                           "operations": ["transfer", "process"] },
            }}));
        }
    }
    for entity in ["acme-de", "acme-fr"] {
        line(serde_json::json!({ "approval": {
            "id": format!("scc-{entity}-support-sg"), "authority": "EU-COM", "mechanism": "scc",
            "holder": entity, "valid_from": "2025-06-01T00:00:00Z",
            "scope": { "categories": ["personal"], "destinations": ["SG"],
                       "operations": ["transfer", "store", "process", "remote_access"] },
        }}));
    }
    line(serde_json::json!({ "ledger": {
        "exporter": "acme-cn", "counter": "cn-general", "at": "2026-06-30T00:00:00Z",
        "individuals": 8200,
    }}));
    out
}
