//! The durable store: what returned `Ok` survives a restart and a SIGKILL; damage, foreign
//! files and a second process are refused with an error naming the file; readers see writes
//! whole; the threshold trial of issue 13 gives the same answer after a restart.

use std::io::{BufRead, BufReader, Write as _};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crossborder::evidence::{DurableEvidence, EvidenceSet};
use crossborder::{
    DataItem, Effect, Evidence, MemoryEvidence, Operation, OperationSet, Party, StoreErrorKind,
    Transfer,
};

use crate::support::writes::{Rng, apply_durable, apply_model, write_at};
use crate::support::{self, t};

/// A fresh directory for one test's files.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cb-durable-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Applies writes `from..to` of `seed` to both.
fn run(model: &mut MemoryEvidence, store: &DurableEvidence, seed: u64, from: u64, to: u64) {
    for i in from..to {
        let w = write_at(seed, i);
        let a = apply_model(model, &w).map_err(|e| e.kind());
        let b = apply_durable(store, &w).map_err(|e| e.kind());
        assert_eq!(a, b, "write {i}: {w:?}");
    }
}

#[test]
fn what_returned_ok_is_there_after_a_restart() {
    let d = dir("restart");
    let path = d.join("evidence.redb");
    let mut model = MemoryEvidence::new();
    {
        let store = DurableEvidence::open(&path).unwrap();
        run(&mut model, &store, 7, 1, 300);
        assert_eq!(store.export(), model.export());
    }
    let store = DurableEvidence::open(&path).unwrap();
    let (consents, approvals, certifications) = store.counts();
    assert!(consents > 50 && approvals > 10 && certifications > 10);
    assert_eq!(store.export(), model.export());
    // And it keeps going where it stopped.
    run(&mut model, &store, 7, 300, 400);
    drop(store);
    assert_eq!(
        DurableEvidence::open(&path).unwrap().export(),
        model.export()
    );
    std::fs::remove_dir_all(&d).unwrap();
}

/// The trial that opened issue 13: 90,000 individuals exported this year, then an act of
/// 20,000 more crosses PIPL's 100,000 threshold — after a restart too.
#[test]
fn the_volume_ledger_survives_a_restart() {
    let d = dir("ledger");
    let path = d.join("evidence.redb");
    let engine = support::engine(&["cn-pipl"]);
    let exporter = Party::new("acme-cn".parse().unwrap()).established_in("CN".parse().unwrap());
    let act = |n: u64, day: u32| -> Transfer {
        Transfer::builder()
            .operation(Operation::Transfer)
            .destination("US".parse().unwrap())
            // A legal basis that is not one of Order 16's exempt scenarios: the volume decides.
            .purpose("public_disclosed".parse().unwrap())
            .data(DataItem::bulk(
                ["personal.contact".parse().unwrap()],
                "CN".parse().unwrap(),
                0,
                n,
            ))
            .exporter(exporter.clone())
            .at(t(2026, 3, day))
            .build(&engine)
            .unwrap()
    };
    {
        let store = DurableEvidence::open(&path)
            .unwrap()
            .checked_by(engine.clone());
        let first = act(90_000, 1);
        assert!(engine.evaluate(&first, &store).is_allowed());
        store.record(&engine, &first).unwrap();
        let next = act(20_000, 2);
        let decision = engine.evaluate(&next, &store);
        assert_eq!(decision.effect(), Effect::Deny, "{decision}");
    }
    let reopened = DurableEvidence::open(&path).unwrap();
    let next = act(20_000, 2);
    let decision = engine.evaluate(&next, &reopened);
    assert_eq!(decision.effect(), Effect::Deny, "{decision}");
    assert!(
        decision
            .deciding_rules()
            .any(|r| r.rule_id() == "general-2026"),
        "{decision}"
    );
    // A store that forgot the ledger would have allowed it.
    assert!(
        engine
            .evaluate(&act(20_000, 2), &MemoryEvidence::new())
            .is_allowed()
    );
    drop(reopened);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_withdrawal_survives_a_restart() {
    let d = dir("withdrawal");
    let path = d.join("evidence.redb");
    let engine = support::engine(&["cn-pledge-2015"]);
    let transfer = support::act(
        Operation::Transfer,
        "US",
        support::data_of(
            support::subject("u-42"),
            &["personal.sensitive.health"],
            "CN",
        ),
        support::party("acme-cn"),
        t(2026, 3, 1),
    )
    .build(&engine)
    .unwrap();
    {
        let store = DurableEvidence::open(&path).unwrap();
        store
            .grant(support::consent(
                "c-1",
                "u-42",
                crossborder::ConsentKind::Express,
                support::scope(&["personal.sensitive.health"], "US", OperationSet::all()),
                t(2026, 1, 1),
            ))
            .unwrap();
        assert!(engine.evaluate(&transfer, &store).is_allowed());
        store
            .withdraw(&"c-1".parse().unwrap(), t(2026, 2, 1))
            .unwrap();
    }
    let store = DurableEvidence::open(&path).unwrap();
    let decision = engine.evaluate(&transfer, &store);
    assert!(!decision.is_allowed());
    assert!(
        decision
            .explain(&store)
            .to_string()
            .contains("withdrawn at 2026-02-01T00:00:00Z")
    );
    drop(store);
    std::fs::remove_dir_all(&d).unwrap();
}

fn written_store(d: &Path) -> PathBuf {
    let path = d.join("evidence.redb");
    let store = DurableEvidence::open(&path).unwrap();
    run(&mut MemoryEvidence::new(), &store, 11, 1, 200);
    path
}

#[test]
fn damage_and_foreign_files_are_refused_naming_the_file() {
    let d = dir("damage");
    let path = written_store(&d);
    let bytes = std::fs::read(&path).unwrap();
    let refused = |name: &str, content: &[u8]| {
        let p = d.join(name);
        std::fs::write(&p, content).unwrap();
        let e = DurableEvidence::open(&p).unwrap_err();
        assert!(e.to_string().contains(name), "{e}");
        (e.kind(), e.to_string())
    };
    // Truncated: at half, and inside the header.
    for (name, len) in [("half.redb", bytes.len() / 2), ("header.redb", 100)] {
        let (kind, msg) = refused(name, &bytes[..len]);
        assert_eq!(kind, StoreErrorKind::Damaged, "{msg}");
    }
    // Corrupted: a byte changed in every page after the header.
    let mut corrupt = bytes.clone();
    for i in (4096..corrupt.len()).step_by(4096) {
        corrupt[i + 200] ^= 0x5a;
    }
    let (kind, msg) = refused("corrupt.redb", &corrupt);
    assert_eq!(kind, StoreErrorKind::Damaged, "{msg}");
    // Not a store at all, and a redb database of some other program.
    let (kind, msg) = refused("notes.redb", b"these are my notes\n");
    assert_eq!(kind, StoreErrorKind::Damaged);
    assert!(msg.contains("is not an evidence store"), "{msg}");
    let other = d.join("other.redb");
    {
        let db = redb::Database::create(&other).unwrap();
        let w = db.begin_write().unwrap();
        {
            let table: redb::TableDefinition<'_, &str, u64> = redb::TableDefinition::new("visits");
            w.open_table(table).unwrap().insert("home", 1).unwrap();
        }
        w.commit().unwrap();
    }
    let e = DurableEvidence::open(&other).unwrap_err();
    assert_eq!(e.kind(), StoreErrorKind::Damaged);
    assert!(e.to_string().contains("another program"), "{e}");
    // The original still opens, untouched by all this.
    assert!(DurableEvidence::open(&path).unwrap().counts().0 > 0);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_second_opener_is_told_the_store_is_locked() {
    let d = dir("locked");
    let path = d.join("evidence.redb");
    let store = DurableEvidence::open(&path).unwrap();
    let e = DurableEvidence::open(&path).unwrap_err();
    assert_eq!(e.kind(), StoreErrorKind::Locked);
    assert!(e.to_string().contains("evidence.redb"), "{e}");
    assert!(e.to_string().contains("locked by another process"), "{e}");
    drop(store);
    DurableEvidence::open(&path).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn readers_see_a_transaction_whole() {
    let d = dir("atomic");
    let store = DurableEvidence::open(d.join("evidence.redb")).unwrap();
    let subject: crossborder::SubjectId = "u-1".parse().unwrap();
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut seen = std::collections::BTreeSet::new();
            for _ in 0..2_000 {
                let mut n = 0;
                store.consents(&subject, &mut |_| {
                    n += 1;
                    ControlFlow::Continue(())
                });
                seen.insert(n);
            }
            seen
        });
        for round in 0..20 {
            store
                .transaction(|tx| {
                    for k in 0..10 {
                        tx.grant(support::consent(
                            &format!("c-{round}-{k}"),
                            "u-1",
                            crossborder::ConsentKind::Express,
                            support::scope(&["personal"], "US", OperationSet::all()),
                            t(2026, 1, 1),
                        ))?;
                    }
                    Ok(())
                })
                .unwrap();
        }
        let seen = reader.join().unwrap();
        assert!(
            seen.iter().all(|n| n % 10 == 0),
            "a reader saw part of a transaction: {seen:?}"
        );
    });
    assert_eq!(store.counts().0, 200);
    drop(store);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn import_export_and_erasure() {
    let d = dir("erase");
    let path = d.join("evidence.redb");
    let set = EvidenceSet::from_json_lines(concat!(
        r#"{"consent": {"id": "c-1", "subject": "u-1", "kind": "express", "granted_at": "2026-01-01T00:00:00Z", "withdrawn_at": "2026-02-01T00:00:00Z", "scope": {"categories": ["personal"], "destinations": ["US"], "operations": ["transfer"]}}}"#, "\n",
        r#"{"consent": {"id": "c-2", "subject": "u-2", "kind": "express", "granted_at": "2026-01-01T00:00:00Z", "scope": {"categories": ["personal"], "destinations": ["US"], "operations": ["transfer"]}}}"#, "\n",
        r#"{"ledger": {"exporter": "acme", "counter": "cn-general", "at": "2026-01-05T00:00:00Z", "subject": "u-1"}}"#, "\n",
        r#"{"ledger": {"exporter": "acme", "counter": "cn-general", "at": "2026-01-06T00:00:00Z", "subject": "u-2"}}"#, "\n",
    ))
    .unwrap();
    {
        let store = DurableEvidence::open(&path).unwrap();
        store.import(&set).unwrap();
        assert_eq!(store.export(), set);
        // All or nothing: a duplicate anywhere refuses the whole import.
        let e = store.import(&set).unwrap_err();
        assert_eq!(e.kind(), StoreErrorKind::DuplicateId);
        assert_eq!(store.export(), set);
        let erased = store.erase_subject(&"u-1".parse().unwrap()).unwrap();
        assert_eq!((erased.consents, erased.ledger_entries), (1, 1));
    }
    let store = DurableEvidence::open(&path).unwrap();
    let after = store.export();
    assert_eq!(after.consents.len(), 1);
    assert!(after.consents.iter().all(|c| c.subject().as_str() == "u-2"));
    // The exporter's count is unchanged; the ledger no longer names u-1.
    assert_eq!(after.ledger.len(), 2);
    let text = format!("{after:?}");
    assert!(!text.contains("\"u-1\""), "{text}");
    assert!(text.contains("~erased~1"), "{text}");
    // The pseudonym travels as `erased` in JSON lines and reads back as the same set.
    let mut lines = Vec::new();
    after.write_json_lines(&mut lines).unwrap();
    let lines = String::from_utf8(lines).unwrap();
    assert!(lines.contains(r#""erased":1"#), "{lines}");
    assert!(!lines.contains("u-1"), "{lines}");
    assert_eq!(EvidenceSet::from_json_lines(&lines).unwrap(), after);
    // No host subject can take a pseudonym's name, so no later person is counted as one.
    let e = EvidenceSet::from_json_lines(
        r#"{"ledger": {"exporter": "acme", "counter": "cn-general", "at": "2026-01-07T00:00:00Z", "subject": "~erased~2"}}"#,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("reserved for the pseudonyms of erased subjects"),
        "{e}"
    );
    drop(store);
    std::fs::remove_dir_all(&d).unwrap();
}

// ---- the kill test ---------------------------------------------------------------------

const CHILD: &str = "CROSSBORDER_KILL_CHILD";
const WRITES_PER_CHILD: u64 = 24;
const SEED: u64 = 0x00C0_FFEE;

/// The child's side: open the store, apply writes `from..` and acknowledge each on stdout once
/// it returned; then wait to be killed.
fn child(spec: &str) {
    let mut parts = spec.split(';');
    let path = PathBuf::from(parts.next().unwrap());
    let from: u64 = parts.next().unwrap().parse().unwrap();
    let store = DurableEvidence::open(&path).unwrap();
    let mut out = std::io::stdout().lock();
    writeln!(out, "open").unwrap();
    out.flush().unwrap();
    for i in from..from + WRITES_PER_CHILD {
        let ok = apply_durable(&store, &write_at(SEED, i)).is_ok();
        writeln!(out, "ack {i} {ok}").unwrap();
        out.flush().unwrap();
    }
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

/// Every acknowledged write survives SIGKILL, and every write is wholly there or absent: a
/// child process applies writes and acknowledges each; the parent kills it at a random
/// moment (before it opened the store, mid-write, between writes), reopens the store, and
/// checks it holds exactly the first n writes, where n is the acknowledged count or one more
/// (the write in flight). 200 kills by default; `CROSSBORDER_KILL_CYCLES` sets another number.
#[test]
fn every_acknowledged_write_survives_a_kill() {
    if let Ok(spec) = std::env::var(CHILD) {
        child(&spec);
        return;
    }
    let cycles: u64 = std::env::var("CROSSBORDER_KILL_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let d = dir("kill");
    let path = d.join("evidence.redb");
    let exe = std::env::current_exe().unwrap();
    let mut model = MemoryEvidence::new();
    let mut applied = 0u64; // the store holds writes 0..applied
    let mut rng = Rng::new(42);
    let mut in_flight_landed = 0;
    for cycle in 0..cycles {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "durable::every_acknowledged_write_survives_a_kill",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, format!("{};{applied}", path.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill before it opened the store, or after 0..WRITES_PER_CHILD acknowledgements.
        let wait_for = rng.below(WRITES_PER_CHILD + 2);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut acked = Vec::new();
        let parse_ack = |line: &str| -> Option<(u64, bool)> {
            let mut it = line.strip_prefix("ack ")?.split(' ');
            Some((it.next()?.parse().ok()?, it.next()? == "true"))
        };
        while (acked.len() as u64) + 1 < wait_for {
            let Some(Ok(line)) = lines.next() else { break };
            if line == "open" && cycle % 50 == 1 {
                // While the child holds the store, another process cannot open it.
                let e = DurableEvidence::open(&path).unwrap_err();
                assert_eq!(e.kind(), StoreErrorKind::Locked, "{e}");
            }
            acked.extend(parse_ack(&line));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Acknowledgements the child printed before the signal arrived count too.
        acked.extend(lines.map_while(Result::ok).filter_map(|l| parse_ack(&l)));
        // The model after the acknowledged writes, checked answer by answer.
        for &(i, ok) in &acked {
            assert_eq!(i, applied, "acknowledged in order");
            let got = apply_model(&mut model, &write_at(SEED, i)).is_ok();
            assert_eq!(got, ok, "write {i}: the store and the model disagree");
            applied += 1;
        }
        let store = DurableEvidence::open(&path)
            .unwrap_or_else(|e| panic!("cycle {cycle}: the store does not reopen: {e}"));
        let held = store.export();
        if held != model.export() {
            // The write in flight may have landed, whole.
            let w = write_at(SEED, applied);
            apply_model(&mut model, &w).unwrap_or_else(|e| {
                panic!("cycle {cycle}: the store holds more than was acknowledged, and write {applied} ({w:?}) was refused: {e}")
            });
            let want = model.export();
            assert!(
                held == want,
                "cycle {cycle}: the store holds neither the {applied} acknowledged writes nor one more: {} consents, {} approvals, {} certifications, {} ledger entries held; {}, {}, {}, {} expected",
                held.consents.len(),
                held.approvals.len(),
                held.certifications.len(),
                held.ledger.len(),
                want.consents.len(),
                want.approvals.len(),
                want.certifications.len(),
                want.ledger.len()
            );
            applied += 1;
            in_flight_landed += 1;
        }
        drop(store);
    }
    let store = DurableEvidence::open(&path).unwrap();
    println!(
        "kill test: {cycles} kills, {applied} writes survived ({in_flight_landed} in flight when killed, whole), {} consents held",
        store.counts().0
    );
    assert!(
        applied > cycles,
        "the children wrote: {applied} writes in {cycles} cycles"
    );
    drop(store);
    std::fs::remove_dir_all(&d).unwrap();
}
