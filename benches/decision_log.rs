//! The decision log's figures (PERFORMANCE.md, "Decision log"):
//!
//! 1. Appends with per-record durability (each fsynced before it returns), and in groups of
//!    1,000 (one fsync per group).
//! 2. A log of 1,000,000 records (100,000 subjects, ten acts each, a checkpoint every
//!    100,000): verification by a third party (every leaf recomputed from the record's bytes,
//!    canonical form checked, every checkpoint's signature and root), opening it, and a
//!    subject's transparency report through the subject index.
//!
//! `cargo bench --bench decision_log` (full) or `-- --quick` (100,000 records). Files go under
//! the target directory (a real disk, so fsyncs cost what they cost).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "bench code"
)]

use std::path::PathBuf;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use crossborder::decision_log::{DecisionLog, LogRecord, SigningKey, SubjectReport, Verifier};
use crossborder::{
    Consent, ConsentKind, DataItem, Engine, MemoryEvidence, Operation, Party, Scope, Subject,
    Transfer,
};

fn dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("decision-log-bench");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The record of subject `i`'s act `k`: the cn-pledge-2015 decision on sensitive health data
/// to one of three destinations, allowed on a consent for two of them.
fn record(engine: &Engine, store: &MemoryEvidence, i: u64, k: u64) -> LogRecord {
    let dest = ["US", "SG", "DE"][(k % 3) as usize];
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
        + chrono::Duration::seconds((k * 100_000 + i) as i64);
    let t = Transfer::builder()
        .id(format!("act-{i}-{k}").parse().unwrap())
        .operation(Operation::Transfer)
        .destination(dest.parse().unwrap())
        .data(DataItem::of_subject(
            Subject::new(format!("u-{i}").parse().unwrap()).resident_in("CN".parse().unwrap()),
            ["personal.sensitive.health".parse().unwrap()],
            "CN".parse().unwrap(),
        ))
        .exporter(Party::new("acme-cn".parse().unwrap()).established_in("CN".parse().unwrap()))
        .recipient(Party::new(format!("lab-{dest}").parse().unwrap()))
        .at(at)
        .build(engine)
        .unwrap();
    LogRecord::new(&engine.evaluate(&t, store), at)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let n_subjects: u64 = if quick { 10_000 } else { 100_000 };
    let per_subject = 10;
    let total = n_subjects * per_subject;
    let engine = Engine::builder().enable("cn-pledge-2015").build().unwrap();
    let store = MemoryEvidence::new();
    let granted = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let scope = Scope::new(
        ["personal.sensitive.health".parse().unwrap()],
        "US,SG".parse().unwrap(),
        [Operation::Transfer].into(),
    )
    .unwrap();
    for i in 0..n_subjects {
        store
            .grant(
                Consent::new(
                    format!("c-{i}").parse().unwrap(),
                    format!("u-{i}").parse().unwrap(),
                    ConsentKind::Express,
                    scope.clone(),
                    granted,
                )
                .unwrap(),
            )
            .unwrap();
    }
    let d = dir();
    let key = SigningKey::generate().unwrap();
    println!(
        "decision log on crossborder {}; {} CPUs; {}",
        env!("CARGO_PKG_VERSION"),
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        if quick { "quick run" } else { "full run" }
    );

    // 1. Appends.
    let sample: Vec<LogRecord> = (0..1_000).map(|i| record(&engine, &store, i, 0)).collect();
    let size = serde_json::to_string(&sample[0]).unwrap().len();
    let path = d.join("appends.log");
    let log = DecisionLog::create(&path, "bench").unwrap();
    let a = Instant::now();
    for r in &sample {
        log.append(r).unwrap();
    }
    let per_record = sample.len() as f64 / a.elapsed().as_secs_f64();
    let a = Instant::now();
    let groups = 50;
    for _ in 0..groups {
        log.append_all(&sample).unwrap();
    }
    let grouped = (groups * sample.len()) as f64 / a.elapsed().as_secs_f64();
    println!(
        "appends (records of ~{size} bytes): each fsynced {per_record:.0}/s; in groups of 1,000 {grouped:.0}/s"
    );
    drop(log);

    // 2. A log of `total` records.
    let path = d.join("big.log");
    let log = DecisionLog::create(&path, "bench-big")
        .unwrap()
        .with_checkpoints(SigningKey::from_hex(&key.to_hex()).unwrap(), 100_000);
    let a = Instant::now();
    let mut batch = Vec::with_capacity(10_000);
    for k in 0..per_subject {
        for i in 0..n_subjects {
            batch.push(record(&engine, &store, i, k));
            if batch.len() == 10_000 {
                log.append_all(&batch).unwrap();
                batch.clear();
            }
        }
    }
    log.append_all(&batch).unwrap();
    log.checkpoint(&key, Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap())
        .unwrap();
    let built = a.elapsed();
    drop(log);
    let bytes = std::fs::metadata(&path).unwrap().len();
    println!(
        "{total} records (decided, serialised and appended in groups of 10,000) in {:.1} s; file {} MiB",
        built.as_secs_f64(),
        bytes >> 20
    );
    let a = Instant::now();
    let v = Verifier::new(key.verifying_key())
        .verify_file(&path)
        .unwrap();
    let verify = a.elapsed();
    assert_eq!(v.records, total);
    println!(
        "verify {total} records, {} checkpoints: {:.2} s ({:.0} MB/s)",
        v.checkpoints,
        verify.as_secs_f64(),
        bytes as f64 / 1e6 / verify.as_secs_f64()
    );
    let a = Instant::now();
    let log = DecisionLog::open(&path).unwrap();
    let open = a.elapsed();
    let subject = "u-42".parse().unwrap();
    let consents = store.consents_of(&subject);
    let a = Instant::now();
    let report = SubjectReport::build(
        &log,
        &subject,
        &consents,
        Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
    )
    .unwrap();
    let html = report.to_html();
    let built_report = a.elapsed();
    assert_eq!(report.entries.len() as u64, per_subject);
    assert_eq!(
        report.verify(&key.verifying_key()).unwrap() as u64,
        per_subject
    );
    println!(
        "open: {:.2} s; a subject's report ({} entries with proofs, HTML {} KiB) among {total} records: {:.1} ms",
        open.as_secs_f64(),
        report.entries.len(),
        html.len() >> 10,
        built_report.as_secs_f64() * 1e3
    );
    drop(log);
    std::fs::remove_dir_all(&d).unwrap();
}
