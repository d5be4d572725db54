//! Benchmark workload cb-1 (`/work/shared/bench/cb-1.md`) on crossborder.
//!
//! `cargo bench --bench cb1` (full run) or `cargo bench --bench cb1 -- --quick` (short run).
//!
//! 1. Re-implements the cb-1 generator draw for draw and asserts the population counts.
//! 2. Loads rules R1-R3 from the pack `benches/cb1/cb1-pack.toml` (TOML, through `PackLoader`).
//! 3. Loads the population into a `MemoryEvidence` store, timing it and measuring the resident
//!    set (RSS from `/proc/self/statm`, before and after) per consent.
//! 4. Builds the 10,000 transfers (not timed), evaluates them, asserts the decision digest
//!    `9b3b8ff02455ab3c`, the rule mix and the bases against a plain-Rust reference evaluator
//!    (which also checks, per request, the id of the evidence that satisfied each rule).
//! 5. Times `Engine::evaluate` per call (single thread, timer overhead subtracted), the
//!    reference evaluator the same way, explanation rendering (text and JSON) separately, and
//!    batch throughput on one and two threads; prints a table with the machine and the date.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "bench code"
)]

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossborder::{
    Approval, Authority, Category, Certification, Consent, ConsentKind, DataItem, Decision, Engine,
    EvidenceId, Jurisdiction, JurisdictionSet, Mechanism, MemoryEvidence, Operation, OperationSet,
    PackLoader, Party, PartyId, Scope, Subject, SubjectId, Transfer, Verdict,
};

// ---------------------------------------------------------------------------------------------
// The cb-1 vocabulary (order matters: the generator indexes these lists).

const JURISDICTIONS: [&str; 13] = [
    "CN", "HK", "US", "DE", "FR", "IE", "RU", "AU", "IN", "JP", "GB", "CH", "KR",
];
const CN: u8 = 0;
const US: u8 = 2;
const DE: u8 = 3;
const FR: u8 = 4;
const IE: u8 = 5;
const AU: u8 = 7;
const EEA: [u8; 3] = [DE, FR, IE];
const ADEQUATE: [u8; 4] = [9, 10, 11, 12]; // JP, GB, CH, KR

/// cb-1 categories and the taxonomy category each maps to.
const CATEGORIES: [(&str, &str); 8] = [
    ("health", "personal.sensitive.health"),
    ("biometric", "personal.sensitive.biometric"),
    ("financial", "personal.sensitive.financial_account"),
    ("location", "personal.sensitive.whereabouts"),
    ("minor", "personal.minor"),
    ("contact", "personal.contact"),
    ("usage", "personal.usage"),
    ("health_record", "health_record.mhr"),
];
const SENSITIVE: [u8; 5] = [0, 1, 2, 3, 4];
const CONTACT: u8 = 5;
const USAGE: u8 = 6;
const HEALTH_RECORD: u8 = 7;

const OPS: [Operation; 4] = [
    Operation::Transfer,
    Operation::Store,
    Operation::Process,
    Operation::RemoteAccess,
];

const MECHS: [&str; 4] = [
    "cac_assessment",
    "cn_standard_contract",
    "pip_certification",
    "scc",
];
const SCC: u8 = 3;

const T0: i64 = 1_767_225_600;
const DAY: i64 = 86_400;

const SEED: u64 = 0x00C0_FFEE_CB01;
const EXPECTED_DIGEST: u64 = 0x9b3b_8ff0_2455_ab3c;

// ---------------------------------------------------------------------------------------------
// The generator.

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
    fn below_i(&mut self, n: i64) -> i64 {
        self.below(n as u64) as i64
    }
    fn pct(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    fn weighted<T: Copy>(&mut self, xs: &[T], w: &[u64]) -> T {
        let r = self.below(w.iter().sum());
        let mut cum = 0;
        for (x, wi) in xs.iter().zip(w) {
            cum += wi;
            if cum > r {
                return *x;
            }
        }
        unreachable!("weights exhausted")
    }
    fn distinct<T: Copy>(&mut self, xs: &[T], k: usize) -> Vec<T> {
        let mut v = xs.to_vec();
        for i in 0..k {
            let j = i + self.below((v.len() - i) as u64) as usize;
            v.swap(i, j);
        }
        v.truncate(k);
        v
    }
}

/// Indices 0..N, the generator's view of a vocabulary list.
fn idx<const N: usize>() -> [u8; N] {
    std::array::from_fn(|i| i as u8)
}

struct NConsent {
    id: u32,
    express: bool,
    categories: Vec<u8>,
    destinations: Vec<u8>,
    operations: Vec<u8>,
    granted_at: i64,
    expires_at: i64,
    withdrawn_at: Option<i64>,
}

impl NConsent {
    fn valid_at(&self, t: i64) -> bool {
        self.granted_at <= t && t < self.expires_at && self.withdrawn_at.is_none_or(|w| t < w)
    }
    fn covers(&self, r: &Request) -> bool {
        self.express
            && self.categories.contains(&r.category)
            && self.destinations.contains(&r.destination)
            && self.operations.contains(&r.operation)
            && self.valid_at(r.at)
    }
}

struct NSubject {
    residence: u8,
    consents: Vec<NConsent>,
}

struct NApproval {
    id: u32,
    mechanism: u8,
    categories: Vec<u8>,
    destinations: Vec<u8>,
    valid_from: i64,
    valid_until: i64,
}

impl NApproval {
    fn valid_at(&self, t: i64) -> bool {
        self.valid_from <= t && t < self.valid_until
    }
}

#[derive(Clone, Copy)]
struct Request {
    subject: u32,
    exporter: u32,
    recipient: u32,
    category: u8,
    collected_in: u8,
    destination: u8,
    operation: u8,
    at: i64,
}

/// The native store, as the spec has it: three `HashMap<u32, _>`.
struct Population {
    subjects: HashMap<u32, NSubject>,
    exporters: HashMap<u32, Vec<NApproval>>,
    recipients: HashMap<u32, bool>,
    requests: Vec<Request>,
}

fn generate() -> Population {
    let mut rng = Rng(SEED);
    let jur = idx::<13>();
    let cats = idx::<8>();
    let ops = idx::<4>();
    let mechs = idx::<4>();

    let mut subjects = HashMap::with_capacity(100_000);
    let mut consent_id = 0u32;
    for id in 0..100_000u32 {
        let residence = rng.weighted(&jur, &[36, 3, 6, 14, 10, 6, 2, 8, 5, 3, 3, 2, 2]);
        let n = rng.below(4);
        let mut consents = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let express = rng.pct(90);
            let k = 1 + rng.below(3) as usize;
            let categories = rng.distinct(&cats, k);
            let k = 1 + rng.below(3) as usize;
            let destinations = rng.distinct(&jur, k);
            let k = 1 + rng.below(4) as usize;
            let operations = rng.distinct(&ops, k);
            let granted_at = T0 - 540 * DAY + rng.below_i(720 * DAY);
            let duration = 30 * DAY + rng.below_i(1065 * DAY);
            let expires_at = granted_at + duration;
            let withdrawn_at = if rng.pct(20) {
                Some(granted_at + rng.below_i(duration))
            } else {
                None
            };
            consents.push(NConsent {
                id: consent_id,
                express,
                categories,
                destinations,
                operations,
                granted_at,
                expires_at,
                withdrawn_at,
            });
            consent_id += 1;
        }
        subjects.insert(
            id,
            NSubject {
                residence,
                consents,
            },
        );
    }

    let mut exporters = HashMap::with_capacity(200);
    let mut approval_id = 0u32;
    for id in 0..200u32 {
        let n = rng.below(3);
        let mut approvals = Vec::new();
        for _ in 0..n {
            let mechanism = rng.pick(&mechs);
            let k = 1 + rng.below(4) as usize;
            let categories = rng.distinct(&cats, k);
            let k = 1 + rng.below(4) as usize;
            let destinations = rng.distinct(&jur, k);
            let valid_from = T0 - 720 * DAY + rng.below_i(900 * DAY);
            let valid_until = valid_from + 180 * DAY + rng.below_i(1095 * DAY);
            approvals.push(NApproval {
                id: approval_id,
                mechanism,
                categories,
                destinations,
                valid_from,
                valid_until,
            });
            approval_id += 1;
        }
        exporters.insert(id, approvals);
    }

    let mut recipients = HashMap::with_capacity(1000);
    for id in 0..1000u32 {
        recipients.insert(id, rng.pct(30));
    }

    let mut requests = Vec::with_capacity(10_000);
    for _ in 0..10_000u32 {
        let subject = rng.below(100_000) as u32;
        let exporter = rng.below(200) as u32;
        let recipient = rng.below(1000) as u32;
        let at = T0 + rng.below_i(365 * DAY);
        let s = &subjects[&subject];
        let collected_in = if rng.pct(35) {
            s.residence
        } else {
            let r = rng.below(100);
            if r < 40 {
                CN
            } else if r < 70 {
                rng.pick(&EEA)
            } else if r < 80 {
                AU
            } else {
                rng.pick(&jur)
            }
        };
        let mut category = if collected_in == AU && rng.pct(40) {
            HEALTH_RECORD
        } else if rng.pct(85) {
            rng.pick(&SENSITIVE)
        } else {
            rng.pick(&[CONTACT, USAGE, HEALTH_RECORD])
        };
        let (destination, operation);
        if !s.consents.is_empty() && rng.pct(45) {
            let c = &s.consents[rng.below(s.consents.len() as u64) as usize];
            category = rng.pick(&c.categories);
            destination = rng.pick(&c.destinations);
            operation = rng.pick(&c.operations);
        } else {
            destination = rng.weighted(&jur, &[5, 17, 28, 5, 3, 3, 9, 4, 12, 4, 4, 2, 4]);
            operation = rng.pick(&ops);
        }
        requests.push(Request {
            subject,
            exporter,
            recipient,
            category,
            collected_in,
            destination,
            operation,
            at,
        });
    }
    Population {
        subjects,
        exporters,
        recipients,
        requests,
    }
}

// ---------------------------------------------------------------------------------------------
// The plain-Rust reference evaluator (cb-1's rules written directly over the native store).

/// How a rule came out: which basis satisfied it and with which evidence id, or unmet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Basis {
    Unmet,
    Consent(u32),
    CnApproval(u32),
    Adequacy,
    /// US + DPF: the recipient's id stands for its certification.
    Dpf(u32),
    Scc(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Outcome {
    allow: bool,
    r1: Option<Basis>,
    r2: Option<Basis>,
    r3: bool,
}

fn reference(pop: &Population, r: &Request) -> Outcome {
    let s = &pop.subjects[&r.subject];
    let approvals = &pop.exporters[&r.exporter];
    let consent = || {
        s.consents
            .iter()
            .find(|c| c.covers(r))
            .map(|c| Basis::Consent(c.id))
    };
    let r1 = (r.collected_in == CN && SENSITIVE.contains(&r.category) && r.destination != CN).then(
        || {
            consent()
                .or_else(|| {
                    approvals
                        .iter()
                        .find(|a| {
                            a.mechanism != SCC
                                && a.categories.contains(&r.category)
                                && a.destinations.contains(&r.destination)
                                && a.valid_at(r.at)
                        })
                        .map(|a| Basis::CnApproval(a.id))
                })
                .unwrap_or(Basis::Unmet)
        },
    );
    let r2 = ((EEA.contains(&s.residence) || EEA.contains(&r.collected_in))
        && !EEA.contains(&r.destination))
    .then(|| {
        if ADEQUATE.contains(&r.destination) {
            Basis::Adequacy
        } else if r.destination == US && pop.recipients[&r.recipient] {
            Basis::Dpf(r.recipient)
        } else if let Some(a) = approvals.iter().find(|a| {
            a.mechanism == SCC && a.destinations.contains(&r.destination) && a.valid_at(r.at)
        }) {
            Basis::Scc(a.id)
        } else {
            consent().unwrap_or(Basis::Unmet)
        }
    });
    let r3 = r.category == HEALTH_RECORD && r.collected_in == AU && r.destination != AU;
    Outcome {
        allow: r1 != Some(Basis::Unmet) && r2 != Some(Basis::Unmet) && !r3,
        r1,
        r2,
        r3,
    }
}

/// The engine's decision in the reference's terms (evidence ids parsed back to numbers).
fn outcome_of(d: &Decision<'_>) -> Outcome {
    let ev_num = |r: &crossborder::RuleResult<'_>, prefix: &str| -> u32 {
        let e = r.evidence();
        assert_eq!(e.len(), 1, "one piece of evidence expected: {e:?}");
        e[0].id()
            .as_str()
            .strip_prefix(prefix)
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unexpected evidence id {:?}", e[0].id()))
    };
    let mut o = Outcome {
        allow: d.is_allowed(),
        r1: None,
        r2: None,
        r3: false,
    };
    for r in d.rules() {
        let basis = match (r.verdict(), r.alternative()) {
            (Verdict::Unmet, _) => Basis::Unmet,
            (Verdict::Satisfied, Some("consent")) => Basis::Consent(ev_num(&r, "c-")),
            (Verdict::Satisfied, Some("cn-route-approval")) => Basis::CnApproval(ev_num(&r, "a-")),
            (Verdict::Satisfied, Some("adequacy")) => {
                assert!(r.evidence().is_empty());
                Basis::Adequacy
            }
            (Verdict::Satisfied, Some("us-dpf")) => Basis::Dpf(ev_num(&r, "dpf-")),
            (Verdict::Satisfied, Some("scc")) => Basis::Scc(ev_num(&r, "a-")),
            (Verdict::Prohibited, _) => {
                assert_eq!(r.rule_id(), "r3-australia");
                o.r3 = true;
                continue;
            }
            other => panic!("unexpected outcome {other:?} of rule {}", r.rule_id()),
        };
        match r.rule_id() {
            "r1-china" => o.r1 = Some(basis),
            "r2-gdpr-resident" | "r2-gdpr-collected" => {
                assert!(o.r2.is_none(), "the two R2 rules are disjoint");
                o.r2 = Some(basis);
            }
            other => panic!("unexpected rule {other}"),
        }
    }
    assert_eq!(
        d.no_rule_applies(),
        o.r1.is_none() && o.r2.is_none() && !o.r3
    );
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    o
}

fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The mix the spec prints, counted from outcomes.
#[derive(Debug, Default, PartialEq, Eq)]
struct Mix {
    allowed: u32,
    r1: u32,
    r2: u32,
    r3: u32,
    none: u32,
    deny_r1: u32,
    deny_r2: u32,
    deny_r3: u32,
    r1_consent: u32,
    r1_approval: u32,
    r2_adequacy: u32,
    r2_dpf: u32,
    r2_scc: u32,
    r2_consent: u32,
}

/// The spec's allowed / applies / denied-by counts.
const EXPECTED_COUNTS: [u32; 8] = [5_317, 2_872, 3_969, 321, 3_418, 2_377, 2_309, 321];

impl Mix {
    fn counts(&self) -> [u32; 8] {
        [
            self.allowed,
            self.r1,
            self.r2,
            self.r3,
            self.none,
            self.deny_r1,
            self.deny_r2,
            self.deny_r3,
        ]
    }
}

/// The spec's "satisfied by" counts: R1 by consent, by CN-route approval; R2 by adequacy,
/// US+DPF, SCC, consent. They overlap: R1 allows 495 requests but 429 and 81 add up to 510;
/// R2 allows 1,660 but its four add up to 1,983. Each counts the requests where the rule
/// applies and that basis holds, whether or not an earlier basis also holds.
const EXPECTED_HOLDS: [u32; 6] = [429, 81, 884, 310, 128, 661];

/// Per basis, how many requests the rule applies to and the basis holds (overlapping).
fn holds(pop: &Population) -> [u32; 6] {
    let mut h = [0u32; 6];
    for r in &pop.requests {
        let s = &pop.subjects[&r.subject];
        let approvals = &pop.exporters[&r.exporter];
        let consent = s.consents.iter().any(|c| c.covers(r));
        if r.collected_in == CN && SENSITIVE.contains(&r.category) && r.destination != CN {
            h[0] += u32::from(consent);
            h[1] += u32::from(approvals.iter().any(|a| {
                a.mechanism != SCC
                    && a.categories.contains(&r.category)
                    && a.destinations.contains(&r.destination)
                    && a.valid_at(r.at)
            }));
        }
        if (EEA.contains(&s.residence) || EEA.contains(&r.collected_in))
            && !EEA.contains(&r.destination)
        {
            h[2] += u32::from(ADEQUATE.contains(&r.destination));
            h[3] += u32::from(r.destination == US && pop.recipients[&r.recipient]);
            h[4] += u32::from(approvals.iter().any(|a| {
                a.mechanism == SCC && a.destinations.contains(&r.destination) && a.valid_at(r.at)
            }));
            h[5] += u32::from(consent);
        }
    }
    h
}

fn mix(outcomes: &[Outcome]) -> Mix {
    let mut m = Mix::default();
    for o in outcomes {
        m.allowed += u32::from(o.allow);
        m.r3 += u32::from(o.r3);
        m.deny_r3 += u32::from(o.r3);
        if o.r1.is_none() && o.r2.is_none() && !o.r3 {
            m.none += 1;
        }
        if let Some(b) = o.r1 {
            m.r1 += 1;
            match b {
                Basis::Unmet => m.deny_r1 += 1,
                Basis::Consent(_) => m.r1_consent += 1,
                Basis::CnApproval(_) => m.r1_approval += 1,
                other => panic!("R1 satisfied by {other:?}"),
            }
        }
        if let Some(b) = o.r2 {
            m.r2 += 1;
            match b {
                Basis::Unmet => m.deny_r2 += 1,
                Basis::Adequacy => m.r2_adequacy += 1,
                Basis::Dpf(_) => m.r2_dpf += 1,
                Basis::Scc(_) => m.r2_scc += 1,
                Basis::Consent(_) => m.r2_consent += 1,
                Basis::CnApproval(_) => panic!("R2 satisfied by a CN route"),
            }
        }
    }
    m
}

fn print_mix(who: &str, m: &Mix) {
    println!(
        "  {who}: allowed {} / 10,000; applies R1 {}, R2 {}, R3 {}, none {}; denied by R1 {}, R2 {}, R3 {}",
        m.allowed, m.r1, m.r2, m.r3, m.none, m.deny_r1, m.deny_r2, m.deny_r3
    );
    println!(
        "  {who}, first satisfying basis: R1 consent {} / approval {}; R2 adequacy {}, US+DPF {}, SCC {}, consent {}",
        m.r1_consent, m.r1_approval, m.r2_adequacy, m.r2_dpf, m.r2_scc, m.r2_consent
    );
}

// ---------------------------------------------------------------------------------------------
// crossborder side: ids, evidence, transfers.

fn instant(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap()
}

struct Vocab {
    jurisdictions: Vec<Jurisdiction>,
    categories: Vec<Category>,
    all_categories: Vec<Category>,
    cn_cac: Authority,
    eu_com: Authority,
    mechanisms: Vec<Mechanism>,
}

impl Vocab {
    fn new() -> Self {
        Vocab {
            jurisdictions: JURISDICTIONS.iter().map(|j| j.parse().unwrap()).collect(),
            categories: CATEGORIES.iter().map(|(_, c)| c.parse().unwrap()).collect(),
            all_categories: vec![
                "personal".parse().unwrap(),
                "health_record".parse().unwrap(),
            ],
            cn_cac: "CN-CAC".parse().unwrap(),
            eu_com: "EU-COM".parse().unwrap(),
            mechanisms: MECHS.iter().map(|m| m.parse().unwrap()).collect(),
        }
    }
    fn places(&self, js: &[u8]) -> JurisdictionSet {
        js.iter().map(|&j| self.jurisdictions[j as usize]).collect()
    }
}

fn subject_id(i: u32) -> SubjectId {
    SubjectId::new(format!("s-{i}")).unwrap()
}

/// Loads the population as evidence: every consent (with its expiry and withdrawal), every
/// approval, and a DPF certification for each certified recipient.
fn load(pop: &Population, v: &Vocab) -> MemoryEvidence {
    let store = MemoryEvidence::new();
    // Subjects in id order, so the store holds each subject's consents in generation order.
    for sid in 0..100_000u32 {
        let s = &pop.subjects[&sid];
        if s.consents.is_empty() {
            continue;
        }
        let subject = subject_id(sid);
        for c in &s.consents {
            let scope = Scope::new(
                c.categories
                    .iter()
                    .map(|&k| v.categories[k as usize].clone()),
                v.places(&c.destinations),
                c.operations.iter().map(|&o| OPS[o as usize]).collect(),
            )
            .unwrap();
            let kind = if c.express {
                ConsentKind::Express
            } else {
                ConsentKind::Implied
            };
            let mut consent = Consent::new(
                EvidenceId::new(format!("c-{}", c.id)).unwrap(),
                subject.clone(),
                kind,
                scope,
                instant(c.granted_at),
            )
            .unwrap()
            .expiring(instant(c.expires_at))
            .unwrap();
            if let Some(w) = c.withdrawn_at {
                consent = consent.withdrawn(instant(w)).unwrap();
            }
            store.grant(consent).unwrap();
        }
    }
    for eid in 0..200u32 {
        let holder = PartyId::new(format!("e-{eid}")).unwrap();
        for a in &pop.exporters[&eid] {
            // R2's SCC alternative does not test categories (cb-1): an SCC approval covers
            // every category. CN-route approvals keep theirs, which R1 tests.
            let (authority, categories) = if a.mechanism == SCC {
                (v.eu_com.clone(), v.all_categories.clone())
            } else {
                (
                    v.cn_cac.clone(),
                    a.categories
                        .iter()
                        .map(|&k| v.categories[k as usize].clone())
                        .collect(),
                )
            };
            let scope =
                Scope::new(categories, v.places(&a.destinations), OperationSet::all()).unwrap();
            let approval = Approval::new(
                EvidenceId::new(format!("a-{}", a.id)).unwrap(),
                authority,
                v.mechanisms[a.mechanism as usize].clone(),
                holder.clone(),
                scope,
                instant(a.valid_from),
            )
            .unwrap()
            .valid_until(instant(a.valid_until))
            .unwrap();
            store.add_approval(approval).unwrap();
        }
    }
    let dpf = "eu-us-dpf".parse().unwrap();
    for rid in 0..1000u32 {
        if pop.recipients[&rid] {
            store
                .certify(
                    PartyId::new(format!("r-{rid}")).unwrap(),
                    Certification::new(
                        EvidenceId::new(format!("dpf-{rid}")).unwrap(),
                        crossborder::CertificationName::clone(&dpf),
                        instant(T0 - 3650 * DAY),
                        None,
                    )
                    .unwrap(),
                )
                .unwrap();
        }
    }
    store
}

fn build_transfer(engine: &Engine, pop: &Population, v: &Vocab, i: usize, r: &Request) -> Transfer {
    let residence = pop.subjects[&r.subject].residence;
    Transfer::builder()
        .id(EvidenceId::new(format!("q-{i}")).unwrap())
        .operation(OPS[r.operation as usize])
        .destination(v.jurisdictions[r.destination as usize])
        .data(DataItem::of_subject(
            Subject::new(subject_id(r.subject)).resident_in(v.jurisdictions[residence as usize]),
            [v.categories[r.category as usize].clone()],
            v.jurisdictions[r.collected_in as usize],
        ))
        .exporter(Party::new(
            PartyId::new(format!("e-{}", r.exporter)).unwrap(),
        ))
        .recipient(Party::new(
            PartyId::new(format!("r-{}", r.recipient)).unwrap(),
        ))
        .at(instant(r.at))
        .build(engine)
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Measurement helpers.

/// Resident set size in bytes, from `/proc/self/statm` (pages of 4 KiB).
fn rss_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = s.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Median cost of two back-to-back `Instant::now()` calls, in ns.
fn timer_overhead(n: usize) -> u64 {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let a = Instant::now();
        let b = Instant::now();
        v.push((b - a).as_nanos() as u64);
    }
    v.sort_unstable();
    v[v.len() / 2]
}

struct Stats {
    median: u64,
    p99: u64,
    mean: f64,
}

fn stats(samples: &mut [u64]) -> Stats {
    samples.sort_unstable();
    let n = samples.len();
    Stats {
        median: samples[n / 2],
        p99: samples[(n * 99 / 100).min(n - 1)],
        mean: samples.iter().sum::<u64>() as f64 / n as f64,
    }
}

/// Times `f(i)` for every i in 0..n, `passes` times; returns samples (ns, overhead subtracted)
/// in call order, so sample k belongs to request k % n.
fn per_call(n: usize, passes: usize, overhead: u64, mut f: impl FnMut(usize) -> u8) -> Vec<u64> {
    let mut samples = Vec::with_capacity(n * passes);
    for _ in 0..passes {
        for i in 0..n {
            let i = black_box(i);
            let a = Instant::now();
            let x = f(i);
            let b = Instant::now();
            black_box(x);
            samples.push(((b - a).as_nanos() as u64).saturating_sub(overhead));
        }
    }
    samples
}

fn median_duration(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (eval_passes, render_passes, batch_passes, batch_reps) =
        if quick { (3, 1, 3, 3) } else { (100, 3, 30, 7) };
    let nproc = std::thread::available_parallelism().map_or(0, usize::from);
    let date = DateTime::<Utc>::from(std::time::SystemTime::now());
    println!("cb-1 on crossborder {}", env!("CARGO_PKG_VERSION"));
    println!(
        "machine: {nproc} CPUs (nproc), {}; {}; {} run",
        cpu_model(),
        date.format("%Y-%m-%d %H:%M UTC"),
        if quick { "quick" } else { "full" }
    );

    // 1. Population.
    let t = Instant::now();
    let pop = generate();
    let gen_time = t.elapsed();
    let consents: Vec<&NConsent> = (0..100_000u32)
        .flat_map(|i| pop.subjects[&i].consents.iter())
        .collect();
    let withdrawn = consents.iter().filter(|c| c.withdrawn_at.is_some()).count();
    let non_express = consents.iter().filter(|c| !c.express).count();
    let approvals: usize = pop.exporters.values().map(Vec::len).sum();
    println!(
        "\npopulation (generated in {:.1} ms):",
        gen_time.as_secs_f64() * 1e3
    );
    println!(
        "  {} subjects, {} consents ({} withdrawn, {} non-express), {} exporters, {} approvals, {} recipients, {} requests",
        pop.subjects.len(),
        consents.len(),
        withdrawn,
        non_express,
        pop.exporters.len(),
        approvals,
        pop.recipients.len(),
        pop.requests.len()
    );
    assert_eq!(pop.subjects.len(), 100_000);
    assert_eq!(consents.len(), 150_605);
    assert_eq!(withdrawn, 30_011);
    assert_eq!(non_express, 15_139);
    assert_eq!(pop.exporters.len(), 200);
    assert_eq!(approvals, 206);
    assert_eq!(pop.recipients.len(), 1_000);
    assert_eq!(pop.requests.len(), 10_000);
    println!("  population counts: OK (match cb-1)");

    // Reference decisions: check the generator against the spec's mix and digest, independent
    // of the engine.
    let expected: Vec<Outcome> = pop.requests.iter().map(|r| reference(&pop, r)).collect();
    let ref_digest = fnv1a(expected.iter().map(|o| u8::from(o.allow)));
    let ref_mix = mix(&expected);
    print_mix("reference", &ref_mix);
    println!("  reference digest {ref_digest:016x}");
    assert_eq!(ref_digest, EXPECTED_DIGEST, "generator or reference rules");
    assert_eq!(
        ref_mix.counts(),
        EXPECTED_COUNTS,
        "generator or reference rules"
    );
    let ref_holds = holds(&pop);
    println!(
        "  reference, basis holds where the rule applies (the spec's overlapping \"satisfied by\" counts): R1 consent {} / approval {}; R2 adequacy {}, US+DPF {}, SCC {}, consent {}",
        ref_holds[0], ref_holds[1], ref_holds[2], ref_holds[3], ref_holds[4], ref_holds[5]
    );
    assert_eq!(ref_holds, EXPECTED_HOLDS, "generator or reference rules");
    println!("  population, digest and mix of the reference: OK (match cb-1)");

    // 2. The pack.
    let pack = PackLoader::new()
        .file_name("benches/cb1/cb1-pack.toml")
        .load_toml(include_str!("cb1/cb1-pack.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let engine = Engine::builder().pack(pack).build().unwrap();
    println!("\nengine: pack cb1, {} rules", engine.rule_count());

    // 3. Evidence.
    let v = Vocab::new();
    let rss0 = rss_bytes();
    let t = Instant::now();
    let store = load(&pop, &v);
    let load_time = t.elapsed();
    let rss1 = rss_bytes();
    let (nc, na, ncert) = store.counts();
    assert_eq!((nc, na), (150_605, 206));
    let resident = rss0.zip(rss1).map(|(a, b)| b.saturating_sub(a));
    println!(
        "evidence: {nc} consents, {na} approvals, {ncert} certifications loaded in {:.1} ms ({:.0} ns per consent)",
        load_time.as_secs_f64() * 1e3,
        load_time.as_nanos() as f64 / nc as f64
    );
    if let Some(r) = resident {
        println!(
            "  resident: +{:.1} MiB RSS (/proc/self/statm before/after the load) = {:.0} bytes per consent (everything in the store, divided by the consents)",
            r as f64 / 1048576.0,
            r as f64 / nc as f64
        );
    }

    // 4. Transfers (not timed), decisions, digest, mix.
    let t = Instant::now();
    let transfers: Vec<Transfer> = pop
        .requests
        .iter()
        .enumerate()
        .map(|(i, r)| build_transfer(&engine, &pop, &v, i, r))
        .collect();
    let build_time = t.elapsed();
    let got: Vec<Outcome> = transfers
        .iter()
        .map(|t| outcome_of(&engine.evaluate(t, &store)))
        .collect();
    let digest = fnv1a(got.iter().map(|o| u8::from(o.allow)));
    let got_mix = mix(&got);
    println!("\ndecisions (engine):");
    print_mix("crossborder", &got_mix);
    println!("  decision digest {digest:016x} (expected {EXPECTED_DIGEST:016x})");
    let disagree: Vec<usize> = (0..got.len()).filter(|&i| got[i] != expected[i]).collect();
    for &i in disagree.iter().take(5) {
        println!(
            "  request {i}: engine {:?}, reference {:?}\n{}",
            got[i],
            expected[i],
            engine.evaluate(&transfers[i], &store)
        );
    }
    assert!(
        disagree.is_empty(),
        "{} requests decided differently from the reference",
        disagree.len()
    );
    assert_eq!(digest, EXPECTED_DIGEST);
    assert_eq!(got_mix.counts(), EXPECTED_COUNTS);
    assert_eq!(got_mix, ref_mix);
    println!(
        "  digest, mix, and per-request bases and evidence ids: OK (identical to the reference on all 10,000)"
    );

    // 5. Timing.
    let n = transfers.len();
    // `--spin SECS`: only evaluate the mix in a loop for SECS seconds (for a profiler), then stop.
    let args: Vec<String> = std::env::args().collect();
    if let Some(secs) = args
        .iter()
        .position(|a| a == "--spin")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse::<f64>().ok())
    {
        let start = Instant::now();
        let mut passes = 0u64;
        while start.elapsed().as_secs_f64() < secs {
            for t in &transfers {
                black_box(engine.evaluate(black_box(t), &store).is_allowed());
            }
            passes += 1;
        }
        println!("\nspun {passes} passes over the mix in {secs} s");
        return;
    }
    let overhead = timer_overhead(if quick { 100_000 } else { 1_000_000 });
    println!("\ntimer overhead (two back-to-back Instant::now(), median): {overhead} ns");

    // Warm up.
    for t in &transfers {
        black_box(engine.evaluate(t, &store).is_allowed());
    }
    let mut eval = per_call(n, eval_passes, overhead, |i| {
        let d = engine.evaluate(&transfers[i], &store);
        u8::from(d.is_allowed())
    });
    // Per-path medians, from the unsorted samples.
    let mut by_path: [Vec<u64>; 3] = Default::default();
    for (k, s) in eval.iter().enumerate() {
        let o = &expected[k % n];
        let path = if o.r1.is_none() && o.r2.is_none() && !o.r3 {
            0
        } else if o.allow {
            1
        } else {
            2
        };
        by_path[path].push(*s);
    }
    let eval_stats = stats(&mut eval);

    let mut reference_samples = per_call(n, eval_passes, overhead, |i| {
        u8::from(reference(&pop, &pop.requests[i]).allow)
    });
    let ref_stats = stats(&mut reference_samples);

    let mut build_samples = per_call(n, render_passes, overhead, |i| {
        let t = build_transfer(&engine, &pop, &v, i, &pop.requests[i]);
        u8::from(t.operation() == Operation::Store)
    });
    let build_stats = stats(&mut build_samples);

    let decisions: Vec<Decision<'_>> = transfers
        .iter()
        .map(|t| engine.evaluate(t, &store))
        .collect();
    let mut text = per_call(n, render_passes, overhead, |i| {
        (decisions[i].to_string().len() % 251) as u8
    });
    let text_stats = stats(&mut text);
    let mut json = per_call(n, render_passes, overhead, |i| {
        (serde_json::to_string(&decisions[i]).unwrap().len() % 251) as u8
    });
    let json_stats = stats(&mut json);
    drop(decisions);

    // Batch throughput: one thread over all requests, then two threads over one half each.
    let batch = |ts: &[Transfer]| {
        let mut allowed = 0u32;
        for _ in 0..batch_passes {
            for t in ts {
                allowed += u32::from(engine.evaluate(black_box(t), &store).is_allowed());
            }
        }
        black_box(allowed)
    };
    let single = median_duration(
        (0..batch_reps)
            .map(|_| {
                let t = Instant::now();
                batch(&transfers);
                t.elapsed()
            })
            .collect(),
    );
    let (left, right) = transfers.split_at(n / 2);
    let double = median_duration(
        (0..batch_reps)
            .map(|_| {
                let t = Instant::now();
                std::thread::scope(|s| {
                    s.spawn(|| batch(left));
                    s.spawn(|| batch(right));
                });
                t.elapsed()
            })
            .collect(),
    );
    let total = (n * batch_passes) as f64;
    let single_rate = total / single.as_secs_f64();
    let double_rate = total / double.as_secs_f64();
    let per_call_rate = 1e9 / eval_stats.mean;

    println!(
        "\ncb-1 results ({} CPUs, {}, {})",
        nproc,
        cpu_model(),
        date.format("%Y-%m-%d")
    );
    println!(
        "| measurement | samples | median ns | p99 ns | mean ns | decisions/s |\n|---|---:|---:|---:|---:|---:|"
    );
    let row = |name: &str, samples: usize, s: &Stats, rate: Option<f64>| {
        println!(
            "| {name} | {samples} | {} | {} | {:.0} | {} |",
            s.median,
            s.p99,
            s.mean,
            rate.map_or("".to_owned(), |r| format!("{r:.0}"))
        );
    };
    row(
        "crossborder evaluate (full decision, own MemoryEvidence store)",
        n * eval_passes,
        &eval_stats,
        Some(per_call_rate),
    );
    for (name, samples) in [
        "  of which: no rule applies",
        "  of which: allowed by a rule",
        "  of which: denied",
    ]
    .into_iter()
    .zip(by_path.iter_mut())
    {
        let len = samples.len();
        let s = stats(samples);
        row(name, len, &s, None);
    }
    row(
        "plain-Rust reference (native HashMap store, no explanations)",
        n * eval_passes,
        &ref_stats,
        Some(1e9 / ref_stats.mean),
    );
    row(
        "build Transfer from a native request (host side, not in evaluate)",
        n * render_passes,
        &build_stats,
        None,
    );
    row(
        "render explanation: text (to_string)",
        n * render_passes,
        &text_stats,
        None,
    );
    row(
        "render explanation: JSON (serde_json::to_string)",
        n * render_passes,
        &json_stats,
        None,
    );
    println!(
        "| batch, 1 thread ({batch_passes} passes, median of {batch_reps}) | {} | | | {:.0} | {single_rate:.0} |",
        n * batch_passes,
        1e9 / single_rate
    );
    println!(
        "| batch, 2 threads (std::thread::scope, halves) | {} | | | | {double_rate:.0} ({:.2}x of 1 thread) |",
        n * batch_passes,
        double_rate / single_rate
    );
    println!(
        "\nload: {:.1} ms for {nc} consents + {na} approvals + {ncert} certifications; {}; transfers built in {:.1} ms (outside timing)",
        load_time.as_secs_f64() * 1e3,
        resident.map_or("RSS unavailable".to_owned(), |r| format!(
            "{:.0} resident bytes per consent (RSS delta)",
            r as f64 / nc as f64
        )),
        build_time.as_secs_f64() * 1e3
    );
    println!(
        "per-call figures: each sample times evaluate + reading the effect + dropping the decision, minus the {overhead} ns timer overhead; decisions/s = 1e9 / mean"
    );
}
