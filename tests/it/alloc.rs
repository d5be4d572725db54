//! The allow path of `Engine::evaluate` allocates nothing: checked with a counting allocator.

use crossborder::{
    ConsentKind, Engine, MemoryEvidence, NoEvidence, Operation, OperationSet, Scope, Transfer,
};

use crate::support::{self, data_of, party, scope, subject, t};

/// Allocations made by this thread while `f` runs (allocation-counter counts per thread, so
/// tests running in parallel do not disturb each other).
fn allocations_during(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

/// `u-42`'s `category` data collected in `collected`, to the US by `acme-cn`, on 2026-03-01.
fn transfer(e: &Engine, category: &str, collected: &str, op: Operation) -> Transfer {
    let data = data_of(subject("u-42"), &[category], collected);
    support::act(op, "US", data, party("acme-cn"), t(2026, 3, 1))
        .build(e)
        .unwrap()
}

/// Grants `u-42` a consent from 2026-01-01.
fn grant(store: &MemoryEvidence, id: &str, kind: ConsentKind, scope: Scope) {
    let c = support::consent(id, "u-42", kind, scope, t(2026, 1, 1));
    store.grant(c).unwrap();
}

#[test]
fn the_allow_path_allocates_nothing() {
    let e = support::engine(&["cn-pledge-2015"]);
    let store = MemoryEvidence::new();
    let sensitive_to_us = |op: Operation| scope(&["personal.sensitive"], "US", [op].into());
    // Decoys first, so the search visits consents that do not cover the act.
    grant(
        &store,
        "c-0",
        ConsentKind::Implied,
        sensitive_to_us(Operation::Transfer),
    );
    grant(
        &store,
        "c-1",
        ConsentKind::Express,
        sensitive_to_us(Operation::Transfer),
    );
    store
        .add_approval(support::approval(
            "sa-1",
            "CN-CAC",
            "security_assessment",
            "acme-cn",
            scope(&["personal"], "US", OperationSet::all()),
            t(2026, 1, 1),
        ))
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
    // A batch under one view of the store: nothing either.
    let batch = [by_consent, by_approval, no_rule, elsewhere];
    let mut allowed = 0;
    let n = allocations_during(|| {
        e.evaluate_many(&batch, &store, |_, d| {
            allowed += usize::from(d.is_allowed())
        });
    });
    assert_eq!((n, allowed), (0, 4), "evaluate_many allocated {n} times");
}

#[test]
fn four_satisfied_rules_with_evidence_allocate_nothing() {
    // Four rules, each satisfied by a consent: the decision's inline capacity (four outcomes,
    // four evidence items) holds them all.
    let e = support::engine_requiring(&["consent = { min_kind = \"express\" }"; 4]);
    let store = MemoryEvidence::new();
    let everything = scope(&["personal"], "US", OperationSet::all());
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
