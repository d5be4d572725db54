//! Format 2 (issue #16): OR and NOT over conditions, per-alternative periods and options,
//! calendars and approval clocks, obligations that come due, batches that say who is in them,
//! category-limited certifications, restrictions that travel with data, option readings and
//! organisation issuers. The example pack and its scenarios in `examples/formats/` run here;
//! the rest pins what scenario files cannot say (errors, text, counts).

use std::path::Path;

use crossborder::decision::Verdict;
use crossborder::report::ObligationStatus;
use crossborder::scenario::{Runner, ScenarioOutcome};
use crossborder::{
    Certification, DataItem, Effect, Engine, MemoryEvidence, NoEvidence, Operation, OperationSet,
    PackProblemKind, PolicyPack, Role, TransferErrorKind,
};

use crate::support::{self, approval, data_of, j, party, scope, subject, t};

fn header2(id: &str, kind: &str, issuer: &str) -> String {
    format!(
        "format = 2\nid = \"{id}\"\ntitle = \"t\"\nkind = \"{kind}\"\nissuer = \"{issuer}\"\nversion = \"1\"\n"
    )
}

fn problems(text: &str) -> Vec<(PackProblemKind, String)> {
    PolicyPack::from_toml_str(text)
        .unwrap_err()
        .problems()
        .iter()
        .map(|p| (p.kind(), p.message().to_owned()))
        .collect()
}

#[test]
fn the_example_pack_and_its_scenarios_pass() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/formats/format2.scenarios.toml");
    let report = Runner::new().verify_replay(true).run_path(&path);
    assert!(report.error.is_none(), "{:?}", report.error);
    assert!(report.scenarios.len() >= 20);
    for s in &report.scenarios {
        assert!(
            matches!(s.outcome, ScenarioOutcome::Passed),
            "{}: {:?}",
            s.name,
            s.outcome
        );
    }
}

#[test]
fn the_documented_example_is_the_shipped_one() {
    let doc = include_str!("../../docs/FORMAT.md");
    let shipped = include_str!("../../examples/formats/acme-group-transfers.toml");
    let section = doc.find("## Format 2").expect("a format 2 section");
    let start = section + doc[section..].find("```toml\n").expect("a toml block") + 8;
    let end = start + doc[start..].find("```").expect("its end");
    assert_eq!(
        &doc[start..end],
        shipped,
        "docs/FORMAT.md and the example differ"
    );
    let pack = PolicyPack::from_toml_str(shipped).unwrap();
    assert_eq!(pack.issuer(), "acme-group");
    let o = pack.options().next().unwrap();
    assert!(o.when_true.is_some() && o.when_false.is_some());
    assert_eq!(
        PolicyPack::from_toml_str(&pack.to_toml_string()).unwrap(),
        pack
    );
    assert_eq!(
        PolicyPack::from_json_str(&pack.to_json_string()).unwrap(),
        pack
    );
}

#[test]
fn format_one_packs_cannot_use_format_two_fields() {
    let text = format!(
        "{}[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\nprohibit = true\napplies_when = {{ any_of = [{{ collected_in = [\"CN\"] }}, {{ destination_in = [\"US\"] }}] }}\n",
        support::pack_header("p")
    );
    let p = problems(&text);
    assert_eq!(p[0].0, PackProblemKind::UnsupportedFormat);
    assert!(
        p[0].1.contains("uses `any_of`, which needs `format = 2`"),
        "{p:?}"
    );
    // Format 1 packs load as before.
    assert!(PolicyPack::from_toml_str(&support::pack_header("p")).is_ok());
}

#[test]
fn malformed_format_two_parts_are_located_and_explained() {
    let cases: &[(&str, &str)] = &[
        (
            "[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\napplies_when = {}\n[[rules.require]]\napproval = { authorities = [\"X-A\"], wait = { working_days = 5, calendar = \"nope\" } }\n",
            "references unknown calendar `nope`",
        ),
        (
            "[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\napplies_when = {}\n[[rules.require]]\napproval = { authorities = [\"X-A\"], wait = { days = 5, hours = 2 } }\n",
            "exactly one of `years`, `months`, `days`, `hours`, `working_days`",
        ),
        (
            "[options.o]\ndefault = true\nsummary = \"s\"\nwhen_true = \"a\"\nwhen_false = \"b\"\nestablished = \"false\"\n",
            "the default follows the established reading",
        ),
        (
            "[options.o]\ndefault = true\nsummary = \"s\"\nwhen_true = \"a\"\nwhen_false = \"b\"\nestablished = \"unverified\"\n",
            "is marked unverified but not `interpretation = true`",
        ),
        (
            "[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\napplies_when = {}\n[[rules.require]]\ntransfer_tags = [\"t\"]\nobligations = [{ id = \"o\", summary = \"s\", unlawful_when_overdue = true }]\n[[tags]]\nname = \"t\"\non = \"transfer\"\nsummary = \"s\"\n",
            "cannot be overdue: it has no `due`",
        ),
        (
            "[calendars.c]\nsummary = \"s\"\nweekend = [\"caturday\"]\n",
            "unknown weekday `caturday`",
        ),
        (
            "[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\nprohibit = true\napplies_when = { not = { not = { not = { not = { not = { collected_in = [\"CN\"] } } } } } }\n",
            "nests `any_of` / `not` more than 4 deep",
        ),
        (
            "[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\nprohibit = true\napplies_when = { any_of = [{ collected_in = [\"CN\"] }] }\n",
            "fewer than two alternatives",
        ),
    ];
    for (body, want) in cases {
        let text = format!("{}{body}", header2("p", "law", "CN"));
        let p = problems(&text);
        assert!(p.iter().any(|(_, m)| m.contains(want)), "{want}: got {p:?}");
    }
    // An organisation issues only voluntary packs.
    let p = problems(&header2("p", "law", "acme-group"));
    assert!(
        p[0].1
            .contains("an organisation may issue only a voluntary pack"),
        "{p:?}"
    );
    assert!(PolicyPack::from_toml_str(&header2("p", "voluntary", "acme-group")).is_ok());
}

#[test]
fn an_option_that_leaves_a_rule_without_alternatives_is_a_build_error() {
    let text = format!(
        "{}[options.o]\ndefault = false\nsummary = \"s\"\n[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\napplies_when = {{}}\n[[rules.require]]\nif_option = \"o\"\nconsent = {{ min_kind = \"express\" }}\n",
        header2("p", "law", "CN")
    );
    let pack = PolicyPack::from_toml_str(&text).unwrap();
    let err = Engine::builder().pack(pack.clone()).build().unwrap_err();
    assert!(
        err.to_string()
            .contains("rule `p/r` has no alternative left under the options chosen"),
        "{err}"
    );
    assert!(
        Engine::builder()
            .pack(pack)
            .option("p", "o", true)
            .build()
            .is_ok()
    );
}

/// A pack whose one rule needs a filed contract, whose filing is due 3 working days after the
/// contract and makes the act unlawful once overdue.
fn breach_engine() -> Engine {
    support::engine_of(&format!(
        "{}[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\napplies_when = {{}}\n[[rules.require]]\nname = \"contract\"\napproval = {{ authorities = [\"X-A\"], mechanisms = [\"contract\"] }}\nobligations = [{{ id = \"file\", summary = \"File it\", due = {{ after = \"approval\", within = {{ working_days = 3 }} }}, fulfilled_by = {{ authorities = [\"X-A\"], mechanisms = [\"filing\"] }}, unlawful_when_overdue = true }}]\n",
        header2("p", "law", "CN")
    ))
}

#[test]
fn an_overdue_obligation_the_law_makes_fatal_is_breached_and_denies() {
    let e = breach_engine();
    let store = MemoryEvidence::new();
    let all = OperationSet::all();
    // Friday 2026-01-02: three working days are 5, 6 and 7 January.
    store
        .add_approval(approval(
            "k",
            "X-A",
            "contract",
            "exp",
            scope(&["personal"], "US", all),
            t(2026, 1, 2),
        ))
        .unwrap();
    let act = |at| {
        support::act(
            Operation::Transfer,
            "US",
            data_of(subject("u"), &["personal.contact"], "CN"),
            party("exp"),
            at,
        )
        .build(&e)
        .unwrap()
    };
    let early = act(t(2026, 1, 7));
    let d = e.evaluate(&early, &store);
    assert_eq!(d.effect(), Effect::Allow);
    let o = &d.rules().next().unwrap().obligations()[0];
    assert_eq!(o.status, Some(ObligationStatus::Pending));
    assert_eq!(
        o.due_date.map(|d| d.to_string()).as_deref(),
        Some("2026-01-07")
    );
    let late = act(t(2026, 1, 8));
    let d = e.evaluate(&late, &store);
    assert_eq!(d.effect(), Effect::Deny);
    let report = d.report();
    assert_eq!(report.deciding_rules().count(), 1);
    assert_eq!(report.rules[0].verdict, Verdict::Satisfied);
    assert_eq!(
        report.rules[0].obligations[0].status,
        Some(ObligationStatus::Breached)
    );
    let text = d.to_string();
    assert!(
        text.contains("status: BREACHED; due 3 working days after approval `k` took effect (2026-01-02): by 2026-01-07"),
        "{text}"
    );
    // Filed on the 6th: fulfilled, and the act is lawful again.
    store
        .add_approval(approval(
            "f",
            "X-A",
            "filing",
            "exp",
            scope(&["personal"], "US", all),
            t(2026, 1, 6),
        ))
        .unwrap();
    let d = e.evaluate(&late, &store);
    assert_eq!(d.effect(), Effect::Allow);
    let o = &d.rules().next().unwrap().obligations()[0];
    assert_eq!(o.status, Some(ObligationStatus::Fulfilled));
    assert_eq!(
        o.fulfilled_by.as_ref().map(ToString::to_string).as_deref(),
        Some("f")
    );
    let json = serde_json::to_value(d.report()).unwrap();
    assert_eq!(json["rules"][0]["obligations"][0]["status"], "fulfilled");
}

#[test]
fn a_batch_states_its_composition_consistently_or_is_refused() {
    let e = support::engine(&["eu-gdpr"]);
    let build = |data: DataItem| {
        support::act(Operation::Transfer, "US", data, party("exp"), t(2026, 3, 1)).build(&e)
    };
    let base = || DataItem::bulk(["personal.contact".parse().unwrap()], j("SG"), 0, 100);
    let err = build(base().members_resident([(j("SG"), 60)])).unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::InvalidValue);
    assert!(
        err.message()
            .contains("`residence` counts add up to 60, but it holds 100"),
        "{err}"
    );
    let err = build(base().members_citizens([(j("SG"), 101)])).unwrap_err();
    assert!(
        err.message().contains("more than the 100 individuals"),
        "{err}"
    );
    let err = build(base().members(["u-1".parse().unwrap()])).unwrap_err();
    assert!(
        err.message()
            .contains("lists 1 members in `subjects`, but it holds 100"),
        "{err}"
    );
    assert!(build(base().members_located([(j("SG"), 100)])).is_ok());
}

#[test]
fn a_batch_from_outside_the_union_is_not_judged_under_targeting() {
    // Without its members' location a batch is presumed to hold people in the Union; stated, it
    // is judged on the facts.
    let e = support::engine(&["eu-gdpr"]);
    let act = |data: DataItem| {
        support::act(
            Operation::Transfer,
            "US",
            data,
            party("shop-sg").established_in(j("SG")),
            t(2026, 3, 1),
        )
        .recipient(party("crm-us").with_role(Role::Processor))
        .build(&e)
        .unwrap()
    };
    let base = || DataItem::bulk(["personal.contact".parse().unwrap()], j("SG"), 0, 1000);
    let unstated = act(base());
    assert_eq!(e.evaluate(&unstated, &NoEvidence).effect(), Effect::Deny);
    let outside = act(base().members_located([(j("SG"), 1000)]));
    let outside = e.evaluate(&outside, &NoEvidence);
    assert_eq!(outside.effect(), Effect::Allow, "{outside}");
    assert!(outside.no_rule_applies());
    let some_in = act(base().members_located([(j("SG"), 990), (j("FR"), 10)]));
    let some_in = e.evaluate(&some_in, &NoEvidence);
    assert_eq!(some_in.effect(), Effect::Deny);
    assert!(some_in.rules().all(|r| r.assumed().next().is_none()));
}

#[test]
fn counters_count_only_the_members_they_concern() {
    let e = support::engine_of(&format!(
        "{}[counters.residents]\nsummary = \"s\"\nwindow = \"calendar_year\"\nindividuals = \"all\"\napplies_when = {{ subject_resident_in = [\"CN\"] }}\n[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\nprohibit = true\napplies_when = {{ volume = [{{ counter = \"residents\", at_least = 500 }}] }}\n",
        support::pack_header("p")
    ));
    let act = |data: DataItem| {
        support::act(Operation::Transfer, "US", data, party("exp"), t(2026, 3, 1))
            .build(&e)
            .unwrap()
    };
    let base = || DataItem::bulk(["personal.contact".parse().unwrap()], j("CN"), 0, 1000);
    // Unstated: all 1,000 may be residents (prohibited); stated: 300 are.
    assert_eq!(e.evaluate(&act(base()), &NoEvidence).effect(), Effect::Deny);
    let mixed = act(base().members_resident([(j("CN"), 300), (j("HK"), 700)]));
    assert_eq!(e.evaluate(&mixed, &NoEvidence).effect(), Effect::Allow);
    let entries = e.ledger_entries(&mixed).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].individuals(), 300);
}

#[test]
fn a_certification_limited_to_some_categories_carries_only_those() {
    let e = support::engine_of(&format!(
        "{}[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\napplies_when = {{ categories = [\"personal\"] }}\n[[rules.require]]\nrecipient_certified = [\"eu-us-dpf\"]\n",
        support::pack_header("p")
    ));
    let non_hr = Certification::new(
        "dpf-1".parse().unwrap(),
        "eu-us-dpf".parse().unwrap(),
        t(2024, 1, 1),
        None,
    )
    .unwrap()
    .excluding(["personal.employment".parse().unwrap()]);
    let act = |cat: &str| {
        support::act(
            Operation::Transfer,
            "US",
            data_of(subject("u"), &[cat], "DE"),
            party("exp"),
            t(2026, 3, 1),
        )
        .recipient(party("us-co").with_certification(non_hr.clone()))
        .build(&e)
        .unwrap()
    };
    assert_eq!(
        e.evaluate(&act("personal.contact"), &NoEvidence).effect(),
        Effect::Allow
    );
    let hr = act("personal.employment");
    assert_eq!(e.evaluate(&hr, &NoEvidence).effect(), Effect::Deny);
    // From the store, the same: and the near miss says why.
    let store = MemoryEvidence::new();
    store
        .certify("us-co".parse().unwrap(), non_hr.clone())
        .unwrap();
    let bare = support::act(
        Operation::Transfer,
        "US",
        data_of(subject("u"), &["personal.employment"], "DE"),
        party("exp"),
        t(2026, 3, 1),
    )
    .recipient(party("us-co"))
    .build(&e)
    .unwrap();
    let d = e.evaluate(&bare, &store);
    assert_eq!(d.effect(), Effect::Deny);
    let text = d.explain(&store).to_string();
    assert!(
        text.contains("does not cover `personal.employment` (excludes `personal.employment`)"),
        "{text}"
    );
}
