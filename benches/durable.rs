//! The durable evidence store's figures (PERFORMANCE.md, "Durable evidence"):
//!
//! 1. cb-1's population (100,000 subjects, 150,605 consents) imported into a `DurableEvidence`
//!    in one transaction; the store reopened: open time and resident bytes per consent.
//! 2. The same for 1,000,000 consents (synthetic, cb-1-like scopes).
//! 3. Writes: grants and withdrawals with per-write durability (each fsynced before it
//!    returns), and the same in batches of 1,000 in one transaction.
//! 4. cb-1's 10,000 requests evaluated against the memory store and against the reopened
//!    durable store, in the same run: median and p99 per decision, and the decision digest.
//!
//! `cargo bench --bench durable` (full) or `-- --quick`. Files go under the target directory
//! (a real disk, so fsyncs cost what they cost).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "bench code"
)]

#[path = "cb1/load.rs"]
#[allow(dead_code, reason = "shared with the cb1 bench, which uses all of it")]
mod load;
#[path = "cb1/measure.rs"]
#[allow(dead_code, reason = "shared with the cb1 bench, which uses all of it")]
mod measure;
#[path = "cb1/workload.rs"]
#[allow(dead_code, reason = "shared with the cb1 bench, which uses all of it")]
mod workload;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use crossborder::evidence::{DurableEvidence, EvidenceSet};
use crossborder::{Consent, ConsentKind, Engine, Evidence, Operation, PackLoader, Scope, Transfer};
use load::{Vocab, build_transfer, load};
use measure::{print_header, stats, timer_overhead};
use workload::{EXPECTED_DIGEST, fnv1a, generate};

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("durable-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let _ = std::fs::remove_file(&p);
    p
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// Opens the store at `path` in this (fresh) process and prints `seconds rss_delta consents`:
/// the child side of [`measure_open`].
fn open_only(path: &str) {
    let rss0 = rss_bytes();
    let t = Instant::now();
    let store = DurableEvidence::open(path).unwrap();
    let open = t.elapsed();
    let rss1 = rss_bytes();
    println!(
        "{} {} {}",
        open.as_secs_f64(),
        rss1.saturating_sub(rss0),
        store.counts().0
    );
}

/// Opens the store at `path` in a fresh process (so the resident figure holds the store and
/// nothing this process did before): median of three opens, and the resident growth.
fn measure_open(path: &Path) -> (f64, u64, usize) {
    let mut runs: Vec<(f64, u64, usize)> = (0..3)
        .map(|_| {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--open-only", &path.display().to_string()])
                .output()
                .unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            let line = text.lines().last().unwrap_or_default().to_owned();
            let mut it = line.split(' ');
            (
                it.next().unwrap().parse().unwrap(),
                it.next().unwrap().parse().unwrap(),
                it.next().unwrap().parse().unwrap(),
            )
        })
        .collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    runs[1]
}

/// Imports `set`, closes, reopens (in a fresh process, for the figures, then here).
fn import_and_reopen(label: &str, set: &EvidenceSet, path: &Path) -> DurableEvidence {
    let t = Instant::now();
    {
        let store = DurableEvidence::open(path).unwrap();
        store.import(set).unwrap();
    }
    let import = t.elapsed();
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    let (open, resident, n) = measure_open(path);
    println!(
        "{label}: {n} consents; import in one transaction {:.2} s; file {:.0} MiB ({:.0} bytes per consent)",
        import.as_secs_f64(),
        mib(size),
        size as f64 / n as f64
    );
    println!(
        "  open, in a fresh process (every page's checksum verified, index rebuilt): {open:.2} s = {:.2} s per million consents; resident +{:.1} MiB = {:.0} bytes per consent",
        open * 1e6 / n as f64,
        mib(resident),
        resident as f64 / n as f64
    );
    DurableEvidence::open(path).unwrap()
}

fn synthetic(n: usize) -> EvidenceSet {
    let granted = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let scopes: Vec<Scope> = ["US", "SG", "DE", "GB"]
        .iter()
        .flat_map(|d| {
            ["personal", "personal.contact", "personal.sensitive.health"]
                .iter()
                .map(move |c| {
                    Scope::new(
                        [c.parse().unwrap()],
                        d.parse().unwrap(),
                        [Operation::Transfer, Operation::Store].into(),
                    )
                    .unwrap()
                })
        })
        .collect();
    let consents = (0..n)
        .map(|i| {
            Consent::new(
                format!("c{i}").parse().unwrap(),
                format!("u{}", i * 2 / 3).parse().unwrap(),
                ConsentKind::Express,
                scopes[i % scopes.len()].clone(),
                granted,
            )
            .unwrap()
        })
        .collect();
    EvidenceSet {
        consents,
        ..EvidenceSet::default()
    }
}

fn consent(i: usize) -> Consent {
    Consent::new(
        format!("w{i}").parse().unwrap(),
        format!("wu{i}").parse().unwrap(),
        ConsentKind::Express,
        Scope::new(
            ["personal".parse().unwrap()],
            "US".parse().unwrap(),
            [Operation::Transfer].into(),
        )
        .unwrap(),
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    )
    .unwrap()
}

fn per_second(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--open-only") {
        open_only(&args[i + 1]);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    print_header("durable evidence", quick);

    // 1. cb-1's population.
    let pop = generate();
    let v = Vocab::new();
    let memory = load(&pop, &v);
    let set = memory.export();
    let cb1_path = scratch("cb1.redb");
    let durable = import_and_reopen("cb-1 population", &set, &cb1_path);
    assert_eq!(
        durable.export(),
        set,
        "the reopened store holds what was imported"
    );

    // 4. Decisions, memory vs durable, same run, interleaved passes.
    let pack = PackLoader::new()
        .file_name("benches/cb1/cb1-pack.toml")
        .load_toml(include_str!("cb1/cb1-pack.toml"))
        .unwrap();
    let engine = Engine::builder().pack(pack).build().unwrap();
    let transfers: Vec<Transfer> = pop
        .requests
        .iter()
        .enumerate()
        .map(|(i, r)| build_transfer(&engine, &pop, &v, i, r))
        .collect();
    let digest = |store: &dyn Evidence| {
        fnv1a(
            transfers
                .iter()
                .map(|t| u8::from(engine.evaluate(t, store).is_allowed())),
        )
    };
    assert_eq!(digest(&memory), EXPECTED_DIGEST);
    assert_eq!(digest(&durable), EXPECTED_DIGEST);
    let overhead = timer_overhead(100_000);
    let passes = if quick { 3 } else { 30 };
    let (mut m, mut d) = (Vec::new(), Vec::new());
    for _ in 0..passes {
        for (store, out) in [
            (&memory as &dyn Evidence, &mut m),
            (&durable as &dyn Evidence, &mut d),
        ] {
            for t in &transfers {
                let a = Instant::now();
                let x = engine.evaluate(black_box(t), store).is_allowed();
                let b = Instant::now();
                black_box(x);
                out.push(((b - a).as_nanos() as u64).saturating_sub(overhead));
            }
        }
    }
    let (m, d) = (stats(&mut m), stats(&mut d));
    println!(
        "cb-1 decisions (digest {EXPECTED_DIGEST:016x} from both): memory median {} ns, p99 {} ns; durable median {} ns, p99 {} ns; durable / memory = {:.3} (median)",
        m.median,
        m.p99,
        d.median,
        d.p99,
        d.median as f64 / m.median.max(1) as f64
    );
    drop(durable);

    // 3. Writes.
    let n_single = if quick { 100 } else { 1_000 };
    let path = scratch("writes.redb");
    let store = DurableEvidence::open(&path).unwrap();
    let t = Instant::now();
    for i in 0..n_single {
        store.grant(consent(i)).unwrap();
    }
    let grants = t.elapsed();
    let at = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let t = Instant::now();
    for i in 0..n_single {
        store
            .withdraw(&format!("w{i}").parse().unwrap(), at)
            .unwrap();
    }
    let withdrawals = t.elapsed();
    let batch = 1_000;
    let batches = if quick { 2 } else { 10 };
    let t = Instant::now();
    for b in 0..batches {
        store
            .transaction(|tx| {
                for i in 0..batch {
                    tx.grant(consent(n_single + b * batch + i))?;
                }
                Ok(())
            })
            .unwrap();
    }
    let batched_grants = t.elapsed();
    let t = Instant::now();
    for b in 0..batches {
        store
            .transaction(|tx| {
                for i in 0..batch {
                    tx.withdraw(
                        &format!("w{}", n_single + b * batch + i).parse().unwrap(),
                        at,
                    )?;
                }
                Ok(())
            })
            .unwrap();
    }
    let batched_withdrawals = t.elapsed();
    println!(
        "writes, each durable before it returns: {:.0} grants/s, {:.0} withdrawals/s; in transactions of {batch}: {:.0} grants/s, {:.0} withdrawals/s",
        per_second(n_single, grants),
        per_second(n_single, withdrawals),
        per_second(batch * batches, batched_grants),
        per_second(batch * batches, batched_withdrawals)
    );
    drop(store);

    // 2. A million consents.
    if !quick {
        let big = synthetic(1_000_000);
        let path = scratch("million.redb");
        let store = import_and_reopen("1,000,000 consents", &big, &path);
        drop(big);
        assert_eq!(store.counts().0, 1_000_000);
        drop(store);
        let _ = std::fs::remove_file(&path);
    }
    let _ = std::fs::remove_file(&cb1_path);
    let _ = std::fs::remove_file(scratch("writes.redb"));
}
