//! Decisions an auditor can replay: a report names the engine (fingerprint), every option value
//! and each pack's id, version and SHA-256, and holds the transfer as submitted; an engine like
//! the one that decided replays it to the same report, and any other engine says how it differs.
//! (Every scenario's decision is also logged and replayed, in `scenarios.rs`.)

use crossborder::report::DecisionReport;
use crossborder::{Engine, NoEvidence, Operation, PolicyPack, TransferErrorKind};

use crate::support::{self, data_of, j, party, subject, t};

fn logged(engine: &Engine) -> DecisionReport {
    let person = subject("u-1")
        .resident_in(j("CN"))
        .located_at_collection(j("CN"));
    let tr = support::act(
        Operation::Transfer,
        "US",
        data_of(person, &["personal.sensitive.health"], "CN"),
        party("acme-cn").established_in(j("CN")),
        t(2026, 3, 1),
    )
    .id("t-7".parse().unwrap())
    .build(engine)
    .unwrap();
    let json = serde_json::to_string(&engine.evaluate(&tr, &NoEvidence)).unwrap();
    serde_json::from_str(&json).unwrap()
}

#[test]
fn a_report_names_its_engine_options_packs_and_transfer() {
    let e = support::engine(&["cn-pledge-2015", "cn-pipl"]);
    let r = logged(&e);
    assert_eq!(r.engine, format!("{:016x}", e.fingerprint()));
    assert_eq!(r.options.len(), e.options().count());
    assert_eq!(
        r.options.get("cn-pledge-2015.sensitive_as_pipl_art28"),
        Some(&true)
    );
    for p in &r.packs {
        let pack = PolicyPack::builtin(&p.id).unwrap();
        assert_eq!(
            (p.version.as_str(), p.sha256.as_str()),
            (pack.version(), pack.sha256())
        );
        assert_eq!(p.sha256.len(), 64);
    }
    assert_eq!(
        r.transfer
            .clone()
            .build(&e)
            .unwrap()
            .id()
            .map(|i| i.as_str()),
        Some("t-7")
    );
    assert_eq!(e.replay(&r, &NoEvidence).unwrap(), r);
}

#[test]
fn a_report_from_another_engine_is_recognised_as_such() {
    let e = support::engine(&["cn-pledge-2015", "cn-pipl"]);
    let r = logged(&e);
    // Another option value.
    let other = Engine::builder()
        .enable("cn-pledge-2015")
        .enable("cn-pipl")
        .option("cn-pledge-2015", "sensitive_as_pipl_art28", false)
        .build()
        .unwrap();
    let err = other.replay(&r, &NoEvidence).unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::EngineMismatch);
    assert!(
        err.to_string().ends_with(
            "option `cn-pledge-2015.sensitive_as_pipl_art28` is false here, true in the report"
        ),
        "{err}"
    );
    // Another set of packs.
    let fewer = support::engine(&["cn-pipl"]);
    let err = fewer.check_report(&r).unwrap_err();
    assert!(
        err.to_string()
            .contains("pack `cn-pledge-2015` is not enabled here"),
        "{err}"
    );
    // Another version of a pack: its digest differs, and the report says which.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/packs/cn-pledge-2015.toml"
    ))
    .unwrap()
    .replacen("version = \"2015.1\"", "version = \"2015.2\"", 1);
    let bumped = Engine::builder()
        .pack(PolicyPack::from_toml_str(&text).unwrap())
        .enable("cn-pipl")
        .build()
        .unwrap();
    let err = bumped.check_report(&r).unwrap_err();
    assert!(
        err.to_string()
            .contains("pack `cn-pledge-2015` is version 2015.2 (sha256 "),
        "{err}"
    );
    // A tampered report (another effect) replays to a report that differs from it.
    let mut tampered = r.clone();
    tampered.effect = crossborder::Effect::Allow;
    assert_ne!(e.replay(&tampered, &NoEvidence).unwrap(), tampered);
}
