//! Property tests: the compiled engine against a naive reference evaluator, and the semantic
//! guarantees of the evaluation semantics (DESIGN.md, "Semantics"), each its own test.
//!
//! Cases per property: `CROSSBORDER_PROPTEST_CASES` (default 256, so that `cargo test` stays
//! quick; CI runs 10,000, and a soak run a million). Failing seeds are kept in
//! `proptest-regressions/` and replayed first.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

#[cfg(feature = "durable")]
mod durable;
mod reference;
mod strategies;

use std::collections::BTreeMap;

use crossborder::decision::Verdict;
use crossborder::report::DecisionReport;
use crossborder::{
    Act, Approval, Certification, Consent, ConsentKind, Engine, Operation, PolicyPack, Scope,
    Transfer, TransferBuilder,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::Value;
use strategies::{EvidenceSet, arb_case};

fn config() -> Config {
    let cases = std::env::var("CROSSBORDER_PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/proptest-regressions/props.txt"
        )))),
        ..Config::default()
    }
}

struct Case {
    packs: Vec<PolicyPack>,
    refs: Vec<reference::Pack>,
    options: BTreeMap<(String, String), bool>,
    engine: Engine,
    transfer: Transfer,
    evidence: EvidenceSet,
}

fn case(packs: &(Vec<Value>, Vec<bool>), evidence: EvidenceSet, transfer: TransferBuilder) -> Case {
    let (docs, opts) = packs;
    let packs: Vec<PolicyPack> = docs
        .iter()
        .map(|d| PolicyPack::from_json_str(&d.to_string()).unwrap_or_else(|e| panic!("{e}\n{d:#}")))
        .collect();
    let mut b = Engine::builder();
    let mut options = BTreeMap::new();
    for (p, o) in packs.iter().zip(opts) {
        b = b.pack(p.clone()).option(p.id(), "o1", *o);
        options.insert((p.id().to_owned(), "o1".to_owned()), *o);
    }
    let engine = b.build().unwrap();
    let transfer = transfer.build(&engine).unwrap();
    let refs = packs.iter().map(reference::parse).collect();
    Case {
        packs,
        refs,
        options,
        engine,
        transfer,
        evidence,
    }
}

fn decide(c: &Case, ev: &EvidenceSet) -> (reference::Decision, reference::Decision) {
    let store = ev.store();
    let engine = reference::from_engine(&c.engine.evaluate(&c.transfer, &store));
    let naive = reference::decide(&c.refs, &c.options, &c.transfer, &store);
    (engine, naive)
}

proptest! {
    #![proptest_config(config())]

    /// Engine and reference agree on the effect, the applicable rules and their verdicts, the
    /// satisfying alternative and evidence, and the missing sets.
    #[test]
    fn engine_agrees_with_the_reference((packs, ev, t) in arb_case()) {
        let c = case(&packs, ev, t);
        let (engine, naive) = decide(&c, &c.evidence);
        prop_assert_eq!(&engine, &naive, "transfer: {}", c.transfer);
        let d = c.engine.evaluate(&c.transfer, &c.evidence.store());
        prop_assert!(d.diagnostics().is_empty());
        // No applicable rule means allow, with "no rule applies" visible.
        prop_assert_eq!(naive.rules.is_empty(), d.no_rule_applies());
        if d.no_rule_applies() {
            prop_assert!(d.is_allowed());
            prop_assert!(d.to_string().contains("no rule applies"));
        }
    }

    /// The catalog's request form (handles resolved once, a transfer refilled in place) gives
    /// the builder's transfer exactly, and so the same decision, whatever the buffer held.
    #[test]
    fn the_catalog_form_agrees_with_the_builder((packs, ev, t) in arb_case(), (_, _, before) in arb_case()) {
        let c = case(&packs, ev, t);
        let Some(subject) = c.transfer.data().subject() else {
            // A batch goes through the builder only.
            return Ok(());
        };
        let mut cat = c.engine.catalog();
        let tr = &c.transfer;
        let collected = cat.place(tr.data().collected_in()).unwrap();
        let mut act = Act::new(
            tr.operation(),
            cat.subject(subject.clone()).unwrap(),
            cat.categories(tr.data().categories().iter().cloned()).unwrap(),
            collected,
            cat.place(tr.destination()).unwrap(),
            cat.party(tr.exporter().clone()).unwrap(),
            tr.at(),
        );
        if tr.origin() != tr.data().collected_in() {
            act = act.origin(cat.place(tr.origin()).unwrap());
        }
        if let Some(r) = tr.recipient() {
            act = act.recipient(cat.party(r.clone()).unwrap());
        }
        if !tr.purposes().is_empty() {
            act = act.purposes(cat.purposes(tr.purposes().iter().cloned()).unwrap());
        }
        if !tr.tags().is_empty() {
            act = act.tags(cat.tags(tr.tags().iter().cloned()).unwrap());
        }
        if let Some(id) = tr.id() {
            act = act.id(id);
        }
        let fresh = cat.transfer(&act).unwrap();
        prop_assert_eq!(&fresh, tr);
        // A buffer that held another act (for this engine when it builds there, else for
        // another engine): refilled, it is the same transfer.
        let mut buffer = before.build(&c.engine).unwrap_or_else(|_| fresh.clone());
        cat.fill(&act, &mut buffer).unwrap();
        prop_assert_eq!(&buffer, tr);
        let store = c.evidence.store();
        prop_assert_eq!(
            c.engine.evaluate(&buffer, &store).report(),
            c.engine.evaluate(tr, &store).report()
        );
    }

    /// Same engine, same transfer, same evidence: the same decision, in the same order.
    #[test]
    fn evaluation_is_deterministic((packs, ev, t) in arb_case()) {
        let c = case(&packs, ev, t);
        let store = c.evidence.store();
        let a = c.engine.evaluate(&c.transfer, &store).report();
        let b = c.engine.evaluate(&c.transfer, &store).report();
        prop_assert_eq!(&a, &b);
        let other = case(&packs, c.evidence.clone(), c.transfer.to_builder());
        prop_assert_eq!(a, other.engine.evaluate(&other.transfer, &other.evidence.store()).report());
    }

    /// Adding valid evidence never turns allow into deny.
    #[test]
    fn adding_evidence_never_denies((packs, ev, t) in arb_case(), extra in strategies::arb_evidence()) {
        let c = case(&packs, ev, t);
        let before = c.engine.evaluate(&c.transfer, &c.evidence.store()).is_allowed();
        let mut more = c.evidence.clone();
        let n = more.consents.len() + more.approvals.len() + more.certifications.len();
        more.consents.extend(extra.consents.into_iter().enumerate().map(|(i, x)| rename_consent(x, n + i)));
        more.approvals.extend(extra.approvals.into_iter().enumerate().map(|(i, x)| rename_approval(x, n + i)));
        more.certifications.extend(extra.certifications.into_iter().enumerate().map(|(i, (p, x))| (p, rename_cert(x, n + i))));
        let after = c.engine.evaluate(&c.transfer, &more.store()).is_allowed();
        prop_assert!(!before || after, "allow became deny after adding evidence");
    }

    /// Withdrawing, expiring or revoking evidence never turns deny into allow.
    #[test]
    fn withdrawing_evidence_never_allows((packs, ev, t) in arb_case(), pick in 0usize..8) {
        let c = case(&packs, ev, t);
        let before = c.engine.evaluate(&c.transfer, &c.evidence.store()).is_allowed();
        let at = c.transfer.at();
        let mut less = c.evidence.clone();
        let n = less.consents.len() + less.approvals.len() + less.certifications.len();
        if n > 0 {
            let i = pick % n;
            if i < less.consents.len() {
                let x = &less.consents[i];
                // Withdraw at the act (or expire it there) when that is a valid update.
                let updated = if pick % 2 == 0 { x.clone().withdrawn(at) } else { x.clone().expiring(at) };
                if let Ok(u) = updated { less.consents[i] = u; }
            } else if i < less.consents.len() + less.approvals.len() {
                let j = i - less.consents.len();
                if let Ok(u) = less.approvals[j].clone().revoked(at) { less.approvals[j] = u; }
            } else {
                let j = i - less.consents.len() - less.approvals.len();
                if let Ok(u) = less.certifications[j].1.clone().revoked(at) { less.certifications[j].1 = u; }
            }
        }
        let after = c.engine.evaluate(&c.transfer, &less.store()).is_allowed();
        prop_assert!(before || !after, "deny became allow after withdrawing evidence");
    }

    /// A prohibition that applies denies whatever evidence is added.
    #[test]
    fn prohibitions_are_absolute((packs, ev, t) in arb_case(), extra in strategies::arb_evidence()) {
        let c = case(&packs, ev, t);
        let d = c.engine.evaluate(&c.transfer, &c.evidence.store());
        let prohibited: Vec<String> = d.rules().filter(|r| r.verdict() == Verdict::Prohibited).map(|r| r.rule_id().to_owned()).collect();
        if !prohibited.is_empty() {
            prop_assert!(!d.is_allowed());
            let mut more = c.evidence.clone();
            more.consents.extend(extra.consents.into_iter().enumerate().map(|(i, x)| rename_consent(x, 100 + i)));
            more.approvals.extend(extra.approvals.into_iter().enumerate().map(|(i, x)| rename_approval(x, 100 + i)));
            let d2 = c.engine.evaluate(&c.transfer, &more.store());
            prop_assert!(!d2.is_allowed());
            for id in &prohibited {
                prop_assert!(d2.rules().any(|r| r.rule_id() == id && r.verdict() == Verdict::Prohibited));
            }
        }
    }

    /// Supplying any one reported missing set (valid evidence of that shape) satisfies the rule.
    /// Bases that are facts of the transfer (destination, purpose, role, tags, volume) cannot be
    /// supplied: alternatives missing one of those are skipped.
    #[test]
    fn missing_sets_are_sound((packs, ev, t) in arb_case()) {
        let c = case(&packs, ev, t);
        let d = c.engine.evaluate(&c.transfer, &c.evidence.store());
        for r in d.rules().filter(|r| r.verdict() == Verdict::Unmet) {
            let key = format!("{}/{}", r.pack_id(), r.rule_id());
            let rule = c.refs.iter().flat_map(|p| p.rules.iter().map(move |x| (p, x))).find(|(p, x)| format!("{}/{}", p.id, x.id) == key).unwrap().1;
            for m in r.missing() {
                let kinds: Vec<&str> = m.missing.iter().map(|i| i.basis.as_str()).collect();
                if !kinds.iter().all(|k| ["consent", "approval", "certification"].contains(k)) {
                    continue;
                }
                let alt = rule.require.iter().find(|a| a.name.as_deref() == Some(m.alternative.as_str())).unwrap();
                if kinds.contains(&"consent") && c.transfer.data().subject().is_none() {
                    continue; // a bulk act cannot rest on consent: the text says so
                }
                if kinds.contains(&"certification") && c.transfer.recipient().is_none() {
                    continue; // the missing item is a recipient, a fact of the transfer
                }
                let mut more = c.evidence.clone();
                let at = c.transfer.at();
                let scope = Scope::new(
                    c.transfer.data().categories().iter().cloned(),
                    [c.transfer.destination().country()].into(),
                    [c.transfer.operation()].into(),
                ).unwrap();
                if kinds.contains(&"consent") {
                    let s = c.transfer.data().subject().unwrap();
                    more.consents.push(Consent::new("supplied-c".parse().unwrap(), s.id().clone(), ConsentKind::Written, scope.clone(), at).unwrap().informed_of_risks(true));
                }
                if kinds.contains(&"approval") {
                    let spec = alt.approval.as_ref().unwrap();
                    let mech = spec.mechanisms.as_ref().map_or("any", |m| m[0].as_str());
                    more.approvals.push(Approval::new("supplied-a".parse().unwrap(), spec.authorities[0].parse().unwrap(), mech.parse().unwrap(), c.transfer.exporter().id().clone(), scope.clone(), at).unwrap());
                }
                if kinds.contains(&"certification") {
                    let name = &alt.recipient_certified.as_ref().unwrap()[0];
                    more.certifications.push((c.transfer.recipient().unwrap().id().to_string(), Certification::new("supplied-k".parse().unwrap(), name.parse().unwrap(), at, None).unwrap()));
                }
                let d2 = c.engine.evaluate(&c.transfer, &more.store());
                let r2 = d2.rules().find(|x| x.pack_id() == r.pack_id() && x.rule_id() == r.rule_id()).unwrap();
                prop_assert_eq!(r2.verdict(), Verdict::Satisfied, "supplying {:?} for `{}` of `{}` did not satisfy it", kinds, m.alternative, key);
            }
        }
    }

    /// No transfer or evidence naming what the engine does not declare is accepted: a typo in a
    /// transfer's category, purpose or tag fails its build, and a store bound to the engine
    /// accepts a consent, approval or certification exactly when the packs name everything it
    /// names (judged from the packs' JSON, independently of the engine's vocabulary).
    #[test]
    fn undeclared_names_are_never_accepted((packs, ev, t) in arb_case(), typo in 0usize..4) {
        use crossborder::evidence::EvidenceCheck;
        let c = case(&packs, ev, t.clone());
        let mistyped = match typo {
            1 => t.clone().data(crossborder::DataItem::of_subject(
                crossborder::Subject::new("u1".parse().unwrap()),
                ["personal.contacts".parse().unwrap()],
                "CN".parse().unwrap(),
            )),
            2 => t.clone().purpose("contracts".parse().unwrap()),
            3 => t.clone().tag("sys2".parse().unwrap()),
            _ => t.clone(),
        };
        match (typo, mistyped.build(&c.engine)) {
            (0, built) => prop_assert!(built.is_ok()),
            (1, Err(e)) => prop_assert_eq!(e.kind(), crossborder::TransferErrorKind::UnknownCategory),
            (2, Err(e)) => prop_assert_eq!(e.kind(), crossborder::TransferErrorKind::UnknownPurpose),
            (3, Err(e)) => prop_assert_eq!(e.kind(), crossborder::TransferErrorKind::UnknownTag),
            (_, built) => prop_assert!(false, "a typo was accepted: {:?}", built.map(|t| t.to_string())),
        }
        let alternatives: Vec<&reference::Alternative> = c.refs.iter().flat_map(|p| &p.rules).flat_map(|r| &r.require).collect();
        let declared_purposes: Vec<&str> = c.refs.iter().flat_map(|p| &p.purposes).map(|p| p.name.as_str()).collect();
        for consent in &c.evidence.consents {
            let ok = consent.scope().purposes().iter().all(|p| declared_purposes.contains(&p.as_str()));
            prop_assert_eq!(c.engine.check_consent(consent).is_ok(), ok, "{:?}", consent);
            let typo = Consent::new("t".parse().unwrap(), consent.subject().clone(), consent.kind(),
                Scope::new(["personal.contacts".parse().unwrap()], *consent.scope().destinations(), consent.scope().operations()).unwrap(),
                consent.granted_at()).unwrap();
            prop_assert!(c.engine.check_consent(&typo).is_err());
        }
        for a in &c.evidence.approvals {
            let named = alternatives.iter().filter_map(|alt| alt.approval.as_ref()).any(|spec| {
                spec.authorities.iter().any(|x| x == a.authority().as_str())
                    && spec.mechanisms.as_ref().is_none_or(|m| m.iter().any(|x| x == a.mechanism().as_str()))
            });
            let ok = named && a.scope().purposes().iter().all(|p| declared_purposes.contains(&p.as_str()));
            prop_assert_eq!(c.engine.check_approval(a).is_ok(), ok, "{:?}", a);
        }
        for (_, k) in &c.evidence.certifications {
            let named = alternatives.iter().filter_map(|alt| alt.recipient_certified.as_ref()).any(|l| l.iter().any(|x| x == k.name().as_str()));
            prop_assert_eq!(c.engine.check_certification(k).is_ok(), named, "{:?}", k);
        }
    }

    /// An act at `granted_at` is covered; at `expires_at` or `withdrawn_at` it is not.
    #[test]
    fn consent_time_boundaries(g in 0usize..6, e in 1usize..7, w in 0usize..7) {
        let engine = Engine::builder().enable("cn-pledge-2015").build().unwrap();
        let granted = strategies::instant(g);
        let scope = Scope::new(["personal".parse().unwrap()], "US".parse().unwrap(), [Operation::Transfer].into()).unwrap();
        let mut consent = Consent::new("c".parse().unwrap(), "u1".parse().unwrap(), ConsentKind::Express, scope, granted).unwrap();
        let expires = strategies::instant(g + e);
        if expires > granted { consent = consent.expiring(expires).unwrap(); }
        let withdrawn = strategies::instant(w);
        if withdrawn >= granted { consent = consent.withdrawn(withdrawn).unwrap(); }
        let store = EvidenceSet { consents: vec![consent.clone()], ..EvidenceSet::default() }.store();
        for i in 0..strategies::INSTANTS.len() {
            let at = strategies::instant(i);
            let t = TransferBuilder::default()
                .operation(Operation::Transfer)
                .destination("US".parse().unwrap())
                .data(crossborder::DataItem::of_subject(crossborder::Subject::new("u1".parse().unwrap()), ["personal.sensitive.health".parse().unwrap()], "CN".parse().unwrap()))
                .exporter(crossborder::Party::new("e1".parse().unwrap()))
                .at(at)
                .build(&engine)
                .unwrap();
            let valid = granted <= at
                && consent.expires_at().is_none_or(|x| at < x)
                && consent.withdrawn_at().is_none_or(|x| at < x);
            prop_assert_eq!(engine.evaluate(&t, &store).is_allowed(), valid, "at {}", at);
        }
    }

    /// Packs, evidence, transfers and decisions survive serde; a validated pack survives
    /// TOML -> JSON -> TOML unchanged.
    #[test]
    fn serde_round_trips((packs, ev, t) in arb_case()) {
        let c = case(&packs, ev, t);
        for p in &c.packs {
            let json = p.to_json_string();
            let back = PolicyPack::from_json_str(&json).unwrap();
            prop_assert_eq!(&back, p);
            let toml = p.to_toml_string();
            let via_toml = PolicyPack::from_toml_str(&toml).unwrap();
            prop_assert_eq!(&via_toml, p);
            prop_assert_eq!(PolicyPack::from_json_str(&via_toml.to_json_string()).unwrap().to_toml_string(), toml);
            prop_assert_eq!(serde_json::from_str::<PolicyPack>(&serde_json::to_string(p).unwrap()).unwrap(), p.clone());
        }
        for x in &c.evidence.consents {
            prop_assert_eq!(&serde_json::from_str::<Consent>(&serde_json::to_string(x).unwrap()).unwrap(), x);
        }
        for x in &c.evidence.approvals {
            prop_assert_eq!(&serde_json::from_str::<Approval>(&serde_json::to_string(x).unwrap()).unwrap(), x);
        }
        for (_, x) in &c.evidence.certifications {
            prop_assert_eq!(&serde_json::from_str::<Certification>(&serde_json::to_string(x).unwrap()).unwrap(), x);
        }
        let json = serde_json::to_string(&c.transfer).unwrap();
        let back = serde_json::from_str::<TransferBuilder>(&json).unwrap().build(&c.engine).unwrap();
        prop_assert_eq!(&back, &c.transfer);
        let d = c.engine.evaluate(&c.transfer, &c.evidence.store());
        let report: DecisionReport = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        prop_assert_eq!(report, d.report());
    }
}

fn rename_consent(c: Consent, i: usize) -> Consent {
    let mut x = Consent::new(
        format!("extra-c{i}").parse().unwrap(),
        c.subject().clone(),
        c.kind(),
        c.scope().clone(),
        c.granted_at(),
    )
    .unwrap()
    .informed_of_risks(c.is_informed_of_risks());
    if let Some(e) = c.expires_at() {
        x = x.expiring(e).unwrap();
    }
    if let Some(w) = c.withdrawn_at() {
        x = x.withdrawn(w).unwrap();
    }
    x
}

fn rename_approval(a: Approval, i: usize) -> Approval {
    let v = serde_json::to_value(&a).unwrap();
    let mut v = v;
    v["id"] = Value::from(format!("extra-a{i}"));
    serde_json::from_value(v).unwrap()
}

fn rename_cert(c: Certification, i: usize) -> Certification {
    let mut v = serde_json::to_value(&c).unwrap();
    v["id"] = Value::from(format!("extra-k{i}"));
    serde_json::from_value(v).unwrap()
}

/// Guards the generators against degenerating: over a fixed sample, every verdict and every
/// kind of satisfying evidence and missing basis must occur often enough to be tested.
#[test]
fn generated_cases_exercise_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = arb_case();
    let mut stats: BTreeMap<String, usize> = BTreeMap::new();
    let n = 2_000;
    for _ in 0..n {
        let (packs, ev, t) = strategy.new_tree(&mut runner).unwrap().current();
        let c = case(&packs, ev, t);
        let d = c.engine.evaluate(&c.transfer, &c.evidence.store());
        *stats
            .entry(if d.is_allowed() { "allow" } else { "deny" }.into())
            .or_default() += 1;
        if d.no_rule_applies() {
            *stats.entry("no rule applies".into()).or_default() += 1;
        }
        for r in d.rules() {
            *stats.entry(format!("{:?}", r.verdict())).or_default() += 1;
            for e in r.evidence() {
                *stats
                    .entry(format!("satisfied by {:?}", e.kind()))
                    .or_default() += 1;
            }
            for m in r.missing() {
                for i in m.missing {
                    *stats.entry(format!("missing {}", i.basis)).or_default() += 1;
                }
            }
        }
    }
    println!("{stats:#?}");
    for (what, at_least) in [
        ("allow", n / 10),
        ("deny", n / 10),
        ("no rule applies", n / 50),
        ("Prohibited", n / 50),
        ("Satisfied", n / 10),
        ("Unmet", n / 10),
        ("satisfied by Consent", 10),
        ("satisfied by Approval", 10),
        ("satisfied by Certification", 10),
        ("missing consent", 10),
        ("missing approval", 10),
        ("missing volume", 10),
        ("missing destination", 10),
    ] {
        let got = stats.get(what).copied().unwrap_or(0);
        assert!(
            got >= at_least,
            "`{what}` occurred {got} times in {n} cases, fewer than {at_least}: {stats:#?}"
        );
    }
}
