//! The catalog request form: handles resolved once, a transfer refilled in place. It gives the
//! builder's transfer exactly, rejects another catalog's handles, fails closed on unstated
//! facts, and refills without allocating.

use crossborder::{
    Act, Catalog, ConsentKind, DataItem, Engine, NoEvidence, Operation, OperationSet, Party, Role,
    Subject, Transfer, TransferErrorKind,
};

use crate::support::{self, consent, j, party, scope, subject, t};

struct Handles {
    cn: crossborder::PlaceHandle,
    us: crossborder::PlaceHandle,
    de: crossborder::PlaceHandle,
    health: crossborder::CategoriesHandle,
    contact: crossborder::CategoriesHandle,
    u42: crossborder::SubjectHandle,
    acme: crossborder::PartyHandle,
    cloud: crossborder::PartyHandle,
}

fn handles(c: &mut Catalog) -> Handles {
    Handles {
        cn: c.place(j("CN")).unwrap(),
        us: c.place(j("US")).unwrap(),
        de: c.place(j("DE")).unwrap(),
        health: c
            .categories(["personal.sensitive.health".parse().unwrap()])
            .unwrap(),
        contact: c
            .categories([
                "personal.contact".parse().unwrap(),
                "personal.contact".parse().unwrap(),
            ])
            .unwrap(),
        u42: c
            .subject(
                subject("u-42")
                    .resident_in(j("CN"))
                    .citizen_of(j("CN"))
                    .citizen_of(j("DE")),
            )
            .unwrap(),
        acme: c.party(party("acme-cn").established_in(j("CN"))).unwrap(),
        cloud: c.party(party("cloud").with_role(Role::Processor)).unwrap(),
    }
}

fn builder_form(category: &str, collected: &str, dest: &str, day: u32) -> Transfer {
    let e = engine();
    built(&e, category, collected, dest, day)
}

fn built(e: &Engine, category: &str, collected: &str, dest: &str, day: u32) -> Transfer {
    let s = subject("u-42")
        .resident_in(j("CN"))
        .citizen_of(j("CN"))
        .citizen_of(j("DE"));
    support::act(
        Operation::Transfer,
        dest,
        support::data_of(s, &[category], collected),
        party("acme-cn").established_in(j("CN")),
        t(2026, 3, day),
    )
    .recipient(party("cloud").with_role(Role::Processor))
    .id("q-1".parse().unwrap())
    .build(e)
    .unwrap()
}

fn engine() -> Engine {
    support::engine(&["cn-pipl", "eu-gdpr"])
}

#[test]
fn the_catalog_gives_the_builders_transfer_and_decision() {
    let e = engine();
    let mut c = e.catalog();
    let h = handles(&mut c);
    let id = "q-1".parse().unwrap();
    let store = support::store_with([consent(
        "c-1",
        "u-42",
        ConsentKind::Separate,
        scope(&["personal"], "US", OperationSet::all()),
        t(2026, 1, 1),
    )]);
    for (cats, name, collected, cname, dest, dname) in [
        (
            h.health,
            "personal.sensitive.health",
            h.cn,
            "CN",
            h.us,
            "US",
        ),
        (h.contact, "personal.contact", h.de, "DE", h.us, "US"),
        (h.contact, "personal.contact", h.cn, "CN", h.de, "DE"),
    ] {
        let act = Act::new(
            Operation::Transfer,
            h.u42,
            cats,
            collected,
            dest,
            h.acme,
            t(2026, 3, 2),
        )
        .recipient(h.cloud)
        .id(&id);
        let fast = c.transfer(&act).unwrap();
        let slow = built(&e, name, cname, dname, 2);
        assert_eq!(fast, slow);
        assert_eq!(
            e.evaluate(&fast, &store).report(),
            e.evaluate(&slow, &store).report()
        );
    }
}

#[test]
fn fill_overwrites_whatever_the_buffer_held() {
    let e = engine();
    let mut c = e.catalog();
    let h = handles(&mut c);
    // A batch with purposes and tags first: fill must leave none of it behind.
    let mut buffer = support::act(
        Operation::Store,
        "DE",
        DataItem::bulk(["personal.contact".parse().unwrap()], j("DE"), 3, 4),
        party("other").established_in(j("DE")),
        t(2026, 1, 1),
    )
    .build(&e)
    .unwrap();
    let id = "q-1".parse().unwrap();
    let act = Act::new(
        Operation::Transfer,
        h.u42,
        h.health,
        h.cn,
        h.us,
        h.acme,
        t(2026, 3, 5),
    )
    .recipient(h.cloud)
    .id(&id);
    c.fill(&act, &mut buffer).unwrap();
    // Every fact and every resolved id equal to the builder's transfer of the same act.
    assert_eq!(
        buffer,
        builder_form("personal.sensitive.health", "CN", "US", 5)
    );
    // And again with another act into the same buffer.
    let act2 = Act::new(
        Operation::Transfer,
        h.u42,
        h.contact,
        h.de,
        h.us,
        h.acme,
        t(2026, 3, 6),
    )
    .recipient(h.cloud);
    c.fill(&act2, &mut buffer).unwrap();
    assert_eq!(buffer, c.transfer(&act2).unwrap());
    assert_eq!(
        e.evaluate(&buffer, &NoEvidence).report(),
        e.evaluate(&c.transfer(&act2).unwrap(), &NoEvidence)
            .report()
    );
}

#[test]
fn another_catalogs_handle_is_an_error_and_leaves_the_buffer_alone() {
    let e = engine();
    let mut mine = e.catalog();
    let mut theirs = e.catalog();
    let h = handles(&mut mine);
    let other = handles(&mut theirs);
    let act = Act::new(
        Operation::Transfer,
        h.u42,
        h.health,
        h.cn,
        h.us,
        h.acme,
        t(2026, 3, 2),
    );
    let mut buffer = mine.transfer(&act).unwrap();
    let before = buffer.clone();
    let foreign = Act::new(
        Operation::Transfer,
        other.u42,
        h.health,
        h.cn,
        h.us,
        h.acme,
        t(2026, 3, 9),
    );
    let err = mine.fill(&foreign, &mut buffer).unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::ForeignHandle);
    assert!(err.to_string().contains("subject handle"), "{err}");
    assert_eq!(buffer, before);
    let err = mine.transfer(&act.recipient(other.cloud)).unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::ForeignHandle);
    assert!(err.to_string().contains("party handle"), "{err}");
    assert!(mine.subject_of(other.u42).is_none());
    assert_eq!(
        mine.subject_of(h.u42),
        Some(
            subject("u-42")
                .resident_in(j("CN"))
                .citizen_of(j("CN"))
                .citizen_of(j("DE"))
        )
    );
    assert_eq!(
        mine.party_of(h.cloud).and_then(Party::role),
        Some(Role::Processor)
    );
}

#[test]
fn registration_checks_names_as_the_builder_does() {
    let e = engine();
    let mut c = e.catalog();
    let err = c
        .categories(["personal.nonesuch".parse().unwrap()])
        .unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::UnknownCategory);
    let err = c.categories([]).unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::InvalidValue);
    let err = c
        .purposes(["no-such-purpose".parse().unwrap()])
        .unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::UnknownPurpose);
    let err = c.tags(["no-such-tag".parse().unwrap()]).unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::UnknownTag);
    let err = c
        .party(party("p").with_tag("no-such-tag".parse().unwrap()))
        .unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::UnknownTag);
    let err = c.place(j("US-CA")).unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::UnknownSubdivision);
    let err = c
        .subject(Subject::new("u-1".parse().unwrap()).resident_in(j("US-CA")))
        .unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::UnknownSubdivision);
}

#[test]
fn an_unstated_fact_fails_closed() {
    let e = Engine::builder()
        .enable("eu-gdpr")
        .require_stated_facts(true)
        .build()
        .unwrap();
    let mut c = e.catalog();
    let fr = c.place(j("FR")).unwrap();
    let us = c.place(j("US")).unwrap();
    let contact = c.categories(["personal.contact".parse().unwrap()]).unwrap();
    let u1 = c.subject(subject("u-1")).unwrap();
    let shop = c.party(party("shop").established_in(j("FR"))).unwrap();
    let act = Act::new(
        Operation::Transfer,
        u1,
        contact,
        fr,
        us,
        shop,
        t(2026, 3, 1),
    );
    let err = c.transfer(&act).unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::UnstatedFact);
    // The builder agrees.
    let slow = support::act(
        Operation::Transfer,
        "US",
        support::data_of(subject("u-1"), &["personal.contact"], "FR"),
        party("shop").established_in(j("FR")),
        t(2026, 3, 1),
    )
    .build(&e)
    .unwrap_err();
    assert_eq!(slow.kind(), TransferErrorKind::UnstatedFact);
    // A buffer filled anyway denies when evaluated.
    let lenient = Engine::builder().enable("eu-gdpr").build().unwrap();
    let mut lc = lenient.catalog();
    let (fr2, us2) = (lc.place(j("FR")).unwrap(), lc.place(j("US")).unwrap());
    let c2 = lc
        .categories(["personal.contact".parse().unwrap()])
        .unwrap();
    let u2 = lc.subject(subject("u-1")).unwrap();
    let s2 = lc.party(party("shop").established_in(j("FR"))).unwrap();
    let mut buffer = lc
        .transfer(&Act::new(
            Operation::Transfer,
            u2,
            c2,
            fr2,
            us2,
            s2,
            t(2026, 3, 1),
        ))
        .unwrap();
    let err = c.fill(&act, &mut buffer).unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::UnstatedFact);
    let d = e.evaluate(&buffer, &NoEvidence);
    assert!(!d.is_allowed());
    assert!(!d.diagnostics().is_empty());
}

#[test]
fn replacing_a_subject_changes_later_fills() {
    let pack = format!(
        "{}[[rules]]\nid = \"r\"\nsummary = \"s\"\ncite = \"c\"\napplies_when = {{ subject_resident_in = [\"DE\"], destination_not_in = [\"DE\"] }}\nprohibit = true\n",
        support::pack_header("t")
    );
    let e = support::engine_of(&pack);
    let mut c = e.catalog();
    let us = c.place(j("US")).unwrap();
    let sg = c.place(j("SG")).unwrap();
    let contact = c.categories(["personal".parse().unwrap()]).unwrap();
    let u = c.subject(subject("u-7").resident_in(j("SG"))).unwrap();
    let shop = c.party(party("shop").established_in(j("SG"))).unwrap();
    let act = Act::new(Operation::Transfer, u, contact, sg, us, shop, t(2026, 3, 1));
    let before = e
        .evaluate(&c.transfer(&act).unwrap(), &NoEvidence)
        .is_allowed();
    c.replace_subject(u, subject("u-7").resident_in(j("DE")))
        .unwrap();
    let after = c.transfer(&act).unwrap();
    assert_eq!(
        after.data().subject().and_then(Subject::residence),
        Some(j("DE"))
    );
    let denied = !e.evaluate(&after, &NoEvidence).is_allowed();
    assert!(
        before && denied,
        "a DE resident's data to the US needs a basis"
    );
    let mut other = e.catalog();
    let foreign = other.subject(subject("u-8")).unwrap();
    let err = c.replace_subject(foreign, subject("u-8")).unwrap_err();
    assert_eq!(err.kind(), TransferErrorKind::ForeignHandle);
}

#[test]
fn refilling_allocates_nothing() {
    let e = engine();
    let mut c = e.catalog();
    let h = handles(&mut c);
    let id = "q-9".parse().unwrap();
    let acts = [
        Act::new(
            Operation::Transfer,
            h.u42,
            h.health,
            h.cn,
            h.us,
            h.acme,
            t(2026, 3, 1),
        )
        .id(&id),
        Act::new(
            Operation::Store,
            h.u42,
            h.contact,
            h.de,
            h.de,
            h.acme,
            t(2026, 3, 2),
        )
        .recipient(h.cloud),
    ];
    let mut buffer = c.transfer(&acts[0]).unwrap();
    for a in &acts {
        c.fill(a, &mut buffer).unwrap();
    }
    let fills = allocation_counter::measure(|| {
        for _ in 0..50 {
            for a in &acts {
                c.fill(a, &mut buffer).unwrap();
            }
        }
    })
    .count_total;
    assert_eq!(fills, 0, "refilling allocated {fills} times");
    assert_eq!(buffer, c.transfer(&acts[1]).unwrap());
}
