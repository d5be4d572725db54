//! cb-1 side by side: crossborder vs Cedar (cedar-policy 4.14) vs Rego (regorus 0.14, RVM and
//! interpreter), in one process and one run, single-threaded.
//!
//! `cargo run --release --bin cb1-compare` inside `compare/` (`-- --quick` for a short run;
//! `-- --passes-fast N --passes-slow M` to set how many passes over the 10,000 requests the
//! sub-microsecond paths and the engine paths get; defaults 30 and 3; `-- --check` to check
//! the decisions of every engine and path and stop, as CI does).
//!
//! 1. Generates the cb-1 workload once (generator and reference shared with `benches/cb1.rs`,
//!    in `../benches/cb1/workload.rs`), checks the population counts and the reference digest
//!    `9b3b8ff02455ab3c`.
//! 2. crossborder: the pack `../benches/cb1/cb1-pack.toml`, the population loaded into a
//!    `MemoryEvidence`, one `Transfer` per request, and a `Catalog` of the request vocabulary.
//! 3. Decides all 10,000 requests with every engine, compares each decision with crossborder's
//!    and prints the digest per engine.
//! 4. Times each engine per call (timer overhead subtracted): path A = evaluation alone on an
//!    input prepared beforehand; path B = end to end from the native store (look-ups, host
//!    pre-processing, input building, evaluation); path B-res = the store loaded into the
//!    engine once, per request only the request built (crossborder's headline: catalog
//!    handles refilled into one `Transfer`; regorus: the store as `data`). Prints a markdown
//!    table with ratios to crossborder end to end (and, for path A, to its evaluation alone),
//!    then interleaved rounds.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "benchmark harness: any failure should stop the run loudly"
)]

// The cb-1 workload and the crossborder loading, shared with `benches/cb1.rs` (one copy, under
// `benches/cb1/`); the module names match the bench's so `crate::workload` resolves in both.
#[path = "../../benches/cb1/load.rs"]
mod load;
#[path = "../../benches/cb1/workload.rs"]
mod workload;

mod cedar;
mod rego;

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Utc};
use crossborder::{Engine, PackLoader, Transfer};

use workload::{EXPECTED_DIGEST, Population, fnv1a, generate, reference};

/// The cb-1 pack, the same file `benches/cb1.rs` loads.
const PACK: &str = include_str!("../../benches/cb1/cb1-pack.toml");

const CEDAR_VERSION: &str = "cedar-policy 4.14.1";
const REGORUS_VERSION: &str = "regorus 0.14.1";

// ---------------------------------------------------------------------------------------------
// Measurement helpers (same method as `benches/cb1.rs`).

/// Median cost of two back-to-back `Instant::now()` calls, in ns.
fn timer_overhead(n: usize) -> u64 {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let a = Instant::now();
        let b = Instant::now();
        v.push((b - a).as_nanos() as u64);
    }
    v.sort_unstable();
    v[v.len() / 2]
}

struct Stats {
    samples: usize,
    median: u64,
    p99: u64,
    mean: f64,
}

impl Stats {
    fn rate(&self) -> f64 {
        1e9 / self.mean
    }
}

fn stats(mut samples: Vec<u64>) -> Stats {
    samples.sort_unstable();
    let n = samples.len();
    Stats {
        samples: n,
        median: samples[n / 2],
        p99: samples[(n * 99 / 100).min(n - 1)],
        mean: samples.iter().sum::<u64>() as f64 / n as f64,
    }
}

/// Times `f(i)` for every request i, `passes` times (after one untimed warm-up pass); samples
/// in ns with the timer overhead subtracted.
fn per_call(n: usize, passes: usize, overhead: u64, mut f: impl FnMut(usize) -> bool) -> Stats {
    for i in 0..n {
        black_box(f(black_box(i)));
    }
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
    stats(samples)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn arg_usize(args: &[String], name: &str) -> Option<usize> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
}

/// Compares an engine's decisions with crossborder's; prints the digest and any mismatch.
fn check(name: &str, got: &[bool], expected: &[bool]) -> usize {
    let digest = fnv1a(got.iter().map(|&a| u8::from(a)));
    let allowed = got.iter().filter(|&&a| a).count();
    let mismatches: Vec<usize> = (0..got.len()).filter(|&i| got[i] != expected[i]).collect();
    println!(
        "  {name:<40} digest {digest:016x} {} | allowed {allowed:>5} / {} | mismatches vs crossborder: {}",
        if digest == EXPECTED_DIGEST {
            "(= cb-1)"
        } else {
            "(!= cb-1)"
        },
        got.len(),
        mismatches.len()
    );
    for &i in mismatches.iter().take(20) {
        println!(
            "    request {i}: {name} {}, crossborder {}",
            if got[i] { "allow" } else { "deny" },
            if expected[i] { "allow" } else { "deny" }
        );
    }
    mismatches.len()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let passes_fast = arg_usize(&args, "--passes-fast").unwrap_or(if quick { 3 } else { 30 });
    let passes_slow = arg_usize(&args, "--passes-slow").unwrap_or(if quick { 1 } else { 3 });
    let nproc = std::thread::available_parallelism().map_or(0, usize::from);
    let date = DateTime::<Utc>::from(std::time::SystemTime::now());
    let machine = format!(
        "{nproc} CPUs (nproc), {}, {}",
        cpu_model(),
        date.format("%Y-%m-%d %H:%M UTC")
    );
    println!(
        "cb-1 compare: crossborder {} vs {CEDAR_VERSION} vs {REGORUS_VERSION}",
        crossborder_version()
    );
    println!(
        "machine: {machine}; single thread; passes: {passes_fast} (crossborder, reference), {passes_slow} (Cedar, regorus)"
    );

    // 1. Workload.
    let t = Instant::now();
    let pop = generate();
    let consents: usize = pop.subjects.values().map(|s| s.consents.len()).sum();
    let withdrawn: usize = pop
        .subjects
        .values()
        .flat_map(|s| &s.consents)
        .filter(|c| c.withdrawn_at.is_some())
        .count();
    let non_express: usize = pop
        .subjects
        .values()
        .flat_map(|s| &s.consents)
        .filter(|c| !c.express)
        .count();
    let approvals: usize = pop.exporters.values().map(Vec::len).sum();
    println!(
        "\nworkload (generated in {:.0} ms): {} subjects, {consents} consents ({withdrawn} withdrawn, {non_express} non-express), {} exporters, {approvals} approvals, {} recipients, {} requests",
        t.elapsed().as_secs_f64() * 1e3,
        pop.subjects.len(),
        pop.exporters.len(),
        pop.recipients.len(),
        pop.requests.len()
    );
    assert_eq!(
        (pop.subjects.len(), consents, withdrawn, non_express),
        (100_000, 150_605, 30_011, 15_139)
    );
    assert_eq!(
        (
            pop.exporters.len(),
            approvals,
            pop.recipients.len(),
            pop.requests.len()
        ),
        (200, 206, 1_000, 10_000)
    );
    let reference_decisions: Vec<bool> = pop
        .requests
        .iter()
        .map(|r| reference(&pop, r).allow)
        .collect();
    let ref_digest = fnv1a(reference_decisions.iter().map(|&a| u8::from(a)));
    assert_eq!(ref_digest, EXPECTED_DIGEST, "generator or reference rules");
    println!("  population counts and reference digest {ref_digest:016x}: OK (match cb-1)");

    // 2. Engines, prepared once (not timed per call).
    let t = Instant::now();
    let pack = PackLoader::new()
        .file_name("../benches/cb1/cb1-pack.toml")
        .load_toml(PACK)
        .unwrap_or_else(|e| panic!("{e}"));
    let engine = Engine::builder().pack(pack).build().unwrap();
    let vocab = load::Vocab::new();
    let store = load::load(&pop, &vocab);
    let transfers: Vec<Transfer> = build_transfers(&engine, &pop, &vocab);
    println!(
        "\ncrossborder: pack cb1 ({} rules), evidence store loaded, transfers built in {:.0} ms",
        engine.rule_count(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let cedar = cedar::CedarSide::new().unwrap_or_else(|e| panic!("Cedar policy: {e}"));
    println!(
        "Cedar: policy set parsed ({} policies) in {:.2} ms",
        cedar.policies.policies().count(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let interned = rego::Interned::new();
    let t = Instant::now();
    let mut interp = rego::interpreter().unwrap_or_else(|e| panic!("Rego policy: {e}"));
    let t_interp = t.elapsed();
    let t = Instant::now();
    let (mut vm, _program) = rego::rvm().unwrap_or_else(|e| panic!("Rego compile: {e}"));
    println!(
        "regorus: policy parsed in {:.2} ms; compiled for {} + RVM program in {:.2} ms",
        t_interp.as_secs_f64() * 1e3,
        rego::ENTRY,
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let mut vm_res =
        rego::rvm_res(interned.store(&pop)).unwrap_or_else(|e| panic!("Rego B-res: {e}"));
    println!(
        "regorus B-res: the store as `data` and {} compiled in {:.0} ms",
        rego::ENTRY_RES,
        t.elapsed().as_secs_f64() * 1e3
    );
    // crossborder's fast request form: handles registered once, one transfer refilled.
    let t = Instant::now();
    let handles = load::handles(&engine, &pop, &vocab);
    let mut buffer = transfers[0].clone();
    println!(
        "crossborder catalog: 100,000 subjects, 1,200 parties, places and categories registered in {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    // Inputs prepared beforehand, for path A.
    let t = Instant::now();
    let cedar_inputs: Vec<cedar::CedarInput> = pop
        .requests
        .iter()
        .map(|r| {
            cedar
                .build(&pop, r)
                .unwrap_or_else(|e| panic!("Cedar input: {e}"))
        })
        .collect();
    let cedar_build_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let rego_inputs: Vec<regorus::Value> = pop
        .requests
        .iter()
        .map(|r| interned.input(&pop, r))
        .collect();
    println!(
        "path-A inputs prepared: Cedar {cedar_build_ms:.0} ms, Rego {:.0} ms (10,000 each)",
        t.elapsed().as_secs_f64() * 1e3
    );

    // 3. Decisions, request by request.
    println!("\ndecisions on all 10,000 requests (compared with crossborder, request by request):");
    let cb_decisions: Vec<bool> = transfers
        .iter()
        .map(|t| engine.evaluate(t, &store).is_allowed())
        .collect();
    let cedar_decisions: Vec<bool> = cedar_inputs
        .iter()
        .enumerate()
        .map(|(i, x)| {
            cedar
                .decide_checked(x)
                .unwrap_or_else(|e| panic!("Cedar error on request {i}: {e}"))
        })
        .collect();
    let rvm_decisions: Vec<bool> = rego_inputs
        .iter()
        .enumerate()
        .map(|(i, x)| {
            rego::eval_rvm(&mut vm, x.clone())
                .unwrap_or_else(|e| panic!("RVM error on request {i}: {e}"))
        })
        .collect();
    let interp_decisions: Vec<bool> = rego_inputs
        .iter()
        .enumerate()
        .map(|(i, x)| {
            rego::eval_interpreter(&mut interp, x.clone())
                .unwrap_or_else(|e| panic!("interpreter error on request {i}: {e}"))
        })
        .collect();
    let mut mismatches = 0;
    mismatches += check(
        "crossborder (own evidence store)",
        &cb_decisions,
        &cb_decisions,
    );
    mismatches += check("plain-Rust reference", &reference_decisions, &cb_decisions);
    mismatches += check("Cedar, keys encoding", &cedar_decisions, &cb_decisions);
    mismatches += check("regorus RVM", &rvm_decisions, &cb_decisions);
    mismatches += check("regorus interpreter", &interp_decisions, &cb_decisions);
    // Path B builds its input afresh: check it decides the same (cheap, one pass).
    let mut b_mismatch = Vec::new();
    for (i, r) in pop.requests.iter().enumerate() {
        let c = cedar.decide(&cedar.build(&pop, r).unwrap());
        let v = rego::eval_rvm(&mut vm, interned.input(&pop, r)).unwrap();
        let tr = load::build_transfer(&engine, &pop, &vocab, i, r);
        let x = engine.evaluate(&tr, &store).is_allowed();
        let res = rego::eval_rvm(&mut vm_res, interned.request_input(r)).unwrap();
        load::fill_transfer(&handles, r, &mut buffer);
        let e2e = engine.evaluate(&buffer, &store).is_allowed();
        if [c, v, x, res, e2e].iter().any(|&d| d != cb_decisions[i]) {
            b_mismatch.push(i);
        }
    }
    println!(
        "  paths B and B-res (inputs built per call) decide the same as path A: {} mismatches {:?}",
        b_mismatch.len(),
        &b_mismatch[..b_mismatch.len().min(20)]
    );
    mismatches += b_mismatch.len();
    if mismatches == 0 {
        println!("  all engines: identical decisions on all 10,000 requests");
    } else {
        println!("  MISMATCHES: {mismatches} in total (see above)");
    }
    // `--check` (CI): the decisions only, no timing.
    if args.iter().any(|a| a == "--check") {
        std::process::exit(i32::from(mismatches != 0));
    }

    // 4. Timing.
    let n = pop.requests.len();
    let overhead = timer_overhead(if quick { 100_000 } else { 1_000_000 });
    println!(
        "\ntimer overhead (two back-to-back Instant::now(), median): {overhead} ns; timing..."
    );
    let mut rows: Vec<(String, Stats)> = Vec::new();
    let mut timed = |name: &str, s: Stats| {
        eprintln!("  {name}: median {} ns, p99 {} ns", s.median, s.p99);
        rows.push((name.to_owned(), s));
    };

    timed(
        "**crossborder, end to end (B-res): catalog handles -> refill one Transfer -> evaluate**",
        per_call(n, passes_fast, overhead, |i| {
            load::fill_transfer(&handles, &pop.requests[i], &mut buffer);
            engine.evaluate(&buffer, &store).is_allowed()
        }),
    );
    timed(
        "crossborder, end to end (B-res), string form: build Transfer -> evaluate",
        per_call(n, passes_fast, overhead, |i| {
            let t = load::build_transfer(&engine, &pop, &vocab, i, &pop.requests[i]);
            engine.evaluate(&t, &store).is_allowed()
        }),
    );
    timed(
        "crossborder, A: evaluate alone (Transfer built beforehand)",
        per_call(n, passes_fast, overhead, |i| {
            engine.evaluate(&transfers[i], &store).is_allowed()
        }),
    );
    timed(
        "plain-Rust reference (native HashMap store, no explanations)",
        per_call(n, passes_fast, overhead, |i| {
            reference(&pop, &pop.requests[i]).allow
        }),
    );
    timed(
        "Cedar keys, A: is_authorized alone",
        per_call(n, passes_slow, overhead, |i| cedar.decide(&cedar_inputs[i])),
    );
    timed(
        "Cedar keys, B: look-ups + pre-filter + key expansion + entities/context + is_authorized",
        per_call(n, passes_slow, overhead, |i| {
            cedar.decide(&cedar.build(&pop, &pop.requests[i]).unwrap())
        }),
    );
    timed(
        "Cedar keys, host part of B alone (build entities/context/request)",
        per_call(n, passes_slow, overhead, |i| {
            black_box(cedar.build(&pop, &pop.requests[i]).unwrap());
            true
        }),
    );
    timed(
        "regorus RVM, A: set_input + execute (input built beforehand; Arc clone)",
        per_call(n, passes_slow, overhead, |i| {
            rego::eval_rvm(&mut vm, rego_inputs[i].clone()).unwrap()
        }),
    );
    timed(
        "regorus RVM, B-res: request input (ids) + set_input + execute, store in `data`",
        per_call(n, passes_slow, overhead, |i| {
            rego::eval_rvm(&mut vm_res, interned.request_input(&pop.requests[i])).unwrap()
        }),
    );
    timed(
        "regorus RVM, B: look-ups + input document + set_input + execute",
        per_call(n, passes_slow, overhead, |i| {
            rego::eval_rvm(&mut vm, interned.input(&pop, &pop.requests[i])).unwrap()
        }),
    );
    timed(
        "regorus, host part of B alone (build the input document)",
        per_call(n, passes_slow, overhead, |i| {
            black_box(interned.input(&pop, &pop.requests[i]));
            true
        }),
    );
    timed(
        "regorus interpreter, A: set_input + eval_rule (input built beforehand)",
        per_call(n, passes_slow, overhead, |i| {
            rego::eval_interpreter(&mut interp, rego_inputs[i].clone()).unwrap()
        }),
    );
    timed(
        "regorus interpreter, B: look-ups + input document + set_input + eval_rule",
        per_call(n, passes_slow, overhead, |i| {
            rego::eval_interpreter(&mut interp, interned.input(&pop, &pop.requests[i])).unwrap()
        }),
    );

    // 5. The table.
    let cb_e2e = rows[0].1.median as f64;
    let cb_e2e_p99 = rows[0].1.p99 as f64;
    let cb_eval = rows[2].1.median as f64;
    println!(
        "\n### cb-1 side by side ({machine}; single thread; release build; one process, one run)\n"
    );
    println!(
        "crossborder {}, {CEDAR_VERSION}, {REGORUS_VERSION}. Per-call timing over the 10,000-request mix, timer overhead ({overhead} ns) subtracted; decisions/s = 1e9 / mean. Ratios: the row's median (p99) divided by crossborder's end-to-end median (p99), the headline for rows of paths B and B-res; and its median divided by crossborder's evaluate-alone median, for rows of path A.\n",
        crossborder_version()
    );
    println!(
        "| engine / path | samples | median ns | p99 ns | decisions/s | median ÷ cb end to end | p99 ÷ cb end to end | median ÷ cb evaluate (A) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, s) in &rows {
        println!(
            "| {name} | {} | {} | {} | {:.0} | {:.1}x | {:.1}x | {:.1}x |",
            s.samples,
            s.median,
            s.p99,
            s.rate(),
            s.median as f64 / cb_e2e,
            s.p99 as f64 / cb_e2e_p99,
            s.median as f64 / cb_eval
        );
    }
    println!(
        "\ndecision check: {} (digest {EXPECTED_DIGEST:016x} expected for every engine)",
        if mismatches == 0 {
            "all engines identical to crossborder on all 10,000 requests".to_owned()
        } else {
            format!("{mismatches} mismatches")
        }
    );
    if mismatches != 0 {
        std::process::exit(1);
    }

    // 6. Interleaved rounds: this VM's speed drifts within a run (the host's other tenants), so
    // the rows above, measured one after the other, can be minutes apart. Each round times one
    // pass of crossborder, Cedar B and regorus RVM B back to back; the ratios are per round.
    let rounds = arg_usize(&args, "--rounds").unwrap_or(if quick { 3 } else { 15 });
    let (mut cb_medians, mut cedar_ratios, mut rvm_ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut ref_ratios = Vec::new();
    for _ in 0..rounds {
        let cb = per_call(n, 1, overhead, |i| {
            load::fill_transfer(&handles, &pop.requests[i], &mut buffer);
            engine.evaluate(&buffer, &store).is_allowed()
        });
        let re = per_call(n, 1, overhead, |i| reference(&pop, &pop.requests[i]).allow);
        let ce = per_call(n, 1, overhead, |i| {
            cedar.decide(&cedar.build(&pop, &pop.requests[i]).unwrap())
        });
        let rv = per_call(n, 1, overhead, |i| {
            rego::eval_rvm(&mut vm_res, interned.request_input(&pop.requests[i])).unwrap()
        });
        let base = cb.median.max(1) as f64;
        cb_medians.push(cb.median);
        ref_ratios.push(base / re.median.max(1) as f64);
        cedar_ratios.push(ce.median as f64 / base);
        rvm_ratios.push(rv.median as f64 / base);
    }
    let mid = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0], v[v.len() - 1])
    };
    cb_medians.sort_unstable();
    let (c, c_lo, c_hi) = mid(&mut cedar_ratios);
    let (r, r_lo, r_hi) = mid(&mut rvm_ratios);
    let (f, f_lo, f_hi) = mid(&mut ref_ratios);
    println!(
        "\n### Interleaved rounds ({rounds} rounds; each: one pass of crossborder end to end, the plain reference, Cedar B, regorus RVM B-res, back to back)\n"
    );
    println!("| ratio, per round | median of rounds | range |");
    println!("|---|---:|---:|");
    println!("| Cedar keys B / crossborder end to end | {c:.1}x | {c_lo:.1}x-{c_hi:.1}x |");
    println!("| regorus RVM B-res / crossborder end to end | {r:.1}x | {r_lo:.1}x-{r_hi:.1}x |");
    println!("| crossborder end to end / plain reference | {f:.2}x | {f_lo:.2}x-{f_hi:.2}x |");
    println!(
        "\ncrossborder's end-to-end median per round: {} ns (median of rounds), {}-{} ns (range)",
        cb_medians[cb_medians.len() / 2],
        cb_medians[0],
        cb_medians[cb_medians.len() - 1]
    );
}

fn build_transfers(engine: &Engine, pop: &Population, vocab: &load::Vocab) -> Vec<Transfer> {
    pop.requests
        .iter()
        .enumerate()
        .map(|(i, r)| load::build_transfer(engine, pop, vocab, i, r))
        .collect()
}

fn crossborder_version() -> &'static str {
    "0.1.0 (path = \"..\")"
}
