//! Criterion benches of `Engine::evaluate` on the `cn-pledge-2015` pack.
//!
//! `cargo bench --bench evaluate`. Each case asserts its expected outcome inside the timed loop,
//! so a bench that silently measures the wrong path fails.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::hint::black_box;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use crossborder::{
    Approval, Consent, ConsentKind, DataItem, Effect, Engine, MemoryEvidence, Operation,
    OperationSet, Party, Scope, Subject, Transfer,
};

fn transfer(
    e: &Engine,
    exporter: &str,
    category: &str,
    collected: &str,
    op: Operation,
) -> Transfer {
    Transfer::builder()
        .operation(op)
        .destination("US".parse().unwrap())
        .data(DataItem::of_subject(
            Subject::new("u-42".parse().unwrap()).resident_in("CN".parse().unwrap()),
            [category.parse().unwrap()],
            collected.parse().unwrap(),
        ))
        .exporter(Party::new(exporter.parse().unwrap()))
        .at(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
        .build(e)
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let e = Engine::builder().enable("cn-pledge-2015").build().unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let store = MemoryEvidence::new();
    for (i, kind) in [ConsentKind::Implied, ConsentKind::Express]
        .into_iter()
        .enumerate()
    {
        store
            .grant(
                Consent::new(
                    format!("c-{i}").parse().unwrap(),
                    "u-42".parse().unwrap(),
                    kind,
                    Scope::new(
                        ["personal.sensitive.health".parse().unwrap()],
                        "US".parse().unwrap(),
                        [Operation::Transfer].into(),
                    )
                    .unwrap(),
                    t0,
                )
                .unwrap(),
            )
            .unwrap();
    }
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

    let health = "personal.sensitive.health";
    let cases = [
        (
            "allow_by_consent",
            transfer(&e, "other-cn", health, "CN", Operation::Transfer),
            Effect::Allow,
        ),
        (
            "allow_by_approval",
            transfer(&e, "acme-cn", health, "CN", Operation::Store),
            Effect::Allow,
        ),
        (
            "allow_no_rule_applies",
            transfer(&e, "acme-cn", health, "DE", Operation::Transfer),
            Effect::Allow,
        ),
        (
            "deny_missing_evidence",
            transfer(&e, "other-cn", health, "CN", Operation::Store),
            Effect::Deny,
        ),
    ];

    let mut g = c.benchmark_group("evaluate");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    for (name, t, want) in &cases {
        g.bench_function(*name, |b| {
            b.iter(|| {
                let d = e.evaluate(black_box(t), black_box(&store));
                assert_eq!(d.effect(), *want);
                black_box(d.rules().len())
            });
        });
    }
    g.finish();

    let mut g = c.benchmark_group("explain");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    let deny = &cases[3].1;
    g.bench_function("text", |b| {
        b.iter(|| {
            let d = e.evaluate(black_box(deny), &store);
            black_box(d.to_string().len())
        });
    });
    g.bench_function("json", |b| {
        b.iter(|| {
            let d = e.evaluate(black_box(deny), &store);
            black_box(serde_json::to_string(&d).map(|s| s.len()).unwrap_or(0))
        });
    });
    g.finish();

    let mut g = c.benchmark_group("compile");
    g.bench_function("engine_cn_pledge_2015", |b| {
        b.iter(|| {
            black_box(
                Engine::builder()
                    .enable("cn-pledge-2015")
                    .build()
                    .unwrap()
                    .rule_count(),
            )
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
