//! The durable store answers as the memory store does: after any sequence of writes (refusals
//! included), and again after it is closed and reopened, the two hold the same evidence and
//! give the same decision — effect, rules, evidence ids, missing sets, near misses — on every
//! act of a grid.
//!
//! Each case writes a file, so this property runs at most 2,000 cases whatever
//! `CROSSBORDER_PROPTEST_CASES` asks (files go to `/dev/shm` where it exists, to keep fsyncs
//! off the disk).

#[path = "../it/support/writes.rs"]
mod writes;

use chrono::{TimeZone, Utc};
use crossborder::evidence::DurableEvidence;
use crossborder::{
    DataItem, Engine, Evidence, MemoryEvidence, Operation, Party, Role, Subject, Transfer,
};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn config() -> Config {
    let mut c = super::config();
    c.cases = c.cases.min(2_000);
    c
}

fn scratch() -> std::path::PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("cb-props-durable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every act of a grid the writes' evidence bears on: each subject, to each destination, by
/// each exporter, single and bulk, for two purposes.
fn grid(engine: &Engine) -> Vec<Transfer> {
    let mut out = Vec::new();
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 6, 0, 0).unwrap();
    for u in 0..12 {
        for (k, dest) in ["US", "SG", "DE"].into_iter().enumerate() {
            let data = if u == 11 {
                DataItem::bulk(
                    ["personal.contact".parse().unwrap()],
                    "CN".parse().unwrap(),
                    0,
                    200,
                )
            } else {
                DataItem::of_subject(
                    Subject::new(format!("u{u}").parse().unwrap())
                        .resident_in("DE".parse().unwrap())
                        .located_at_collection("CN".parse().unwrap()),
                    [[
                        "personal.contact",
                        "personal.sensitive.health",
                        "personal.contact",
                    ][k]
                        .parse()
                        .unwrap()],
                    "CN".parse().unwrap(),
                )
            };
            let b = Transfer::builder()
                .operation([Operation::Transfer, Operation::Store, Operation::Process][u % 3])
                .destination(dest.parse().unwrap())
                .data(data)
                .exporter(
                    Party::new(format!("p{}", u % 4).parse().unwrap())
                        .established_in("CN".parse().unwrap()),
                )
                .recipient(
                    Party::new(format!("p{}", (u + 1) % 4).parse().unwrap())
                        .established_in(dest.parse().unwrap())
                        .with_role(Role::Controller),
                )
                .at(at);
            out.push(b.build(engine).unwrap());
        }
    }
    out
}

fn same_decisions(
    engine: &Engine,
    a: &impl Evidence,
    b: &impl Evidence,
) -> Result<(), TestCaseError> {
    for t in grid(engine) {
        let da = engine.evaluate(&t, a).explain(a);
        let db = engine.evaluate(&t, b).explain(b);
        prop_assert_eq!(da, db, "act {}", t);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_durable_store_answers_as_the_memory_store(seed in any::<u64>(), n in 1u64..60) {
        let engine = Engine::builder().enable("cn-pipl").enable("eu-gdpr").build().unwrap();
        let path = scratch().join(format!("{seed:016x}-{n}.redb"));
        let _ = std::fs::remove_file(&path);
        let mut model = MemoryEvidence::new();
        {
            let store = DurableEvidence::open(&path).unwrap();
            for i in 0..n {
                let w = writes::write_at(seed, i);
                let a = writes::apply_model(&mut model, &w).map_err(|e| e.kind());
                let b = writes::apply_durable(&store, &w).map_err(|e| e.kind());
                prop_assert_eq!(a, b, "write {}: {:?}", i, w);
            }
            prop_assert_eq!(store.export(), model.export());
            same_decisions(&engine, &model, &store)?;
        }
        let reopened = DurableEvidence::open(&path).unwrap();
        prop_assert_eq!(reopened.export(), model.export());
        same_decisions(&engine, &model, &reopened)?;
        drop(reopened);
        std::fs::remove_file(&path).unwrap();
    }
}
