//! Measurement helpers shared by the `cb1` and `scale` benches: timer overhead, per-sample
//! statistics, the CPU model for report headers.

use std::time::Instant;

/// Median cost of two back-to-back `Instant::now()` calls, in ns.
pub(crate) fn timer_overhead(n: usize) -> u64 {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let a = Instant::now();
        let b = Instant::now();
        v.push((b - a).as_nanos() as u64);
    }
    v.sort_unstable();
    v[v.len() / 2]
}

/// Median, 99th percentile and mean of a set of samples, in ns.
pub(crate) struct Stats {
    pub(crate) median: u64,
    pub(crate) p99: u64,
    pub(crate) mean: f64,
}

/// Sorts `samples` and summarises them.
pub(crate) fn stats(samples: &mut [u64]) -> Stats {
    samples.sort_unstable();
    let n = samples.len();
    Stats {
        median: samples[n / 2],
        p99: samples[(n * 99 / 100).min(n - 1)],
        mean: samples.iter().sum::<u64>() as f64 / n as f64,
    }
}

/// The CPU model from `/proc/cpuinfo`, for report headers.
pub(crate) fn cpu_model() -> String {
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

/// Prints a report's first lines: what runs, on which machine, when, quick or full.
pub(crate) fn print_header(what: &str, quick: bool) {
    let nproc = std::thread::available_parallelism().map_or(0, usize::from);
    let date = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    println!("{what} on crossborder {}", env!("CARGO_PKG_VERSION"));
    println!(
        "machine: {nproc} CPUs (nproc), {}; {}; {} run",
        cpu_model(),
        date.format("%Y-%m-%d %H:%M UTC"),
        if quick { "quick" } else { "full" }
    );
}
