//! The cb-1 workload: vocabulary, generator (draw for draw as `benches/cb1/README.md` specifies)
//! and a plain-Rust reference evaluator.
//!
//! One copy, shared by two crates: the bench `benches/cb1.rs` (`#[path = "cb1/workload.rs"]`)
//! and the comparison binary `compare/src/main.rs` (`#[path = "../../benches/cb1/workload.rs"]`).
//! Both crate roots name this module `workload`, so `crate::workload::..` resolves in either.

use std::collections::HashMap;

// ---------------------------------------------------------------------------------------------
// The cb-1 vocabulary (order matters: the generator indexes these lists).

pub(crate) const JURISDICTIONS: [&str; 13] = [
    "CN", "HK", "US", "DE", "FR", "IE", "RU", "AU", "IN", "JP", "GB", "CH", "KR",
];
pub(crate) const CN: u8 = 0;
pub(crate) const US: u8 = 2;
pub(crate) const DE: u8 = 3;
pub(crate) const FR: u8 = 4;
pub(crate) const IE: u8 = 5;
pub(crate) const AU: u8 = 7;
pub(crate) const EEA: [u8; 3] = [DE, FR, IE];
pub(crate) const ADEQUATE: [u8; 4] = [9, 10, 11, 12]; // JP, GB, CH, KR

/// cb-1 categories and the taxonomy category each maps to.
pub(crate) const CATEGORIES: [(&str, &str); 8] = [
    ("health", "personal.sensitive.health"),
    ("biometric", "personal.sensitive.biometric"),
    ("financial", "personal.sensitive.financial_account"),
    ("location", "personal.sensitive.whereabouts"),
    ("minor", "personal.minor"),
    ("contact", "personal.contact"),
    ("usage", "personal.usage"),
    ("health_record", "health_record.mhr"),
];
pub(crate) const SENSITIVE: [u8; 5] = [0, 1, 2, 3, 4];
pub(crate) const CONTACT: u8 = 5;
pub(crate) const USAGE: u8 = 6;
pub(crate) const HEALTH_RECORD: u8 = 7;

/// cb-1 operations, by their cb-1 names.
#[allow(
    dead_code,
    reason = "used by compare/'s Cedar and Rego encodings; the bench maps operations in load.rs"
)]
pub(crate) const OPS: [&str; 4] = ["transfer", "store", "process", "remote_access"];

pub(crate) const MECHS: [&str; 4] = [
    "cac_assessment",
    "cn_standard_contract",
    "pip_certification",
    "scc",
];
pub(crate) const SCC: u8 = 3;

pub(crate) const T0: i64 = 1_767_225_600;
pub(crate) const DAY: i64 = 86_400;

pub(crate) const SEED: u64 = 0x00C0_FFEE_CB01;
pub(crate) const EXPECTED_DIGEST: u64 = 0x9b3b_8ff0_2455_ab3c;

// ---------------------------------------------------------------------------------------------
// The generator.

pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
    pub(crate) fn below_i(&mut self, n: i64) -> i64 {
        self.below(n as u64) as i64
    }
    pub(crate) fn pct(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
    pub(crate) fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    pub(crate) fn weighted<T: Copy>(&mut self, xs: &[T], w: &[u64]) -> T {
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
    pub(crate) fn distinct<T: Copy>(&mut self, xs: &[T], k: usize) -> Vec<T> {
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
pub(crate) fn idx<const N: usize>() -> [u8; N] {
    std::array::from_fn(|i| i as u8)
}

pub(crate) struct NConsent {
    pub(crate) id: u32,
    pub(crate) express: bool,
    pub(crate) categories: Vec<u8>,
    pub(crate) destinations: Vec<u8>,
    pub(crate) operations: Vec<u8>,
    pub(crate) granted_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) withdrawn_at: Option<i64>,
}

impl NConsent {
    pub(crate) fn valid_at(&self, t: i64) -> bool {
        self.granted_at <= t && t < self.expires_at && self.withdrawn_at.is_none_or(|w| t < w)
    }
    pub(crate) fn covers(&self, r: &Request) -> bool {
        self.express
            && self.categories.contains(&r.category)
            && self.destinations.contains(&r.destination)
            && self.operations.contains(&r.operation)
            && self.valid_at(r.at)
    }
}

pub(crate) struct NSubject {
    pub(crate) residence: u8,
    pub(crate) consents: Vec<NConsent>,
}

pub(crate) struct NApproval {
    pub(crate) id: u32,
    pub(crate) mechanism: u8,
    pub(crate) categories: Vec<u8>,
    pub(crate) destinations: Vec<u8>,
    pub(crate) valid_from: i64,
    pub(crate) valid_until: i64,
}

impl NApproval {
    pub(crate) fn valid_at(&self, t: i64) -> bool {
        self.valid_from <= t && t < self.valid_until
    }
}

#[derive(Clone, Copy)]
pub(crate) struct Request {
    pub(crate) subject: u32,
    pub(crate) exporter: u32,
    pub(crate) recipient: u32,
    pub(crate) category: u8,
    pub(crate) collected_in: u8,
    pub(crate) destination: u8,
    pub(crate) operation: u8,
    pub(crate) at: i64,
}

/// The native store, as the spec has it: three `HashMap<u32, _>`.
pub(crate) struct Population {
    pub(crate) subjects: HashMap<u32, NSubject>,
    pub(crate) exporters: HashMap<u32, Vec<NApproval>>,
    pub(crate) recipients: HashMap<u32, bool>,
    pub(crate) requests: Vec<Request>,
}

pub(crate) fn generate() -> Population {
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
pub(crate) enum Basis {
    Unmet,
    Consent(u32),
    CnApproval(u32),
    Adequacy,
    /// US + DPF: the recipient's id stands for its certification.
    Dpf(u32),
    Scc(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) allow: bool,
    pub(crate) r1: Option<Basis>,
    pub(crate) r2: Option<Basis>,
    pub(crate) r3: bool,
}

pub(crate) fn reference(pop: &Population, r: &Request) -> Outcome {
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

pub(crate) fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
