//! The seed's regime, `cn-pledge-2015`, end to end through the public API.

use chrono::{DateTime, Duration};
use crossborder::decision::{EvidenceKind, Verdict};
use crossborder::{
    Approval, Certification, Consent, ConsentKind, Effect, Engine, MemoryEvidence, NoEvidence,
    Operation, OperationSet, Transfer,
};

use crate::support::{self, data_of, j, party, scope, store_with, subject, t};

fn engine() -> Engine {
    support::engine(&["cn-pledge-2015"])
}

const HEALTH: &str = "personal.sensitive.health";

/// A transfer of `category` about subject `u-42`, collected in `collected`, by `acme-cn`, of
/// `op` to `dest`, on 2026-03-01.
fn act(e: &Engine, op: Operation, category: &str, collected: &str, dest: &str) -> Transfer {
    act_at(e, op, category, collected, dest, t(2026, 3, 1))
}

fn act_at(
    e: &Engine,
    op: Operation,
    category: &str,
    collected: &str,
    dest: &str,
    at: DateTime<chrono::Utc>,
) -> Transfer {
    let exporter = party("acme-cn").established_in(j("CN"));
    let data = data_of(subject("u-42").resident_in(j("CN")), &[category], collected);
    support::act(op, dest, data, exporter, at)
        .id("t-1".parse().unwrap())
        .recipient(party("acme-us").established_in(j(dest)))
        .build(e)
        .unwrap()
}

/// `data` sent to the US by `acme-cn` on 2026-03-01.
fn acme_to_us(e: &Engine, data: crossborder::DataItem) -> Transfer {
    support::act(
        Operation::Transfer,
        "US",
        data,
        party("acme-cn"),
        t(2026, 3, 1),
    )
    .build(e)
    .unwrap()
}

/// A consent of `u-42`, granted on 2026-01-01.
fn consent(id: &str, kind: ConsentKind, scope: crossborder::Scope) -> Consent {
    support::consent(id, "u-42", kind, scope, t(2026, 1, 1))
}

fn express_health_to_us() -> Consent {
    consent(
        "c-1",
        ConsentKind::Express,
        scope(&[HEALTH], "US", [Operation::Transfer].into()),
    )
}

fn approval(holder: &str) -> Approval {
    support::approval(
        "sa-1",
        "CN-CAC",
        "security_assessment",
        holder,
        scope(&["personal.sensitive"], "US,HK", OperationSet::all()),
        t(2025, 1, 1),
    )
    .valid_until(t(2028, 1, 1))
    .unwrap()
}

#[test]
fn allowed_with_a_valid_express_consent_covering_the_act() {
    let e = engine();
    let tr = act(&e, Operation::Transfer, HEALTH, "CN", "US");
    let store = store_with([express_health_to_us()]);
    let d = e.evaluate(&tr, &store);
    assert_eq!(d.effect(), Effect::Allow, "{d}");
    assert!(!d.no_rule_applies());
    let r = d.rules().next().unwrap();
    assert_eq!(r.pack_id(), "cn-pledge-2015");
    assert_eq!(r.rule_id(), "pledge-sensitive-abroad");
    assert_eq!(r.verdict(), Verdict::Satisfied);
    assert_eq!(r.alternative(), Some("express-permission"));
    assert_eq!(r.evidence().len(), 1);
    assert_eq!(r.evidence()[0].kind(), EvidenceKind::Consent);
    assert_eq!(r.evidence()[0].id().as_str(), "c-1");
    let obligations = r.obligations();
    assert_eq!(obligations.len(), 1);
    assert_eq!(obligations[0].id, "accept-supervision");
    assert!(r.cite().starts_with("2015 pledge"));
    assert!(r.missing().is_empty());
}

#[test]
fn a_stronger_consent_kind_satisfies_an_express_requirement() {
    let e = engine();
    let tr = act(&e, Operation::Transfer, HEALTH, "CN", "US");
    for kind in [
        ConsentKind::Explicit,
        ConsentKind::Separate,
        ConsentKind::Written,
    ] {
        let store = store_with([consent(
            "c-1",
            kind,
            scope(&[HEALTH], "US", [Operation::Transfer].into()),
        )]);
        assert!(e.evaluate(&tr, &store).is_allowed(), "{kind}");
    }
}

#[test]
fn a_consent_for_a_parent_category_covers_its_descendants() {
    let e = engine();
    let tr = act(&e, Operation::Transfer, HEALTH, "CN", "US");
    let store = store_with([consent(
        "c-1",
        ConsentKind::Express,
        scope(&["personal.sensitive"], "US", [Operation::Transfer].into()),
    )]);
    assert!(e.evaluate(&tr, &store).is_allowed());
}

#[test]
fn withdrawal_denies_from_its_instant_and_never_rewrites_history() {
    let e = engine();
    let store = store_with([express_health_to_us()]);
    let before = act_at(&e, Operation::Transfer, HEALTH, "CN", "US", t(2026, 5, 31));
    let at_withdrawal = act_at(&e, Operation::Transfer, HEALTH, "CN", "US", t(2026, 6, 1));
    let just_before = act_at(
        &e,
        Operation::Transfer,
        HEALTH,
        "CN",
        "US",
        t(2026, 6, 1) - Duration::nanoseconds(1),
    );
    assert!(e.evaluate(&at_withdrawal, &store).is_allowed());

    store
        .withdraw(&"c-1".parse().unwrap(), t(2026, 6, 1))
        .unwrap();
    let d = e.evaluate(&at_withdrawal, &store);
    assert_eq!(d.effect(), Effect::Deny, "{d}");
    assert_eq!(d.rules().next().unwrap().verdict(), Verdict::Unmet);
    // A decision as of an earlier instant is unchanged.
    assert!(e.evaluate(&before, &store).is_allowed());
    assert!(e.evaluate(&just_before, &store).is_allowed());
}

#[test]
fn consent_boundaries_granted_is_covered_expiry_is_not() {
    let e = engine();
    let c = express_health_to_us().expiring(t(2026, 6, 1)).unwrap();
    let store = store_with([c]);
    let at = |d| act_at(&e, Operation::Transfer, HEALTH, "CN", "US", d);
    assert!(e.evaluate(&at(t(2026, 1, 1)), &store).is_allowed());
    assert!(
        !e.evaluate(&at(t(2026, 1, 1) - Duration::seconds(1)), &store)
            .is_allowed()
    );
    assert!(
        e.evaluate(&at(t(2026, 6, 1) - Duration::seconds(1)), &store)
            .is_allowed()
    );
    assert!(!e.evaluate(&at(t(2026, 6, 1)), &store).is_allowed());
}

#[test]
fn denied_when_the_consent_has_expired() {
    let e = engine();
    let store = store_with([express_health_to_us().expiring(t(2026, 2, 1)).unwrap()]);
    let tr = act(&e, Operation::Transfer, HEALTH, "CN", "US");
    let d = e.evaluate(&tr, &store);
    assert_eq!(d.effect(), Effect::Deny);
}

#[test]
fn denied_when_the_consent_is_only_implied() {
    let e = engine();
    let store = store_with([consent(
        "c-1",
        ConsentKind::Implied,
        scope(&[HEALTH], "US", [Operation::Transfer].into()),
    )]);
    let tr = act(&e, Operation::Transfer, HEALTH, "CN", "US");
    let d = e.evaluate(&tr, &store);
    assert_eq!(d.effect(), Effect::Deny);
}

#[test]
fn denied_when_the_consent_covers_another_destination_category_or_operation() {
    let e = engine();
    let tr = act(&e, Operation::Transfer, HEALTH, "CN", "US");
    let cases = [
        (
            "destination",
            scope(&[HEALTH], "GB", [Operation::Transfer].into()),
        ),
        (
            "category",
            scope(
                &["personal.sensitive.biometric"],
                "US",
                [Operation::Transfer].into(),
            ),
        ),
        (
            "operation",
            scope(&[HEALTH], "US", [Operation::Store].into()),
        ),
    ];
    for (what, s) in cases {
        let store = store_with([consent("c-1", ConsentKind::Express, s)]);
        assert_eq!(
            e.evaluate(&tr, &store).effect(),
            Effect::Deny,
            "other {what}"
        );
    }
}

#[test]
fn a_consent_of_another_subject_does_not_count() {
    let e = engine();
    let tr = act(&e, Operation::Transfer, HEALTH, "CN", "US");
    let other = Consent::new(
        "c-9".parse().unwrap(),
        "u-7".parse().unwrap(),
        ConsentKind::Express,
        scope(&[HEALTH], "US", OperationSet::all()),
        t(2026, 1, 1),
    )
    .unwrap();
    assert!(!e.evaluate(&tr, &store_with([other])).is_allowed());
}

#[test]
fn allowed_with_a_valid_approval_held_by_the_exporter() {
    let e = engine();
    let store = MemoryEvidence::new();
    store.add_approval(approval("acme-cn")).unwrap();
    let tr = act(&e, Operation::Store, HEALTH, "CN", "US");
    let d = e.evaluate(&tr, &store);
    assert_eq!(d.effect(), Effect::Allow, "{d}");
    let r = d.rules().next().unwrap();
    assert_eq!(r.alternative(), Some("authority-approval"));
    assert_eq!(r.evidence()[0].kind(), EvidenceKind::Approval);
    assert_eq!(r.evidence()[0].id().as_str(), "sa-1");
}

#[test]
fn an_approval_held_by_another_party_does_not_count() {
    let e = engine();
    let store = MemoryEvidence::new();
    store.add_approval(approval("other-co")).unwrap();
    assert!(
        !e.evaluate(&act(&e, Operation::Store, HEALTH, "CN", "US"), &store)
            .is_allowed()
    );
}

#[test]
fn an_approval_by_an_authority_not_named_does_not_count() {
    let e = engine();
    let store = MemoryEvidence::new();
    let a = Approval::new(
        "a-1".parse().unwrap(),
        "US-FTC".parse().unwrap(),
        "certification".parse().unwrap(),
        "acme-cn".parse().unwrap(),
        scope(&["personal"], "US", OperationSet::all()),
        t(2025, 1, 1),
    )
    .unwrap();
    store.add_approval(a).unwrap();
    assert!(
        !e.evaluate(&act(&e, Operation::Store, HEALTH, "CN", "US"), &store)
            .is_allowed()
    );
}

#[test]
fn denied_when_the_approval_has_expired_or_is_revoked() {
    let e = engine();
    let tr = act(&e, Operation::Store, HEALTH, "CN", "US");
    let expired = MemoryEvidence::new();
    let mut a = approval("acme-cn");
    a = Approval::new(
        a.id().clone(),
        a.authority().clone(),
        a.mechanism().clone(),
        a.holder().clone(),
        a.scope().clone(),
        t(2023, 1, 1),
    )
    .unwrap()
    .valid_until(t(2026, 1, 1))
    .unwrap();
    expired.add_approval(a).unwrap();
    assert_eq!(e.evaluate(&tr, &expired).effect(), Effect::Deny);

    let revoked = MemoryEvidence::new();
    revoked.add_approval(approval("acme-cn")).unwrap();
    assert!(e.evaluate(&tr, &revoked).is_allowed());
    revoked
        .revoke_approval(&"sa-1".parse().unwrap(), t(2026, 2, 1))
        .unwrap();
    assert_eq!(e.evaluate(&tr, &revoked).effect(), Effect::Deny);
    // Before the revocation the approval still counted.
    let earlier = act_at(&e, Operation::Store, HEALTH, "CN", "US", t(2026, 1, 15));
    assert!(e.evaluate(&earlier, &revoked).is_allowed());
}

#[test]
fn an_extended_approval_covers_the_extension() {
    let e = engine();
    let store = MemoryEvidence::new();
    store.add_approval(approval("acme-cn")).unwrap();
    let late = act_at(&e, Operation::Store, HEALTH, "CN", "US", t(2029, 1, 1));
    assert!(!e.evaluate(&late, &store).is_allowed());
    store
        .extend_approval(&"sa-1".parse().unwrap(), t(2031, 1, 1))
        .unwrap();
    assert!(e.evaluate(&late, &store).is_allowed());
}

#[test]
fn not_applicable_to_non_sensitive_data() {
    let e = engine();
    let tr = act(&e, Operation::Transfer, "personal.contact", "CN", "US");
    let d = e.evaluate(&tr, &NoEvidence);
    assert_eq!(d.effect(), Effect::Allow);
    assert!(d.no_rule_applies());
    assert!(d.to_string().contains("no rule applies"), "{d}");
}

#[test]
fn not_applicable_to_data_collected_outside_china() {
    let e = engine();
    for collected in ["US", "HK", "DE", "TW"] {
        let tr = act(&e, Operation::Transfer, HEALTH, collected, "US");
        let d = e.evaluate(&tr, &NoEvidence);
        assert!(d.no_rule_applies(), "collected in {collected}");
    }
}

#[test]
fn not_applicable_when_the_destination_is_china() {
    let e = engine();
    for op in Operation::ALL {
        let tr = act(&e, *op, HEALTH, "CN", "CN");
        let d = e.evaluate(&tr, &NoEvidence);
        assert!(d.no_rule_applies(), "{op}");
    }
}

#[test]
fn hong_kong_macao_and_taiwan_count_as_outside_china() {
    let e = engine();
    for dest in ["HK", "MO", "TW"] {
        let tr = act(&e, Operation::Transfer, HEALTH, "CN", dest);
        let d = e.evaluate(&tr, &NoEvidence);
        assert_eq!(d.effect(), Effect::Deny, "{dest}");
        let missing = d.rules().next().unwrap().missing();
        assert!(missing[0].missing[0].text.contains(&format!("to `{dest}`")));
    }
    // The approval that covers HK lifts the rule for HK only.
    let store = MemoryEvidence::new();
    store.add_approval(approval("acme-cn")).unwrap();
    assert!(
        e.evaluate(&act(&e, Operation::Transfer, HEALTH, "CN", "HK"), &store)
            .is_allowed()
    );
    assert!(
        !e.evaluate(&act(&e, Operation::Transfer, HEALTH, "CN", "MO"), &store)
            .is_allowed()
    );
}

#[test]
fn remote_access_from_abroad_is_governed_like_a_transfer() {
    let e = engine();
    let access = act(&e, Operation::RemoteAccess, HEALTH, "CN", "US");
    let d = e.evaluate(&access, &NoEvidence);
    assert_eq!(d.effect(), Effect::Deny);
    assert_eq!(
        d.rules().next().unwrap().rule_id(),
        "pledge-sensitive-abroad"
    );
    // A consent for transfer only does not cover remote access; one for remote access does.
    assert!(
        !e.evaluate(&access, &store_with([express_health_to_us()]))
            .is_allowed()
    );
    let c = consent(
        "c-2",
        ConsentKind::Express,
        scope(&[HEALTH], "US", [Operation::RemoteAccess].into()),
    );
    assert!(e.evaluate(&access, &store_with([c])).is_allowed());
}

#[test]
fn store_and_process_abroad_are_governed_too() {
    let e = engine();
    for op in [Operation::Store, Operation::Process] {
        assert_eq!(
            e.evaluate(&act(&e, op, HEALTH, "CN", "US"), &NoEvidence)
                .effect(),
            Effect::Deny,
            "{op}"
        );
    }
}

#[test]
fn the_missing_sets_say_concretely_what_would_make_the_act_lawful() {
    let e = engine();
    let tr = act(&e, Operation::Transfer, HEALTH, "CN", "US");
    let d = e.evaluate(&tr, &NoEvidence);
    let r = d.rules().next().unwrap();
    let missing = r.missing();
    assert_eq!(missing.len(), 2);
    assert_eq!(missing[0].alternative, "express-permission");
    assert_eq!(missing[0].missing.len(), 1);
    assert_eq!(missing[0].missing[0].basis.as_str(), "consent");
    assert_eq!(
        missing[0].missing[0].text,
        "express consent of subject `u-42` covering `personal.sensitive.health` to `US` for `transfer`, valid at 2026-03-01T00:00:00Z"
    );
    assert_eq!(missing[1].alternative, "authority-approval");
    assert_eq!(
        missing[1].missing[0].text,
        "approval by `CN-CAC`, `CN-MIIT` or `CN-MPS` held by `acme-cn` covering `personal.sensitive.health` to `US` for `transfer`, valid at 2026-03-01T00:00:00Z"
    );
    let text = d.to_string();
    assert!(
        text.starts_with("DENY: transfer of personal.sensitive.health about subject `u-42`"),
        "{text}"
    );
    assert!(
        text.contains("[unmet] cn-pledge-2015/pledge-sensitive-abroad"),
        "{text}"
    );
    assert!(text.contains("missing, any one of:"), "{text}");
}

#[test]
fn supplying_each_missing_set_satisfies_the_rule() {
    let e = engine();
    let tr = act(&e, Operation::Transfer, HEALTH, "CN", "US");
    let d = e.evaluate(&tr, &NoEvidence);
    assert_eq!(d.effect(), Effect::Deny);
    // The consent the first missing set describes.
    let store = store_with([consent(
        "c-new",
        ConsentKind::Express,
        scope(&[HEALTH], "US", [Operation::Transfer].into()),
    )]);
    assert!(e.evaluate(&tr, &store).is_allowed());
    // The approval the second describes.
    let store = MemoryEvidence::new();
    store
        .add_approval(
            Approval::new(
                "a-new".parse().unwrap(),
                "CN-MPS".parse().unwrap(),
                "any_mechanism".parse().unwrap(),
                "acme-cn".parse().unwrap(),
                scope(&[HEALTH], "US", [Operation::Transfer].into()),
                tr.at(),
            )
            .unwrap(),
        )
        .unwrap();
    assert!(e.evaluate(&tr, &store).is_allowed());
}

#[test]
fn decisions_render_as_json_and_round_trip_as_reports() {
    let e = engine();
    let tr = act(&e, Operation::Transfer, HEALTH, "CN", "US");
    let store = store_with([express_health_to_us()]);
    let d = e.evaluate(&tr, &store);
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["effect"], "allow");
    assert_eq!(json["transfer_id"], "t-1");
    assert_eq!(json["rules"][0]["rule"], "pledge-sensitive-abroad");
    assert_eq!(json["rules"][0]["alternative"], "express-permission");
    assert_eq!(json["rules"][0]["evidence"][0]["id"], "c-1");
    assert_eq!(json["rules"][0]["evidence"][0]["kind"], "consent");
    assert_eq!(json["packs"][0]["id"], "cn-pledge-2015");
    let report: crossborder::report::DecisionReport = serde_json::from_value(json).unwrap();
    assert_eq!(report, d.report());
}

#[test]
fn minors_data_of_any_category_is_sensitive_by_default() {
    let e = engine();
    let kid = data_of(subject("kid-1").minor(true), &["personal.contact"], "CN");
    let tr = acme_to_us(&e, kid);
    let d = e.evaluate(&tr, &NoEvidence);
    assert_eq!(d.effect(), Effect::Deny);
    assert_eq!(d.rules().next().unwrap().rule_id(), "pledge-minor-abroad");
}

#[test]
fn the_strict_option_governs_all_personal_information() {
    let strict = Engine::builder()
        .enable("cn-pledge-2015")
        .option("cn-pledge-2015", "sensitive_as_pipl_art28", false)
        .build()
        .unwrap();
    let tr = act(&strict, Operation::Transfer, "personal.contact", "CN", "US");
    let d = strict.evaluate(&tr, &NoEvidence);
    assert_eq!(d.effect(), Effect::Deny);
    assert_eq!(
        d.rules().next().unwrap().rule_id(),
        "pledge-personal-abroad"
    );
    // Non-personal data stays out of scope.
    let tr = act(&strict, Operation::Transfer, "nonpersonal", "CN", "US");
    let d = strict.evaluate(&tr, &NoEvidence);
    assert!(d.no_rule_applies());
}

#[test]
fn bulk_acts_cannot_rest_on_consent_but_can_rest_on_an_approval() {
    let e = engine();
    let data = support::batch(&[HEALTH], "CN", 500, 0);
    let tr = acme_to_us(&e, data);
    let d = e.evaluate(&tr, &NoEvidence);
    assert_eq!(d.effect(), Effect::Deny);
    let missing = d.rules().next().unwrap().missing();
    assert!(
        missing[0].missing[0]
            .text
            .contains("list the batch's members (`subjects`) or send one transfer per subject"),
        "{:?}",
        missing
    );
    let store = MemoryEvidence::new();
    store.add_approval(approval("acme-cn")).unwrap();
    assert!(e.evaluate(&tr, &store).is_allowed());
}

#[test]
fn a_transfer_built_for_another_engine_is_denied_with_a_diagnostic() {
    let pledge = engine();
    let strict = Engine::builder()
        .enable("cn-pledge-2015")
        .option("cn-pledge-2015", "sensitive_as_pipl_art28", false)
        .build()
        .unwrap();
    let tr = act(&strict, Operation::Transfer, "nonpersonal", "CN", "US");
    let d = pledge.evaluate(&tr, &NoEvidence);
    assert_eq!(d.effect(), Effect::Deny);
    assert!(!d.no_rule_applies());
    assert!(d.diagnostics()[0].message().contains("built for engine"));
}

#[test]
fn certifications_are_not_a_basis_of_the_pledge() {
    // A recipient certification is irrelevant to the pledge: the act stays denied.
    let e = engine();
    let cert = Certification::new(
        "dpf-1".parse().unwrap(),
        "eu-us-dpf".parse().unwrap(),
        t(2024, 1, 1),
        None,
    )
    .unwrap();
    let store = MemoryEvidence::new();
    store.certify("acme-us".parse().unwrap(), cert).unwrap();
    assert!(
        !e.evaluate(&act(&e, Operation::Transfer, HEALTH, "CN", "US"), &store)
            .is_allowed()
    );
}

#[test]
fn consents_can_be_withdrawn_while_other_threads_evaluate() {
    let e = engine();
    let store = std::sync::Arc::new(store_with([express_health_to_us()]));
    let tr = act(&e, Operation::Transfer, HEALTH, "CN", "US");
    let early = act_at(&e, Operation::Transfer, HEALTH, "CN", "US", t(2026, 2, 1));
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..2_000 {
                    // Whatever the interleaving, the decision as of February never changes.
                    assert!(e.evaluate(&early, &*store).is_allowed());
                    let _ = e.evaluate(&tr, &*store).effect();
                }
            });
        }
        s.spawn(|| {
            store
                .withdraw(&"c-1".parse().unwrap(), t(2026, 2, 15))
                .unwrap();
        });
    });
    assert!(!e.evaluate(&tr, &*store).is_allowed());
    assert!(e.evaluate(&early, &*store).is_allowed());
}
