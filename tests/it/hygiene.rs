//! No silent failure: every name checked, near misses explained, assumed facts shown, bad input
//! refused with a located message and a hint.
//!
//! The first five tests are the holes a newcomer's trial found (each failed open or silently
//! before); the rest walk the trial's table of bad inputs, each with its message.

use crossborder::decision::Fact;
use crossborder::evidence::Mismatch;
use crossborder::pack::Format;
use crossborder::{
    BuildErrorKind, ConsentKind, DataItem, Effect, Engine, MemoryEvidence, ModelErrorKind,
    NoEvidence, Operation, OperationSet, PackLoader, Party, PolicyPack, StoreErrorKind,
    TransferBuilder, TransferErrorKind,
};

use crate::support::{self, data_of, engine_of, j, party, scope, subject, t};

/// A shop's own pack: marketing copies of customer data never leave.
const NO_MARKETING: &str = r#"
format = 1
id = "shop"
title = "No marketing exports"
kind = "voluntary"
issuer = "CN"
version = "1"

[[purposes]]
name = "marketing"
summary = "Advertising and profiling"

[[rules]]
id = "no-marketing-abroad"
summary = "Customer data is not sent abroad for marketing"
cite = "company policy 7"
prohibit = true
applies_when = { destination_not_in = ["CN"], purpose_in = ["marketing"] }
"#;

/// A transfer of `data` by `exporter` to the United States on 1 March 2026.
fn to_us(data: DataItem, exporter: Party) -> TransferBuilder {
    support::act(Operation::Transfer, "US", data, exporter, t(2026, 3, 1))
}

fn customer_order(purpose: &str) -> TransferBuilder {
    let data = data_of(subject("cust-1"), &["personal.contact"], "CN");
    to_us(data, party("shop")).purpose(purpose.parse().unwrap())
}

#[test]
fn hole_1_a_mistyped_purpose_is_refused_instead_of_bypassing_a_prohibition() {
    let e = engine_of(NO_MARKETING);
    let denied = customer_order("marketing").build(&e).unwrap();
    assert_eq!(e.evaluate(&denied, &NoEvidence).effect(), Effect::Deny);
    // Before: built, and allowed with "no rule applies".
    let err = customer_order("marketting").build(&e).unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::UnknownPurpose);
    assert_eq!(
        err.to_string(),
        "unknown purpose `marketting`: no enabled pack declares it; did you mean `marketing`?"
    );
    // An act serving several purposes is governed by the rules about each.
    let pack = NO_MARKETING.replace(
        "[[rules]]",
        "[[purposes]]\nname = \"support\"\nsummary = \"Customer support\"\n\n[[rules]]",
    );
    let e = engine_of(&pack);
    let both = customer_order("support")
        .purpose("marketing".parse().unwrap())
        .build(&e)
        .unwrap();
    assert_eq!(both.purposes().len(), 2);
    assert_eq!(e.evaluate(&both, &NoEvidence).effect(), Effect::Deny);
    let support_only = customer_order("support").build(&e).unwrap();
    assert!(e.evaluate(&support_only, &NoEvidence).no_rule_applies());
}

#[test]
fn hole_1_purposes_can_mean_other_packs_purposes() {
    // One act, described once, read by each regime in its own words: the shop's `fulfilment`
    // means PIPL's `contract_necessity` and the GDPR's `contract_with_subject`.
    let shop = r#"
format = 1
id = "shop-purposes"
title = "Our purposes"
kind = "voluntary"
issuer = "CN"
version = "1"

[[purposes]]
name = "fulfilment"
summary = "Delivering what the customer ordered"
means = ["contract_necessity", "contract_with_subject"]
"#;
    let e = Engine::builder()
        .enable("cn-pipl")
        .enable("eu-gdpr")
        .pack(PolicyPack::from_toml_str(shop).unwrap())
        .build()
        .unwrap();
    let person = subject("u-1")
        .resident_in(j("DE"))
        .located_at_collection(j("DE"));
    let order = |purpose: &str| {
        to_us(
            data_of(person.clone(), &["personal.contact"], "CN"),
            party("shop-cn").established_in(j("CN")),
        )
        .recipient(
            party("fulfil-us")
                .established_in(j("US"))
                .with_role(crossborder::Role::Controller),
        )
        .tag("occasional".parse().unwrap())
        .purpose(purpose.parse().unwrap())
        .build(&e)
        .unwrap()
    };
    let by_name = |d: &crossborder::Decision<'_>, rule: &str| {
        d.rules()
            .find(|r| format!("{}/{}", r.pack_id(), r.rule_id()) == rule)
            .and_then(|r| r.alternative().map(str::to_owned))
    };
    let fulfilment = order("fulfilment");
    let d = e.evaluate(&fulfilment, &NoEvidence);
    assert_eq!(
        by_name(&d, "cn-pipl/legal-basis").as_deref(),
        Some("contract-or-hr"),
        "{d}"
    );
    assert!(
        by_name(&d, "eu-gdpr/chapter-v-targeted").is_some_and(|a| a.contains("contract")),
        "{d}"
    );
    // A purpose that means one no enabled pack declares is refused when the engine is built.
    let typo = shop.replace("contract_with_subject", "contract_with_subjct");
    let err = Engine::builder()
        .enable("cn-pipl")
        .enable("eu-gdpr")
        .pack(PolicyPack::from_toml_str(&typo).unwrap())
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), BuildErrorKind::UnknownReference);
    assert!(
        err.to_string()
            .ends_with("means `contract_with_subjct`, which no enabled pack declares; did you mean `contract_with_subject`?"),
        "{err}"
    );
}

#[test]
fn hole_2_a_mistyped_evidence_scope_is_refused_by_a_bound_store_and_explained_otherwise() {
    let e = support::engine(&["cn-pledge-2015"]);
    let typo = support::consent(
        "c-1",
        "u-42",
        ConsentKind::Express,
        scope(&["personal.sensitive.helth"], "US", OperationSet::all()),
        t(2026, 1, 1),
    );
    // A store bound to the engine refuses it, with the name it probably meant.
    let bound = MemoryEvidence::new().checked_by(e.clone());
    let err = bound.grant(typo.clone()).unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::UnknownName);
    assert_eq!(
        err.to_string(),
        "consent `c-1` names category `personal.sensitive.helth`, which no enabled pack declares (did you mean `personal.sensitive.health`?)"
    );
    // A store that is not bound keeps it; the deny then says the consent is held, and why it
    // does not count (before: only that a consent was "missing").
    let unbound = support::store_with([typo]);
    let act = to_us(
        data_of(subject("u-42"), &["personal.sensitive.health"], "CN"),
        party("acme-cn"),
    )
    .build(&e)
    .unwrap();
    let d = e.evaluate(&act, &unbound);
    assert!(!d.is_allowed());
    // `missing()` alone says what is missing; explained with the evidence, it says what is
    // held and why it does not count.
    assert!(
        d.rules().next().unwrap().missing()[0].missing[0]
            .near_misses
            .is_empty()
    );
    let missing = d.rules().next().unwrap().missing_explained(&unbound);
    let near = &missing[0].missing[0].near_misses;
    assert_eq!(near.len(), 1, "{d}");
    assert_eq!(near[0].id.as_str(), "c-1");
    assert!(near[0].reasons.contains(&Mismatch::UnknownName {
        what: "category".into(),
        name: "personal.sensitive.helth".into(),
        suggestion: Some("personal.sensitive.health".into()),
    }));
    assert!(
        d.explain(&unbound).to_string().contains("held, but does not count: consent `c-1`: covers `personal.sensitive.helth`, not `personal.sensitive.health`; names category `personal.sensitive.helth`, which no enabled pack declares (did you mean `personal.sensitive.health`?)"),
        "{d}"
    );
}

/// A company pack: biometric data never leaves the EEA, naming the GDPR pack's own group.
const NO_BIOMETRIC: &str = r#"
format = 1
id = "acme-biometric-eea"
title = "Biometric data stays in the EEA"
kind = "voluntary"
issuer = "DE"
version = "1"

[[rules]]
id = "no-biometric-out-of-eea"
summary = "Biometric data collected in the EEA stays there"
cite = "company policy 12"
prohibit = true
applies_when = { collected_in = ["eu-gdpr:EEA"], destination_not_in = ["eu-gdpr:EEA"], categories = ["personal.sensitive.biometric"] }
"#;

#[test]
fn hole_3_a_company_pack_names_another_packs_group() {
    let e = Engine::builder()
        .enable("eu-gdpr")
        .pack(PolicyPack::from_toml_str(NO_BIOMETRIC).unwrap())
        .build()
        .unwrap();
    let face_scan = |collected: &str, dest: &str| {
        let data = data_of(
            subject("u-9").located_at_collection(j(collected)),
            &["personal.sensitive.biometric"],
            collected,
        );
        support::act(
            Operation::Transfer,
            dest,
            data,
            party("acme-fr").established_in(j("FR")),
            t(2026, 3, 1),
        )
        .build(&e)
        .unwrap()
    };
    // Réunion is in eu-gdpr's EEA group (an outermost region); typed lists missed it and the
    // act was allowed.
    let from_reunion = face_scan("RE", "US");
    let d = e.evaluate(&from_reunion, &NoEvidence);
    assert!(
        d.deciding_rules()
            .any(|r| r.rule_id() == "no-biometric-out-of-eea"),
        "{d}"
    );
    assert!(
        e.evaluate(&face_scan("FR", "DE"), &NoEvidence)
            .rules()
            .all(|r| r.rule_id() != "no-biometric-out-of-eea")
    );
    // Naming the group of a pack that is not enabled is an error that says so.
    let err = Engine::builder()
        .pack(PolicyPack::from_toml_str(NO_BIOMETRIC).unwrap())
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), BuildErrorKind::UnknownReference);
    assert_eq!(
        err.to_string(),
        "pack `acme-biometric-eea` names group `eu-gdpr:EEA`, but pack `eu-gdpr` is not enabled: enable it, or list the places"
    );
    let err = Engine::builder()
        .enable("eu-gdpr")
        .pack(
            PolicyPack::from_toml_str(&NO_BIOMETRIC.replace("eu-gdpr:EEA\"]", "eu-gdpr:EAA\"]"))
                .unwrap(),
        )
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("but pack `eu-gdpr` declares no group `EAA`; did you mean `EEA`?"),
        "{err}"
    );
}

#[test]
fn hole_4_unstated_facts_are_shown_and_can_be_required() {
    let e = support::engine(&["eu-gdpr"]);
    let order = to_us(
        data_of(
            subject("cust-8").resident_in(j("CN")),
            &["personal.contact"],
            "CN",
        ),
        party("shop-cn").established_in(j("CN")),
    )
    .recipient(
        party("fulfil-us")
            .established_in(j("US"))
            .with_role(crossborder::Role::Controller),
    );
    let built = order.clone().build(&e).unwrap();
    let d = e.evaluate(&built, &NoEvidence);
    let targeted = d
        .rules()
        .find(|r| r.rule_id() == "chapter-v-targeted")
        .unwrap();
    assert_eq!(
        targeted.assumed().collect::<Vec<_>>(),
        [Fact::SubjectLocation]
    );
    assert!(
        d.to_string()
            .contains("assumed: subject location at collection unknown"),
        "{d}"
    );
    let json = serde_json::to_value(&d).unwrap();
    assert!(
        json["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["assumed"][0] == "subject_location")
    );
    // An engine for hosts that always know the facts refuses the act instead.
    let strict = Engine::builder()
        .enable("eu-gdpr")
        .require_stated_facts(true)
        .build()
        .unwrap();
    let err = order.clone().build(&strict).unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::UnstatedFact);
    assert!(
        err.to_string().starts_with(
            "the transfer does not state the subject's location at collection, which rule `eu-gdpr/"
        ),
        "{err}"
    );
    assert_ne!(strict.fingerprint(), e.fingerprint());
}

#[test]
fn hole_5_non_utf8_packs_and_zoneless_instants_are_located_with_a_hint() {
    let latin1 = b"format = 1\nid = \"x\"\ntitle = \"Caf\xe9\"\n";
    let err = PackLoader::new()
        .file_name("cafe.toml")
        .load_bytes(latin1, Format::Toml)
        .unwrap_err();
    let p = &err.problems()[0];
    assert_eq!(p.location().file(), Some("cafe.toml"));
    assert_eq!(
        (p.location().line(), p.location().column()),
        (Some(3), Some(13))
    );
    assert_eq!(
        p.message(),
        "the pack is not UTF-8: invalid byte 0xe9 at byte offset 32"
    );
    let err = TransferBuilder::from_json_str(r#"{"operation": "transfer", "at": "2026-03-01"}"#)
        .unwrap_err();
    assert_eq!(err.kind(), ModelErrorKind::InvalidJson);
    assert_eq!(
        err.to_string(),
        "1:45: at: invalid instant `2026-03-01`: expected an RFC 3339 instant with a time zone, such as `2026-03-01T00:00:00Z`"
    );
}

#[test]
fn packs_load_from_paths_by_extension() {
    let dir = std::env::temp_dir().join(format!("crossborder-hygiene-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("shop.toml");
    std::fs::write(&toml, NO_MARKETING).unwrap();
    let pack = PackLoader::new().load_path(&toml).unwrap();
    assert_eq!(pack.id(), "shop");
    let json = dir.join("shop.json");
    std::fs::write(&json, pack.to_json_string()).unwrap();
    assert_eq!(PackLoader::new().load_path(&json).unwrap(), pack);
    let yaml = dir.join("shop.yaml");
    std::fs::write(&yaml, "id: shop").unwrap();
    let err = PackLoader::new().load_path(&yaml).unwrap_err();
    assert!(
        err.to_string().ends_with(
            "shop.yaml: the file name ends in neither `.toml` nor `.json`, so its format is unknown"
        ),
        "{err}"
    );
    let err = PackLoader::new()
        .load_path(dir.join("missing.toml"))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("missing.toml: cannot read the file: "),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn problems_are_sorted_by_position() {
    let text = "format = 1\nid = \"x\"\ntitle = \"T\"\nkind = \"law\"\nissuer = \"CN\"\nversion = \"1\"\n[[rules]]\nid = \"b\"\nsummary = \"s\"\ncite = \"c\"\nprohibit = true\napplies_when = { origin_in = [\"XX\"], collected_in = [\"YY\"] }\n[[rules]]\nid = \"a\"\nsummary = \"s\"\ncite = \"c\"\nprohibit = true\napplies_when = { origin_in = [\"ZZ\"] }\n";
    let err = PolicyPack::from_toml_str(text).unwrap_err();
    let lines: Vec<(usize, usize)> = err
        .problems()
        .iter()
        .map(|p| (p.location().line().unwrap(), p.location().column().unwrap()))
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
}

/// The newcomer trial's table of bad inputs: each message, with its location and hint.
#[test]
fn bad_inputs_get_located_messages_with_hints() {
    let head = "format = 1\nid = \"bad\"\ntitle = \"T\"\nkind = \"law\"\nissuer = \"CN\"\nversion = \"1\"\n[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\nprohibit = true\n";
    let pack_error = |rest: &str| -> String {
        PackLoader::new()
            .file_name("bad.toml")
            .load_toml(&format!("{head}{rest}"))
            .unwrap_err()
            .to_string()
    };
    // Unknown field: the likely field first.
    assert!(
        pack_error("applies_when = { destinaton_not_in = [\"CN\"] }\n").starts_with(
            "bad.toml:12:18: rules[0].applies_when.destinaton_not_in: unknown field `destinaton_not_in`: did you mean `destination_not_in`? (expected one of"
        )
    );
    // Not-ISO codes and groups written as countries.
    assert_eq!(
        pack_error("applies_when = { origin_in = [\"UK\"] }\n"),
        "bad.toml:12:31: rules[0].applies_when.origin_in[0]: rule `r` references unknown jurisdiction `UK`; did you mean `GB`?"
    );
    assert_eq!(
        pack_error("applies_when = { origin_in = [\"EU\"] }\n"),
        "bad.toml:12:31: rules[0].applies_when.origin_in[0]: rule `r` references unknown jurisdiction `EU`; `EU` is a group, not a country: name a pack's group, such as `eu-gdpr:EU` or `eu-gdpr:EEA`"
    );
    assert!(
        pack_error("applies_when = { categories = [\"personal.biometric\"] }\n")
            .ends_with("references unknown category `personal.biometric`; did you mean `personal.sensitive.biometric`?")
    );
    // A JSON pack that is not an object.
    let err = PackLoader::new().load_json("[[[1]]]").unwrap_err();
    assert_eq!(
        err.to_string(),
        "1:1: expected a pack: a JSON object with `format`, `id`, `title`, `kind`, `issuer` and `version`"
    );
    // Countries through the API.
    for (code, hint) in [
        ("UK", "; did you mean `GB`?"),
        ("cn", "; did you mean `CN`?"),
        (
            "EU",
            "; `EU` is a group, not a country: name a pack's group, such as `eu-gdpr:EU` or `eu-gdpr:EEA`",
        ),
        ("USA", "; did you mean `US`?"),
    ] {
        let e = code.parse::<crossborder::Jurisdiction>().unwrap_err();
        assert!(e.to_string().ends_with(hint), "{code}: {e}");
    }
    // A country inside transfer JSON: the path, line and column, and the hint.
    let err = TransferBuilder::from_json_str(r#"{"destination": "UK"}"#).unwrap_err();
    assert_eq!(err.location().unwrap().path(), "destination");
    assert!(err.to_string().ends_with("did you mean `GB`?"), "{err}");
    // Missing fields of transfer JSON name the path of the object they are missing from.
    let err = TransferBuilder::from_json_str(
        r#"{"data": {"categories": ["personal"], "individuals": {"one": {"id": "u"}}}}"#,
    )
    .unwrap_err();
    assert_eq!(err.location().unwrap().path(), "data");
    assert!(
        err.message().starts_with("missing field `collected_in`"),
        "{err}"
    );
    // Unknown names a transfer uses.
    let e = support::engine(&["eu-gdpr"]);
    let data = data_of(subject("u"), &["personal.biometric"], "FR");
    let err = to_us(data, party("x")).build(&e).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown category `personal.biometric`: the enabled packs' taxonomy does not declare it; did you mean `personal.sensitive.biometric`?"
    );
    let data = data_of(subject("u"), &["personal.contact"], "FR");
    let err = to_us(data, party("x"))
        .tag("ocasional".parse().unwrap())
        .build(&e)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown tag `ocasional` on the transfer: no enabled pack declares it; did you mean `occasional`?"
    );
    // Unknown pack ids and options list what there is.
    let err = Engine::builder().enable("eu_gdpr").build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown built-in pack `eu_gdpr`; did you mean `eu-gdpr`?"
    );
    let err = Engine::builder()
        .enable("eu-gdpr")
        .option("eu-gdpr", "check_art_9", true)
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("pack `eu-gdpr` declares no option `check_art_9`; "),
        "{err}"
    );
    // Evidence JSON: the path, and the closest name for a kind or a field.
    let consent = |fields: &str| {
        crossborder::Consent::from_json_str(&format!(
            r#"{{"id": "c-1", "subject": "u-1", "granted_at": "2026-03-01T00:00:00Z", "scope": {{"categories": ["personal"], "destinations": ["US"], "operations": ["transfer"]}}, {fields}}}"#
        ))
        .unwrap_err()
    };
    let err = consent(r#""kind": "explict""#);
    assert_eq!(err.location().unwrap().path(), "kind");
    assert!(
        err.message()
            .starts_with("unknown variant `explict`: did you mean `explicit`?"),
        "{err}"
    );
    let err = consent(r#""kind": "express", "withdrawn_at": "2026-02-01T00:00:00Z""#);
    assert_eq!(err.kind(), ModelErrorKind::InvalidJson);
    assert!(
        err.message().starts_with("consent `c-1` cannot be withdrawn at 2026-02-01T00:00:00Z, before it is granted at 2026-03-01T00:00:00Z"),
        "{err}"
    );
    // A transfer built for another engine is denied with a diagnostic (unchanged).
    let other = support::engine(&["cn-pledge-2015"]);
    let tr = to_us(
        data_of(subject("u"), &["personal.contact"], "FR"),
        party("x"),
    )
    .build(&other)
    .unwrap();
    let d = e.evaluate(&tr, &NoEvidence);
    assert!(
        !d.is_allowed()
            && d.diagnostics()[0]
                .message()
                .contains("build it again with this engine")
    );
}
