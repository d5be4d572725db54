//! crossborder side of cb-1: vocabulary, evidence loading into a `MemoryEvidence`, and the
//! two request forms: `Transfer` building from strings, and a `Catalog` of handles registered
//! once with a transfer refilled per request.
//!
//! One copy, shared by two crates: the bench `benches/cb1.rs` (`#[path = "cb1/load.rs"]`) and
//! the comparison binary `compare/src/main.rs` (`#[path = "../../benches/cb1/load.rs"]`). Both
//! crate roots declare it as `load`, next to `workload`, whose items it uses.

use chrono::{DateTime, Utc};
use crossborder::{
    Act, Approval, Authority, Catalog, CategoriesHandle, Category, Certification, Consent,
    ConsentKind, DataItem, Engine, EvidenceId, Jurisdiction, JurisdictionSet, Mechanism,
    MemoryEvidence, Operation, OperationSet, Party, PartyHandle, PartyId, PlaceHandle, Scope,
    Subject, SubjectHandle, SubjectId, Transfer,
};

use crate::workload::{CATEGORIES, DAY, JURISDICTIONS, MECHS, Population, Request, SCC, T0};

/// crossborder's operations, in cb-1's OPS order.
const OPS: [Operation; 4] = [
    Operation::Transfer,
    Operation::Store,
    Operation::Process,
    Operation::RemoteAccess,
];

pub(crate) fn instant(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap()
}

pub(crate) struct Vocab {
    jurisdictions: Vec<Jurisdiction>,
    categories: Vec<Category>,
    all_categories: Vec<Category>,
    cn_cac: Authority,
    eu_com: Authority,
    mechanisms: Vec<Mechanism>,
}

impl Vocab {
    pub(crate) fn new() -> Self {
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
    pub(crate) fn places(&self, js: &[u8]) -> JurisdictionSet {
        js.iter().map(|&j| self.jurisdictions[j as usize]).collect()
    }
}

pub(crate) fn subject_id(i: u32) -> SubjectId {
    SubjectId::new(format!("s-{i}")).unwrap()
}

/// Loads the population as evidence: every consent (with its expiry and withdrawal), every
/// approval, and a DPF certification for each certified recipient.
pub(crate) fn load(pop: &Population, v: &Vocab) -> MemoryEvidence {
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

pub(crate) fn build_transfer(
    engine: &Engine,
    pop: &Population,
    v: &Vocab,
    i: usize,
    r: &Request,
) -> Transfer {
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

/// The host's handles, registered once (like the evidence): every place and category of the
/// vocabulary, every subject with their residence, every exporter and recipient, each in a
/// `Vec` indexed by the host's own integer id.
pub(crate) struct Handles {
    pub(crate) catalog: Catalog,
    places: Vec<PlaceHandle>,
    categories: Vec<CategoriesHandle>,
    subjects: Vec<SubjectHandle>,
    exporters: Vec<PartyHandle>,
    recipients: Vec<PartyHandle>,
}

pub(crate) fn handles(engine: &Engine, pop: &Population, v: &Vocab) -> Handles {
    let mut catalog = engine.catalog();
    let places = v
        .jurisdictions
        .iter()
        .map(|&j| catalog.place(j).unwrap())
        .collect();
    let categories = v
        .categories
        .iter()
        .map(|c| catalog.categories([c.clone()]).unwrap())
        .collect();
    let subjects = (0..100_000u32)
        .map(|sid| {
            let residence = v.jurisdictions[pop.subjects[&sid].residence as usize];
            catalog
                .subject(Subject::new(subject_id(sid)).resident_in(residence))
                .unwrap()
        })
        .collect();
    let exporters = (0..200u32)
        .map(|e| {
            catalog
                .party(Party::new(PartyId::new(format!("e-{e}")).unwrap()))
                .unwrap()
        })
        .collect();
    let recipients = (0..1000u32)
        .map(|r| {
            catalog
                .party(Party::new(PartyId::new(format!("r-{r}")).unwrap()))
                .unwrap()
        })
        .collect();
    Handles {
        catalog,
        places,
        categories,
        subjects,
        exporters,
        recipients,
    }
}

/// The request in the catalog's terms: handles only (no string, no look-up but the host's own
/// `Vec` indexing).
pub(crate) fn act(h: &Handles, r: &Request) -> Act<'static> {
    Act::new(
        OPS[r.operation as usize],
        h.subjects[r.subject as usize],
        h.categories[r.category as usize],
        h.places[r.collected_in as usize],
        h.places[r.destination as usize],
        h.exporters[r.exporter as usize],
        instant(r.at),
    )
    .recipient(h.recipients[r.recipient as usize])
}

/// Refills `into` with request `r` (no allocation once `into` exists).
pub(crate) fn fill_transfer(h: &Handles, r: &Request, into: &mut Transfer) {
    h.catalog.fill(&act(h, r), into).unwrap();
}
