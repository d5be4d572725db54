//! The checks each fuzz target runs, shared with `tests/it/fuzz_regressions.rs`, which replays
//! every committed reproducer through the same functions. Each check panics when a guarantee
//! is broken; any other outcome (including a clean error) is a pass.

#![allow(dead_code, reason = "each target uses some of the checks")]

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use crossborder::pack::BUILTIN_IDS;
use crossborder::{
    Approval, Certification, Consent, ConsentKind, DataItem, Engine, MemoryEvidence, Operation,
    OperationSet, Party, PolicyPack, Role, Scope, Subject, TransferBuilder,
};

/// An engine with every built-in pack enabled.
pub(crate) fn all_packs() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut b = Engine::builder();
        for id in BUILTIN_IDS {
            b = b.enable(id);
        }
        b.build().expect("the built-in packs compile together")
    })
}

fn pack_invariants(pack: &PolicyPack) {
    // A validated pack survives JSON and TOML, and compiles.
    let json = pack.to_json_string();
    let back = PolicyPack::from_json_str(&json).expect("a validated pack's JSON loads");
    assert_eq!(&back, pack, "JSON round trip changed the pack");
    let toml = pack.to_toml_string();
    let back = PolicyPack::from_toml_str(&toml).expect("a validated pack's TOML loads");
    assert_eq!(&back, pack, "TOML round trip changed the pack");
    let _ = Engine::builder().pack(pack.clone()).build();
}

/// Pack parsing and validation from TOML never panics; a pack that loads keeps its invariants.
pub(crate) fn pack_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match PolicyPack::from_toml_str(text) {
        Ok(pack) => pack_invariants(&pack),
        Err(e) => assert!(!e.problems().is_empty(), "an error with no problem"),
    }
}

/// The same for JSON.
pub(crate) fn pack_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match PolicyPack::from_json_str(text) {
        Ok(pack) => pack_invariants(&pack),
        Err(e) => assert!(!e.problems().is_empty(), "an error with no problem"),
    }
}

/// Transfer JSON parsing never panics; a transfer that builds evaluates, renders and round-trips.
pub(crate) fn transfer_json(data: &[u8]) {
    let Ok(b) = serde_json::from_slice::<TransferBuilder>(data) else {
        return;
    };
    let engine = all_packs();
    let Ok(t) = b.build(engine) else { return };
    let store = MemoryEvidence::new();
    let d = engine.evaluate(&t, &store);
    let _ = d.to_string();
    let json = serde_json::to_string(&d).expect("a decision serializes");
    assert!(json.contains("\"effect\""));
    let again =
        serde_json::from_str::<TransferBuilder>(&serde_json::to_string(&t).expect("serializes"))
            .expect("a transfer's JSON reads back")
            .build(engine)
            .expect("and builds");
    assert_eq!(again, t);
}

const PLACES: [&str; 12] = [
    "CN", "HK", "MO", "TW", "US", "DE", "FR", "GB", "RU", "AU", "IN", "KR",
];
const CATEGORIES: [&str; 10] = [
    "personal",
    "personal.contact",
    "personal.sensitive.health",
    "personal.sensitive.biometric",
    "personal.sensitive.whereabouts",
    "personal.minor",
    "payment",
    "health_record.mhr",
    "important",
    "core",
];
const PARTY_TAGS: [&str; 6] = [
    "ciio",
    "gba_registered",
    "state_organ",
    "public_authority",
    "us-doj-covered-person",
    "cac_restricted",
];
const TRANSFER_TAGS: [&str; 6] = [
    "occasional",
    "pipl-guardian-consent",
    "us-doj-data-brokerage",
    "us-doj-restricted-agreement",
    "us-doj-security-requirements",
    "rbi-return-within-24h",
];

/// A consent as indices: kind, destination, granted (in 7-hour steps from 2015), expiry and
/// withdrawal offsets, informed of the risks.
type ConsentInput = (u8, u8, u16, Option<u16>, Option<u16>, bool);
/// An approval as indices: authority, mechanism, start, end and revocation offsets.
type ApprovalInput = (u8, u8, u16, Option<u16>, Option<u16>);

/// A structured input: indices into small domains, decoded into a transfer and evidence.
#[derive(Arbitrary, Debug)]
pub(crate) struct Input {
    op: u8,
    origin: u8,
    destination: u8,
    collected: u8,
    categories: Vec<u8>,
    bulk: Option<(u16, u32)>,
    residence: Option<u8>,
    citizen: Option<u8>,
    minor: bool,
    exporter_tags: u8,
    recipient_tags: u8,
    transfer_tags: u8,
    recipient: Option<(u8, Option<u8>, u8)>,
    purpose: Option<u8>,
    at_days: u16,
    consents: Vec<ConsentInput>,
    approvals: Vec<ApprovalInput>,
    ledger: Vec<(u8, u32, u16)>,
}

fn pick<T: Copy>(items: &[T], i: u8) -> T {
    items[usize::from(i) % items.len()]
}

fn day(d: u16) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc.with_ymd_and_hms(2015, 1, 1, 0, 0, 0).unwrap()
        + chrono::Duration::hours(i64::from(d) * 7)
}

/// Evaluation over arbitrary transfers and evidence never panics, is deterministic, and its
/// explanation agrees with its effect.
pub(crate) fn evaluate(data: &[u8]) {
    let Ok(input) = Input::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let engine = all_packs();
    let op = pick(Operation::ALL, input.op);
    let cats: Vec<crossborder::Category> = input
        .categories
        .iter()
        .take(3)
        .map(|&c| pick(&CATEGORIES, c).parse().unwrap())
        .collect();
    if cats.is_empty() {
        return;
    }
    let collected = pick(&PLACES, input.collected).parse().unwrap();
    let data_item = match input.bulk {
        Some((s, n)) => DataItem::bulk(cats.clone(), collected, u64::from(s), u64::from(n)),
        None => {
            let mut s = Subject::new("u-1".parse().unwrap()).minor(input.minor);
            if let Some(r) = input.residence {
                s = s.resident_in(pick(&PLACES, r).parse().unwrap());
            }
            if let Some(c) = input.citizen {
                s = s.citizen_of(pick(&PLACES, c).parse().unwrap());
            }
            DataItem::of_subject(s, cats.clone(), collected)
        }
    };
    let mut exporter = Party::new("exp".parse().unwrap())
        .established_in(pick(&PLACES, input.origin).parse().unwrap());
    for (i, t) in PARTY_TAGS.iter().enumerate() {
        if input.exporter_tags & (1 << i) != 0 {
            exporter = exporter.with_tag(t.parse().unwrap());
        }
    }
    let at = day(input.at_days);
    let mut b = TransferBuilder::default()
        .operation(op)
        .origin(pick(&PLACES, input.origin).parse().unwrap())
        .destination(pick(&PLACES, input.destination).parse().unwrap())
        .data(data_item)
        .exporter(exporter)
        .at(at);
    if let Some((place, role, cert)) = input.recipient {
        let mut r = Party::new("rec".parse().unwrap())
            .established_in(pick(&PLACES, place).parse().unwrap());
        if let Some(role) = role {
            r = r.with_role(pick(Role::ALL, role));
        }
        for (i, t) in PARTY_TAGS.iter().enumerate() {
            if input.recipient_tags & (1 << i) != 0 {
                r = r.with_tag(t.parse().unwrap());
            }
        }
        if cert % 2 == 1 {
            let name = pick(
                &[
                    "eu-us-dpf",
                    "uk-ext-dpf",
                    "swiss-us-dpf",
                    "kr-pipc-certification",
                ],
                cert / 2,
            );
            r = r.with_certification(
                Certification::new("k".parse().unwrap(), name.parse().unwrap(), day(0), None)
                    .unwrap(),
            );
        }
        b = b.recipient(r);
    }
    if let Some(p) = input.purpose {
        b = b.purpose(
            pick(
                &["contract_necessity", "hr_management", "emergency", "other"],
                p,
            )
            .parse()
            .unwrap(),
        );
    }
    for (i, t) in TRANSFER_TAGS.iter().enumerate() {
        if input.transfer_tags & (1 << i) != 0 {
            b = b.tag(t.parse().unwrap());
        }
    }
    let Ok(t) = b.build(engine) else { return };
    let store = MemoryEvidence::new();
    for (i, &(kind, dest, g, exp, wd, informed)) in input.consents.iter().take(4).enumerate() {
        let kinds = [
            ConsentKind::Implied,
            ConsentKind::Express,
            ConsentKind::Explicit,
            ConsentKind::Separate,
            ConsentKind::Written,
        ];
        let scope = Scope::new(
            cats.clone(),
            [pick(&PLACES, dest)
                .parse::<crossborder::Jurisdiction>()
                .unwrap()]
            .into(),
            OperationSet::all(),
        )
        .unwrap();
        let Ok(mut c) = Consent::new(
            format!("c{i}").parse().unwrap(),
            "u-1".parse().unwrap(),
            pick(&kinds, kind),
            scope,
            day(g),
        ) else {
            continue;
        };
        c = c.informed_of_risks(informed);
        if let Some(e) = exp {
            c = match c.clone().expiring(day(g.saturating_add(e))) {
                Ok(x) => x,
                Err(_) => c,
            };
        }
        if let Some(w) = wd {
            c = match c.clone().withdrawn(day(g.saturating_add(w))) {
                Ok(x) => x,
                Err(_) => c,
            };
        }
        store.grant(c).unwrap();
    }
    for (i, &(auth, mech, from, until, revoked)) in input.approvals.iter().take(3).enumerate() {
        let scope = Scope::new(
            cats.clone(),
            crossborder::JurisdictionSet::all(),
            OperationSet::all(),
        )
        .unwrap();
        let authority = pick(
            &["CN-CAC", "EU-COM", "EU-SA", "UK-ICO", "RU-RKN", "CH-FDPIC"],
            auth,
        );
        let mechanism = pick(
            &[
                "security_assessment",
                "standard_contract",
                "certification",
                "scc",
                "bcr",
                "notification",
                "gba_contract",
                "idta",
            ],
            mech,
        );
        let mut a = Approval::new(
            format!("a{i}").parse().unwrap(),
            authority.parse().unwrap(),
            mechanism.parse().unwrap(),
            "exp".parse().unwrap(),
            scope,
            day(from),
        )
        .unwrap();
        if let Some(u) = until {
            a = match a.clone().valid_until(day(from.saturating_add(u))) {
                Ok(x) => x,
                Err(_) => a,
            };
        }
        if let Some(r) = revoked {
            a = match a.clone().revoked(day(from.saturating_add(r))) {
                Ok(x) => x,
                Err(_) => a,
            };
        }
        store.add_approval(a).unwrap();
    }
    for &(counter, n, d) in input.ledger.iter().take(4) {
        let name = pick(
            &[
                "cn-general",
                "cn-sensitive",
                "us-doj-health",
                "us-doj-identifiers",
            ],
            counter,
        );
        store.record_individuals("exp".parse().unwrap(), name, day(d), u64::from(n));
    }
    let d1 = engine.evaluate(&t, &store);
    let d2 = engine.evaluate(&t, &store);
    assert_eq!(d1.report(), d2.report(), "evaluation is not deterministic");
    let prohibited = d1
        .rules()
        .any(|r| r.verdict() == crossborder::decision::Verdict::Prohibited);
    let unmet = d1
        .rules()
        .any(|r| r.verdict() == crossborder::decision::Verdict::Unmet);
    assert_eq!(
        d1.is_allowed(),
        !prohibited && !unmet && d1.diagnostics().is_empty(),
        "effect disagrees with the verdicts"
    );
    for r in d1.rules() {
        assert_eq!(
            r.verdict() == crossborder::decision::Verdict::Unmet,
            !r.missing().is_empty(),
            "an unmet rule must say what is missing"
        );
    }
    let _ = d1.to_string();
    let _ = store
        .record(engine, &t)
        .expect("the transfer was built for this engine");
}

/// What a target does when built without `cfg(fuzzing)`: run its check on every file, or every
/// file in every directory, named on the command line.
pub(crate) fn replay_files(check: fn(&[u8])) {
    for arg in std::env::args().skip(1) {
        let path = std::path::Path::new(&arg);
        let files: Vec<std::path::PathBuf> = if path.is_dir() {
            std::fs::read_dir(path)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .collect()
        } else {
            vec![path.to_path_buf()]
        };
        for f in files {
            if let Ok(data) = std::fs::read(&f) {
                check(&data);
                println!("ok {}", f.display());
            }
        }
    }
}
