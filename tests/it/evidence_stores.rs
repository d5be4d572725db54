//! Evidence stores agree: the compact [`MemoryEvidence`] (its own indexes), its snapshot, the
//! trait's visiting defaults over its rebuilt items, and a deliberately plain `Vec`-backed
//! store written here against the public API alone give the same decision on every act.
//!
//! The `Vec` store is the proof that the extension point needs nothing of the engine: it
//! implements the visitor methods and `volume`, records ledger entries the engine computes,
//! and leaves every question to the trait's defaults.

use std::ops::ControlFlow;

use chrono::{DateTime, Utc};
use crossborder::evidence::{Counted, LedgerEntry, VolumeCount, VolumeQuery};
use crossborder::{
    Approval, Certification, Consent, ConsentKind, Engine, Evidence, MemoryEvidence, Operation,
    OperationSet, PartyId, Scope, SubjectId, Transfer,
};

use crate::support::{self, data_of, engine_requiring, party, scope, subject};

/// A store that keeps everything in plain lists and answers by scanning them.
#[derive(Default)]
struct VecEvidence {
    consents: Vec<Consent>,
    approvals: Vec<Approval>,
    certifications: Vec<(PartyId, Certification)>,
    ledger: Vec<LedgerEntry>,
}

impl VecEvidence {
    fn withdraw(&mut self, id: &str, at: DateTime<Utc>) {
        let c = self
            .consents
            .iter_mut()
            .find(|c| c.id().as_str() == id)
            .unwrap();
        *c = c.clone().withdrawn(at).unwrap();
    }
}

impl Evidence for VecEvidence {
    fn consents(&self, subject: &SubjectId, visit: &mut dyn FnMut(&Consent) -> ControlFlow<()>) {
        for c in self.consents.iter().filter(|c| c.subject() == subject) {
            if visit(c).is_break() {
                return;
            }
        }
    }

    fn approvals(&self, holder: &PartyId, visit: &mut dyn FnMut(&Approval) -> ControlFlow<()>) {
        for a in self.approvals.iter().filter(|a| a.holder() == holder) {
            if visit(a).is_break() {
                return;
            }
        }
    }

    fn certifications(
        &self,
        party: &PartyId,
        visit: &mut dyn FnMut(&Certification) -> ControlFlow<()>,
    ) {
        for (_, c) in self.certifications.iter().filter(|(p, _)| p == party) {
            if visit(c).is_break() {
                return;
            }
        }
    }

    /// Distinct subjects (once each) and bulk counts recorded in the window.
    fn volume(&self, q: &VolumeQuery<'_>) -> VolumeCount {
        let mut subjects: Vec<&SubjectId> = Vec::new();
        let mut individuals = 0u64;
        for e in self.ledger.iter().filter(|e| {
            e.exporter() == q.exporter()
                && e.counter() == q.counter()
                && q.from() <= e.at()
                && e.at() <= q.to()
        }) {
            match e.counted() {
                Counted::Subject(s) if !subjects.contains(&s) => {
                    subjects.push(s);
                    individuals += 1;
                }
                Counted::Subject(_) => {}
                Counted::Individuals(n) => individuals += n,
            }
        }
        let includes = q.subject().is_some_and(|s| subjects.contains(&s));
        VolumeCount::new(individuals, includes)
    }
}

/// Answers every question through the trait's visiting defaults, over `MemoryEvidence`'s
/// rebuilt items (the definition of a match, applied to the compact store's contents).
struct Visiting<'a>(&'a MemoryEvidence);

impl Evidence for Visiting<'_> {
    fn consents(&self, s: &SubjectId, v: &mut dyn FnMut(&Consent) -> ControlFlow<()>) {
        self.0.consents(s, v);
    }
    fn approvals(&self, h: &PartyId, v: &mut dyn FnMut(&Approval) -> ControlFlow<()>) {
        self.0.approvals(h, v);
    }
    fn certifications(&self, p: &PartyId, v: &mut dyn FnMut(&Certification) -> ControlFlow<()>) {
        self.0.certifications(p, v);
    }
    fn volume(&self, q: &VolumeQuery<'_>) -> VolumeCount {
        self.0.volume(q)
    }
}

/// The same evidence in both stores.
struct Both {
    memory: MemoryEvidence,
    plain: VecEvidence,
}

impl Both {
    fn new() -> Self {
        Both {
            memory: MemoryEvidence::new(),
            plain: VecEvidence::default(),
        }
    }
    fn grant(&mut self, c: Consent) {
        self.memory.grant(c.clone()).unwrap();
        self.plain.consents.push(c);
    }
    fn withdraw(&mut self, id: &str, at: DateTime<Utc>) {
        self.memory.withdraw(&id.parse().unwrap(), at).unwrap();
        self.plain.withdraw(id, at);
    }
    fn approve(&mut self, a: Approval) {
        self.memory.add_approval(a.clone()).unwrap();
        self.plain.approvals.push(a);
    }
    fn certify(&mut self, party: &str, c: Certification) {
        let party: PartyId = party.parse().unwrap();
        self.memory.certify(party.clone(), c.clone()).unwrap();
        self.plain.certifications.push((party, c));
    }
    fn record(&mut self, engine: &Engine, t: &Transfer) {
        let entries = engine.ledger_entries(t).unwrap();
        self.memory.record_entries(&entries);
        self.plain.ledger.extend(entries);
    }

    /// The decision on `t` from every store, checked equal; whether it allowed.
    fn agree(&self, engine: &Engine, t: &Transfer) -> bool {
        let memory = engine.evaluate(t, &self.memory).report();
        let snapshot = self.memory.snapshot();
        for (name, other) in [
            ("snapshot", engine.evaluate(t, &snapshot).report()),
            (
                "visiting",
                engine.evaluate(t, &Visiting(&self.memory)).report(),
            ),
            ("vec", engine.evaluate(t, &self.plain).report()),
        ] {
            assert_eq!(memory, other, "{name} store disagrees on {t:?}");
        }
        memory.effect == crossborder::Effect::Allow
    }
}

fn at(y: i32, d: u32) -> DateTime<Utc> {
    support::t(y, 1, d)
}

/// A single-subject act.
#[allow(
    clippy::too_many_arguments,
    reason = "every fact of the act varies in the grids below"
)]
fn act(
    e: &Engine,
    who: &str,
    cats: &[&str],
    dest: &str,
    op: Operation,
    exporter: &str,
    recipient: Option<&str>,
    purpose: Option<&str>,
    when: DateTime<Utc>,
) -> Transfer {
    let mut b = support::act(
        op,
        dest,
        data_of(subject(who), cats, "CN"),
        party(exporter),
        when,
    );
    if let Some(r) = recipient {
        b = b.recipient(party(r));
    }
    if let Some(p) = purpose {
        b = b.purpose(p.parse().unwrap());
    }
    b.build(e).unwrap()
}

/// `who`'s contact data sent to the US by `acme` at `when`.
fn contact_to_us(e: &Engine, who: &str, when: DateTime<Utc>) -> Transfer {
    let cats = ["personal.contact"];
    act(
        e,
        who,
        &cats,
        "US",
        Operation::Transfer,
        "acme",
        None,
        None,
        when,
    )
}

#[test]
fn approvals_and_certifications_agree_across_stores() {
    let mut s = Both::new();
    let approval = |id: &str, authority: &str, mechanism: &str, holder: &str, sc: Scope| {
        support::approval(id, authority, mechanism, holder, sc, at(2025, 1))
    };
    s.approve(approval(
        "a1",
        "CN-CAC",
        "cac_assessment",
        "acme",
        scope(&["personal.sensitive"], "US", OperationSet::all()),
    ));
    s.approve(
        approval(
            "a2",
            "CN-CAC",
            "cn_standard_contract",
            "acme",
            scope(&["personal"], "US,GB", OperationSet::all()),
        )
        .revoked(at(2026, 10))
        .unwrap(),
    );
    s.approve(
        approval(
            "a3",
            "EU-COM",
            "scc",
            "acme",
            scope(&["personal"], "US", OperationSet::all()),
        )
        .valid_until(at(2027, 1))
        .unwrap(),
    );
    s.approve(approval(
        "a4",
        "CN-CAC",
        "pip_certification",
        "beta",
        scope(&["personal"], "GB", OperationSet::all()),
    ));
    // The same mechanism name under another authority: matched by both names, never one.
    s.approve(approval(
        "a5",
        "EU-COM",
        "cac_assessment",
        "beta",
        scope(&["personal"], "US", OperationSet::all()),
    ));
    let cert = |id: &str, name: &str, until: Option<DateTime<Utc>>| {
        Certification::new(
            id.parse().unwrap(),
            name.parse().unwrap(),
            at(2026, 1),
            until,
        )
        .unwrap()
    };
    s.certify("lab", cert("c1", "eu-us-dpf", None));
    s.certify("lab", cert("c2", "apec-cbpr", Some(at(2026, 5))));
    s.certify("cloud", cert("c3", "apec-cbpr", None));
    let engine = engine_requiring(&[
        "approval = { authorities = [\"CN-CAC\"], mechanisms = [\"cac_assessment\", \"cn_standard_contract\"] }",
        "approval = { authorities = [\"EU-COM\", \"CN-CAC\"] }",
        "recipient_certified = [\"eu-us-dpf\", \"apec-cbpr\"]",
    ]);
    let (mut asked, mut allowed) = (0, 0);
    for exporter in ["acme", "beta", "nobody"] {
        for recipient in ["lab", "cloud", "stranger"] {
            for when in [
                at(2024, 1),
                at(2025, 1),
                at(2026, 3),
                at(2026, 10),
                at(2027, 1),
            ] {
                for cats in [&["personal.contact"][..], &["personal.sensitive.health"]] {
                    for dest in ["US", "GB"] {
                        let t = act(
                            &engine,
                            "u",
                            cats,
                            dest,
                            Operation::Transfer,
                            exporter,
                            Some(recipient),
                            None,
                            when,
                        );
                        asked += 1;
                        allowed += usize::from(s.agree(&engine, &t));
                    }
                }
            }
        }
    }
    // The grid reaches both outcomes (the agreement is not vacuous).
    assert!(allowed > 0 && allowed < asked, "{allowed} of {asked}");
}

#[test]
fn consents_agree_across_stores_at_every_boundary() {
    let mut s = Both::new();
    let consent = |id: &str, who: &str, kind: ConsentKind, sc: Scope, granted| {
        support::consent(id, who, kind, sc, granted)
    };
    let transfer_only: OperationSet = [Operation::Transfer].into();
    // Instants outside what i64 nanoseconds hold, before and after.
    s.grant(
        consent(
            "wide-old",
            "u",
            ConsentKind::Express,
            scope(&["personal.contact"], "US", OperationSet::all()),
            at(1600, 1),
        )
        .expiring(at(1650, 1))
        .unwrap(),
    );
    s.grant(
        consent(
            "wide-new",
            "u",
            ConsentKind::Written,
            scope(&["personal"], "US,GB", transfer_only),
            at(2026, 1),
        )
        .expiring(at(2400, 1))
        .unwrap()
        .informed_of_risks(true),
    );
    s.grant(
        consent(
            "narrow-consent-with-a-long-identifier-0001",
            "u",
            ConsentKind::Separate,
            scope(&["personal.sensitive"], "GB", OperationSet::all())
                .with_purposes(["research".parse().unwrap()])
                .with_recipients(["lab".parse().unwrap()]),
            at(2026, 2),
        )
        .withdrawn(at(2026, 20))
        .unwrap(),
    );
    s.grant(
        consent(
            "other-subject",
            "v",
            ConsentKind::Written,
            scope(&["personal"], "US,GB", OperationSet::all()),
            at(2000, 1),
        )
        .informed_of_risks(true),
    );
    // Every consent comes back whole, found through its id and through its subject.
    for c in &s.plain.consents {
        assert_eq!(s.memory.consent(c.id()).as_ref(), Some(c));
    }
    assert_eq!(
        s.memory.consents_of(&"u".parse().unwrap()),
        s.plain.consents[..3].to_vec()
    );
    let purpose_pack = format!(
        "{}[[purposes]]\nname = \"research\"\nsummary = \"r\"\n[[rules]]\nid = \"express\"\nsummary = \"s\"\ncite = \"c\"\nrequire = [{{ consent = {{ min_kind = \"express\" }} }}]\n[[rules]]\nid = \"written-informed\"\nsummary = \"s\"\ncite = \"c\"\nrequire = [{{ consent = {{ min_kind = \"written\", informed_of_risks = true }} }}]\n",
        support::pack_header("t")
    );
    let engine = support::engine_of(&purpose_pack);
    let instants = [
        at(1500, 1),
        at(1600, 1),
        at(1649, 1),
        at(1650, 1),
        at(2026, 1),
        at(2026, 3),
        at(2026, 20),
        at(2399, 1),
        at(2400, 1),
        at(3000, 1),
    ];
    let check = |s: &Both| {
        let (mut asked, mut allowed) = (0, 0);
        for who in ["u", "v"] {
            for &when in &instants {
                for cats in [
                    &["personal.contact"][..],
                    &["personal.sensitive.health"],
                    &["personal.contact", "personal.sensitive.health"],
                ] {
                    for dest in ["US", "GB", "FR"] {
                        for op in [Operation::Transfer, Operation::Store] {
                            for purpose in [None, Some("research")] {
                                for recipient in [None, Some("lab")] {
                                    let t = act(
                                        &engine, who, cats, dest, op, "acme", recipient, purpose,
                                        when,
                                    );
                                    asked += 1;
                                    allowed += usize::from(s.agree(&engine, &t));
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(allowed > 0 && allowed < asked, "{allowed} of {asked}");
    };
    check(&s);
    // Withdrawals, also to instants outside the nanosecond range; a snapshot taken before
    // them does not see them.
    let before = s.memory.snapshot();
    s.withdraw("wide-new", at(2300, 1));
    s.withdraw("other-subject", at(2500, 1));
    check(&s);
    let t = |who: &str, when| contact_to_us(&engine, who, when);
    assert!(!s.agree(&engine, &t("u", at(2300, 1))));
    assert!(s.agree(&engine, &t("u", at(2299, 1))));
    assert!(
        engine.evaluate(&t("u", at(2300, 1)), &before).is_allowed(),
        "a snapshot does not see later updates"
    );
    assert!(s.agree(&engine, &t("v", at(2499, 1))));
    assert!(!s.agree(&engine, &t("v", at(2500, 1))));
}

#[test]
fn leap_seconds_compare_as_chrono_orders_them() {
    let leap = |nanos: u32| {
        chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_000_000_000 + nanos))
            .unwrap()
            .and_utc()
    };
    let instant = |y, mo, d, h, mi, s, n| {
        chrono::NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|x| x.and_hms_nano_opt(h, mi, s, n))
            .unwrap()
            .and_utc()
    };
    let engine = engine_requiring(&["consent = { min_kind = \"express\" }"]);
    let mut s = Both::new();
    let everything = scope(&["personal"], "US", OperationSet::all());
    // Expires inside the leap second; granted just after it.
    s.grant(
        support::consent(
            "a",
            "u",
            ConsentKind::Express,
            everything.clone(),
            instant(2016, 6, 1, 0, 0, 0, 0),
        )
        .expiring(leap(500_000_000))
        .unwrap(),
    );
    s.grant(
        support::consent(
            "b",
            "v",
            ConsentKind::Express,
            everything,
            instant(2017, 1, 1, 0, 0, 0, 200_000_000),
        )
        .expiring(instant(2018, 1, 1, 0, 0, 0, 0))
        .unwrap(),
    );
    for c in &s.plain.consents {
        assert_eq!(s.memory.consent(c.id()).as_ref(), Some(c));
    }
    let allowed = |s: &Both, who: &str, when| s.agree(&engine, &contact_to_us(&engine, who, when));
    let cases = [
        ("u", instant(2016, 12, 31, 23, 59, 59, 900_000_000), true),
        ("u", leap(200_000_000), true),
        ("u", leap(500_000_000), false),
        ("u", instant(2017, 1, 1, 0, 0, 0, 200_000_000), false),
        ("v", leap(500_000_000), false),
        ("v", leap(999_999_999), false),
        ("v", instant(2017, 1, 1, 0, 0, 0, 200_000_000), true),
        ("v", instant(2017, 1, 1, 0, 0, 0, 100_000_000), false),
    ];
    for (who, when, expected) in cases {
        assert_eq!(allowed(&s, who, when), expected, "{who} at {when:?}");
    }
    s.withdraw("b", instant(2017, 6, 1, 0, 0, 0, 0));
    assert!(!allowed(&s, "v", instant(2017, 6, 1, 0, 0, 0, 0)));
    assert!(allowed(&s, "v", instant(2017, 5, 31, 0, 0, 0, 0)));
}

#[test]
fn ledgers_agree_when_fed_the_engines_entries() {
    // A volume basis and a volume condition on one counter: both stores record what the
    // engine says each executed act adds, and must then count alike.
    let pack = format!(
        "{}[counters.c]\nsummary = \"s\"\nwindow = \"calendar_year\"\nindividuals = \"sensitive\"\napplies_when = {{ categories = [\"personal.sensitive\"] }}\n[[rules]]\nid = \"few\"\nsummary = \"s\"\ncite = \"c\"\nrequire = [{{ volume = [{{ counter = \"c\", below = 5 }}] }}]\n[[rules]]\nid = \"many\"\nsummary = \"s\"\ncite = \"c\"\nprohibit = true\napplies_when = {{ volume = [{{ counter = \"c\", at_least = 8 }}] }}\n",
        support::pack_header("v")
    );
    let engine = support::engine_of(&pack);
    let mut s = Both::new();
    let health = ["personal.sensitive.health"];
    let mut outcomes = Vec::new();
    for day in 1..12u32 {
        let who = format!("u-{}", day % 4);
        let t = act(
            &engine,
            &who,
            &health,
            "US",
            Operation::Transfer,
            "acme",
            None,
            None,
            at(2026, day),
        );
        outcomes.push(s.agree(&engine, &t));
        s.record(&engine, &t);
        let bulk = support::act(
            Operation::Transfer,
            "US",
            support::batch(&health, "CN", u64::from(day % 3), 2),
            party("acme"),
            at(2026, day),
        )
        .build(&engine)
        .unwrap();
        outcomes.push(s.agree(&engine, &bulk));
        s.record(&engine, &bulk);
    }
    // The count crosses both thresholds: early acts allowed, later ones denied.
    assert!(outcomes.first() == Some(&true) && outcomes.last() == Some(&false));
    let acme: PartyId = "acme".parse().unwrap();
    let q = VolumeQuery::new(&acme, "c", at(2026, 1), at(2026, 31), None);
    assert_eq!(s.memory.volume(&q), s.plain.volume(&q));
    assert_eq!(
        s.memory.volume(&q).individuals,
        4 + (1..12u64).map(|d| d % 3).sum::<u64>()
    );
}
