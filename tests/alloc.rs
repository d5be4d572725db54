//! The allow path of `Engine::evaluate` allocates nothing: checked with a counting allocator.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use chrono::{TimeZone, Utc};
use crossborder::{
    Approval, Consent, ConsentKind, DataItem, Engine, MemoryEvidence, NoEvidence, Operation,
    OperationSet, Party, Scope, Subject, Transfer,
};

/// Allocations made by this thread while `f` runs (allocation-counter counts per thread, so
/// tests running in parallel do not disturb each other).
fn allocations_during(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

fn transfer(e: &Engine, category: &str, collected: &str, op: Operation) -> Transfer {
    Transfer::builder()
        .operation(op)
        .destination("US".parse().unwrap())
        .data(DataItem::of_subject(
            Subject::new("u-42".parse().unwrap()),
            [category.parse().unwrap()],
            collected.parse().unwrap(),
        ))
        .exporter(Party::new("acme-cn".parse().unwrap()))
        .at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
        .build(e)
        .unwrap()
}

/// Grants `u-42` a consent from 2026-01-01.
fn grant(store: &MemoryEvidence, id: &str, kind: ConsentKind, scope: Scope) {
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let c = Consent::new(
        id.parse().unwrap(),
        "u-42".parse().unwrap(),
        kind,
        scope,
        t0,
    )
    .unwrap();
    store.grant(c).unwrap();
}

#[test]
fn the_allow_path_allocates_nothing() {
    let e = Engine::builder().enable("cn-pledge-2015").build().unwrap();
    let store = MemoryEvidence::new();
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let scope = |op: Operation| {
        Scope::new(
            ["personal.sensitive".parse().unwrap()],
            "US".parse().unwrap(),
            [op].into(),
        )
        .unwrap()
    };
    // Decoys first, so the search visits consents that do not cover the act.
    grant(
        &store,
        "c-0",
        ConsentKind::Implied,
        scope(Operation::Transfer),
    );
    grant(
        &store,
        "c-1",
        ConsentKind::Express,
        scope(Operation::Transfer),
    );
    store
        .add_approval(
            Approval::new(
                "sa-1".parse().unwrap(),
                "CN-CAC".parse().unwrap(),
                "security_assessment".parse().unwrap(),
                "acme-cn".parse().unwrap(),
                Scope::new(
                    ["personal".parse().unwrap()],
                    "US".parse().unwrap(),
                    OperationSet::all(),
                )
                .unwrap(),
                t0,
            )
            .unwrap(),
        )
        .unwrap();

    let by_consent = transfer(&e, "personal.sensitive.health", "CN", Operation::Transfer);
    let by_approval = transfer(&e, "personal.sensitive.health", "CN", Operation::Store);
    let no_rule = transfer(&e, "personal.contact", "CN", Operation::Transfer);
    let elsewhere = transfer(&e, "personal.sensitive.health", "DE", Operation::Transfer);

    for (name, t) in [
        ("consent", &by_consent),
        ("approval", &by_approval),
        ("no rule", &no_rule),
        ("elsewhere", &elsewhere),
    ] {
        // Warm up lazily initialised state (thread locals, lock internals) outside the count.
        assert!(e.evaluate(t, &store).is_allowed(), "{name}");
        let n = allocations_during(|| {
            for _ in 0..100 {
                let d = e.evaluate(t, &store);
                assert!(d.is_allowed());
                assert_eq!(
                    d.rules().map(|r| r.evidence().len()).sum::<usize>(),
                    usize::from(name == "consent" || name == "approval")
                );
            }
        });
        assert_eq!(
            n, 0,
            "the {name} allow path allocated {n} times in 100 evaluations"
        );
    }
    let n = allocations_during(|| {
        let d = e.evaluate(&no_rule, &NoEvidence);
        assert!(d.no_rule_applies());
    });
    assert_eq!(n, 0);
}

#[test]
fn four_satisfied_rules_with_evidence_allocate_nothing() {
    // Four rules, each satisfied by a consent: the decision's inline capacity (four outcomes,
    // four evidence items) holds them all.
    let mut pack = String::from(
        "format = 1\nid = \"four\"\ntitle = \"t\"\nkind = \"law\"\nissuer = \"CN\"\nversion = \"1\"\nsummary = \"t\"\n[[sources]]\ntitle = \"t\"\nchecked = \"2026-01-01\"\n",
    );
    for k in 0..4 {
        pack.push_str(&format!(
            "[[rules]]\nid = \"r{k}\"\nsummary = \"s\"\ncite = \"c\"\napplies_when = {{}}\n[[rules.require]]\nname = \"consent\"\nconsent = {{ min_kind = \"express\" }}\n"
        ));
    }
    let e = Engine::builder()
        .pack(crossborder::PolicyPack::from_toml_str(&pack).unwrap())
        .build()
        .unwrap();
    let store = MemoryEvidence::new();
    let everything = Scope::new(
        ["personal".parse().unwrap()],
        "US".parse().unwrap(),
        OperationSet::all(),
    )
    .unwrap();
    grant(&store, "c-1", ConsentKind::Express, everything);
    let t = transfer(&e, "personal.contact", "CN", Operation::Transfer);
    let d = e.evaluate(&t, &store);
    assert!(d.is_allowed());
    assert_eq!(d.rules().map(|r| r.evidence().len()).sum::<usize>(), 4);
    let n = allocations_during(|| {
        for _ in 0..100 {
            assert!(e.evaluate(&t, &store).is_allowed());
        }
    });
    assert_eq!(n, 0, "allocated {n} times in 100 evaluations");
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the test above against a counter that never counts.
    let n = allocations_during(|| {
        let v = std::hint::black_box(vec![1u8; 64]);
        assert_eq!(v.len(), 64);
    });
    assert!(n >= 1);
}
