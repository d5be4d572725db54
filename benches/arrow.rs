//! The Arrow path on cb-1: the 10,000 requests as one `RecordBatch` (dictionary-encoded places,
//! categories and operations; plain strings for the subject, exporter and recipient ids, as an
//! access log would hold them), decided by `crossborder::arrow::evaluate_batch` on one and two
//! threads, against single calls in the same run.
//!
//! `cargo bench --features arrow --bench arrow` (`-- --quick` for a short run). Checks that the
//! batch decides every request as the cb-1 reference does (digest `9b3b8ff02455ab3c`), then
//! prints rows per second.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "benchmark harness: any failure should stop the run loudly"
)]

#[allow(dead_code, reason = "shared with the cb1 bench, which uses all of it")]
#[path = "cb1/load.rs"]
mod load;
#[allow(dead_code, reason = "shared with the cb1 bench, which uses all of it")]
#[path = "cb1/measure.rs"]
mod measure;
#[allow(dead_code, reason = "shared with the cb1 bench, which uses all of it")]
#[path = "cb1/workload.rs"]
mod workload;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossborder::arrow::arrow_array::types::Int8Type;
use crossborder::arrow::arrow_array::{
    Array, ArrayRef, DictionaryArray, RecordBatch, StringArray, TimestampSecondArray,
};
use crossborder::arrow::{BatchOptions, evaluate_batch};
use crossborder::{Engine, PackLoader, Transfer};

use workload::{CATEGORIES, EXPECTED_DIGEST, JURISDICTIONS, OPS, fnv1a, generate, reference};

fn dict(values: impl Iterator<Item = &'static str>) -> ArrayRef {
    Arc::new(values.collect::<DictionaryArray<Int8Type>>())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let reps = if quick { 3 } else { 9 };
    let passes = if quick { 3 } else { 20 };
    measure::print_header("cb-1 as an Arrow batch", quick);

    let pop = generate();
    let pack = PackLoader::new()
        .file_name("benches/cb1/cb1-pack.toml")
        .load_toml(include_str!("cb1/cb1-pack.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let engine = Engine::builder().pack(pack).build().unwrap();
    let vocab = load::Vocab::new();
    let store = load::load(&pop, &vocab);
    let reqs = &pop.requests;

    let j = |k: u8| JURISDICTIONS[k as usize];
    let residence: Vec<u8> = reqs
        .iter()
        .map(|r| pop.subjects[&r.subject].residence)
        .collect();
    let subjects: Vec<String> = reqs.iter().map(|r| format!("s-{}", r.subject)).collect();
    let exporters: Vec<String> = reqs.iter().map(|r| format!("e-{}", r.exporter)).collect();
    let recipients: Vec<String> = reqs.iter().map(|r| format!("r-{}", r.recipient)).collect();
    let text = |v: &[String]| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(v.iter().map(String::as_str)))
    };
    let batch = RecordBatch::try_from_iter([
        (
            "operation",
            dict(reqs.iter().map(|r| OPS[r.operation as usize])),
        ),
        ("destination", dict(reqs.iter().map(|r| j(r.destination)))),
        (
            "categories",
            dict(reqs.iter().map(|r| CATEGORIES[r.category as usize].1)),
        ),
        ("collected_in", dict(reqs.iter().map(|r| j(r.collected_in)))),
        ("subject", text(&subjects)),
        ("subject_residence", dict(residence.iter().map(|&k| j(k)))),
        ("exporter", text(&exporters)),
        ("recipient", text(&recipients)),
        (
            "at",
            Arc::new(
                TimestampSecondArray::from(reqs.iter().map(|r| r.at).collect::<Vec<_>>())
                    .with_timezone("UTC"),
            ) as ArrayRef,
        ),
    ])
    .unwrap();

    // Decisions: the batch against the reference, request by request.
    let no_explain = BatchOptions::new().explain_denials(false);
    let out = evaluate_batch(&engine, &batch, &store, no_explain).unwrap();
    let effect = out.column_by_name("effect").unwrap();
    let effect = effect.as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!(effect.null_count(), 0, "every request decided");
    let got: Vec<u8> = (0..effect.len())
        .map(|i| u8::from(effect.value(i) == "allow"))
        .collect();
    let expected: Vec<u8> = reqs
        .iter()
        .map(|r| u8::from(reference(&pop, r).allow))
        .collect();
    assert_eq!(got, expected, "the batch decides as the reference");
    assert_eq!(fnv1a(got.iter().copied()), EXPECTED_DIGEST);
    println!("decisions: digest {EXPECTED_DIGEST:016x}, identical to the reference on all 10,000");

    // Timings, all in this run: single calls (the string builder end to end, the catalog end to
    // end, evaluation alone), then the batch on one and two threads.
    let n = reqs.len() as f64;
    let transfers: Vec<Transfer> = reqs
        .iter()
        .enumerate()
        .map(|(i, r)| load::build_transfer(&engine, &pop, &vocab, i, r))
        .collect();
    let handles = load::handles(&engine, &pop, &vocab);
    let mut buffer = transfers[0].clone();
    let time = |f: &mut dyn FnMut()| {
        median(
            (0..reps)
                .map(|_| {
                    let t = Instant::now();
                    for _ in 0..passes {
                        f();
                    }
                    t.elapsed() / passes
                })
                .collect(),
        )
    };
    let per_s = |d: Duration| n / d.as_secs_f64();
    let single_string = time(&mut || {
        for (i, r) in reqs.iter().enumerate() {
            let t = load::build_transfer(&engine, &pop, &vocab, i, r);
            black_box(engine.evaluate(&t, &store).is_allowed());
        }
    });
    let single_catalog = time(&mut || {
        for r in reqs {
            load::fill_transfer(&handles, r, &mut buffer);
            black_box(engine.evaluate(&buffer, &store).is_allowed());
        }
    });
    let single_eval = time(&mut || {
        for t in &transfers {
            black_box(engine.evaluate(t, &store).is_allowed());
        }
    });
    let batch_1 = time(&mut || {
        black_box(evaluate_batch(&engine, &batch, &store, no_explain.threads(1)).unwrap());
    });
    let batch_2 = time(&mut || {
        black_box(evaluate_batch(&engine, &batch, &store, no_explain.threads(2)).unwrap());
    });
    let explained = time(&mut || {
        black_box(evaluate_batch(&engine, &batch, &store, BatchOptions::new()).unwrap());
    });
    // Two threads against one as interleaved pairs (the VM's speed drifts between rows).
    let mut pairs: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            black_box(evaluate_batch(&engine, &batch, &store, no_explain.threads(1)).unwrap());
            let one = t.elapsed();
            let t = Instant::now();
            black_box(evaluate_batch(&engine, &batch, &store, no_explain.threads(2)).unwrap());
            one.as_secs_f64() / t.elapsed().as_secs_f64()
        })
        .collect();
    pairs.sort_by(f64::total_cmp);

    println!(
        "\n| path (10,000 cb-1 requests, median of {reps} × {passes} passes) | rows/s | ns/row | vs single calls end to end (catalog) |"
    );
    println!("|---|---:|---:|---:|");
    for (name, d) in [
        ("single calls, string builder + evaluate", single_string),
        (
            "single calls, catalog fill + evaluate (end to end)",
            single_catalog,
        ),
        (
            "single calls, evaluate alone (transfers prepared)",
            single_eval,
        ),
        ("`evaluate_batch`, 1 thread, no explanations", batch_1),
        ("`evaluate_batch`, 2 threads, no explanations", batch_2),
        (
            "`evaluate_batch`, 1 thread, denials explained (JSON)",
            explained,
        ),
    ] {
        println!(
            "| {name} | {:.0} | {:.0} | {:.2}x |",
            per_s(d),
            d.as_nanos() as f64 / n,
            per_s(d) / per_s(single_catalog)
        );
    }
    println!(
        "\n2 threads / 1 thread: {:.2}x from the medians; interleaved pairs {:.2}x median ({:.2}x-{:.2}x)",
        per_s(batch_2) / per_s(batch_1),
        pairs[pairs.len() / 2],
        pairs[0],
        pairs[pairs.len() - 1]
    );
}
