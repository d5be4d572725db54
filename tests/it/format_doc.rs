//! The annotated pack in docs/FORMAT.md loads, compiles and decides as its comments say.

use chrono::{DateTime, Utc};
use crossborder::decision::Verdict;
use crossborder::{
    Consent, ConsentKind, Effect, Engine, MemoryEvidence, Operation, Party, PolicyPack, Scope,
    Transfer,
};

use crate::support::{self, data_of, party, subject, t};

fn annotated_pack() -> PolicyPack {
    let doc = include_str!("../../docs/FORMAT.md");
    let start = doc.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let end = start + doc[start..].find("```").expect("its end");
    PolicyPack::from_toml_str(&doc[start..end]).unwrap_or_else(|e| panic!("{e}"))
}

fn act(e: &Engine, exporter: Party, collected: &str, dest: &str, at: DateTime<Utc>) -> Transfer {
    let data = data_of(
        subject("u-1"),
        &["personal.sensitive.health.genomic"],
        collected,
    );
    support::act(Operation::Transfer, dest, data, exporter, at)
        .recipient(party("r").with_role(crossborder::Role::Processor))
        .build(e)
        .unwrap()
}

fn ciio() -> Party {
    party("grid-co").with_tag("ciio".parse().unwrap())
}

fn plain() -> Party {
    party("shop-co")
}

#[test]
fn the_annotated_pack_loads_and_round_trips() {
    let pack = annotated_pack();
    assert_eq!(pack.id(), "example-regime");
    assert_eq!(pack.rules().count(), 3);
    assert_eq!(pack.options().next().map(|o| o.interpretation), Some(true));
    assert_eq!(
        PolicyPack::from_json_str(&pack.to_json_string()).unwrap(),
        pack
    );
    assert_eq!(
        PolicyPack::from_toml_str(&pack.to_toml_string()).unwrap(),
        pack
    );
}

#[test]
fn prohibitions_groups_and_dated_members_decide_as_documented() {
    let e = Engine::builder().pack(annotated_pack()).build().unwrap();
    let store = MemoryEvidence::new();
    // A CIIO exporting health data to the US: prohibited, whatever the evidence.
    let tr = act(&e, ciio(), "CN", "US", t(2026, 3, 1));
    let d = e.evaluate(&tr, &store);
    assert_eq!(d.effect(), Effect::Deny);
    let verdicts: Vec<_> = d.rules().map(|r| (r.rule_id(), r.verdict())).collect();
    assert_eq!(
        verdicts,
        vec![
            ("no-export-by-ciio", Verdict::Prohibited),
            ("health-export-default", Verdict::Satisfied)
        ]
    );
    assert_eq!(
        d.rules().nth(1).unwrap().alternative(),
        Some("small-volume")
    );
    // With 999 individuals recorded this year, this act is the 1,000th: the volume basis fails.
    let ledger = MemoryEvidence::new();
    ledger.record_individuals(
        "grid-co".parse().unwrap(),
        "health-exports",
        t(2026, 1, 2),
        999,
    );
    let d = e.evaluate(&tr, &ledger);
    assert_eq!(d.rules().nth(1).unwrap().verdict(), Verdict::Unmet);
    // Brazil joins the adequate group on 2026-01-26 (00:00 at +08:00).
    let before = act(&e, ciio(), "CN", "BR", t(2026, 1, 25));
    let after = act(&e, ciio(), "CN", "BR", t(2026, 1, 26));
    assert!(
        e.evaluate(&before, &store)
            .rules()
            .any(|r| r.verdict() == Verdict::Prohibited)
    );
    assert!(
        !e.evaluate(&after, &store)
            .rules()
            .any(|r| r.verdict() == Verdict::Prohibited)
    );
    // The rule is in force until 2030-01-01 only.
    let late = act(&e, ciio(), "CN", "US", t(2030, 1, 1));
    assert!(
        !e.evaluate(&late, &store)
            .rules()
            .any(|r| r.rule_id() == "no-export-by-ciio")
    );
}

#[test]
fn options_switch_between_readings() {
    let default = Engine::builder().pack(annotated_pack()).build().unwrap();
    let strict = Engine::builder()
        .pack(annotated_pack())
        .option("example-regime", "strict_consent", true)
        .build()
        .unwrap();
    let store = MemoryEvidence::new();
    let scope = Scope::new(
        ["personal.sensitive.health".parse().unwrap()],
        "US".parse().unwrap(),
        [Operation::Transfer].into(),
    )
    .unwrap();
    store
        .grant(
            Consent::new(
                "c".parse().unwrap(),
                "u-1".parse().unwrap(),
                ConsentKind::Express,
                scope.clone(),
                t(2026, 1, 1),
            )
            .unwrap(),
        )
        .unwrap();
    let tr = act(&default, plain(), "CN", "US", t(2026, 3, 1));
    let d = default.evaluate(&tr, &store);
    assert!(d.is_allowed(), "{d}");
    assert_eq!(d.rules().next().unwrap().rule_id(), "health-export-default");

    // Strict: express consent alone is not enough; the missing sets name each alternative.
    let tr = act(&strict, plain(), "CN-GD", "US", t(2026, 3, 1));
    let d = strict.evaluate(&tr, &store);
    assert_eq!(d.effect(), Effect::Deny);
    let missing = d.rules().next().unwrap().missing();
    let names: Vec<_> = missing.iter().map(|m| m.alternative.as_str()).collect();
    assert_eq!(
        names,
        [
            "separate-consent",
            "contract-and-approval",
            "adequate-and-certified"
        ]
    );
    assert_eq!(
        missing[0].missing[0].text,
        "separate consent of subject `u-1`, informed of the risks, covering `personal.sensitive.health.genomic` to `US` for `transfer`, valid at 2026-03-01T00:00:00Z"
    );
    assert_eq!(
        missing[1].missing.len(),
        1,
        "the express consent holds; only the approval is missing"
    );
    assert_eq!(missing[2].missing.len(), 4);

    // Separate consent informed of the risks: allowed, with the rule's and the alternative's
    // obligations.
    store
        .grant(
            Consent::new(
                "c2".parse().unwrap(),
                "u-1".parse().unwrap(),
                ConsentKind::Separate,
                scope,
                t(2026, 1, 1),
            )
            .unwrap()
            .informed_of_risks(true),
        )
        .unwrap();
    let d = strict.evaluate(&tr, &store);
    assert!(d.is_allowed(), "{d}");
    let ob: Vec<_> = d
        .rules()
        .next()
        .unwrap()
        .obligations()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(ob, ["impact-assessment", "notify-subject"]);
}
