//! The volume ledger: counters of distinct individuals per exporter and window, tested by rules
//! including the act being decided.

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossborder::decision::Verdict;
use crossborder::evidence::VolumeQuery;
use crossborder::{Effect, Engine, Evidence, MemoryEvidence, Operation, PolicyPack, Transfer};

use crate::support::{self, batch, data_of, party, subject, t};

const PACK: &str = r#"
format = 1
id = "volumes"
title = "Volume test pack"
kind = "law"
issuer = "CN"
version = "1"
utc_offset = "+08:00"

[[purposes]]
name = "contract_necessity"
summary = "Necessary for a contract with the individual"

[category_groups.sensitive]
members = ["personal.sensitive"]

[counters.general]
summary = "Individuals whose personal information left China since 1 January (+08:00)"
window = "calendar_year"
individuals = "non_sensitive"
applies_when = { collected_in = ["CN"], destination_not_in = ["CN"], categories = ["personal"], purpose_not_in = ["contract_necessity"] }

[counters.sensitive]
summary = "Individuals whose sensitive information left China since 1 January (+08:00)"
window = "calendar_year"
individuals = "sensitive"
applies_when = { collected_in = ["CN"], destination_not_in = ["CN"], categories = ["sensitive"] }

[counters.old-window]
summary = "Since 1 January of the previous year"
window = "since_previous_calendar_year"
individuals = "all"
applies_when = { collected_in = ["CN"] }

[counters.rolling]
summary = "Preceding twelve months"
window = "rolling_12_months"
individuals = "all"
utc_offset = "+00:00"
applies_when = { collected_in = ["CN"] }

[[rules]]
id = "small-volume-exempt"
summary = "Below 100,000 non-sensitive individuals no mechanism is needed; from 100,000 a contract"
cite = "Order 16 arts. 5(4), 8"
applies_when = { collected_in = ["CN"], destination_not_in = ["CN"], categories_not = ["sensitive"], purpose_not_in = ["contract_necessity"] }
[[rules.require]]
name = "below-threshold"
volume = [{ counter = "general", below = 100000 }]
[[rules.require]]
name = "standard-contract"
approval = { authorities = ["CN-CAC"], mechanisms = ["standard_contract"] }

[[rules]]
id = "sensitive-assessment"
summary = "10,000 or more sensitive individuals need a security assessment"
cite = "Order 16 art. 7"
applies_when = { collected_in = ["CN"], destination_not_in = ["CN"], volume = [{ counter = "sensitive", at_least = 10000 }] }
require = [{ name = "assessment", approval = { authorities = ["CN-CAC"], mechanisms = ["security_assessment"] } }]
"#;

fn engine() -> Engine {
    support::engine_of(PACK)
}

/// `subject`'s `category` data collected in China, sent to the US by `acme`.
fn one(e: &Engine, who: &str, category: &str, at: DateTime<Utc>) -> Transfer {
    let data = data_of(subject(who), &[category], "CN");
    support::act(Operation::Transfer, "US", data, party("acme"), at)
        .build(e)
        .unwrap()
}

/// A batch of `category` data collected in China, sent to the US by `acme`.
fn bulk(
    e: &Engine,
    sensitive: u64,
    non_sensitive: u64,
    category: &str,
    at: DateTime<Utc>,
) -> Transfer {
    let data = batch(&[category], "CN", sensitive, non_sensitive);
    support::act(Operation::Transfer, "US", data, party("acme"), at)
        .build(e)
        .unwrap()
}

fn verdict(e: &Engine, tr: &Transfer, store: &MemoryEvidence, rule: &str) -> Option<Verdict> {
    e.evaluate(tr, store)
        .rules()
        .find(|r| r.rule_id() == rule)
        .map(|r| r.verdict())
}

#[test]
fn thresholds_include_the_act_being_decided() {
    let e = engine();
    let store = MemoryEvidence::new();
    store.record_individuals("acme".parse().unwrap(), "general", t(2026, 2, 1), 99_998);
    // 99,998 + a new subject = 99,999: below the threshold.
    let tr = one(&e, "u-new", "personal.contact", t(2026, 3, 1));
    assert_eq!(
        verdict(&e, &tr, &store, "small-volume-exempt"),
        Some(Verdict::Satisfied)
    );
    // A batch of two takes the exporter to 100,000: it needs the contract.
    let tr2 = bulk(&e, 0, 2, "personal.contact", t(2026, 3, 1));
    let d = e.evaluate(&tr2, &store);
    assert_eq!(d.effect(), Effect::Deny);
    let missing = d.rules().next().unwrap().missing();
    assert_eq!(missing[0].missing[0].basis.as_str(), "volume");
    assert_eq!(
        missing[0].missing[0].text,
        "fewer than 100000 individuals in counter `general` for exporter `acme` since 1 January at +08:00, including this act"
    );
    // Evaluation never records: the same act decides the same way again.
    assert_eq!(
        verdict(&e, &tr, &store, "small-volume-exempt"),
        Some(Verdict::Satisfied)
    );
}

#[test]
fn a_subject_already_counted_adds_nothing() {
    let e = engine();
    let store = MemoryEvidence::new();
    store.record_individuals("acme".parse().unwrap(), "general", t(2026, 2, 1), 99_999);
    store.record_subject(
        "acme".parse().unwrap(),
        "general",
        t(2026, 2, 2),
        "u-1".parse().unwrap(),
    );
    // The ledger holds 100,000 already; u-1 is among them.
    let again = one(&e, "u-1", "personal.contact", t(2026, 3, 1));
    assert_eq!(
        verdict(&e, &again, &store, "small-volume-exempt"),
        Some(Verdict::Unmet)
    );
    let store = MemoryEvidence::new();
    store.record_individuals("acme".parse().unwrap(), "general", t(2026, 2, 1), 99_998);
    store.record_subject(
        "acme".parse().unwrap(),
        "general",
        t(2026, 2, 2),
        "u-1".parse().unwrap(),
    );
    // 99,999 recorded, u-1 among them: sending u-1 again stays at 99,999.
    assert_eq!(
        verdict(&e, &again, &store, "small-volume-exempt"),
        Some(Verdict::Satisfied)
    );
    // A new subject makes it 100,000.
    let new = one(&e, "u-2", "personal.contact", t(2026, 3, 1));
    assert_eq!(
        verdict(&e, &new, &store, "small-volume-exempt"),
        Some(Verdict::Unmet)
    );
}

#[test]
fn sensitive_counts_apart_and_trigger_at_ten_thousand() {
    let e = engine();
    let store = MemoryEvidence::new();
    store.record_individuals("acme".parse().unwrap(), "sensitive", t(2026, 2, 1), 9_998);
    let health = "personal.sensitive.health";
    assert_eq!(
        verdict(
            &e,
            &one(&e, "u-1", health, t(2026, 3, 1)),
            &store,
            "sensitive-assessment"
        ),
        None,
        "9,999: does not apply"
    );
    let tr = bulk(&e, 2, 500, health, t(2026, 3, 1));
    assert_eq!(
        verdict(&e, &tr, &store, "sensitive-assessment"),
        Some(Verdict::Unmet),
        "10,000: applies"
    );
}

#[test]
fn calendar_windows_reset_exactly_on_1_january_at_the_offset() {
    let e = engine();
    let store = MemoryEvidence::new();
    // Recorded on 2025-12-31 at 15:59:59 UTC, i.e. 23:59:59 in China: still 2025.
    let last_second = Utc.with_ymd_and_hms(2025, 12, 31, 15, 59, 59).unwrap();
    store.record_individuals("acme".parse().unwrap(), "general", last_second, 100_000);
    let new_year = Utc.with_ymd_and_hms(2025, 12, 31, 16, 0, 0).unwrap();
    let before = one(
        &e,
        "u-1",
        "personal.contact",
        new_year - Duration::seconds(1),
    );
    let after = one(&e, "u-1", "personal.contact", new_year);
    assert_eq!(
        verdict(&e, &before, &store, "small-volume-exempt"),
        Some(Verdict::Unmet)
    );
    assert_eq!(
        verdict(&e, &after, &store, "small-volume-exempt"),
        Some(Verdict::Satisfied)
    );
}

#[test]
fn other_windows() {
    let e = engine();
    let store = MemoryEvidence::new();
    let acme: crossborder::PartyId = "acme".parse().unwrap();
    store.record_individuals(acme.clone(), "old-window", t(2024, 6, 1), 7);
    store.record_individuals(acme.clone(), "rolling", t(2025, 3, 2), 5);
    let q = |counter: &str, from, to| {
        store
            .volume(&VolumeQuery::new(&acme, counter, from, to, None))
            .individuals
    };
    let _ = e;
    assert_eq!(q("old-window", t(2024, 1, 1), t(2025, 6, 1)), 7);
    assert_eq!(q("rolling", t(2025, 3, 2), t(2026, 3, 2)), 5);
    assert_eq!(q("rolling", t(2025, 3, 3), t(2026, 3, 3)), 0);
}

#[test]
fn recording_goes_through_the_engine_counters() {
    let e = engine();
    let store = MemoryEvidence::new();
    let tr = one(&e, "u-1", "personal.sensitive.health", t(2026, 3, 1));
    let mut rec = store.record(&e, &tr).unwrap();
    rec.sort();
    assert_eq!(
        rec,
        vec![
            ("general".to_owned(), 1),
            ("old-window".to_owned(), 1),
            ("rolling".to_owned(), 1),
            ("sensitive".to_owned(), 1)
        ]
    );
    let b = bulk(&e, 3, 40, "personal.sensitive.health", t(2026, 3, 2));
    let mut rec = store.record(&e, &b).unwrap();
    rec.sort();
    assert_eq!(
        rec,
        vec![
            ("general".to_owned(), 40),
            ("old-window".to_owned(), 43),
            ("rolling".to_owned(), 43),
            ("sensitive".to_owned(), 3)
        ]
    );
    let acme: crossborder::PartyId = "acme".parse().unwrap();
    let n = |c: &str| {
        store
            .volume(&VolumeQuery::new(
                &acme,
                c,
                t(2026, 1, 1),
                t(2026, 12, 1),
                None,
            ))
            .individuals
    };
    assert_eq!(n("general"), 41);
    assert_eq!(n("sensitive"), 4);
    // Recording the same subject again does not count twice.
    store
        .record(
            &e,
            &one(&e, "u-1", "personal.sensitive.health", t(2026, 4, 1)),
        )
        .unwrap();
    assert_eq!(n("sensitive"), 4);
    // Contract-necessity acts are not counted in `general` (the counter's purpose_not_in).
    let data = data_of(subject("u-9"), &["personal.contact"], "CN");
    let exempt = support::act(
        Operation::Transfer,
        "US",
        data,
        party("acme"),
        t(2026, 5, 1),
    )
    .purpose("contract_necessity".parse().unwrap())
    .build(&e)
    .unwrap();
    let rec = store.record(&e, &exempt).unwrap();
    assert!(rec.iter().all(|(c, _)| c != "general"));
    // A transfer for another engine is refused.
    let other = Engine::builder().enable("cn-pledge-2015").build().unwrap();
    let foreign = one(&other, "u-1", "personal.contact", t(2026, 3, 1));
    assert!(store.record(&e, &foreign).is_err());
}

#[test]
fn purpose_and_category_conditions() {
    let e = engine();
    let store = MemoryEvidence::new();
    // Sensitive data is outside `small-volume-exempt` (categories_not).
    assert_eq!(
        verdict(
            &e,
            &one(&e, "u", "personal.sensitive.health", t(2026, 3, 1)),
            &store,
            "small-volume-exempt"
        ),
        None
    );
    let data = data_of(subject("u"), &["personal.contact"], "CN");
    let exempt = support::act(
        Operation::Transfer,
        "US",
        data,
        party("acme"),
        t(2026, 3, 1),
    )
    .purpose("contract_necessity".parse().unwrap())
    .build(&e)
    .unwrap();
    assert!(e.evaluate(&exempt, &store).no_rule_applies());
}

#[test]
fn pack_errors_for_volumes_are_located() {
    let bad = PACK.replace(
        r#"volume = [{ counter = "general", below = 100000 }]"#,
        r#"volume = [{ counter = "genral", at_least = 5, below = 5 }]"#,
    );
    let err = PolicyPack::from_toml_str(&bad).unwrap_err();
    let msgs: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    // In the order of the text: the test's table starts before its `counter` key.
    assert!(msgs[0].contains("no count passes"), "{msgs:?}");
    assert!(msgs[1].ends_with("rules[0].require[0].volume[0].counter: rule `small-volume-exempt` references unknown counter `genral`: declare it under `counters`; did you mean `general`?"), "{msgs:?}");
    let bad = PACK.replace(
        r#"applies_when = { collected_in = ["CN"] }"#,
        r#"applies_when = { collected_in = ["CN"], volume = [{ counter = "general", at_least = 1 }] }"#,
    );
    let err = PolicyPack::from_toml_str(&bad).unwrap_err();
    assert!(
        err.to_string()
            .contains("a counter's `applies_when` cannot test a volume"),
        "{err}"
    );
}
