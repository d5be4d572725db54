//! Random writes to an evidence store, the same for a `MemoryEvidence` model and a
//! `DurableEvidence`: the kill test (`tests/it/durable.rs`) and the agreement property
//! (`tests/props/`, which includes this file) apply them to both and compare.
//!
//! Write `i` of a sequence is a pure function of `(seed, i)`, so a process killed after `n`
//! writes can be continued, and checked, from `n`. Some writes are refused (withdrawing what is
//! withdrawn, an unknown id, a duplicate): refusals are answers too, and must agree.

#![allow(dead_code, reason = "each test binary uses the parts it needs")]

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossborder::evidence::{
    Counted, DurableEvidence, EvidenceSet, HeldCertification, LedgerEntry,
};
use crossborder::{
    Approval, Certification, Consent, ConsentKind, EvidenceId, MemoryEvidence, Operation,
    OperationSet, PartyId, Scope, StoreError,
};

/// One write.
#[derive(Clone, Debug)]
pub(crate) enum Write {
    Grant(Consent),
    Withdraw(EvidenceId, DateTime<Utc>),
    AddApproval(Approval),
    RevokeApproval(EvidenceId, DateTime<Utc>),
    ExtendApproval(EvidenceId, DateTime<Utc>),
    Certify(PartyId, Certification),
    RevokeCertification(EvidenceId, DateTime<Utc>),
    Record(Vec<LedgerEntry>),
    /// Several writes in one transaction: all or none.
    Transaction(Vec<Write>),
    /// A bulk import: all or none.
    Import(EvidenceSet),
}

/// splitmix64: a small, well-mixed generator (the writes need no cryptographic randomness).
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn minutes(i: u64) -> DateTime<Utc> {
    base() + Duration::minutes(i64::try_from(i).unwrap_or(0))
}

fn scope(r: &mut Rng) -> Scope {
    let cats = ["personal", "personal.contact", "personal.sensitive.health"];
    let dests = ["US", "SG", "DE"];
    let ops = [
        OperationSet::all(),
        [Operation::Transfer].into(),
        [Operation::Store, Operation::Process].into(),
    ];
    Scope::new(
        [cats[r.below(3) as usize].parse().unwrap()],
        dests[r.below(3) as usize].parse().unwrap(),
        ops[r.below(3) as usize],
    )
    .unwrap()
}

fn id(prefix: &str, n: u64) -> EvidenceId {
    format!("{prefix}{n}").parse().unwrap()
}

fn consent(r: &mut Rng, n: u64, at: DateTime<Utc>) -> Consent {
    let kinds = [
        ConsentKind::Express,
        ConsentKind::Explicit,
        ConsentKind::Separate,
    ];
    let c = Consent::new(
        id("c", n),
        format!("u{}", r.below(12)).parse().unwrap(),
        kinds[r.below(3) as usize],
        scope(r),
        at,
    )
    .unwrap();
    if r.below(4) == 0 {
        c.expiring(at + Duration::days(30)).unwrap()
    } else {
        c
    }
}

fn approval(r: &mut Rng, n: u64, at: DateTime<Utc>) -> Approval {
    let a = Approval::new(
        id("a", n),
        ["CN-CAC", "EU-COM"][r.below(2) as usize].parse().unwrap(),
        ["security_assessment", "scc"][r.below(2) as usize]
            .parse()
            .unwrap(),
        format!("p{}", r.below(4)).parse().unwrap(),
        scope(r),
        at,
    )
    .unwrap();
    if r.below(2) == 0 {
        a.valid_until(at + Duration::days(90)).unwrap()
    } else {
        a
    }
}

fn certification(r: &mut Rng, n: u64, at: DateTime<Utc>) -> Certification {
    Certification::new(
        id("cert", n),
        ["eu-us-dpf", "swiss-us-dpf"][r.below(2) as usize]
            .parse()
            .unwrap(),
        at,
        (r.below(2) == 0).then(|| at + Duration::days(365)),
    )
    .unwrap()
}

fn ledger(r: &mut Rng, at: DateTime<Utc>) -> Vec<LedgerEntry> {
    (0..=r.below(2))
        .map(|k| {
            let counted = if r.below(3) == 0 {
                Counted::Individuals(r.below(500))
            } else {
                Counted::Subject(format!("u{}", r.below(12)).parse().unwrap())
            };
            LedgerEntry::new(
                format!("p{}", r.below(4)).parse().unwrap(),
                ["cn-general", "cn-sensitive"][r.below(2) as usize],
                at + Duration::seconds(i64::try_from(k).unwrap_or(0)),
                counted,
            )
        })
        .collect()
}

/// A single (not batched) write number `i`: ids new at `i` are numbered `i`; updates name an
/// earlier number, which may not exist or may already be updated (a refusal).
fn single(r: &mut Rng, i: u64) -> Write {
    let at = minutes(i);
    let earlier = |r: &mut Rng| r.below(i.max(1));
    match r.below(10) {
        0..=2 => Write::Grant(consent(r, i, at)),
        3 => Write::Withdraw(id("c", earlier(r)), at),
        4 => Write::AddApproval(approval(r, i, at)),
        5 => Write::RevokeApproval(id("a", earlier(r)), at),
        6 => Write::ExtendApproval(id("a", earlier(r)), at + Duration::days(400)),
        7 => Write::Certify(
            format!("p{}", r.below(4)).parse().unwrap(),
            certification(r, i, at),
        ),
        8 => Write::RevokeCertification(id("cert", earlier(r)), at),
        _ => Write::Record(ledger(r, at)),
    }
}

/// Write number `i` of sequence `seed`.
pub(crate) fn write_at(seed: u64, i: u64) -> Write {
    let mut r = Rng::new(seed ^ i.wrapping_mul(0xA076_1D64_78BD_642F));
    match r.below(12) {
        10 => {
            // A transaction: new consents (numbered i·10+k), then a withdrawal of one of them
            // or of an earlier consent.
            let at = minutes(i);
            let mut writes: Vec<Write> = (0..=r.below(3))
                .map(|k| Write::Grant(consent(&mut r, i * 10 + k, at)))
                .collect();
            let target = if r.below(2) == 0 {
                i * 10
            } else {
                r.below(i.max(1))
            };
            writes.push(Write::Withdraw(id("c", target), at + Duration::minutes(1)));
            Write::Transaction(writes)
        }
        11 => {
            let at = minutes(i);
            let set = EvidenceSet {
                consents: vec![consent(&mut r, i * 10 + 5, at)],
                approvals: vec![approval(&mut r, i * 10 + 5, at)],
                certifications: vec![HeldCertification {
                    party: "p1".parse().unwrap(),
                    certification: certification(&mut r, i * 10 + 5, at),
                }],
                ledger: ledger(&mut r, at),
            };
            Write::Import(set)
        }
        _ => single(&mut r, i),
    }
}

/// Applies `w` to the memory model (a transaction all or none, as the durable store does).
pub(crate) fn apply_model(model: &mut MemoryEvidence, w: &Write) -> Result<(), StoreError> {
    match w {
        Write::Grant(c) => model.grant(c.clone()),
        Write::Withdraw(id, at) => model.withdraw(id, *at),
        Write::AddApproval(a) => model.add_approval(a.clone()),
        Write::RevokeApproval(id, at) => model.revoke_approval(id, *at),
        Write::ExtendApproval(id, at) => model.extend_approval(id, *at),
        Write::Certify(p, c) => model.certify(p.clone(), c.clone()),
        Write::RevokeCertification(id, at) => model.revoke_certification(id, *at),
        Write::Record(entries) => model.import_ledger(entries),
        Write::Import(set) => model.import(set),
        Write::Transaction(writes) => {
            let mut staged = MemoryEvidence::new();
            staged.import(&model.export())?;
            for w in writes {
                apply_model(&mut staged, w)?;
            }
            *model = staged;
            Ok(())
        }
    }
}

/// Applies `w` to the durable store.
pub(crate) fn apply_durable(store: &DurableEvidence, w: &Write) -> Result<(), StoreError> {
    match w {
        Write::Grant(c) => store.grant(c.clone()),
        Write::Withdraw(id, at) => store.withdraw(id, *at),
        Write::AddApproval(a) => store.add_approval(a.clone()),
        Write::RevokeApproval(id, at) => store.revoke_approval(id, *at),
        Write::ExtendApproval(id, at) => store.extend_approval(id, *at),
        Write::Certify(p, c) => store.certify(p.clone(), c.clone()),
        Write::RevokeCertification(id, at) => store.revoke_certification(id, *at),
        Write::Record(entries) => store.record_entries(entries),
        Write::Import(set) => store.import(set),
        Write::Transaction(writes) => store.transaction(|tx| {
            for w in writes {
                match w {
                    Write::Grant(c) => tx.grant(c.clone())?,
                    Write::Withdraw(id, at) => tx.withdraw(id, *at)?,
                    other => unreachable!("transactions hold grants and withdrawals: {other:?}"),
                }
            }
            Ok(())
        }),
    }
}
