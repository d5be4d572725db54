//! proptest strategies: jurisdictions, categories, consents, approvals, certifications, ledgers,
//! transfers and random packs, over small value domains so that collisions — and so the
//! interesting cases — are common. Everything is built through the public API and is valid by
//! construction.

use chrono::{DateTime, TimeZone, Utc};
use crossborder::{
    Approval, Certification, Consent, ConsentKind, DataItem, Jurisdiction, JurisdictionSet,
    Operation, OperationSet, Party, Role, Scope, Subject, TransferBuilder,
};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use serde_json::{Value, json};

/// Instants shared by packs, evidence and transfers: equal instants make boundaries common.
/// Ascending. Includes a leap second (`23:59:60.5`, which chrono orders before the next
/// midnight) and an instant inside the following second, where nanosecond arithmetic and
/// chrono's order disagree.
pub(crate) const INSTANTS: [&str; 9] = [
    "2025-01-01T00:00:00Z",
    "2025-12-31T16:00:00Z",
    "2026-01-01T00:00:00Z",
    "2026-03-01T00:00:00Z",
    "2026-05-31T23:59:60.5Z",
    "2026-06-01T00:00:00Z",
    "2026-06-01T00:00:00.2Z",
    "2026-06-01T00:00:01Z",
    "2027-01-01T00:00:00Z",
];

pub(crate) fn instant(i: usize) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(INSTANTS[i % INSTANTS.len()])
        .unwrap()
        .with_timezone(&Utc)
}

pub(crate) fn arb_instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0..INSTANTS.len()).prop_map(instant)
}

/// Two instants `a < b`.
fn arb_window() -> impl Strategy<Value = (usize, usize)> {
    (0..INSTANTS.len() - 1).prop_flat_map(|a| (Just(a), (a + 1)..INSTANTS.len()))
}

pub(crate) const PLACES: [&str; 7] = ["CN", "HK", "US", "DE", "GB", "JP", "CN-GD"];
const LIST_ENTRIES: [&str; 8] = ["CN", "HK", "US", "DE", "GB", "EEA", "ADQ", "CN-GD"];
pub(crate) const DATA_CATEGORIES: [&str; 5] = [
    "personal.contact",
    "personal.sensitive.health",
    "personal.sensitive.biometric",
    "payment",
    "nonpersonal",
];
const RULE_CATEGORIES: [&str; 6] = [
    "personal",
    "personal.contact",
    "personal.sensitive",
    "personal.sensitive.health",
    "payment",
    "sens",
];
const SCOPE_CATEGORIES: [&str; 6] = [
    "personal",
    "personal",
    "personal.sensitive",
    "personal.sensitive.health",
    "personal.contact",
    "payment",
];
const ROLES: [&str; 5] = [
    "same_entity",
    "controller",
    "processor",
    "public_authority",
    "foreign_judicial",
];
const OPS: [&str; 4] = ["transfer", "store", "process", "remote_access"];
pub(crate) const KINDS: [ConsentKind; 5] = [
    ConsentKind::Implied,
    ConsentKind::Express,
    ConsentKind::Explicit,
    ConsentKind::Separate,
    ConsentKind::Written,
];

pub(crate) fn arb_jurisdiction() -> impl Strategy<Value = Jurisdiction> {
    select(&PLACES[..]).prop_map(|c| c.parse().unwrap())
}

fn nonempty<T: Clone + std::fmt::Debug>(items: &'static [T]) -> impl Strategy<Value = Vec<T>> {
    subsequence(items, 1..=items.len().min(3))
}

fn strings(v: Vec<&str>) -> Value {
    Value::from(v.into_iter().map(str::to_owned).collect::<Vec<_>>())
}

fn countries(v: Vec<&str>) -> JurisdictionSet {
    v.into_iter()
        .filter(|c| !c.contains('-'))
        .map(|c| c.parse::<Jurisdiction>().unwrap())
        .collect()
}

fn arb_scope() -> BoxedStrategy<Scope> {
    (
        nonempty(&SCOPE_CATEGORIES),
        subsequence(&["US", "HK", "DE", "GB", "JP", "CN"][..], 1..=5),
        subsequence(&OPS[..], 2..=4),
        prop::option::weighted(0.15, select(&["contract", "hr"][..])),
        prop::option::weighted(0.15, select(&["r1", "r2"][..])),
    )
        .prop_map(|(cats, dests, ops, purposes, recipients)| {
            Scope::new(
                cats.into_iter().map(|c| c.parse().unwrap()),
                countries(dests),
                ops.into_iter()
                    .map(|o| o.parse::<Operation>().unwrap())
                    .collect::<OperationSet>(),
            )
            .unwrap()
            .with_purposes(purposes.into_iter().map(|p| p.parse().unwrap()))
            .with_recipients(recipients.into_iter().map(|r| r.parse().unwrap()))
        })
        .boxed()
}

/// A consent with its own id; times drawn from the shared instants.
pub(crate) fn arb_consent(id: usize) -> BoxedStrategy<Consent> {
    (
        select(&["u1", "u2"][..]),
        select(&KINDS[..]),
        arb_scope(),
        0..INSTANTS.len(),
        prop::option::of(1..INSTANTS.len()),
        prop::option::of(0..INSTANTS.len()),
        any::<bool>(),
    )
        .prop_map(move |(subject, kind, scope, g, exp, wd, informed)| {
            let granted = instant(g);
            let mut c = Consent::new(
                format!("c{id}").parse().unwrap(),
                subject.parse().unwrap(),
                kind,
                scope,
                granted,
            )
            .unwrap()
            .informed_of_risks(informed);
            if let Some(e) = exp.map(|e| instant(g + e)).filter(|e| *e > granted) {
                c = c.expiring(e).unwrap();
            }
            if let Some(w) = wd.map(|w| instant(g + w)).filter(|w| *w >= granted) {
                c = c.withdrawn(w).unwrap();
            }
            c
        })
        .boxed()
}

pub(crate) fn arb_approval(id: usize) -> BoxedStrategy<Approval> {
    (
        select(&["e1", "e2"][..]),
        select(&["A1", "A2"][..]),
        select(&["m1", "m2"][..]),
        arb_scope(),
        arb_window(),
        any::<bool>(),
        prop::option::of(0..INSTANTS.len()),
    )
        .prop_map(
            move |(holder, authority, mechanism, scope, (from, until), extended, revoked)| {
                let mut a = Approval::new(
                    format!("a{id}").parse().unwrap(),
                    authority.parse().unwrap(),
                    mechanism.parse().unwrap(),
                    holder.parse().unwrap(),
                    scope,
                    instant(from),
                )
                .unwrap()
                .valid_until(instant(until))
                .unwrap();
                if extended && until + 1 < INSTANTS.len() {
                    a = a.extended_until(instant(until + 1)).unwrap();
                }
                if let Some(r) = revoked.filter(|r| *r >= from) {
                    a = a.revoked(instant(r)).unwrap();
                }
                a
            },
        )
        .boxed()
}

pub(crate) fn arb_certification(id: usize) -> impl Strategy<Value = (String, Certification)> {
    (
        select(&["r1", "r2"][..]),
        select(&["dpf", "gba"][..]),
        arb_window(),
        any::<bool>(),
    )
        .prop_map(move |(party, name, (from, until), bounded)| {
            let c = Certification::new(
                format!("k{id}").parse().unwrap(),
                name.parse().unwrap(),
                instant(from),
                bounded.then(|| instant(until)),
            )
            .unwrap();
            (party.to_owned(), c)
        })
}

/// A ledger entry: (exporter, counter, instant, subject or bulk count).
#[derive(Clone, Debug)]
pub(crate) struct LedgerEntry {
    pub(crate) exporter: String,
    pub(crate) counter: String,
    pub(crate) at: DateTime<Utc>,
    pub(crate) subject: Option<String>,
    pub(crate) individuals: u64,
}

pub(crate) fn arb_ledger_entry() -> impl Strategy<Value = LedgerEntry> {
    (
        select(&["e1", "e2"][..]),
        select(&["vol-0", "vol-1"][..]),
        arb_instant(),
        prop::option::of(select(&["u1", "u2"][..])),
        1u64..4,
    )
        .prop_map(|(e, c, at, s, n)| LedgerEntry {
            exporter: e.to_owned(),
            counter: c.to_owned(),
            at,
            subject: s.map(str::to_owned),
            individuals: n,
        })
}

/// All the evidence one case holds.
#[derive(Clone, Debug, Default)]
pub(crate) struct EvidenceSet {
    pub(crate) consents: Vec<Consent>,
    pub(crate) approvals: Vec<Approval>,
    pub(crate) certifications: Vec<(String, Certification)>,
    pub(crate) ledger: Vec<LedgerEntry>,
}

impl EvidenceSet {
    pub(crate) fn store(&self) -> crossborder::MemoryEvidence {
        let s = crossborder::MemoryEvidence::new();
        for c in &self.consents {
            s.grant(c.clone()).unwrap();
        }
        for a in &self.approvals {
            s.add_approval(a.clone()).unwrap();
        }
        for (p, c) in &self.certifications {
            s.certify(p.parse().unwrap(), c.clone()).unwrap();
        }
        for l in &self.ledger {
            match &l.subject {
                Some(u) => s.record_subject(
                    l.exporter.parse().unwrap(),
                    &l.counter,
                    l.at,
                    u.parse().unwrap(),
                ),
                None => s.record_individuals(
                    l.exporter.parse().unwrap(),
                    &l.counter,
                    l.at,
                    l.individuals,
                ),
            }
        }
        s
    }
}

pub(crate) fn arb_evidence() -> BoxedStrategy<EvidenceSet> {
    (
        (0usize..6).prop_flat_map(|n| (0..n).map(arb_consent).collect::<Vec<_>>()),
        (0usize..4).prop_flat_map(|n| (0..n).map(arb_approval).collect::<Vec<_>>()),
        (0usize..3).prop_flat_map(|n| (0..n).map(arb_certification).collect::<Vec<_>>()),
        prop::collection::vec(arb_ledger_entry(), 0..3),
    )
        .prop_map(
            |(consents, approvals, certifications, ledger)| EvidenceSet {
                consents,
                approvals,
                certifications,
                ledger,
            },
        )
        .boxed()
}

fn arb_party(ids: &'static [&'static str], recipient: bool) -> BoxedStrategy<Party> {
    (
        select(ids),
        subsequence(&["CN", "US", "DE", "HK"][..], 0..=2),
        prop::option::of(select(&ROLES[..])),
        any::<bool>(),
        prop::option::of(arb_certification(99)),
    )
        .prop_map(move |(id, est, role, ciio, cert)| {
            let mut p = Party::new(id.parse().unwrap());
            for e in est {
                p = p.established_in(e.parse().unwrap());
            }
            if ciio {
                p = p.with_tag("ciio".parse().unwrap());
            }
            if recipient {
                if let Some(r) = role {
                    p = p.with_role(r.parse::<Role>().unwrap());
                }
                if let Some((_, c)) = cert {
                    p = p.with_certification(c);
                }
            }
            p
        })
        .boxed()
}

fn arb_individuals() -> impl Strategy<Value = Option<Subject>> {
    prop_oneof![
        3 => (
            select(&["u1", "u2"][..]),
            prop::option::of(arb_jurisdiction()),
            subsequence(&["CN", "US", "DE"][..], 0..=2),
            prop::option::of(arb_jurisdiction()),
            any::<bool>(),
        )
            .prop_map(|(id, res, cit, loc, minor)| {
                let mut s = Subject::new(id.parse().unwrap()).minor(minor);
                if let Some(r) = res {
                    s = s.resident_in(r);
                }
                for c in cit {
                    s = s.citizen_of(c.parse().unwrap());
                }
                if let Some(l) = loc {
                    s = s.located_at_collection(l);
                }
                Some(s)
            }),
        1 => Just(None),
    ]
}

pub(crate) fn arb_transfer() -> BoxedStrategy<TransferBuilder> {
    (
        select(&OPS[..]),
        prop::option::of(arb_jurisdiction()),
        arb_jurisdiction(),
        subsequence(&DATA_CATEGORIES[..], 1..=2),
        select(&["CN", "DE", "US", "CN-GD"][..]),
        arb_individuals(),
        (0u64..3, 0u64..3),
        arb_party(&["e1", "e2"], false),
        prop::option::of(arb_party(&["r1", "r2"], true)),
        subsequence(&["contract", "hr", "fulfil"][..], 0..=2),
        any::<bool>(),
        arb_instant(),
    )
        .prop_map(
            |(
                op,
                origin,
                dest,
                cats,
                collected,
                subject,
                (s, n),
                exporter,
                recipient,
                purpose,
                sys,
                at,
            )| {
                let cats = cats.into_iter().map(|c| c.parse().unwrap());
                let collected = collected.parse().unwrap();
                let data = match subject {
                    Some(subj) => DataItem::of_subject(subj, cats, collected),
                    None => DataItem::bulk(cats, collected, s, n),
                };
                let mut b = TransferBuilder::default()
                    .id("t".parse().unwrap())
                    .operation(op.parse().unwrap())
                    .destination(dest)
                    .data(data)
                    .exporter(exporter)
                    .at(at);
                if let Some(o) = origin {
                    b = b.origin(o);
                }
                if let Some(r) = recipient {
                    b = b.recipient(r);
                }
                for p in purpose {
                    b = b.purpose(p.parse().unwrap());
                }
                if sys {
                    b = b.tag("sys".parse().unwrap());
                }
                b
            },
        )
        .boxed()
}

fn arb_list(entries: &'static [&'static str]) -> impl Strategy<Value = Value> {
    nonempty(entries).prop_map(strings)
}

fn arb_volume(counter: String) -> impl Strategy<Value = Value> {
    (prop::option::of(0u64..4), prop::option::of(1u64..6)).prop_map(move |(a, b)| {
        let (a, b) = match (a, b) {
            (None, None) => (Some(1), None),
            (Some(a), Some(b)) if a >= b => (Some(b - 1), Some(b)),
            x => x,
        };
        let mut v = json!({ "counter": counter });
        if let Some(a) = a {
            v["at_least"] = json!(a);
        }
        if let Some(b) = b {
            v["below"] = json!(b);
        }
        v
    })
}

/// Random `applies_when` conditions: each field present with some probability.
fn arb_conditions(counter: String, with_volume: bool) -> BoxedStrategy<Value> {
    const PLACE_FIELDS: [&str; 14] = [
        "origin_in",
        "origin_not_in",
        "destination_in",
        "destination_not_in",
        "collected_in",
        "collected_not_in",
        "subject_resident_in",
        "subject_resident_not_in",
        "subject_located_in",
        "subject_citizen_of",
        "exporter_established_in",
        "exporter_established_not_in",
        "recipient_established_in",
        "recipient_established_not_in",
    ];
    use prop::option::weighted as maybe;
    (
        prop::collection::vec((select(&PLACE_FIELDS[..]), arb_list(&LIST_ENTRIES)), 0..2),
        maybe(0.3, nonempty(&OPS)),
        maybe(0.3, nonempty(&RULE_CATEGORIES)),
        maybe(0.1, nonempty(&RULE_CATEGORIES)),
        maybe(0.15, (any::<bool>(), nonempty(&ROLES))),
        maybe(
            0.15,
            (
                select(
                    &[
                        "exporter_tags",
                        "exporter_tags_not",
                        "recipient_tags",
                        "recipient_tags_not",
                    ][..],
                ),
                Just(()),
            ),
        ),
        maybe(0.15, any::<bool>()),
        maybe(0.15, (any::<bool>(), nonempty(&["contract", "hr"]))),
        maybe(0.1, any::<bool>()),
        maybe(0.1, any::<bool>()),
        maybe(0.25, arb_volume(counter)),
    )
        .prop_map(
            move |(
                places,
                ops,
                cats,
                cats_not,
                roles,
                ptags,
                ttags,
                purposes,
                minor,
                bulk,
                volume,
            )| {
                let mut c = serde_json::Map::new();
                for (field, list) in places {
                    c.insert(field.to_owned(), list);
                }
                if let Some(o) = ops {
                    c.insert("operations".into(), strings(o));
                }
                // Rare category conditions keep many rules applicable.
                if let Some(l) = cats {
                    c.insert("categories".into(), strings(l));
                }
                if let Some(l) = cats_not {
                    c.insert("categories_not".into(), strings(l));
                }
                if let Some((neg, l)) = roles {
                    c.insert(
                        if neg {
                            "recipient_roles_not"
                        } else {
                            "recipient_roles"
                        }
                        .into(),
                        strings(l),
                    );
                }
                if let Some((f, ())) = ptags {
                    c.insert(f.into(), json!(["ciio"]));
                }
                if let Some(neg) = ttags {
                    c.insert(
                        if neg {
                            "transfer_tags_not"
                        } else {
                            "transfer_tags"
                        }
                        .into(),
                        json!(["sys"]),
                    );
                }
                if let Some((neg, l)) = purposes {
                    c.insert(
                        if neg { "purpose_not_in" } else { "purpose_in" }.into(),
                        strings(l),
                    );
                }
                if let Some(m) = minor {
                    c.insert("subject_minor".into(), json!(m));
                }
                if let Some(b) = bulk {
                    c.insert("bulk".into(), json!(b));
                }
                if with_volume && let Some(v) = volume {
                    c.insert("volume".into(), json!([v]));
                }
                Value::Object(c)
            },
        )
        .boxed()
}

fn arb_alternative(counter: String) -> BoxedStrategy<Value> {
    const KINDS_OF_BASES: [&str; 10] = [
        "consent",
        "approval",
        "destination_in",
        "recipient_certified",
        "purpose_in",
        "recipient_roles",
        "exporter_tags",
        "recipient_tags",
        "transfer_tags",
        "volume",
    ];
    (
        subsequence(&KINDS_OF_BASES[..], 1..=2),
        select(&KINDS[..]),
        any::<bool>(),
        nonempty(&["A1", "A2"]),
        prop::option::of(nonempty(&["m1", "m2"])),
        arb_list(&LIST_ENTRIES),
        nonempty(&["dpf", "gba"]),
        nonempty(&["contract", "hr"]),
        nonempty(&ROLES),
        arb_volume(counter),
    )
        .prop_map(
            |(chosen, kind, informed, auths, mechs, dests, certs, purposes, roles, volume)| {
                let mut a = serde_json::Map::new();
                for k in chosen {
                    let v = match k {
                        "consent" => json!({ "min_kind": kind, "informed_of_risks": informed }),
                        "approval" => match &mechs {
                            Some(m) => json!({ "authorities": auths, "mechanisms": m }),
                            None => json!({ "authorities": auths }),
                        },
                        "destination_in" => dests.clone(),
                        "recipient_certified" => strings(certs.clone()),
                        "purpose_in" => strings(purposes.clone()),
                        "recipient_roles" => strings(roles.clone()),
                        "transfer_tags" => json!(["sys"]),
                        "volume" => json!([volume.clone()]),
                        _ => json!(["ciio"]),
                    };
                    a.insert(k.to_owned(), v);
                }
                Value::Object(a)
            },
        )
        .boxed()
}

fn arb_rule(i: usize, counter: String) -> BoxedStrategy<Value> {
    (
        arb_conditions(counter.clone(), true),
        prop::option::of(arb_window()),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop_oneof![1 => Just(None), 4 => prop::collection::vec(arb_alternative(counter), 1..4).prop_map(Some)],
        any::<bool>(),
    )
        .prop_map(move |(when, window, in_force, gate, require, obligation)| {
            let mut r = json!({ "id": format!("r{i}"), "summary": "s", "cite": format!("art. {i}"), "applies_when": when });
            if let (Some((a, b)), Some(both)) = (window, in_force) {
                r["in_force"] = if both {
                    json!({ "from": INSTANTS[a], "until": INSTANTS[b] })
                } else {
                    json!({ "from": INSTANTS[a] })
                };
            }
            if let Some(g) = gate {
                r[if g { "if_option" } else { "unless_option" }] = json!("o1");
            }
            match require {
                None => r["prohibit"] = json!(true),
                Some(mut alts) => {
                    for (k, a) in alts.iter_mut().enumerate() {
                        a["name"] = json!(format!("alt-{k}"));
                    }
                    r["require"] = Value::from(alts);
                    if obligation {
                        r["obligations"] = json!([{ "id": "keep-records", "summary": "Keep records" }]);
                    }
                }
            }
            r
        })
        .boxed()
}

/// A random, valid pack `p{n}` with a counter `vol-{n}`.
pub(crate) fn arb_pack(n: usize) -> BoxedStrategy<Value> {
    let counter = format!("vol-{n}");
    (
        select(&["+00:00", "+08:00"][..]),
        any::<bool>(),
        select(&["calendar_year", "since_previous_calendar_year", "rolling_12_months"][..]),
        select(&["sensitive", "non_sensitive", "all"][..]),
        arb_conditions(counter.clone(), false),
        (1usize..5).prop_flat_map(move |k| (0..k).map(|i| arb_rule(i, format!("vol-{n}"))).collect::<Vec<_>>()),
    )
        .prop_map(move |(offset, default, window, individuals, counter_when, rules)| {
            json!({
                "format": 1,
                "id": format!("p{n}"),
                "title": "Random pack",
                "kind": "law",
                "issuer": "CN",
                "version": "1",
                "utc_offset": offset,
                "subdivisions": ["CN-GD"],
                "options": { "o1": { "default": default, "summary": "switch" } },
                "groups": {
                    "EEA": { "members": ["DE", "FR"], "dated": [{ "code": "GB", "until": "2026-01-01" }] },
                    "ADQ": { "members": if n == 0 { json!(["JP"]) } else { json!(["JP", "HK"]) }, "dated": [{ "code": "US", "from": "2026-03-01T00:00:00Z" }] }
                },
                "category_groups": { "sens": { "members": ["personal.sensitive", "personal.minor"] } },
                "tags": [
                    { "name": "ciio", "on": "party", "summary": "operator" },
                    { "name": "sys", "on": "transfer", "summary": "systematic" }
                ],
                "purposes": [
                    { "name": "contract", "summary": "contract" },
                    { "name": "hr", "summary": "hr" },
                    { "name": "fulfil", "summary": "fulfilment: a contract", "means": ["contract"] }
                ],
                "counters": { counter.clone(): { "summary": "c", "window": window, "individuals": individuals, "applies_when": counter_when } },
                "rules": rules
            })
        })
        .boxed()
}

/// Replaces every string `from` inside `v` with `to`.
fn share_group(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::String(s) if s == from => *s = to.to_owned(),
        Value::Array(items) => items.iter_mut().for_each(|i| share_group(i, from, to)),
        Value::Object(map) => map.values_mut().for_each(|i| share_group(i, from, to)),
        _ => {}
    }
}

/// One or two random packs, with random option values.
pub(crate) fn arb_packs() -> impl Strategy<Value = (Vec<Value>, Vec<bool>)> {
    prop_oneof![
        3 => arb_pack(0).prop_map(|p| vec![p]),
        1 => (arb_pack(0), arb_pack(1), any::<bool>()).prop_map(|(a, mut b, shared)| {
            // The second pack may name the first pack's `ADQ` group instead of its own, which
            // differs (`HK` is a member of pack 1's only).
            if shared {
                share_group(&mut b["rules"], "ADQ", "p0:ADQ");
            }
            vec![a, b]
        }),
    ]
    .prop_flat_map(|packs| {
        let n = packs.len();
        (Just(packs), prop::collection::vec(any::<bool>(), n))
    })
}

/// A case: packs, evidence and a transfer. Half the evidence is aligned with the transfer (its
/// subject, exporter or recipient, and a scope that includes the act's categories,
/// destination and operation), so that evidence often satisfies bases and the rest of the
/// fields decide: random evidence alone would almost never match.
pub(crate) fn arb_case()
-> impl Strategy<Value = ((Vec<Value>, Vec<bool>), EvidenceSet, TransferBuilder)> {
    (
        arb_packs(),
        arb_evidence(),
        arb_transfer(),
        prop::collection::vec(any::<bool>(), 8),
    )
        .prop_map(|(packs, ev, t, align)| {
            let ev = align_evidence(ev, &t, &align);
            (packs, ev, t)
        })
}

fn aligned_scope(scope: &Scope, t: &Value) -> Scope {
    let mut cats: Vec<crossborder::Category> = scope.categories().to_vec();
    for c in t["data"]["categories"].as_array().unwrap() {
        cats.push(c.as_str().unwrap().parse().unwrap());
    }
    let mut dests = *scope.destinations();
    dests.insert(
        t["destination"]
            .as_str()
            .unwrap()
            .parse::<Jurisdiction>()
            .unwrap()
            .country(),
    );
    let mut ops = scope.operations();
    ops.insert(t["operation"].as_str().unwrap().parse().unwrap());
    Scope::new(cats, dests, ops)
        .unwrap()
        .with_purposes(scope.purposes().iter().cloned())
        .with_recipients(scope.recipients().iter().cloned())
}

fn align_evidence(mut ev: EvidenceSet, t: &TransferBuilder, align: &[bool]) -> EvidenceSet {
    let t = serde_json::to_value(t).unwrap();
    let flag = |i: usize| align.get(i % align.len()).copied().unwrap_or(false);
    let subject = t["data"]["individuals"]["one"]["id"]
        .as_str()
        .map(str::to_owned);
    for (i, c) in ev.consents.iter_mut().enumerate() {
        if !flag(i) {
            continue;
        }
        let mut v = serde_json::to_value(&*c).unwrap();
        if let Some(s) = &subject {
            v["subject"] = Value::from(s.clone());
        }
        v["scope"] = serde_json::to_value(aligned_scope(c.scope(), &t)).unwrap();
        *c = serde_json::from_value(v).unwrap();
    }
    for (i, a) in ev.approvals.iter_mut().enumerate() {
        if !flag(i + 3) {
            continue;
        }
        let mut v = serde_json::to_value(&*a).unwrap();
        v["holder"] = t["exporter"]["id"].clone();
        v["scope"] = serde_json::to_value(aligned_scope(a.scope(), &t)).unwrap();
        *a = serde_json::from_value(v).unwrap();
    }
    for (i, (party, _)) in ev.certifications.iter_mut().enumerate() {
        if flag(i + 6)
            && let Some(r) = t["recipient"]["id"].as_str()
        {
            *party = r.to_owned();
        }
    }
    ev
}

#[allow(dead_code, reason = "convenience for properties that pin an instant")]
pub(crate) fn utc(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}
