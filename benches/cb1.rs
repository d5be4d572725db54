//! Benchmark workload cb-1 (described in `benches/cb1/README.md`) on crossborder.
//!
//! `cargo bench --bench cb1` (full run) or `cargo bench --bench cb1 -- --quick` (short run).
//!
//! 1. Generates the cb-1 population (the generator, draw for draw as cb-1 specifies, lives in
//!    `benches/cb1/workload.rs`) and asserts the population counts.
//! 2. Loads rules R1-R3 from the pack `benches/cb1/cb1-pack.toml` (TOML, through `PackLoader`).
//! 3. Loads the population into a `MemoryEvidence` store, timing it and measuring the resident
//!    set (RSS from `/proc/self/statm`, before and after) per consent.
//! 4. Builds the 10,000 transfers (not timed), evaluates them, asserts the decision digest
//!    `9b3b8ff02455ab3c`, the rule mix and the bases against a plain-Rust reference evaluator
//!    (which also checks, per request, the id of the evidence that satisfied each rule).
//! 5. Times `Engine::evaluate` per call (single thread, timer overhead subtracted), the
//!    reference evaluator the same way, explanation rendering (text and JSON) separately, and
//!    batch throughput on one and two threads; prints a table with the machine and the date.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "bench code"
)]

#[path = "cb1/measure.rs"]
mod measure;
use measure::{Stats, cpu_model, print_header, stats, timer_overhead};

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossborder::decision::{RuleResult, Verdict};
use crossborder::{Decision, Engine, MemoryEvidence, Operation, PackLoader, Transfer};

// The cb-1 workload (vocabulary, generator, native store, plain-Rust reference, digest) and the
// crossborder side (vocabulary mapping, evidence loading, `Transfer` building): one copy under
// `benches/cb1/`, shared with the comparison binary in `compare/` (which includes the same two
// files under the same module names).
#[path = "cb1/load.rs"]
mod load;
#[path = "cb1/workload.rs"]
mod workload;

use load::{Vocab, build_transfer, fill_transfer, handles, load};
use workload::{
    ADEQUATE, Basis, CN, EEA, EXPECTED_DIGEST, NConsent, Outcome, Population, SCC, SENSITIVE, US,
    fnv1a, generate, reference,
};

// ---------------------------------------------------------------------------------------------
// The engine against the reference: outcomes, mix, basis counts.

/// The engine's decision in the reference's terms (evidence ids parsed back to numbers).
fn outcome_of(d: &Decision<'_>) -> Outcome {
    let ev_num = |r: &RuleResult<'_>, prefix: &str| -> u32 {
        let e = r.evidence();
        assert_eq!(e.len(), 1, "one piece of evidence expected: {e:?}");
        e[0].id()
            .as_str()
            .strip_prefix(prefix)
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unexpected evidence id {:?}", e[0].id()))
    };
    let mut o = Outcome {
        allow: d.is_allowed(),
        r1: None,
        r2: None,
        r3: false,
    };
    for r in d.rules() {
        let basis = match (r.verdict(), r.alternative()) {
            (Verdict::Unmet, _) => Basis::Unmet,
            (Verdict::Satisfied, Some("consent")) => Basis::Consent(ev_num(&r, "c-")),
            (Verdict::Satisfied, Some("cn-route-approval")) => Basis::CnApproval(ev_num(&r, "a-")),
            (Verdict::Satisfied, Some("adequacy")) => {
                assert!(r.evidence().is_empty());
                Basis::Adequacy
            }
            (Verdict::Satisfied, Some("us-dpf")) => Basis::Dpf(ev_num(&r, "dpf-")),
            (Verdict::Satisfied, Some("scc")) => Basis::Scc(ev_num(&r, "a-")),
            (Verdict::Prohibited, _) => {
                assert_eq!(r.rule_id(), "r3-australia");
                o.r3 = true;
                continue;
            }
            other => panic!("unexpected outcome {other:?} of rule {}", r.rule_id()),
        };
        match r.rule_id() {
            "r1-china" => o.r1 = Some(basis),
            "r2-gdpr-resident" | "r2-gdpr-collected" => {
                assert!(o.r2.is_none(), "the two R2 rules are disjoint");
                o.r2 = Some(basis);
            }
            other => panic!("unexpected rule {other}"),
        }
    }
    assert_eq!(
        d.no_rule_applies(),
        o.r1.is_none() && o.r2.is_none() && !o.r3
    );
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    o
}

/// The mix the spec prints, counted from outcomes.
#[derive(Debug, Default, PartialEq, Eq)]
struct Mix {
    allowed: u32,
    r1: u32,
    r2: u32,
    r3: u32,
    none: u32,
    deny_r1: u32,
    deny_r2: u32,
    deny_r3: u32,
    r1_consent: u32,
    r1_approval: u32,
    r2_adequacy: u32,
    r2_dpf: u32,
    r2_scc: u32,
    r2_consent: u32,
}

/// The spec's allowed / applies / denied-by counts.
const EXPECTED_COUNTS: [u32; 8] = [5_317, 2_872, 3_969, 321, 3_418, 2_377, 2_309, 321];

impl Mix {
    fn counts(&self) -> [u32; 8] {
        [
            self.allowed,
            self.r1,
            self.r2,
            self.r3,
            self.none,
            self.deny_r1,
            self.deny_r2,
            self.deny_r3,
        ]
    }
}

/// The spec's "satisfied by" counts: R1 by consent, by CN-route approval; R2 by adequacy,
/// US+DPF, SCC, consent. They overlap: R1 allows 495 requests but 429 and 81 add up to 510;
/// R2 allows 1,660 but its four add up to 1,983. Each counts the requests where the rule
/// applies and that basis holds, whether or not an earlier basis also holds.
const EXPECTED_HOLDS: [u32; 6] = [429, 81, 884, 310, 128, 661];

/// Per basis, how many requests the rule applies to and the basis holds (overlapping).
fn holds(pop: &Population) -> [u32; 6] {
    let mut h = [0u32; 6];
    for r in &pop.requests {
        let s = &pop.subjects[&r.subject];
        let approvals = &pop.exporters[&r.exporter];
        let consent = s.consents.iter().any(|c| c.covers(r));
        if r.collected_in == CN && SENSITIVE.contains(&r.category) && r.destination != CN {
            h[0] += u32::from(consent);
            h[1] += u32::from(approvals.iter().any(|a| {
                a.mechanism != SCC
                    && a.categories.contains(&r.category)
                    && a.destinations.contains(&r.destination)
                    && a.valid_at(r.at)
            }));
        }
        if (EEA.contains(&s.residence) || EEA.contains(&r.collected_in))
            && !EEA.contains(&r.destination)
        {
            h[2] += u32::from(ADEQUATE.contains(&r.destination));
            h[3] += u32::from(r.destination == US && pop.recipients[&r.recipient]);
            h[4] += u32::from(approvals.iter().any(|a| {
                a.mechanism == SCC && a.destinations.contains(&r.destination) && a.valid_at(r.at)
            }));
            h[5] += u32::from(consent);
        }
    }
    h
}

fn mix(outcomes: &[Outcome]) -> Mix {
    let mut m = Mix::default();
    for o in outcomes {
        m.allowed += u32::from(o.allow);
        m.r3 += u32::from(o.r3);
        m.deny_r3 += u32::from(o.r3);
        if o.r1.is_none() && o.r2.is_none() && !o.r3 {
            m.none += 1;
        }
        if let Some(b) = o.r1 {
            m.r1 += 1;
            match b {
                Basis::Unmet => m.deny_r1 += 1,
                Basis::Consent(_) => m.r1_consent += 1,
                Basis::CnApproval(_) => m.r1_approval += 1,
                other => panic!("R1 satisfied by {other:?}"),
            }
        }
        if let Some(b) = o.r2 {
            m.r2 += 1;
            match b {
                Basis::Unmet => m.deny_r2 += 1,
                Basis::Adequacy => m.r2_adequacy += 1,
                Basis::Dpf(_) => m.r2_dpf += 1,
                Basis::Scc(_) => m.r2_scc += 1,
                Basis::Consent(_) => m.r2_consent += 1,
                Basis::CnApproval(_) => panic!("R2 satisfied by a CN route"),
            }
        }
    }
    m
}

fn print_mix(who: &str, m: &Mix) {
    println!(
        "  {who}: allowed {} / 10,000; applies R1 {}, R2 {}, R3 {}, none {}; denied by R1 {}, R2 {}, R3 {}",
        m.allowed, m.r1, m.r2, m.r3, m.none, m.deny_r1, m.deny_r2, m.deny_r3
    );
    println!(
        "  {who}, first satisfying basis: R1 consent {} / approval {}; R2 adequacy {}, US+DPF {}, SCC {}, consent {}",
        m.r1_consent, m.r1_approval, m.r2_adequacy, m.r2_dpf, m.r2_scc, m.r2_consent
    );
}

// ---------------------------------------------------------------------------------------------
// Measurement helpers.

/// Resident set size in bytes, from `/proc/self/statm` (pages of 4 KiB).
fn rss_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = s.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Times `f(i)` for every i in 0..n, `passes` times; returns samples (ns, overhead subtracted)
/// in call order, so sample k belongs to request k % n.
fn per_call(n: usize, passes: usize, overhead: u64, mut f: impl FnMut(usize) -> u8) -> Vec<u64> {
    let mut samples = Vec::with_capacity(n * passes);
    for _ in 0..passes {
        for i in 0..n {
            let i = black_box(i);
            let a = Instant::now();
            let x = f(i);
            let b = Instant::now();
            black_box(x);
            samples.push(((b - a).as_nanos() as u64).saturating_sub(overhead));
        }
    }
    samples
}

fn median_duration(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (eval_passes, render_passes, batch_passes, batch_reps) =
        if quick { (3, 1, 3, 3) } else { (100, 3, 30, 7) };
    print_header("cb-1", quick);
    let nproc = std::thread::available_parallelism().map_or(0, usize::from);
    let date = DateTime::<Utc>::from(std::time::SystemTime::now());

    // 1. Population.
    let t = Instant::now();
    let pop = generate();
    let gen_time = t.elapsed();
    let consents: Vec<&NConsent> = (0..100_000u32)
        .flat_map(|i| pop.subjects[&i].consents.iter())
        .collect();
    let withdrawn = consents.iter().filter(|c| c.withdrawn_at.is_some()).count();
    let non_express = consents.iter().filter(|c| !c.express).count();
    let approvals: usize = pop.exporters.values().map(Vec::len).sum();
    println!(
        "\npopulation (generated in {:.1} ms):",
        gen_time.as_secs_f64() * 1e3
    );
    println!(
        "  {} subjects, {} consents ({} withdrawn, {} non-express), {} exporters, {} approvals, {} recipients, {} requests",
        pop.subjects.len(),
        consents.len(),
        withdrawn,
        non_express,
        pop.exporters.len(),
        approvals,
        pop.recipients.len(),
        pop.requests.len()
    );
    assert_eq!(pop.subjects.len(), 100_000);
    assert_eq!(consents.len(), 150_605);
    assert_eq!(withdrawn, 30_011);
    assert_eq!(non_express, 15_139);
    assert_eq!(pop.exporters.len(), 200);
    assert_eq!(approvals, 206);
    assert_eq!(pop.recipients.len(), 1_000);
    assert_eq!(pop.requests.len(), 10_000);
    println!("  population counts: OK (match cb-1)");

    // Reference decisions: check the generator against the spec's mix and digest, independent
    // of the engine.
    let expected: Vec<Outcome> = pop.requests.iter().map(|r| reference(&pop, r)).collect();
    let ref_digest = fnv1a(expected.iter().map(|o| u8::from(o.allow)));
    let ref_mix = mix(&expected);
    print_mix("reference", &ref_mix);
    println!("  reference digest {ref_digest:016x}");
    assert_eq!(ref_digest, EXPECTED_DIGEST, "generator or reference rules");
    assert_eq!(
        ref_mix.counts(),
        EXPECTED_COUNTS,
        "generator or reference rules"
    );
    let ref_holds = holds(&pop);
    println!(
        "  reference, basis holds where the rule applies (the spec's overlapping \"satisfied by\" counts): R1 consent {} / approval {}; R2 adequacy {}, US+DPF {}, SCC {}, consent {}",
        ref_holds[0], ref_holds[1], ref_holds[2], ref_holds[3], ref_holds[4], ref_holds[5]
    );
    assert_eq!(ref_holds, EXPECTED_HOLDS, "generator or reference rules");
    println!("  population, digest and mix of the reference: OK (match cb-1)");

    // 2. The pack.
    let pack = PackLoader::new()
        .file_name("benches/cb1/cb1-pack.toml")
        .load_toml(include_str!("cb1/cb1-pack.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let engine = Engine::builder().pack(pack).build().unwrap();
    println!("\nengine: pack cb1, {} rules", engine.rule_count());

    // 3. Evidence.
    let v = Vocab::new();
    let rss0 = rss_bytes();
    let t = Instant::now();
    let store = load(&pop, &v);
    let load_time = t.elapsed();
    let rss1 = rss_bytes();
    let (nc, na, ncert) = store.counts();
    assert_eq!((nc, na), (150_605, 206));
    let resident = rss0.zip(rss1).map(|(a, b)| b.saturating_sub(a));
    println!(
        "evidence: {nc} consents, {na} approvals, {ncert} certifications loaded in {:.1} ms ({:.0} ns per consent)",
        load_time.as_secs_f64() * 1e3,
        load_time.as_nanos() as f64 / nc as f64
    );
    if let Some(r) = resident {
        println!(
            "  resident: +{:.1} MiB RSS (/proc/self/statm before/after the load) = {:.0} bytes per consent (everything in the store, divided by the consents)",
            r as f64 / 1048576.0,
            r as f64 / nc as f64
        );
    }

    // 4. Transfers (not timed), decisions, digest, mix.
    let t = Instant::now();
    let transfers: Vec<Transfer> = pop
        .requests
        .iter()
        .enumerate()
        .map(|(i, r)| build_transfer(&engine, &pop, &v, i, r))
        .collect();
    let build_time = t.elapsed();
    let got: Vec<Outcome> = transfers
        .iter()
        .map(|t| outcome_of(&engine.evaluate(t, &store)))
        .collect();
    let digest = fnv1a(got.iter().map(|o| u8::from(o.allow)));
    let got_mix = mix(&got);
    println!("\ndecisions (engine):");
    print_mix("crossborder", &got_mix);
    println!("  decision digest {digest:016x} (expected {EXPECTED_DIGEST:016x})");
    let disagree: Vec<usize> = (0..got.len()).filter(|&i| got[i] != expected[i]).collect();
    for &i in disagree.iter().take(5) {
        println!(
            "  request {i}: engine {:?}, reference {:?}\n{}",
            got[i],
            expected[i],
            engine.evaluate(&transfers[i], &store)
        );
    }
    assert!(
        disagree.is_empty(),
        "{} requests decided differently from the reference",
        disagree.len()
    );
    assert_eq!(digest, EXPECTED_DIGEST);
    assert_eq!(got_mix.counts(), EXPECTED_COUNTS);
    assert_eq!(got_mix, ref_mix);
    println!(
        "  digest, mix, and per-request bases and evidence ids: OK (identical to the reference on all 10,000)"
    );

    // 5. Timing.
    let n = transfers.len();
    // `--spin SECS`: only evaluate the mix in a loop for SECS seconds (for a profiler), then stop.
    let args: Vec<String> = std::env::args().collect();
    if let Some(secs) = args
        .iter()
        .position(|a| a == "--spin")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse::<f64>().ok())
    {
        // `--end-to-end`: each request refilled from the catalog's handles, then evaluated.
        let end_to_end = args.iter().any(|a| a == "--end-to-end");
        // `--reference`: the plain-Rust reference instead (its instruction count, for ratios).
        let reference_only = args.iter().any(|a| a == "--reference");
        let h = handles(&engine, &pop, &v);
        let mut buffer = transfers[0].clone();
        let start = Instant::now();
        let mut passes = 0u64;
        while start.elapsed().as_secs_f64() < secs {
            if reference_only {
                for r in &pop.requests {
                    black_box(reference(&pop, black_box(r)).allow);
                }
            } else if end_to_end {
                for r in &pop.requests {
                    fill_transfer(&h, black_box(r), &mut buffer);
                    black_box(engine.evaluate(&buffer, &store).is_allowed());
                }
            } else {
                for t in &transfers {
                    black_box(engine.evaluate(black_box(t), &store).is_allowed());
                }
            }
            passes += 1;
        }
        println!("\nspun {passes} passes over the mix in {secs} s");
        return;
    }
    let overhead = timer_overhead(if quick { 100_000 } else { 1_000_000 });
    println!("\ntimer overhead (two back-to-back Instant::now(), median): {overhead} ns");

    // Warm up.
    for t in &transfers {
        black_box(engine.evaluate(t, &store).is_allowed());
    }
    let mut eval = per_call(n, eval_passes, overhead, |i| {
        let d = engine.evaluate(&transfers[i], &store);
        u8::from(d.is_allowed())
    });
    // Per-path medians, from the unsorted samples.
    let mut by_path = split_by_path(&eval, &expected);
    let eval_stats = stats(&mut eval);

    // The same against a snapshot of the store: no read lock per evidence look-up.
    let snapshot_view = store.snapshot();
    let mut snap_samples = per_call(n, eval_passes, overhead, |i| {
        let d = engine.evaluate(&transfers[i], &snapshot_view);
        u8::from(d.is_allowed())
    });
    let snap_stats = stats(&mut snap_samples);
    drop(snapshot_view);

    let mut reference_samples = per_call(n, eval_passes, overhead, |i| {
        u8::from(reference(&pop, &pop.requests[i]).allow)
    });
    let ref_stats = stats(&mut reference_samples);

    // End to end, the fast request form: the request's handles (registered once, like the
    // evidence) refilled into one reusable transfer, then evaluated.
    let h = handles(&engine, &pop, &v);
    let mut buffer = transfers[0].clone();
    for (i, r) in pop.requests.iter().enumerate() {
        fill_transfer(&h, r, &mut buffer);
        // The same effect, bases and evidence ids as the builder form, request by request.
        assert_eq!(
            outcome_of(&engine.evaluate(&buffer, &store)),
            got[i],
            "request {i}: the catalog form decides as the builder form"
        );
    }
    let mut e2e = per_call(n, eval_passes, overhead, |i| {
        fill_transfer(&h, &pop.requests[i], &mut buffer);
        u8::from(engine.evaluate(&buffer, &store).is_allowed())
    });
    let mut e2e_by_path = split_by_path(&e2e, &expected);
    let e2e_stats = stats(&mut e2e);
    let mut slow_e2e = per_call(n, render_passes, overhead, |i| {
        let t = build_transfer(&engine, &pop, &v, i, &pop.requests[i]);
        u8::from(engine.evaluate(&t, &store).is_allowed())
    });
    let slow_e2e_stats = stats(&mut slow_e2e);

    let mut build_samples = per_call(n, render_passes, overhead, |i| {
        let t = build_transfer(&engine, &pop, &v, i, &pop.requests[i]);
        u8::from(t.operation() == Operation::Store)
    });
    let build_stats = stats(&mut build_samples);

    let decisions: Vec<Decision<'_>> = transfers
        .iter()
        .map(|t| engine.evaluate(t, &store))
        .collect();
    let mut text = per_call(n, render_passes, overhead, |i| {
        (decisions[i].to_string().len() % 251) as u8
    });
    let text_stats = stats(&mut text);
    let mut json = per_call(n, render_passes, overhead, |i| {
        (serde_json::to_string(&decisions[i]).unwrap().len() % 251) as u8
    });
    let json_stats = stats(&mut json);
    drop(decisions);

    // Batch throughput: one thread over all requests, then two threads over one half each,
    // both reading a snapshot of the store (the documented batch pattern: no lock per look-up).
    let snapshot = store.snapshot();
    let batch = |ts: &[Transfer]| {
        let mut allowed = 0u32;
        for _ in 0..batch_passes {
            for t in ts {
                allowed += u32::from(engine.evaluate(black_box(t), &snapshot).is_allowed());
            }
        }
        black_box(allowed)
    };
    let single = median_duration(
        (0..batch_reps)
            .map(|_| {
                let t = Instant::now();
                batch(&transfers);
                t.elapsed()
            })
            .collect(),
    );
    let (left, right) = transfers.split_at(n / 2);
    let double = median_duration(
        (0..batch_reps)
            .map(|_| {
                let t = Instant::now();
                std::thread::scope(|s| {
                    s.spawn(|| batch(left));
                    s.spawn(|| batch(right));
                });
                t.elapsed()
            })
            .collect(),
    );
    // The batch call: `Engine::evaluate_many` (one store view per batch) on one thread, and
    // `Engine::evaluate_parallel` on two, straight on the store (no snapshot taken by the host).
    let many = |threads: usize| {
        median_duration(
            (0..batch_reps)
                .map(|_| {
                    // No shared counter: a cache line written by both threads on every
                    // decision would measure contention, not the engine.
                    let t = Instant::now();
                    for _ in 0..batch_passes {
                        engine.evaluate_parallel(&transfers, &store, threads, |_, d| {
                            black_box(d.is_allowed());
                        });
                    }
                    t.elapsed()
                })
                .collect(),
        )
    };
    let steal_before = cpu_ticks();
    let many_single = many(1);
    let many_double = many(2);
    // The same, as interleaved pairs (one thread, then two, back to back): this VM's speed
    // drifts between the medians above, so the ratio is taken per pair.
    let mut pair_ratios: Vec<f64> = (0..batch_reps.max(5))
        .map(|_| {
            let one = many_once(&engine, &transfers, &store, batch_passes, 1);
            let two = many_once(&engine, &transfers, &store, batch_passes, 2);
            one.as_secs_f64() / two.as_secs_f64()
        })
        .collect();
    pair_ratios.sort_by(f64::total_cmp);
    // How much of the two vCPUs the hypervisor gave to others meanwhile (`steal` in
    // /proc/stat): a thread row measured while time was stolen understates the scaling.
    let steal = steal_before
        .zip(cpu_ticks())
        .map(|((t0, s0), (t1, s1))| (s1 - s0) as f64 / (t1 - t0).max(1) as f64);
    let total = (n * batch_passes) as f64;
    let single_rate = total / single.as_secs_f64();
    let double_rate = total / double.as_secs_f64();
    let many_single_rate = total / many_single.as_secs_f64();
    let many_double_rate = total / many_double.as_secs_f64();
    let per_call_rate = 1e9 / eval_stats.mean;

    println!(
        "\ncb-1 results ({} CPUs, {}, {})",
        nproc,
        cpu_model(),
        date.format("%Y-%m-%d")
    );
    println!(
        "| measurement | samples | median ns | p99 ns | mean ns | decisions/s |\n|---|---:|---:|---:|---:|---:|"
    );
    let row = |name: &str, samples: usize, s: &Stats, rate: Option<f64>| {
        println!(
            "| {name} | {samples} | {} | {} | {:.0} | {} |",
            s.median,
            s.p99,
            s.mean,
            rate.map_or("".to_owned(), |r| format!("{r:.0}"))
        );
    };
    row(
        "END TO END: native request -> catalog fill -> evaluate (full decision)",
        n * eval_passes,
        &e2e_stats,
        Some(1e9 / e2e_stats.mean),
    );
    for (name, samples) in [
        "  of which: no rule applies",
        "  of which: allowed by a rule",
        "  of which: denied",
    ]
    .into_iter()
    .zip(e2e_by_path.iter_mut())
    {
        let len = samples.len();
        let s = stats(samples);
        row(name, len, &s, None);
    }
    row(
        "end to end, string form: build Transfer from the native request -> evaluate",
        n * render_passes,
        &slow_e2e_stats,
        Some(1e9 / slow_e2e_stats.mean),
    );
    row(
        "crossborder evaluate only, Transfer prepared beforehand (path A)",
        n * eval_passes,
        &eval_stats,
        Some(per_call_rate),
    );
    for (name, samples) in [
        "  of which: no rule applies",
        "  of which: allowed by a rule",
        "  of which: denied",
    ]
    .into_iter()
    .zip(by_path.iter_mut())
    {
        let len = samples.len();
        let s = stats(samples);
        row(name, len, &s, None);
    }
    row(
        "crossborder evaluate against `store.snapshot()` (no lock per look-up)",
        n * eval_passes,
        &snap_stats,
        Some(1e9 / snap_stats.mean),
    );
    row(
        "plain-Rust reference (native HashMap store, no explanations)",
        n * eval_passes,
        &ref_stats,
        Some(1e9 / ref_stats.mean),
    );
    row(
        "build Transfer from a native request (host side, not in evaluate)",
        n * render_passes,
        &build_stats,
        None,
    );
    row(
        "render explanation: text (to_string)",
        n * render_passes,
        &text_stats,
        None,
    );
    row(
        "render explanation: JSON (serde_json::to_string)",
        n * render_passes,
        &json_stats,
        None,
    );
    println!(
        "| batch, 1 thread ({batch_passes} passes, median of {batch_reps}) | {} | | | {:.0} | {single_rate:.0} |",
        n * batch_passes,
        1e9 / single_rate
    );
    println!(
        "| batch, 2 threads (std::thread::scope, halves, one store snapshot) | {} | | | | {double_rate:.0} ({:.2}x of 1 thread) |",
        n * batch_passes,
        double_rate / single_rate
    );
    println!(
        "| `Engine::evaluate_many` on the store, 1 thread (one store view per batch) | {} | | | {:.0} | {many_single_rate:.0} ({:.2}x of single calls) |",
        n * batch_passes,
        1e9 / many_single_rate,
        many_single_rate / per_call_rate
    );
    println!(
        "| `Engine::evaluate_parallel` on the store, 2 threads | {} | | | | {many_double_rate:.0} ({:.2}x of 1 thread) |",
        n * batch_passes,
        many_double_rate / many_single_rate
    );
    println!(
        "| `evaluate_parallel` 2 threads / 1 thread, interleaved pairs | {} pairs | | | | {:.2}x median ({:.2}x-{:.2}x) |",
        pair_ratios.len(),
        pair_ratios[pair_ratios.len() / 2],
        pair_ratios[0],
        pair_ratios[pair_ratios.len() - 1]
    );
    println!(
        "\nCPU time stolen by the hypervisor during the two `evaluate_parallel` rows and the pairs: {}",
        steal.map_or("unknown (no /proc/stat)".to_owned(), |f| format!(
            "{:.1} %",
            f * 100.0
        ))
    );
    println!(
        "\nratios, same run: end to end / reference median {:.2}x, p99 {:.2}x; evaluate only / reference median {:.2}x; end-to-end p99 / median {:.2}x",
        e2e_stats.median as f64 / ref_stats.median as f64,
        e2e_stats.p99 as f64 / ref_stats.p99 as f64,
        eval_stats.median as f64 / ref_stats.median as f64,
        e2e_stats.p99 as f64 / e2e_stats.median as f64
    );
    println!(
        "\nload: {:.1} ms for {nc} consents + {na} approvals + {ncert} certifications; {}; transfers built in {:.1} ms (outside timing)",
        load_time.as_secs_f64() * 1e3,
        resident.map_or("RSS unavailable".to_owned(), |r| format!(
            "{:.0} resident bytes per consent (RSS delta)",
            r as f64 / nc as f64
        )),
        build_time.as_secs_f64() * 1e3
    );
    println!(
        "per-call figures: each sample times evaluate + reading the effect + dropping the decision, minus the {overhead} ns timer overhead; decisions/s = 1e9 / mean"
    );
}

/// One timed run of `passes` passes of `Engine::evaluate_parallel` on `threads` threads.
fn many_once(
    engine: &Engine,
    transfers: &[Transfer],
    store: &MemoryEvidence,
    passes: usize,
    threads: usize,
) -> std::time::Duration {
    let t = Instant::now();
    for _ in 0..passes {
        engine.evaluate_parallel(transfers, store, threads, |_, d| {
            black_box(d.is_allowed());
        });
    }
    t.elapsed()
}

/// All CPUs' total and stolen ticks so far (the `cpu` line of /proc/stat), if readable.
fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    let steal = *ticks.get(7)?;
    Some((ticks.iter().sum(), steal))
}

/// Per-call samples (request order, pass after pass) split by outcome: no rule applies,
/// allowed by a rule, denied.
fn split_by_path(samples: &[u64], expected: &[Outcome]) -> [Vec<u64>; 3] {
    let mut by_path: [Vec<u64>; 3] = Default::default();
    for (k, s) in samples.iter().enumerate() {
        let o = &expected[k % expected.len()];
        let path = if o.r1.is_none() && o.r2.is_none() && !o.r3 {
            0
        } else if o.allow {
            1
        } else {
            2
        };
        by_path[path].push(*s);
    }
    by_path
}
