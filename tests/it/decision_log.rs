//! The decision log: appends survive and verify; every kind of tampering is caught and named;
//! proofs hold and forged ones do not; a torn tail is refused until repaired; replay finds
//! changed decisions; a person's report holds only their acts, with proofs, and renders in a
//! real browser.

use std::path::{Path, PathBuf};

use crossborder::decision_log::{
    DecisionLog, LogRecord, SignedCheckpoint, SigningKey, SubjectReport, Verifier, replay,
};
use crossborder::{ConsentKind, Engine, LogErrorKind, MemoryEvidence, Operation, OperationSet};

use crate::support::{act, consent, data_of, engine, party, scope, subject, t};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cb-log-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Five subjects, consents for three (one withdrawn later), `n` acts to three destinations.
fn evidence() -> MemoryEvidence {
    let store = MemoryEvidence::new();
    for (id, who) in [("c-0", "u-0"), ("c-1", "u-1"), ("c-2", "u-2")] {
        store
            .grant(consent(
                id,
                who,
                ConsentKind::Express,
                scope(&["personal.sensitive.health"], "US,SG", OperationSet::all()),
                t(2026, 1, 1),
            ))
            .unwrap();
    }
    store
        .withdraw(&"c-1".parse().unwrap(), t(2026, 3, 1))
        .unwrap();
    store
}

fn records(engine: &Engine, store: &MemoryEvidence, n: u32) -> Vec<LogRecord> {
    (0..n)
        .map(|i| {
            let who = format!("u-{}", i % 5);
            let dest = ["US", "SG", "DE"][(i % 3) as usize];
            let at = t(2026, 1 + (i % 6), 1 + (i % 27));
            let transfer = act(
                Operation::Transfer,
                dest,
                data_of(
                    subject(&who).resident_in("CN".parse().unwrap()),
                    &["personal.sensitive.health"],
                    "CN",
                ),
                party("acme-cn").established_in("CN".parse().unwrap()),
                at,
            )
            .recipient(party(&format!("lab-{dest}")))
            .id(format!("act-{i}").parse().unwrap())
            .build(engine)
            .unwrap();
            LogRecord::new(&engine.evaluate(&transfer, store), at)
        })
        .collect()
}

/// A log of `n` records with a checkpoint every `every`; its key.
fn small_log(path: &Path, n: u32, every: u64) -> (Engine, SigningKey) {
    let engine = engine(&["cn-pledge-2015"]);
    let key = SigningKey::generate().unwrap();
    let key2 = SigningKey::from_hex(&key.to_hex()).unwrap();
    let log = DecisionLog::create(path, "acme-test")
        .unwrap()
        .with_checkpoints(key2, every);
    for r in records(&engine, &evidence(), n) {
        log.append(&r).unwrap();
    }
    (engine, key)
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(
        path,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
}

#[test]
fn appended_records_reopen_verify_and_prove() {
    let d = dir("basic");
    let path = d.join("decisions.log");
    let (engine, key) = small_log(&path, 23, 10);
    let log = DecisionLog::open(&path).unwrap();
    assert_eq!(log.len(), 23);
    assert_eq!(log.checkpoints().len(), 2, "at 10 and 20 records");
    let last = log.checkpoint(&key, t(2026, 7, 1)).unwrap();
    assert_eq!(last.checkpoint.size, 23);
    assert_eq!(last.checkpoint.root, log.root());

    let v = Verifier::new(key.verifying_key())
        .verify_file(&path)
        .unwrap();
    assert_eq!((v.records, v.checkpoints, v.unsigned_tail), (23, 3, 0));
    assert_eq!(v.root, log.root());

    // Every record proves against every checkpoint that covers it.
    let checkpoints = log.checkpoints();
    for c in &checkpoints {
        for seq in 0..c.checkpoint.size {
            let p = log.inclusion_proof(seq, c.checkpoint.size).unwrap();
            p.verify(&log.record_bytes(seq).unwrap(), c, &key.verifying_key())
                .unwrap();
            // Another record's bytes do not.
            let other = log.record_bytes((seq + 1) % c.checkpoint.size).unwrap();
            if c.checkpoint.size > 1 {
                assert_eq!(
                    p.verify(&other, c, &key.verifying_key())
                        .unwrap_err()
                        .kind(),
                    LogErrorKind::Proof
                );
            }
        }
    }
    // Each checkpoint extends the ones before it.
    for (i, old) in checkpoints.iter().enumerate() {
        for new in &checkpoints[i..] {
            let p = log
                .consistency_proof(old.checkpoint.size, new.checkpoint.size)
                .unwrap();
            p.verify(old, new, &key.verifying_key()).unwrap();
        }
    }
    // A checkpoint of another log with the same size is not extended by this one.
    let mut fake = checkpoints[0].checkpoint.clone();
    fake.root = "00".repeat(32);
    let fake = key.sign(fake);
    let p = log.consistency_proof(10, 23).unwrap();
    assert_eq!(
        p.verify(&fake, &last, &key.verifying_key())
            .unwrap_err()
            .kind(),
        LogErrorKind::Proof
    );

    // Records read back as written, and they hold ids and facts.
    let r = log.record(4).unwrap();
    assert_eq!(r.subject().unwrap().as_str(), "u-4");
    assert_eq!(r.transfer.stated_id().unwrap().as_str(), "act-4");
    assert_eq!(r.decision.packs[0].id, "cn-pledge-2015");
    assert_eq!(r.decision.engine, format!("{:016x}", engine.fingerprint()));
    assert_eq!(
        log.records_of(&"u-2".parse().unwrap()),
        vec![2, 7, 12, 17, 22]
    );

    // A second handle, in this process or another, is refused while the log is open.
    assert_eq!(
        DecisionLog::open(&path).unwrap_err().kind(),
        LogErrorKind::Locked
    );
    drop(log);
    std::fs::remove_dir_all(&d).unwrap();
}

/// Flipping any single byte of a small log is caught, at the line of the byte (a flip in the
/// header's log id is caught at the first checkpoint, which names the log).
#[test]
fn every_single_byte_flip_is_caught_on_its_line() {
    let d = dir("flip");
    let path = d.join("decisions.log");
    let (_, key) = small_log(&path, 6, 3);
    let original = std::fs::read(&path).unwrap();
    let verifier = Verifier::new(key.verifying_key());
    verifier.verify_file(&path).unwrap();
    let header_len = original.iter().position(|b| *b == b'\n').unwrap() + 1;
    let tampered = d.join("tampered.log");
    let mut caught = 0;
    for i in 0..original.len() {
        let mut bytes = original.clone();
        bytes[i] ^= 1;
        std::fs::write(&tampered, &bytes).unwrap();
        let e = verifier
            .verify_file(&tampered)
            .expect_err(&format!("a flip at byte {i} passed"));
        let line = original[..i].iter().filter(|b| **b == b'\n').count() + 1;
        if i >= header_len {
            assert_eq!(
                e.location().and_then(|l| l.line()),
                Some(line),
                "byte {i}: {e}"
            );
        }
        caught += 1;
    }
    assert_eq!(caught, original.len());
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn deleted_reordered_inserted_and_truncated_records_are_named() {
    let d = dir("edit");
    let path = d.join("decisions.log");
    let (_, key) = small_log(&path, 12, 4);
    let log = DecisionLog::open(&path).unwrap();
    let held: Vec<SignedCheckpoint> = log.checkpoints();
    drop(log);
    let all = lines(&path);
    let verifier = Verifier::new(key.verifying_key()).held(held.clone());
    verifier.verify_file(&path).unwrap();
    let tampered = d.join("t.log");
    // Line 0 is the header; record k is on line k + 1 + the checkpoints before it.
    let record_line = |seq: usize| {
        all.iter()
            .position(|l| l.starts_with(&format!("{{\"seq\":{seq},")))
            .unwrap()
    };
    let check = |edited: Vec<String>, want: &str| {
        write_lines(&tampered, &edited);
        let e = verifier.verify_file(&tampered).unwrap_err();
        assert!(e.to_string().contains(want), "wanted `{want}` in: {e}");
        e
    };
    // Deleted.
    let mut v = all.clone();
    v.remove(record_line(5));
    let e = check(v, "record 6: found where record 5 belongs");
    assert_eq!(e.kind(), LogErrorKind::Tampered);
    // Reordered.
    let mut v = all.clone();
    v.swap(record_line(1), record_line(2));
    check(v, "record 2: found where record 1 belongs");
    // Inserted (a copy of another record).
    let mut v = all.clone();
    v.insert(record_line(3), all[record_line(2)].clone());
    check(v, "record 2: found where record 3 belongs");
    // Truncated at a line boundary: only the checkpoints the supervisor held reveal it.
    let cut: Vec<String> = all[..record_line(9)].to_vec();
    write_lines(&tampered, &cut);
    Verifier::new(key.verifying_key())
        .verify_file(&tampered)
        .unwrap();
    check(
        cut,
        "held checkpoint 2 (of size 12): the log holds only 9 records: records 9 to 11 were removed",
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn forged_checkpoints_and_rewritten_records_are_caught() {
    let d = dir("forge");
    let path = d.join("decisions.log");
    let (engine, key) = small_log(&path, 8, 4);
    let all = lines(&path);
    let tampered = d.join("t.log");
    let verifier = Verifier::new(key.verifying_key());
    // A checkpoint signed with another key.
    let mallory = SigningKey::generate().unwrap();
    let log = DecisionLog::open(&path).unwrap();
    let forged = mallory.sign(log.checkpoints()[1].checkpoint.clone());
    drop(log);
    let mut v = all.clone();
    v.push(forged.to_json());
    write_lines(&tampered, &v);
    let e = verifier.verify_file(&tampered).unwrap_err();
    assert_eq!(e.kind(), LogErrorKind::Signature);
    assert!(e.to_string().contains("checkpoint 2"), "{e}");
    // A checkpoint whose size was changed, signature kept.
    let mut v = all.clone();
    let cp = v
        .iter()
        .position(|l| l.starts_with("{\"checkpoint\""))
        .unwrap();
    v[cp] = v[cp].replace("\"size\":4", "\"size\":5");
    write_lines(&tampered, &v);
    assert!(verifier.verify_file(&tampered).is_err());
    // A record rewritten by someone who recomputed its leaf (but cannot sign): the checkpoint
    // after it names the change.
    let log = DecisionLog::open(&path).unwrap();
    let mut r = log.record(1).unwrap();
    drop(log);
    r.recorded_at = t(2030, 1, 1);
    let other = d.join("other.log");
    let rewritten = DecisionLog::create(&other, "acme-test").unwrap();
    for seq in 0..2 {
        let rec = if seq == 1 {
            r.clone()
        } else {
            records(&engine, &evidence(), 1).remove(0)
        };
        rewritten.append(&rec).unwrap();
    }
    drop(rewritten);
    let forged_line = lines(&other)[2].clone();
    let mut v = all.clone();
    let at = v.iter().position(|l| l.starts_with("{\"seq\":1,")).unwrap();
    v[at] = forged_line;
    write_lines(&tampered, &v);
    let e = verifier.verify_file(&tampered).unwrap_err();
    assert_eq!(e.kind(), LogErrorKind::Tampered);
    assert!(e.to_string().contains("checkpoint 0 (of size 4)"), "{e}");
    assert!(
        e.to_string()
            .contains("a record was changed after the checkpoint was signed"),
        "{e}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_torn_tail_is_refused_until_repaired_and_nothing_acknowledged_is_lost() {
    let d = dir("torn");
    let path = d.join("decisions.log");
    let (engine, key) = small_log(&path, 5, 0);
    let complete = std::fs::read(&path).unwrap();
    // A crash in the middle of an append: half a line.
    let next = records(&engine, &evidence(), 6).pop().unwrap();
    let log_line = {
        let other = d.join("x.log");
        let l = DecisionLog::create(&other, "x").unwrap();
        l.append(&next).unwrap();
        drop(l);
        lines(&other)[1].clone()
    };
    let mut torn = complete.clone();
    torn.extend_from_slice(&log_line.as_bytes()[..log_line.len() / 2]);
    std::fs::write(&path, &torn).unwrap();
    let e = DecisionLog::open(&path).unwrap_err();
    assert_eq!(e.kind(), LogErrorKind::TornTail);
    assert_eq!(e.location().and_then(|l| l.line()), Some(7));
    assert!(e.to_string().contains("partially written line"), "{e}");
    assert_eq!(
        Verifier::new(key.verifying_key())
            .verify_file(&path)
            .unwrap_err()
            .kind(),
        LogErrorKind::TornTail
    );
    let repaired = DecisionLog::repair(&path).unwrap().unwrap();
    assert_eq!((repaired.line, repaired.offset), (7, complete.len() as u64));
    assert_eq!(std::fs::read(&path).unwrap(), complete);
    assert_eq!(DecisionLog::repair(&path).unwrap(), None);
    let log = DecisionLog::open(&path).unwrap();
    assert_eq!(log.len(), 5);
    assert_eq!(log.append(&next).unwrap(), 5);
    // A damaged complete line is not a torn tail: repair refuses to touch it.
    drop(log);
    let mut bytes = std::fs::read(&path).unwrap();
    let third = lines(&path)[..3].iter().map(|l| l.len() + 1).sum::<usize>();
    bytes[third] = b'#'; // the first byte of record 2's line
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(
        DecisionLog::repair(&path).unwrap_err().kind(),
        LogErrorKind::Damaged
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn replay_confirms_the_log_and_lists_what_a_pack_change_would_decide_otherwise() {
    let d = dir("replay");
    let path = d.join("decisions.log");
    let (engine, _) = small_log(&path, 15, 0);
    let log = DecisionLog::open(&path).unwrap();
    let same = replay(&log, &engine, &evidence()).unwrap();
    assert_eq!(
        (
            same.records,
            same.same,
            same.differences.len(),
            same.other_engine
        ),
        (15, 15, 0, 0)
    );
    // Without the evidence, the consent-based allows come out otherwise.
    let bare = replay(&log, &engine, &MemoryEvidence::new()).unwrap();
    let allowed = (0..15)
        .filter(|s| log.record(*s).unwrap().decision.effect == crossborder::Effect::Allow)
        .count();
    assert!(allowed > 0);
    assert_eq!(bare.differences.len(), allowed);
    assert!(bare.to_string().contains("logged: allow"), "{bare}");
    // An engine with another option value decides some acts otherwise, and says it is another
    // engine.
    let other = Engine::builder()
        .enable("cn-pledge-2015")
        .option("cn-pledge-2015", "sensitive_as_pipl_art28", false)
        .build()
        .unwrap();
    let changed = replay(&log, &other, &evidence()).unwrap();
    assert_eq!(changed.other_engine, 15);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_persons_report_lists_their_acts_with_proofs_and_nothing_about_anyone_else() {
    let d = dir("report");
    let path = d.join("decisions.log");
    let (_, key) = small_log(&path, 40, 0);
    let log = DecisionLog::open(&path).unwrap();
    log.checkpoint(&key, t(2026, 7, 1)).unwrap();
    let store = evidence();
    let all_consents = store.export().consents;
    let me = "u-1".parse().unwrap();
    let report = SubjectReport::build(&log, &me, &all_consents, t(2026, 7, 1)).unwrap();
    assert_eq!(report.entries.len(), 8);
    assert!(report.entries.iter().all(|e| e.seq % 5 == 1));
    assert_eq!(report.verify(&key.verifying_key()).unwrap(), 8);
    assert_eq!(report.consents.len(), 1);
    assert_eq!(
        report.consents[0].status,
        "withdrawn at 2026-03-01T00:00:00Z"
    );
    assert!(!report.consents[0].active);
    let dests: Vec<&str> = report
        .destinations
        .iter()
        .map(|d| d.destination.as_str())
        .collect();
    assert_eq!(dests, ["DE", "SG", "US"]);
    assert_eq!(report.destinations.iter().map(|d| d.acts).sum::<u64>(), 8);
    // Allowed before the withdrawal, on the consent; blocked after it.
    let before = report.entries.iter().find(|e| e.allowed).unwrap();
    assert!(
        before.evidence.contains(&"consent c-1".to_owned()),
        "{before:?}"
    );
    assert!(
        before.bases.iter().any(|b| b.contains("cn-pledge-2015/")),
        "{before:?}"
    );
    assert!(
        report
            .entries
            .iter()
            .any(|e| !e.allowed && !e.blocked_by.is_empty())
    );
    // Nothing about anyone else, in any form.
    let json = serde_json::to_string(&report).unwrap();
    let text = report.to_string();
    let html = report.to_html();
    for other in ["u-0", "u-2", "u-3", "u-4", "c-0", "c-2"] {
        for (form, body) in [("json", &json), ("text", &text), ("html", &html)] {
            assert!(
                !body.contains(&format!("\"{other}\""))
                    && !body.contains(&format!("`{other}`"))
                    && !body.contains(&format!(">{other}<")),
                "{form} names {other}"
            );
            assert!(!body.contains(other), "{form} mentions {other}");
        }
    }
    // A tampered entry does not verify.
    let mut bad = report.clone();
    bad.entries[0].record = bad.entries[0].record.replace("act-1", "act-9");
    assert_eq!(
        bad.verify(&key.verifying_key()).unwrap_err().kind(),
        LogErrorKind::Proof
    );
    // The JSON form reads back and still verifies.
    let back: SubjectReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back.verify(&key.verifying_key()).unwrap(), 8);
    std::fs::remove_dir_all(&d).unwrap();
}

/// The HTML report in headless Chromium: it renders (a screenshot is taken) and its DOM holds
/// the destinations and the timeline. Skipped when no Chromium is installed, unless
/// `CROSSBORDER_REQUIRE_CHROMIUM` is set (CI installs it and sets it).
#[test]
fn the_html_report_renders_in_a_real_browser() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        assert!(
            std::env::var_os("CROSSBORDER_REQUIRE_CHROMIUM").is_none(),
            "Chromium is required but not installed"
        );
        eprintln!("skipped: no Chromium installed");
        return;
    };
    let d = dir("html");
    let path = d.join("decisions.log");
    let (_, key) = small_log(&path, 30, 0);
    let log = DecisionLog::open(&path).unwrap();
    log.checkpoint(&key, t(2026, 7, 1)).unwrap();
    let report = SubjectReport::build(
        &log,
        &"u-1".parse().unwrap(),
        &evidence().export().consents,
        t(2026, 7, 1),
    )
    .unwrap();
    let page = d.join("report.html");
    std::fs::write(&page, report.to_html()).unwrap();
    let url = format!("file://{}", page.display());
    let shot = d.join("report.png");
    let headless = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--window-size=1000,1400",
    ];
    let out = std::process::Command::new(chromium)
        .args(headless)
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 10_000, "a blank page? {} bytes", png.len());
    let out = std::process::Command::new(chromium)
        .args(headless)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        dom.matches("<li class=\"act ").count(),
        report.entries.len()
    );
    for e in &report.entries {
        assert!(
            dom.contains(&format!("data-seq=\"{}\"", e.seq)),
            "entry {} missing",
            e.seq
        );
    }
    for dest in &report.destinations {
        assert!(dom.contains(&format!("<tr data-destination=\"{}\">", dest.destination)));
    }
    assert!(dom.contains("<tr data-consent=\"c-1\">"));
    assert!(dom.contains("id=\"checkpoint\""));
    std::fs::remove_dir_all(&d).unwrap();
}
