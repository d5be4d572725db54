//! Auditing a data lake with SQL: which of a year's acts were unlawful, by rule and destination.
//!
//! ```sh
//! cd datafusion
//! cargo run --release --example lake -- generate 10000000 target/lake   # the Parquet log
//! cargo run --release --example lake -- audit target/lake               # the SQL report
//! cargo run --release --example lake -- decide target/lake              # every row's decision
//! ```
//!
//! `generate ROWS DIR` writes `DIR/access_log.parquet` (Acme Retail's year: `ROWS` acts over
//! seven regimes, see `world.rs`), the evidence snapshot `DIR/evidence.jsonl` and the engine's
//! configuration `DIR/engine.json` (what the PySpark job ships to its executors).
//! `audit DIR` registers `crossborder_decide` and runs the audit query below, printing the
//! unlawful acts grouped by deciding rule and destination, and the throughput.
//! `plan DIR` prints the audit query's plan. `decide DIR` writes every row's decision (`transfer_id`, `effect`, `rules`, `explanation`,
//! `error`) to `DIR/decisions-datafusion.parquet`, which the tests compare with the Rust batch
//! and the PySpark job.

mod queries;
mod world;

use queries::{ACT, audit_sql, decide_sql};

use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crossborder::MemoryEvidence;
use crossborder::evidence::EvidenceSet;
use crossborder_datafusion::Decide;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::prelude::{ParquetReadOptions, SessionContext};

/// Customers per market, whatever the log's size (so subjects repeat, as in a real log).
const CUSTOMERS: u64 = 20_000;
const BATCH_ROWS: usize = 65_536;

fn generate(rows: u64, dir: &Path) -> Result<(), Box<dyn Error>> {
    std::fs::create_dir_all(dir)?;
    let started = Instant::now();
    let path = dir.join("access_log.parquet");
    let file = std::fs::File::create(&path)?;
    let first = world::batch(0, 0, rows, CUSTOMERS);
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(1 << 20))
        .build();
    let mut writer = ArrowWriter::try_new(file, first.schema(), Some(props))?;
    let mut at = 0u64;
    while at < rows {
        let n = usize::try_from((rows - at).min(BATCH_ROWS as u64))?;
        writer.write(&world::batch(at, n, rows, CUSTOMERS))?;
        at += n as u64;
    }
    writer.close()?;
    std::fs::write(dir.join("evidence.jsonl"), world::evidence_jsonl(CUSTOMERS))?;
    std::fs::write(dir.join("engine.json"), world::engine_json())?;
    let size = std::fs::metadata(&path)?.len();
    println!(
        "wrote {rows} acts to {} ({:.1} MB) in {:.1} s, with evidence.jsonl and engine.json",
        path.display(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A session over `dir`'s log with `crossborder_decide` registered.
async fn session(dir: &Path, explain_denials: bool) -> Result<SessionContext, Box<dyn Error>> {
    let engine = Arc::new(world::engine()?);
    let evidence = MemoryEvidence::new();
    evidence.import(&EvidenceSet::from_json_lines(&std::fs::read_to_string(
        dir.join("evidence.jsonl"),
    )?)?)?;
    // Without the optimizer rules that would decide every row once per field the query reads
    // (`LAKE_DEFAULT_OPTIMIZER=1` keeps them, to see the difference).
    let ctx = if std::env::var_os("LAKE_DEFAULT_OPTIMIZER").is_some() {
        SessionContext::new()
    } else {
        SessionContext::new_with_state(crossborder_datafusion::session_state(
            SessionStateBuilder::new(),
        ))
    };
    ctx.register_udf(
        Decide::new(engine, Arc::new(evidence))
            .explain_denials(explain_denials)
            .into_udf(),
    );
    let log = dir.join("access_log.parquet");
    ctx.register_parquet(
        "access_log",
        log.to_str().ok_or("the log's path is not UTF-8")?,
        ParquetReadOptions::default(),
    )
    .await?;
    Ok(ctx)
}

async fn audit(dir: &Path) -> Result<(), Box<dyn Error>> {
    // Counting needs no explanations: leave them out.
    let ctx = session(dir, false).await?;
    let total = ctx.table("access_log").await?.count().await?;
    let started = Instant::now();
    let report = ctx.sql(&audit_sql()).await?.collect().await?;
    let took = started.elapsed().as_secs_f64();
    println!("{}", pretty_format_batches(&report)?);
    let started = Instant::now();
    let effects = ctx
        .sql(&format!(
            "SELECT coalesce(d['effect'], 'error') AS effect, count(*) AS acts \
             FROM (SELECT crossborder_decide({ACT}) AS d FROM access_log) \
             GROUP BY 1 ORDER BY 1"
        ))
        .await?
        .collect()
        .await?;
    let took_effects = started.elapsed().as_secs_f64();
    println!("{}", pretty_format_batches(&effects)?);
    println!(
        "audit query: {total} acts in {took:.2} s ({:.2} M acts/s); effect counts: {took_effects:.2} s \
         ({:.2} M acts/s); {} threads",
        total as f64 / took / 1e6,
        total as f64 / took_effects / 1e6,
        ctx.state().config().target_partitions()
    );
    Ok(())
}

async fn decide(dir: &Path) -> Result<(), Box<dyn Error>> {
    let ctx = session(dir, true).await?;
    let out = dir.join("decisions-datafusion.parquet");
    let started = Instant::now();
    ctx.sql(&decide_sql())
        .await?
        .write_parquet(
            out.to_str().ok_or("the output path is not UTF-8")?,
            DataFrameWriteOptions::new().with_single_file_output(true),
            None,
        )
        .await?;
    println!(
        "wrote every act's decision to {} in {:.1} s",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The audit query's physical plan: where `crossborder_decide` runs, and how many times.
async fn plan(dir: &Path) -> Result<(), Box<dyn Error>> {
    let ctx = session(dir, false).await?;
    let plan = ctx
        .sql(&format!("EXPLAIN {}", audit_sql()))
        .await?
        .collect()
        .await?;
    println!("{}", pretty_format_batches(&plan)?);
    Ok(())
}

const USAGE: &str =
    "usage: lake generate ROWS DIR | lake audit DIR | lake decide DIR | lake plan DIR";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["generate", rows, dir] => {
            let rows: u64 = rows
                .replace('_', "")
                .parse()
                .map_err(|_| format!("ROWS must be a whole number, not `{rows}`; {USAGE}"))?;
            generate(rows, &PathBuf::from(dir))
        }
        ["audit", dir] => audit(Path::new(dir)).await,
        ["decide", dir] => decide(Path::new(dir)).await,
        ["plan", dir] => plan(Path::new(dir)).await,
        _ => Err(USAGE.into()),
    }
}
