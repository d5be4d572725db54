//! `Engine::evaluate_many` and `Engine::evaluate_parallel` decide every act exactly as
//! `Engine::evaluate` does alone, in order, under one view of the store per batch or chunk.

use std::sync::Mutex;

use crossborder::{
    ConsentKind, DataItem, Engine, MemoryEvidence, Operation, OperationSet, Role, Transfer,
};

use crate::support::{self, consent, data_of, j, party, scope, subject, t};

/// A mix of acts under PIPL and the GDPR: allowed, denied and unmatched, single and bulk.
fn acts(e: &Engine) -> Vec<Transfer> {
    let mut out = Vec::new();
    // Enough acts for several chunks per thread in `evaluate_parallel` (64 acts each).
    for i in 0..700_u32 {
        let dest = ["US", "DE", "SG", "CN"][(i % 4) as usize];
        let collected = ["CN", "DE", "SG"][(i % 3) as usize];
        let data = if i % 5 == 0 {
            DataItem::bulk(
                ["personal.contact".parse().unwrap()],
                j(collected),
                0,
                10 + u64::from(i),
            )
        } else {
            data_of(
                subject(&format!("u-{}", i % 7)),
                &["personal.contact"],
                collected,
            )
        };
        out.push(
            support::act(
                Operation::Transfer,
                dest,
                data,
                party("acme").established_in(j(collected)),
                t(2026, 3, 1 + i % 20),
            )
            .recipient(
                party("r")
                    .established_in(j(dest))
                    .with_role(Role::Processor),
            )
            .build(e)
            .unwrap(),
        );
    }
    out
}

fn store() -> MemoryEvidence {
    support::store_with((0..7).map(|k| {
        consent(
            &format!("c-{k}"),
            &format!("u-{k}"),
            ConsentKind::Separate,
            scope(&["personal"], "US,DE,SG", OperationSet::all()),
            t(2026, 1, 1),
        )
    }))
}

#[test]
fn a_batch_decides_as_single_calls_do() {
    let e = support::engine(&["cn-pipl", "eu-gdpr"]);
    let acts = acts(&e);
    let store = store();
    let alone: Vec<String> = acts
        .iter()
        .map(|a| e.evaluate(a, &store).to_string())
        .collect();
    let mut batch = Vec::new();
    e.evaluate_many(&acts, &store, |i, d| batch.push((i, d.to_string())));
    assert_eq!(batch.len(), acts.len());
    for (k, (i, text)) in batch.iter().enumerate() {
        assert_eq!(*i, k);
        assert_eq!(text, &alone[k]);
    }
    assert!(
        alone.iter().any(|s| s.starts_with("ALLOW")) && alone.iter().any(|s| s.starts_with("DENY"))
    );
    for threads in [1, 2, 3, 100] {
        let got = Mutex::new(Vec::new());
        e.evaluate_parallel(&acts, &store, threads, |i, d| {
            got.lock().unwrap().push((i, d.to_string()))
        });
        let mut got = got.into_inner().unwrap();
        got.sort();
        assert_eq!(got.len(), acts.len(), "{threads} threads");
        // Every index once.
        assert!(
            got.iter().enumerate().all(|(k, (i, _))| k == *i),
            "{threads} threads"
        );
        for (i, text) in got {
            assert_eq!(text, alone[i], "{threads} threads, act {i}");
        }
    }
    // An empty batch calls nothing.
    e.evaluate_parallel(&[], &store, 2, |_, _| panic!("no act"));
    e.evaluate_many(&[], &store, |_, _| panic!("no act"));
}
